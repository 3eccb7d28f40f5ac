from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from osworkshop.checks import hint, load_exercises, registry
from osworkshop.exercises.nb01 import check_healed


def srv(name: str, status: str = "ACTIVE", **extra: Any) -> Any:
    return SimpleNamespace(id=f"id-{name}", name=name, status=status, **extra)


def cloud(*servers: Any) -> Any:
    return SimpleNamespace(compute=SimpleNamespace(servers=lambda: list(servers)))


def test_heal_check_is_registered() -> None:
    load_exercises()
    assert registry["nb01.heal"] is check_healed
    assert hint("nb01.heal", 1).startswith("Hint 1 of 3: First break the herd")


def test_heal_fails_while_a_server_is_missing() -> None:
    result = check_healed(cloud(srv("cow-1"), srv("cow-3")), "cow-", 3, "id-cow-2")
    assert not result.passed and result.exercise == "nb01.heal"
    assert "2 server(s)" in result.message and "back at 3" in result.message


def test_heal_fails_when_the_deleted_server_is_still_there() -> None:
    herd = cloud(srv("cow-1"), srv("cow-2"), srv("cow-3"))
    result = check_healed(herd, "cow-", 3, "id-cow-2")
    assert not result.passed and "still in the herd" in result.message


def test_heal_ignores_a_server_being_deleted() -> None:
    herd = cloud(srv("cow-1"), srv("cow-2", task_state="deleting"), srv("cow-3"))
    assert not check_healed(herd, "cow-", 3, "id-cow-2").passed  # only 2 left: not healed yet


def test_heal_fails_with_too_many_or_not_active() -> None:
    four = cloud(*(srv(f"cow-{n}") for n in range(1, 5)))
    assert "4 servers" in check_healed(four, "cow-", 3).message
    building = cloud(srv("cow-1"), srv("cow-3"), srv("cow-4", "BUILD"))
    result = check_healed(building, "cow-", 3, "id-cow-2")
    assert not result.passed and any("cow-4 (BUILD)" in h for h in result.hints)
    sick = srv("cow-4", "ERROR", fault={"code": 500, "message": "No valid host was found."})
    result = check_healed(cloud(srv("cow-1"), srv("cow-3"), sick), "cow-", 3, "id-cow-2")
    assert any("No compute node could take cow-4" in h for h in result.hints)


def test_heal_passes_when_the_replacement_is_active() -> None:
    healed = cloud(srv("cow-1"), srv("cow-3"), srv("cow-4"), srv("pet"))
    result = check_healed(healed, "cow-", 3, "id-cow-2")
    assert result.passed and "the loop replaced it" in result.message
    assert check_healed(healed, "cow-", 3).passed
