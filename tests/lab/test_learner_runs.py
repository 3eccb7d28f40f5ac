"""Every notebook as three learners run it: one who types nothing, one who types a plausible
wrong answer, and one who answers correctly, then restarts the kernel and runs all again.

* Nothing typed: every check says "Not yet" with the exercise's first hint, no cell raises, the
  notebook reaches its end, and the demo project ends as it started.
* Wrong answers (``tests/lab/wrong_answers/nbNN.yaml``, one per exercise): every check says
  "Not yet" and names what is wrong.
* Correct answers, then *Restart Kernel and Run All*: the second run starts from what the
  first left (its servers, flavors, volumes...) and passes, with no 409 or duplicate.

nbval runs the solved notebooks once more (see ``conftest.py``).
"""

from __future__ import annotations

import copy
import html
import os
import re
from pathlib import Path
from typing import Any

import pytest
from nbclient.exceptions import CellExecutionError

from labsetup.config import REPO
from tests.answers import exercises, read, run, solved, with_answers, wrong_answers

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


OTHER_NOTEBOOK = re.compile(r"osworkshop-nb(\d\d)")


def demo_inventory(path: Path) -> dict[str, list[str]]:
    """What the demo project holds, less what another notebook named as its own (a learner
    may have other notebooks open; their leftovers are theirs to clean)."""
    import openstack

    from osworkshop.classroom import inventory

    def ours(name: str) -> bool:
        other = OTHER_NOTEBOOK.search(name)
        return other is None or other.group(1) == path.name[:2]

    found = inventory(openstack.connect(cloud="lab-demo"))
    return {kind: kept for kind, names in found.items() if (kept := [n for n in names if ours(n)])}


def unescaped(text: str) -> str:
    return html.unescape(text)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_learner_who_types_nothing_gets_not_yet_and_a_hint(path: Path) -> None:
    from osworkshop.checks import hint

    nb = read(path)
    before = demo_inventory(path)
    execute(nb, path, strict=False)
    for ex in exercises(nb):
        text = unescaped(shown(nb.cells[ex.check]))
        assert not_yet(text), f"{ex.id} passed although nothing was typed:\n{text}"
        first = hint(ex.id, 1).split(": ", 1)[1]
        assert first in text, f"{ex.id}: the answer does not give the first hint:\n{text}"
    assert demo_inventory(path) == before, f"{path.name} left something in the demo project"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_wrong_answer_is_named(path: Path) -> None:
    nb = read(path)
    wrong = wrong_answers(path)
    assert set(wrong) == {ex.id for ex in exercises(nb)}, \
        f"every exercise of {path.name} needs one wrong answer in tests/lab/wrong_answers/"
    before = demo_inventory(path)
    ran = execute(with_answers(nb, {ex_id: w.answer for ex_id, w in wrong.items()}), path,
                  strict=False)
    for ex in exercises(ran):
        text = unescaped(shown(ran.cells[ex.check]))
        assert not_yet(text), f"{ex.id} passed a wrong answer ({wrong[ex.id].why}):\n{text}"
        assert wrong[ex.id].says in text, \
            f"{ex.id}: the answer to {wrong[ex.id].why} does not say {wrong[ex.id].says!r}:\n{text}"
    assert demo_inventory(path) == before, f"{path.name} left something in the demo project"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_restart_and_run_all_after_correct_answers(path: Path) -> None:
    nb = solved(read(path))
    found = exercises(nb)
    before = demo_inventory(path)
    if found:  # the learner answered everything; the cleanup at the end has not run yet
        first = copy.deepcopy(nb)
        del first.cells[found[-1].check + 1:]
        execute(first, path, strict=True)
    execute(nb, path, strict=True)  # Restart Kernel and Run All
    assert demo_inventory(path) == before, f"{path.name} left something in the demo project"
