"""Notebook 07 helpers: records from API answers, the SVG picture, and security group reasoning."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop import data, errors
from osworkshop import network_nb07 as N

SVG = "{http://www.w3.org/2000/svg}"

# --------------------------------------------------------------------------- a stand-in cloud


def ns(**kwargs: Any) -> SimpleNamespace:
    return SimpleNamespace(**kwargs)


def fake_cloud() -> SimpleNamespace:
    """A project with web and db networks, a router to public, two servers and a floating IP,
    plus another project's network that must not be drawn."""
    networks = [
        ns(id="pub", name="public", is_router_external=True),
        ns(id="w", name="t-web", is_router_external=False),
        ns(id="d", name="t-db", is_router_external=False),
        ns(id="x", name="other-net", is_router_external=False),
    ]
    subnets = [
        ns(id="ps", name="public-subnet", network_id="pub", cidr="203.0.113.0/24",
           gateway_ip="203.0.113.1"),
        ns(id="ws", name="t-web-subnet", network_id="w", cidr="10.70.1.0/24",
           gateway_ip="10.70.1.1"),
        ns(id="ds", name="t-db-subnet", network_id="d", cidr="10.70.2.0/24",
           gateway_ip="10.70.2.1"),
        ns(id="xs", name="other", network_id="x", cidr="10.99.0.0/24", gateway_ip=None),
    ]
    ports = [
        ns(id="p-web", name="t-web1-port", network_id="w", device_owner="compute:nova",
           device_id="s-web", mac_address="fa:16:3e:00:00:01", status="ACTIVE",
           fixed_ips=[{"subnet_id": "ws", "ip_address": "10.70.1.10"}],
           security_group_ids=["g-web"], is_port_security_enabled=True),
        ns(id="p-db", name="t-db1-port", network_id="d", device_owner="compute:nova",
           device_id="s-db", mac_address="fa:16:3e:00:00:02", status="ACTIVE",
           fixed_ips=[{"subnet_id": "ds", "ip_address": "10.70.2.10"}],
           security_group_ids=["g-db"], is_port_security_enabled=True),
        ns(id="r-w", name="", network_id="w", device_owner="network:router_interface",
           device_id="r1", mac_address="", status="DOWN",
           fixed_ips=[{"subnet_id": "ws", "ip_address": "10.70.1.1"}], security_group_ids=[],
           is_port_security_enabled=False),
        ns(id="r-d", name="", network_id="d", device_owner="network:router_interface",
           device_id="r1", mac_address="", status="DOWN",
           fixed_ips=[{"subnet_id": "ds", "ip_address": "10.70.2.1"}], security_group_ids=[],
           is_port_security_enabled=False),
        ns(id="p-x", name="x", network_id="x", device_owner="compute:nova", device_id="s-x",
           mac_address="", status="ACTIVE",
           fixed_ips=[{"subnet_id": "xs", "ip_address": "10.99.0.5"}], security_group_ids=[],
           is_port_security_enabled=True),
    ]
    routers = [
        ns(id="r1", name="t-router", status="ACTIVE", external_gateway_info={
            "network_id": "pub",
            "external_fixed_ips": [{"subnet_id": "ps", "ip_address": "203.0.113.50"}]}),
        ns(id="r9", name="demo-router", status="ACTIVE", external_gateway_info=None),
    ]
    ips = [
        ns(id="f1", floating_ip_address="203.0.113.24", floating_network_id="pub",
           port_id="p-web", fixed_ip_address="10.70.1.10"),
        ns(id="f2", floating_ip_address="203.0.113.99", floating_network_id="pub",
           port_id=None, fixed_ip_address=None),
    ]
    servers = [ns(id="s-web", name="t-web1", status="ACTIVE"),
               ns(id="s-db", name="t-db1", status="ACTIVE"),
               ns(id="s-x", name="elsewhere", status="ACTIVE")]
    groups = [
        ns(id="g-web", name="t-web", stateful=True, security_group_rules=[
            {"id": "1", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
             "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0",
             "remote_group_id": None, "security_group_id": "g-web"},
            {"id": "2", "direction": "egress", "ethertype": "IPv4", "protocol": None,
             "port_range_min": None, "port_range_max": None, "remote_ip_prefix": None,
             "remote_group_id": None, "security_group_id": "g-web"},
        ]),
        ns(id="g-db", name="t-db", stateful=True, security_group_rules=[
            {"id": "3", "direction": "ingress", "ethertype": "IPv4", "protocol": "6",
             "port_range_min": 5432, "port_range_max": 5432, "remote_ip_prefix": None,
             "remote_group_id": "g-web", "security_group_id": "g-db"},
            {"id": "4", "direction": "egress", "ethertype": "IPv4", "protocol": None,
             "port_range_min": None, "port_range_max": None, "remote_ip_prefix": None,
             "remote_group_id": None, "security_group_id": "g-db"},
        ]),
    ]
    network = ns(
        networks=lambda: networks, subnets=lambda: subnets, ports=lambda: ports,
        routers=lambda: routers, ips=lambda: ips, security_groups=lambda: groups,
    )
    return ns(network=network, compute=ns(servers=lambda: servers))


