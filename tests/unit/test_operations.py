"""osworkshop.operations against a small stand-in for Nova's admin API (no lab needed)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop import operations as ops
from osworkshop.errors import CourseError

TAG = "osworkshop-nb09"


@pytest.fixture(autouse=True)
def _fast_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """iterate_timeout without sleeping: 50 rounds, then the SDK's timeout."""

    def iterate(timeout: Any, message: str, wait: Any = 2) -> Iterator[int]:
        yield from range(50)
        raise sdk_exc.ResourceTimeout(message)

    monkeypatch.setattr(ops.sdk_utils, "iterate_timeout", iterate)


def svc(host: str, status: str = "enabled", state: str = "up", forced: bool = False,
        reason: str | None = None) -> Any:
    return SimpleNamespace(host=host, binary="nova-compute", status=status, state=state,
                           is_forced_down=forced, disabled_reason=reason, id=f"svc-{host}")


def srv(name: str, host: str = "lab-compute-1", status: str = "ACTIVE", **extra: Any) -> Any:
    fields = {"id": f"id-{name}", "name": name, "status": status, "compute_host": host,
              "task_state": None, "host_status": "UP", "tags": [TAG], "fault": None,
              "project_id": "demo-project"}
    fields.update(extra)
    return SimpleNamespace(**fields)


class Compute:
    """Just enough of admin.compute: services, servers, migrations and the actions on them."""

    def __init__(self, services: list[Any], servers: list[Any]) -> None:
        self.svcs = {s.host: s for s in services}
        self.by_id = {s.id: s for s in servers}
        self.migs: list[Any] = []
        self.ids = itertools.count(100)
        self.calls: list[tuple[Any, ...]] = []
        self.unforce_refusals = 0
        self.pending: dict[str, list[tuple[str, str]]] = {}  # server id -> [(status, record)]

    # services
    def services(self, binary: str = "", host: str | None = None) -> list[Any]:
        return [s for h, s in sorted(self.svcs.items()) if host in (None, h)]

    def enable_service(self, service: Any, host: str, binary: str) -> None:  # restore_hosts
        self.svcs[host].status, self.svcs[host].disabled_reason = "enabled", None

    def update_service_forced_down(self, service: Any, host: str, binary: str,
                                   forced: bool) -> None:
        if not forced and self.unforce_refusals:
            self.unforce_refusals -= 1
            raise sdk_exc.BadRequestException("Unable to force up host: evacuation records")
        self.svcs[host].is_forced_down = forced
        self.svcs[host].state = "down" if forced else "up"
        self.calls.append(("forced", host, forced))

    # servers
    def servers(self, all_projects: bool = False, compute_host: str | None = None,
                tags: str | None = None) -> list[Any]:
        return [
            s for s in self.by_id.values()
            if compute_host in (None, s.compute_host) and (tags is None or tags in s.tags)
        ]

    def get_server(self, server_id: Any) -> Any:
        server_id = getattr(server_id, "id", server_id)
        if server_id not in self.by_id:
            raise sdk_exc.NotFoundException("gone")
        return self.by_id[server_id]

    def _record(self, server: Any, kind: str, status: str, dest: str | None) -> Any:
        record = SimpleNamespace(
            id=next(self.ids), migration_type=kind, status=status,
            source_compute=server.compute_host, dest_compute=dest,
            created_at="2026-11-23T13:00:00.000000", updated_at="2026-11-23T13:00:05.000000",
            server_id=server.id,
        )
        self.migs.append(record)
        return record

    def migrations(self, server_id: str, project_id: str | None = None) -> list[Any]:
        self.calls.append(("migrations", project_id))
        return [m for m in reversed(self.migs) if m.server_id == server_id]  # newest first

    def _other(self, host: str) -> str:
        return next(h for h in self.svcs if h != host and self.svcs[h].status == "enabled")

    def live_migrate_server(self, server: Any, host: str | None = None,
                            block_migration: Any = None) -> None:
        current = self.get_server(server)
        self.calls.append(("live", current.name, host, block_migration))
        dest = host or self._other(current.compute_host)
        record = self._record(current, "live-migration", "running", dest)
        current.compute_host = dest  # Nova moves the server before it closes the record
        self.pending[current.id] = [record]

    def migrate_server(self, server: Any, host: str | None = None) -> None:
        current = self.get_server(server)
        dest = host or self._other(current.compute_host)
        self._record(current, "migration", "finished", dest)
        current.compute_host, current.status = dest, "VERIFY_RESIZE"

    def tick(self) -> None:
        """Close running records one poll later."""
        for records in self.pending.values():
            for record in records:
                record.status = "completed"
        self.pending = {}


