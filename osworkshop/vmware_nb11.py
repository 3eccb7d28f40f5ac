"""Notebook 11, VMware inside OpenStack: a mixed cloud's aggregates and zones, and the driver model.

The notebook plays a mixed cloud on the lab's two compute hosts: one host is labelled as the
"vCenter cluster" and given its own availability zone, the other stays a "KVM host" in the
default zone. Both run the same lab virt driver; the labels are only metadata, and the notebook
says so. These helpers create and remove the notebook's host aggregates (``osworkshop.cleanup``
does not know aggregates), say where a server landed, model what the vmwareapi driver reports
to Placement for a whole cluster, and draw the two driver models as SVG.

Nova refuses to move a host that runs servers into or out of an availability zone, and other
notebooks boot servers on the same two hosts, so :func:`pick_hosts` only offers an empty host
for the zone, and :func:`teardown` waits (for a bounded time) for a host to empty before it
gives up with a warning.
"""

from __future__ import annotations

import html
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openstack import exceptions as sdk_exc

from .errors import CourseError
from .resources import META_KEY, is_marked, tag_for
from .widgets import table

#: The zone the notebook gives to the host that plays the vCenter cluster.
VMWARE_ZONE = "vmware-az"
#: The zone every host is in when no aggregate gives it one (nova's default_availability_zone).
DEFAULT_ZONE = "nova"
#: Aggregate metadata the notebook sets: a label an operator would use for a hypervisor family.
VMWARE_LABEL = "vmware-sim"
KVM_LABEL = "kvm-sim"
#: What nova's vmwareapi driver reports as hypervisor_type: vCenter's own product name
#: (nova/virt/vmwareapi/host.py reads ``about.name``; nova's unit tests expect this value).
VCENTER_HYPERVISOR_TYPE = "VMware vCenter Server"
#: Nova's answer when a host with servers would change zone (nova/compute/api.py).
_AZ_WOULD_CHANGE = "availability zone of the host would change"


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


# --------------------------------------------------------------------------- hosts


def compute_hosts(admin: Any) -> list[str]:
    """Names of the enabled nova-compute services, sorted (the hosts aggregates can hold)."""
    return sorted(
        s.host
        for s in admin.compute.services()
        if s.binary == "nova-compute" and s.status == "enabled"
    )


def servers_on(admin: Any, host: str) -> list[Any]:
    """Every project's servers on ``host`` (admin)."""
    return list(admin.compute.servers(all_projects=True, compute_host=host))


def pick_hosts(
    admin: Any,
    prefer: Sequence[str] = ("lab-compute-2",),
    *,
    wait: float = 0,
    poll: float = 3,
    busy_ok: bool = False,
) -> tuple[str, str]:
    """``(vmware_host, kvm_host)``: an empty host for the zone, and another host for the KVM group.

    The zone host must have no servers at all, because nova will not change the zone of a host
    that runs some. ``prefer`` lists the hosts to try first. When every host runs servers, wait
    up to ``wait`` seconds for one to empty (another notebook may be cleaning up), then raise
    :class:`CourseError` naming the servers, so the learner can clean up where they came from;
    with ``busy_ok`` return the host with the fewest servers instead (:func:`busy_note` says
    what is in the way), so the notebook goes on and exercise 1 meets Nova's own refusal.
    """
    hosts = compute_hosts(admin)
    if len(hosts) < 2:
        raise CourseError(
            "This part needs two compute hosts",
            f"The cloud has {len(hosts)} enabled compute host(s): {', '.join(hosts) or 'none'}.",
            "Use the course lab (`python3 -m labsetup up`), which has lab-compute-1 and "
            "lab-compute-2, or a cloud with at least two compute hosts.",
        )
    order = [h for h in prefer if h in hosts] + [h for h in hosts if h not in prefer]
    deadline = time.monotonic() + wait
    while True:
        busy: dict[str, list[str]] = {}
        for host in order:
            names = sorted(str(_get(s, "name")) for s in servers_on(admin, host))
            if not names:
                return host, next(h for h in order if h != host)
            busy[host] = names
        if time.monotonic() >= deadline:
            break
        time.sleep(poll)
    if busy_ok:
        host = min(order, key=lambda h: len(busy[h]))
        return host, next(h for h in order if h != host)
    listing = "; ".join(f"{h}: {', '.join(n)}" for h, n in busy.items())
    raise CourseError(
        "Every compute host runs servers, so none can join a new zone",
        f"Nova refuses to change the availability zone of a host that has servers ({listing}).",
        "Those servers come from other notebooks (their names start with osworkshop-nbNN). "
        "Run that notebook's clean-up cell, or `osworkshop.cleanup(conn, 'NN')`, and run this "
        "cell again.",
    )


