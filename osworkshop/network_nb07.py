"""Notebook 07, networking: Neutron's answers as plain records, a picture of them, and rule reasoning.

Three parts, all pure apart from the ``read_*`` functions that ask the cloud:

* **records**: networks, subnets, routers and their interfaces, ports, floating IPs and servers,
  read once from the API (:func:`read_topology`);
* **a picture**: :func:`render_svg` turns a :class:`Topology` into an SVG string;
* **security group reasoning**: :func:`can_reach` answers "may A open a connection to B on
  port P?" from the rules alone. The course lab moves no packets (its ML2 mechanism driver
  ``lab`` only binds ports), so the notebook reasons about the rules instead of sending traffic.
"""

from __future__ import annotations

import html
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Subnet:
    """An IP range on a network (Neutron's IPAM)."""

    id: str
    name: str
    network_id: str
    cidr: str
    gateway_ip: str | None = None


@dataclass(frozen=True)
class Network:
    """A layer-2 network and its subnets; ``external`` for networks like ``public``."""

    id: str
    name: str
    external: bool = False
    subnets: tuple[Subnet, ...] = ()

    @property
    def cidrs(self) -> tuple[str, ...]:
        return tuple(s.cidr for s in self.subnets)


@dataclass(frozen=True)
class Interface:
    """A router's leg on a subnet: the router's address there (usually the gateway IP)."""

    subnet_id: str
    network_id: str
    ip: str
    port_id: str = ""


