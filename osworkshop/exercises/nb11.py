"""Notebook 11, VMware inside OpenStack: a zone for the "vCenter cluster", and a server booted into it.

The zone check reads the aggregates as admin (aggregates are cloud-wide, so in a shared
classroom it is the instructor's); the two boots are read back with the member's connection.
"""

from __future__ import annotations

from typing import Any

from ..checks import CheckResult, active_server, exercise
from ..resources import is_marked, tag_for
from ..vmware_nb11 import DEFAULT_ZONE, zone_aggregates


@exercise(
    "nb11.zone_holds_host",
    hints=(
        (
            "A zone is made by a host aggregate that carries an availability zone. Create one "
            "as admin: `admin.compute.create_aggregate(name=f'{TAG}-vcenter-cluster', "
            "availability_zone='vmware-az')`."
        ),
        (
            "Label it with metadata: `agg = admin.compute.set_aggregate_metadata(agg, "
            "{'hypervisor_type': 'vmware-sim'})`, then put the host in: "
            "`agg = admin.compute.add_host_to_aggregate(agg, vmware_host)`."
        ),
        (
            "Read it back with `admin.compute.get_aggregate(agg.id)`: its availability_zone, "
            "hosts and metadata must all be there. An aggregate made without the zone cannot "
            "get one by adding hosts: `admin.compute.update_aggregate(agg, "
            "availability_zone='vmware-az')` sets it."
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
    tag = tag_for(notebook)
    if not aggregates:
        zoneless = [a for a in conn.compute.aggregates()
                    if is_marked(a, tag) and host in (a.hosts or []) and not a.availability_zone]
        if zoneless:
            return CheckResult(
                False,
                f"{zoneless[0].name} holds {host} but has no availability zone: it is a plain "
                "label, like the KVM group, and users cannot choose it.",
                [(f"`admin.compute.update_aggregate(agg, availability_zone={zone!r})`, or create "
                 f"it with `availability_zone={zone!r}`.")],
            )
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
            "every user may do. Pass `availability_zone=legacy_zone` to `create_server`."
        ),
        (
            "`conn.compute.create_server(name=..., flavor_id=flavor.id, image_id=image.id, "
            "networks=[{'uuid': net.id}], availability_zone=legacy_zone, tags=MARK['tags'])`, "
            "then `conn.compute.wait_for_server(server)`."
        ),
        (
            "Ask for the zone explicitly: a server that lands in the zone by chance, without "
            "asking, does not count. Delete a wrong one (`conn.compute.delete_server(server)`, "
            "`conn.compute.wait_for_delete(server)`) and boot again."
        ),
    ),
)
def check_landed_in_zone(conn: Any, server: str, zone: str) -> CheckResult:
    """``server`` asked for ``zone``, is ACTIVE and runs in it (read with the member's ``conn``;
    the host is named when the caller may see it)."""
    found = active_server(conn, server, "Boot it first, with the exact name the task gives.")
    if isinstance(found, CheckResult):
        return found
    pinned = getattr(found, "pinned_availability_zone", None)
    if _shows_pinned_zone(conn) and pinned != zone:
        why = (f"asked for zone {pinned!r}, not for {zone!r}." if pinned else
               f"did not ask for a zone, so Nova may put it on any host; the task is {zone!r}.")
        return CheckResult(
            False,
            f"{found.name} {why}",
            [("Pass `availability_zone=legacy_zone` to `create_server`; delete this one and "
             "boot again.")],
        )
    if found.availability_zone != zone:
        return CheckResult(
            False,
            f"{found.name} runs in zone {found.availability_zone or '?'}, not in {zone!r}.",
            ["Boot it again into the zone."],
        )
    host = getattr(found, "compute_host", None)
    on = f" and runs on {host}, a host of that zone" if host else " and runs there"
    return CheckResult(
        True,
        f"{found.name} asked for {zone}{on}. The user chose the zone; the scheduler chose "
        "the host inside it.",
    )


@exercise(
    "nb11.cli_web",
    hints=(
        (
            "In a terminal: `openstack --os-cloud lab-demo server create --flavor m1.tiny "
            "--image lab-image --network demo-net --wait osworkshop-nb11-web`."
        ),
        (
            "Leave `--availability-zone` out: this server asks for no zone. Then read where it "
            "went: `openstack --os-cloud lab-demo server show osworkshop-nb11-web "
            "-c OS-EXT-AZ:availability_zone -c pinned_availability_zone`."
        ),
        (
            "A wrong one goes with `openstack --os-cloud lab-demo server delete --wait "
            "osworkshop-nb11-web`; then create it again."
        ),
    ),
)
def check_cli_web(conn: Any, server: str = "osworkshop-nb11-web") -> CheckResult:
    """``server`` (booted from a terminal) is ACTIVE and asked for no zone.

    A cloud that sets ``default_schedule_zone`` binds every such server to that zone; the lab
    sets none, so a zone here means the learner asked for one."""
    found = active_server(conn, server, "Run `openstack ... server create` in a terminal.")
    if isinstance(found, CheckResult):
        return found
    pinned = getattr(found, "pinned_availability_zone", None)
    if _shows_pinned_zone(conn) and pinned:
        why = (
            f": {DEFAULT_ZONE} is only the name for hosts that no zone claims, and Nova's "
            "documentation warns against asking for it"
            if pinned == DEFAULT_ZONE
            else ""
        )
        return CheckResult(
            False,
            f"{found.name} asked for zone {pinned!r}{why}. This one should ask for no zone.",
            [(f"`openstack --os-cloud lab-demo server delete --wait {server}`, then create it "
             "again without `--availability-zone`.")],
        )
    host = getattr(found, "compute_host", None)
    on = f", on {host}" if host else ""
    return CheckResult(
        True,
        f"{found.name} asked for no zone and Nova put it in {found.availability_zone}{on}: "
        "the scheduler could choose any host, the 'vCenter cluster' too.",
    )
