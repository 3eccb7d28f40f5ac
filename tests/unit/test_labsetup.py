"""labsetup's own pieces, without a running lab: CLI, processes, secrets, clouds.yaml, checks."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from labsetup import cli, clouds
from labsetup import lab as L
from labsetup.config import REPO, Lab, Paths, Secrets
from labsetup.proc import Daemon, LabError, port_in_use, wait_port_free, who_listens
from labsetup.services.base import Check, write_ini

SUBCOMMANDS = ["up", "down", "status", "doctor", "reset", "logs", "credentials", "host", "test"]


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LABSETUP_HOME", str(tmp_path / "lab"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return tmp_path


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labsetup", *args], capture_output=True,
                          text=True, cwd=REPO, env={**os.environ, **(env or {})},
                          stdin=subprocess.DEVNULL, timeout=60, check=False)


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help(command: str) -> None:
    p = run_cli(command, "--help")
    assert p.returncode == 0 and "usage: labsetup " + command in p.stdout


def test_unknown_service_gives_one_clear_line(home: Path) -> None:
    p = run_cli("logs", "vcenter", env={"LABSETUP_HOME": str(home / "lab")})
    assert p.returncode == 1
    assert "no lab service called 'vcenter'" in p.stderr and "Traceback" not in p.stderr


def test_reset_without_confirmation_changes_nothing(home: Path) -> None:
    p = run_cli("reset", env={"LABSETUP_HOME": str(home / "lab")})
    assert p.returncode == 1 and "--yes" in p.stderr and "Traceback" not in p.stderr


def test_unknown_host_is_explained(home: Path) -> None:
    p = run_cli("host", "stop", "esxi-01", env={"LABSETUP_HOME": str(home / "lab")})
    assert p.returncode == 1 and "lab-compute-1 and lab-compute-2" in p.stderr


def test_secrets_are_generated_once_and_private(home: Path) -> None:
    lab = Lab.load()
    again = Lab.load()
    assert lab.secrets.values == again.secrets.values
    assert len({lab.secrets[n] for n in Secrets.NAMES}) == len(Secrets.NAMES)
    mode = stat.S_IMODE(lab.paths.secrets_file.stat().st_mode)
    assert mode == 0o600


def test_clouds_yaml_keeps_other_clouds(home: Path) -> None:
    lab = Lab.load()
    path = clouds.clouds_yaml_path()
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"clouds": {"mine": {"auth": {"auth_url": "http://x"}}}}))
    clouds.write_clouds_yaml(lab)
    data = json.loads(path.read_text().split("\n", 1)[1])
    assert set(data["clouds"]) == {"mine", "lab-admin", "lab-demo"}
    assert data["clouds"]["lab-demo"]["auth"]["password"] == lab.secrets["demo"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_credentials_hide_passwords_unless_asked(home: Path) -> None:
    env = {"LABSETUP_HOME": str(home / "lab")}
    p = run_cli("credentials", env=env)
    lab_pw = json.loads((home / "lab" / "secrets.json").read_text())["demo"]
    assert p.returncode == 0 and lab_pw not in p.stdout and "lab-demo" in p.stdout
    assert lab_pw in run_cli("credentials", "--show-passwords", env=env).stdout


def test_ini_files_are_private(tmp_path: Path) -> None:
    f = tmp_path / "x.conf"
    write_ini(f, {"DEFAULT": {"a": True, "b": [1, 2]}, "s": {"c": "d"}})
    assert f.read_text() == "[DEFAULT]\na = true\nb = 1,2\n\n[s]\nc = d\n"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600


def test_daemon_start_stop_and_stale_pid_files(tmp_path: Path) -> None:
    d = Daemon("sleeper", ["sleep", "300"], tmp_path, tmp_path, marker="sleep 300")
    pid = d.start()
    assert d.running() and d.start() == pid  # a second start is a no-op
    d.stop(timeout=5)
    assert not d.running() and not d.pidfile.exists()
    assert not d.died()  # stopped on purpose
    d.pidfile.write_text(str(os.getpid()))  # a PID that runs something else
    assert d.pid() is None and d.died()
    pid = d.start()  # a new start replaces the stale PID file
    assert d.pid() == pid and not d.died()
    d.stop(timeout=5)


def test_a_daemon_is_running_as_soon_as_start_returns(tmp_path: Path) -> None:
    """start() returns once the program runs: before its exec, /proc/PID/cmdline is still
    the starter's, and a check made then would call the new daemon dead."""
    late = "import os, time; time.sleep(0.5); os.execvp('sleep', ['sleep', '301'])"
    d = Daemon("late", [sys.executable, "-c", late], tmp_path, tmp_path, marker="sleep 301")
    d.start()
    try:
        assert d.running() and not d.died()
    finally:
        d.stop(timeout=5)


