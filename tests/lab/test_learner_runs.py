"""Every notebook as three learners run it: one who types nothing, one who types a plausible
wrong answer, and one who answers correctly, then restarts the kernel and runs all again.

* Nothing typed: every check says "Not yet" with the exercise's first hint, no cell raises, the
  notebook reaches its end, and the demo project ends as it started.
* Wrong answers (``tests/lab/wrong_answers/nbNN.yaml``, one per exercise): every check says
  "Not yet" and names what is wrong.
* Correct answers, then *Restart Kernel and Run All*: that is nbval's run of every notebook
  (``conftest.py``): the answered notebook runs up to its last check first, then nbval runs it
  all from what that left (its servers, flavors, volumes...), with no 409 or duplicate.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import pytest
from nbclient.exceptions import CellExecutionError

from labsetup.config import REPO
from tests.answers import (
    demo_inventory,
    exercises,
    read,
    run,
    with_answers,
    without_own,
    wrong_answers,
)

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
IDS = [p.stem[:2] for p in NOTEBOOKS]


def execute(nb: Any, path: Path, *, strict: bool) -> Any:
    """Run ``nb`` top to bottom in a new kernel, like Restart Kernel and Run All."""
    env = {k: v for k, v in os.environ.items() if k != "OSWORKSHOP_STRICT"}
    if strict:
        env["OSWORKSHOP_STRICT"] = "1"
    try:
        run(nb, path, env)
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} stopped: {str(exc)[-2000:]}")
    return nb


def shown(cell: Any) -> str:
    """Everything a cell showed: its streams and the plain and HTML forms of its results."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        parts += [data.get("text/plain", ""), data.get("text/html", "")]
    return "\n".join(str(p) for p in parts)


def not_yet(text: str) -> bool:
    return "Not yet" in text or "NOT YET" in text


def inventory_before(path: Path) -> dict[str, list[str]]:
    """The demo project before a run; names what an earlier run of the notebook left."""
    before = demo_inventory(path)
    if (earlier := {k: v for k, v in before.items() if v != without_own(before, path).get(k)}):
        print(f"before {path.name}: an earlier run left {earlier}; its setup cell removes it")
    return before


def unescaped(text: str) -> str:
    return html.unescape(text)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_learner_who_types_nothing_gets_not_yet_and_a_hint(path: Path) -> None:
    from osworkshop.checks import hint

    nb = read(path)
    before = inventory_before(path)
    execute(nb, path, strict=False)
    for ex in exercises(nb):
        text = unescaped(shown(nb.cells[ex.check]))
        assert not_yet(text), f"{ex.id} passed although nothing was typed:\n{text}"
        first = hint(ex.id, 1).split(": ", 1)[1]
        assert first in text, f"{ex.id}: the answer does not give the first hint:\n{text}"
    assert demo_inventory(path) == without_own(before, path), \
        f"{path.name} left something in the demo project"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_wrong_answer_is_named(path: Path) -> None:
    nb = read(path)
    wrong = wrong_answers(path)
    assert set(wrong) == {ex.id for ex in exercises(nb)}, \
        f"every exercise of {path.name} needs one wrong answer in tests/lab/wrong_answers/"
    before = inventory_before(path)
    ran = execute(with_answers(nb, {ex_id: w.answer for ex_id, w in wrong.items()}), path,
                  strict=False)
    for ex in exercises(ran):
        text = unescaped(shown(ran.cells[ex.check]))
        assert not_yet(text), f"{ex.id} passed a wrong answer ({wrong[ex.id].why}):\n{text}"
        assert wrong[ex.id].says in text, \
            f"{ex.id}: the answer to {wrong[ex.id].why} does not say {wrong[ex.id].says!r}:\n{text}"
    assert demo_inventory(path) == without_own(before, path), \
        f"{path.name} left something in the demo project"
