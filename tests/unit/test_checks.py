from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from openstack import exceptions as sdk_exc

from osworkshop.checks import CheckResult, expect, first_failure, hint, load_exercises, registry
from osworkshop.exercises.nb01 import check_herd


def server(name: str, flavor: str = "m1.tiny", status: str = "ACTIVE", **extra: Any) -> Any:
    return SimpleNamespace(name=name, status=status, flavor={"original_name": flavor}, **extra)


def cloud(*servers: Any) -> Any:
    return SimpleNamespace(compute=SimpleNamespace(servers=lambda: list(servers)))


def test_expect_and_first_failure() -> None:
    assert expect(True, "bad", success="good") == CheckResult(True, "good")
    failed = expect(False, "bad", ["try this"])
    assert not failed and failed.hints == ["try this"]
    assert first_failure(expect(True, "x"), failed) is failed
    assert first_failure(expect(True, "x"), success="all good").message == "all good"


def test_result_rendering() -> None:
    result = CheckResult(False, "Need <3> servers", ["Boot more"], exercise="nb01.herd")
    assert str(result) == "NOT YET [nb01.herd]: Need <3> servers\n  Hint: Boot more"
    html = result._repr_html_()
    assert "Not yet" in html and "Need &lt;3&gt; servers" in html and "<li>Boot more</li>" in html


def test_registry_has_the_herd_check() -> None:
    load_exercises()
    assert registry["nb01.herd"] is check_herd


def test_herd_fails_when_too_few() -> None:
    result = check_herd(
        cloud(server("cow-1"), server("cow-2", status="BUILD"), server("pet")), "cow-", 3
    )
    assert not result.passed
    assert result.exercise == "nb01.herd"
    assert "at least 3 ACTIVE" in result.message
    assert any("BUILD" in h for h in result.hints)


def test_herd_fails_with_mixed_flavors() -> None:
    result = check_herd(
        cloud(server("cow-1"), server("cow-2"), server("cow-3", "m1.large")), "cow-", 3
    )
    assert not result.passed
    assert "m1.tiny (2), m1.large (1)" in result.message


def test_herd_explains_servers_in_error() -> None:
    sick = server(
        "cow-3", status="ERROR", fault={"code": 500, "message": "No valid host was found."}
    )
    result = check_herd(cloud(server("cow-1"), server("cow-2"), sick), "cow-", 3)
    assert not result.passed
    assert any("No compute node could take cow-3" in h for h in result.hints)


def test_herd_passes_for_identical_cattle() -> None:
    result = check_herd(
        cloud(server("cow-1"), server("cow-2"), server("cow-3"), server("pet", "big")), "cow-", 3
    )
    assert result.passed
    assert "3 identical m1.tiny servers" in result.message


def test_cloud_errors_become_a_failed_check() -> None:
    def boom() -> list[Any]:
        raise sdk_exc.ForbiddenException("Policy doesn't allow compute:get_all")

    result = check_herd(SimpleNamespace(compute=SimpleNamespace(servers=boom)), "cow-", 1)
    assert not result.passed
    assert result.message.startswith("Your role does not allow this")


def test_hints() -> None:
    assert hint("nb01.herd", 1).startswith("Hint 1 of 3: Cattle come from one recipe")
    assert "hints 1 to 3" in hint("nb01.herd", 9)
    assert "no exercise 'nb99.x'" in hint("nb99.x")


def test_strict_mode_turns_a_failed_check_into_an_error(monkeypatch) -> None:
    from osworkshop.checks import CheckResult, exercise

    @exercise("test.strict")
    def check_never(conn: object) -> CheckResult:
        return CheckResult(False, "not done")

    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)
    assert not check_never(None)
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    import pytest

    with pytest.raises(AssertionError, match="not done"):
        check_never(None)