SLOW_CHILD = """
import os, signal, sys, time
if os.fork() == 0:  # a second worker: still busy for a second after SIGTERM, port in hand
    signal.signal(signal.SIGTERM, lambda *_: (time.sleep(1.5), sys.exit(0)))
else:  # the first: gone at once
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
time.sleep(300)
"""


def test_stop_waits_for_every_process_of_the_daemon(tmp_path: Path) -> None:
    from labsetup.proc import group_alive
    d = Daemon("workers", [sys.executable, "-c", SLOW_CHILD], tmp_path, tmp_path,
               marker="a second worker")
    pid = d.start()
    deadline = time.monotonic() + 10
    while len([p for p in Path("/proc").iterdir() if p.name.isdigit()
               and _pgrp(p) == pid]) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert group_alive(pid)
    t0 = time.monotonic()
    d.stop(timeout=10)
    assert not group_alive(pid)
    assert time.monotonic() - t0 >= 1.0  # it waited for the slow worker


def test_processes_by_service_or_by_daemon(tmp_path: Path, monkeypatch) -> None:
    a = Daemon("svc-a", ["sleep", "301"], tmp_path, tmp_path, marker="sleep 301")
    b = Daemon("svc-b", ["sleep", "302"], tmp_path, tmp_path, marker="sleep 302")
    gone = Daemon("svc-c", ["sleep", "303"], tmp_path, tmp_path, marker="sleep 303")
    fake = SimpleNamespace(name="svc", daemons=lambda lab: [a, b, gone])
    monkeypatch.setattr(L, "every", lambda lab: (fake,))
    pa, pb = a.start(), b.start()
    try:
        assert L.processes(SimpleNamespace()) == {"svc": {pa, pb}}
        assert L.processes(SimpleNamespace(), per_daemon=True) == {
            "svc-a": {pa}, "svc-b": {pb}, "svc-c": set()}
    finally:
        a.stop(timeout=5)
        b.stop(timeout=5)


def _pgrp(proc: Path) -> int:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return -1


def test_port_in_use_names_the_holder() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert port_in_use(port)
        assert str(os.getpid()) in who_listens(port)
    assert not port_in_use(port)


def test_a_port_kept_by_closing_sockets_is_named_and_waited_for() -> None:
    """After a server stops, its closed connections can keep the port for a while: the message
    says so instead of blaming an unknown process, and the preflight waits for the port."""
    listener = socket.socket()  # no SO_REUSEADDR, so its closed connections block the port
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    server_side, _ = listener.accept()
    listener.close()
    server_side.close()  # the server closes first: FIN_WAIT2 until the client closes
    try:
        assert port_in_use(port)
        assert "FIN_WAIT2" in who_listens(port) and "no process" in who_listens(port)
        t0 = time.monotonic()
        assert not wait_port_free(port, timeout=0.5)
        assert time.monotonic() - t0 >= 0.5
    finally:
        client.close()


