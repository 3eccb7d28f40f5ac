"""The lab virt driver keeps its guests across restarts and migrates them (run in services-venv)."""

from __future__ import annotations

import types
import uuid

import nova.conf
import nova.virt.node
import pytest
from lab_plugins.nova_lab import LabComputeDriver
from nova.compute import power_state
from nova.virt import fake

CONF = nova.conf.CONF
CONF([], project="nova", default_config_files=[])  # parsed, with no config file


@pytest.fixture(autouse=True)
def state_path(tmp_path):
    CONF.set_override("state_path", str(tmp_path))
    CONF.set_override("host", "lab-test-host")
    CONF.set_override("live_migration_seconds", 0.2, group="lab")
    nova.virt.node.LOCAL_NODE_UUID = None
    yield tmp_path
    CONF.clear_override("state_path")
    CONF.clear_override("host")
    CONF.clear_override("live_migration_seconds", group="lab")
    nova.virt.node.LOCAL_NODE_UUID = None


def instance(name: str = "instance-00000001"):
    flavor = types.SimpleNamespace(vcpus=2, memory_mb=2048, root_gb=20)
    return types.SimpleNamespace(uuid=str(uuid.uuid4()), name=name, flavor=flavor)


def driver() -> LabComputeDriver:
    d = LabComputeDriver(fake.FakeVirtAPI())
    d.init_host("lab-test-host")
    return d


def test_guests_survive_a_restart():
    d = driver()
    inst = instance()
    d.spawn(None, inst, None, None, None, None)
    d.power_off(inst)
    again = driver()
    assert again.list_instance_uuids() == [inst.uuid]
    assert again.get_info(inst).state == power_state.SHUTDOWN
    assert again.resources.vcpus_used == 2 and again.resources.memory_mb_used == 2048


def test_node_identity_is_stable():
    first = driver().get_nodenames_by_uuid()
    nova.virt.node.LOCAL_NODE_UUID = None  # as in a new process
    assert driver().get_nodenames_by_uuid() == first
    assert list(first.values()) == ["lab-test-host"]


def test_destroy_forgets_the_guest():
    d = driver()
    inst = instance()
    d.spawn(None, inst, None, None, None, None)
    d.destroy(None, inst, None)
    assert driver().list_instance_uuids() == []
    assert d.resources.vcpus_used == 0


def test_host_reports_configured_size():
    res = driver().get_available_resource("lab-test-host")
    assert res["vcpus"] == CONF.lab.vcpus and res["memory_mb"] == CONF.lab.memory_mb
    assert res["uuid"] == nova.virt.node.get_local_node_uuid()


def test_live_migration_switches_over_or_rolls_back():
    d = driver()
    inst = instance()
    calls = []
    d.live_migration(None, inst, "other", lambda *a: calls.append("post"),
                     lambda *a, **k: calls.append("recover"))
    assert calls == ["post"]

    import threading
    t = threading.Thread(target=d.live_migration, args=(
        None, inst, "other", lambda *a: calls.append("post"),
        lambda *a, **k: calls.append(k["migration_status"])))
    t.start()
    while inst.uuid not in d._migrations:
        pass
    d.live_migration_abort(inst)
    t.join()
    assert calls == ["post", "cancelled"]


def test_console_output_says_what_the_lab_is():
    d = driver()
    inst = instance()
    d.spawn(None, inst, None, None, None, None)
    out = d.get_console_output(None, inst)
    assert "records guests instead of running them" in out and "running" in out


def test_host_uptime_reads_like_uptime():
    import re

    text = driver().get_host_uptime()
    assert re.fullmatch(r" \d\d:\d\d:\d\d up (\d+ days?, )?[ \d]\d:\d\d,  load average: "
                        r"\d+\.\d\d, \d+\.\d\d, \d+\.\d\d", text), text
