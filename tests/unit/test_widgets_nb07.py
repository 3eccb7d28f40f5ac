"""Notebook 07 widgets: set the controls, the output follows (no cloud needed)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from osworkshop import network_nb07 as N
from osworkshop import widgets_nb07 as V

WEB = N.Endpoint("web1", ("10.70.1.10",), ("g-web",), ("203.0.113.24",), ("w",))
DB = N.Endpoint("db1", ("10.70.2.10",), ("g-db",), (), ("d",))
GROUPS = {
    "g-web": N.Group("g-web", "web", (
        N.Rule("ingress", protocol="tcp", port_min=80, port_max=80, remote_ip_prefix="0.0.0.0/0"),
        N.Rule("egress"),
    )),
    "g-db": N.Group("g-db", "db", (
        N.Rule("ingress", protocol="tcp", port_min=5432, port_max=5432, remote_group_id="g-web"),
        N.Rule("egress"),
    )),
}
ROUTED = [{"w", "d"}]


# --------------------------------------------------------------------------- mapping


def test_mapping_records_filter_by_product() -> None:
    nsx = V.mapping_records("NSX")
    assert nsx and all(r["product"] == "NSX" for r in nsx)
    assert len(V.mapping_records()) > len(nsx)
    assert ("NSX distributed firewall (DFW) rule", "nsx-dfw") in V.mapping_options("NSX")


def test_mapping_html() -> None:
    card = V.mapping_html("port-group")
    assert "Network plus subnet" in card and "Source" in card and "create_subnet" in card
    assert "No networking object" in V.mapping_html("nope")


def test_mapping_explorer_follows_the_controls() -> None:
    explorer = V.mapping_explorer(record_id="port-group")
    assert "Network plus subnet" in explorer.output.value
    explorer.controls["object"].value = "vnic"
    assert "Port" in explorer.output.value and "fa:16:3e" in explorer.output.value
    explorer.controls["product"].value = "NSX"
    labels = [label for label, _ in explorer.controls["object"].options]
    assert all("NSX" in label for label in labels)
    first = explorer.controls["object"].value
    assert first == V.mapping_options("NSX")[0][1]
    explorer.controls["object"].value = "nsx-dfw"
    assert "Security group rule" in explorer.output.value
    assert V.mapping_explorer(record_id="unknown").controls["object"].value == "standard-vswitch"


# --------------------------------------------------------------------------- can A reach B


def test_reach_html() -> None:
    allowed = V.reach_html(WEB, DB, 5432, GROUPS, routed=ROUTED)
    assert "Allowed" in allowed and "web1 &rarr; db1" in allowed and "tcp 5432" in allowed
    refused = V.reach_html(WEB, DB, 22, GROUPS, routed=ROUTED)
    assert "Refused" in refused and "No ingress rule" in refused
    assert "two different" in V.reach_html(WEB, WEB, 80, GROUPS)
    assert "icmp" in V.reach_html(WEB, DB, None, GROUPS, protocol="icmp")


def test_matrix_html() -> None:
    html = V.matrix_html([WEB, DB, N.OUTSIDE], [80, 5432], GROUPS, routed=ROUTED,
                         exits={"w", "d"})
    assert html.count("<tr>") == 1 + 6
    assert "tcp 5432" in html and "✔" in html and "✘" in html


def test_reach_explorer_follows_the_controls() -> None:
    explorer = V.reach_explorer([WEB, DB, N.OUTSIDE], GROUPS, routed=ROUTED)
    assert "Allowed" in explorer.output.value  # web1 -> db1 on 5432
    explorer.controls["port"].value = 22
    assert "Refused" in explorer.output.value
    explorer.controls["src"].value = "the internet"
    explorer.controls["dst"].value = "web1"
    explorer.controls["port"].value = 80
    assert "Allowed through floating IP 203.0.113.24" in explorer.output.value
    explorer.controls["dst"].value = "db1"
    assert "no floating IP" in explorer.output.value
    explorer.controls["protocol"].value = "icmp"
    assert "icmp" in explorer.output.value


def test_reach_explorer_needs_two_ends() -> None:
    with pytest.raises(ValueError):
        V.reach_explorer([WEB], GROUPS)


def test_live_reach_explorer_reads_the_cloud() -> None:
    port = SimpleNamespace(
        id="p", name="web-port", network_id="w", device_owner="compute:nova", device_id="s",
        mac_address="", status="ACTIVE", security_group_ids=["g-web"],
        is_port_security_enabled=True, fixed_ips=[{"subnet_id": "ws", "ip_address": "10.70.1.10"}],
    )
    group = SimpleNamespace(id="g-web", name="web", stateful=True, security_group_rules=[
        {"direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 80,
         "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0", "security_group_id": "g-web"}])
    conn = SimpleNamespace(
        network=SimpleNamespace(
            networks=lambda: [SimpleNamespace(id="w", name="t-web", is_router_external=False)],
            subnets=list, ports=lambda: [port], routers=list, ips=list,
            security_groups=lambda: [group],
        ),
        compute=SimpleNamespace(servers=lambda: [SimpleNamespace(id="s", name="web1",
                                                                 status="ACTIVE")]),
    )
    explorer = V.live_reach_explorer(conn, "t-", port=80)
    assert list(explorer.controls["src"].options) == ["web1", "the internet"]
    # web1 -> the internet: no router with a gateway in this project, so no way out.
    assert "no way out" in explorer.output.value
