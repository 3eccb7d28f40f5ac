"""Faults in the middle of a learner's work: a process is killed (SIGKILL, no clean shutdown).

For each: ``status`` names what died and exits 1, ``up`` repairs it, and the learner's server,
volume and object are still there and still work.  The last test kills every lab process at
once, as a machine restart would, and ``up`` must bring the same cloud back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import openstack
import pytest
from openstack.connection import Connection

from labsetup import lab as L
from labsetup.config import REPO, Lab

pytestmark = pytest.mark.slow


def labsetup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labsetup", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture
def work(demo: Connection, server, name: str) -> Iterator[dict[str, str]]:
    """A learner's work in progress: a server, a volume and an object."""
    vol = demo.block_storage.create_volume(name=name, size=1)
    demo.block_storage.wait_for_status(vol, "available", wait=60)
    demo.object_store.create_container(name=name)
    demo.object_store.upload_object(container=name, name="notes.txt", data=b"my work")
    yield {"server": server.id, "volume": vol.id, "container": name}
    fresh = openstack.connect(cloud="lab-demo")
    fresh.object_store.delete_object("notes.txt", container=name, ignore_missing=True)
    fresh.object_store.delete_container(name, ignore_missing=True)
    fresh.block_storage.delete_volume(vol.id, ignore_missing=True)
    fresh.block_storage.wait_for_delete(vol, wait=60)


def still_there(work: dict[str, str]) -> None:
    conn = openstack.connect(cloud="lab-demo")
    server = conn.compute.get_server(work["server"])
    assert server.status == "ACTIVE"
    assert conn.block_storage.get_volume(work["volume"]).status == "available"
    assert conn.object_store.download_object("notes.txt",
                                             container=work["container"]) == b"my work"
    # and the repaired cloud works: a power cycle goes through conductor, RabbitMQ and compute
    conn.compute.stop_server(server)
    conn.compute.wait_for_server(server, status="SHUTOFF", wait=90)
    conn.compute.start_server(server)
    conn.compute.wait_for_server(server, status="ACTIVE", wait=90)


def kill(lab: Lab, service: str, daemon: str | None = None) -> None:
    """SIGKILL one daemon of a service (and what it started), as a crash would."""
    for d in L.service(service).daemons(lab):
        if daemon is None or d.name == daemon:
            pid = d.pid()
            assert pid, f"{d.name} is not running"
            for p in L.descendants(pid):
                os.kill(p, signal.SIGKILL)


def down_in_status(name: str) -> None:
    status = labsetup("status")
    assert status.returncode == 1, status.stdout
    named = [line for line in status.stdout.splitlines()
             if line.startswith(name) and "DOWN" in line]
    assert named, f"status does not name {name}:\n{status.stdout}"


def repaired() -> None:
    up = labsetup("up", "--no-jupyter")
    assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-2000:]
    status = labsetup("status")
    assert status.returncode == 0, status.stdout


def test_rabbitmq_killed(lab: Lab, work: dict[str, str]) -> None:
    kill(lab, "rabbitmq")
    down_in_status("rabbitmq")
    repaired()
    still_there(work)


def test_one_compute_killed(lab: Lab, admin: Connection, work: dict[str, str]) -> None:
    host = admin.compute.get_server(work["server"]).compute_host
    kill(lab, "nova", f"nova-compute-{host}")
    down_in_status("nova")
    repaired()
    still_there(work)


def test_one_api_killed(lab: Lab, work: dict[str, str]) -> None:
    kill(lab, "neutron")
    down_in_status("neutron")
    repaired()
    still_there(work)


def test_machine_restart_brings_the_same_cloud_back(lab: Lab, work: dict[str, str]) -> None:
    everything = set().union(*L.processes(lab).values())
    assert len(everything) > 20
    try:
        for pid in everything:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 30  # SIGKILL is delivered, then the process is reaped
        while any(L.processes(lab).values()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not any(L.processes(lab).values())
        status = labsetup("status")
        assert status.returncode == 1
    finally:
        up = labsetup("up")  # with JupyterLab, as the README's first command
    assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-2000:]
    assert labsetup("status").returncode == 0
    still_there(work)