@pytest.fixture
def topo() -> N.Topology:
    return N.read_topology(fake_cloud(), prefix="t-")


# --------------------------------------------------------------------------- records


def test_read_topology_picks_the_prefix_and_the_gateway_network(topo: N.Topology) -> None:
    assert [n.name for n in topo.networks] == ["public", "t-db", "t-web"]
    assert topo.networks[0].external and topo.networks[0].cidrs == ("203.0.113.0/24",)
    assert [r.name for r in topo.routers] == ["t-router"]
    router = topo.routers[0]
    assert router.gateway_network_id == "pub" and router.gateway_ips == ("203.0.113.50",)
    assert [(i.network_id, i.ip) for i in router.interfaces] == [("w", "10.70.1.1"),
                                                                 ("d", "10.70.2.1")]
    assert [s.name for s in topo.servers] == ["t-db1", "t-web1"]
    assert [f.address for f in topo.floating_ips] == ["203.0.113.24"]
    assert "p-x" not in {p.id for p in topo.ports}


def test_topology_helpers(topo: N.Topology) -> None:
    assert [p.id for p in topo.devices("w")] == ["p-web"]  # router legs are not devices
    assert topo.floating_ips_of("p-web")[0].fixed_ip == "10.70.1.10"
    assert topo.routed() == [frozenset({"w", "d"})]
    assert topo.exits() == frozenset({"w", "d"})
    assert topo.facing_outside("w") and not topo.facing_outside("d")
    assert topo.network("nope") is None and topo.server("s-web").name == "t-web1"


def test_records_accept_plain_dicts() -> None:
    network = N.network_from({"id": "n", "name": "net", "router:external": True},
                             [N.Subnet("s", "sub", "n", "10.0.0.0/24")])
    assert network.external and network.cidrs == ("10.0.0.0/24",)
    port = N.port_from({"id": "p", "network_id": "n", "security_groups": ["g"],
                        "port_security_enabled": False,
                        "fixed_ips": [{"subnet_id": "s", "ip_address": "10.0.0.5"}]})
    assert port.ips == ("10.0.0.5",) and port.group_ids == ("g",) and not port.port_security
    assert N.floating_ip_from({"id": "f", "floating_ip_address": "1.2.3.4"}).port_id is None


def test_read_topology_by_network_id() -> None:
    found = N.read_topology(fake_cloud(), network_ids=["x"])
    assert [n.name for n in found.networks] == ["other-net"]
    assert found.routers == () and [s.name for s in found.servers] == ["elsewhere"]


# --------------------------------------------------------------------------- the picture


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # raises if the SVG is not well-formed XML


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_render_svg_draws_what_the_api_said(topo: N.Topology) -> None:
    root = parse(N.render_svg(topo, title="Two tiers", group_names={"g-web": "web"}))
    words = " ".join(texts(root))
    for expected in ("Two tiers", "public · 203.0.113.0/24 (external)", "t-web · 10.70.1.0/24",
                     "t-db · 10.70.2.0/24", "t-router", "203.0.113.50", "t-web1", "t-db1",
                     "floating IP 203.0.113.24", "groups: web", "1 router", "2 servers"):
        assert expected in words, expected
    classes = [e.get("class") for e in root.iter() if e.get("class")]
    assert classes.count("interface") == 2 and classes.count("gateway") == 1
    assert classes.count("device") == 2 and classes.count("router") == 1
    assert root.get("width") == "860"


def test_render_svg_puts_the_tier_with_a_floating_ip_first(topo: N.Topology) -> None:
    labels = [t for t in texts(parse(N.render_svg(topo))) if "10.70." in t and "·" in t
              and t.startswith("t-")]
    assert labels[0].startswith("t-web") and labels[1].startswith("t-db")


def test_render_svg_changes_with_the_topology(topo: N.Topology) -> None:
    without_ip = N.Topology(topo.networks, topo.routers, topo.ports, (), topo.servers)
    assert "floating IP 203" not in N.render_svg(without_ip)
    assert N.render_svg(without_ip) != N.render_svg(topo)


def test_render_svg_escapes_names() -> None:
    bad = N.Topology(networks=(N.Network("n", "<script>&", False),))
    svg = N.render_svg(bad)
    assert "<script>" not in svg and "&lt;script&gt;&amp;" in svg
    parse(svg)


def test_render_svg_of_nothing() -> None:
    root = parse(N.render_svg(N.Topology()))
    assert any("Nothing to draw" in t for t in texts(root))


