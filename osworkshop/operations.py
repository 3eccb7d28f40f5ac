"""Notebooks 09 and 10: where servers run, how they move, and what happens when a host dies.

The vSphere admin's day-two tools (vMotion, maintenance mode, HA) map onto Nova's API: live
and cold migration, disabling a compute service, forcing it down and evacuating servers. The
learner types those calls in the notebooks; this module only **reads and waits**: host states,
migration records (a record closes after the server has moved), a host that goes down or comes
back. It also explains the refusals a learner meets. Everything here works with the learner's
own connection when the project role allows it (in the course lab a project ``manager`` sees
the hosts of its own servers and lists compute services), and with ``admin`` otherwise.

The course lab can stop and start one compute host's ``nova-compute`` process, as if the host
lost power (:func:`power_off`); on other clouds that does nothing and says why. After a run
that stopped half-way, :func:`restore_hosts` puts every host back (admin).

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
#: host_status values (microversion 2.16) of a host whose guests keep running.
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
    """One nova-compute service, as ``openstack compute service list`` shows it."""

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


def host_states(conn: Any) -> list[HostState]:
    """Every nova-compute service, sorted by host name (admin, or a lab project manager)."""
    return sorted(
        (to_host_state(s) for s in conn.compute.services(binary=BINARY)), key=lambda h: h.host
    )


def _service(conn: Any, host: str) -> Any:
    found = list(conn.compute.services(binary=BINARY, host=host))
    if not found:
        known = ", ".join(h.host for h in host_states(conn)) or "none"
        raise CourseError(
            f"No compute host called {host!r}",
            f"Nova has no nova-compute service on {host!r}. Compute hosts: {known}.",
            "Use one of the host names above (`openstack compute service list`).",
        )
    return found[0]


def host_state(conn: Any, host: str) -> HostState:
    """The state of one host's nova-compute service."""
    return to_host_state(_service(conn, host))


def usable_hosts(states: Iterable[HostState]) -> list[str]:
    """Names of the hosts the scheduler may use (pure)."""
    return [s.host for s in states if s.usable]


def require_hosts(conn: Any, count: int = 2) -> list[str]:
    """The usable hosts, or a CourseError when there are fewer than ``count`` of them."""
    states = host_states(conn)
    usable = usable_hosts(states)
    if len(usable) >= count:
        return usable
    seen = "; ".join(f"{s.host}: {s.describe()}" for s in states) or "no compute service at all"
    raise CourseError(
        f"This cloud has {len(usable)} usable compute host(s); the notebook needs {count}",
        f"Moving a server needs somewhere to move it to. Nova reports: {seen}.",
        "In the course lab another notebook (09 or 10) may have a host out for a minute: wait "
        "and run the cell again. If it stays so, run the setup cell of notebook 09 as the "
        "administrator (it puts the hosts back) or `python3 -m labsetup up`. On another cloud "
        "ask an administrator for a second compute host; read on without running.",
    )


def all_hosts_normal(states: Iterable[HostState]) -> bool:
    """Every host enabled, up and not forced down (pure)."""
    states = list(states)
    return bool(states) and all(s.usable for s in states)


def host_to_fail(conn: Any, server: Any) -> str:
    """The host notebook 10 fails: in the course lab always ``lab-compute-2`` (so that, in a
    room, everyone's servers meet the one host the instructor pulls), elsewhere the host of
    ``server``."""
    hosts = {s.host for s in host_states(conn)}
    if hosts == set(LAB_HOSTS):
        return LAB_HOSTS[-1]
    return str(where(conn, server))


# --------------------------------------------------------------------------- where servers run


def where(conn: Any, server: Any) -> str | None:
    """The compute host of ``server`` (None when the role may not see it)."""
    return _get(conn.compute.get_server(_id(server)), "compute_host")


def hosts_table(states: Iterable[HostState], mine: Mapping[str, int] | None = None) -> str:
    """A text table of hosts with their state and how many of your servers run there (pure)."""
    lines = [f"{'host':<16} {'yours':>5}  state"]
    for s in states:
        lines.append(f"{s.host:<16} {(mine or {}).get(s.host, 0):>5}  {s.describe()}")
    return "\n".join(lines)