def busy_note(admin: Any, host: str) -> str:
    """'' when ``host`` runs no servers, else a sentence naming those in the zone's way."""
    names = sorted(str(_get(s, "name")) for s in servers_on(admin, host))
    if not names:
        return ""
    return (
        f"{host} still runs {', '.join(names)}: Nova will refuse to put it into a zone "
        "(exercise 1) until they are gone. They come from other notebooks (osworkshop-nbNN); "
        "clean up there, or wait a minute, and run this cell again."
    )


# --------------------------------------------------------------------------- aggregates


def notebook_aggregates(admin: Any, notebook: str | int = "11") -> list[Any]:
    """The host aggregates this notebook made (name starts with its tag or metadata holds it)."""
    tag = tag_for(notebook)
    return [a for a in admin.compute.aggregates() if is_marked(a, tag)]


def make_aggregate(
    admin: Any,
    name: str,
    *,
    hosts: Iterable[str],
    zone: str | None = None,
    metadata: dict[str, str] | None = None,
    notebook: str | int = "11",
) -> Any:
    """Create an aggregate (with zone ``zone`` if given), mark it, label it and add ``hosts``."""
    attrs: dict[str, Any] = {"name": name}
    if zone:
        attrs["availability_zone"] = zone
    aggregate = admin.compute.create_aggregate(**attrs)
    labels = {**(metadata or {}), META_KEY: tag_for(notebook)}
    aggregate = admin.compute.set_aggregate_metadata(aggregate, labels)
    for host in hosts:
        aggregate = admin.compute.add_host_to_aggregate(aggregate, host)
    return aggregate


def zone_aggregates(admin: Any, zone: str) -> list[Any]:
    """Aggregates whose availability zone is ``zone``."""
    return [a for a in admin.compute.aggregates() if _get(a, "availability_zone") == zone]


def zone_hosts(admin: Any, zone: str) -> list[str]:
    """Hosts that aggregates put in ``zone``, sorted."""
    return sorted({h for a in zone_aggregates(admin, zone) for h in (_get(a, "hosts") or [])})


def zone_aggregate(admin: Any, zone: str, notebook: str | int = "11") -> Any | None:
    """The notebook's aggregate that carries ``zone`` (read back after exercise 1), or None."""
    tag = tag_for(notebook)
    return next((a for a in zone_aggregates(admin, zone) if is_marked(a, tag)), None)


def member_zones(conn: Any) -> list[str]:
    """The compute zones a member may choose: those with at least one working host, sorted."""
    return sorted(
        {
            str(z.name)
            for z in conn.compute.availability_zones()
            if (_get(z, "state") or {}).get("available", True)
        }
    )


def target_zone(zones: Iterable[str], wanted: str = VMWARE_ZONE) -> tuple[str, str]:
    """``(zone, note)``: the zone exercise 2 boots into, and one sentence saying why.

    ``wanted`` when members can see it (made in exercise 1, or by the instructor of a shared
    classroom: aggregates are cloud-wide); else the default zone, so the exercise still
    practises asking for a zone instead of failing on a zone nobody made.
    """
    if wanted in set(zones):
        return wanted, f"Exercise 2 boots into {wanted}."
    return DEFAULT_ZONE, (
        f"{wanted} is not among them: nobody has made it on this cloud yet (exercise 1, or "
        f"the instructor's demo in a classroom). Exercise 2 asks for {DEFAULT_ZONE} instead, "
        "the zone of every host that no zone claims: the same call, though a real cloud "
        "would give you a real zone to ask for."
    )


def member_landing(server: Any) -> str:
    """Where a server went, in the words a member can read (no aggregates, maybe no host)."""
    pinned = _get(server, "pinned_availability_zone")
    asked = f"asked for zone {pinned}" if pinned else "asked for no zone"
    host = _get(server, "compute_host")
    on = f", on host {host}" if host else ""
    return (
        f"{_get(server, 'name')} ({_get(server, 'status')}): {asked}, "
        f"is in zone {_get(server, 'availability_zone') or '?'}{on}."
    )


def aggregates_of(admin: Any, host: str) -> list[str]:
    """Names of the aggregates that hold ``host``, sorted."""
    return sorted(str(a.name) for a in admin.compute.aggregates() if host in (a.hosts or []))


