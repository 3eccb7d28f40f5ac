"""Notebooks 09 and 10: where servers run, how they move, and what happens when a host dies.

The vSphere admin's day-two tools (vMotion, maintenance mode, HA) map onto Nova's admin API:
live and cold migration, disabling a compute service, forcing it down and evacuating its
servers.  These helpers read and drive that API with an **admin** connection, wait for the
states Nova reports (a migration *record* closes after the server has moved), and explain the
refusals a learner meets.  The course lab can also stop and start one compute host's
``nova-compute`` process, as if the host lost power; on other clouds those helpers say what
they would need and do nothing.

A tiny reconcile loop (:func:`reconcile`) keeps a herd of tagged servers at its size: it
observes the herd (:func:`observe`), asks a ``decide`` function (yours, in notebook 10) for a
:class:`Plan`, deletes what the plan names and boots what it asks for.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from openstack import utils as sdk_utils

from .errors import CourseError, explain
from .resources import is_marked

BINARY = "nova-compute"
#: The course lab's two compute hosts (labsetup/services/nova.py COMPUTE_HOSTS).
LAB_HOSTS: tuple[str, ...] = ("lab-compute-1", "lab-compute-2")
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})

LIVE = "live-migration"
COLD = "migration"
RESIZE = "resize"
EVACUATION = "evacuation"

#: Migration record statuses meaning "this move is over and it worked", per migration type.
DONE: dict[str, frozenset[str]] = {
    LIVE: frozenset({"completed"}),
    COLD: frozenset({"finished", "confirmed"}),
    RESIZE: frozenset({"finished", "confirmed"}),
    EVACUATION: frozenset({"done", "completed"}),
}
#: Statuses meaning the move failed or was stopped.
FAILED = frozenset({"error", "failed", "cancelled", "reverted"})
#: host_status values (microversion 2.16, admin only) of a host whose guests keep running.
HOST_ALIVE = frozenset({"UP", "MAINTENANCE"})

WAIT = 300  # seconds; the shared lab on two cores can be slow

CLOUD_ERRORS = (sdk_exc.SDKException, ksa_exc.ClientException)


def _get(item: Any, name: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def _id(server: Any) -> str:
    return str(server if isinstance(server, str) else _get(server, "id"))


# --------------------------------------------------------------------------- hosts


@dataclass(frozen=True)
class HostState:
    """One nova-compute service as an admin sees it."""

    host: str
    enabled: bool
    up: bool
    forced_down: bool = False
    disabled_reason: str = ""

    @property
    def usable(self) -> bool:
        """The scheduler may place servers here: enabled, up and not forced down."""
        return self.enabled and self.up and not self.forced_down

    def describe(self) -> str:
        parts = ["enabled" if self.enabled else f"disabled ({self.disabled_reason or 'no reason'})"]
        parts.append("up" if self.up else "down")
        if self.forced_down:
            parts.append("forced down")
        return ", ".join(parts)


def to_host_state(service: Any) -> HostState:
    """A HostState from an SDK compute Service (or a dict with the same fields)."""
    return HostState(
        host=str(_get(service, "host")),
        enabled=_get(service, "status") == "enabled",
        up=_get(service, "state") == "up",
        forced_down=bool(_get(service, "is_forced_down")),
        disabled_reason=str(_get(service, "disabled_reason") or ""),
    )


def host_states(admin: Any) -> list[HostState]:
    """Every nova-compute service, sorted by host name."""
    return sorted(
        (to_host_state(s) for s in admin.compute.services(binary=BINARY)), key=lambda h: h.host
    )


def _service(admin: Any, host: str) -> Any:
    found = list(admin.compute.services(binary=BINARY, host=host))
    if not found:
        known = ", ".join(h.host for h in host_states(admin)) or "none"
        raise CourseError(
            f"No compute host called {host!r}",
            f"Nova has no nova-compute service on {host!r}. Compute hosts: {known}.",
            "Use one of the host names above (`ops.host_states(admin)` lists them).",
        )
    return found[0]


def host_state(admin: Any, host: str) -> HostState:
    """The state of one host's nova-compute service."""
    return to_host_state(_service(admin, host))


