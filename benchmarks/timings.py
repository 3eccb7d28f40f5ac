"""How long each notebook takes a learner, measured, against the minutes the agenda gives it.

For every notebook: the words of its prose (solutions left out) read at READING_WPM, its code
read at CODE_LINES_PER_MINUTE, the measured run time of its cells (the notebook executed with
its solutions typed in, against the running lab), and a fixed allowance per exercise and per
explorer (a widget with a control) to play with. The sum, rounded up to 5 minutes, is the notebook's measured time.

    python3 benchmarks/timings.py            # print the table (runs every notebook: ~5 min)
    python3 benchmarks/timings.py 05 08      # only these notebooks
    python3 benchmarks/timings.py --write    # also set data/outline.yaml and each notebook's
                                             # "**Time:**" line to the measured minutes
                                             # (then: python -m osworkshop.outline)

The lab must be up (``python3 -m labsetup up``). Run it with ``python3``: it re-executes itself
in the course environment.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: Assumptions, printed with every table.
READING_WPM = 150            # a careful read of technical prose in a second language
CODE_LINES_PER_MINUTE = 12   # reading a code cell before running it
MINUTES_PER_EXERCISE = 6     # think, type, run, read the check (Python or terminal)
MINUTES_PER_WIDGET = 1.5     # moving the sliders of one explorer
#: Widget models that only show or lay out (an explorer has at least one control besides).
DISPLAY_ONLY = {"HTMLModel", "HTMLMathModel", "LabelModel", "OutputModel", "BoxModel",
                "HBoxModel", "VBoxModel", "GridBoxModel", "AccordionModel", "TabModel",
                "ImageModel", "ValidModel"}


@dataclass
class Timing:
    notebook: str
    words: int
    code_lines: int
    run_seconds: float
    exercises: int
    widgets: int
    agenda: int

    @property
    def minutes(self) -> float:
        return (self.words / READING_WPM + self.code_lines / CODE_LINES_PER_MINUTE
                + self.run_seconds / 60 + self.exercises * MINUTES_PER_EXERCISE
                + self.widgets * MINUTES_PER_WIDGET)

    @property
    def rounded(self) -> int:
        return 5 * math.ceil(self.minutes / 5)


def words(text: str) -> int:
    text = re.sub(r"<[^>]+>", " ", text)           # HTML tags
    text = re.sub(r"`[^`]*`", " x ", text)          # inline code counts as one word
    return len(re.findall(r"[\w'’.-]+", text))


def explorers(nb: object) -> int:
    """Code cells of the executed ``nb`` that show a widget with a control (a slider, a
    dropdown, a button...), read from the widget state nbclient saved."""
    metadata = getattr(nb, "metadata", {})
    state = (metadata.get("widgets", {})
             .get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))

    def controls(model_id: str, seen: set[str]) -> bool:
        if model_id in seen or model_id not in state:
            return False
        seen.add(model_id)
        model = state[model_id]
        name = model.get("model_name", "")
        if name.endswith("Model") and not name.endswith(("LayoutModel", "StyleModel")) \
                and name not in DISPLAY_ONLY:
            return True
        children = model.get("state", {}).get("children", [])
        return any(controls(str(c).removeprefix("IPY_MODEL_"), seen) for c in children)

    count = 0
    for cell in getattr(nb, "cells", []):
        views = [out.get("data", {}).get("application/vnd.jupyter.widget-view+json", {})
                 for out in cell.get("outputs", [])]
        if any(controls(v["model_id"], set()) for v in views if v.get("model_id")):
            count += 1
    return count


def measure(path: Path, agenda: int) -> Timing:
    import nbformat

    from tests.answers import exercises, run, solved

    shipped = nbformat.read(path, as_version=4)
    prose = [c.source for c in shipped.cells
             if c.cell_type == "markdown" and "solution" not in c.metadata.get("tags", [])]
    code = [c.source for c in shipped.cells if c.cell_type == "code"]
    course_bin = Path(sys.executable).parent  # `!openstack` finds the course's CLI, as in JupyterLab
    env = {**os.environ, "OSWORKSHOP_STRICT": "1",
           "PATH": f"{course_bin}:{os.environ.get('PATH', '')}"}
    env.setdefault("OS_CLOUD", "lab-demo")
    nb = run(solved(shipped), path, env, timing=True)
    seconds = 0.0
    for cell in nb.cells:
        stamps = cell.get("metadata", {}).get("execution", {})
        start, end = stamps.get("iopub.execute_input"), stamps.get("shell.execute_reply")
        if start and end:
            seconds += (datetime.fromisoformat(end.rstrip("Z"))
                    - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()
    return Timing(path.stem, sum(words(p) for p in prose),
                  sum(len([ln for ln in c.splitlines() if ln.strip()]) for c in code), seconds,
                  len(exercises(shipped)), explorers(nb), agenda)


def write(results: list[Timing]) -> None:
    """Set the outline's minutes and each notebook's **Time:** line to the measured ones."""
    import nbformat

    outline = REPO / "data" / "outline.yaml"
    text = outline.read_text(encoding="utf-8")
    for t in results:
        number = t.notebook[:2]
        text = re.sub(rf'(- number: "{number}"\n(?:  .*\n)*?  minutes: )\d+',
                      rf"\g<1>{t.rounded}", text)
        path = REPO / "notebooks" / f"{t.notebook}.ipynb"
        nb = nbformat.read(path, as_version=4)
        head = nb.cells[0]
        head.source = re.sub(r"(\*\*Time:\*\*\s*)\d+(\s*minutes)", rf"\g<1>{t.rounded}\g<2>",
                             head.source)
        nbformat.write(nb, path)
    outline.write_text(text, encoding="utf-8")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("numbers", nargs="*", help="notebook numbers (default: all)")
    p.add_argument("--write", action="store_true",
                   help="set data/outline.yaml and the notebooks' Time lines to the measurement")
    args = p.parse_args()
    from osworkshop.outline import outline

    agenda = {e.number: e.minutes for e in outline()}
    paths = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    if args.numbers:
        paths = [q for q in paths if q.name[:2] in args.numbers]
    print(f"assumptions: prose at {READING_WPM} words/min, code at {CODE_LINES_PER_MINUTE} "
          f"lines/min, {MINUTES_PER_EXERCISE} min per exercise, {MINUTES_PER_WIDGET} min per "
          "widget, plus the cells' measured run time\n")
    head = (f"{'notebook':<36} {'words':>6} {'code':>5} {'run s':>6} {'ex':>3} {'wid':>4} "
            f"{'measured':>9} {'agenda':>7} {'ratio':>6}")
    print(head)
    results = []
    t0 = time.monotonic()
    for path in paths:
        t = measure(path, agenda.get(path.name[:2], 0))
        results.append(t)
        ratio = t.minutes / t.agenda if t.agenda else float("nan")
        print(f"{t.notebook:<36} {t.words:>6} {t.code_lines:>5} {t.run_seconds:>6.0f} "
              f"{t.exercises:>3} {t.widgets:>4} {t.minutes:>8.1f}m {t.agenda:>6}m {ratio:>6.2f}",
              flush=True)
    total = sum(t.minutes for t in results)
    planned = sum(t.agenda for t in results)
    print(f"{'total':<36} {'':>6} {'':>5} {'':>6} {'':>3} {'':>4} {total:>8.1f}m {planned:>6}m "
          f"{total / planned if planned else float('nan'):>6.2f}")
    print(f"\n(measured in {time.monotonic() - t0:.0f} s)")
    if args.write:
        write(results)
        print("wrote the rounded minutes to data/outline.yaml and the notebooks' Time lines; "
              "now run: python -m osworkshop.outline")
    return 0


def in_course_env() -> None:
    """Re-execute in the course environment when nbclient is not importable here."""
    try:
        import nbclient  # noqa: F401
    except ImportError:
        py = Path(os.environ.get("LABSETUP_HOME", Path.home() / ".local/share/openstack-lab"))
        py = py / "course-venv" / "bin" / "python"
        raise SystemExit(subprocess.call([str(py), *sys.argv]))


if __name__ == "__main__":
    in_course_env()
    sys.path.insert(0, str(REPO))
    raise SystemExit(main())
