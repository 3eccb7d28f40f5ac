"""Notebook 10, HA and evacuation: a pet evacuated and started, and cattle that survived."""

from __future__ import annotations

from typing import Any

from ..checks import CheckResult, exercise
from ..operations import DONE, EVACUATION, observe, records


@exercise(
    "nb10.evacuated",
    hints=(
        (
            "Evacuation is an admin action, and Nova allows it only while the failed host's "
            "compute service is down (forced down once the host is fenced)."
        ),
        (
            "`admin.compute.evacuate_server(pet)` rebuilds it elsewhere; "
            "`ops.evacuate(admin, pet)` does the same and waits."
        ),
        (
            "Since microversion 2.95 the server arrives SHUTOFF: "
            "`admin.compute.start_server(pet)` then `admin.compute.wait_for_server(pet)`."
        ),
    ),
)
def check_evacuated(conn: Any, server: Any, failed_host: str) -> CheckResult:
    """``server`` was evacuated away from ``failed_host`` and runs (ACTIVE) elsewhere."""
    name = server if isinstance(server, str) else getattr(server, "id", server)
    found = conn.compute.find_server(name, ignore_missing=True, all_projects=True)
    if found is None:
        return CheckResult(False, f"There is no server {server!r}.", [])
    found = conn.compute.get_server(found.id)
    if getattr(found, "compute_host", None) is None:
        return CheckResult(
            False,
            "This connection cannot see hosts.",
            ["Pass the `admin` connection to the check."],
        )
    evacuations = [r for r in records(conn, found) if r.kind == EVACUATION]
    if found.compute_host == failed_host:
        return CheckResult(
            False,
            f"{found.name} is still on {failed_host}.",
            ["Evacuate it (the host must be forced down first)."],
        )
    if not evacuations or evacuations[-1].source != failed_host:
        return CheckResult(
            False,
            f"{found.name} runs on {found.compute_host}, but Nova has no evacuation record "
            f"from {failed_host}: it got there another way.",
            ["This exercise is about evacuation: `admin.compute.evacuate_server(...)`."],
        )
    last = evacuations[-1]
    if last.status not in DONE[EVACUATION]:
        return CheckResult(
            False,
            f"The evacuation of {found.name} is {last.status}.",
            ["Wait until the server settles, then run the check again."],
        )
    if found.status == "SHUTOFF":
        return CheckResult(
            False,
            f"{found.name} was rebuilt on {found.compute_host} and is SHUTOFF: since compute API "
            "2.95 an evacuated server arrives stopped.",
            ["Start it: `admin.compute.start_server(pet)`."],
        )
    if found.status != "ACTIVE":
        return CheckResult(False, f"{found.name} is {found.status}, not ACTIVE.", [])
    return CheckResult(
        True,
        f"{found.name} left {failed_host} by evacuation (record #{last.id}) and runs on "
        f"{found.compute_host}. vSphere HA would have done this for you; here you did.",
    )


@exercise(
    "nb10.cattle",
    hints=(
        (
            "Nova still calls the servers on the dead host ACTIVE. Use `member.healthy`, which "
            "also looks at the host's status."
        ),
        (
            "Delete every member that is not healthy (`delete=tuple(m.id for m in ...)`) and "
            "create as many as the herd is short of healthy ones."
        ),
        (
            "`return ops.Plan(delete=..., create=max(0, size - len(healthy)))`, then run "
            "`ops.reconcile(conn, admin, HERD, decide)`."
        ),
    ),
)
def check_cattle_survive(conn: Any, tag: str, size: int, failed_host: str) -> CheckResult:
    """``size`` servers tagged ``tag`` are ACTIVE on hosts that are alive, and none is left on
    ``failed_host``."""
    members = observe(conn, tag)
    if members and all(m.host is None for m in members):
        return CheckResult(
            False, "This connection cannot see hosts.", ["Pass the `admin` connection."]
        )
    stuck = [m for m in members if m.host == failed_host]
    healthy = [m for m in members if m.healthy and m.host != failed_host]
    if stuck:
        names = ", ".join(m.name for m in stuck)
        return CheckResult(
            False,
            f"{len(stuck)} member(s) still sit on the dead host {failed_host}: {names}.",
            [
                (
                    "Replace, do not repair: your plan should delete the members that are not "
                    "healthy. Deleting works even while their host is down."
                )
            ],
        )
    if len(healthy) != size:
        return CheckResult(
            False,
            f"The herd has {len(healthy)} healthy member(s), not {size}.",
            ["Create as many as the herd is short of: `create=size - len(healthy)`."],
        )
    hosts = sorted({str(m.host) for m in healthy})
    return CheckResult(
        True,
        f"{size} cattle are ACTIVE on {', '.join(hosts)}: the herd survived the loss of "
        f"{failed_host} without anyone evacuating it.",
    )