def usable_hosts(states: Iterable[HostState]) -> list[str]:
    """Names of the hosts the scheduler may use (pure)."""
    return [s.host for s in states if s.usable]


def require_hosts(admin: Any, count: int = 2) -> list[str]:
    """The usable hosts, or a CourseError when there are fewer than ``count`` of them."""
    states = host_states(admin)
    usable = usable_hosts(states)
    if len(usable) >= count:
        return usable
    seen = "; ".join(f"{s.host}: {s.describe()}" for s in states) or "no compute service at all"
    raise CourseError(
        f"This cloud has {len(usable)} usable compute host(s); the notebook needs {count}",
        f"Moving a server needs somewhere to move it to. Nova reports: {seen}.",
        "In the course lab run `python3 -m labsetup up` (it starts both lab-compute hosts), then "
        "run the setup cell again, which also re-enables hosts an earlier run left disabled. On "
        "another cloud ask an administrator for a second compute host; read on without running.",
    )


def other_host(admin: Any, host: str | None) -> str:
    """A usable host that is not ``host``."""
    for name in require_hosts(admin, 2 if host else 1):
        if name != host:
            return name
    raise CourseError(
        "No other host to move to",
        f"Every usable compute host is {host}.",
        "Enable another compute host first (`ops.enable_host(admin, name)`).",
    )


# --------------------------------------------------------------------------- where servers run


def where(admin: Any, server: Any) -> str | None:
    """The compute host of ``server``: admin-only, a member sees None."""
    return _get(admin.compute.get_server(_id(server)), "compute_host")


def servers_on(admin: Any, host: str) -> list[Any]:
    """Every project's servers on ``host`` (admin)."""
    return list(admin.compute.servers(all_projects=True, compute_host=host))


def split_marked(servers: Iterable[Any], tag: str) -> tuple[list[Any], list[Any]]:
    """(servers carrying ``tag``, all the others) (pure)."""
    mine: list[Any] = []
    others: list[Any] = []
    for server in servers:
        (mine if is_marked(server, tag) else others).append(server)
    return mine, others


def hosts_table(states: Iterable[HostState], counts: Mapping[str, int] | None = None,
                mine: Mapping[str, int] | None = None) -> str:
    """A text table of hosts with their state and how many servers (and notebook servers) run there."""
    counts = counts or {}
    lines = [f"{'host':<16} {'servers':>7} {'yours':>5}  state"]
    for s in states:
        lines.append(
            f"{s.host:<16} {counts.get(s.host, 0):>7} {(mine or {}).get(s.host, 0):>5}  "
            f"{s.describe()}"
        )
    return "\n".join(lines)


def host_report(admin: Any, tag: str | None = None) -> str:
    """The hosts, their state and their servers (all projects; ``tag`` counts the notebook's)."""
    servers = list(admin.compute.servers(all_projects=True))
    counts: dict[str, int] = {}
    mine: dict[str, int] = {}
    for server in servers:
        host = str(_get(server, "compute_host"))
        counts[host] = counts.get(host, 0) + 1
        if tag and is_marked(server, tag):
            mine[host] = mine.get(host, 0) + 1
    return hosts_table(host_states(admin), counts, mine if tag else None)


# --------------------------------------------------------------------------- migration records


@dataclass(frozen=True)
class MigrationRecord:
    """One row of Nova's migration records for a server."""

    id: int
    kind: str
    status: str
    source: str
    dest: str
    created: str
    updated: str

    @property
    def done(self) -> bool:
        return self.status in DONE.get(self.kind, frozenset({"completed"}))

    @property
    def failed(self) -> bool:
        return self.status in FAILED

    def __str__(self) -> str:
        when = _clock(self.created)
        if self.updated and self.updated != self.created:
            when += f" → {_clock(self.updated)}"
        return (
            f"#{self.id:<5} {self.kind:<15} {self.source or '?'} → {self.dest or '?'}  "
            f"{self.status:<10} {when}"
        )


def _clock(stamp: str) -> str:
    match = re.search(r"T(\d\d:\d\d:\d\d)", stamp or "")
    return match.group(1) if match else (stamp or "")