def host_report(conn: Any, tag: str) -> str:
    """The hosts, their state, and how many of the project's servers marked ``tag`` run on
    each (only the servers ``conn`` may see: its own project's)."""
    mine: dict[str, int] = {}
    for server in conn.compute.servers():
        if is_marked(server, tag):
            host = str(_get(server, "compute_host"))
            mine[host] = mine.get(host, 0) + 1
    return hosts_table(host_states(conn), mine)


# --------------------------------------------------------------------------- migration records


@dataclass(frozen=True)
class MigrationRecord:
    """One row of Nova's migration records for a server (hosts are admin-only: '' otherwise)."""

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
        hosts = f"{self.source or '?'} → {self.dest or '?'}  " if self.source or self.dest else ""
        return f"#{self.id:<5} {self.kind:<15} {hosts}{self.status:<10} {when}"


def _clock(stamp: str) -> str:
    match = re.search(r"T(\d\d:\d\d:\d\d)", stamp or "")
    return match.group(1) if match else (stamp or "")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def to_record(migration: Any) -> MigrationRecord:
    """A MigrationRecord from an SDK Migration (or a dict with the API's fields)."""
    return MigrationRecord(
        id=int(_get(migration, "id") or 0),
        kind=_text(_get(migration, "migration_type")),
        status=_text(_get(migration, "status")),
        source=_text(_get(migration, "source_compute")),
        dest=_text(_get(migration, "dest_compute")),
        created=_text(_get(migration, "created_at")),
        updated=_text(_get(migration, "updated_at")),
    )


def records(conn: Any, server: Any) -> list[MigrationRecord]:
    """The server's migration records, oldest first.

    ``conn.compute.migrations(server_id=..., project_id=...)``: a project manager may list its
    own project's records only, and must name the project (Nova answers 403 otherwise); Nova
    shows it the records without the host names.
    """
    current = conn.compute.get_server(_id(server))
    found = conn.compute.migrations(server_id=_id(current),
                                    project_id=_get(current, "project_id"))
    return sorted((to_record(m) for m in found), key=lambda r: r.id)


def last_record_id(conn: Any, server: Any) -> int:
    """The id of the server's newest migration record (0 when it never moved)."""
    return max((r.id for r in records(conn, server)), default=0)


def timeline(rows: Sequence[MigrationRecord]) -> str:
    """The records as text, one per line (pure)."""
    if not rows:
        return "(no migration records: this server never moved)"
    return "\n".join(str(r) for r in rows)


def _fault(server: Any) -> str:
    fault = _get(server, "fault") or {}
    return str(fault.get("message", "")) if isinstance(fault, Mapping) else str(fault)


def wait_for_migration(
    conn: Any,
    server: Any,
    *,
    kind: str = LIVE,
    after: int = 0,
    timeout: int = WAIT,
) -> MigrationRecord:
    """Wait until the server's newest ``kind`` record newer than ``after`` is done and the
    server has no task left.

    Nova switches the server to its new host *before* it closes the migration record, so
    ``conn.compute.wait_for_server`` alone can return a moment early. A record that fails
    raises a CourseError with the server's fault.
    """
    server_id = _id(server)
    message = f"Waited {timeout} s for the {kind} of server {server_id} to finish"
    for _ in sdk_utils.iterate_timeout(timeout, message, wait=1):
        current = conn.compute.get_server(server_id)
        if _get(current, "status") == "ERROR":
            raise CourseError(
                f"{_get(current, 'name')} went into ERROR during the {kind}",
                f"Nova recorded: {_fault(current) or 'no fault message'}.",
                "Read the fault; an administrator can reset the state with "
                "`admin.compute.reset_server_state(server, 'active')` and try again.",
            )
        mine = [r for r in records(conn, current) if r.kind == kind and r.id > after]
        if not mine:
            continue
        last = mine[-1]
        if last.failed:
            raise CourseError(
                f"The {kind} of {_get(current, 'name')} failed",
                f"Migration record #{last.id} ended as {last.status}; the server stays on "
                f"{_get(current, 'compute_host') or 'its host'}.",
                "Look at the records with `ops.timeline(ops.records(conn, server))` and, in "
                "the lab, at the nova logs (`python3 -m labsetup logs nova`).",
            )
        if last.done and not _get(current, "task_state"):
            return last
    raise AssertionError("unreachable")  # iterate_timeout raises ResourceTimeout


