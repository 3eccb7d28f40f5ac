"""Notebook 09 checks against a stand-in for Nova's admin API (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb09 import check_drained, check_live_migrated

TAG = "osworkshop-nb09"


def record(rid: int, kind: str, status: str, source: str, dest: str | None) -> Any:
    return SimpleNamespace(id=rid, migration_type=kind, status=status, source_compute=source,
                           dest_compute=dest, created_at="", updated_at="")


class Compute:
    def __init__(self, servers: list[Any], migrations: list[Any] | None = None,
                 services: list[Any] | None = None) -> None:
        self.servers_list = servers
        self.migs = migrations or []
        self.svcs = services or []

    def find_server(self, name: str, ignore_missing: bool = True,
                    all_projects: bool = False) -> Any:
        return next((s for s in self.servers_list if name in (s.id, s.name)), None)

    def get_server(self, server_id: str) -> Any:
        return next(s for s in self.servers_list if s.id == server_id)

    def migrations(self, server_id: str) -> list[Any]:
        return list(reversed(self.migs))

    def services(self, binary: str = "", host: str | None = None) -> list[Any]:
        return [s for s in self.svcs if host in (None, s.host)]

    def servers(self, all_projects: bool = False, compute_host: str | None = None) -> list[Any]:
        return [s for s in self.servers_list if compute_host in (None, s.compute_host)]


def server(name: str, host: str | None = "lab-compute-2", status: str = "ACTIVE",
           tags: list[str] | None = None) -> Any:
    return SimpleNamespace(id=f"id-{name}", name=name, compute_host=host, status=status,
                           tags=[TAG] if tags is None else tags)


def admin(servers: list[Any], migrations: list[Any] | None = None,
          services: list[Any] | None = None) -> Any:
    return SimpleNamespace(compute=Compute(servers, migrations, services))


def test_checks_are_registered() -> None:
    load_exercises()
    assert registry["nb09.live_migrate"] is check_live_migrated
    assert registry["nb09.drain"] is check_drained


# --------------------------------------------------------------------------- live_migrate


def test_live_migrated_passes() -> None:
    conn = admin([server("web2")], [record(7, "live-migration", "completed",
                                           "lab-compute-1", "lab-compute-2")])
    result = check_live_migrated(conn, "web2", "lab-compute-2")
    assert result.passed and "#7" in result.message and "vMotion" in result.message


@pytest.mark.parametrize(
    ("servers", "migrations", "expected"),
    [
        ([], [], "There is no server"),
        ([server("web2", host=None)], [], "cannot see which host"),
        ([server("web2")], [], "has no live-migration record"),
        ([server("web2")], [record(1, "migration", "confirmed", "a", "lab-compute-2")],
         "has no live-migration record"),
        ([server("web2")], [record(2, "live-migration", "error", "lab-compute-2", None)],
         "ended as error"),
        ([server("web2")], [record(3, "live-migration", "running", "a", "lab-compute-2")],
         "still moving"),
        ([server("web2", host="lab-compute-1")],
         [record(4, "live-migration", "completed", "lab-compute-2", "lab-compute-1")],
         "is on lab-compute-1"),
        ([server("web2", status="SHUTOFF")],
         [record(5, "live-migration", "completed", "a", "lab-compute-2")], "SHUTOFF"),
    ],
)
def test_live_migrated_explains_what_is_missing(servers: list[Any], migrations: list[Any],
                                                 expected: str) -> None:
    result = check_live_migrated(admin(servers, migrations), "web2", "lab-compute-2")
    assert not result.passed and expected in result.message


def test_live_migrated_raises_in_strict_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="NOT YET"):
        check_live_migrated(admin([server("web2")]), "web2", "lab-compute-2")


# --------------------------------------------------------------------------- drain


def service(host: str, status: str = "enabled", reason: str | None = None) -> Any:
    return SimpleNamespace(host=host, status=status, state="up", is_forced_down=False,
                           disabled_reason=reason)


def test_drained_passes_and_mentions_other_users() -> None:
    conn = admin(
        [server("web1", host="lab-compute-2"), server("theirs", host="lab-compute-1", tags=[])],
        services=[service("lab-compute-1", "disabled", "firmware")],
    )
    result = check_drained(conn, "lab-compute-1", TAG)
    assert result.passed and "firmware" in result.message
    assert "1 server(s) of other users" in result.message


@pytest.mark.parametrize(
    ("svc", "servers", "expected"),
    [
        (service("h"), [], "still enabled"),
        (service("h", "disabled", " "), [], "without a reason"),
        (service("h", "disabled", "bios"), [server("web1", host="h")], "web1"),
    ],
)
def test_drained_explains_what_is_missing(svc: Any, servers: list[Any], expected: str) -> None:
    result = check_drained(admin(servers, services=[svc]), "h", TAG)
    assert not result.passed and expected in result.message and result.hints
