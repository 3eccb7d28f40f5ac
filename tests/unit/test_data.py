from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from osworkshop import data


def test_every_data_file_validates() -> None:
    assert data.validate_all() == []


@pytest.mark.parametrize("name", sorted(data.SCHEMAS))
def test_every_file_has_records(name: str) -> None:
    assert len(data.load(name)) > 0


def test_broken_record_is_reported() -> None:
    good = data.load("terms")[0]
    broken = [
        dict(good, source=""),
        {k: v for k, v in good.items() if k != "openstack"},
        dict(good, category="weather"),
        dict(good, id=good["id"]),
    ]
    problems = data.validate("terms", broken)
    assert any("source is empty" in p for p in problems)
    assert any("missing openstack" in p for p in problems)
    assert any("category='weather'" in p for p in problems)
    assert any("duplicate id" in p for p in problems)


def test_wrong_type_is_reported() -> None:
    record = dict(data.load("outline")[0], minutes="ten")
    assert data.validate("outline", [record]) == [
        f"outline[{record['number']}]: minutes has type str"
    ]


def test_env_var_points_to_another_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in data.SCHEMAS:
        records = data.load(name)
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(records), encoding="utf-8")
    history = data.load("history")
    history[0]["source"] = "  "
    (tmp_path / "history.yaml").write_text(yaml.safe_dump(history), encoding="utf-8")
    monkeypatch.setenv("OSWORKSHOP_DATA", str(tmp_path))
    problems = data.validate_all()
    assert problems and all(p.startswith("history[0]") for p in problems)


def test_missing_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_DATA", str(tmp_path))
    assert any(p.startswith("terms: cannot read") for p in data.validate_all())
    with pytest.raises(FileNotFoundError):
        data.load("terms")


def test_outline_is_notebooks_00_to_12() -> None:
    numbers = [n["number"] for n in data.load("outline")]
    assert numbers == [f"{i:02d}" for i in range(13)]


def test_records_point_to_notebooks_that_exist() -> None:
    numbers = {n["number"] for n in data.load("outline")}
    for name in ("terms", "then_and_now"):
        for record in data.load(name):
            assert record["notebook"] in numbers, (name, record)


def test_lab_services_are_the_seven() -> None:
    in_lab = {c["codename"] for c in data.load("codenames") if c["in_lab"]}
    assert in_lab == {"keystone", "placement", "glance", "nova", "neutron", "cinder", "swift"}


def test_storage_has_the_three_kinds() -> None:
    assert [s["id"] for s in data.load("storage_types")] == ["ephemeral", "block", "object"]


def test_six_principles_and_the_pets_vs_cattle_picture() -> None:
    kinds = [p["kind"] for p in data.load("principles")]
    assert kinds.count("principle") == 6 and kinds.count("picture") == 1


def test_load_returns_copies() -> None:
    data.load("terms")[0]["vsphere"] = "changed"
    assert data.load("terms")[0]["vsphere"] != "changed"


def test_every_data_file_has_a_schema(tmp_path, monkeypatch) -> None:
    from osworkshop import data

    (tmp_path / "orphan.yaml").write_text("- {source: x}\n")
    monkeypatch.setenv("OSWORKSHOP_DATA", str(tmp_path))
    assert "orphan: no schema for this file" in data.validate_all()
