"""Notebook 09, live migration: servers moved live (from Python and from a terminal), and a
host drained of your servers for maintenance."""

from __future__ import annotations

import time
from typing import Any

from openstack import exceptions as sdk_exc

from ..checks import CheckResult, exercise
from ..operations import COLD, LIVE, host_state, records

#: Seconds a check waits for Nova to close a migration record once the server has switched.
SETTLE = 30
BUSY = ("MIGRATING", "RESIZE", "REBUILD", "BUILD")


def _find(conn: Any, name: str) -> Any:
    found = conn.compute.find_server(name, ignore_missing=True)
    return None if found is None else conn.compute.get_server(found.id)


def _last_kind(conn: Any, server: Any) -> str:
    rows = records(conn, server)
    return rows[-1].kind if rows else ""


def _no_host(name: str) -> CheckResult:
    return CheckResult(
        False,
        f"This connection cannot see which host {name} runs on.",
        [
            ("In the course lab the demo user is the project's manager, who may see it; on "
            "another cloud run the check with `admin`.")
        ],
    )


def _still_moving(found: Any, last: Any) -> CheckResult:
    record = f" and its record #{last.id} says {last.status}" if last is not None else ""
    return CheckResult(
        False,
        f"Nova is still moving {found.name}: it is {found.status}{record}.",
        [("Wait until it is ACTIVE again. `conn.compute.wait_for_server(server)` returns at "
         "once when the object you pass already says ACTIVE: pass a fresh copy, "
         "`conn.compute.get_server(server.id)`.")],
    )


def _moved_live(conn: Any, name: str, from_host: str, after: int, settle: int) -> CheckResult:
    """``name`` left ``from_host`` by a live migration newer than record ``after``, is ACTIVE,
    and Nova has closed the record (waiting up to ``settle`` s for that last step)."""
    found = _find(conn, name)
    if found is None:
        return CheckResult(False, f"There is no server {name!r}.", ["Run the boot cell again."])
    if found.compute_host is None:
        return _no_host(found.name)
    if found.status == "VERIFY_RESIZE":
        return CheckResult(
            False,
            f"{found.name} waits in VERIFY_RESIZE on {found.compute_host}: that was a cold "
            "migration, which shut it down to move it.",
            [("A live migration keeps the server running: `live_migrate_server` in Python, "
             "`openstack server migrate --live-migration` in a terminal.")],
        )
    live = [r for r in records(conn, found) if r.kind == LIVE and r.id > after]
    if found.status in BUSY or found.task_state:
        return _still_moving(found, live[-1] if live else None)
    if not live:
        return CheckResult(
            False,
            f"{found.name} is still on {found.compute_host} and has no new live-migration "
            "record: it has not been live-migrated yet.",
            [],
        )
    deadline = time.monotonic() + settle
    while (not live[-1].done and not live[-1].failed and found.status == "ACTIVE"
           and not found.task_state and time.monotonic() < deadline):
        time.sleep(1)  # Nova has switched the server; the record closes a moment later
        found = conn.compute.get_server(found.id)
        live = [r for r in records(conn, found) if r.kind == LIVE and r.id > after]
    last = live[-1]
    if last.failed:
        return CheckResult(
            False,
            f"The live migration of {found.name} (record #{last.id}) ended as {last.status}.",
            [("Read why with `openstack server event list` or the server's fault; is another "
             "host enabled and up?")],
        )
    if not last.done or found.status in BUSY or found.task_state:
        return _still_moving(found, last)
    if found.compute_host == from_host:
        return CheckResult(
            False,
            f"{found.name} has a live-migration record, but it is on {from_host} again.",
            ["Move it once, off its host."],
        )
    if found.status != "ACTIVE":
        return CheckResult(False, f"{found.name} is {found.status}, not ACTIVE.", [])
    return CheckResult(
        True,
        f"{found.name} runs on {found.compute_host} (it was on {from_host}); record #{last.id} "
        "is completed. It kept running the whole time, as with vMotion.",
    )