class Admin(SimpleNamespace):
    pass


def cloud(services: list[Any] | None = None, servers: list[Any] | None = None,
          auth_url: str = "http://127.0.0.1:5000/v3") -> Any:
    compute = Compute(
        services if services is not None else [svc("lab-compute-1"), svc("lab-compute-2")],
        servers or [],
    )
    original = compute.get_server

    def get_and_tick(server_id: Any) -> Any:  # each poll lets Nova progress
        found = original(server_id)
        compute.tick()
        return found

    compute.get_server = get_and_tick  # type: ignore[method-assign]
    return Admin(compute=compute, config=SimpleNamespace(auth={"auth_url": auth_url}))


# --------------------------------------------------------------------------- hosts


def test_host_state_from_a_service() -> None:
    state = ops.to_host_state(svc("h1", status="disabled", reason="bios"))
    assert not state.enabled and state.up and not state.usable
    assert state.describe() == "disabled (bios), up"
    forced = ops.to_host_state(svc("h2", state="down", forced=True))
    assert forced.describe() == "enabled, down, forced down" and not forced.usable
    assert ops.to_host_state({"host": "h3", "status": "enabled", "state": "up"}).usable


def test_require_hosts_is_friendly_with_one_host() -> None:
    admin = cloud([svc("lab-compute-1"), svc("lab-compute-2", status="disabled", reason="x")])
    with pytest.raises(CourseError) as err:
        ops.require_hosts(admin)
    assert "1 usable compute host" in err.value.title
    assert "lab-compute-2: disabled (x), up" in err.value.detail
    assert "labsetup up" in err.value.what_to_do
    assert ops.require_hosts(admin, 1) == ["lab-compute-1"]


def test_unknown_host_and_the_host_to_fail() -> None:
    conn = cloud(servers=[srv("pet", host="lab-compute-1")])
    with pytest.raises(CourseError, match="No compute host called"):
        ops.host_state(conn, "lab-compute-9")
    assert ops.host_to_fail(conn, "id-pet") == "lab-compute-2"  # the lab: always the same one
    other = cloud([svc("node1"), svc("node2")], [srv("pet", host="node1")])
    assert ops.host_to_fail(other, "id-pet") == "node1"        # elsewhere: the pet's host


def test_hosts_table_and_report() -> None:
    conn = cloud(servers=[srv("a"), srv("b", tags=[]), srv("c", host="lab-compute-2")])
    lines = ops.host_report(conn, TAG).splitlines()
    assert lines[0].split() == ["host", "yours", "state"]
    assert lines[1].split()[:2] == ["lab-compute-1", "1"]
    assert lines[2].split()[:2] == ["lab-compute-2", "1"]
    assert "enabled, up" in lines[1]


def test_where() -> None:
    conn = cloud(servers=[srv("a", host="lab-compute-2")])
    assert ops.where(conn, "id-a") == "lab-compute-2"
    assert ops.where(conn, conn.compute.by_id["id-a"]) == "lab-compute-2"


def test_all_hosts_normal() -> None:
    assert ops.all_hosts_normal([ops.HostState("a", True, True)])
    assert not ops.all_hosts_normal([ops.HostState("a", True, True, forced_down=True)])
    assert not ops.all_hosts_normal([])