def test_wait_port_free_returns_when_the_port_is_released() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))  # bound, not listening: nobody to name
    port = holder.getsockname()[1]
    threading.Timer(0.5, holder.close).start()
    assert wait_port_free(port, timeout=10)
    assert not port_in_use(port)


def test_wait_port_free_does_not_wait_for_a_live_listener() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        t0 = time.monotonic()
        assert not wait_port_free(s.getsockname()[1], timeout=10)
        assert time.monotonic() - t0 < 5


def test_preflight_reports_a_taken_port(home: Path, monkeypatch) -> None:
    lab = Lab.load()
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen()
        monkeypatch.setitem(L.PORTS, "swift", s.getsockname()[1])
        problems = L.preflight(lab, (L.service("swift"),))
    assert any("is already in use by PID" in p and "swift" in p for p in problems)


def test_status_table_and_exit_code(home: Path, monkeypatch, capsys) -> None:
    items = [Check("nova", "API answers", True, "HTTP 200"), Check("swift", "process", False, "x")]
    monkeypatch.setattr(L, "checks", lambda lab: items)
    assert cli.main(["status"]) == 1
    out = capsys.readouterr().out
    assert "swift    process      DOWN" in out and "1 check(s) failed" in out


def test_lab_errors_print_a_hint_not_a_traceback(home: Path, monkeypatch, capsys) -> None:
    def boom(lab, jupyter=True):
        raise LabError("port 5000 (keystone) is already in use", "stop that program")
    monkeypatch.setattr(L, "up", boom)
    assert cli.main(["up"]) == 1
    err = capsys.readouterr().err
    assert "port 5000" in err and "→ stop that program" in err and "Traceback" not in err