@exercise(
    "nb09.live_migrate",
    hints=(
        (
            "Live migration is a server action: `conn.compute.live_migrate_server(server, "
            "host=None, block_migration='auto')`. As the project's manager you may not name a "
            "host: the scheduler picks one."
        ),
        (
            "The call returns at once while Nova moves the server (status MIGRATING). Wait with "
            "`conn.compute.wait_for_server(conn.compute.get_server(web2.id), status='ACTIVE')`."
        ),
        (
            "`conn.compute.migrations(server_id=web2.id, project_id=web2.project_id)` lists its "
            "migration records; a manager must name the project."
        ),
    ),
)
def check_live_migrated(conn: Any, server: str, from_host: str, *, after: int = 0,
                        settle: int = SETTLE) -> CheckResult:
    """``server`` left ``from_host`` by a live migration (a record newer than ``after``)."""
    return _moved_live(conn, server, from_host, after, settle)


@exercise(
    "nb09.cli_live_migrate",
    hints=(
        (
            "`openstack server migrate` is a *cold* migration; add `--live-migration` (and "
            "`--wait`) for the live one. Use `--os-cloud lab-demo`."
        ),
        (
            "`openstack --os-cloud lab-demo server migrate --live-migration --wait "
            "osworkshop-nb09-web1`: no `--host`, the scheduler chooses."
        ),
        (
            "`openstack --os-cloud lab-demo server migration list --server osworkshop-nb09-web1 "
            "--project <your project id>` shows the records (`openstack --os-cloud lab-demo "
            "token issue -c project_id -f value` prints the id)."
        ),
    ),
)
def check_cli_live_migrated(conn: Any, server: str, from_host: str, *, after: int,
                            settle: int = SETTLE) -> CheckResult:
    """``server`` left ``from_host`` by a live migration newer than record ``after``."""
    return _moved_live(conn, server, from_host, after, settle)


@exercise(
    "nb09.drain",
    hints=(
        (
            "Move each of your servers that runs on the host in maintenance, live, without "
            "naming a host: the scheduler never picks a disabled host."
        ),
        (
            "`for s in conn.compute.servers(tags=TAG): if s.compute_host == MAINT: "
            "conn.compute.live_migrate_server(s, host=None, block_migration='auto')`."
        ),
        (
            "Then wait for each one (`conn.compute.wait_for_server(conn.compute.get_server("
            "s.id), status='ACTIVE')`) and list where they run now."
        ),
    ),
)
def check_drained(conn: Any, host: str, tag: str) -> CheckResult:
    """No server of the project marked ``tag`` runs on ``host``, each still runs (ACTIVE), and
    none was moved by a cold migration."""
    mine = sorted(conn.compute.servers(tags=tag), key=lambda s: s.name)
    if not mine:
        return CheckResult(False, f"You have no servers tagged {tag}.",
                           ["Run the cell that boots web1 and web2."])
    if any(s.compute_host is None for s in mine):
        return _no_host(mine[0].name)
    busy = [s.name for s in mine if s.status in BUSY or s.task_state]
    if busy:
        return CheckResult(
            False,
            f"Nova is still moving {', '.join(busy)}.",
            [("Wait until each is ACTIVE again (`conn.compute.wait_for_server(...)` with a "
             "fresh copy of the server), then run the check again.")],
        )
    there = [s.name for s in mine if s.compute_host == host]
    if there:
        return CheckResult(
            False,
            f"Your servers still run on {host}: {', '.join(there)}.",
            ["Live-migrate each of them; the scheduler picks the other host."],
        )
    cold = [s.name for s in mine if s.status == "VERIFY_RESIZE" or _last_kind(conn, s) == COLD]
    if cold:
        return CheckResult(
            False,
            f"{', '.join(cold)} left {host} by a cold migration, which shuts a server down "
            "on the way and leaves it waiting in VERIFY_RESIZE for a confirmation.",
            ["Maintenance should not stop anything: use live migration."],
        )
    stopped = [f"{s.name} is {s.status}" for s in mine if s.status != "ACTIVE"]
    if stopped:
        return CheckResult(False, "; ".join(stopped) + ".", ["Start them again."])
    try:
        state = host_state(conn, host)
        how = (f"{host} is disabled ('{state.disabled_reason}'), so nothing new lands there."
               if not state.enabled else
               f"{host} is still enabled: in production the administrator disables it first.")
    except sdk_exc.ForbiddenException:
        how = ""
    return CheckResult(
        True,
        f"None of your servers runs on {host} any more, and all kept running. {how}".strip(),
    )