# --------------------------------------------------------------------------- records and waits


def test_records_are_oldest_first_and_name_the_project() -> None:
    conn = cloud(servers=[srv("a")])
    assert ops.records(conn, "id-a") == [] and ops.last_record_id(conn, "id-a") == 0
    assert ("migrations", "demo-project") in conn.compute.calls  # a manager must name it
    assert "never moved" in ops.timeline([])
    conn.compute.live_migrate_server("id-a")
    conn.compute.migrate_server("id-a")
    rows = ops.records(conn, "id-a")
    assert [r.kind for r in rows] == ["live-migration", "migration"]
    assert ops.last_record_id(conn, "id-a") == rows[-1].id
    line = ops.timeline(rows).splitlines()[0]
    assert "live-migration" in line and "lab-compute-1 → lab-compute-2" in line
    assert "completed" in line and "13:00:00 → 13:00:05" in line


def test_a_record_without_hosts_reads_well() -> None:
    """A project manager gets the records with the host names set to null."""
    row = ops.to_record({"id": 3, "migration_type": "evacuation", "status": "done",
                         "source_compute": None, "dest_compute": None,
                         "created_at": "2026-11-23T13:00:00", "updated_at": None})
    assert row.source == "" and row.done
    assert "None" not in str(row) and "?" not in str(row) and "evacuation" in str(row)


def test_wait_for_migration_waits_for_the_record_to_close() -> None:
    conn = cloud(servers=[srv("a")])
    conn.compute.live_migrate_server("id-a", host=None, block_migration="auto")
    record = ops.wait_for_migration(conn, "id-a")
    assert record.done and ops.where(conn, "id-a") == "lab-compute-2"
    assert ("live", "a", None, "auto") in conn.compute.calls


def test_wait_ignores_older_records_and_reports_failures() -> None:
    conn = cloud(servers=[srv("a")])
    server = conn.compute.by_id["id-a"]
    old = conn.compute._record(server, "live-migration", "completed", "lab-compute-2")
    with pytest.raises(sdk_exc.ResourceTimeout):  # nothing newer than `old` ever appears
        ops.wait_for_migration(conn, "id-a", after=old.id)
    conn.compute._record(server, "live-migration", "error", None)
    with pytest.raises(CourseError, match="failed") as err:
        ops.wait_for_migration(conn, "id-a", after=old.id)
    assert "ended as error" in err.value.detail
    server.status, server.fault = "ERROR", {"message": "boom"}
    with pytest.raises(CourseError, match="ERROR") as err:
        ops.wait_for_migration(conn, "id-a")
    assert "boom" in err.value.detail


def test_settle_waits_for_the_task_to_end() -> None:
    conn = cloud(servers=[srv("a", task_state="powering-on")])
    with pytest.raises(sdk_exc.ResourceTimeout):
        ops.settle(conn, "id-a")
    conn.compute.by_id["id-a"].task_state = None
    assert ops.settle(conn, "id-a").name == "a"


def test_wait_for_cleanup_waits_for_done_evacuations() -> None:
    conn = cloud(servers=[srv("pet"), srv("db"), srv("never-moved")])
    record = conn.compute._record(conn.compute.by_id["id-pet"], "evacuation", "done",
                                  "lab-compute-2")
    with pytest.raises(sdk_exc.ResourceTimeout):
        ops.wait_for_cleanup(conn, ["id-pet", "id-never-moved"])
    record.status = "completed"  # the host came back and deleted its stale copy
    lines = ops.wait_for_cleanup(conn, ["id-pet", "id-never-moved"])
    assert lines == [f"pet: evacuation record #{record.id} is completed"]
    assert ops.wait_for_cleanup(conn, []) == []


