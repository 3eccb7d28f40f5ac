"""Put answers into a notebook's exercises, the way a learner would type them.

A notebook ships every exercise as three cells that share an exercise id (cell metadata
``osworkshop.exercise``):

* the learner's cell, tagged ``exercise`` (``# Your code here``); a terminal exercise has none;
* the solution, tagged ``solution``: a *markdown* cell with the code collapsed in a
  ``<details>`` block, so neither Run All nor Shift+Enter ever executes it;
* the check, tagged ``check``, which reads the answer back from the cloud.

The test suite runs each notebook with the solutions typed in (``solved``), as shipped (the
learner who does nothing) and with a plausible wrong answer per exercise
(``tests/lab/wrong_answers/nbNN.yaml``). nbval's run of a solved notebook is a *Restart Kernel
and Run All* after a correct answer: ``first_pass`` runs the answered notebook up to its last
check (the clean-up after it not yet run) before nbval's own kernel starts (see ``conftest.py``). A ``bash`` solution is a terminal exercise: it is run
as a ``%%bash`` cell that stops at the first failing command.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import yaml

OTHER_NOTEBOOK = re.compile(r"osworkshop-nb(\d\d)")
FENCE = re.compile(r"```(python|bash)\n(.*?)```", re.DOTALL)
WRONG_ANSWERS = Path(__file__).parent / "lab" / "wrong_answers"


@dataclass(frozen=True)
class Answer:
    """What a learner types for one exercise: Python, or shell commands for a terminal."""

    code: str
    language: str = "python"

    def cell_source(self) -> str:
        if self.language == "bash":
            return "%%bash\nset -euo pipefail\n" + self.code
        return self.code


@dataclass(frozen=True)
class Exercise:
    id: str
    cell: int | None  # the learner's code cell, or None for a terminal exercise
    solution: int
    check: int


def exercise_id(cell: Any) -> str | None:
    return (cell.get("metadata", {}).get("osworkshop") or {}).get("exercise")


def tagged(cell: Any, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def exercises(nb: Any) -> list[Exercise]:
    """The notebook's exercises in order; raises ValueError when the three cells do not match."""
    found: list[Exercise] = []
    cells = nb.cells
    for i, cell in enumerate(cells):
        if not tagged(cell, "solution"):
            continue
        ex_id = exercise_id(cell)
        if cell.cell_type != "markdown" or not ex_id:
            raise ValueError(f"cell {i}: a solution must be a markdown cell with an exercise id")
        learner = i - 1 if i and tagged(cells[i - 1], "exercise") else None
        if learner is not None and exercise_id(cells[learner]) != ex_id:
            raise ValueError(f"cell {learner}: its exercise id is not {ex_id!r}")
        check = next((j for j in range(i + 1, len(cells)) if tagged(cells[j], "check")), None)
        if check is None or exercise_id(cells[check]) != ex_id:
            raise ValueError(f"exercise {ex_id}: no check cell after its solution")
        found.append(Exercise(ex_id, learner, i, check))
    return found


def solution(cell: Any) -> Answer:
    blocks = FENCE.findall(cell.source)
    if len(blocks) != 1:
        raise ValueError(f"exercise {exercise_id(cell)}: the solution needs exactly one fenced "
                         f"python or bash block, found {len(blocks)}")
    language, code = blocks[0]
    return Answer(code, language)


def with_answers(nb: Any, answers: Mapping[str, Answer]) -> Any:
    """A copy of ``nb`` with ``answers`` (exercise id -> Answer) typed into the exercises."""
    nb = copy.deepcopy(nb)
    inserted = 0
    for ex in exercises(nb):
        if ex.id not in answers:
            continue
        source = answers[ex.id].cell_source()
        if ex.cell is not None:
            nb.cells[ex.cell + inserted].source = source
        else:  # a terminal exercise: the commands run just before the check
            at = ex.check + inserted
            nb.cells.insert(at, nbformat.v4.new_code_cell(source))
            inserted += 1
    return nb


def solved(nb: Any) -> Any:
    """``nb`` with every exercise answered by its own solution."""
    return with_answers(nb, {ex.id: solution(nb.cells[ex.solution]) for ex in exercises(nb)})


@dataclass(frozen=True)
class Wrong:
    """A plausible wrong answer, and the words the check must say about it."""

    answer: Answer
    says: str
    why: str


def wrong_answers(notebook: Path) -> dict[str, Wrong]:
    """The wrong answers for ``notebook`` (tests/lab/wrong_answers/nbNN.yaml)."""
    path = WRONG_ANSWERS / f"nb{notebook.name[:2]}.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {ex_id: Wrong(Answer(item["code"], item.get("language", "python")),
                         str(item["says"]), str(item["why"]))
            for ex_id, item in data.items()}


def read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def run(nb: Any, path: Path, env: Mapping[str, str], *, timing: bool = False) -> Any:
    """Execute ``nb`` (read from ``path``) top to bottom in a new kernel, as *Restart Kernel
    and Run All* does, in the notebook's folder; raises nbclient's CellExecutionError."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=900, kernel_name="python3", record_timing=timing,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute(env=dict(env))
    return nb


def first_pass(nb: Any) -> Any | None:
    """The answered notebook up to its last check: what a learner has run when they choose
    *Restart Kernel and Run All*; None for a notebook without exercises."""
    found = exercises(nb)
    if not found:
        return None
    first = copy.deepcopy(nb)
    del first.cells[found[-1].check + 1:]
    return first


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


def without_own(found: dict[str, list[str]], path: Path) -> dict[str, list[str]]:
    """``found`` less what ``path``'s notebook named as its own (``osworkshop-nbNN-...``):
    its setup cell removes what an earlier run of it left, so those may go."""
    own = f"osworkshop-nb{path.name[:2]}"
    return {kind: kept for kind, names in found.items()
            if (kept := [n for n in names if own not in n])}
