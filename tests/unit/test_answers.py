"""The exercise cells of every notebook, and how the suite types answers into them."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from osworkshop.checks import load_exercises
from tests.answers import (
    Answer,
    exercises,
    first_pass,
    read,
    solution,
    solved,
    with_answers,
    without_own,
    wrong_answers,
)

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_every_exercise_has_a_learner_cell_a_hidden_solution_and_a_check(path: Path) -> None:
    nb = read(path)
    found = exercises(nb)
    registry = load_exercises()
    for ex in found:
        assert ex.id in registry, f"{ex.id} has no check in osworkshop.exercises"
        assert ex.id.startswith(f"nb{path.name[:2]}."), ex.id
        assert nb.cells[ex.solution].cell_type == "markdown"
        assert "<details>" in nb.cells[ex.solution].source, "a solution opens on purpose"
        solution(nb.cells[ex.solution])  # exactly one fenced block
        if ex.cell is not None:
            assert nb.cells[ex.cell].source.strip().startswith("# Your"), \
                f"{ex.id}: the learner's cell ships empty (a comment only)"
        assert f'hint("{ex.id}"' in "".join(c.source for c in nb.cells[: ex.solution]), \
            f"{ex.id}: the task names its hint call"
    tagged = [i for i, c in enumerate(nb.cells) if "solution" in c.metadata.get("tags", [])]
    assert len(tagged) == len(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_every_exercise_has_one_wrong_answer(path: Path) -> None:
    assert set(wrong_answers(path)) == {ex.id for ex in exercises(read(path))}


def notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=list(cells))


def cell(kind: str, source: str, tag: str | None = None, ex: str = "nb99.x") -> nbformat.NotebookNode:
    new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    c = new(source)
    if tag:
        c.metadata.update(tags=[tag], osworkshop={"exercise": ex})
    return c


def test_solved_types_the_solution_into_the_learner_cell() -> None:
    nb = notebook(
        cell("code", "# Your code here", "exercise"),
        cell("markdown", "<details>\n\n```python\nx = 1\n```\n\n</details>", "solution"),
        cell("code", "check(x)", "check"),
    )
    done = solved(nb)
    assert done.cells[0].source == "x = 1\n"
    assert nb.cells[0].source == "# Your code here", "the original is not changed"


def test_a_terminal_exercise_runs_its_commands_before_the_check() -> None:
    nb = notebook(
        cell("markdown", "Open a terminal and create the network."),
        cell("markdown", "<details>\n\n```bash\nopenstack network create x\n```\n</details>",
             "solution"),
        cell("code", "check(conn)", "check"),
    )
    done = solved(nb)
    assert [c.cell_type for c in done.cells] == ["markdown", "markdown", "code", "code"]
    assert done.cells[2].source.startswith("%%bash\nset -euo pipefail\n")
    assert "openstack network create x" in done.cells[2].source
    assert [ex.check for ex in exercises(done)] == [3]


def test_a_wrong_answer_replaces_only_its_exercise() -> None:
    nb = notebook(
        cell("code", "# Your code here", "exercise", "nb99.a"),
        cell("markdown", "```python\na = 1\n```", "solution", "nb99.a"),
        cell("code", "check_a()", "check", "nb99.a"),
        cell("code", "# Your code here", "exercise", "nb99.b"),
        cell("markdown", "```python\nb = 1\n```", "solution", "nb99.b"),
        cell("code", "check_b()", "check", "nb99.b"),
    )
    done = with_answers(nb, {"nb99.b": Answer("b = 2")})
    assert done.cells[0].source == "# Your code here" and done.cells[3].source == "b = 2"


def test_mismatched_cells_are_reported() -> None:
    with pytest.raises(ValueError, match="no check cell"):
        exercises(notebook(cell("markdown", "```python\n1\n```", "solution")))
    with pytest.raises(ValueError, match="markdown"):
        exercises(notebook(cell("code", "1", "solution")))
    two = cell("markdown", "```python\n1\n```\n```python\n2\n```", "solution")
    with pytest.raises(ValueError, match="exactly one"):
        solution(two)


def test_first_pass_stops_after_the_last_check() -> None:
    nb = notebook(
        cell("code", "x = 0"),
        cell("code", "# Your code here", "exercise"),
        cell("markdown", "<details>\n\n```python\nx = 1\n```\n\n</details>", "solution"),
        cell("code", "check(x)", "check"),
        cell("code", "cleanup()"),
    )
    first = first_pass(solved(nb))
    assert first is not None
    assert [c.source for c in first.cells][-1] == "check(x)"
    assert len(nb.cells) == 5  # the notebook nbval runs afterwards is whole


def test_a_notebook_without_exercises_has_no_first_pass() -> None:
    assert first_pass(notebook(cell("code", "x = 0"))) is None


def test_nbval_runs_the_first_pass_before_its_own_kernel(pytestconfig: pytest.Config) -> None:
    plugin = pytest.importorskip("nbval.plugin")
    assert getattr(plugin.IPyNbFile.collect, "solved", False), "the root conftest.py is not loaded"
    assert getattr(plugin.IPyNbFile.setup, "first_pass", False)


def test_without_own_keeps_what_other_notebooks_and_the_lab_hold() -> None:
    found = {"volumes": ["osworkshop-nb08-data", "keep-me"], "snapshots": ["osworkshop-nb08-a"],
             "networks": ["demo-net"]}
    assert without_own(found, Path("08-storage.ipynb")) == {"volumes": ["keep-me"],
                                                          "networks": ["demo-net"]}
    assert without_own(found, Path("07-networking.ipynb")) == found