@dataclass(frozen=True)
class Router:
    """A router: its interfaces on project subnets and its gateway on an external network."""

    id: str
    name: str
    gateway_network_id: str | None = None
    gateway_ips: tuple[str, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    status: str = ""

    @property
    def network_ids(self) -> frozenset[str]:
        """Networks this router joins through its interfaces (not its gateway)."""
        return frozenset(i.network_id for i in self.interfaces)


@dataclass(frozen=True)
class Port:
    """A port: where a server's NIC (or a router leg) plugs into a network."""

    id: str
    name: str
    network_id: str
    ips: tuple[str, ...] = ()
    device_owner: str = ""
    device_id: str = ""
    mac: str = ""
    status: str = ""
    group_ids: tuple[str, ...] = ()
    port_security: bool = True

    @property
    def is_compute(self) -> bool:
        return self.device_owner.startswith("compute:")

    @property
    def is_infrastructure(self) -> bool:
        """Router legs, gateways, DHCP and other ports that Neutron owns."""
        return self.device_owner.startswith("network:")


@dataclass(frozen=True)
class FloatingIP:
    """An address of an external network, NATed one-to-one to a port's fixed IP."""

    id: str
    address: str
    network_id: str
    port_id: str | None = None
    fixed_ip: str | None = None


@dataclass(frozen=True)
class Server:
    id: str
    name: str
    status: str = ""


@dataclass(frozen=True)
class Topology:
    """Everything the picture and the reasoning need, read once from the cloud."""

    networks: tuple[Network, ...] = ()
    routers: tuple[Router, ...] = ()
    ports: tuple[Port, ...] = ()
    floating_ips: tuple[FloatingIP, ...] = ()
    servers: tuple[Server, ...] = ()

    def network(self, network_id: str) -> Network | None:
        return next((n for n in self.networks if n.id == network_id), None)

    def server(self, server_id: str) -> Server | None:
        return next((s for s in self.servers if s.id == server_id), None)

    def server_ports(self, server_id: str) -> list[Port]:
        return [p for p in self.ports if p.device_id == server_id]

    def floating_ips_of(self, port_id: str) -> list[FloatingIP]:
        return [f for f in self.floating_ips if f.port_id == port_id]

    def devices(self, network_id: str) -> list[Port]:
        """Ports on ``network_id`` that belong to servers or to nobody yet (not Neutron's own)."""
        found = [p for p in self.ports if p.network_id == network_id and not p.is_infrastructure]
        return sorted(found, key=lambda p: (self._device_name(p), p.ips))

    def _device_name(self, port: Port) -> str:
        server = self.server(port.device_id) if port.device_id else None
        return server.name if server else port.name or port.id

    def routed(self) -> list[frozenset[str]]:
        """For each router, the set of networks it joins."""
        return [r.network_ids for r in self.routers]

    def exits(self) -> frozenset[str]:
        """Networks joined to a router that has a gateway: their servers can reach outside."""
        return frozenset(n for r in self.routers if r.gateway_network_id for n in r.network_ids)

    def facing_outside(self, network_id: str) -> bool:
        """True if a port on ``network_id`` holds a floating IP."""
        ports = {p.id for p in self.ports if p.network_id == network_id}
        return any(f.port_id in ports for f in self.floating_ips)


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    value = getattr(item, name, default)
    return default if value is None else value


def subnet_from(item: Any) -> Subnet:
    return Subnet(
        id=str(_get(item, "id", "")),
        name=str(_get(item, "name", "")),
        network_id=str(_get(item, "network_id", "")),
        cidr=str(_get(item, "cidr", "")),
        gateway_ip=_get(item, "gateway_ip"),
    )


def network_from(item: Any, subnets: Iterable[Subnet] = ()) -> Network:
    external = _get(item, "is_router_external")
    if external is None:
        external = _get(item, "router:external", False)
    network_id = str(_get(item, "id", ""))
    return Network(
        id=network_id,
        name=str(_get(item, "name", "")),
        external=bool(external),
        subnets=tuple(sorted((s for s in subnets if s.network_id == network_id),
                             key=lambda s: s.cidr)),
    )


def _fixed_ips(item: Any) -> list[Mapping[str, str]]:
    return list(_get(item, "fixed_ips", []) or [])


def port_from(item: Any) -> Port:
    security = _get(item, "is_port_security_enabled")
    if security is None:
        security = _get(item, "port_security_enabled", True)
    return Port(
        id=str(_get(item, "id", "")),
        name=str(_get(item, "name", "")),
        network_id=str(_get(item, "network_id", "")),
        ips=tuple(str(ip.get("ip_address", "")) for ip in _fixed_ips(item)),
        device_owner=str(_get(item, "device_owner", "")),
        device_id=str(_get(item, "device_id", "")),
        mac=str(_get(item, "mac_address", "")),
        status=str(_get(item, "status", "")),
        group_ids=tuple(_get(item, "security_group_ids", None)
                        or _get(item, "security_groups", []) or []),
        port_security=bool(security),
    )


def router_from(item: Any, ports: Iterable[Any] = ()) -> Router:
    """A router record; ``ports`` are the API's ports, of which its interfaces are picked."""
    router_id = str(_get(item, "id", ""))
    interfaces = []
    for port in ports:
        owner = str(_get(port, "device_owner", ""))
        if _get(port, "device_id") != router_id or not owner.startswith("network:router_interface"):
            continue
        for ip in _fixed_ips(port):
            interfaces.append(Interface(
                subnet_id=str(ip.get("subnet_id", "")),
                network_id=str(_get(port, "network_id", "")),
                ip=str(ip.get("ip_address", "")),
                port_id=str(_get(port, "id", "")),
            ))
    gateway = _get(item, "external_gateway_info") or {}
    return Router(
        id=router_id,
        name=str(_get(item, "name", "")),
        gateway_network_id=gateway.get("network_id"),
        gateway_ips=tuple(str(ip.get("ip_address", ""))
                          for ip in gateway.get("external_fixed_ips", []) or []),
        interfaces=tuple(sorted(interfaces, key=lambda i: i.ip)),
        status=str(_get(item, "status", "")),
    )


def floating_ip_from(item: Any) -> FloatingIP:
    return FloatingIP(
        id=str(_get(item, "id", "")),
        address=str(_get(item, "floating_ip_address", "")),
        network_id=str(_get(item, "floating_network_id", "")),
        port_id=_get(item, "port_id"),
        fixed_ip=_get(item, "fixed_ip_address"),
    )


def server_from(item: Any) -> Server:
    return Server(id=str(_get(item, "id", "")), name=str(_get(item, "name", "")),
                  status=str(_get(item, "status", "")))


def read_topology(
    conn: Any, prefix: str | None = None, network_ids: Iterable[str] = ()
) -> Topology:
    """Read networks whose names start with ``prefix`` (or whose IDs are given), with their
    subnets, ports, servers and floating IPs, the routers joined to them, and the external
    networks those routers use as their gateway."""
    wanted = set(network_ids)
    all_networks = list(conn.network.networks())
    chosen = {
        n.id for n in all_networks
        if n.id in wanted or (prefix and str(n.name or "").startswith(prefix))
    }
    all_ports = list(conn.network.ports())
    router_ids = {
        p.device_id for p in all_ports
        if p.network_id in chosen and str(p.device_owner or "").startswith("network:router_interface")
    }
    routers = [
        router_from(r, all_ports) for r in conn.network.routers()
        if r.id in router_ids or (prefix and str(r.name or "").startswith(prefix))
    ]
    external = {r.gateway_network_id for r in routers if r.gateway_network_id}
    shown = chosen | external
    subnets = [subnet_from(s) for s in conn.network.subnets() if s.network_id in shown]
    networks = sorted(
        (network_from(n, subnets) for n in all_networks if n.id in shown),
        key=lambda n: (not n.external, n.name),
    )
    ports = [port_from(p) for p in all_ports if p.network_id in chosen]
    port_ids = {p.id for p in ports}
    floating = [floating_ip_from(f) for f in conn.network.ips() if f.port_id in port_ids]
    server_ids = {p.device_id for p in ports if p.is_compute}
    servers = [server_from(s) for s in conn.compute.servers() if s.id in server_ids]
    return Topology(
        networks=tuple(networks),
        routers=tuple(sorted(routers, key=lambda r: r.name)),
        ports=tuple(ports),
        floating_ips=tuple(floating),
        servers=tuple(sorted(servers, key=lambda s: s.name)),
    )


# --------------------------------------------------------------------------- the picture

PALETTE = ("#2980b9", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#c0392b")
EXTERNAL_COLOR = "#7f8c8d"
ROUTER_COLOR = "#2c3e50"
FLOATING_COLOR = "#e67e22"

_PAD = 20
_BOX_W, _BOX_H, _BOX_GAP = 230, 66, 14
_ROUTER_W, _ROUTER_H = 150, 40


def _t(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _text(x: float, y: float, text: str, *, size: int = 12, weight: str = "normal",
          fill: str = "#222", anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (f'<text x="{x:.0f}" y="{y:.0f}" font-size="{size}" font-weight="{weight}" '
            f'fill="{fill}" text-anchor="{anchor}"{klass}>{_t(text)}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, *, color: str = "#555",
          cls: str = "", dash: bool = False) -> str:
    klass = f' class="{cls}"' if cls else ""
    dashes = ' stroke-dasharray="5,4"' if dash else ""
    return (f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="{color}" '
            f'stroke-width="2"{dashes}{klass}/>')


def _rect(x: float, y: float, w: float, h: float, *, fill: str, stroke: str = "none",
          cls: str = "", rx: int = 4) -> str:
    klass = f' class="{cls}"' if cls else ""
    return (f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" rx="{rx}" '
            f'fill="{fill}" stroke="{stroke}"{klass}/>')


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _network_label(network: Network) -> str:
    cidrs = ", ".join(network.cidrs) or "no subnet"
    kind = " (external)" if network.external else ""
    return f"{network.name or network.id[:8]} · {cidrs}{kind}"


def _device_lines(topo: Topology, port: Port, group_names: Mapping[str, str]) -> list[tuple[str, str]]:
    """(text, colour) lines shown in a device box."""
    server = topo.server(port.device_id) if port.device_id else None
    title = server.name if server else f"port {port.name or port.id[:8]}"
    state = server.status if server else (port.status or "")
    ips = ", ".join(port.ips) or "no IP"
    lines = [(_clip(title, 30), "bold"), (_clip(f"{ips} · {state}".strip(" ·"), 36), "#222")]
    if port.group_ids:
        names = ", ".join(group_names.get(g, g[:8]) for g in port.group_ids)
        lines.append((_clip(f"groups: {names}", 36), "#555"))
    elif not port.port_security:
        lines.append(("port security off", "#c0392b"))
    for fip in topo.floating_ips_of(port.id):
        lines.append((f"floating IP {fip.address}", FLOATING_COLOR))
    return lines


def render_svg(
    topo: Topology,
    *,
    width: int = 860,
    title: str | None = None,
    group_names: Mapping[str, str] | None = None,
) -> str:
    """Draw ``topo``: external networks on top, routers below them, project networks as
    coloured bars with their servers and ports underneath. Pure: returns the SVG text."""
    names = dict(group_names or {})
    external = [n for n in topo.networks if n.external]
    # Tiers that face the outside (they hold floating IPs) on the left, then by name.
    internal = sorted((n for n in topo.networks if not n.external),
                      key=lambda n: (not topo.facing_outside(n.id), n.name))
    parts: list[str] = []
    y = _PAD
    if title:
        parts.append(_text(_PAD, y + 14, title, size=15, weight="bold", cls="title"))
        y += 30
    if not topo.networks and not topo.routers:
        parts.append(_text(_PAD, y + 14, "Nothing to draw yet: no network matched.", cls="empty"))
        return _svg(width, y + 40, parts)

    # External networks: full-width grey bars.
    bar_y: dict[str, float] = {}
    for network in external:
        parts.append(_text(_PAD, y + 12, _network_label(network), weight="bold",
                           fill=EXTERNAL_COLOR, cls="network-label"))
        parts.append(_rect(_PAD, y + 18, width - 2 * _PAD, 10, fill=EXTERNAL_COLOR,
                           cls="network external"))
        bar_y[network.id] = y + 18
        y += 46

    # Project networks: one column each.
    columns = max(1, len(internal))
    col_w = (width - 2 * _PAD) / columns
    router_top = y + 34
    net_top = router_top + _ROUTER_H + 80 if topo.routers else y + 30
    centre: dict[str, float] = {}
    bottom = net_top + 40
    device_parts: list[str] = []
    for i, network in enumerate(internal):
        x0 = _PAD + i * col_w
        colour = PALETTE[i % len(PALETTE)]
        centre[network.id] = x0 + col_w / 2
        parts.append(_rect(x0 + 8, net_top, col_w - 16, 10, fill=colour, cls="network"))
        parts.append(_text(x0 + 28, net_top + 26, _clip(_network_label(network), 60),
                           weight="bold", fill=colour, cls="network-label"))
        devices = topo.devices(network.id)
        trunk_x = x0 + 18
        box_w = min(_BOX_W, col_w - 56)
        top = net_top + 40
        for port in devices:
            lines = _device_lines(topo, port, names)
            height = max(_BOX_H, 14 + 15 * len(lines))
            mid = top + height / 2
            device_parts.append(_line(trunk_x, mid, trunk_x + 22, mid, color=colour))
            device_parts.append(_rect(trunk_x + 22, top, box_w, height, fill="#fdfefe",
                                      stroke=colour, cls="device"))
            for k, (text, style) in enumerate(lines):
                weight, fill = ("bold", "#222") if style == "bold" else ("normal", style)
                device_parts.append(_text(trunk_x + 30, top + 17 + 15 * k, text, size=12,
                                          weight=weight, fill=fill))
            last_mid = mid
            top += height + _BOX_GAP
        if devices:
            parts.append(_line(trunk_x, net_top + 10, trunk_x, last_mid, color=colour,
                               cls="trunk"))
        bottom = max(bottom, top)
    parts.extend(device_parts)

    # Routers: above the networks they join, linked up to their gateway network.
    placed: list[float] = []
    for k, router in enumerate(topo.routers):
        joined = [centre[n] for n in sorted(router.network_ids) if n in centre]
        x = sum(joined) / len(joined) if joined else _PAD + (k + 0.5) * (width - 2 * _PAD) / len(
            topo.routers)
        while any(abs(x - other) < _ROUTER_W + 10 for other in placed):
            x += _ROUTER_W + 10
        x = min(x, width - _PAD - _ROUTER_W / 2)
        placed.append(x)
        for interface in router.interfaces:
            if interface.network_id not in centre:
                continue
            cx = centre[interface.network_id]
            parts.append(_line(x, router_top + _ROUTER_H, cx, net_top, cls="interface"))
            # Label on the side away from the line, so the line does not cross the text.
            left = x > cx + 1
            parts.append(_text(cx - 8 if left else cx + 8, net_top - 8, interface.ip, size=11,
                               fill="#555", anchor="end" if left else "start"))
        if router.gateway_network_id in bar_y:
            gy = bar_y[router.gateway_network_id] + 10
            parts.append(_line(x, router_top, x, gy, color=EXTERNAL_COLOR, cls="gateway"))
            gateway = ", ".join(router.gateway_ips) or "gateway"
            parts.append(_text(x + 6, (gy + router_top) / 2 + 4, gateway, size=11,
                               fill=EXTERNAL_COLOR))
        parts.append(_rect(x - _ROUTER_W / 2, router_top, _ROUTER_W, _ROUTER_H,
                           fill=ROUTER_COLOR, cls="router", rx=8))
        parts.append(_text(x, router_top + 17, _clip(router.name or router.id[:8], 22),
                           weight="bold", fill="#fff", anchor="middle"))
        parts.append(_text(x, router_top + 32, "router", size=11, fill="#d5dbdb",
                           anchor="middle"))

    counts = ", ".join(_plural(n, word) for n, word in (
        (len(topo.networks), "network"), (len(topo.routers), "router"),
        (len(topo.servers), "server"), (len(topo.floating_ips), "floating IP")))
    caption = f"Drawn from Neutron's answers: {counts}."
    parts.append(_text(_PAD, bottom + 16, caption, size=11, fill="#777", cls="caption"))
    return _svg(width, bottom + 30, parts)


def _svg(width: float, height: float, parts: Sequence[str]) -> str:
    body = "".join(parts)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif" role="img">'
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>'
        f"{body}</svg>"
    )


# --------------------------------------------------------------------------- security groups

PROTOCOLS: dict[str, str] = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp"}


@dataclass(frozen=True)
class Rule:
    """One security group rule, as Neutron stores it."""

    direction: str
    ethertype: str = "IPv4"
    protocol: str | None = None
    port_min: int | None = None
    port_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    remote_address_group_id: str | None = None
    group_id: str = ""
    id: str = ""

    def describe(self, group_names: Mapping[str, str] | None = None) -> str:
        """``ingress tcp 5432 from group web`` and the like."""
        names = group_names or {}
        proto = self.protocol or "any protocol"
        if self.port_min is None:
            ports = "" if self.protocol in (None, "icmp", "ipv6-icmp") else " all ports"
        elif self.port_max in (None, self.port_min):
            ports = f" {self.port_min}"
        else:
            ports = f" {self.port_min}-{self.port_max}"
        side = "from" if self.direction == "ingress" else "to"
        if self.remote_group_id:
            peer = f"group {names.get(self.remote_group_id, self.remote_group_id[:8])}"
        elif self.remote_address_group_id:
            peer = f"address group {self.remote_address_group_id[:8]}"
        elif self.remote_ip_prefix:
            peer = self.remote_ip_prefix
        else:
            peer = "anywhere"
        return f"{self.direction} {self.ethertype} {proto}{ports} {side} {peer}"


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    rules: tuple[Rule, ...] = ()
    stateful: bool = True


@dataclass(frozen=True)
class Endpoint:
    """Something that may open or accept a connection: a server's ports, or the outside world."""

    name: str
    addresses: tuple[str, ...]
    group_ids: tuple[str, ...] = ()
    floating_ips: tuple[str, ...] = ()
    network_ids: tuple[str, ...] = ()
    port_security: bool = True
    outside: bool = False


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str
    egress: Rule | None = None
    ingress: Rule | None = None

    def __bool__(self) -> bool:
        return self.allowed


#: A host on the internet, from a range reserved for documentation (RFC 5737).
OUTSIDE = Endpoint(name="the internet", addresses=("198.51.100.7",), outside=True)


def _int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


def rule_from(item: Any) -> Rule:
    protocol = _get(item, "protocol")
    protocol = PROTOCOLS.get(str(protocol), protocol) if protocol is not None else None
    return Rule(
        direction=str(_get(item, "direction", "")),
        ethertype=str(_get(item, "ethertype", "IPv4")),
        protocol=str(protocol).lower() if protocol not in (None, "", "any") else None,
        port_min=_int(_get(item, "port_range_min")),
        port_max=_int(_get(item, "port_range_max")),
        remote_ip_prefix=_get(item, "remote_ip_prefix"),
        remote_group_id=_get(item, "remote_group_id"),
        remote_address_group_id=_get(item, "remote_address_group_id"),
        group_id=str(_get(item, "security_group_id", "")),
        id=str(_get(item, "id", "")),
    )


def group_from(item: Any) -> Group:
    rules = _get(item, "security_group_rules", []) or []
    return Group(
        id=str(_get(item, "id", "")),
        name=str(_get(item, "name", "")),
        rules=tuple(rule_from(r) for r in rules),
        stateful=bool(_get(item, "stateful", True)),
    )


def read_groups(conn: Any) -> dict[str, Group]:
    """The security groups this connection sees, by ID, with their rules."""
    return {g.id: group_from(g) for g in conn.network.security_groups()}


def endpoints_from(topo: Topology) -> list[Endpoint]:
    """One endpoint per server in the topology (all its ports together)."""
    found = []
    for server in topo.servers:
        ports = topo.server_ports(server.id)
        groups: list[str] = []
        for port in ports:
            groups += [g for g in port.group_ids if g not in groups]
        found.append(Endpoint(
            name=server.name,
            addresses=tuple(ip for p in ports for ip in p.ips),
            group_ids=tuple(groups),
            floating_ips=tuple(f.address for p in ports for f in topo.floating_ips_of(p.id)),
            network_ids=tuple(dict.fromkeys(p.network_id for p in ports)),
            port_security=all(p.port_security for p in ports) if ports else True,
        ))
    return found


def _version(address: str) -> int:
    return ipaddress.ip_address(address).version


def _ethertype(address: str) -> str:
    return "IPv6" if _version(address) == 6 else "IPv4"


def _protocol_matches(rule: Rule, protocol: str) -> bool:
    return rule.protocol is None or rule.protocol == protocol


def _port_matches(rule: Rule, protocol: str, port: int | None) -> bool:
    if rule.port_min is None or port is None:
        return True
    if protocol in ("tcp", "udp", "sctp"):
        high = rule.port_max if rule.port_max is not None else rule.port_min
        return rule.port_min <= port <= high
    if protocol in ("icmp", "ipv6-icmp"):  # port_range_min holds the ICMP type
        return port == rule.port_min
    return True


def _remote_matches(rule: Rule, peer: Endpoint, peer_address: str) -> bool:
    if rule.remote_group_id:
        return not peer.outside and rule.remote_group_id in peer.group_ids
    if rule.remote_address_group_id:
        return False  # its CIDRs live in another API object; not evaluated here
    if rule.remote_ip_prefix:
        network = ipaddress.ip_network(rule.remote_ip_prefix, strict=False)
        address = ipaddress.ip_address(peer_address)
        return address.version == network.version and address in network
    return True


def rule_admits(
    rule: Rule, direction: str, protocol: str, port: int | None, peer: Endpoint, peer_address: str
) -> bool:
    """True if ``rule`` allows this traffic in ``direction`` with ``peer`` at ``peer_address``."""
    return (
        rule.direction == direction
        and rule.ethertype == _ethertype(peer_address)
        and _protocol_matches(rule, protocol)
        and _port_matches(rule, protocol, port)
        and _remote_matches(rule, peer, peer_address)
    )


def _first_admitting(
    groups: Mapping[str, Group], owner: Endpoint, direction: str, protocol: str,
    port: int | None, peer: Endpoint, peer_address: str,
) -> Rule | None:
    for group_id in owner.group_ids:
        group = groups.get(group_id)
        for rule in group.rules if group else ():
            if rule_admits(rule, direction, protocol, port, peer, peer_address):
                return rule
    return None


def _names(groups: Mapping[str, Group], ids: Iterable[str]) -> str:
    return ", ".join(groups[g].name if g in groups else g[:8] for g in ids) or "none"


def _pick(addresses: Sequence[str], version: int | None = None) -> str:
    for address in addresses:
        if version is None or _version(address) == version:
            return address
    return addresses[0]


def can_reach(
    src: Endpoint,
    dst: Endpoint,
    port: int | None,
    groups: Mapping[str, Group],
    *,
    protocol: str = "tcp",
    routed: Iterable[Iterable[str]] | None = None,
    exits: Iterable[str] | None = None,
) -> Verdict:
    """May ``src`` open a ``protocol`` connection to ``dst`` on ``port``?

    The answer follows Neutron's rules: there must be a path (a floating IP for traffic from
    outside; a shared network or a router joining both networks inside the project; a router
    with a gateway for traffic to outside), an egress rule of ``src``'s groups that lets the
    packet out, and an ingress rule of ``dst``'s groups that lets it in. Groups only allow; what
    no rule allows is dropped. Replies to an allowed connection pass because groups are
    stateful. ``routed`` lists the network sets joined by each router and ``exits`` the networks
    behind a router with a gateway (see :class:`Topology`); leave them out to skip those path
    checks.
    """
    names = {gid: g.name for gid, g in groups.items()}
    if not src.addresses or not dst.addresses:
        return Verdict(False, "One side has no IP address, so nothing can be addressed.")
    if src.outside and dst.outside:
        return Verdict(False, "Both ends are outside the cloud: Neutron is not on the path.")
    protocol = protocol.lower()
    label = f"{protocol} {port}" if port is not None else protocol
    if src.outside:
        if not dst.floating_ips:
            return Verdict(False, (
                f"{dst.name} has no floating IP: its address {dst.addresses[0]} is private to the "
                "project, so nothing outside the cloud can address it."))
        src_addr = src.addresses[0]
        dst_addr = _pick(dst.addresses, _version(src_addr))
    else:
        src_addr = src.addresses[0]
        dst_addr = _pick(dst.addresses, _version(src_addr))
        src_addr = _pick(src.addresses, _version(dst_addr))
        if dst.outside and exits is not None and not set(src.network_ids) & set(exits):
            return Verdict(False, (
                f"No router with a gateway serves {src.name}'s network, so its traffic has no way "
                "out of the project."))
        if not dst.outside and routed is not None and not set(src.network_ids) & set(dst.network_ids):
            joined = [set(r) for r in routed]
            if not any(set(src.network_ids) & r and set(dst.network_ids) & r for r in joined):
                return Verdict(False, (
                    f"No router joins the networks of {src.name} and {dst.name}, so there is no "
                    "path between them."))
    egress: Rule | None = None
    if not src.outside and src.port_security:
        egress = _first_admitting(groups, src, "egress", protocol, port, dst, dst_addr)
        if egress is None:
            return Verdict(False, (
                f"No egress rule in {src.name}'s groups ({_names(groups, src.group_ids)}) lets "
                f"{label} out towards {dst.name}: dropped as it leaves."))
    ingress: Rule | None = None
    if not dst.outside and dst.port_security:
        ingress = _first_admitting(groups, dst, "ingress", protocol, port, src, src_addr)
        if ingress is None:
            return Verdict(False, (
                f"No ingress rule in {dst.name}'s groups ({_names(groups, dst.group_ids)}) admits "
                f"{label} from {src.name} ({src_addr}): dropped on arrival."), egress)
    out = egress.describe(names) if egress else "not filtered"
    into = ingress.describe(names) if ingress else "not filtered"
    where = f" through floating IP {dst.floating_ips[0]}" if src.outside else ""
    return Verdict(True, (
        f"Allowed{where}: out of {src.name} by '{out}', into {dst.name} by '{into}'. "
        "Replies pass too: security groups are stateful."), egress, ingress)


def reach_matrix(
    endpoints: Sequence[Endpoint],
    ports: Sequence[int],
    groups: Mapping[str, Group],
    *,
    protocol: str = "tcp",
    routed: Iterable[Iterable[str]] | None = None,
    exits: Iterable[str] | None = None,
) -> list[tuple[str, str, list[Verdict]]]:
    """``(from, to, [verdict per port])`` for every ordered pair of different endpoints."""
    joined = [frozenset(r) for r in routed] if routed is not None else None
    out = frozenset(exits) if exits is not None else None
    return [
        (a.name, b.name, [can_reach(a, b, p, groups, protocol=protocol, routed=joined, exits=out)
                          for p in ports])
        for a in endpoints for b in endpoints if a is not b and not (a.outside and b.outside)
    ]


# --------------------------------------------------------------------------- plug-ins and drivers

#: Agent types Neutron reports (``agent_type``), and the back end they reveal.
AGENT_BACKENDS: dict[str, str] = {
    "OVN Controller agent": "ML2/OVN",
    "OVN Controller Gateway agent": "ML2/OVN",
    "OVN Metadata agent": "ML2/OVN",
    "OVN Neutron agent": "ML2/OVN",
    "Open vSwitch agent": "ML2/OVS",
    "L3 agent": "ML2/OVS",
    "DHCP agent": "ML2/OVS",
    "Metadata agent": "ML2/OVS",
}


def backend_hint(agent_types: Iterable[str], vif_types: Iterable[str]) -> str:
    """What the agents and the ports' ``binding:vif_type`` say about the mechanism driver.

    Members cannot read either (both are admin-only by default), so pass what an admin read.
    """
    agents = sorted(set(agent_types))
    vifs = {v for v in vif_types if v}
    backends = sorted({AGENT_BACKENDS[a] for a in agents if a in AGENT_BACKENDS})
    if "ML2/OVN" in backends:
        return ("ML2/OVN: ovn-controller reports from every node as an agent; OVN programs "
                "Open vSwitch from its databases, with no separate L3 or DHCP agents.")
    if "ML2/OVS" in backends:
        return ("ML2/OVS: an Open vSwitch agent runs on every node, with L3 and DHCP agents "
                "for routers and addresses.")
    if "ovs" in vifs or "vhostuser" in vifs:
        return ("Open vSwitch binds the ports (vif_type ovs), but no agent is visible to this "
                "connection: ML2/OVN or ML2/OVS.")
    if vifs and vifs <= {"other"} and not agents:
        return ("An agentless mechanism driver binds the ports with vif_type 'other' and no "
                "agent reports. In the course lab that is the 'lab' driver: ports are bound, "
                "but no packet is forwarded.")
    if vifs & {"unbound", "binding_failed"}:
        return ("Some ports are not bound to a host (vif_type unbound or binding_failed): no "
                "mechanism driver took them. Look at the port's binding:host_id.")
    if agents:
        return f"Agents reported: {', '.join(agents)}."
    return ("Nothing to go on: agents and port bindings are visible to administrators only. "
            "Ask an admin, or read conn.network.extensions() for what the API offers.")


def extension_rows(
    extensions: Iterable[Any], aliases: Sequence[str]
) -> list[tuple[str, str, str]]:
    """``(alias, name, description)`` for the chosen aliases, in that order, with the API's own
    words; an alias the cloud lacks shows as not offered."""
    by_alias = {str(_get(e, "alias", "")): e for e in extensions}
    rows = []
    for alias in aliases:
        ext = by_alias.get(alias)
        if ext is None:
            rows.append((alias, "not offered by this cloud", ""))
        else:
            rows.append((alias, str(_get(ext, "name", "")), str(_get(ext, "description", ""))))
    return rows


def quota_rows(quota: Any, resources: Sequence[str]) -> list[tuple[str, Any, Any]]:
    """``(resource, used, limit)`` from ``conn.network.get_quota(project, details=True)``."""
    rows = []
    for name in resources:
        detail = _get(quota, name) or {}
        limit = detail.get("limit", "?") if isinstance(detail, Mapping) else detail
        used = detail.get("used", "?") if isinstance(detail, Mapping) else "?"
        rows.append((name, used, "unlimited" if limit == -1 else limit))
    return rows

