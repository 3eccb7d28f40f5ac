"""Notebook 05 widgets: set the controls, check that the output follows."""

from __future__ import annotations

from types import SimpleNamespace

from osworkshop import widgets_nb05 as W

LAB = [
    {"name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1},
    {"name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20},
    {"name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40},
    {"name": "m1.large", "vcpus": 4, "ram": 8192, "disk": 80},
    {"name": "m1.xlarge", "vcpus": 8, "ram": 16384, "disk": 160},
]


def test_flavor_fit_html_names_the_nearest_flavor() -> None:
    html = W.flavor_fit_html(LAB, 2, 3, 30)
    assert "<b>m1.medium is the nearest flavor" in html
    assert html.count("<tr>") == 1 + 3  # header and three flavors
    assert "unused: 1024 MiB RAM, 10 GB disk" in html and "17%" in html
    assert "An administrator could add an exact flavor: 2 vCPU, 3072 MiB, 30 GB" in html
    assert "reserves the whole flavor" in html


def test_flavor_fit_html_exact_missing_and_bad_input() -> None:
    exact = W.flavor_fit_html(LAB, 4, 8, 80, show=1)
    assert "m1.large fits a VM of 4 vCPU" in exact and "could add" not in exact
    assert exact.count("<tr>") == 2
    big = W.flavor_fit_html(LAB, 16, 64, 500)
    assert "No flavor is big enough" in big and "does not fit" in big
    assert "at least 1 vCPU" in W.flavor_fit_html(LAB, 0, 1, 1)
    assert "more than 0 GiB" in W.flavor_fit_html(LAB, 1, 0, 1)
    assert "no flavors" in W.flavor_fit_html([], 1, 1, 1)


def test_flavor_fit_html_explains_a_zero_disk_flavor() -> None:
    html = W.flavor_fit_html([*LAB, {"name": "bfv", "vcpus": 2, "ram": 3072, "disk": 0}], 2, 3, 30)
    assert "bfv fits a VM" in html and "image size" in html and "disk 0" in html


def test_flavor_fit_widget_follows_its_controls() -> None:
    ex = W.flavor_fit(LAB)
    assert "m1.medium is the nearest" in ex.output.value
    ex.controls["vcpus"].value = 4
    ex.controls["ram_gib"].value = 8
    ex.controls["disk_gb"].value = 80
    assert "m1.large fits a VM of 4 vCPU, 8192 MiB RAM, 80 GB disk exactly" in ex.output.value
    ex.controls["show"].value = 1
    assert ex.output.value.count("<tr>") == 2
    ex.controls["vcpus"].value = 64
    assert "No flavor is big enough" in ex.output.value
    assert ex.controls["show"].max == len(LAB)


def test_flavor_fit_reads_the_flavors_of_a_connection_once() -> None:
    calls: list[int] = []

    def flavors() -> list[SimpleNamespace]:
        calls.append(1)
        return [SimpleNamespace(**f) for f in LAB]

    ex = W.flavor_fit(SimpleNamespace(compute=SimpleNamespace(flavors=flavors)), 1, 0.5, 1)
    assert "m1.tiny fits a VM of 1 vCPU, 512 MiB RAM, 1 GB disk exactly" in ex.output.value
    ex.controls["ram_gib"].value = 2
    assert "m1.small" in ex.output.value
    assert calls == [1]


def test_power_html_table_and_card() -> None:
    table = W.power_html()
    assert table.count("<tr>") == 1 + 10
    assert "Shut Down Guest OS" in table and "Sources:" in table
    card = W.power_html("reset")
    assert card.count("<tr>") == 2 and "reboot (HARD)" in card
    assert "No operation nope" in W.power_html("nope")
    assert W.power_table()._repr_html_() == table


def test_power_explorer_follows_the_dropdown() -> None:
    ex = W.power_explorer()
    assert ex.output.value.count("<tr>") == 11
    ex.controls["operation"].value = "edit-settings"
    assert "VERIFY_RESIZE" in ex.output.value and ex.output.value.count("<tr>") == 2
    ex.controls["operation"].value = "delete-from-disk"
    assert "Remove from Inventory" in ex.output.value
