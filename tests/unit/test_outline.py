"""The outline is the one source of names and timings: the notebooks, the agenda and the
instructor guide must all agree with data/outline.yaml (and data/instructor.yaml)."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from osworkshop import outline
from osworkshop.outline import Entry, Plan

ENTRIES = outline.outline()
NOTEBOOK_FILES = sorted(outline.NOTEBOOKS.glob("*.ipynb"))


# --------------------------------------------------------------------------- the real course


def test_instructor_notes_are_valid() -> None:
    assert outline.problems() == []


def test_generated_documents_are_current() -> None:
    stale = outline.stale(outline.documents())
    assert not stale, (f"{[str(p) for p in stale]} differ from data/outline.yaml, "
                       "data/instructor.yaml or data/cheatsheet.yaml: run "
                       "`python -m osworkshop.outline` and commit")


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=[p.name for p in NOTEBOOK_FILES])
def test_notebook_matches_its_outline_entry(path: Path) -> None:
    assert outline.check_notebook(path, ENTRIES) == []


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.filename for e in ENTRIES])
def test_outline_entry_has_a_notebook(entry: Entry) -> None:
    """One test per outline entry, named after the notebook file it expects, so that a missing
    notebook is reported by name."""
    path = outline.NOTEBOOKS / entry.filename
    assert path.is_file(), f"the outline lists {entry.label}, but there is no notebooks/{path.name}"


def test_the_guide_names_course_functions_that_exist() -> None:
    from osworkshop import operations

    assert "ops.restore_hosts(" in outline.BEFORE_THE_DAY
    assert callable(operations.restore_hosts)


def test_every_notebook_has_instructor_notes_with_pitfalls() -> None:
    notes = outline.instructor_notes()
    assert set(notes) == {e.number for e in ENTRIES} | {outline.ALL}
    assert all(n.pitfalls and n.prepare and n.checkpoint for n in notes.values())


# --------------------------------------------------------------------------- error titles


@pytest.mark.parametrize("title", [
    "Quota exceeded",
    "The cloud is not answering",
    "No compute node could take web-3",
    "No compute node could take web-3 under its server group's rule",
])
def test_real_course_error_titles_are_known(title: str) -> None:
    assert outline.is_course_error_title(title)


@pytest.mark.parametrize("title", ["Quota exceeded!", "Something went wrong", "web-3 is ACTIVE"])
def test_made_up_titles_are_not(title: str) -> None:
    assert not outline.is_course_error_title(title)


def test_titles_are_read_from_calls_and_conflict_cases() -> None:
    import ast

    tree = ast.parse(
        'CourseError("Plain title", "d", "w")\n'
        'errors.CourseError(f"Server {name} went somewhere odd", "d", "w")\n'
        'CourseError(f"{name} is {state}", "d", "w")\n'
        'CASES = ((("word",), "A conflict title", "what to do"),)\n'
    )
    assert outline._titles_in(tree) == {
        "Plain\\ title", "Server\\ .+\\ went\\ somewhere\\ odd", "A\\ conflict\\ title"
    }


# --------------------------------------------------------------------------- data checks


def record(number: str = "00", **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "number": number,
        "prepare": ["Start the lab."],
        "checkpoint": "It prints ready.",
        "pitfalls": [{"error": "Quota exceeded", "cause": "c", "fix": "f"}],
        "source": "test",
    }
    return {**base, **changes}


def entry(number: str, minutes: int, slug: str = "x") -> Entry:
    return Entry(number, f"{slug}{number}", f"Title {number}", minutes, "Goal.", "test")


def test_notes_problems_are_reported() -> None:
    entries = [entry("00", 10), entry("01", 20)]
    records = [
        record("00", pitfalls=[
            {"error": "A title nobody wrote", "cause": "c", "fix": "f"},
            {"error": "Quota exceeded", "symptom": "also this", "cause": "c", "fix": ""},
            {"symptom": "s", "cause": "c", "fix": "f", "extra": 1},
        ]),
        record("07"),
        record(outline.ALL, prepare=[]),
    ]
    notes = {r["number"]: outline.Notes(r["number"], (), "", (), "") for r in records}
    found = outline.problems(entries, notes=notes, records=records)
    assert "instructor[07]: no notebook 07 in the outline" in found
    assert "instructor: no notes for notebook 01 · Title 01" in found
    assert any("'A title nobody wrote' is not the title of any course error" in p for p in found)
    either = "give either error (a course error title) or symptom"
    assert f"instructor[00].pitfalls[1]: {either}" in found
    assert "instructor[00].pitfalls[1]: fix is empty" in found
    assert "instructor[00].pitfalls[2]: unknown fields ['extra']" in found
    assert "instructor[all]: prepare must be a non-empty list of sentences" in found


def test_schema_problems_come_first() -> None:
    found = outline.problems([entry("00", 10)], records=[record(checkpoint=3)])
    assert found == ["instructor[00]: checkpoint has type int"]


# --------------------------------------------------------------------------- notebooks


def write_notebook(path: Path, first_cell: str) -> Path:
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": first_cell},
    ]}
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def test_header_is_read_from_the_first_markdown_cell(tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "05-x05.ipynb",
                          "# 05 · Title 05\n\n**Learning goal:** g\n\n**Time:** 30 minutes\n")
    assert outline.notebook_header(path) == outline.Header("# 05 · Title 05", 30)
    assert outline.check_notebook(path, [entry("05", 30)]) == []


def test_wrong_title_time_and_name_are_reported(tmp_path: Path) -> None:
    entries = [entry("05", 30)]
    wrong = write_notebook(tmp_path / "05-x05.ipynb", "# 05 · Another title\n**Time:** 25 minutes")
    assert outline.check_notebook(wrong, entries) == [
        "05-x05.ipynb: first line is '# 05 · Another title', the outline says '# 05 · Title 05'",
        "05-x05.ipynb: **Time:** says 25 minutes, the outline says 30",
    ]
    renamed = write_notebook(tmp_path / "05-other.ipynb", "# 05 · Title 05\n**Time:** 30 minutes")
    assert outline.check_notebook(renamed, entries) == [
        "05-other.ipynb: the outline calls notebook 05 05-x05.ipynb"
    ]
    stray = write_notebook(tmp_path / "scratch.ipynb", "# Notes")
    assert "no outline entry" in outline.check_notebook(stray, entries)[0]


# --------------------------------------------------------------------------- the agenda


def test_breaks_come_before_a_stretch_would_pass_the_block() -> None:
    entries = [entry(f"{i:02d}", m) for i, m in enumerate([10, 25, 20, 25, 30, 30, 20, 35, 35])]
    slots = outline.schedule(entries, Plan(start=9 * 60, block=90, pause=15, lunch=45))
    stretch = 0
    for slot in slots:
        if slot.kind == "notebook":
            stretch += slot.minutes
            assert stretch <= 90
        else:
            stretch = 0
    kinds = [s.kind for s in slots if s.kind != "notebook"]
    # stretches of 80, 80 and 70 minutes: lunch after 80 of 230 is nearer the middle than 160
    assert kinds == ["lunch", "break"]
    assert all(a.end == b.start for a, b in itertools.pairwise(slots))


def test_a_notebook_longer_than_the_block_stands_alone() -> None:
    groups = outline.blocks([entry("00", 10), entry("01", 120), entry("02", 10)], block=90)
    assert [[e.number for e in g] for g in groups] == [["00"], ["01"], ["02"]]


def test_the_real_day() -> None:
    slots = outline.schedule(ENTRIES)
    teaching = sum(e.minutes for e in ENTRIES)
    assert sum(s.minutes for s in slots if s.kind == "notebook") == teaching
    assert [s.entry for s in slots if s.entry] == ENTRIES
    assert sum(1 for s in slots if s.kind == "lunch") == 1
    assert slots[0].start == 9 * 60


def test_start_time_moves_the_whole_day() -> None:
    early = outline.render_agenda(ENTRIES, Plan(start=outline.parse_clock("09:00")))
    late = outline.render_agenda(ENTRIES, Plan(start=outline.parse_clock("13:30")))
    assert "| 09:00–" in early and "| 13:30–" in late
    assert early != late


def test_two_half_days_hold_every_notebook_once() -> None:
    days = outline.two_days(ENTRIES)
    assert len(days) == 2
    assert [s.entry for d in days for s in d if s.entry] == ENTRIES
    assert not any(s.kind == "lunch" for d in days for s in d)


@pytest.mark.parametrize("text,minutes", [("09:00", 540), ("9:05", 545), ("23:59", 1439)])
def test_parse_clock(text: str, minutes: int) -> None:
    assert outline.parse_clock(text) == minutes
    assert outline.clock(minutes) == f"{minutes // 60:02d}:{minutes % 60:02d}"


@pytest.mark.parametrize("text", ["9", "24:00", "12:60", "noon"])
def test_parse_clock_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        outline.parse_clock(text)


def test_duration() -> None:
    assert [outline.duration(m) for m in (45, 60, 330)] == ["45 min", "1 h", "5 h 30 min"]


def test_guide_lists_every_notebook_and_its_pitfalls() -> None:
    guide = outline.render_guide()
    for e in ENTRIES:
        assert f"### {e.label} ({e.minutes} min)" in guide
    assert "red box **Quota exceeded**" in guide
    assert "labsetup classroom create --students N" in guide


# --------------------------------------------------------------------------- command line


def test_main_writes_then_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(outline, "DOCS", tmp_path / "docs")
    monkeypatch.setattr(outline, "NOTEBOOKS", tmp_path / "notebooks")  # no notebooks to check
    assert outline.main(["--check"]) == 1  # nothing written yet
    assert "stale: " in capsys.readouterr().err
    assert outline.main([]) == 0
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == [
        "agenda.md", "cheatsheet.md", "instructor-guide.md"
    ]
    assert outline.main(["--check"]) == 0
    assert outline.main(["--check", "--start", "10:00"]) == 1  # another day is another agenda
    assert outline.main(["--print", "agenda", "--start", "10:00"]) == 0
    assert "| 10:00–" in capsys.readouterr().out


def test_main_refuses_a_bad_start_time() -> None:
    with pytest.raises(SystemExit):
        outline.main(["--start", "25:00"])


def test_a_course_longer_than_a_working_day_is_given_over_two_full_days() -> None:
    long = [dataclasses.replace(e, minutes=40) for e in ENTRIES]
    text = outline.render_agenda(long)
    assert text.count("## Day ") == 2 and "Over two half-days" not in text
    days = outline.two_days(long, lunch=True)
    assert [s.entry for d in days for s in d if s.entry] == long
    assert all(sum(1 for s in d if s.kind == "lunch") == 1 for d in days)
    assert all(d[-1].end <= outline.DEFAULT_PLAN.latest_end for d in days)
    short = outline.render_agenda([dataclasses.replace(e, minutes=15) for e in ENTRIES])
    assert "One day" in short and "Over two half-days" in short