def to_record(migration: Any) -> MigrationRecord:
    """A MigrationRecord from an SDK Migration (or a dict with the API's fields)."""
    return MigrationRecord(
        id=int(_get(migration, "id") or 0),
        kind=str(_get(migration, "migration_type") or ""),
        status=str(_get(migration, "status") or ""),
        source=str(_get(migration, "source_compute") or ""),
        dest=str(_get(migration, "dest_compute") or ""),
        created=str(_get(migration, "created_at") or ""),
        updated=str(_get(migration, "updated_at") or ""),
    )


def records(admin: Any, server: Any) -> list[MigrationRecord]:
    """The server's migration records, oldest first (admin)."""
    found = [to_record(m) for m in admin.compute.migrations(server_id=_id(server))]
    return sorted(found, key=lambda r: r.id)


def last_record_id(admin: Any, server: Any) -> int:
    """The id of the server's newest migration record (0 when it never moved)."""
    return max((r.id for r in records(admin, server)), default=0)


def timeline(rows: Sequence[MigrationRecord]) -> str:
    """The records as text, one per line (pure)."""
    if not rows:
        return "(no migration records: this server never moved)"
    return "\n".join(str(r) for r in rows)


def _fault(server: Any) -> str:
    fault = _get(server, "fault") or {}
    return str(fault.get("message", "")) if isinstance(fault, Mapping) else str(fault)


def wait_for_migration(
    admin: Any,
    server: Any,
    *,
    kind: str = LIVE,
    after: int = 0,
    host: str | None = None,
    timeout: int = WAIT,
) -> MigrationRecord:
    """Wait until the server's newest ``kind`` record newer than ``after`` is done.

    Nova switches the server to its new host *before* it closes the migration record, so
    both are waited for: the record done, the server on ``host`` (if given) and no task left.
    A record that fails raises a CourseError with the server's fault.
    """
    server_id = _id(server)
    message = f"Waited {timeout} s for the {kind} of server {server_id} to finish"
    for _ in sdk_utils.iterate_timeout(timeout, message, wait=1):
        current = admin.compute.get_server(server_id)
        if _get(current, "status") == "ERROR":
            raise CourseError(
                f"{_get(current, 'name')} went into ERROR during the {kind}",
                f"Nova recorded: {_fault(current) or 'no fault message'}.",
                "Read the fault; an administrator can reset the state with "
                "`admin.compute.reset_server_state(server, 'active')` and try again.",
            )
        mine = [r for r in records(admin, server_id) if r.kind == kind and r.id > after]
        if not mine:
            continue
        last = mine[-1]
        if last.failed:
            raise CourseError(
                f"The {kind} of {_get(current, 'name')} failed",
                f"Migration record #{last.id} ended as {last.status} "
                f"({last.source} → {last.dest or '?'}); the server stays on "
                f"{_get(current, 'compute_host')}.",
                "Look at the records with `ops.timeline(ops.records(admin, server))` and at "
                "the nova-compute logs of both hosts (`python3 -m labsetup logs nova`).",
            )
        arrived = host is None or _get(current, "compute_host") == host
        if last.done and arrived and not _get(current, "task_state"):
            return last
    raise AssertionError("unreachable")  # iterate_timeout raises ResourceTimeout


def live_migrate(admin: Any, server: Any, host: str | None = None, *,
                 timeout: int = WAIT) -> MigrationRecord:
    """Live-migrate ``server`` (to ``host``, or where the scheduler says) and wait for it."""
    before = last_record_id(admin, server)
    admin.compute.live_migrate_server(_id(server), host=host, block_migration="auto")
    return wait_for_migration(admin, server, kind=LIVE, after=before, host=host, timeout=timeout)


def cold_migrate(admin: Any, server: Any, host: str | None = None, *,
                 timeout: int = WAIT) -> MigrationRecord:
    """Cold-migrate ``server``, confirm the move, and wait until it is back in its old status."""
    server_id = _id(server)
    status = _get(admin.compute.get_server(server_id), "status")
    before = last_record_id(admin, server_id)
    admin.compute.migrate_server(server_id, host=host)
    moved = admin.compute.wait_for_server(
        admin.compute.get_server(server_id), status="VERIFY_RESIZE", failures=["ERROR"],
        wait=timeout,
    )
    admin.compute.confirm_server_resize(moved)
    admin.compute.wait_for_server(moved, status=str(status), failures=["ERROR"], wait=timeout)
    return wait_for_migration(admin, server_id, kind=COLD, after=before, timeout=timeout)


