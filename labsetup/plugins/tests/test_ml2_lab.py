"""The lab ML2 driver binds normal ports and reactivates ports after a move."""

from __future__ import annotations

import types

from lab_plugins import ml2_lab
from lab_plugins.ml2_lab import LabMechanismDriver, needs_activation, should_bind
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class Context:
    def __init__(self, vnic: str, segments: list[dict]) -> None:
        self.current = {"id": "p1", portbindings.VNIC_TYPE: vnic}
        self.segments_to_bind = segments
        self.host = "lab-compute-1"
        self.bound: tuple | None = None

    def set_binding(self, segment_id, vif_type, vif_details, status=None):
        self.bound = (segment_id, vif_type, status)


def test_binds_a_normal_port_on_a_vxlan_segment():
    ctx = Context("normal", [{api.ID: "s1", api.NETWORK_TYPE: "vxlan"}])
    LabMechanismDriver().bind_port(ctx)
    assert ctx.bound == ("s1", "other", "ACTIVE")


def test_leaves_sriov_ports_to_other_drivers():
    ctx = Context("direct", [{api.ID: "s1", api.NETWORK_TYPE: "vlan"}])
    LabMechanismDriver().bind_port(ctx)
    assert ctx.bound is None
    assert not should_bind("direct", "vlan") and should_bind("normal", "flat")


def test_reactivates_a_compute_port_after_migration(monkeypatch):
    port = {"id": "p1", "status": "DOWN", portbindings.HOST_ID: "lab-compute-2",
            "device_owner": "compute:nova"}
    assert needs_activation(port, "other")
    assert not needs_activation({**port, "status": "ACTIVE"}, "other")
    assert not needs_activation({**port, "device_owner": "network:router_interface"}, "other")
    assert not needs_activation(port, "ovs")
    calls = []
    plugin = types.SimpleNamespace(update_port_status=lambda *a, **k: calls.append((a[1:], k)))
    monkeypatch.setattr(ml2_lab.directory, "get_plugin", lambda: plugin)
    ctx = types.SimpleNamespace(current=port, vif_type="other", plugin_context=None,
                                host="lab-compute-2")
    LabMechanismDriver().update_port_postcommit(ctx)
    assert calls == [(("p1", "ACTIVE"), {"host": "lab-compute-2"})]
