"""Notebook 07 checks against a tiny stand-in Neutron (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb07 import (
    CLI_GROUP,
    check_cli_ssh,
    check_db_only_from_web,
    check_publish_web,
)

EGRESS = {"direction": "egress", "ethertype": "IPv4", "protocol": None}
WEB_IN = {"id": "w80", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
          "port_range_min": 80, "port_range_max": 80, "remote_ip_prefix": "0.0.0.0/0"}
EXACT = {"id": "ok", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
         "port_range_min": 5432, "port_range_max": 5432, "remote_group_id": "g-web"}


def groups_cloud(db_rules: list[dict[str, Any]], web_rules: list[dict[str, Any]] | None = None,
                 *, missing: str = "") -> Any:
    groups = {
        "t-web": SimpleNamespace(id="g-web", name="t-web", stateful=True,
                                 security_group_rules=[EGRESS, WEB_IN] if web_rules is None
                                 else web_rules),
        "t-db": SimpleNamespace(id="g-db", name="t-db", stateful=True,
                                security_group_rules=[EGRESS, *db_rules]),
    }
    groups.pop(missing, None)
    return SimpleNamespace(network=SimpleNamespace(
        find_security_group=lambda name, ignore_missing=True: groups.get(name)))


def test_checks_are_registered() -> None:
    load_exercises()
    assert registry["nb07.db_only_from_web"] is check_db_only_from_web
    assert registry["nb07.publish_web"] is check_publish_web
    assert registry["nb07.cli_ssh"] is check_cli_ssh


# --------------------------------------------------------------------------- db only from web


def test_db_only_from_web_passes_with_the_group_rule() -> None:
    result = check_db_only_from_web(groups_cloud([EXACT]), "t-db", "t-web")
    assert result.passed and "t-web" in result.message


def test_db_only_from_web_without_any_rule() -> None:
    result = check_db_only_from_web(groups_cloud([]), "t-db", "t-web")
    assert not result.passed and "no ingress rule" in result.message


def test_db_only_from_web_refuses_a_cidr() -> None:
    cidr = dict(EXACT, id="cidr", remote_group_id=None, remote_ip_prefix="10.70.1.0/24")
    result = check_db_only_from_web(groups_cloud([cidr]), "t-db", "t-web")
    assert not result.passed and "10.70.1.0/24" in result.message and "(id cidr)" in result.message
    assert any("remote_group_id" in h for h in result.hints)


@pytest.mark.parametrize(
    "extra",
    [
        dict(EXACT, id="wide", port_range_max=5440),
        dict(EXACT, id="ssh", port_range_min=22, port_range_max=22),
        dict(EXACT, id="any", protocol=None, port_range_min=None, port_range_max=None),
        {"id": "world", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
         "port_range_min": 5432, "port_range_max": 5432, "remote_ip_prefix": "0.0.0.0/0"},
    ],
)
def test_db_only_from_web_refuses_anything_more(extra: dict[str, Any]) -> None:
    result = check_db_only_from_web(groups_cloud([EXACT, extra]), "t-db", "t-web")
    assert not result.passed and f"(id {extra['id']})" in result.message


def test_db_only_from_web_notices_web_cannot_send() -> None:
    result = check_db_only_from_web(groups_cloud([EXACT], web_rules=[WEB_IN]), "t-db", "t-web")
    assert not result.passed and "No egress rule" in result.message


def test_db_only_from_web_missing_group() -> None:
    result = check_db_only_from_web(groups_cloud([], missing="t-web"), "t-db", "t-web")
    assert not result.passed and "'t-web'" in result.message


def test_strict_mode_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="nb07.db_only_from_web"):
        check_db_only_from_web(groups_cloud([]), "t-db", "t-web")


# --------------------------------------------------------------------------- publish web


class Network:
    def __init__(self, *, db_fip: bool = False, web_fip: str | None = "pub",
                 gateway: str | None = "pub", interfaces: tuple[str, ...] = ("ws", "ds")) -> None:
        self.nets = {"public": SimpleNamespace(id="pub", name="public")}
        self.port_list = [
            SimpleNamespace(id="p-web", device_id="s-web", device_owner="compute:nova",
                            fixed_ips=[{"subnet_id": "ws", "ip_address": "10.70.1.10"}]),
            SimpleNamespace(id="p-db", device_id="s-db", device_owner="compute:nova",
                            fixed_ips=[{"subnet_id": "ds", "ip_address": "10.70.2.10"}]),
            *(SimpleNamespace(id=f"r-{s}", device_id="r1",
                              device_owner="network:router_interface",
                              fixed_ips=[{"subnet_id": s, "ip_address": "10.70.0.1"}])
              for s in interfaces),
        ]
        self.ip_list = []
        if web_fip:
            self.ip_list.append(SimpleNamespace(port_id="p-web", floating_network_id=web_fip,
                                                floating_ip_address="203.0.113.24"))
        if db_fip:
            self.ip_list.append(SimpleNamespace(port_id="p-db", floating_network_id="pub",
                                                floating_ip_address="203.0.113.25"))
        info = {"network_id": gateway} if gateway else None
        self.router = SimpleNamespace(id="r1", name="t-router", external_gateway_info=info)

    def find_network(self, name: str, ignore_missing: bool = True) -> Any:
        return self.nets.get(name)

    def find_router(self, name: str, ignore_missing: bool = True) -> Any:
        return self.router if name == "t-router" else None

    def ports(self, device_id: str) -> list[Any]:
        return [p for p in self.port_list if p.device_id == device_id]

    def ips(self, port_id: str | None = None) -> list[Any]:
        if port_id is None:
            return self.ip_list
        return [ip for ip in self.ip_list if ip.port_id == port_id]


def publish_cloud(**kwargs: Any) -> Any:
    servers = {"t-web1": SimpleNamespace(id="s-web", name="t-web1"),
               "t-db1": SimpleNamespace(id="s-db", name="t-db1")}
    return SimpleNamespace(
        network=Network(**kwargs),
        compute=SimpleNamespace(find_server=lambda name, ignore_missing=True: servers.get(name)),
    )


def publish(conn: Any, router: str = "t-router", web: str = "t-web1") -> Any:
    return check_publish_web(conn, web_server=web, db_server="t-db1", router=router)


def test_publish_web_passes() -> None:
    result = publish(publish_cloud())
    assert result.passed and "203.0.113.24" in result.message


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"web_fip": None}, "no floating IP yet"),
        ({"web_fip": "elsewhere"}, "does not come from public"),
        ({"db_fip": True}, "database is published"),
        ({"gateway": None}, "no gateway on public"),
        ({"interfaces": ("ws",)}, "no interface on the subnet of t-db1"),
    ],
)
def test_publish_web_not_yet(kwargs: dict[str, Any], expected: str) -> None:
    result = publish(publish_cloud(**kwargs))
    assert not result.passed and expected in result.message


def test_publish_web_names_an_address_attached_to_no_port() -> None:
    conn = publish_cloud(web_fip=None)
    conn.network.ip_list.append(SimpleNamespace(port_id=None, floating_network_id="pub",
                                                floating_ip_address="203.0.113.30"))
    result = publish(conn)
    assert not result.passed and "203.0.113.30 attached to no port" in result.message
    assert "update_ip" in result.hints[0]


def test_publish_web_missing_things() -> None:
    assert "no router" in publish(publish_cloud(), router="nope").message
    assert "no server 'ghost'" in publish(publish_cloud(), web="ghost").message


# --------------------------------------------------------------------------- SSH from a terminal

SSH = {"id": "ssh", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp",
       "port_range_min": 22, "port_range_max": 22, "remote_ip_prefix": "192.0.2.0/24"}


def ssh_cloud(*rules: dict[str, Any]) -> Any:
    group = SimpleNamespace(id="g-web", name=CLI_GROUP, stateful=True,
                            security_group_rules=[EGRESS, WEB_IN, *rules])
    return SimpleNamespace(network=SimpleNamespace(
        find_security_group=lambda name, ignore_missing=True: group if name == CLI_GROUP
        else None))


def test_cli_ssh_passes_with_the_operators_rule() -> None:
    result = check_cli_ssh(ssh_cloud(SSH))
    assert result.passed, result
    assert result.exercise == "nb07.cli_ssh" and "192.0.2.0/24" in result.message


def test_cli_ssh_without_a_rule_points_to_the_terminal() -> None:
    result = check_cli_ssh(ssh_cloud())
    assert not result.passed and "no rule from 192.0.2.0/24 yet" in result.message
    assert "Terminal" in result.hints[0]
    assert "--help" in result.hints[1]


@pytest.mark.parametrize(
    "rule",
    [
        dict(SSH, id="world", remote_ip_prefix=None),             # no --remote-ip: 0.0.0.0/0
        dict(SSH, id="world", remote_ip_prefix="0.0.0.0/0"),
        dict(SSH, id="world", remote_ip_prefix="10.70.0.0/16"),   # the project's servers too
        dict(SSH, id="world", protocol=None, port_range_min=None, port_range_max=None,
             remote_ip_prefix="0.0.0.0/0"),
    ],
)
def test_cli_ssh_refuses_ssh_from_elsewhere(rule: dict[str, Any]) -> None:
    result = check_cli_ssh(ssh_cloud(SSH, rule))
    assert not result.passed and "from more than 192.0.2.0/24" in result.message
    assert "(id world)" in result.message and "rule delete world" in result.hints[0]


@pytest.mark.parametrize(
    "rule",
    [
        dict(SSH, port_range_min=None, port_range_max=None),   # no --dst-port
        dict(SSH, port_range_max=80),
        dict(SSH, protocol="udp"),
    ],
)
def test_cli_ssh_refuses_more_than_ssh_from_the_operators(rule: dict[str, Any]) -> None:
    result = check_cli_ssh(ssh_cloud(rule))
    assert not result.passed and "admits more than tcp 22 from 192.0.2.0/24" in result.message
    assert "rule delete ssh" in result.hints[0]


def test_cli_ssh_needs_ingress_ipv4() -> None:
    result = check_cli_ssh(ssh_cloud(dict(SSH, direction="egress")))
    assert not result.passed and "no rule from 192.0.2.0/24" in result.message


def test_cli_ssh_missing_group() -> None:
    result = check_cli_ssh(ssh_cloud(SSH), "nope")
    assert not result.passed and "'nope'" in result.message