# --------------------------------------------------------------------------- maintenance


def disable_host(admin: Any, host: str, reason: str) -> HostState:
    """Maintenance mode, step 1: the scheduler places nothing new on ``host``."""
    if not reason.strip():
        raise CourseError(
            "Give a reason",
            "A disabled host without a reason leaves the next administrator guessing.",
            "Pass a short reason, such as 'firmware upgrade, ticket 4711'.",
        )
    admin.compute.disable_service(_service(admin, host), host, BINARY, disabled_reason=reason)
    return host_state(admin, host)


def enable_host(admin: Any, host: str) -> HostState:
    """Leave maintenance mode: the scheduler may use ``host`` again."""
    admin.compute.enable_service(_service(admin, host), host, BINARY)
    return host_state(admin, host)


@dataclass(frozen=True)
class Move:
    """One server moved off a host by :func:`drain`."""

    server: str
    source: str
    dest: str
    how: str

    def __str__(self) -> str:
        return f"{self.server:<28} {self.source} → {self.dest}  ({self.how})"


def drain(admin: Any, host: str, servers: Iterable[Any], *, timeout: int = WAIT) -> list[Move]:
    """Move ``servers`` that are on ``host`` somewhere else: ACTIVE ones live, SHUTOFF ones cold.

    Only the servers you pass are moved; disable the host first so the scheduler does not
    choose it again.
    """
    moves: list[Move] = []
    started: list[tuple[Any, int]] = []
    for server in servers:
        current = admin.compute.get_server(_id(server))
        if _get(current, "compute_host") != host:
            continue
        status = _get(current, "status")
        if status == "ACTIVE":
            before = last_record_id(admin, current)
            admin.compute.live_migrate_server(current, host=None, block_migration="auto")
            started.append((current, before))
        elif status == "SHUTOFF":
            cold_migrate(admin, current, timeout=timeout)
            moves.append(Move(str(_get(current, "name")), host, str(where(admin, current)), "cold"))
        else:
            raise CourseError(
                f"{_get(current, 'name')} is {status}",
                "Only ACTIVE servers can be live-migrated and only SHUTOFF ones cold-migrated "
                "here; a server that is busy (BUILD, RESIZE, MIGRATING ...) must settle first.",
                "Wait until its status settles, then drain again.",
            )
    for current, before in started:
        wait_for_migration(admin, current, kind=LIVE, after=before, timeout=timeout)
        moves.append(Move(str(_get(current, "name")), host, str(where(admin, current)), "live"))
    return moves


# --------------------------------------------------------------------------- host failure


def force_down(admin: Any, host: str) -> HostState:
    """Tell Nova the host is dead now instead of after service_down_time without heartbeats.

    Do this only once the host is fenced (powered off): Nova then allows evacuation, and a
    host that still ran its guests would have two copies of each writing to the same disks.
    """
    admin.compute.update_service_forced_down(_service(admin, host), host, BINARY, True)
    return host_state(admin, host)


def unforce(admin: Any, host: str, *, timeout: int = 120) -> HostState:
    """Clear forced_down; Nova refuses while evacuation records still wait for the host's cleanup.

    A restarted nova-compute closes the records of servers evacuated while it was away
    (``done`` → ``completed``); until then the API answers 400, so this retries.
    """
    service = _service(admin, host)
    message = f"{host} kept evacuation records open for {timeout} s"
    for _ in sdk_utils.iterate_timeout(timeout, message, wait=2):
        try:
            admin.compute.update_service_forced_down(service, host, BINARY, False)
            return host_state(admin, host)
        except sdk_exc.BadRequestException:
            continue
    raise AssertionError("unreachable")


def wait_for_host(admin: Any, host: str, *, up: bool = True, timeout: int = 120) -> HostState:
    """Wait until the host's nova-compute service reports up (or down)."""
    word = "up" if up else "down"
    for _ in sdk_utils.iterate_timeout(timeout, f"{host} did not report {word} in {timeout} s",
                                       wait=2):
        state = host_state(admin, host)
        if state.up == up:
            return state
    raise AssertionError("unreachable")


