"""Notebook 11, VMware inside OpenStack: a zone for the "vCenter cluster", and a server booted into it.

Both checks read the answer back from Nova with the administrator's connection.
"""

from __future__ import annotations

from typing import Any

from ..checks import CheckResult, active_server, exercise
from ..resources import is_marked, tag_for
from ..vmware_nb11 import zone_aggregates, zone_hosts


@exercise(
    "nb11.zone_holds_host",
    hints=(
        (
            "A zone is made by a host aggregate that carries an availability zone. Create one "
            "as admin: `admin.compute.create_aggregate(name=f'{TAG}-vcenter-cluster', "
            "availability_zone='vmware-az')`."
        ),
        (
            "Label it with metadata: `admin.compute.set_aggregate_metadata(agg, "
            "{'hypervisor_type': 'vmware-sim'})`, then put the host in: "
            "`admin.compute.add_host_to_aggregate(agg, vmware_host)`."
        ),
        (
            "`make_aggregate(admin, name, hosts=[vmware_host], zone='vmware-az', "
            "metadata={'hypervisor_type': 'vmware-sim'})` from osworkshop.vmware_nb11 does "
            "all three steps and marks the aggregate for clean-up."
        ),
    ),
)
def check_zone_holds_host(
    conn: Any,
    zone: str,
    host: str,
    *,
    label: str | None = None,
    notebook: str | int = "11",
) -> CheckResult:
    """An aggregate of the notebook puts ``host`` in availability zone ``zone`` (labelled ``label``)."""
    aggregates = zone_aggregates(conn, zone)
    if not aggregates:
        return CheckResult(
            False,
            f"No host aggregate carries the availability zone {zone!r}.",
            ["Pass `availability_zone=...` when you create the aggregate (it cannot be empty)."],
        )
    holding = [a for a in aggregates if host in (a.hosts or [])]
    if not holding:
        names = ", ".join(str(a.name) for a in aggregates)
        return CheckResult(
            False,
            f"Zone {zone!r} exists ({names}) but {host} is not in it yet, so the zone has no "
            "host: users cannot see it and nothing can boot there.",
            [f"`admin.compute.add_host_to_aggregate(agg, {host!r})`"],
        )
    tag = tag_for(notebook)
    ours = [a for a in holding if is_marked(a, tag)]
    if not ours:
        return CheckResult(
            False,
            f"{host} is in zone {zone!r}, but through an aggregate the notebook's clean-up cannot "
            f"find ({', '.join(str(a.name) for a in holding)}).",
            [f"Give the aggregate a name that starts with {tag}- so clean-up removes it."],
        )
    if label is not None:
        labelled = [a for a in ours if (a.metadata or {}).get("hypervisor_type") == label]
        if not labelled:
            return CheckResult(
                False,
                f"The aggregate holds {host} in zone {zone!r} but has no metadata "
                f"hypervisor_type={label}.",
                [f"`admin.compute.set_aggregate_metadata(agg, {{'hypervisor_type': '{label}'}})`"],
            )
    return CheckResult(
        True,
        f"{ours[0].name} puts {host} in zone {zone!r}: a user who asks for {zone} lands on that "
        "host, as if the zone were a vCenter cluster.",
    )


def _shows_pinned_zone(conn: Any) -> bool:
    """True if Nova reports the zone a server asked for (compute API 2.96 and later)."""
    try:
        version = conn.compute.get_endpoint_data().max_microversion
    except Exception:  # noqa: BLE001 - an older cloud or a stand-in: do not rely on the field
        return False
    return bool(version) and tuple(version) >= (2, 96)


@exercise(
    "nb11.landed_in_zone",
    hints=(
        (
            "Boot as the demo member (`conn`), not as admin: choosing a zone is something "
            "every user may do."
        ),
        (
            "`conn.compute.create_server(name=..., flavor_id=..., image_id=..., "
            "networks=[{'uuid': net.id}], availability_zone='vmware-az', tags=MARK['tags'])`, "
            "then `conn.compute.wait_for_server(server)`."
        ),
        (
            "Ask for the zone explicitly: a server that lands in the zone by chance, without "
            "asking, does not count."
        ),
    ),
)
def check_landed_in_zone(conn: Any, server: str, zone: str) -> CheckResult:
    """``server`` asked for ``zone``, is ACTIVE, and runs on a host the zone's aggregates hold."""
    found = active_server(conn, server, "Boot it first, with the exact name the task gives.",
                          all_projects=True)
    if isinstance(found, CheckResult):
        return found
    pinned = getattr(found, "pinned_availability_zone", None)
    if _shows_pinned_zone(conn) and pinned != zone:
        return CheckResult(
            False,
            f"{found.name} did not ask for zone {zone!r} (Nova bound it to {pinned or 'no zone'}).",
            ["Pass `availability_zone=...` to `create_server`; delete this one and boot again."],
        )
    hosts = zone_hosts(conn, zone)
    if found.availability_zone != zone or found.compute_host not in hosts:
        return CheckResult(
            False,
            f"{found.name} runs on {found.compute_host} in zone {found.availability_zone}, "
            f"not on a host of {zone!r} ({', '.join(hosts) or 'it has none'}).",
            ["Boot it again into the zone."],
        )
    return CheckResult(
        True,
        f"{found.name} asked for {zone} and runs on {found.compute_host}, a host of that zone. "
        "The user chose the zone; the scheduler chose the host inside it.",
    )
