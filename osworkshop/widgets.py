"""Small interactive explorers built from ``data/``. Logic lives in pure functions; widgets are thin."""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w

from .data import load

ALL = "all"


@dataclass
class Explorer:
    """A displayable widget: its ``controls`` by name and the ``output`` HTML it updates."""

    controls: dict[str, w.Widget]
    output: w.HTML
    box: w.Box = field(init=False)

    def __post_init__(self) -> None:
        self.box = w.VBox([*self.controls.values(), self.output])

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.box._repr_mimebundle_(**kwargs)


def _wire(controls: dict[str, w.Widget], render: Callable[[], str]) -> Explorer:
    explorer = Explorer(controls, w.HTML(render()))

    def refresh(_change: Any = None) -> None:
        explorer.output.value = render()

    for control in controls.values():
        control.observe(refresh, names="value")
    return explorer


def _e(text: Any) -> str:
    return html.escape(str(text))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """An HTML table with escaped cells."""
    head = "".join(f"<th style='text-align:left'>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{_e(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- terms


def filter_terms(category: str = ALL, query: str = "") -> list[dict[str, Any]]:
    """Terms in ``category`` (or all) whose vSphere or OpenStack wording contains ``query``."""
    needle = query.strip().lower()
    return [
        t
        for t in load("terms")
        if (category == ALL or t["category"] == category)
        and (not needle or needle in f"{t['vsphere']} {t['openstack']} {t['service']}".lower())
    ]


def terms_html(terms: list[dict[str, Any]]) -> str:
    if not terms:
        return "<p>No term matches. Clear the search box or choose another category.</p>"
    rows = [
        (t["vsphere"], t["openstack"], t["service"], t["explanation"], t["notebook"]) for t in terms
    ]
    return table(("vSphere", "OpenStack", "Service", "What to know", "Notebook"), rows)


def term_explorer(category: str = ALL) -> Explorer:
    """Browse vSphere → OpenStack terms by category and search text."""
    categories = [ALL, *sorted({t["category"] for t in load("terms")})]
    controls: dict[str, w.Widget] = {
        "category": w.Dropdown(options=categories, value=category, description="Category"),
        "search": w.Text(value="", description="Search", placeholder="e.g. vMotion"),
    }
    return _wire(
        controls,
        lambda: terms_html(filter_terms(controls["category"].value, controls["search"].value)),
    )


# --------------------------------------------------------------------------- codenames


def codename_html(codename: str, offered: Callable[[str], bool] | None = None) -> str:
    """A card for one project; ``offered(service_type)`` says if the connected cloud has it."""
    record = next((c for c in load("codenames") if c["codename"] == codename), None)
    if record is None:
        return f"<p>No project called {_e(codename)}.</p>"
    in_lab = offered(record["service_type"]) if offered else record["in_lab"]
    where = "this cloud" if offered else "the course lab"
    rows = [
        ("Does", record["function"]),
        ("Catalog type", record["service_type"]),
        ("Closest vSphere idea", record["vsphere_analogue"]),
        ("Since", record["since"]),
        (f"In {where}", "yes" if in_lab else "no"),
    ]
    return f"<h4>{_e(codename)}</h4>" + table(("", ""), rows)


def codename_explorer(conn: Any = None) -> Explorer:
    """Pick a codename to see what it does; with ``conn``, 'in this cloud' comes from its catalog."""
    offered: Callable[[str], bool] | None = None
    if conn is not None:
        from .connect import offers

        def offered(service_type: str) -> bool:
            return offers(conn, service_type)

    names = [c["codename"] for c in load("codenames")]
    controls: dict[str, w.Widget] = {"codename": w.Dropdown(options=names, description="Project")}
    return _wire(controls, lambda: codename_html(controls["codename"].value, offered))


# --------------------------------------------------------------------------- success arithmetic


def successes(projects: float, rate: float) -> float:
    """Expected successes: ``projects`` attempts at success ``rate`` (0–1)."""
    if not 0 <= rate <= 1:
        raise ValueError(f"rate is a fraction between 0 and 1, got {rate}")
    return projects * rate


def success_html(old_projects: int, old_rate: float, new_projects: int, new_rate: float) -> str:
    old, new = successes(old_projects, old_rate), successes(new_projects, new_rate)
    ratio = f"{new / old:.1f}×" if old else "infinitely many times"
    return (
        f"<p>Old way: {old_projects} projects × {old_rate:.0%} = <b>{old:g}</b> successes.<br>"
        f"Cloud way: {new_projects} projects × {new_rate:.0%} = <b>{new:g}</b> successes.<br>"
        f"The cloud way gives <b>{ratio}</b> as many successes.</p>"
    )


def success_arithmetic() -> Explorer:
    """Sliders for the 'more, cheaper experiments' argument (defaults from the 2013 talk)."""
    example = next(p for p in load("principles") if p["id"] == "cultural-change")["example"]
    controls: dict[str, w.Widget] = {
        "old_projects": w.IntSlider(example["old_projects"], 1, 100, description="Old projects"),
        "old_rate": w.IntSlider(
            round(example["old_rate"] * 100), 0, 100, description="Old success %"
        ),
        "new_projects": w.IntSlider(example["new_projects"], 1, 100, description="Cloud projects"),
        "new_rate": w.IntSlider(
            round(example["new_rate"] * 100), 0, 100, description="Cloud success %"
        ),
    }
    return _wire(
        controls,
        lambda: success_html(
            controls["old_projects"].value,
            controls["old_rate"].value / 100,
            controls["new_projects"].value,
            controls["new_rate"].value / 100,
        ),
    )


# --------------------------------------------------------------------------- storage


STORAGE_FIELDS = (
    "used_for",
    "accessed_through",
    "accessible_from",
    "managed_by",
    "persists_until",
    "sized_by",
    "typical_use",
    "vsphere_analogue",
)


def storage_html(kinds: Sequence[str], fields: Sequence[str]) -> str:
    """Compare storage kinds (ids from storage_types.yaml) on the chosen fields."""
    records = [s for s in load("storage_types") if s["id"] in kinds]
    if not records or not fields:
        return "<p>Pick at least one kind of storage and one attribute.</p>"
    rows = [(f.replace("_", " ").capitalize(), *(r[f] for r in records)) for f in fields]
    return table(("", *(r["name"] for r in records)), rows)


def storage_table() -> Explorer:
    """Choose kinds of storage and attributes; see them side by side."""
    ids = [s["id"] for s in load("storage_types")]
    controls: dict[str, w.Widget] = {
        "kinds": w.SelectMultiple(options=ids, value=tuple(ids), description="Kinds"),
        "fields": w.SelectMultiple(
            options=STORAGE_FIELDS, value=STORAGE_FIELDS, description="Attributes"
        ),
    }
    return _wire(controls, lambda: storage_html(controls["kinds"].value, controls["fields"].value))


# --------------------------------------------------------------------------- then and now


def filter_then_and_now(topic: str = "", notebook: str = ALL) -> list[dict[str, Any]]:
    """2013-vs-today records whose topic or text contains ``topic``, optionally for one notebook."""
    needle = topic.strip().lower()
    return [
        r
        for r in load("then_and_now")
        if (notebook == ALL or r["notebook"] == notebook)
        and (not needle or needle in f"{r['id']} {r['topic']} {r['then']} {r['now']}".lower())
    ]


def then_and_now_html(records: list[dict[str, Any]]) -> str:
    if not records:
        return "<p>Nothing matches. Try a shorter word, such as HA or network.</p>"
    rows = [(r["topic"], r["then"], r["now"], r["now_source"]) for r in records]
    return table(("Topic", "2013", "Today", "Source for today"), rows)


def then_and_now(topic: str = "", notebook: str = ALL) -> Explorer:
    """What the 2013 articles said and what is true today, filtered by a word and a notebook."""
    notebooks = [ALL, *sorted({r["notebook"] for r in load("then_and_now")})]
    controls: dict[str, w.Widget] = {
        "topic": w.Text(value=topic, description="Topic", placeholder="e.g. HA"),
        "notebook": w.Dropdown(options=notebooks, value=notebook, description="Notebook"),
    }
    return _wire(
        controls,
        lambda: then_and_now_html(
            filter_then_and_now(controls["topic"].value, controls["notebook"].value)
        ),
    )