def evacuate(admin: Any, server: Any, *, host: str | None = None,
             timeout: int = WAIT) -> Any:
    """Evacuate ``server`` from its dead host and wait until it is rebuilt elsewhere.

    Since compute API microversion 2.95 it arrives SHUTOFF; start it yourself.
    """
    server_id = _id(server)
    source = where(admin, server_id)
    admin.compute.evacuate_server(server_id, host=host)
    message = f"Waited {timeout} s for server {server_id} to be rebuilt away from {source}"
    for _ in sdk_utils.iterate_timeout(timeout, message, wait=1):
        current = admin.compute.get_server(server_id)
        if _get(current, "status") == "ERROR":
            raise CourseError(
                f"{_get(current, 'name')} went into ERROR while it was evacuated",
                f"Nova recorded: {_fault(current) or 'no fault message'}.",
                "Read the fault. Is there room on another host? `ops.host_report(admin)`.",
            )
        moved = _get(current, "compute_host") not in (None, source)
        if moved and not _get(current, "task_state") and _get(current, "status") in (
            "SHUTOFF", "ACTIVE"
        ):
            return current
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- lab host power

NOT_LAB = (
    "This cloud is not the course lab, so the notebook cannot switch a compute host off. "
    "On a real cloud this step needs an administrator who can power off a host (through its "
    "BMC: IPMI or Redfish) and who is allowed to. Read the cells that follow: they show what "
    "you would see, and they skip what needs a dead host."
)

Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def looks_like_lab(auth_url: str, hosts: Iterable[str], labsetup_installed: bool) -> bool:
    """The course lab: labsetup is installed, Keystone is on loopback, and the compute hosts
    are the lab's own (pure)."""
    names = set(hosts)
    return (
        labsetup_installed
        and urlparse(auth_url).hostname in LOOPBACK
        and bool(names)
        and names <= set(LAB_HOSTS)
    )


def is_course_lab(admin: Any) -> bool:
    """True when ``admin`` talks to the course lab, whose hosts this notebook may power off."""
    auth_url = str((admin.config.auth or {}).get("auth_url", ""))
    hosts = [h.host for h in host_states(admin)]
    return looks_like_lab(auth_url, hosts, importlib.util.find_spec("labsetup") is not None)


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=120)


@dataclass(frozen=True)
class PowerResult:
    """What :func:`power` did: ``done`` is False when the cloud is not the course lab."""

    host: str
    action: str
    done: bool
    message: str

    def __str__(self) -> str:
        return self.message


def power(admin: Any, host: str, action: str, *, runner: Runner | None = None,
          lab: bool | None = None) -> PowerResult:
    """Stop (``"stop"``) or start (``"start"``) the nova-compute process of a lab host.

    On the course lab this runs ``python -m labsetup host stop|start HOST``: the process
    ends as if the host lost power (its guests and records stay on disk). Elsewhere nothing
    happens and the result explains why.
    """
    if action not in ("stop", "start"):
        raise ValueError(f"action is 'stop' or 'start', not {action!r}")
    if lab is None:
        lab = is_course_lab(admin)
    if not lab:
        return PowerResult(host, action, False, NOT_LAB)
    if host not in LAB_HOSTS:
        raise CourseError(
            f"No lab host called {host!r}",
            "The course lab has two compute hosts.",
            "Use " + " or ".join(LAB_HOSTS) + ".",
        )
    result = (runner or _run)([sys.executable, "-m", "labsetup", "host", action, host])
    if result.returncode != 0:
        raise CourseError(
            f"labsetup could not {action} {host}",
            (result.stderr or result.stdout or "no output").strip(),
            "Run `python3 -m labsetup status` in a terminal, then this cell again.",
        )
    return PowerResult(host, action, True, (result.stdout or "").strip())


def power_off(admin: Any, host: str, **kwargs: Any) -> PowerResult:
    """The lab host ``host`` loses power (its nova-compute process stops)."""
    return power(admin, host, "stop", **kwargs)


