from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb02 import check_block_storage

CINDER = "http://192.0.2.10:8776/v3/abc123"


def entry(service_type: str, name: str, url: str) -> dict[str, Any]:
    return {"type": service_type, "name": name, "endpoints": [{"interface": "public", "url": url}]}


def cloud(*catalog: dict[str, Any]) -> Any:
    """A stand-in connection whose token carries ``catalog``."""
    access = SimpleNamespace(service_catalog=SimpleNamespace(catalog=list(catalog)))
    return SimpleNamespace(
        session=SimpleNamespace(auth=SimpleNamespace(get_access=lambda session: access))
    )


LAB = cloud(
    entry("compute", "nova", "http://192.0.2.10:8774/v2.1"),
    entry("block-storage", "cinder", CINDER),
    entry("volumev3", "cinderv3", CINDER),
    entry("object-store", "swift", "http://192.0.2.10:8080/v1/AUTH_abc123"),
)


@pytest.fixture(autouse=True)
def lenient(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)


def test_registered() -> None:
    load_exercises()
    assert registry["nb02.block_storage"] is check_block_storage


def test_right_answer_passes() -> None:
    result = check_block_storage(LAB, "Cinder", CINDER + "/")
    assert result.passed
    assert "cinder serves block storage" in result.message
    assert "block-storage, volumev3" in result.message


def test_versioned_catalog_name_is_accepted() -> None:
    assert check_block_storage(LAB, "cinderv3", CINDER).passed


def test_wrong_codename_fails_and_says_what_it_is() -> None:
    result = check_block_storage(LAB, "swift", CINDER)
    assert not result.passed
    assert result.exercise == "nb02.block_storage"
    assert any("object-store" in h for h in result.hints)


def test_wrong_endpoint_fails() -> None:
    result = check_block_storage(LAB, "cinder", "http://192.0.2.10:8774/v2.1")
    assert not result.passed
    assert "endpoint is not in the catalog" in result.message
    assert any("nova (compute)" in h for h in result.hints)
    assert not check_block_storage(LAB, "cinder", "cinder.example").passed


@pytest.mark.parametrize(("codename", "endpoint", "missing"), [
    (..., ..., "my_codename and my_endpoint"),
    ("cinder", ..., "my_endpoint"),
    (None, CINDER, "my_codename"),
    ("  ", CINDER, "my_codename"),
])
def test_blanks_ask_to_be_filled_in(codename: Any, endpoint: Any, missing: str) -> None:
    result = check_block_storage(LAB, codename, endpoint)
    assert not result.passed
    assert result.message.startswith(f"Fill in {missing}:")
    assert any("block-storage" in h for h in result.hints), "the first general hint follows"


def test_endpoint_without_the_project_id_is_named() -> None:
    result = check_block_storage(LAB, "cinder", "http://192.0.2.10:8776/v3")
    assert not result.passed
    assert any("without your project's ID" in h for h in result.hints)


def test_cloud_without_block_storage_fails() -> None:
    result = check_block_storage(cloud(entry("compute", "nova", "http://x")), "cinder", CINDER)
    assert not result.passed
    assert "no block storage" in result.message


def test_strict_mode_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError):
        check_block_storage(LAB, "nova", CINDER)