def aggregate_rows(aggregates: Iterable[Any]) -> list[tuple[str, str, str, str]]:
    """``(name, zone, hosts, metadata)`` rows for a table; the course's own mark is left out."""
    rows = []
    for a in aggregates:
        meta = {k: v for k, v in (_get(a, "metadata") or {}).items() if k != META_KEY}
        meta.pop("availability_zone", None)
        rows.append(
            (
                str(_get(a, "name")),
                str(_get(a, "availability_zone") or "(none: users cannot see it)"),
                ", ".join(_get(a, "hosts") or []) or "(no hosts)",
                ", ".join(f"{k}={v}" for k, v in sorted(meta.items())) or "",
            )
        )
    return sorted(rows)


def aggregates_html(aggregates: Iterable[Any]) -> str:
    return table(("Aggregate", "Availability zone", "Hosts", "Metadata"), aggregate_rows(aggregates))


def _remove_host(admin: Any, aggregate: Any, host: str, wait: float, poll: float) -> str | None:
    """Remove ``host``; on 'host would change zone' wait up to ``wait`` s for it to empty.

    Returns None when removed, else a sentence saying what blocks it.
    """
    deadline = time.monotonic() + wait
    while True:
        try:
            admin.compute.remove_host_from_aggregate(aggregate, host)
            return None
        except sdk_exc.NotFoundException:
            return None  # the host or aggregate is gone already
        except sdk_exc.ConflictException as exc:
            if _AZ_WOULD_CHANGE not in str(exc) or time.monotonic() >= deadline:
                names = ", ".join(sorted(str(s.name) for s in servers_on(admin, host)))
                return f"{host} still runs servers ({names or 'see the message'}): {exc}"
            time.sleep(poll)  # another notebook's server is still being deleted


def teardown(
    admin: Any, notebook: str | int = "11", *, wait: float = 90, poll: float = 3
) -> dict[str, list[str]]:
    """Empty and delete the notebook's aggregates. Returns ``{"deleted": [...], "blocked": [...]}``.

    Delete the notebook's servers first (``osworkshop.cleanup``): nova does not let a host that
    runs servers leave a zone. If servers of another notebook sit on the host, wait up to
    ``wait`` seconds for them to go, then warn and leave that aggregate for the next run.
    """
    deleted: list[str] = []
    blocked: list[str] = []
    for aggregate in notebook_aggregates(admin, notebook):
        problems = [
            p
            for host in list(aggregate.hosts or [])
            if (p := _remove_host(admin, aggregate, host, wait, poll)) is not None
        ]
        if problems:
            blocked.extend(problems)
            continue
        admin.compute.delete_aggregate(aggregate, ignore_missing=True)
        deleted.append(str(aggregate.name))
    for problem in blocked:
        warnings.warn(
            f"Could not empty an aggregate of notebook {notebook}: {problem} Delete those "
            "servers, then run the clean-up cell again.",
            stacklevel=2,
        )
    return {"deleted": sorted(deleted), "blocked": blocked}


def aggregate_leftovers(admin: Any, notebook: str | int = "11") -> list[str]:
    """Names of the notebook's aggregates that still exist."""
    return sorted(str(a.name) for a in notebook_aggregates(admin, notebook))


# --------------------------------------------------------------------------- where it landed


@dataclass(frozen=True)
class Landing:
    """Where a server ended up, as the administrator sees it."""

    server: str
    status: str
    zone: str
    pinned_zone: str
    host: str
    node: str
    aggregates: tuple[str, ...]

    def text(self) -> str:
        asked = f"bound to zone {self.pinned_zone}" if self.pinned_zone else "bound to no zone"
        groups = ", ".join(self.aggregates) or "no aggregate"
        return (
            f"{self.server} ({self.status}): {asked}, is in zone {self.zone or '?'}, "
            f"runs on host {self.host or '?'} (node {self.node or '?'}), which is in {groups}."
        )


def where_did_it_land(admin: Any, server: Any) -> Landing:
    """Read a server back as admin: zone it is bound to, zone it is in, host, node, aggregates."""
    server_id = _get(server, "id") or server
    found = admin.compute.get_server(server_id)
    host = str(_get(found, "compute_host") or "")
    return Landing(
        server=str(_get(found, "name")),
        status=str(_get(found, "status")),
        zone=str(_get(found, "availability_zone") or ""),
        pinned_zone=str(_get(found, "pinned_availability_zone") or ""),
        host=host,
        node=str(_get(found, "hypervisor_hostname") or ""),
        aggregates=tuple(aggregates_of(admin, host)) if host else (),
    )