def power_on(admin: Any, host: str, **kwargs: Any) -> PowerResult:
    """The lab host ``host`` comes back (its nova-compute process starts)."""
    return power(admin, host, "start", **kwargs)


def restore_hosts(admin: Any, *, timeout: int = 180, runner: Runner | None = None,
                  lab: bool | None = None) -> list[str]:
    """Bring every compute host back to normal after a run that may have died half-way.

    On the course lab: start any stopped host process, clear forced_down (waiting for the
    evacuation records to close), enable disabled services and wait until all report up.
    On another cloud only what the course did is undone: forced_down is left alone (an
    operator may have a dead host) and only services disabled with an ``osworkshop`` reason are
    enabled. Returns what was done, one line per step.
    """
    if lab is None:
        lab = is_course_lab(admin)
    done: list[str] = []
    states = host_states(admin)
    if lab:
        for state in states:
            if not state.up or state.forced_down:
                power_on(admin, state.host, runner=runner, lab=True)
                done.append(f"{state.host}: nova-compute process started")
        for state in states:
            if state.forced_down:
                unforce(admin, state.host, timeout=timeout)
                done.append(f"{state.host}: no longer forced down")
    for state in states:
        if not state.enabled and (lab or "osworkshop" in state.disabled_reason):
            enable_host(admin, state.host)
            done.append(f"{state.host}: enabled again (was disabled: {state.disabled_reason})")
    if lab:
        for state in states:
            if not state.up or state.forced_down:
                wait_for_host(admin, state.host, up=True, timeout=timeout)
                done.append(f"{state.host}: reports up")
    return done


def all_hosts_normal(states: Iterable[HostState]) -> bool:
    """Every host enabled, up and not forced down (pure)."""
    states = list(states)
    return bool(states) and all(s.usable for s in states)


# --------------------------------------------------------------------------- friendly refusals


def _server_message(exc: BaseException) -> str:
    """What the service said, without the SDK's URL decoration where it kept it apart."""
    for attr in ("details", "message"):
        value = _get(exc, attr)
        if value and str(value).strip() and str(value) != "Error":
            return str(value).strip()
    return str(exc).strip() or type(exc).__name__


def explain_move(exc: BaseException) -> CourseError | None:
    """Explain why Nova refused to move, evacuate or fence something; falls back to
    :func:`osworkshop.errors.explain`."""
    base = explain(exc)
    text = _server_message(exc)
    lower = text.lower()
    if "no valid host" in lower:
        return CourseError(
            "Nova found no host to move the server to",
            f"The scheduler ruled out every candidate ({text}). It never picks the "
            "server's own host, a disabled (maintenance) or down host, or one without room.",
            "Name another host, enable the one you meant (`ops.enable_host(admin, host)`), or "
            "leave `host=None` so the scheduler chooses.",
            original=exc,
        )
    if "compute host" in lower and "could not be found" in lower:
        return CourseError(
            "No such compute host",
            f"Nova does not know that host name ({text}).",
            "List the hosts with `ops.host_states(admin)` and use the exact name.",
            original=exc,
        )
    if "still in use" in lower:
        return CourseError(
            "The host still looks alive to Nova",
            f"Nova refuses to evacuate while the source host's nova-compute service reports up "
            f"({text}). Otherwise a host that is only cut off could keep running the "
            "same server, and two copies would write to the same disk.",
            "Make sure the host is really off (fenced), then force its service down with "
            "`ops.force_down(admin, host)`, or wait until Nova marks it down by itself "
            "(service_down_time, 60 s by default, 30 s in the lab).",
            original=exc,
        )
    if "unable to force up" in lower or "evacuation migration records" in lower:
        return CourseError(
            "The host has not cleaned up yet",
            f"Nova keeps the host forced down until its nova-compute has started again and "
            f"closed the evacuation records ({text}).",
            "Start the host first, then `ops.unforce(admin, host)` (it retries for you).",
            original=exc,
        )
    if "unavailable" in lower and "compute service" in lower:
        return CourseError(
            "The server's host is down",
            f"Live migration needs the source host running ({text}).",
            "A dead host's servers are evacuated, not live-migrated (notebook 10).",
            original=exc,
        )
    if isinstance(exc, sdk_exc.ForbiddenException) and (
        "migrat" in lower or "evacuate" in lower or "os-services" in lower
    ):
        return CourseError(
            "Only an administrator may do this",
            f"Nova's policy refused ({text}). Moving servers between hosts and "
            "changing compute services are admin tasks: the hosts are the cloud's, not the "
            "project's. Since nova 32 (2025.2) a project *manager* may ask for a live or "
            "cold migration without naming a host.",
            "Use the admin connection (`admin`), as the notebook does.",
            original=exc,
        )
    return base


