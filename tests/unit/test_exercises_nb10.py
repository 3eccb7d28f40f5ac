"""Notebook 10 checks against a stand-in for Nova as the project's manager sees it (no lab
needed): hosts and host_status of its own servers, records without host names."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb10 import check_cattle_survive, check_cli_evacuated, check_evacuated

FAILED = "lab-compute-1"


def record(rid: int, kind: str, status: str) -> Any:
    return SimpleNamespace(id=rid, migration_type=kind, status=status, source_compute=None,
                           dest_compute=None, created_at="", updated_at="")


def server(name: str, host: str | None = "lab-compute-2", status: str = "ACTIVE",
           host_status: str | None = "UP", tags: tuple[str, ...] = ("herd",),
           task_state: str | None = None) -> Any:
    return SimpleNamespace(id=f"id-{name}", name=name, compute_host=host, status=status,
                           host_status=host_status, tags=list(tags), task_state=task_state,
                           project_id="demo-project")


class Compute:
    def __init__(self, servers: list[Any], migrations: list[Any] | None = None) -> None:
        self.servers_list = servers
        self.migs = migrations or []
        self.gets = 0

    def find_server(self, name: str, ignore_missing: bool = True) -> Any:
        return next((s for s in self.servers_list if name in (s.id, s.name)), None)

    def get_server(self, server_id: Any) -> Any:
        self.gets += 1
        server_id = getattr(server_id, "id", server_id)
        return next(s for s in self.servers_list if s.id == server_id)

    def migrations(self, server_id: str, project_id: str) -> list[Any]:
        assert project_id == "demo-project"
        return list(reversed(self.migs))

    def servers(self, tags: str | None = None) -> list[Any]:
        return [s for s in self.servers_list if tags is None or tags in s.tags]


def conn(servers: list[Any], migrations: list[Any] | None = None) -> Any:
    return SimpleNamespace(compute=Compute(servers, migrations))


def test_checks_are_registered() -> None:
    load_exercises()
    assert registry["nb10.evacuated"] is check_evacuated
    assert registry["nb10.cli_evacuate"] is check_cli_evacuated
    assert registry["nb10.cattle"] is check_cattle_survive


# --------------------------------------------------------------------------- evacuated

EVACUATED = record(9, "evacuation", "done")


def test_evacuated_passes() -> None:
    result = check_evacuated(conn([server("pet")], [EVACUATED]), "pet", FAILED)
    assert result.passed and "#9" in result.message and "vSphere HA" in result.message


@pytest.mark.parametrize(
    ("servers", "migrations", "expected"),
    [
        ([], [], "There is no server"),
        ([server("pet", host=None)], [], "cannot see which host"),
        ([server("pet", host=FAILED)], [], "still on lab-compute-1"),
        ([server("pet")], [], "no evacuation record"),
        ([server("pet")], [record(3, "live-migration", "completed")], "no evacuation record"),
        ([server("pet")], [record(4, "evacuation", "pre-migrating")], "is pre-migrating"),
        ([server("pet", status="REBUILD", task_state="rebuilding")], [EVACUATED],
         "task: rebuilding"),
        ([server("pet", status="SHUTOFF")], [EVACUATED], "arrives stopped"),
        ([server("pet", status="ERROR")], [EVACUATED], "ERROR, not ACTIVE"),
    ],
)
def test_evacuated_explains_what_is_missing(servers: list[Any], migrations: list[Any],
                                            expected: str) -> None:
    result = check_evacuated(conn(servers, migrations), "pet", FAILED, settle=0)
    assert not result.passed and expected in result.message


def test_the_check_waits_while_nova_is_busy() -> None:
    busy = server("pet", status="SHUTOFF", task_state="powering-on")
    cloud = conn([busy], [EVACUATED])
    original = cloud.compute.get_server

    def started(server_id: Any) -> Any:  # the start finishes on the third look
        found = original(server_id)
        if cloud.compute.gets >= 3:
            found.status, found.task_state = "ACTIVE", None
        return found

    cloud.compute.get_server = started
    assert check_evacuated(cloud, "pet", FAILED, settle=30).passed


def test_cli_evacuation_hints_name_the_commands() -> None:
    result = check_cli_evacuated(conn([server("db", status="SHUTOFF")], [EVACUATED]), "db",
                                 FAILED, settle=0)
    assert not result.passed and "openstack --os-cloud lab-demo server start db" in result.hints[0]
    stuck = check_cli_evacuated(conn([server("db", host=FAILED)]), "db", FAILED, settle=0)
    assert "server evacuate db" in stuck.hints[0]


# --------------------------------------------------------------------------- cattle


def test_cattle_pass_on_the_survivor() -> None:
    herd = [server(f"c-{n}") for n in (1, 2, 3)] + [server("pet", tags=())]
    result = check_cattle_survive(conn(herd), "herd", 3, FAILED)
    assert result.passed and "3 cattle are ACTIVE on lab-compute-2" in result.message


def test_cattle_on_the_dead_host_must_be_deleted() -> None:
    herd = [server("c-1"), server("c-2"), server("c-3"),
            server("c-4", host=FAILED, host_status="UNKNOWN")]
    result = check_cattle_survive(conn(herd), "herd", 3, FAILED)
    assert not result.passed and "c-4" in result.message and "Replace" in result.hints[0]


def test_trusting_the_status_is_not_enough() -> None:
    herd = [server("c-1"), server("c-2"), server("c-3", host=FAILED, host_status="DOWN")]
    result = check_cattle_survive(conn(herd), "herd", 3, FAILED)
    assert not result.passed and "dead host" in result.message


def test_too_few_cattle() -> None:
    result = check_cattle_survive(conn([server("c-1"), server("c-2")]), "herd", 3, FAILED)
    assert not result.passed and "2 healthy member(s), not 3" in result.message


def test_cattle_need_to_see_hosts() -> None:
    herd = [server("c-1", host=None, host_status=None)]
    result = check_cattle_survive(conn(herd), "herd", 1, FAILED)
    assert not result.passed and "cannot see hosts" in result.message