def default_zone_note(landing: Landing, aggregate_zones: Iterable[str]) -> str:
    """Explain the zone a server got although it asked for none (``default_schedule_zone``).

    ``aggregate_zones`` are the zones some aggregate carries. Only those restrict scheduling:
    Nova turns a zone request into a Placement aggregate filter, and a zone no aggregate carries
    (such as the default ``nova``) adds none (nova/scheduler/request_filter.py
    map_az_to_placement_aggregate).
    """
    pinned = landing.pinned_zone
    if not pinned:
        return (
            f"{landing.server} asked for no zone and the cloud set none: the scheduler could "
            "choose any host."
        )
    if pinned not in set(aggregate_zones):
        return (
            f"{landing.server} asked for nothing, yet Nova recorded zone {pinned!r}: this cloud "
            f"sets default_schedule_zone = {pinned}. No aggregate carries that zone, so it "
            "restricts nothing: the scheduler could choose any host, the 'vCenter cluster' too."
        )
    return (
        f"{landing.server} asked for nothing and was given zone {pinned!r} by the cloud's "
        "default_schedule_zone, so it stays on that zone's hosts."
    )


def hypervisor_rows(
    hypervisors: Iterable[Any], zone_of: Callable[[str], str] | None = None
) -> list[tuple[str, str, str, str, str]]:
    """``(name, hypervisor_type, state, status, zone)`` per hypervisor, sorted by name."""
    rows = []
    for h in hypervisors:
        service = _get(h, "service_details") or {}
        host = str(service.get("host") or _get(h, "name"))
        rows.append(
            (
                str(_get(h, "name")),
                str(_get(h, "hypervisor_type")),
                str(_get(h, "state")),
                str(_get(h, "status")),
                zone_of(host) if zone_of else "",
            )
        )
    return sorted(rows)


def zone_of_host(admin: Any) -> Callable[[str], str]:
    """A function host -> availability zone, read once from Nova (admin)."""
    zones: dict[str, str] = {}
    for zone in admin.compute.availability_zones(details=True):
        for host in (_get(zone, "hosts") or {}):
            zones[host] = str(zone.name)
    return lambda host: zones.get(host, DEFAULT_ZONE)


# --------------------------------------------------------------------------- a cluster in Placement


@dataclass(frozen=True)
class EsxiHost:
    """One ESXi host of a cluster, as the vmwareapi driver counts it."""

    threads: int
    memory_mb: int
    in_maintenance: bool = False


def cluster_inventory(hosts: Sequence[EsxiHost]) -> dict[str, dict[str, int]]:
    """What the vmwareapi driver reports to Placement for one cluster: one provider.

    VCPU and MEMORY_MB totals are sums over the hosts that are connected and not in maintenance
    mode; ``max_unit`` (the biggest single server) is the largest of those hosts, because a
    virtual machine cannot span hosts. (nova/virt/vmwareapi/vm_util.py get_stats_from_cluster
    and driver.py update_provider_tree; disk, from datastores, is left out here.)
    """
    counted = [h for h in hosts if not h.in_maintenance]
    return {
        "VCPU": {
            "total": sum(h.threads for h in counted),
            "max_unit": max((h.threads for h in counted), default=0),
        },
        "MEMORY_MB": {
            "total": sum(h.memory_mb for h in counted),
            "max_unit": max((h.memory_mb for h in counted), default=0),
        },
    }


def per_host_inventories(hosts: Sequence[EsxiHost]) -> list[dict[str, dict[str, int]]]:
    """The same hardware with one nova-compute per host (the libvirt/KVM way): one provider each.

    A host in maintenance keeps its provider; an operator disables its compute service instead.
    """
    return [
        {
            "VCPU": {"total": h.threads, "max_unit": h.threads},
            "MEMORY_MB": {"total": h.memory_mb, "max_unit": h.memory_mb},
        }
        for h in hosts
    ]


def provider_inventories(admin: Any) -> dict[str, dict[str, dict[str, int]]]:
    """Placement's view, read from the cloud: provider name -> class -> total and max_unit."""
    return {
        str(rp.name): {
            str(i.resource_class): {"total": int(i.total), "max_unit": int(i.max_unit)}
            for i in admin.placement.resource_provider_inventories(rp)
        }
        for rp in admin.placement.resource_providers()
    }


def as_esxi_hosts(inventories: dict[str, dict[str, dict[str, int]]]) -> list[EsxiHost]:
    """Pretend each compute provider is an ESXi host of one cluster (providers with VCPU only)."""
    return [
        EsxiHost(inv["VCPU"]["total"], inv["MEMORY_MB"]["total"])
        for _, inv in sorted(inventories.items())
        if "VCPU" in inv and "MEMORY_MB" in inv
    ]