# --------------------------------------------------------------------------- a herd and its loop


@dataclass(frozen=True)
class Member:
    """One server of a herd, with what the admin API says about its host."""

    id: str
    name: str
    status: str
    host: str | None = None
    host_status: str | None = None

    @property
    def host_alive(self) -> bool:
        """Its host runs guests: host_status UP or MAINTENANCE (unknown counts as alive)."""
        return self.host_status in (None, "") or self.host_status in HOST_ALIVE

    @property
    def healthy(self) -> bool:
        """ACTIVE on a host that is alive."""
        return self.status == "ACTIVE" and self.host_alive

    def __str__(self) -> str:
        health = "healthy" if self.healthy else "NOT healthy"
        return (
            f"{self.name:<32} {self.status:<8} on {self.host or '?':<14} "
            f"host {self.host_status or '?':<11} {health}"
        )


def to_member(server: Any) -> Member:
    """A Member from an SDK Server seen by an admin (or a dict with the same fields)."""
    return Member(
        id=str(_get(server, "id")),
        name=str(_get(server, "name")),
        status=str(_get(server, "status")),
        host=_get(server, "compute_host"),
        host_status=_get(server, "host_status"),
    )


def observe(admin: Any, tag: str) -> list[Member]:
    """Every server tagged ``tag`` in any project, as Members sorted by name (admin)."""
    servers = admin.compute.servers(all_projects=True, tags=tag)
    found = [
        to_member(s) for s in servers
        if _get(s, "status") not in ("DELETED", "SOFT_DELETED")
        and _get(s, "task_state") != "deleting"
    ]
    return sorted(found, key=lambda m: m.name)


@dataclass(frozen=True)
class Plan:
    """What one reconcile round should do: delete these server ids, then boot ``create`` more."""

    delete: tuple[str, ...] = ()
    create: int = 0

    @property
    def empty(self) -> bool:
        return not self.delete and self.create == 0

    def __str__(self) -> str:
        if self.empty:
            return "nothing to do"
        return f"delete {len(self.delete)}, create {self.create}"


Decide = Callable[[list[Member], int], Plan]


def trust_the_status(members: list[Member], size: int) -> Plan:
    """A naive decision: count ACTIVE servers, ignore their hosts (pure).

    After a host dies Nova still shows its servers ACTIVE, so this loop sees nothing to do.
    """
    active = [m for m in members if m.status == "ACTIVE"]
    broken = tuple(m.id for m in members if m.status not in ("ACTIVE", "BUILD"))
    return Plan(delete=broken, create=max(0, size - len(active)))


@dataclass(frozen=True)
class HerdSpec:
    """The recipe of a herd: names ``prefix1``, ``prefix2`` …, all tagged ``tag``."""

    prefix: str
    size: int
    tag: str
    flavor: str = "m1.tiny"
    image: str = "lab-image"
    network: str = "demo-net"
    metadata: Mapping[str, str] = field(default_factory=dict)
    extra_tags: tuple[str, ...] = ()


@dataclass
class Round:
    """One reconcile round: what was seen, planned and done."""

    seen: list[Member]
    plan: Plan
    deleted: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        healthy = sum(m.healthy for m in self.seen)
        lines = [f"saw {len(self.seen)} servers, {healthy} healthy; plan: {self.plan}"]
        lines += [f"  deleted {name}" for name in self.deleted]
        lines += [f"  created {name}" for name in self.created]
        lines += [f"  problem: {p}" for p in self.problems]
        return "\n".join(lines)


