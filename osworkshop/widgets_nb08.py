"""Notebook 08's widget: tick what a workload needs, see which kind of storage meets it all."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as w

from .storage_nb08 import KINDS, NEEDS, advice, kinds_for
from .widgets import Explorer, _wire, table

YES, NO = "\u2713", "\u2717"


def needs_html(needs: Sequence[str]) -> str:
    """A table of the chosen needs against the three kinds, and the conclusion."""
    chosen = [n for n in NEEDS if n in needs]  # NEEDS order, whatever order they were ticked in
    conclusion = f"<p><b>{html.escape(advice(chosen))}</b></p>"
    if not chosen:
        return conclusion
    rows: list[tuple[str, ...]] = [
        (NEEDS[n].label, *(YES if k in NEEDS[n].kinds else NO for k in KINDS)) for n in chosen
    ]
    fits = kinds_for(chosen)
    rows.append(("Meets all of them", *(YES if k in fits else NO for k in KINDS)))
    return table(("The workload needs", *KINDS), rows) + conclusion


def needs_picker(*ticked: str) -> Explorer:
    """One checkbox per need; the table below says which kinds of storage meet all ticked ones."""
    controls: dict[str, w.Widget] = {
        need: w.Checkbox(
            value=need in ticked,
            description=spec.label,
            indent=False,
            layout=w.Layout(width="auto"),
        )
        for need, spec in NEEDS.items()
    }
    return _wire(
        controls, lambda: needs_html([n for n, box in controls.items() if box.value])
    )