def placement_aggregates(admin: Any, provider: str) -> list[str]:
    """Names of the Nova aggregates that Placement has for ``provider`` (Nova mirrors them)."""
    rp = admin.placement.find_resource_provider(provider, ignore_missing=True)
    if rp is None:
        return []
    uuids = admin.placement.get_resource_provider_aggregates(rp).aggregates or []
    names = {str(a.uuid): str(a.name) for a in admin.compute.aggregates()}
    return sorted(names.get(str(u), str(u)) for u in uuids)


def fits(inventory: dict[str, dict[str, int]], vcpus: int, ram_mb: int) -> bool:
    """True if one server of ``vcpus`` and ``ram_mb`` is within the provider's ``max_unit``s.

    (Placement also checks free capacity, allocation ratios and reservations; not modelled.)
    """
    return (
        vcpus <= inventory["VCPU"]["max_unit"] and ram_mb <= inventory["MEMORY_MB"]["max_unit"]
    )


# --------------------------------------------------------------------------- the two models as SVG

_BOX = (
    '<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="{fill}" stroke="#34495e"/>'
    '<text x="{tx}" y="{ty}" font-size="12" text-anchor="middle" font-family="sans-serif">'
    "{label}</text>"
)


def _box(x: float, y: float, w: float, h: float, label: str, fill: str) -> str:
    return _BOX.format(
        x=x, y=y, w=w, h=h, fill=fill, tx=x + w / 2, ty=y + h / 2 + 4, label=html.escape(label)
    )


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#34495e" '
        'stroke-width="1.5" marker-end="url(#arrow)"/>'
    )


MODELS = ("vcenter", "kvm")


def driver_model_svg(model: str = "vcenter", hosts: int = 3) -> str:
    """An SVG of one driver model: ``vcenter`` (one nova-compute, a cluster, DRS) or ``kvm``.

    ``hosts`` is the number of ESXi or KVM hosts drawn (1 to 6).
    """
    if model not in MODELS:
        raise ValueError(f"model is one of {MODELS}, not {model!r}")
    if not 1 <= hosts <= 6:
        raise ValueError(f"hosts is between 1 and 6, got {hosts}")
    col = 120
    width = max(480, 120 + hosts * col)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="300" '
            f'viewBox="0 0 {width} 300" role="img" aria-label="{model} driver model">'
        ),
        (
            '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" '
            'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#34495e"/></marker></defs>'
        ),
        _box(width / 2 - 110, 10, 220, 34, "nova-scheduler + Placement", "#d6eaf8"),
    ]
    mid = width / 2
    left = mid - hosts * col / 2 + 10
    if model == "vcenter":
        box_x = min(left - 10, mid - 210)
        parts += [
            _box(mid - 110, 70, 220, 34, "nova-compute (vmwareapi)", "#d5f5e3"),
            _arrow(mid, 44, mid, 70),
            _box(mid - 110, 130, 220, 34, "vCenter Server", "#fdebd0"),
            _arrow(mid, 104, mid, 130),
            (
                f'<rect x="{box_x}" y="180" width="{2 * (mid - box_x)}" height="112" '
                'rx="8" fill="none" stroke="#e67e22" stroke-dasharray="6 4"/>'
            ),
            _arrow(mid, 164, mid, 180),
            (
                f'<text x="{mid}" y="197" font-size="12" text-anchor="middle" '
                'font-family="sans-serif" font-weight="bold">DRS</text>'
            ),
            (
                f'<text x="{mid}" y="285" font-size="12" text-anchor="middle" '
                'font-family="sans-serif">'
                "One cluster = ONE hypervisor in nova; DRS picks the ESXi host</text>"
            ),
        ]
        for i in range(hosts):
            x = left + i * col
            parts += [
                _arrow(mid, 201, x + (col - 20) / 2, 224),
                _box(x, 224, col - 20, 40, f"ESXi {i + 1}", "#fef5e7"),
            ]
    else:
        for i in range(hosts):
            x = left + i * col
            parts += [
                _box(x, 110, col - 20, 34, "nova-compute", "#d5f5e3"),
                _arrow(mid, 44, x + (col - 20) / 2, 110),
                _box(x, 200, col - 20, 40, f"KVM host {i + 1}", "#eafaf1"),
                _arrow(x + (col - 20) / 2, 144, x + (col - 20) / 2, 200),
            ]
        parts.append(
            f'<text x="{mid}" y="275" font-size="12" text-anchor="middle" '
            'font-family="sans-serif">'
            "Each host is its own hypervisor; the scheduler picks the host</text>"
        )
    parts.append("</svg>")
    return "".join(parts)

