"""Notebook 11 explorers: set values, see the output change (no cloud needed)."""

from __future__ import annotations

from osworkshop import data
from osworkshop import widgets_nb11 as W
from osworkshop.vmware_nb11 import EsxiHost


def test_vmware_driver_data_is_complete() -> None:
    records = data.load("vmware_driver")
    assert data.validate("vmware_driver", records) == []
    assert W.problems(records) == []
    kinds = {r["kind"] for r in records}
    assert kinds == {"timeline", "product", "aspect"}
    aspects = {r["id"] for r in W.records("aspect")}
    assert {"scheduling", "placement", "live-migration", "ha", "storage", "networking"} <= aspects
    assert {"vova", "vio"} <= {r["id"] for r in W.records("product")}
    vio = next(r for r in W.records("product") if r["id"] == "vio")
    assert "Unknown" in vio["text"] and "UNCONFIRMED" in vio["source"]


def test_problems_catches_what_the_schema_cannot() -> None:
    broken = [
        {"id": "a", "kind": "aspect", "kvm": " "},
        {"id": "t1", "kind": "timeline", "when": "2020-05 Ussuri"},
        {"id": "t2", "kind": "timeline", "when": "2014-04 Icehouse"},
        {"id": "t3", "kind": "timeline", "when": "Havana"},
    ]
    found = W.problems(broken)
    assert "a: an aspect needs a kvm text" in found
    assert "t3: a timeline 'when' starts with YYYY-MM" in found
    assert "timeline records are not in date order" in found


def test_model_view_switches_models() -> None:
    ex = W.model_view()
    assert "vCenter Server" in ex.output.value and "KVM host 3" in ex.output.value
    ex.controls["model"].value = "kvm"
    assert "vCenter Server" not in ex.output.value and "KVM host 3" in ex.output.value
    ex.controls["hosts"].value = 5
    assert "KVM host 5" in ex.output.value
    ex.controls["model"].value = "vcenter"
    assert "ESXi 5" in ex.output.value and "KVM host" not in ex.output.value


def test_cluster_table_compares_one_provider_with_many() -> None:
    html = W.cluster_table([EsxiHost(32, 131072), EsxiHost(32, 131072)], 8, 64)
    assert "64 (max 32 per server)" in html and "256 GiB (max 128 GiB per server)" in html
    assert "2 providers" in html and "on 2 of 2 hosts" in html
    html = W.cluster_table([EsxiHost(32, 131072), EsxiHost(32, 131072)], 48, 64)
    assert "no: larger than any one host" in html and "no: larger than any host" in html
    assert "Choose at least one host" in W.cluster_table([])


def test_cluster_calculator_reacts_to_maintenance_and_flavor() -> None:
    ex = W.cluster_calculator(hosts=4, threads=32, ram_gb=256)
    assert "128 (max 32 per server)" in ex.output.value
    ex.controls["in_maintenance"].value = 1
    assert "96 (max 32 per server)" in ex.output.value
    assert "1 host(s) in maintenance" in ex.output.value
    ex.controls["in_maintenance"].value = 4
    assert "offers nothing to nova" in ex.output.value
    ex.controls["in_maintenance"].value = 0
    ex.controls["flavor_vcpus"].value = 40
    assert "no: larger than any one host" in ex.output.value
    ex.controls["in_maintenance"].value = 16  # more than hosts
    assert "no more hosts in maintenance than hosts" in ex.output.value


def test_timeline_by_year() -> None:
    assert W.status_in(2012) is None
    assert W.status_in(2013)["id"] == "havana-multi-cluster"  # type: ignore[index]
    assert W.status_in(2020)["id"] == "victoria-undeprecated"  # type: ignore[index]
    assert W.status_in(2026)["id"] == "today-still-in-tree"  # type: ignore[index]
    ex = W.timeline_explorer(2013)
    assert "VMwareESXDriver" in ex.output.value and "experimental" not in ex.output.value
    ex.controls["year"].value = 2023
    assert "Driver marked experimental" in ex.output.value
    assert "No VMware driver event recorded before 2012" in W.timeline_html(2012)


def test_products_and_aspects() -> None:
    products = W.products_html()
    assert "VOVA" in products and "VMware Integrated OpenStack" in products
    ex = W.aspect_explorer()
    assert "DRS" in ex.output.value and "NSX" in ex.output.value
    ex.controls["aspect"].value = "ha"
    assert "supports_evacuate" in ex.output.value and "NSX" not in ex.output.value
    assert "No such aspect" in W.aspects_html(W.aspects("weather"))