def test_wait_for_host_times_out() -> None:
    conn = cloud([svc("lab-compute-1", state="down"), svc("lab-compute-2")])
    with pytest.raises(sdk_exc.ResourceTimeout):
        ops.wait_for_host(conn, "lab-compute-1")
    assert not ops.wait_for_host(conn, "lab-compute-1", up=False).up


@pytest.mark.parametrize(
    ("auth_url", "hosts", "installed", "expected"),
    [
        ("http://127.0.0.1:5000/v3", ["lab-compute-1", "lab-compute-2"], True, True),
        ("http://localhost:5000/v3", ["lab-compute-1"], True, True),
        ("https://cloud.example.com:5000/v3", ["lab-compute-1", "lab-compute-2"], True, False),
        ("http://127.0.0.1:5000/v3", ["lab-compute-1", "node7"], True, False),
        ("http://127.0.0.1:5000/v3", ["lab-compute-1", "lab-compute-2"], False, False),
        ("http://127.0.0.1:5000/v3", [], True, False),
    ],
)
def test_looks_like_lab(auth_url: str, hosts: list[str], installed: bool, expected: bool) -> None:
    assert ops.looks_like_lab(auth_url, hosts, installed) is expected


def test_is_course_lab_reads_the_connection() -> None:
    assert ops.is_course_lab(cloud()) is True  # labsetup is installed in the course venv
    assert ops.is_course_lab(cloud(auth_url="https://keystone.example.org/v3")) is False
    member = cloud()

    def forbidden(**query: Any) -> Any:
        raise sdk_exc.ForbiddenException("Policy doesn't allow os_compute_api:os-services:list")

    member.compute.services = forbidden  # a plain member may not list the compute services
    assert ops.is_course_lab(member) is False


class Runner:
    def __init__(self, returncode: int = 0) -> None:
        self.argv: list[list[str]] = []
        self.returncode = returncode

    def __call__(self, argv: Any) -> subprocess.CompletedProcess[str]:
        self.argv.append(list(argv))
        return subprocess.CompletedProcess(argv, self.returncode, stdout="ok\n", stderr="bad")


def test_power_on_another_cloud_does_nothing() -> None:
    runner = Runner()
    result = ops.power_off("lab-compute-1", runner=runner, lab=False)
    assert not result.done and "instructor pulls the plug" in str(result)
    assert runner.argv == []


def test_power_in_the_lab_runs_labsetup() -> None:
    runner = Runner()
    result = ops.power_off("lab-compute-2", runner=runner, lab=True)
    assert result.done and result.message == "ok"
    assert runner.argv == [[sys.executable, "-m", "labsetup", "host", "stop", "lab-compute-2"]]
    ops.power_on("lab-compute-2", runner=runner, lab=True)
    assert runner.argv[-1][-2:] == ["start", "lab-compute-2"]
    with pytest.raises(CourseError, match="could not stop"):
        ops.power_off("lab-compute-1", runner=Runner(1), lab=True)
    with pytest.raises(CourseError, match="No lab host"):
        ops.power_off("esx01", runner=runner, lab=True)
    with pytest.raises(ValueError):
        ops.power("lab-compute-1", "reboot", lab=True)


def test_restore_hosts_in_the_lab_puts_everything_back() -> None:
    admin = cloud([
        svc("lab-compute-1", state="down", forced=True),
        svc("lab-compute-2", status="disabled", reason="anything"),
    ])
    admin.compute.unforce_refusals = 2
    runner = Runner()
    steps = ops.restore_hosts(admin, runner=runner, lab=True)
    assert runner.argv == [[sys.executable, "-m", "labsetup", "host", "start", "lab-compute-1"]]
    assert ops.all_hosts_normal(ops.host_states(admin))
    assert any("no longer forced down" in s for s in steps)
    assert any("lab-compute-2: enabled again" in s for s in steps)
    assert ops.restore_hosts(admin, runner=runner, lab=True) == []  # nothing left to do


