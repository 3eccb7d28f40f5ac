from __future__ import annotations

from types import SimpleNamespace

import pytest

from osworkshop import widgets as W


def test_successes_is_the_2013_arithmetic() -> None:
    assert W.successes(10, 0.4) == 4
    assert W.successes(40, 0.2) == 8
    with pytest.raises(ValueError):
        W.successes(10, 40)


def test_success_arithmetic_widget() -> None:
    ex = W.success_arithmetic()
    assert "<b>4</b>" in ex.output.value and "<b>8</b>" in ex.output.value
    assert "<b>2.0×</b>" in ex.output.value
    ex.controls["new_projects"].value = 10
    assert "<b>0.5×</b>" in ex.output.value
    ex.controls["old_rate"].value = 0
    assert "infinitely many times" in ex.output.value


def test_term_explorer_filters_by_category_and_search() -> None:
    ex = W.term_explorer()
    assert "vMotion" in ex.output.value and "Port group" in ex.output.value
    ex.controls["category"].value = "networking"
    assert "Port group" in ex.output.value and "vMotion" not in ex.output.value
    ex.controls["category"].value = "all"
    ex.controls["search"].value = "vmotion"
    assert "Live migration" in ex.output.value and "Port group" not in ex.output.value
    ex.controls["search"].value = "no such thing"
    assert "No term matches" in ex.output.value


def test_codename_explorer_uses_data_or_the_cloud() -> None:
    ex = W.codename_explorer()
    ex.controls["codename"].value = "swift"
    assert "object-store" in ex.output.value
    assert "In the course lab</td><td style='text-align:left'>yes" in ex.output.value
    ex.controls["codename"].value = "watcher"
    assert "DRS" in ex.output.value and ">no<" in ex.output.value

    catalog = [{"type": "compute", "name": "nova", "endpoints": []}]
    access = SimpleNamespace(service_catalog=SimpleNamespace(catalog=catalog))
    conn = SimpleNamespace(
        session=SimpleNamespace(auth=SimpleNamespace(get_access=lambda s: access))
    )
    ex = W.codename_explorer(conn)
    ex.controls["codename"].value = "swift"
    assert "In this cloud</td><td style='text-align:left'>no" in ex.output.value
    ex.controls["codename"].value = "nova"
    assert "In this cloud</td><td style='text-align:left'>yes" in ex.output.value


def test_storage_table() -> None:
    ex = W.storage_table()
    assert "Ephemeral storage" in ex.output.value and "Object storage (Swift)" in ex.output.value
    ex.controls["kinds"].value = ("object",)
    ex.controls["fields"].value = ("accessed_through",)
    assert "Ephemeral" not in ex.output.value and "REST API" in ex.output.value
    assert "Persists until" not in ex.output.value
    ex.controls["kinds"].value = ()
    assert "Pick at least one" in ex.output.value


def test_then_and_now() -> None:
    ex = W.then_and_now("high availability")
    assert "Masakari" in ex.output.value and "Quantum" not in ex.output.value
    ex.controls["topic"].value = ""
    ex.controls["notebook"].value = "07"
    assert "Quantum" in ex.output.value and "Masakari" not in ex.output.value
    ex.controls["topic"].value = "zzz"
    assert "Nothing matches" in ex.output.value


def test_explorer_displays_as_a_box() -> None:
    bundle = W.term_explorer()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
