"""Notebook 06 views: the visibility explorer and the tables from data/ (no cloud needed)."""

from __future__ import annotations

import pytest

from osworkshop import widgets_nb06 as W
from osworkshop.data import load, validate


def test_data_files_are_valid_and_complete() -> None:
    records = load("image_visibility")
    assert validate("image_visibility", records) == []
    assert [r["id"] for r in records] == ["private", "shared", "community", "public"]
    assert validate("images_then_now", load("images_then_now")) == []
    assert {r["notebook"] for r in load("images_then_now")} == {"06"}


def test_visibility_record() -> None:
    assert "administrator" in W.visibility_record("public")["who_may_set"]
    with pytest.raises(KeyError, match="known"):
        W.visibility_record("secret")


def test_access_rows_follow_member_status() -> None:
    rows = W.access_rows("shared", "none")
    assert rows[0][0] == "demo (owns the image)"
    team = rows[1]
    assert team[0] == "team (the other project)" and team[1:4] == ("✘", "✘", "✘")
    pending = W.access_rows("shared", "pending")[1]
    assert pending[0] == "team (member, pending)" and pending[1:4] == ("✘", "✔", "✔")
    accepted = W.access_rows("shared", "accepted")[1]
    assert accepted[1:4] == ("✔", "✔", "✔")
    public = W.access_rows("public", "none")
    assert all(r[1] == "✔" for r in public)


def test_explorer_updates_when_values_change() -> None:
    ex = W.visibility_explorer()
    html = ex.output.value
    assert "visibility = private" in html and "Any member of the owning project" in html
    assert "Closest vSphere habit" in html and "Source:" in html
    ex.controls["visibility"].value = "public"
    assert "visibility = public" in ex.output.value
    assert "Only an administrator" in ex.output.value
    ex.controls["visibility"].value = "shared"
    ex.controls["member_status"].value = "pending"
    assert "team (member, pending)" in ex.output.value
    assert "only decides the image list" in ex.output.value
    ex.controls["visibility"].value = "private"
    assert "Members count only while the image is shared" in ex.output.value
    ex.controls["member_status"].value = "none"
    assert "Members count only" not in ex.output.value


def test_static_tables() -> None:
    table = W.visibility_table_html()
    assert table.count("<tr>") == 1 + 4 and "content library" in table
    then_now = W.images_then_now_html()
    assert "Bridging the gap" not in then_now  # the table shows the source for today only
    assert "os_hash_value" in then_now and then_now.count("<tr>") == 1 + len(
        load("images_then_now")
    )
