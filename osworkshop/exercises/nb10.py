"""Notebook 10, HA and evacuation: servers evacuated and started (from Python and from a
terminal), and cattle that survived."""

from __future__ import annotations

import time
from typing import Any

from ..checks import CheckResult, exercise
from ..operations import DONE, EVACUATION, observe, records

#: Seconds a check waits while Nova is still busy with the server (rebuilding, powering on).
SETTLE = 60


def _settled(conn: Any, name: str, settle: int) -> Any:
    """The server called ``name`` once no task runs on it (or after ``settle`` s), or None."""
    found = conn.compute.find_server(name, ignore_missing=True)
    if found is None:
        return None
    found = conn.compute.get_server(found.id)
    deadline = time.monotonic() + settle
    while found.task_state and time.monotonic() < deadline:
        time.sleep(1)
        found = conn.compute.get_server(found.id)
    return found


def _evacuated(conn: Any, name: str, failed_host: str, settle: int, *, how: str,
               start: str) -> CheckResult:
    found = _settled(conn, name, settle)
    if found is None:
        return CheckResult(False, f"There is no server {name!r}.", ["Run the boot cell again."])
    if found.compute_host is None:
        return CheckResult(
            False,
            f"This connection cannot see which host {found.name} runs on.",
            [("In the course lab the demo user is the project's manager, who may see it; on "
             "another cloud run the check with `admin`.")],
        )
    if found.compute_host == failed_host:
        return CheckResult(
            False,
            f"{found.name} is still on {failed_host}, which is down.",
            [f"Evacuate it: {how}. Nova rebuilds it on a host that is up."],
        )
    evacuations = [r for r in records(conn, found) if r.kind == EVACUATION]
    if not evacuations:
        return CheckResult(
            False,
            f"{found.name} runs on {found.compute_host}, but Nova has no evacuation record for "
            "it: it got there another way.",
            [f"This exercise is about evacuation: {how}."],
        )
    last = evacuations[-1]
    if last.status not in DONE[EVACUATION] or found.task_state:
        return CheckResult(
            False,
            f"The evacuation of {found.name} is {last.status} "
            f"(task: {found.task_state or 'none'}).",
            ["Wait until the server settles, then run the check again."],
        )
    if found.status == "SHUTOFF":
        return CheckResult(
            False,
            f"{found.name} was rebuilt on {found.compute_host} and is SHUTOFF: since compute API "
            "2.95 an evacuated server arrives stopped.",
            [f"Start it: {start}."],
        )
    if found.status != "ACTIVE":
        return CheckResult(False, f"{found.name} is {found.status}, not ACTIVE.", [])
    return CheckResult(
        True,
        f"{found.name} left {failed_host} by evacuation (record #{last.id}, {last.status}) and "
        f"runs on {found.compute_host}. vSphere HA would have done this for you; here you did.",
    )


@exercise(
    "nb10.evacuated",
    hints=(
        (
            "Evacuation is a server action: `conn.compute.evacuate_server(pet)`, without a "
            "host (the scheduler picks one). Nova allows it only once the pet's host is down."
        ),
        (
            "It returns at once; Nova rebuilds the server elsewhere. Since microversion 2.95 "
            "it arrives SHUTOFF: `conn.compute.wait_for_server(conn.compute.get_server(pet.id), "
            "status='SHUTOFF')`."
        ),
        (
            "Then `conn.compute.start_server(pet)` and wait for ACTIVE the same way (a fresh "
            "copy of the server each time)."
        ),
    ),
)
def check_evacuated(conn: Any, server: str, failed_host: str, *,
                    settle: int = SETTLE) -> CheckResult:
    """``server`` was evacuated away from ``failed_host`` and runs (ACTIVE) elsewhere."""
    return _evacuated(conn, server, failed_host, settle,
                      how="`conn.compute.evacuate_server(server)`",
                      start="`conn.compute.start_server(server)`")


@exercise(
    "nb10.cli_evacuate",
    hints=(
        (
            "In a terminal: `openstack --os-cloud lab-demo server evacuate osworkshop-nb10-db`, "
            "no `--host`."
        ),
        (
            "Since compute API 2.95 it arrives SHUTOFF (do not add `--wait`: it waits for "
            "ACTIVE). Watch `openstack --os-cloud lab-demo server show osworkshop-nb10-db -c "
            "status -f value` until it says SHUTOFF."
        ),
        "Then `openstack --os-cloud lab-demo server start osworkshop-nb10-db`.",
    ),
)
def check_cli_evacuated(conn: Any, server: str, failed_host: str, *,
                        settle: int = SETTLE) -> CheckResult:
    """``server`` was evacuated away from ``failed_host`` and runs (ACTIVE) elsewhere."""
    return _evacuated(conn, server, failed_host, settle,
                      how=f"`openstack --os-cloud lab-demo server evacuate {server}`",
                      start=f"`openstack --os-cloud lab-demo server start {server}`")


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
            "`return ops.Plan(delete=..., create=max(0, size - len(healthy)))`; the check cell "
            "runs `ops.reconcile(conn, HERD, decide)` for you."
        ),
    ),
)
def check_cattle_survive(conn: Any, tag: str, size: int, failed_host: str) -> CheckResult:
    """``size`` servers tagged ``tag`` are ACTIVE on hosts that are alive, and none is left on
    ``failed_host``."""
    members = observe(conn, tag)
    if members and all(m.host is None for m in members):
        return CheckResult(
            False,
            "This connection cannot see hosts.",
            [("In the course lab the demo user is the project's manager, who may see them; on "
             "another cloud run the check with `admin`.")],
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