def test_render_svg_bare_port_and_port_security_off() -> None:
    network = N.Network("n", "lonely", False, (N.Subnet("s", "s", "n", "10.70.3.0/24"),))
    port = N.Port("p", "spare", "n", ("10.70.3.7",), port_security=False)
    words = " ".join(texts(parse(N.render_svg(N.Topology((network,), ports=(port,))))))
    assert "port spare" in words and "port security off" in words and "0 routers" in words


# --------------------------------------------------------------------------- rules


@pytest.fixture
def groups() -> dict[str, N.Group]:
    return N.read_groups(fake_cloud())


def endpoints(topo: N.Topology) -> dict[str, N.Endpoint]:
    return {e.name: e for e in N.endpoints_from(topo)}


def test_rule_from_normalises_protocol_numbers(groups: dict[str, N.Group]) -> None:
    rule = groups["g-db"].rules[0]
    assert rule.protocol == "tcp" and rule.port_min == rule.port_max == 5432
    assert rule.describe({"g-web": "web"}) == "ingress IPv4 tcp 5432 from group web"
    assert groups["g-web"].rules[1].describe() == "egress IPv4 any protocol to anywhere"
    assert N.Rule("ingress", protocol="tcp", port_min=8000, port_max=8080,
                  remote_ip_prefix="10.0.0.0/8").describe() == (
        "ingress IPv4 tcp 8000-8080 from 10.0.0.0/8")
    assert N.Rule("ingress", protocol="udp").describe() == "ingress IPv4 udp all ports from anywhere"


def test_web_reaches_db_on_5432_only(topo: N.Topology, groups: dict[str, N.Group]) -> None:
    ends = endpoints(topo)
    web, db = ends["t-web1"], ends["t-db1"]
    verdict = N.can_reach(web, db, 5432, groups, routed=topo.routed())
    assert verdict and verdict.ingress and verdict.ingress.remote_group_id == "g-web"
    assert "stateful" in verdict.reason
    refused = N.can_reach(web, db, 22, groups)
    assert not refused and "No ingress rule" in refused.reason and "t-db" in refused.reason
    assert not N.can_reach(db, web, 5432, groups)
    assert N.can_reach(db, web, 80, groups)  # web admits 80 from anywhere


def test_outside_needs_a_floating_ip(topo: N.Topology, groups: dict[str, N.Group]) -> None:
    ends = endpoints(topo)
    to_web = N.can_reach(N.OUTSIDE, ends["t-web1"], 80, groups)
    assert to_web and "203.0.113.24" in to_web.reason
    to_db = N.can_reach(N.OUTSIDE, ends["t-db1"], 5432, groups)
    assert not to_db and "no floating IP" in to_db.reason
    assert not N.can_reach(N.OUTSIDE, N.OUTSIDE, 80, groups)


def test_paths_inside_and_out(groups: dict[str, N.Group]) -> None:
    web = N.Endpoint("web", ("10.70.1.10",), ("g-web",), network_ids=("w",))
    db = N.Endpoint("db", ("10.70.2.10",), ("g-db",), network_ids=("d",))
    no_router = N.can_reach(web, db, 5432, groups, routed=[])
    assert not no_router and "No router joins" in no_router.reason
    assert N.can_reach(web, db, 5432, groups, routed=[{"w", "d"}])
    stuck = N.can_reach(db, N.OUTSIDE, 443, groups, exits=set())
    assert not stuck and "no way out" in stuck.reason
    assert N.can_reach(db, N.OUTSIDE, 443, groups, exits={"d"})


def test_egress_rules_and_port_security() -> None:
    quiet = {"g": N.Group("g", "quiet", ())}
    src = N.Endpoint("a", ("10.0.0.1",), ("g",))
    dst = N.Endpoint("b", ("10.0.0.2",), ("g",))
    verdict = N.can_reach(src, dst, 80, quiet)
    assert not verdict and "No egress rule" in verdict.reason
    open_src = N.Endpoint("a", ("10.0.0.1",), port_security=False)
    open_dst = N.Endpoint("b", ("10.0.0.2",), port_security=False)
    assert N.can_reach(open_src, open_dst, 80, quiet)
    assert not N.can_reach(N.Endpoint("a", ()), dst, 80, quiet)


