"""Notebook 01 (cloud principles): principle cards from data/principles.yaml and failure odds."""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from .data import load
from .widgets import Explorer, _e, _wire, table


def principle(principle_id: str) -> dict[str, Any]:
    """One record of data/principles.yaml by id."""
    for record in load("principles"):
        if record["id"] == principle_id:
            return record
    known = ", ".join(p["id"] for p in load("principles"))
    raise KeyError(f"No principle {principle_id!r}; known: {known}")


class HTML(str):
    """A string that notebooks display as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def principle_card(principle_id: str) -> HTML:
    """The principle's summary, the vSphere habit and the cloud way, with the source."""
    p = principle(principle_id)
    return HTML(
        f"<h4>{_e(p['name'])}</h4><p>{_e(p['summary'])}</p>"
        + table(("vSphere habit", "Cloud way"), [(p["vsphere_habit"], p["cloud_way"])])
        + f"<p><small>Source: {_e(p['source'])}</small></p>"
    )


def principles_table() -> HTML:
    """The six principles in one table: name, vSphere habit, cloud way (the pets-and-cattle
    picture is not one of them)."""
    rows = [
        (p["name"], p["vsphere_habit"], p["cloud_way"])
        for p in load("principles")
        if p["kind"] == "principle"
    ]
    return HTML(table(("Principle", "vSphere habit", "Cloud way"), rows))


# --------------------------------------------------------------------------- failure odds


def p_any_failure(hosts: int, p: float) -> float:
    """Chance that at least one of ``hosts`` fails when each fails independently with ``p`` (0–1)."""
    if not 0 <= p <= 1:
        raise ValueError(f"p is a fraction between 0 and 1, got {p}")
    if hosts < 0:
        raise ValueError(f"hosts must be 0 or more, got {hosts}")
    return 1 - (1 - p) ** hosts


def expected_failures(hosts: int, p: float) -> float:
    """How many of ``hosts`` fail on average."""
    p_any_failure(hosts, p)  # validates
    return hosts * p


def failure_html(hosts: int, percent: float) -> str:
    p = percent / 100
    chance = p_any_failure(hosts, p)
    sample = sorted({1, 10, 100, 1000, hosts})
    rows = [(n, f"{p_any_failure(n, p):.1%}", f"{expected_failures(n, p):g}") for n in sample]
    verdict = (
        "At this size a failure somewhere is close to certain: design for it."
        if chance >= 0.9
        else "Failures are rare at this size, but the chance grows with every host you add."
    )
    return (
        f"<p>{hosts} hosts, each failing with {percent:g}% chance in the period: "
        f"<b>{chance:.1%}</b> chance that at least one fails. {verdict}</p>"
        + table(("Hosts", "P(at least one fails)", "Failures expected"), rows)
    )


def failure_odds(hosts: int = 20, percent: float = 1.0) -> Explorer:
    """Sliders: number of hosts and each host's failure chance; shows P(at least one fails)."""
    controls: dict[str, w.Widget] = {
        "hosts": w.IntSlider(hosts, 1, 2000, description="Hosts"),
        "percent": w.FloatSlider(percent, min=0, max=20, step=0.1, description="Each fails %"),
    }
    return _wire(controls, lambda: failure_html(controls["hosts"].value, controls["percent"].value))
