"""Draw OpenStack's history (``data/history.yaml``) as a timeline figure with matplotlib.

One row per event, top to bottom in date order; each event gets one marker at its date on a real
time axis, so the busy early years and the quieter later ones are visible at a glance.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matplotlib.figure import Figure

from .data import load

#: Words that mark an event as part of the VMware story (drawn in a second colour).
VMWARE_WORDS: tuple[str, ...] = ("VMware", "Broadcom", "vSphere")

OPENSTACK_COLOR = "#d6245b"
VMWARE_COLOR = "#1d6fa5"
GID = "timeline-event"


def decimal_year(record: Mapping[str, Any]) -> float:
    """The event's date as a decimal year: ``date`` (YYYY, YYYY-MM or YYYY-MM-DD) else mid-``year``."""
    date = str(record.get("date") or "").strip()
    parts = [int(p) for p in date.split("-") if p.isdigit()] if date else []
    if not parts:
        return float(record["year"]) + 0.5
    year = parts[0]
    if len(parts) == 1:
        return year + 0.5
    month = parts[1]
    day = parts[2] if len(parts) > 2 else 1
    return year + (month - 1) / 12 + (day - 1) / 365


def label(record: Mapping[str, Any], width: int = 80) -> str:
    """A one-line label: the date (or year) and the event text shortened to ``width``."""
    when = str(record.get("date") or record["year"])[:7]
    return f"{when}  " + textwrap.shorten(str(record["event"]), width=width, placeholder=" …")


def is_vmware(record: Mapping[str, Any], words: Sequence[str] = VMWARE_WORDS) -> bool:
    """True if the event mentions one of ``words`` (case-sensitive, as they are names)."""
    return any(word in str(record["event"]) for word in words)


def timeline_figure(
    events: Iterable[Mapping[str, Any]] | None = None,
    *,
    marker_at: float | None = None,
    marker_label: str = "",
    width: float = 12.0,
    label_width: int = 80,
) -> Figure:
    """A Figure with one marker per event (default: ``data/history.yaml``).

    ``marker_at`` (a decimal year) draws a dashed vertical line, e.g. at the date of the 2013
    articles, labelled ``marker_label``. VMware-related events are drawn in blue.
    """
    records = sorted(
        (dict(e) for e in (load("history") if events is None else events)), key=decimal_year
    )
    fig = Figure(figsize=(width, 1.2 + 0.32 * max(len(records), 1)))
    ax = fig.add_subplot()
    if not records:
        ax.text(0.5, 0.5, "No events to show", ha="center", va="center")
        ax.set_axis_off()
        return fig

    xs = [decimal_year(r) for r in records]
    first, last = min(xs), max(xs)
    middle = (first + last) / 2
    for row, (x, record) in enumerate(zip(xs, records, strict=True)):
        y = -row
        color = VMWARE_COLOR if is_vmware(record) else OPENSTACK_COLOR
        (line,) = ax.plot([x], [y], marker="o", markersize=7, color=color, linestyle="none")
        line.set_gid(GID)
        ax.hlines(y, first - 0.5, x, color="#dddddd", linewidth=0.8, zorder=0)
        left = x > middle
        ax.annotate(
            label(record, label_width),
            (x, y),
            xytext=(-8 if left else 8, 0),
            textcoords="offset points",
            ha="right" if left else "left",
            va="center",
            fontsize=8,
            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"},
        )
    if marker_at is not None:
        ax.axvline(marker_at, color="#888888", linestyle="--", linewidth=1, zorder=0)
        if marker_label:
            ax.text(marker_at, 0.9, marker_label, ha="center", va="bottom", fontsize=8)

    ax.set_xlim(first - 0.5, last + 0.5)
    ax.set_ylim(-len(records) + 0.3, 1.6)
    ax.set_yticks([])
    ax.set_xticks(range(int(first), int(last) + 1))
    ax.tick_params(axis="x", labelsize=8)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.plot([], [], "o", color=OPENSTACK_COLOR, label="OpenStack")
    ax.plot([], [], "o", color=VMWARE_COLOR, label="VMware / Broadcom")
    ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=2)
    ax.set_title("OpenStack from 2010 to today", loc="left", fontsize=11)
    fig.tight_layout()
    return fig


def event_markers(fig: Figure) -> list[Any]:
    """The marker artists of a figure made by :func:`timeline_figure` (one per event)."""
    return [line for ax in fig.axes for line in ax.get_lines() if line.get_gid() == GID]