def settle(conn: Any, server: Any, *, timeout: int = WAIT) -> Any:
    """Wait until no task runs on ``server`` (a move, a rebuild, a power action) and return a
    fresh copy of it."""
    server_id = _id(server)
    message = f"Server {server_id} was still busy after {timeout} s"
    for _ in sdk_utils.iterate_timeout(timeout, message, wait=1):
        current = conn.compute.get_server(server_id)
        if not _get(current, "task_state"):
            return current
    raise AssertionError("unreachable")


def wait_for_cleanup(conn: Any, servers: Iterable[Any], *, timeout: int = 120) -> list[str]:
    """Wait until the evacuation records of ``servers`` are ``completed``: a failed host that
    comes back deletes its stale copies and closes them (``done`` → ``completed``), and only
    then lets an administrator clear forced_down. Returns one line per evacuated server."""
    ids = [_id(s) for s in servers]
    message = f"The old host kept evacuation records open for {timeout} s"
    for _ in sdk_utils.iterate_timeout(timeout, message, wait=2):
        lines: list[str] = []
        waiting = False
        for server_id in ids:
            evacuations = [r for r in records(conn, server_id) if r.kind == EVACUATION]
            if not evacuations:
                continue
            last = evacuations[-1]
            waiting = waiting or last.status == "done"
            name = _get(conn.compute.get_server(server_id), "name")
            lines.append(f"{name}: evacuation record #{last.id} is {last.status}")
        if not waiting:
            return lines
    raise AssertionError("unreachable")


def wait_for_host(conn: Any, host: str, *, up: bool = True, timeout: int = 120) -> HostState:
    """Wait until the host's nova-compute service reports up (or down)."""
    word = "up" if up else "down"
    for _ in sdk_utils.iterate_timeout(timeout, f"{host} did not report {word} in {timeout} s",
                                       wait=2):
        state = host_state(conn, host)
        if state.up == up:
            return state
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------- lab host power

