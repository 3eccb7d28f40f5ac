"""Classroom mode, tried on loopback only: ``up --bind 127.0.0.2`` moves every API (and
JupyterLab) to that address and the catalog with them; ``up --loopback`` moves them back.
127.0.0.2 is a loopback address, so no packet leaves this machine."""

from __future__ import annotations

import subprocess
import sys

import openstack
import pytest
from test_security import listening

from labsetup import lab as L
from labsetup.config import REPO, Lab

pytestmark = pytest.mark.slow
ROOM_ADDRESS = "127.0.0.2"


def labsetup(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "labsetup", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def addresses(lab: Lab, services: tuple[str, ...]) -> set[str]:
    procs = L.processes(lab)
    pids = set().union(*(procs[s] for s in services))
    return {addr for _, addr, _ in listening(pids)}


def test_bind_moves_the_apis_and_loopback_brings_them_back() -> None:
    apis = ("keystone", "placement", "glance", "nova", "neutron", "cinder", "jupyter")
    try:
        labsetup("up", "--bind", ROOM_ADDRESS)
        lab = Lab.load()
        assert lab.host == ROOM_ADDRESS
        assert addresses(lab, apis) == {ROOM_ADDRESS}
        assert addresses(lab, ("rabbitmq", "mariadb")) <= {"127.0.0.1", "::1"}
        conn = openstack.connect(cloud="lab-demo")  # clouds.yaml was rewritten
        assert conn.config.auth["auth_url"].startswith(f"http://{ROOM_ADDRESS}:")
        catalog = {ep["url"].split("/")[2].split(":")[0]
                   for svc in conn.session.auth.get_access(conn.session).service_catalog.catalog
                   for ep in svc["endpoints"]}
        assert catalog == {ROOM_ADDRESS}
        assert [f.name for f in conn.compute.flavors()]
    finally:
        labsetup("up", "--loopback")
    lab = Lab.load()
    assert lab.host == "127.0.0.1"
    assert addresses(lab, apis) == {"127.0.0.1"}
    assert openstack.connect(cloud="lab-demo").config.auth["auth_url"].startswith(
        "http://127.0.0.1:")


def uwsgi_workers(lab: Lab, daemon: str) -> tuple[int, int]:
    """(processes, threads) of one running API: its uWSGI processes and their thread counts."""
    from labsetup.lab import ALL
    from labsetup.proc import descendants
    d = next(d for s in ALL for d in s.daemons(lab) if d.name == daemon)
    pid = d.pid()
    assert pid, f"{daemon} is not running"
    pids = [p for p in descendants(pid) if "uWSGI" in _cmdline(p) or p == pid]
    threads = {int(next(line.split()[1] for line in _status(p) if line.startswith("Threads:")))
               for p in pids}
    return len(pids), max(threads)


def _cmdline(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
    except OSError:
        return ""


def _status(pid: int) -> list[str]:
    return open(f"/proc/{pid}/status").read().splitlines()


def test_classroom_profile_runs_the_table_and_default_brings_it_back() -> None:
    from labsetup.services.base import WORKERS
    from labsetup.services.mariadb import BUFFER_POOL_MIB, MariaDB
    busiest = [name for name, pt in WORKERS["classroom"].items() if pt != WORKERS["default"][name]]
    assert busiest, "the classroom profile changes nothing"
    try:
        labsetup("up", "--profile", "classroom")
        lab = Lab.load()
        assert lab.profile == "classroom"
        for name in busiest:
            processes, threads = uwsgi_workers(lab, name)
            want_p, want_t = WORKERS["classroom"][name]
            assert processes == want_p and threads >= want_t, (name, processes, threads)
        assert int(MariaDB().sql(lab, "SELECT @@innodb_buffer_pool_size")) == \
            BUFFER_POOL_MIB["classroom"] * 1024 * 1024
        conn = openstack.connect(cloud="lab-demo")
        assert [n.name for n in conn.network.networks()] and [f.name for f in conn.compute.flavors()]
    finally:
        labsetup("up", "--profile", "default")
    lab = Lab.load()
    assert lab.profile == "default"
    for name in busiest:
        assert uwsgi_workers(lab, name)[0] == WORKERS["default"][name][0]
    assert int(MariaDB().sql(lab, "SELECT @@innodb_buffer_pool_size")) == \
        BUFFER_POOL_MIB["default"] * 1024 * 1024
