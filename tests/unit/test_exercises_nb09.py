"""Notebook 09 checks against a stand-in for Nova as the project's manager sees it (no lab
needed): the hosts of its own servers, its migration records without host names."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb09 import check_cli_live_migrated, check_drained, check_live_migrated

TAG = "osworkshop-nb09"


def record(rid: int, kind: str, status: str) -> Any:
    return SimpleNamespace(id=rid, migration_type=kind, status=status, source_compute=None,
                           dest_compute=None, created_at="", updated_at="")


class Compute:
    def __init__(self, servers: list[Any], migrations: list[Any] | None = None,
                 services: list[Any] | None = None) -> None:
        self.servers_list = servers
        self.migs = migrations or []
        self.svcs = services

    def find_server(self, name: str, ignore_missing: bool = True) -> Any:
        return next((s for s in self.servers_list if name in (s.id, s.name)), None)

    def get_server(self, server_id: Any) -> Any:
        server_id = getattr(server_id, "id", server_id)
        return next(s for s in self.servers_list if s.id == server_id)

    def migrations(self, server_id: str, project_id: str) -> list[Any]:
        assert project_id == "demo-project"  # a manager must name the project
        return list(reversed(self.migs.get(server_id, []) if isinstance(self.migs, dict)
                             else self.migs))

    def services(self, binary: str = "", host: str | None = None) -> list[Any]:
        if self.svcs is None:
            raise sdk_exc.ForbiddenException("Policy doesn't allow os_compute_api:os-services:list")
        return [s for s in self.svcs if host in (None, s.host)]

    def servers(self, tags: str | None = None) -> list[Any]:
        return [s for s in self.servers_list if tags is None or tags in s.tags]


def server(name: str, host: str | None = "lab-compute-2", status: str = "ACTIVE",
           task_state: str | None = None, tags: list[str] | None = None) -> Any:
    return SimpleNamespace(id=f"id-{name}", name=name, compute_host=host, status=status,
                           task_state=task_state, project_id="demo-project",
                           tags=[TAG] if tags is None else tags)


def conn(servers: list[Any], migrations: Any = None, services: list[Any] | None = None) -> Any:
    return SimpleNamespace(compute=Compute(servers, migrations, services))


def test_checks_are_registered() -> None:
    load_exercises()
    assert registry["nb09.live_migrate"] is check_live_migrated
    assert registry["nb09.cli_live_migrate"] is check_cli_live_migrated
    assert registry["nb09.drain"] is check_drained


# --------------------------------------------------------------------------- live_migrate


def test_live_migrated_passes() -> None:
    cloud = conn([server("web2")], [record(7, "live-migration", "completed")])
    result = check_live_migrated(cloud, "web2", "lab-compute-1")
    assert result.passed and "#7" in result.message and "vMotion" in result.message
    assert "it was on lab-compute-1" in result.message


@pytest.mark.parametrize(
    ("servers", "migrations", "expected"),
    [
        ([], [], "There is no server"),
        ([server("web2", host=None)], [], "cannot see which host"),
        ([server("web2", host="lab-compute-1")], [], "has not been live-migrated yet"),
        ([server("web2", host="lab-compute-1")], [record(1, "migration", "confirmed")],
         "has not been live-migrated yet"),
        ([server("web2", status="VERIFY_RESIZE")], [record(1, "migration", "finished")],
         "cold migration"),
        ([server("web2")], [record(2, "live-migration", "error")], "ended as error"),
        ([server("web2", host="lab-compute-1", status="MIGRATING", task_state="migrating")],
         [record(3, "live-migration", "running")], "still moving"),
        ([server("web2", host="lab-compute-1", status="MIGRATING", task_state="migrating")],
         [], "still moving"),
        ([server("web2")], [record(3, "live-migration", "running")], "still moving"),
        ([server("web2", host="lab-compute-1")], [record(4, "live-migration", "completed")],
         "on lab-compute-1 again"),
        ([server("web2", status="SHUTOFF")], [record(5, "live-migration", "completed")],
         "SHUTOFF"),
    ],
)
def test_live_migrated_explains_what_is_missing(servers: list[Any], migrations: list[Any],
                                                 expected: str) -> None:
    result = check_live_migrated(conn(servers, migrations), "web2", "lab-compute-1", settle=0)
    assert not result.passed and expected in result.message


def test_a_fresh_copy_is_the_hint_while_it_moves() -> None:
    moving = server("web2", host="lab-compute-1", status="MIGRATING", task_state="migrating")
    result = check_live_migrated(conn([moving], [record(3, "live-migration", "running")]),
                                 "web2", "lab-compute-1")
    assert "fresh copy" in result.hints[0]


def test_cli_live_migration_counts_only_newer_records() -> None:
    cloud = conn([server("web1")], [record(4, "live-migration", "completed")])
    assert not check_cli_live_migrated(cloud, "web1", "lab-compute-1", after=4).passed
    assert check_cli_live_migrated(cloud, "web1", "lab-compute-1", after=3).passed
    result = check_cli_live_migrated(cloud, "web1", "lab-compute-1", after=4)
    assert "--live-migration" in " ".join(result.hints)


def test_live_migrated_raises_in_strict_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="NOT YET"):
        check_live_migrated(conn([server("web2", host="lab-compute-1")]), "web2",
                            "lab-compute-1")


# --------------------------------------------------------------------------- drain


def service(host: str, status: str = "enabled", reason: str | None = None) -> Any:
    return SimpleNamespace(host=host, status=status, state="up", is_forced_down=False,
                           disabled_reason=reason)


def test_drained_passes_and_says_whether_the_host_is_disabled() -> None:
    servers = [server("web1"), server("web2"), server("other", host="lab-compute-1", tags=[])]
    migs = {"id-web1": [record(1, "live-migration", "completed")]}
    disabled = conn(servers, migs, [service("lab-compute-1", "disabled", "firmware")])
    result = check_drained(disabled, "lab-compute-1", TAG)
    assert result.passed and "firmware" in result.message
    enabled = check_drained(conn(servers, migs, [service("lab-compute-1")]), "lab-compute-1",
                            TAG)
    assert enabled.passed and "still enabled" in enabled.message
    member = check_drained(conn(servers, migs, None), "lab-compute-1", TAG)
    assert member.passed  # a role that may not list services still gets its answer


@pytest.mark.parametrize(
    ("servers", "migrations", "expected"),
    [
        ([], {}, "no servers tagged"),
        ([server("web1", host=None)], {}, "cannot see which host"),
        ([server("web1", status="MIGRATING", task_state="migrating")], {}, "still moving"),
        ([server("web1", host="h"), server("web2", host="h")], {}, "web1, web2"),
        ([server("web1", status="VERIFY_RESIZE")], {}, "cold migration"),
        ([server("web1")], {"id-web1": [record(1, "migration", "confirmed")]}, "cold migration"),
        ([server("web1", status="SHUTOFF")], {}, "web1 is SHUTOFF"),
    ],
)
def test_drained_explains_what_is_missing(servers: list[Any], migrations: dict[str, Any],
                                          expected: str) -> None:
    result = check_drained(conn(servers, migrations, [service("h")]), "h", TAG)
    assert not result.passed and expected in result.message and result.hints
