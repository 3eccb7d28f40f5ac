"""Notebook 07, networking: the database tier admits PostgreSQL from the web tier only, the web
tier admits SSH from the operators' network only (a rule made with the ``openstack`` CLI), and
the web tier is published with a floating IP behind a router that joins both subnets."""

from __future__ import annotations

import ipaddress
from typing import Any

from ..checks import CheckResult, exercise
from ..network_nb07 import OUTSIDE, Endpoint, Rule, can_reach, group_from, rule_admits

#: Stand-in addresses for the reasoning (only compared with rules, never contacted).
_WEB_ADDRESS, _DB_ADDRESS, _STRANGER_ADDRESS = "10.70.1.10", "10.70.2.10", "10.70.1.99"


def _is_exact(rule: Any, port: int, web_id: str) -> bool:
    return (
        rule.protocol == "tcp"
        and rule.port_min == port
        and rule.port_max in (None, port)
        and rule.remote_group_id == web_id
    )


@exercise(
    "nb07.db_only_from_web",
    hints=(
        (
            "Add a rule to the db group with `conn.network.create_security_group_rule(...)`; "
            "`direction='ingress'` means traffic arriving at the db servers."
        ),
        (
            "Name the source by group, not by address: `remote_group_id=web_sg.id` admits every "
            "port in the web group, whatever IP it has."
        ),
        (
            "`conn.network.create_security_group_rule(security_group_id=db_sg.id, "
            "direction='ingress', ethertype='IPv4', protocol='tcp', port_range_min=5432, "
            "port_range_max=5432, remote_group_id=web_sg.id)`"
        ),
    ),
)
def check_db_only_from_web(
    conn: Any, db_group: str, web_group: str, *, port: int = 5432
) -> CheckResult:
    """The db group admits tcp ``port`` from the web group, and nothing else comes in."""
    found = {}
    for name in (db_group, web_group):
        group = conn.network.find_security_group(name, ignore_missing=True)
        if group is None:
            return CheckResult(
                False,
                f"There is no security group {name!r} in your project.",
                ["Run the cell that creates the two groups first, then try again."],
            )
        found[name] = group_from(group)
    db, web = found[db_group], found[web_group]
    names = {db.id: db.name, web.id: web.name}
    ingress = [r for r in db.rules if r.direction == "ingress"]
    if not ingress:
        return CheckResult(
            False,
            f"{db.name} has no ingress rule yet, so it admits nothing: the database is safe "
            "but the web servers cannot reach it either.",
            ["Add one ingress rule for tcp 5432 whose remote group is the web group."],
        )
    extra = [r for r in ingress if not _is_exact(r, port, web.id)]
    if extra:
        hints = ["Delete it with `conn.network.delete_security_group_rule(rule_id)`."]
        if any(r.remote_ip_prefix for r in extra):
            hints.append(
                "A CIDR admits every address in it, including servers that are not web "
                "servers. Use `remote_group_id` instead."
            )
        shown = "; ".join(f"'{r.describe(names)}' (id {r.id})" for r in extra)
        return CheckResult(False, f"{db.name} also admits more than tcp {port} from "
                           f"{web.name}: {shown}.", hints)
    groups = {db.id: db, web.id: web}
    web_server = Endpoint("a web server", (_WEB_ADDRESS,), (web.id,))
    db_server = Endpoint("a db server", (_DB_ADDRESS,), (db.id,))
    stranger = Endpoint("a server outside the web group", (_STRANGER_ADDRESS,))
    allowed = can_reach(web_server, db_server, port, groups)
    if not allowed:
        return CheckResult(False, allowed.reason, [(
            "The web group needs an egress rule that lets the connection out; new groups get "
            "'egress to anywhere' rules, so check you did not delete them."
        )])
    refused = [
        can_reach(web_server, db_server, 22, groups),
        can_reach(stranger, db_server, port, groups),
        can_reach(OUTSIDE, db_server, port, groups),
    ]
    if any(refused):  # cannot happen with only exact rules; kept as a guard for the reasoning
        return CheckResult(False, "Something other than the web group reaches the database.", [])
    return CheckResult(
        True,
        f"{db.name} admits tcp {port} from members of {web.name} and nothing else: web to "
        f"db on {port} is allowed, web to db on 22 and any other server to db are refused. "
        "New web servers are covered the moment they join the group.",
    )