NOT_LAB = (
    "This notebook does not run on the course lab's own machine, so it switches no compute "
    "host off. In a shared room the instructor pulls the plug (`python3 -m labsetup host stop "
    "HOST` on the lab machine): go on once `openstack compute service list` shows the host "
    "down. On another cloud this step needs an administrator who can power off a host "
    "(through its BMC: IPMI or Redfish); the cells that need a dead host say so and skip."
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


def is_course_lab(conn: Any) -> bool:
    """True when ``conn`` talks to the course lab on this very machine, whose hosts a notebook
    may power off (False when the role may not list the compute services)."""
    auth_url = str((conn.config.auth or {}).get("auth_url", ""))
    try:
        hosts = [h.host for h in host_states(conn)]
    except sdk_exc.ForbiddenException:
        return False
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


def power(host: str, action: str, *, lab: bool, runner: Runner | None = None) -> PowerResult:
    """Stop (``"stop"``) or start (``"start"``) the nova-compute process of a lab host.

    With ``lab`` (:func:`is_course_lab`) this runs ``python -m labsetup host stop|start HOST``:
    the process ends as if the host lost power (its guests and records stay on disk).
    Otherwise nothing happens and the result explains why.
    """
    if action not in ("stop", "start"):
        raise ValueError(f"action is 'stop' or 'start', not {action!r}")
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


def power_off(host: str, *, lab: bool, runner: Runner | None = None) -> PowerResult:
    """The lab host ``host`` loses power (its nova-compute process stops)."""
    return power(host, "stop", lab=lab, runner=runner)


def power_on(host: str, *, lab: bool, runner: Runner | None = None) -> PowerResult:
    """The lab host ``host`` comes back (its nova-compute process starts; safe to repeat)."""
    return power(host, "start", lab=lab, runner=runner)


# --------------------------------------------------------------------------- putting hosts back


def _unforce(admin: Any, host: str, *, timeout: int) -> None:
    """Clear forced_down; Nova refuses while evacuation records still wait for the host's
    cleanup (``done`` → ``completed`` when its nova-compute has started), so this retries."""
    service = _service(admin, host)
    message = f"{host} kept evacuation records open for {timeout} s"
    for _ in sdk_utils.iterate_timeout(timeout, message, wait=2):
        try:
            admin.compute.update_service_forced_down(service, host, BINARY, False)
            return
        except sdk_exc.BadRequestException:
            continue


def restore_hosts(admin: Any, *, timeout: int = 180, runner: Runner | None = None,
                  lab: bool | None = None) -> list[str]:
    """Bring every compute host back to normal after a run that may have died half-way (admin).

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
                power_on(state.host, lab=True, runner=runner)
                done.append(f"{state.host}: nova-compute process started")
        for state in states:
            if state.forced_down:
                _unforce(admin, state.host, timeout=timeout)
                done.append(f"{state.host}: no longer forced down")
    for state in states:
        if not state.enabled and (lab or "osworkshop" in state.disabled_reason):
            admin.compute.enable_service(_service(admin, state.host), state.host, BINARY)
            done.append(f"{state.host}: enabled again (was disabled: {state.disabled_reason})")
    if lab:
        for state in states:
            if not state.up or state.forced_down:
                wait_for_host(admin, state.host, up=True, timeout=timeout)
                done.append(f"{state.host}: reports up")
    return done


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
            "Wait until another host is enabled and up (`openstack compute service list`), "
            "then ask again without naming a host.",
            original=exc,
        )
    if "compute host" in lower and "could not be found" in lower:
        return CourseError(
            "No such compute host",
            f"Nova does not know that host name ({text}).",
            "List the hosts with `openstack compute service list` and use the exact name.",
            original=exc,
        )
    if "still in use" in lower:
        return CourseError(
            "The host still looks alive to Nova",
            f"Nova refuses to evacuate while the source host's nova-compute service reports up "
            f"({text}). Otherwise a host that is only cut off could keep running the "
            "same server, and two copies would write to the same disk.",
            "Make sure the host is really off (fenced); then an administrator forces its "
            "service down (`admin.compute.update_service_forced_down(service, forced=True)`), "
            "or you wait until Nova marks it down by itself (service_down_time, 60 s by "
            "default, 30 s in the lab).",
            original=exc,
        )
    if "unable to force up" in lower or "evacuation migration records" in lower:
        return CourseError(
            "The host has not cleaned up yet",
            f"Nova keeps the host forced down until its nova-compute has started again and "
            f"closed the evacuation records ({text}).",
            "Start the host first, wait until its evacuation records say completed "
            "(`ops.wait_for_cleanup(conn, servers)`), then clear forced_down again.",
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
        named = ":host" in lower
        return CourseError(
            "Only an administrator may do this" if named or "os-services" in lower
            else "Your role does not allow this",
            f"Nova's policy refused ({text}). The hosts are the cloud's, not the project's: "
            "naming a destination host, disabling a compute service or forcing it down are "
            "admin tasks. A project *manager* may live- or cold-migrate the project's servers "
            "without naming a host (and, in this lab, evacuate them); a member may not.",
            "Leave `host=None` so the scheduler chooses; for the rest, ask an administrator "
            "(in the lab: the `admin` connection).",
            original=exc,
        )
    return base


# --------------------------------------------------------------------------- a herd and its loop


@dataclass(frozen=True)
class Member:
    """One server of a herd, with what Nova says about its host (``host_status``, 2.16)."""

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
    """A Member from an SDK Server (or a dict with the same fields)."""
    return Member(
        id=str(_get(server, "id")),
        name=str(_get(server, "name")),
        status=str(_get(server, "status")),
        host=_get(server, "compute_host"),
        host_status=_get(server, "host_status"),
    )


def observe(conn: Any, tag: str) -> list[Member]:
    """The project's servers tagged ``tag``, as Members sorted by name.

    Their hosts and ``host_status`` are visible to an admin and, in the course lab, to the
    project's manager; a plain member sees neither (and every member then looks healthy).
    """
    servers = conn.compute.servers(tags=tag)
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


def reconcile(conn: Any, spec: HerdSpec, decide: Decide, *, rounds: int = 3,
              timeout: int = WAIT) -> list[Round]:
    """Observe, decide, act; repeat until ``decide`` has nothing to do (at most ``rounds``).

    ``conn`` owns the herd: it observes it (:func:`observe`) and acts.
    ``decide(members, size)`` is yours: it returns a :class:`Plan`.
    """
    history: list[Round] = []
    for _ in range(rounds):
        seen = observe(conn, spec.tag)
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
