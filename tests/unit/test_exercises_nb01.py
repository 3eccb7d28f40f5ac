from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import hint, load_exercises, registry
from osworkshop.exercises.nb01 import check_healed, check_herd


@pytest.fixture(autouse=True)
def not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)


def srv(name: str, status: str = "ACTIVE", **extra: Any) -> Any:
    extra.setdefault("id", f"id-{name}")
    return SimpleNamespace(name=name, status=status, **extra)


def cloud(*servers: Any, deleted: tuple[Any, ...] = ()) -> Any:
    """Nova as a member sees it: ``changes_since`` also lists the servers deleted lately."""

    def listing(**query: Any) -> list[Any]:
        return [*servers, *deleted] if "changes_since" in query else list(servers)

    return SimpleNamespace(compute=SimpleNamespace(servers=listing))


GONE = srv("cow-2", "DELETED")  # the cow the learner deleted


def test_heal_check_is_registered() -> None:
    load_exercises()
    assert registry["nb01.heal"] is check_healed
    assert registry["nb01.herd"] is check_herd
    assert hint("nb01.heal", 1).startswith("Hint 1 of 3: First break the herd")


def test_herd_one_short_names_the_range() -> None:
    result = check_herd(cloud(srv("cow-1"), srv("cow-2")), "cow-", 3)
    assert not result.passed and "Found 2 server(s)" in " ".join(result.hints)
    assert any("range(1, 3)" in h for h in result.hints)


def test_herd_of_mixed_flavors_fails_and_a_herd_passes() -> None:
    tiny, small = {"original_name": "m1.tiny"}, {"original_name": "m1.small"}
    mixed = cloud(srv("cow-1", flavor=tiny), srv("cow-2", flavor=tiny), srv("cow-3", flavor=small))
    assert "mixes flavors" in check_herd(mixed, "cow-", 3).message
    same = cloud(*(srv(f"cow-{n}", flavor=tiny) for n in (1, 2, 3)))
    assert check_herd(same, "cow-", 3).passed


def test_heal_without_a_herd_or_an_answer() -> None:
    result = check_healed(cloud(), "cow-", 3, ...)
    assert not result.passed and "no herd to heal" in result.message
    result = check_healed(cloud(srv("cow-1"), srv("cow-2"), srv("cow-3")), "cow-", 3, ...)
    assert "Fill in victim_id" in result.message
    assert not check_healed(cloud(srv("cow-1")), "cow-", 3).passed  # None: not filled in


def test_heal_fails_while_a_server_is_missing() -> None:
    result = check_healed(cloud(srv("cow-1"), srv("cow-3"), deleted=(GONE,)), "cow-", 3, "id-cow-2")
    assert not result.passed and result.exercise == "nb01.heal"
    assert "2 server(s)" in result.message and "back at 3" in result.message


def test_heal_fails_when_the_deleted_server_is_still_there() -> None:
    herd = cloud(srv("cow-1"), srv("cow-2"), srv("cow-3"))
    result = check_healed(herd, "cow-", 3, "id-cow-2")
    assert not result.passed and "still in the herd" in result.message


def test_heal_ignores_a_server_being_deleted() -> None:
    herd = cloud(srv("cow-1"), srv("cow-2", task_state="deleting"), srv("cow-3"))
    result = check_healed(herd, "cow-", 3, "id-cow-2")
    assert not result.passed and "not deleted yet" in result.message


def test_heal_names_a_name_given_for_an_id() -> None:
    healed = cloud(srv("cow-1"), srv("cow-2", id="id-new"), srv("cow-3"), deleted=(GONE,))
    result = check_healed(healed, "cow-", 3, "cow-2")
    assert not result.passed and "a name" in result.message


def test_heal_wants_the_id_of_a_deleted_cow() -> None:
    healed = cloud(srv("cow-1"), srv("cow-2", id="id-new"), srv("cow-3"),
                   deleted=(srv("pet", "DELETED"),))
    assert "knows no server" in check_healed(healed, "cow-", 3, "id-nothing").message
    assert "not a cow" in check_healed(healed, "cow-", 3, "id-pet").message


def test_heal_fails_with_too_many_or_not_active() -> None:
    four = cloud(*(srv(f"cow-{n}") for n in (1, 3, 4, 5)), deleted=(GONE,))
    assert "4 servers" in check_healed(four, "cow-", 3, "id-cow-2").message
    building = cloud(srv("cow-1"), srv("cow-3"), srv("cow-4", "BUILD"), deleted=(GONE,))
    result = check_healed(building, "cow-", 3, "id-cow-2")
    assert not result.passed and any("cow-4 (BUILD)" in h for h in result.hints)
    sick = srv("cow-4", "ERROR", fault={"code": 500, "message": "No valid host was found."})
    result = check_healed(cloud(srv("cow-1"), srv("cow-3"), sick, deleted=(GONE,)), "cow-", 3,
                          "id-cow-2")
    assert any("No compute node could take cow-4" in h for h in result.hints)


def test_heal_passes_when_the_replacement_is_active() -> None:
    healed = cloud(srv("cow-1"), srv("cow-3"), srv("cow-4"), srv("pet"), deleted=(GONE,))
    result = check_healed(healed, "cow-", 3, "id-cow-2")
    assert result.passed and "the loop replaced it" in result.message
    same_name = cloud(srv("cow-1"), srv("cow-2", id="id-new"), srv("cow-3"), deleted=(GONE,))
    result = check_healed(same_name, "cow-", 3, "id-cow-2")
    assert result.passed and "back with a new ID (id-new…)" in result.message
