"""The timings benchmark counts an explorer only where a widget has a control."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat

SPEC = importlib.util.spec_from_file_location(
    "timings", Path(__file__).resolve().parents[2] / "benchmarks" / "timings.py")
assert SPEC is not None and SPEC.loader is not None
timings = importlib.util.module_from_spec(SPEC)
sys.modules["timings"] = timings  # its dataclass looks itself up there
SPEC.loader.exec_module(timings)


def view(model_id: str) -> dict[str, object]:
    return {"output_type": "display_data", "metadata": {},
            "data": {"application/vnd.jupyter.widget-view+json": {"model_id": model_id}}}


def test_only_cells_showing_a_control_count_as_explorers() -> None:
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("table()", outputs=[view("html")]),
        nbformat.v4.new_code_cell("explore()", outputs=[view("box")]),
        nbformat.v4.new_code_cell("print(1)"),
    ])
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {
        "html": {"model_name": "HTMLModel", "state": {}},
        "box": {"model_name": "VBoxModel",
                "state": {"children": ["IPY_MODEL_out", "IPY_MODEL_slider"]}},
        "out": {"model_name": "OutputModel", "state": {}},
        "slider": {"model_name": "IntSliderModel", "state": {}},
    }}}
    assert timings.explorers(nb) == 1


def test_a_notebook_without_widget_state_has_no_explorers() -> None:
    assert timings.explorers(nbformat.v4.new_notebook()) == 0
