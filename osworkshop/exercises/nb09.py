"""Notebook 09, live migration: a server moved live to another host, and a host drained."""

from __future__ import annotations

from typing import Any

from ..checks import CheckResult, exercise
from ..operations import LIVE, host_state, records, servers_on, split_marked


def _server(conn: Any, server: Any) -> Any:
    name = server if isinstance(server, str) else getattr(server, "id", server)
    found = conn.compute.find_server(name, ignore_missing=True, all_projects=True)
    return None if found is None else conn.compute.get_server(found.id)


@exercise(
    "nb09.live_migrate",
    hints=(
        "Moving a running server is an admin task: use the `admin` connection.",
        (
            "`admin.compute.live_migrate_server(server, host=target, block_migration='auto')` "
            "starts it; `ops.wait_for_migration(admin, server, host=target, after=before)` "
            "waits until Nova has closed the migration record."
        ),
        (
            "`before = ops.last_record_id(admin, server)` taken before the call lets the wait "
            "ignore older records; `ops.timeline(ops.records(admin, server))` shows them all."
        ),
    ),
)
def check_live_migrated(conn: Any, server: Any, host: str) -> CheckResult:
    """``server`` is ACTIVE on ``host`` and its newest live-migration record, to ``host``, is
    completed."""
    found = _server(conn, server)
    if found is None:
        return CheckResult(False, f"There is no server {server!r}.", ["Run the boot cell again."])
    if getattr(found, "compute_host", None) is None:
        return CheckResult(
            False,
            "This connection cannot see which host a server runs on.",
            ["Pass the `admin` connection to the check: hosts are admin-only information."],
        )
    live = [r for r in records(conn, found) if r.kind == LIVE]
    if not live:
        return CheckResult(
            False,
            f"{found.name} has no live-migration record: it has not been live-migrated yet.",
            ["A cold migration or a resize leaves a record of another type."],
        )
    last = live[-1]
    if last.failed:
        return CheckResult(
            False,
            f"The last live migration of {found.name} ({last.source} → {last.dest or '?'}) "
            f"ended as {last.status}.",
            ["Choose a host the scheduler accepts: enabled, up, and not the server's own."],
        )
    if not last.done:
        return CheckResult(
            False,
            f"Nova is still moving {found.name}: its record says {last.status}.",
            ["Wait with `ops.wait_for_migration(...)`, then run the check again."],
        )
    if found.compute_host != host or last.dest != host:
        return CheckResult(
            False,
            f"{found.name} is on {found.compute_host}; its last live migration went to "
            f"{last.dest}, not {host}.",
            [f"Live-migrate it to {host}."],
        )
    if found.status != "ACTIVE":
        return CheckResult(False, f"{found.name} is {found.status}, not ACTIVE.", [])
    return CheckResult(
        True,
        f"{found.name} runs on {host}; record #{last.id} ({last.source} → {last.dest}) is "
        "completed. It kept running the whole time, as with vMotion.",
    )


@exercise(
    "nb09.drain",
    hints=(
        "Maintenance mode is two steps in OpenStack: disable the host, then move the servers.",
        (
            "`ops.disable_host(admin, host, reason='...')` (or "
            "`admin.compute.disable_service(...)` with `disabled_reason`) stops new servers "
            "landing there."
        ),
        (
            "`ops.drain(admin, host, my_servers)` live-migrates each of your servers that is "
            "still on the host; the scheduler will not pick the disabled host."
        ),
    ),
)
def check_drained(conn: Any, host: str, tag: str) -> CheckResult:
    """``host`` is disabled with a reason and no server marked ``tag`` is on it any more."""
    state = host_state(conn, host)
    if state.enabled:
        return CheckResult(
            False,
            f"{host} is still enabled: the scheduler could place new servers there.",
            ["Disable it first, with a reason."],
        )
    if not state.disabled_reason.strip():
        return CheckResult(
            False,
            f"{host} is disabled without a reason.",
            ["Disable it again with `disabled_reason='...'`: say why, for the next admin."],
        )
    mine, others = split_marked(servers_on(conn, host), tag)
    if mine:
        names = ", ".join(sorted(s.name for s in mine))
        return CheckResult(
            False,
            f"{host} is disabled, but your servers still run there: {names}.",
            ["Move them with `ops.drain(admin, host, servers)` or one live migration each."],
        )
    left = f" ({len(others)} server(s) of other users stay: in production you would move them too)"
    return CheckResult(
        True,
        f"{host} is in maintenance ('{state.disabled_reason}') and none of your servers runs "
        f"there{left if others else ''}.",
    )