def check_plan(plan: Any, members: Sequence[Member], size: int) -> tuple[Plan, list[str]]:
    """The plan a ``decide`` function returned, made safe, with notes about what was dropped."""
    if not isinstance(plan, Plan):
        raise CourseError(
            "decide must return a Plan",
            f"Your function returned {type(plan).__name__}: {plan!r}.",
            "End it with `return ops.Plan(delete=(...ids...), create=n)`.",
        )
    known = {m.id for m in members}
    notes = [f"{i} is not in the herd: not deleted" for i in plan.delete if i not in known]
    create = int(plan.create)
    if create < 0:
        notes.append(f"create={create} is negative: nothing created")
        create = 0
    if create > size:
        notes.append(f"create={create} is more than the herd's size: capped at {size}")
        create = size
    return Plan(tuple(i for i in plan.delete if i in known), create), notes


def _free_names(prefix: str, taken: Iterable[str], count: int) -> list[str]:
    used = {n for n in taken}
    names: list[str] = []
    number = 0
    while len(names) < count:
        number += 1
        if f"{prefix}{number}" not in used:
            names.append(f"{prefix}{number}")
    return names


def apply_plan(conn: Any, spec: HerdSpec, plan: Plan, seen: Sequence[Member], *,
               timeout: int = WAIT) -> Round:
    """Delete and boot what ``plan`` says, as the herd's owner ``conn``; wait for both."""
    done = Round(list(seen), plan)
    by_id = {m.id: m for m in seen}
    for server_id in plan.delete:
        try:
            server = conn.compute.get_server(server_id)
            conn.compute.delete_server(server, ignore_missing=True)
            conn.compute.wait_for_delete(server, wait=timeout)
        except sdk_exc.NotFoundException:
            pass  # already gone: that is what we wanted
        except CLOUD_ERRORS as exc:
            done.problems.append(f"delete {by_id[server_id].name}: {explain(exc) or exc}")
            continue
        done.deleted.append(by_id[server_id].name)
    if plan.create:
        recipe = {
            "flavor_id": conn.compute.find_flavor(spec.flavor, ignore_missing=False).id,
            "image_id": conn.image.find_image(spec.image, ignore_missing=False).id,
            "networks": [
                {"uuid": conn.network.find_network(spec.network, ignore_missing=False).id}
            ],
            "tags": [spec.tag, *spec.extra_tags],
            "metadata": dict(spec.metadata),
        }
        taken = [m.name for m in seen if m.id not in plan.delete]
        booted = []
        for name in _free_names(spec.prefix, taken, plan.create):
            try:
                booted.append(conn.compute.create_server(name=name, **recipe))
            except CLOUD_ERRORS as exc:
                done.problems.append(f"create {name}: {explain(exc) or exc}")
        for server in booted:
            try:
                conn.compute.wait_for_server(server, failures=["ERROR"], wait=timeout)
                done.created.append(str(server.name))
            except CLOUD_ERRORS as exc:
                done.problems.append(f"create {server.name}: {explain(exc) or exc}")
    return done


def reconcile(conn: Any, admin: Any, spec: HerdSpec, decide: Decide, *, rounds: int = 3,
              timeout: int = WAIT) -> list[Round]:
    """Observe, decide, act; repeat until ``decide`` has nothing to do (at most ``rounds``).

    ``admin`` observes (only an admin sees hosts and their status), ``conn`` owns the herd and
    acts. ``decide(members, size)`` is yours: it returns a :class:`Plan`.
    """
    history: list[Round] = []
    for _ in range(rounds):
        seen = observe(admin, spec.tag)
        plan, notes = check_plan(decide(list(seen), spec.size), seen, spec.size)
        if plan.empty:
            history.append(Round(seen, plan, problems=notes))
            break
        result = apply_plan(conn, spec, plan, seen, timeout=timeout)
        result.problems[:0] = notes
        history.append(result)
    return history


def report(history: Sequence[Round]) -> str:
    """Text for a reconcile loop's rounds."""
    return "\n".join(f"Round {n}: {r}" for n, r in enumerate(history, start=1)) or "(no rounds)"


def herd_text(members: Sequence[Member]) -> str:
    """The herd, one line per member."""
    return "\n".join(str(m) for m in members) or "(no servers with this tag)"
