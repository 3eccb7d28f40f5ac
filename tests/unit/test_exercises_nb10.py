"""Notebook 10 checks against a stand-in for Nova's admin API (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb10 import check_cattle_survive, check_evacuated

FAILED = "lab-compute-1"


def record(rid: int, kind: str, status: str, source: str, dest: str) -> Any:
    return SimpleNamespace(id=rid, migration_type=kind, status=status, source_compute=source,
                           dest_compute=dest, created_at="", updated_at="")


def server(name: str, host: str | None = "lab-compute-2", status: str = "ACTIVE",
           host_status: str | None = "UP", tags: tuple[str, ...] = ("herd",)) -> Any:
    return SimpleNamespace(id=f"id-{name}", name=name, compute_host=host, status=status,
                           host_status=host_status, tags=list(tags), task_state=None)


class Compute:
    def __init__(self, servers: list[Any], migrations: list[Any] | None = None) -> None:
        self.servers_list = servers
        self.migs = migrations or []

    def find_server(self, name: str, ignore_missing: bool = True,
                    all_projects: bool = False) -> Any:
        return next((s for s in self.servers_list if name in (s.id, s.name)), None)

    def get_server(self, server_id: str) -> Any:
        return next(s for s in self.servers_list if s.id == server_id)

    def migrations(self, server_id: str) -> list[Any]:
        return list(reversed(self.migs))

    def servers(self, all_projects: bool = False, tags: str | None = None) -> list[Any]:
        return [s for s in self.servers_list if tags is None or tags in s.tags]


def admin(servers: list[Any], migrations: list[Any] | None = None) -> Any:
    return SimpleNamespace(compute=Compute(servers, migrations))


def test_checks_are_registered() -> None:
    load_exercises()
    assert registry["nb10.evacuated"] is check_evacuated
    assert registry["nb10.cattle"] is check_cattle_survive


# --------------------------------------------------------------------------- evacuated

EVACUATED = record(9, "evacuation", "done", FAILED, "lab-compute-2")


def test_evacuated_passes() -> None:
    result = check_evacuated(admin([server("pet")], [EVACUATED]), "pet", FAILED)
    assert result.passed and "#9" in result.message and "vSphere HA" in result.message


@pytest.mark.parametrize(
    ("servers", "migrations", "expected"),
    [
        ([], [], "There is no server"),
        ([server("pet", host=None)], [], "cannot see hosts"),
        ([server("pet", host=FAILED)], [], "still on lab-compute-1"),
        ([server("pet")], [], "no evacuation record"),
        ([server("pet")], [record(3, "live-migration", "completed", FAILED, "lab-compute-2")],
         "no evacuation record"),
        ([server("pet")], [record(4, "evacuation", "pre-migrating", FAILED, "lab-compute-2")],
         "is pre-migrating"),
        ([server("pet", status="SHUTOFF")], [EVACUATED], "arrives stopped"),
        ([server("pet", status="ERROR")], [EVACUATED], "ERROR, not ACTIVE"),
    ],
)
def test_evacuated_explains_what_is_missing(servers: list[Any], migrations: list[Any],
                                            expected: str) -> None:
    result = check_evacuated(admin(servers, migrations), "pet", FAILED)
    assert not result.passed and expected in result.message


# --------------------------------------------------------------------------- cattle


def test_cattle_pass_on_the_survivor() -> None:
    herd = [server(f"c-{n}") for n in (1, 2, 3)] + [server("pet", tags=())]
    result = check_cattle_survive(admin(herd), "herd", 3, FAILED)
    assert result.passed and "3 cattle are ACTIVE on lab-compute-2" in result.message


def test_cattle_on_the_dead_host_must_be_deleted() -> None:
    herd = [server("c-1"), server("c-2"), server("c-3"),
            server("c-4", host=FAILED, host_status="DOWN")]
    result = check_cattle_survive(admin(herd), "herd", 3, FAILED)
    assert not result.passed and "c-4" in result.message and "Replace" in result.hints[0]


def test_trusting_the_status_is_not_enough() -> None:
    herd = [server("c-1"), server("c-2"), server("c-3", host=FAILED, host_status="DOWN")]
    result = check_cattle_survive(admin(herd), "herd", 3, FAILED)
    assert not result.passed and "dead host" in result.message


def test_too_few_cattle() -> None:
    result = check_cattle_survive(admin([server("c-1"), server("c-2")]), "herd", 3, FAILED)
    assert not result.passed and "2 healthy member(s), not 3" in result.message


def test_cattle_need_the_admin_view() -> None:
    herd = [server("c-1", host=None, host_status=None)]
    result = check_cattle_survive(admin(herd), "herd", 1, FAILED)
    assert not result.passed and "cannot see hosts" in result.message