def _port_subnets(conn: Any, device_id: str) -> tuple[list[Any], set[str]]:
    ports = list(conn.network.ports(device_id=device_id))
    subnets = {ip["subnet_id"] for p in ports for ip in p.fixed_ips or []}
    return ports, subnets


@exercise(
    "nb07.publish_web",
    hints=(
        (
            "A floating IP comes from the external network `public` and is attached to a "
            "port, not to a server."
        ),
        (
            "Find web1's port with `list(conn.network.ports(device_id=web1.id))`; the cell "
            "under the task lists it with `openstack port list --server`."
        ),
        (
            "`conn.network.create_ip(floating_network_id=public.id, port_id=web_port.id, "
            "description=MARK['description'])`"
        ),
    ),
)
def check_publish_web(
    conn: Any, web_server: str, db_server: str, router: str, *, external: str = "public"
) -> CheckResult:
    """The web server has a floating IP from ``external``; the db server has none; ``router``
    has its gateway on ``external`` and an interface on the subnets of both servers."""
    servers = {}
    for name in (web_server, db_server):
        server = conn.compute.find_server(name, ignore_missing=True)
        if server is None:
            return CheckResult(False, f"There is no server {name!r} in your project.",
                               ["Run the cells that boot the two servers first."])
        servers[name] = server
    ext = conn.network.find_network(external, ignore_missing=True)
    if ext is None:
        return CheckResult(False, f"This cloud has no network {external!r}.", [])
    web_ports, web_subnets = _port_subnets(conn, servers[web_server].id)
    db_ports, db_subnets = _port_subnets(conn, servers[db_server].id)
    web_ips = [ip for p in web_ports for ip in conn.network.ips(port_id=p.id)]
    db_ips = [ip for p in db_ports for ip in conn.network.ips(port_id=p.id)]
    if not web_ips:
        loose = [ip.floating_ip_address for ip in conn.network.ips() if not ip.port_id]
        if loose:
            return CheckResult(
                False,
                f"{web_server} has no floating IP yet; your project holds {', '.join(loose)} "
                "attached to no port. Allocating an address is half the job.",
                [("Attach it to the web server's port: `conn.network.update_ip(ip, "
                  "port_id=web_port.id)` (in a terminal: `openstack floating ip set --port "
                  "PORT ADDRESS`).")],
            )
        return CheckResult(False, f"{web_server} has no floating IP yet, so nothing outside "
                           "the cloud can address it.", [])
    if all(ip.floating_network_id != ext.id for ip in web_ips):
        return CheckResult(False, f"{web_server}'s floating IP does not come from {external}.",
                           [f"Allocate it with floating_network_id set to the {external} network."])
    if db_ips:
        shown = ", ".join(ip.floating_ip_address for ip in db_ips)
        return CheckResult(
            False,
            f"{db_server} has a floating IP too ({shown}): the database is published.",
            ["Release it with `conn.network.delete_ip(ip)`: only the web tier faces outside."],
        )
    found = conn.network.find_router(router, ignore_missing=True)
    if found is None:
        return CheckResult(False, f"There is no router {router!r}.", [])
    gateway = (found.external_gateway_info or {}).get("network_id")
    if gateway != ext.id:
        return CheckResult(
            False,
            f"{found.name} has no gateway on {external}, so its floating IPs lead nowhere.",
            [(f"Set it: `conn.network.update_router(router, external_gateway_info="
              f"{{'network_id': conn.network.find_network('{external}').id}})`.")],
        )
    joined = {
        ip["subnet_id"]
        for p in conn.network.ports(device_id=found.id)
        if str(p.device_owner).startswith("network:router_interface")
        for ip in p.fixed_ips or []
    }
    missing = [name for name, subnets in ((web_server, web_subnets), (db_server, db_subnets))
               if not subnets & joined]
    if missing:
        return CheckResult(
            False,
            f"{found.name} has no interface on the subnet of {', '.join(missing)}.",
            ["`conn.network.add_interface_to_router(router, subnet_id=subnet.id)`"],
        )
    address = next(ip.floating_ip_address for ip in web_ips if ip.floating_network_id == ext.id)
    return CheckResult(
        True,
        f"{web_server} answers outside at {address} (one-to-one NAT to its fixed IP), "
        f"{db_server} has no public address, and {found.name} joins both subnets with its "
        f"gateway on {external}.",
    )


