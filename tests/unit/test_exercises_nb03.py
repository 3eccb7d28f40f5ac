"""The nb03.placement check against a tiny stand-in connection: wrong answers fail, right pass."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.architecture import host_id
from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb03 import check_placement

PROJECT = "proj1"
EVENTS = [
    SimpleNamespace(
        event="compute__do_build_and_run_instance",
        start_time="2026-11-23T10:00:02",
        finish_time="2026-11-23T10:00:05",
        result="Success",
        host=None,
        host_id="h",
    ),
]


def cloud(*, admin: bool, events: list[Any] = EVENTS) -> Any:
    server = SimpleNamespace(
        id="s1",
        name="osworkshop-nb03-traced",
        project_id=PROJECT,
        compute_host="lab-compute-2" if admin else None,
        host_id=host_id(PROJECT, "lab-compute-2"),
    )
    action = SimpleNamespace(
        action="create", request_id="req-1", start_time="2026-11-23T10:00:00", events=events
    )

    def find_server(name: str, ignore_missing: bool = True) -> Any:
        return server if name in (server.name, server.id) else None

    compute = SimpleNamespace(
        find_server=find_server,
        get_server=lambda sid: server,
        server_actions=lambda s: [SimpleNamespace(request_id="req-1")],
        get_server_action=lambda rid, s: action,
    )
    return SimpleNamespace(compute=compute)


@pytest.fixture(autouse=True)
def not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)


def test_registered() -> None:
    load_exercises()
    assert registry["nb03.placement"] is check_placement


@pytest.mark.parametrize("admin", [True, False])
def test_right_answer_passes(admin: bool) -> None:
    result = check_placement(
        cloud(admin=admin),
        "osworkshop-nb03-traced",
        "lab-compute-2",
        "compute__do_build_and_run_instance",
    )
    assert result.passed, result
    assert "3 s" in result.message


@pytest.mark.parametrize("admin", [True, False])
def test_wrong_host_fails(admin: bool) -> None:
    result = check_placement(
        cloud(admin=admin),
        "osworkshop-nb03-traced",
        "lab-compute-1",
        "compute__do_build_and_run_instance",
    )
    assert not result.passed and "does not run on 'lab-compute-1'" in result.message


def test_wrong_event_fails() -> None:
    result = check_placement(
        cloud(admin=True), "osworkshop-nb03-traced", "lab-compute-2", "schedule_instances"
    )
    assert not result.passed and "not the longest event" in result.message
    assert not any("is an action" in h for h in result.hints)


def test_an_action_name_is_not_an_event() -> None:
    result = check_placement(cloud(admin=True), "osworkshop-nb03-traced", "lab-compute-2", "create")
    assert not result.passed
    assert any("'create' is an action" in h for h in result.hints)


@pytest.mark.parametrize("admin", [True, False])
def test_the_host_id_hash_is_not_a_host_name(admin: bool) -> None:
    result = check_placement(
        cloud(admin=admin),
        "osworkshop-nb03-traced",
        host_id(PROJECT, "lab-compute-2"),
        "compute__do_build_and_run_instance",
    )
    assert not result.passed and any("hostId" in h for h in result.hints)


@pytest.mark.parametrize(("host", "event", "missing"), [
    (..., ..., "my_host and my_event"),
    ("lab-compute-2", ..., "my_event"),
    (None, "compute__do_build_and_run_instance", "my_host"),
])
def test_blanks_ask_to_be_filled_in(host: Any, event: Any, missing: str) -> None:
    result = check_placement(cloud(admin=True), "osworkshop-nb03-traced", host, event)
    assert not result.passed and result.message.startswith(f"Fill in {missing}:")
    assert any("compute_host" in h for h in result.hints), "the first general hint follows"


def test_unknown_server_and_no_events_fail() -> None:
    assert not check_placement(cloud(admin=True), "nope", "lab-compute-2", "x").passed
    result = check_placement(
        cloud(admin=True, events=[]), "osworkshop-nb03-traced", "lab-compute-2", "x"
    )
    assert not result.passed and "no finished" in result.message


def test_strict_mode_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError):
        check_placement(cloud(admin=True), "osworkshop-nb03-traced", "lab-compute-1", "x")
