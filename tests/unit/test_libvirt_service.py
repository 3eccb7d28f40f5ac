"""The real-guests profile's libvirt daemons: one per compute host, each in its own UTS and
mount namespaces, configured so that nothing listens on the network."""

from __future__ import annotations

from pathlib import Path

import pytest

from labsetup.config import Lab, Paths, Secrets
from labsetup.services import libvirt as L
from labsetup.services.nova import COMPUTE_HOSTS


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Lab:
    monkeypatch.setattr(L, "ensure_qemu_account", lambda: None)
    return Lab(Paths(tmp_path), Secrets({name: "x" for name in Secrets.NAMES}))


def _settings(text: str) -> dict[str, str]:
    return dict(line.split(" = ", 1) for line in text.splitlines() if not line.startswith("#"))


def test_configuration_keeps_libvirt_off_the_network(lab: Lab) -> None:
    L.Libvirt().configure(lab)
    for host in COMPUTE_HOSTS:
        base = L.Libvirt().host_dir(lab, host)
        daemon = _settings((base / "etc" / "libvirtd.conf").read_text())
        assert daemon["listen_tcp"] == "0" and daemon["listen_tls"] == "0"
        assert daemon["unix_sock_dir"] == f'"{lab.paths.run / f"libvirt-{host}"}"'
        assert daemon["unix_sock_rw_perms"] == '"0700"'
        qemu = _settings((base / "etc" / "qemu.conf").read_text())
        assert qemu["vnc_listen"] == '"127.0.0.1"' and qemu["cgroup_controllers"] == "[  ]"
        assert qemu["stdio_handler"] == '"file"'
        # its own name resolves from its own /etc/hosts: no DNS query for a lab hostname
        assert f"127.0.0.1 {host}\n" in (base / "hosts").read_text()


def test_each_host_gets_its_own_namespaces_and_directories(lab: Lab) -> None:
    daemons = L.Libvirt().daemons(lab)
    assert [d.name for d in daemons] == [f"libvirtd-{h}" for h in COMPUTE_HOSTS]
    for host, d in zip(COMPUTE_HOSTS, daemons, strict=True):
        # in the host's network namespace (its switch and its guests' taps), then its own
        # hostname and mounts
        assert d.argv[:9] == ["ip", "netns", "exec", f"osw-{host}", "unshare", "--uts",
                              "--mount", "--propagation", "private"]
        script = d.argv[-1]
        assert f"hostname {host};" in script
        for dest in L.PRIVATE_DIRS.values():
            assert f" {dest};" in script or f" {dest} " in script.replace(";", " ")
        assert f"ovn-{host} /run/openvswitch;" in script  # ovs-vsctl finds the host's switch
        assert "/etc/hosts" in script and script.rstrip().split()[-1].endswith("libvirtd.pid")
        assert d.marker.endswith(f"{host}/etc/libvirtd.conf")
    assert L.Libvirt().uri(lab, "lab-compute-2") == \
        f"qemu:///system?socket={lab.paths.run}/libvirt-lab-compute-2/libvirt-sock"


def test_conf_quotes_strings_and_writes_lists() -> None:
    text = L._conf({"a": 'say "hi" \\ there', "b": 3, "c": True, "d": ["x", "y"], "e": []})
    assert _settings(text) == {"a": '"say \\"hi\\" \\\\ there"', "b": "3", "c": "1",
                               "d": '[ "x", "y" ]', "e": "[  ]"}


def _nova_conf(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    import configparser

    from labsetup.services import nova as N
    monkeypatch.setattr(N.Nova, "synced", lambda self, lab, what="db": True)
    monkeypatch.setattr(N, "copy_shipped", lambda *a: None)
    N.Nova().configure(lab)
    out: dict[str, object] = {}
    for name in ("nova-compute.conf", *(f"{h}.conf" for h in COMPUTE_HOSTS)):
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(lab.etc("nova") / name)
        out[name] = {s: dict(cp[s]) for s in cp.sections()} | {"DEFAULT": dict(cp.defaults())}
    return out


def test_real_guests_switch_nova_to_its_libvirt_driver(lab: Lab,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    lab_guests = _nova_conf(lab, monkeypatch)
    assert lab_guests["nova-compute.conf"]["DEFAULT"]["compute_driver"] == \
        "labvirt.LabComputeDriver"
    assert "libvirt" not in lab_guests["lab-compute-1.conf"]

    real = _nova_conf(dataclasses.replace(lab, guests="real"), monkeypatch)
    compute = real["nova-compute.conf"]
    assert compute["DEFAULT"]["compute_driver"] == "libvirt.LibvirtDriver"
    assert compute["DEFAULT"]["force_config_drive"] == "true"
    assert compute["libvirt"]["virt_type"] == "qemu"
    assert compute["libvirt"]["tb_cache_size"] == "32"
    assert "privsep-helper" in compute["nova_sys_admin"]["helper_command"]
    for host in COMPUTE_HOSTS:
        assert real[f"{host}.conf"]["libvirt"]["connection_uri"] == L.Libvirt().uri(lab, host)


def test_guests_choice_is_remembered_and_chooses_packages(tmp_path: Path) -> None:
    from labsetup import lab as LAB
    from labsetup.config import read_guests, set_guests
    paths = Paths(tmp_path)
    paths.make()
    assert read_guests(paths) == "lab"
    set_guests(paths, "real")
    assert read_guests(paths) == "real"  # remembered in state/guests
    set_guests(paths, "lab")
    assert not (paths.state / "guests").exists()
    assert "libvirt-daemon" not in LAB.apt_packages() and "qemu-system-x86" not in \
        LAB.apt_packages()
    assert {"libvirt-daemon", "qemu-system-x86", "busybox-static"} <= set(
        LAB.apt_packages("real"))
    assert "libvirt-python" in LAB.service_packages("real")
    assert "libvirt-python" not in LAB.service_packages()


def test_guest_pids_come_from_libvirts_pid_files(lab: Lab) -> None:
    import os
    run_dir = L.Libvirt().host_dir(lab, COMPUTE_HOSTS[1]) / "run" / "qemu"
    run_dir.mkdir(parents=True)
    (run_dir / "instance-00000001.pid").write_text(f"{os.getpid()}\n")
    (run_dir / "instance-00000002.pid").write_text("999999\n")  # a guest that is gone
    (run_dir / "instance-00000003.pid").write_text("")  # half written
    (run_dir / "driver.pid").write_text(f"{os.getppid()}\n")  # libvirtd itself
    assert L.Libvirt().guest_pids(lab) == {os.getpid()}