#: The terminal exercise: SSH into the web tier from the operators' network only.
CLI_GROUP = "osworkshop-nb07-web"
OPERATORS = "192.0.2.0/24"  # TEST-NET-1 (RFC 5737): only data in Neutron, never contacted


@exercise(
    "nb07.cli_ssh",
    hints=(
        (
            "In the terminal, `openstack --os-cloud lab-demo security group rule create --help` "
            "lists the options: `--ingress`, `--protocol`, `--dst-port` and `--remote-ip`; the "
            "group's name comes last."
        ),
        (
            "Without `--remote-ip` the rule admits every address (0.0.0.0/0); without "
            "`--dst-port` it admits every TCP port."
        ),
        (
            "`openstack --os-cloud lab-demo security group rule create --ingress --ethertype IPv4 "
            f"--protocol tcp --dst-port 22 --remote-ip {OPERATORS} {CLI_GROUP}`"
        ),
    ),
)
def check_cli_ssh(
    conn: Any, group: str = CLI_GROUP, *, cidr: str = OPERATORS, port: int = 22
) -> CheckResult:
    """``group`` admits tcp ``port`` from ``cidr``, and from nowhere else."""
    found = conn.network.find_security_group(group, ignore_missing=True)
    if found is None:
        return CheckResult(False, f"There is no security group {group!r} in your project.",
                           ["Run the cell that creates the two groups first, then try again."])
    sg = group_from(found)
    ingress = [r for r in sg.rules if r.direction == "ingress"]
    operator = Endpoint("an operator", (_first_host(cidr),))
    others = [Endpoint("the internet", OUTSIDE.addresses),
              Endpoint("a server of the project", (_STRANGER_ADDRESS,))]
    wide = [r for r in ingress if any(_admits(r, port, o) for o in others)]
    if wide:
        shown = "; ".join(f"'{r.describe()}' (id {r.id})" for r in wide)
        fix = (f"Delete it: `openstack --os-cloud lab-demo security group rule delete "
               f"{wide[0].id}`, then create it again with `--remote-ip {cidr}`.")
        return CheckResult(False, f"{sg.name} admits tcp {port} from more than {cidr}: "
                           f"{shown}.", [fix])
    mine = [r for r in ingress if r.remote_ip_prefix and _same_network(r.remote_ip_prefix, cidr)]
    if not mine:
        fix = ("Create it in a terminal (File → New → Terminal) with "
               "`openstack --os-cloud lab-demo security group rule create ...`.")
        return CheckResult(False, f"{sg.name} has no rule from {cidr} yet.", [fix])
    more = [r for r in mine if not (r.protocol == "tcp" and r.port_min == port
                                    and r.port_max in (None, port))]
    if more:
        shown = "; ".join(f"'{r.describe()}' (id {r.id})" for r in more)
        fix = (f"Delete it (`openstack --os-cloud lab-demo security group rule delete "
               f"{more[0].id}`) and create it again with `--protocol tcp --dst-port {port}`.")
        return CheckResult(False, f"{sg.name} admits more than tcp {port} from {cidr}: {shown}.",
                           [fix])
    if not any(_admits(r, port, operator) for r in mine):
        return CheckResult(False, f"{sg.name} does not admit tcp {port} from {cidr}.",
                           ["Check `--ethertype IPv4` and `--ingress`."])
    return CheckResult(
        True,
        f"{sg.name} admits SSH (tcp {port}) from {cidr} only: an operator there reaches the web "
        "servers, the internet and the other servers do not. The CLI wrote the same rule the "
        "SDK would.",
    )


def _first_host(cidr: str) -> str:
    return str(next(ipaddress.ip_network(cidr, strict=False).hosts()))


def _same_network(prefix: str, cidr: str) -> bool:
    return ipaddress.ip_network(prefix, strict=False) == ipaddress.ip_network(cidr, strict=False)


def _admits(rule: Rule, port: int, peer: Endpoint) -> bool:
    return rule_admits(rule, "ingress", "tcp", port, peer, peer.addresses[0])
