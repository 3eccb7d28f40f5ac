"""Notebook 08's needs picker: setting the checkboxes changes the verdict."""

from __future__ import annotations

from osworkshop.storage_nb08 import NEEDS
from osworkshop.widgets_nb08 import NO, YES, needs_html, needs_picker


def test_needs_html_marks_each_kind() -> None:
    html = needs_html(["outlives_server", "disk"])
    assert html.index(NEEDS["disk"].label) < html.index(NEEDS["outlives_server"].label)
    last_row = html.split("<tr>")[-1]
    assert last_row.count(YES) == 1 and last_row.count(NO) == 2
    assert "Only block storage" in html


def test_needs_html_without_needs_asks_for_some() -> None:
    html = needs_html([])
    assert "Tick what" in html and "<table>" not in html


def test_picker_starts_with_what_is_ticked() -> None:
    picker = needs_picker("http", "expires")
    assert picker.controls["http"].value and not picker.controls["disk"].value
    assert "Only object storage" in picker.output.value


def test_ticking_boxes_changes_the_answer() -> None:
    picker = needs_picker()
    assert "Tick what" in picker.output.value
    picker.controls["disk"].value = True
    assert "Several kinds" in picker.output.value
    picker.controls["gone_with_server"].value = True
    assert "Only ephemeral storage" in picker.output.value
    picker.controls["http"].value = True
    assert "split the workload" in picker.output.value
    picker.controls["shared_files"].value = True
    assert "Manila" in picker.output.value
