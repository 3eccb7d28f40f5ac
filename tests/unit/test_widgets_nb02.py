from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from osworkshop import releases as R
from osworkshop import widgets_nb02 as V


def compute(max_microversion: tuple[int, int]) -> Any:
    data = SimpleNamespace(max_microversion=max_microversion)
    return SimpleNamespace(compute=SimpleNamespace(get_endpoint_data=lambda: data))


def test_release_data_is_valid() -> None:
    records = R.releases()
    assert R.validate(records) == []
    assert records[0]["name"] == "Austin" and records[-1]["name"] == "Indri"
    broken = [dict(records[0], slurp="no"), dict(records[0], nova_max_microversion="two")]
    problems = R.validate(broken)
    assert any("slurp" in p for p in problems)
    assert any("duplicate" in p for p in problems)
    assert any("not like" in p for p in problems)


def test_release_from_microversion() -> None:
    found, exact = R.releases_for_compute("2.104")
    assert exact and [R.display_name(r) for r in found] == ["2026.2 Hibiscus"]
    found, exact = R.releases_for_compute((2, 95))
    assert exact and [r["name"] for r in found] == ["Antelope", "Bobcat"]
    found, exact = R.releases_for_compute("2.200")
    assert not exact and found[0]["name"] == "Hibiscus"
    assert R.releases_for_compute("nonsense") == ([], False)


def test_cloud_release_text() -> None:
    assert "runs 2026.2 Hibiscus" in R.cloud_release(compute((2, 104)))["text"]
    assert "2023.1 Antelope or 2023.2 Bobcat" in R.cloud_release(compute((2, 95)))["text"]
    assert "later release" in R.cloud_release(compute((2, 105)))["text"]


def test_catalog_rows_add_codenames_for_old_and_new_types() -> None:
    rows = V.catalog_rows(
        [
            {"type": "volumev3", "name": "cinderv3", "endpoint": "http://x"},
            {"type": "compute", "name": "nova", "endpoint": "http://y"},
            {"type": "mystery", "name": "m", "endpoint": "http://z"},
        ]
    )
    assert rows[0][2] == "cinder" and "Datastores" in rows[0][3]
    assert rows[1][2] == "nova"
    assert rows[2][2] == "?"


def test_hypervisor_rows_join_placement_capacity() -> None:
    hv = SimpleNamespace(
        name="host-b",
        hypervisor_type="QEMU",
        hypervisor_version=8002000,
        state="up",
        status="enabled",
    )
    other = SimpleNamespace(**{**vars(hv), "name": "host-a"})
    rows = V.hypervisor_rows([hv, other], {"host-b": {"VCPU": 8, "MEMORY_MB": 16384}})
    assert rows[0][0] == "host-a" and rows[0][5:] == ("?", "?")
    assert rows[1] == ("host-b", "QEMU", 8002000, "up", "enabled", 8, "16 GiB")


def test_release_explorer_marks_the_cloud_and_filters_by_year() -> None:
    ex = V.release_explorer(compute((2, 104)), since=2023)
    assert "◀ this cloud" in ex.output.value and "Havana" not in ex.output.value
    assert "2023.1 Antelope" in ex.output.value
    ex.controls["since"].value = 2013
    assert "Havana" in ex.output.value
    ex.controls["since"].value = 2027
    assert "Havana" not in ex.output.value and "Hibiscus" not in ex.output.value
    assert "Indri" in ex.output.value