def test_restore_hosts_elsewhere_only_undoes_the_course() -> None:
    admin = cloud([
        svc("node1", state="down", forced=True),
        svc("node2", status="disabled", reason="osworkshop-nb09: practice"),
        svc("node3", status="disabled", reason="RMA ticket 12"),
    ])
    runner = Runner()
    steps = ops.restore_hosts(admin, runner=runner, lab=False)
    assert runner.argv == []
    states = {s.host: s for s in ops.host_states(admin)}
    assert states["node1"].forced_down and states["node2"].enabled
    assert not states["node3"].enabled
    assert steps == ["node2: enabled again (was disabled: osworkshop-nb09: practice)"]


# --------------------------------------------------------------------------- explanations


@pytest.mark.parametrize(
    ("exc", "title"),
    [
        (sdk_exc.BadRequestException("x", details="No valid host was found."),
         "Nova found no host"),
        (sdk_exc.BadRequestException("x", details="Compute host node9 could not be found."),
         "No such compute host"),
        (sdk_exc.BadRequestException("x", details="Compute service of h1 is still in use."),
         "still looks alive"),
        (sdk_exc.BadRequestException(
            "x", details="Unable to force up host h1 as `done` evacuation migration records "
            "remain associated with the host."), "not cleaned up"),
        (sdk_exc.ConflictException(
            "x", details="Compute service of h1 is unavailable at this time."), "host is down"),
        (sdk_exc.ForbiddenException(
            "x", details="Policy doesn't allow os_compute_api:os-migrate-server:migrate_live "
            "to be performed."), "Your role does not allow this"),
        (sdk_exc.ForbiddenException(
            "x", details="Policy doesn't allow os_compute_api:os-migrate-server:migrate_live:host "
            "to be performed."), "Only an administrator"),
    ],
)
def test_explain_move(exc: BaseException, title: str) -> None:
    err = ops.explain_move(exc)
    assert err is not None and title in err.title
    assert "Client Error" not in err.detail and err.original is exc


def test_explain_move_falls_back_to_the_course_explanations() -> None:
    err = ops.explain_move(sdk_exc.NotFoundException("x", details="Instance abc not found"))
    assert err is not None and err.title == "Not found"
    assert ops.explain_move(ValueError("plain")) is None


# --------------------------------------------------------------------------- herd and loop


def test_member_health() -> None:
    alive = ops.to_member(srv("a"))
    assert alive.healthy and "healthy" in str(alive)
    assert ops.Member("i", "b", "ACTIVE", "h", "MAINTENANCE").healthy
    dead = ops.Member("i", "c", "ACTIVE", "h", "DOWN")
    assert not dead.healthy and "NOT healthy" in str(dead)
    assert not ops.Member("i", "d", "ERROR", "h", "UP").healthy
    assert ops.Member("i", "e", "ACTIVE").healthy  # no host_status: trust the status


def test_observe_skips_servers_being_deleted() -> None:
    admin = cloud(servers=[
        srv("c-2", tags=["herd"]), srv("c-1", tags=["herd"]),
        srv("c-3", tags=["herd"], task_state="deleting"), srv("x"),
    ])
    assert [m.name for m in ops.observe(admin, "herd")] == ["c-1", "c-2"]


def test_trust_the_status_misses_a_dead_host() -> None:
    members = [ops.Member("1", "a", "ACTIVE", "h1", "UP"),
               ops.Member("2", "b", "ACTIVE", "h2", "DOWN")]
    assert ops.trust_the_status(members, 2).empty
    assert ops.trust_the_status(members, 3) == ops.Plan((), 1)
    broken = [ops.Member("3", "c", "ERROR", "h1", "UP")]
    assert ops.trust_the_status(broken, 1) == ops.Plan(("3",), 1)
    assert str(ops.Plan()) == "nothing to do" and str(ops.Plan(("1",), 2)) == "delete 1, create 2"