def test_unexpected_errors_go_to_a_log(home: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(L, "down", lambda lab: 1 / 0)
    assert cli.main(["down"]) == 2
    err = capsys.readouterr().err
    assert "ZeroDivisionError" in err and "labsetup-errors.log" in err
    assert "Traceback" in (home / "lab" / "log" / "labsetup-errors.log").read_text()


def test_progress_prints_each_step_with_its_time() -> None:
    import io
    out = io.StringIO()
    p = L.Progress(2, out)
    with p.step("first"):
        time.sleep(0.01)
    with pytest.raises(RuntimeError), p.step("second"):
        raise RuntimeError
    text = out.getvalue()
    assert "[ 1/2] first" in text and "ok (" in text and "[ 2/2] second" in text
    assert "failed (" in text


def test_paths_stay_under_lab_home(home: Path) -> None:
    p = Paths(home / "lab")
    assert all(str(x).startswith(str(home)) for x in (p.venv, p.course_venv, p.etc, p.log))


def test_preflight_explains_low_memory_and_disk(home: Path, monkeypatch) -> None:
    lab = Lab.load()
    monkeypatch.setattr(L, "mem_available_gib", lambda: 1.2)
    monkeypatch.setattr(L.shutil, "disk_usage", lambda p: SimpleNamespace(free=1 * 1024 ** 3))
    problems = L.preflight(lab, L.ALL)
    assert any("1.2 GiB of memory is free" in p and "Close other programs" in p
               for p in problems)
    assert any("1.0 GiB of disk is free" in p and "LABSETUP_HOME" in p for p in problems)


def test_doctor_names_missing_packages_and_a_dead_service(home: Path, monkeypatch) -> None:
    from labsetup import doctor, install

    lab = Lab.load()
    monkeypatch.setattr(install, "missing_apt", lambda pkgs: ["rabbitmq-server"])
    dead = L.service("placement").daemons(lab)[0]
    dead.logfile.parent.mkdir(parents=True, exist_ok=True)
    dead.logfile.write_text("starting\nERROR placement: database is gone\n")
    dead.pidfile.write_text("999999")  # a PID file whose process is no more
    found = {f.what.splitlines()[0]: f for f in doctor.diagnose(lab)}
    missing = found["Debian packages missing: rabbitmq-server"]
    assert not missing.ok and "as root" in missing.fix
    died = next(f for w, f in found.items() if w.startswith("placement has died"))
    assert "database is gone" in died.what and "labsetup up" in died.fix


def test_doctor_explains_what_real_guests_lack(home: Path, monkeypatch) -> None:
    import dataclasses
    import subprocess as sp

    from labsetup import doctor

    lab = dataclasses.replace(Lab.load(), guests="real")
    real_run = sp.run

    def refused(argv, **kw):  # a machine that refuses namespaces
        if argv[:1] in (["unshare"], ["ip"]):
            return sp.CompletedProcess(argv, 1, "", "unshare failed: Operation not permitted")
        return real_run(argv, **kw)

    monkeypatch.setattr(doctor.subprocess, "run", refused)
    found = {f.what.splitlines()[0]: f for f in doctor.real_guests(lab)}
    netns = next(f for w, f in found.items() if w.startswith("network namespaces"))
    assert not netns.ok and "Operation not permitted" in netns.what
    assert "--guests lab" in netns.fix
    hosts = next(f for w, f in found.items() if w.startswith("namespaces for the hosts"))
    assert not hosts.ok


def test_up_stops_before_starting_anything_when_the_machine_is_short(home: Path, monkeypatch,
                                                                     capsys) -> None:
    monkeypatch.setattr(L, "mem_available_gib", lambda: 0.5)
    started = []
    monkeypatch.setattr(L.install, "install_apt", lambda *a: started.append("apt"))
    assert cli.main(["up", "--no-jupyter"]) == 1
    err = capsys.readouterr().err
    assert "the lab cannot start" in err and "0.5 GiB of memory" in err
    assert started == [] and "Traceback" not in err


def test_bind_address_is_remembered_until_loopback(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from labsetup.config import Lab, bind_address, set_bind_address
    monkeypatch.setenv("LABSETUP_HOME", str(tmp_path))
    monkeypatch.delenv("LABSETUP_BIND", raising=False)
    assert Lab.load().host == "127.0.0.1"
    set_bind_address(Lab.load().paths, "127.0.0.2")
    assert Lab.load().host == "127.0.0.2" and Lab.load().url("nova").startswith("http://127.0.0.2")
    set_bind_address(Lab.load().paths, None)
    assert bind_address(Lab.load().paths) is None and Lab.load().host == "127.0.0.1"


def test_bind_refuses_what_is_not_an_address_of_this_machine() -> None:
    from labsetup.cli import check_bind_address
    assert check_bind_address("127.0.0.2") == "127.0.0.2"
    for bad, words in (("nonsense", "not an IP address"), ("::1", "IPv6"),
                       ("192.0.2.77", "no address")):
        with pytest.raises(LabError, match=words):
            check_bind_address(bad)


def test_profile_sets_processes_and_threads_of_the_apis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from labsetup.config import Lab, set_profile
    from labsetup.services.base import WORKERS, api_workers
    monkeypatch.setenv("LABSETUP_HOME", str(tmp_path))
    monkeypatch.delenv("LABSETUP_WORKERS", raising=False)
    lab = Lab.load()
    assert lab.profile == "default"
    assert {api_workers(lab, n)[0] for n in WORKERS["default"]} == {1}
    set_profile(lab.paths, "classroom")
    lab = Lab.load()
    assert lab.profile == "classroom"
    assert api_workers(lab, "neutron") == WORKERS["classroom"]["neutron"] != \
        WORKERS["default"]["neutron"]
    # an override for trying settings; nonsense in it is ignored, not half-applied
    monkeypatch.setenv("LABSETUP_WORKERS", "neutron=3x6, glance=lots, keystone=0x4")
    assert api_workers(lab, "neutron") == (3, 6)
    assert api_workers(lab, "glance") == WORKERS["classroom"]["glance"]
    assert api_workers(lab, "keystone") == WORKERS["classroom"]["keystone"]
    set_profile(lab.paths, "default")
    assert Lab.load().profile == "default"


def test_pids_named_counts_only_this_users_processes() -> None:
    from labsetup.proc import pids_named
    me = pids_named(Path(f"/proc/{os.getpid()}/comm").read_text().strip())
    assert os.getpid() in me
    assert all(Path(f"/proc/{p}").stat().st_uid == os.getuid() for p in me if
               Path(f"/proc/{p}").exists())


def test_policy_file_holds_the_lab_choices_and_follows_them(tmp_path: Path) -> None:
    from labsetup.services.base import policy_in_code
    from labsetup.services.nova import LAB_POLICY

    policy_in_code(tmp_path)
    assert (tmp_path / "policy.d").is_dir()
    assert '"' not in (tmp_path / "policy.yaml").read_text(), "no override: defaults apply"
    policy_in_code(tmp_path, LAB_POLICY)
    import yaml

    rules = yaml.safe_load((tmp_path / "policy.yaml").read_text())
    assert rules == {rule: check for rule, (check, _why) in LAB_POLICY.items()}
    assert rules["os_compute_api:os-evacuate"] == "rule:project_manager_or_admin"
    assert not any("disable" in r or "update" in r for r in rules), "changing hosts stays admin"


def test_a_schema_marker_holds_the_installed_versions(tmp_path: Path) -> None:
    from labsetup.services.nova import Nova

    lab = Lab(Paths(tmp_path), Secrets())
    site = lab.paths.venv / "lib" / "python3.11" / "site-packages"
    (site / "nova-34.0.0.dist-info").mkdir(parents=True)
    (site / "python_novaclient-18.13.1.dist-info").mkdir()
    nova = Nova()
    assert nova.installed(lab) == "nova==34.0.0"
    assert not nova.synced(lab)
    nova.mark_synced(lab)
    assert nova.synced(lab)
    (site / "nova-34.0.0.dist-info").rename(site / "nova-35.0.0.dist-info")  # an upgrade
    assert not nova.synced(lab), "a new version syncs the schema again"
    nova.mark_synced(lab, "rings")
    assert nova.synced(lab, "rings") and (lab.state("nova") / ".rings-done").read_text() == "ok\n"


def test_test_arguments_narrow_the_suite_or_replace_its_paths() -> None:
    assert cli.pytest_argv([])[:2] == ["tests", "notebooks"]
    narrowed = cli.pytest_argv(["-m", "not slow"])
    assert narrowed[:2] == ["tests", "notebooks"] and "--nbval-lax" in narrowed
    assert narrowed[-2:] == ["-m", "not slow"]
    unit = cli.pytest_argv(["tests/unit", "-x"])
    assert "notebooks" not in unit and unit[-2:] == ["tests/unit", "-x"]
    one = cli.pytest_argv(["tests/unit/test_labsetup.py::test_ini_files_are_private"])
    assert one[0] == "--nbval-lax"


def test_services_down_names_enabled_services_whose_record_says_down() -> None:
    from labsetup import bootstrap

    class FakeSession:
        def endpoint(self, kind: str) -> str:
            return kind

        def __call__(self, method: str, path: str, **kw: object) -> dict[str, object]:
            if path.startswith("compute"):
                return {"services": [
                    {"binary": "nova-scheduler", "host": "lab-controller", "state": "down",
                     "status": "enabled"},
                    {"binary": "nova-compute", "host": "lab-compute-2", "state": "down",
                     "status": "disabled"},  # an operator took it out: not a start-up lag
                    {"binary": "nova-compute", "host": "lab-compute-1", "state": "up",
                     "status": "enabled"}]}
            return {"services": [{"binary": "cinder-volume", "host": "lab@lab", "state": "down",
                                  "status": "enabled"}]}

    assert bootstrap.services_down(FakeSession()) == [  # type: ignore[arg-type]
        "nova-scheduler on lab-controller", "cinder-volume on lab@lab"]