def test_rule_matching_details() -> None:
    peer = N.Endpoint("p", ("10.70.1.10",), ("g-web",))
    cidr = N.Rule("ingress", protocol="tcp", port_min=5432, remote_ip_prefix="10.70.1.0/24")
    assert N.rule_admits(cidr, "ingress", "tcp", 5432, peer, "10.70.1.10")
    assert not N.rule_admits(cidr, "ingress", "tcp", 5432, peer, "10.70.2.10")
    assert not N.rule_admits(cidr, "egress", "tcp", 5432, peer, "10.70.1.10")
    assert not N.rule_admits(cidr, "ingress", "udp", 5432, peer, "10.70.1.10")
    v6 = N.Rule("ingress", ethertype="IPv6")
    assert not N.rule_admits(v6, "ingress", "tcp", 80, peer, "10.70.1.10")
    assert N.rule_admits(v6, "ingress", "tcp", 80, peer, "2001:db8::1")
    ranged = N.Rule("ingress", protocol="tcp", port_min=8000, port_max=8080)
    assert N.rule_admits(ranged, "ingress", "tcp", 8080, peer, "10.0.0.1")
    assert not N.rule_admits(ranged, "ingress", "tcp", 8081, peer, "10.0.0.1")
    echo = N.Rule("ingress", protocol="icmp", port_min=8)
    assert N.rule_admits(echo, "ingress", "icmp", 8, peer, "10.0.0.1")
    assert not N.rule_admits(echo, "ingress", "icmp", 0, peer, "10.0.0.1")
    assert N.rule_admits(N.Rule("ingress", protocol="icmp"), "ingress", "icmp", None, peer,
                         "10.0.0.1")
    address_group = N.Rule("ingress", remote_address_group_id="ag")
    assert not N.rule_admits(address_group, "ingress", "tcp", 80, peer, "10.0.0.1")
    outsider = N.Rule("ingress", remote_group_id="g-web")
    assert not N.rule_admits(outsider, "ingress", "tcp", 80, N.OUTSIDE, "198.51.100.7")


def test_reach_matrix(topo: N.Topology, groups: dict[str, N.Group]) -> None:
    ends = [*N.endpoints_from(topo), N.OUTSIDE]
    rows = N.reach_matrix(ends, [22, 5432], groups, routed=topo.routed(), exits=topo.exits())
    assert len(rows) == 6  # 3 endpoints, ordered pairs
    table = {(a, b): [bool(v) for v in vs] for a, b, vs in rows}
    assert table[("t-web1", "t-db1")] == [False, True]
    assert table[("the internet", "t-db1")] == [False, False]


# --------------------------------------------------------------------------- drivers, quotas


@pytest.mark.parametrize(
    ("agents", "vifs", "expected"),
    [
        (["OVN Controller agent", "OVN Metadata agent"], ["ovs"], "ML2/OVN"),
        (["Open vSwitch agent", "L3 agent"], ["ovs"], "ML2/OVS"),
        ([], ["ovs"], "vif_type ovs"),
        ([], ["other", "other"], "'lab' driver"),
        ([], ["unbound"], "not bound"),
        (["Mystery agent"], [], "Mystery agent"),
        ([], [None], "administrators only"),
    ],
)
def test_backend_hint(agents: list[str], vifs: list[str], expected: str) -> None:
    assert expected in N.backend_hint(agents, vifs)


def test_extension_rows_use_the_apis_words() -> None:
    extensions = [ns(alias="router", name="Neutron L3 Router", description="Router abstraction")]
    assert N.extension_rows(extensions, ["router", "qos"]) == [
        ("router", "Neutron L3 Router", "Router abstraction"),
        ("qos", "not offered by this cloud", ""),
    ]


def test_quota_rows() -> None:
    quota = ns(floating_ips={"limit": 50, "used": 1, "reserved": 0},
               subnet_pools={"limit": -1, "used": 0})
    assert N.quota_rows(quota, ["floating_ips", "subnet_pools", "ports"]) == [
        ("floating_ips", 1, 50), ("subnet_pools", 0, "unlimited"), ("ports", "?", "?")]


# --------------------------------------------------------------------------- shared files


def test_explain_an_ip_address_already_in_use() -> None:
    exc = sdk_exc.ConflictException(
        message="409", details="IP address 10.70.1.10 already allocated in subnet abc")
    err = errors.explain(exc)
    assert err is not None and err.title == "That IP address is already in use"
    assert "ip_address" in err.what_to_do


def test_explain_a_mac_address_already_in_use() -> None:
    exc = sdk_exc.ConflictException(
        message="409", details="Unable to complete operation for network abc. "
        "The mac address fa:16:3e:00:00:01 is in use.")
    err = errors.explain(exc)
    assert err is not None and err.title == "That MAC address is already in use"
    assert "mac_address" in err.what_to_do


def test_networking_data_follows_its_schema() -> None:
    records = data.load("networking")
    assert data.validate("networking", records) == []
    assert {r["product"] for r in records} == {"vSphere", "NSX"}
    broken = [dict(records[0], product="Hyper-V"), dict(records[0]), {"id": "x"}]
    problems = data.validate("networking", broken)
    assert any("product" in p for p in problems)
    assert any("duplicate" in p for p in problems)
    assert any("missing neutron" in p for p in problems)
