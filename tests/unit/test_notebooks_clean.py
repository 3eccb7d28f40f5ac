"""Every committed notebook is clean: no outputs, no execution counts, the `python3` kernel,
and no stray metadata (widget state, execution times, collapsed or scrolled flags).

Also the pre-commit hook (see .pre-commit-config.yaml), with only the standard library:

    python3 tests/unit/test_notebooks_clean.py notebooks/*.ipynb
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"

#: What nbstripout leaves and the course uses; anything else is noise in a diff.
NOTEBOOK_METADATA = {"kernelspec", "language_info"}
CELL_METADATA = {"tags", "jupyter", "editable", "deletable", "slideshow", "osworkshop"}
JUPYTER_METADATA = {"source_hidden", "outputs_hidden"}
CELL_FIELDS = {"cell_type", "id", "metadata", "source", "outputs", "execution_count",
               "attachments"}


def problems(nb: dict[str, Any], name: str = "notebook") -> list[str]:
    """What keeps ``nb`` (a parsed .ipynb) from being committed; empty when it is clean."""
    found: list[str] = []
    if nb.get("nbformat") != 4:
        found.append(f"{name}: nbformat is {nb.get('nbformat')}, not 4")
    metadata = nb.get("metadata", {})
    found += [f"{name}: notebook metadata {key!r} (nbstripout removes it)"
              for key in sorted(set(metadata) - NOTEBOOK_METADATA)]
    kernel = (metadata.get("kernelspec") or {}).get("name")
    if kernel != "python3":
        found.append(f"{name}: kernel is {kernel!r}, not 'python3'")
    language = (metadata.get("language_info") or {}).get("name", "python")
    if language != "python":
        found.append(f"{name}: language is {language!r}")
    ids: set[str] = set()
    for i, cell in enumerate(nb.get("cells", [])):
        where = f"{name} cell {i}"
        found += [f"{where}: field {key!r}" for key in sorted(set(cell) - CELL_FIELDS)]
        if "id" in cell:
            if cell["id"] in ids:
                found.append(f"{where}: duplicate id {cell['id']!r}")
            ids.add(cell["id"])
        elif nb.get("nbformat_minor", 0) >= 5:
            found.append(f"{where}: no id (nbformat 4.5 needs one)")
        meta = cell.get("metadata", {})
        found += [f"{where}: metadata {key!r}" for key in sorted(set(meta) - CELL_METADATA)]
        found += [f"{where}: metadata jupyter.{key}"
                  for key in sorted(set(meta.get("jupyter", {})) - JUPYTER_METADATA)]
        if "solution" in meta.get("tags", []) and cell.get("cell_type") != "markdown":
            found.append(f"{where}: a solution must be a markdown cell (collapsed in <details>), "
                         "never code that Run All executes")
        if cell.get("cell_type") == "code":
            if cell.get("outputs"):
                found.append(f"{where}: has {len(cell['outputs'])} output(s)")
            if cell.get("execution_count") is not None:
                found.append(f"{where}: execution_count {cell['execution_count']}")
    return found


def check_file(path: Path) -> list[str]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{path.name}: cannot read it as JSON ({exc})"]
    return problems(nb, path.name)


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(NOTEBOOKS.glob("*.ipynb"))
    found = [p for path in paths if path.suffix == ".ipynb" for p in check_file(path)]
    for problem in found:
        print(problem)
    if found:
        print("Strip the notebooks with `nbstripout --keep-id notebooks/*.ipynb` "
              "(pre-commit does it for you).")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))


# --------------------------------------------------------------------------- the tests

# pytest is imported after main(), so that the hook needs only the standard library.
import pytest

ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert len(ALL) >= 5, f"found only {[p.name for p in ALL]} in {NOTEBOOKS}"


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_notebook_is_clean(path: Path) -> None:
    assert check_file(path) == []


def clean_notebook() -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}, "language_info": {"name": "python"}},
        "cells": [
            {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# 99 · Test"},
            {"cell_type": "code", "id": "b", "metadata": {}, "source": "1", "outputs": [],
             "execution_count": None},
            {"cell_type": "markdown", "id": "c", "source": "<details>```python\n1\n```</details>",
             "metadata": {"tags": ["solution"], "osworkshop": {"exercise": "nb99.x"}}},
        ],
    }


def test_a_clean_notebook_passes() -> None:
    assert problems(clean_notebook()) == []


def test_outputs_counts_and_widget_state_are_reported() -> None:
    nb = clean_notebook()
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb["metadata"]["kernelspec"]["name"] = "my-venv"
    code = nb["cells"][1]
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1\n"}]
    code["execution_count"] = 3
    code["metadata"] = {"scrolled": True, "ExecuteTime": {}}
    nb["cells"][2].update(cell_type="code", outputs=[], execution_count=None)
    nb["cells"][0]["id"] = "b"
    found = problems(nb, "x.ipynb")
    assert found == [
        "x.ipynb: notebook metadata 'widgets' (nbstripout removes it)",
        "x.ipynb: kernel is 'my-venv', not 'python3'",
        "x.ipynb cell 1: duplicate id 'b'",
        "x.ipynb cell 1: metadata 'ExecuteTime'",
        "x.ipynb cell 1: metadata 'scrolled'",
        "x.ipynb cell 1: has 1 output(s)",
        "x.ipynb cell 1: execution_count 3",
        ("x.ipynb cell 2: a solution must be a markdown cell (collapsed in <details>), never "
         "code that Run All executes"),
    ]


def test_the_hook_reports_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dirty = clean_notebook()
    dirty["cells"][1]["execution_count"] = 1
    (tmp_path / "dirty.ipynb").write_text(json.dumps(dirty), encoding="utf-8")
    (tmp_path / "clean.ipynb").write_text(json.dumps(clean_notebook()), encoding="utf-8")
    (tmp_path / "broken.ipynb").write_text("{", encoding="utf-8")
    assert main([str(tmp_path / "clean.ipynb")]) == 0
    assert main([str(tmp_path / n) for n in ("clean.ipynb", "dirty.ipynb", "broken.ipynb")]) == 1
    out = capsys.readouterr().out
    assert "dirty.ipynb cell 1: execution_count 1" in out
    assert "broken.ipynb: cannot read it as JSON" in out
    assert "clean.ipynb" not in out