def test_check_plan_makes_a_learner_plan_safe() -> None:
    members = [ops.Member("1", "a", "ACTIVE")]
    with pytest.raises(CourseError, match="Plan"):
        ops.check_plan({"delete": []}, members, 3)
    plan, notes = ops.check_plan(ops.Plan(("1", "zzz"), 10), members, 3)
    assert plan == ops.Plan(("1",), 3)
    assert any("zzz is not in the herd" in n for n in notes)
    assert any("capped at 3" in n for n in notes)
    plan, notes = ops.check_plan(ops.Plan((), -2), members, 3)
    assert plan.create == 0 and "negative" in notes[0]


class HerdCompute(Compute):
    """The owner's view: deletes and creates servers."""

    def delete_server(self, server: Any, ignore_missing: bool = True) -> None:
        self.by_id.pop(server.id, None)

    def wait_for_delete(self, server: Any, wait: int = 0) -> None:
        assert server.id not in self.by_id

    def create_server(self, name: str, **kwargs: Any) -> Any:
        host = next(h for h, s in self.svcs.items() if s.state == "up")
        server = srv(name, host=host, status="BUILD", tags=kwargs["tags"])
        server.id = f"new-{name}"
        self.by_id[server.id] = server
        self.calls.append(("create", name, kwargs))
        return server

    def find_flavor(self, name: str, ignore_missing: bool = True) -> Any:
        return SimpleNamespace(id=f"flavor-{name}")

    def wait_for_server(self, server: Any, status: str = "ACTIVE", failures: Any = None,
                        wait: int = 0) -> Any:
        current = self.get_server(server)
        current.status = status
        return current


def test_reconcile_replaces_the_dead() -> None:
    herd = [srv("c-1", tags=["herd"]), srv("c-2", tags=["herd"], host="h2", host_status="DOWN"),
            srv("c-3", tags=["herd"])]
    compute = HerdCompute([svc("lab-compute-1"), svc("h2", state="down", forced=True)], herd)
    conn = SimpleNamespace(
        compute=compute,
        image=SimpleNamespace(find_image=lambda n, ignore_missing=True: SimpleNamespace(id="img")),
        network=SimpleNamespace(
            find_network=lambda n, ignore_missing=True: SimpleNamespace(id="net")
        ),
    )
    spec = ops.HerdSpec(prefix="c-", size=3, tag="herd", extra_tags=(TAG,),
                        metadata={"osworkshop": TAG})

    def decide(members: list[ops.Member], size: int) -> ops.Plan:
        healthy = [m for m in members if m.healthy]
        dead = tuple(m.id for m in members if not m.healthy)
        return ops.Plan(delete=dead, create=size - len(healthy))

    naive = ops.reconcile(conn, spec, ops.trust_the_status)
    assert len(naive) == 1 and naive[0].plan.empty
    history = ops.reconcile(conn, spec, decide)
    assert history[0].deleted == ["c-2"] and history[0].created == ["c-2"]
    assert history[-1].plan.empty and len(history) == 2
    created = next(c for c in compute.calls if c[0] == "create")[2]
    assert created["tags"] == ["herd", TAG] and created["metadata"] == {"osworkshop": TAG}
    assert created["networks"] == [{"uuid": "net"}] and created["flavor_id"] == "flavor-m1.tiny"
    members = ops.observe(conn, "herd")
    assert len(members) == 3 and all(m.healthy for m in members)
    text = ops.report(history)
    assert text.startswith("Round 1: saw 3 servers, 2 healthy; plan: delete 1, create 1")
    assert "deleted c-2" in text and "Round 2" in text
    assert "c-1" in ops.herd_text(members)
    assert ops.herd_text([]) == "(no servers with this tag)"
    assert ops.report([]) == "(no rounds)"


def test_free_names_fill_gaps() -> None:
    assert ops._free_names("c-", ["c-1", "c-3"], 2) == ["c-2", "c-4"]
