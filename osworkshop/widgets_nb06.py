"""Notebook 06 views: who sees an image (visibility × member status), next to vSphere's way.

The access rules live in :func:`osworkshop.images_nb06.access`; the vSphere side and who may
set each visibility come from ``data/image_visibility.yaml``.  Pure functions build the HTML;
the explorer is a thin widget over them.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w

from .data import load
from .images_nb06 import MEMBER_STATUSES, VISIBILITIES, access, yes
from .widgets import Explorer, _e, _wire, table, then_and_now_html

#: The projects the explorer shows: label -> viewer kind of ``access``.
PROJECTS: tuple[tuple[str, str], ...] = (
    ("demo (owns the image)", "owner"),
    ("team (the other project)", "member"),
    ("any other project", "other"),
    ("a cloud administrator", "admin"),
)


def visibility_record(visibility: str) -> dict[str, Any]:
    """The data/image_visibility.yaml record for ``visibility``."""
    for record in load("image_visibility"):
        if record["id"] == visibility:
            return record
    raise KeyError(f"No visibility {visibility!r}; known: {', '.join(VISIBILITIES)}")


def access_rows(visibility: str, member_status: str) -> list[tuple[str, str, str, str, str]]:
    """One row per project: in its image list, show by ID, boot, how it finds the image."""
    rows = []
    for label, viewer in PROJECTS:
        status = member_status if viewer == "member" else "none"
        if viewer == "member" and member_status != "none":
            label = f"team (member, {member_status})"
        got = access(visibility, viewer, status)
        rows.append((label, yes(got.listed), yes(got.show), yes(got.boot), got.how))
    return rows


def visibility_html(visibility: str, member_status: str = "none") -> str:
    """Who sees and boots an image of ``visibility`` when team's membership is ``member_status``."""
    record = visibility_record(visibility)
    notes = []
    if member_status != "none" and visibility != "shared":
        notes.append(
            "Members count only while the image is shared. Glance refuses to add members to a "
            "private image, and a community or public image is open to every project anyway."
        )
    if member_status in ("pending", "rejected") and visibility == "shared":
        notes.append(
            "The member status only decides the image list: team can already read and boot "
            "the image by its ID."
        )
    note_html = "".join(f"<p>{_e(n)}</p>" for n in notes)
    facts = table(
        ("", ""),
        [
            ("Who may set it", record["who_may_set"]),
            ("Members", record["members"]),
            ("Closest vSphere habit", record["vsphere_analogue"]),
        ],
    )
    return (
        f"<h4>visibility = {_e(visibility)}</h4>"
        + table(
            ("Project", "In its image list", "Show by ID", "Boot", "How it finds the image"),
            access_rows(visibility, member_status),
        )
        + note_html
        + facts
        + f"<p><small>Source: {_e(record['source'])}</small></p>"
    )


def visibility_explorer(visibility: str = "private", member_status: str = "none") -> Explorer:
    """Choose a visibility and team's member status; see who lists, reads and boots the image."""
    controls: dict[str, w.Widget] = {
        "visibility": w.Dropdown(options=VISIBILITIES, value=visibility, description="Visibility"),
        "member_status": w.Dropdown(
            options=MEMBER_STATUSES, value=member_status, description="team is"
        ),
    }
    return _wire(
        controls,
        lambda: visibility_html(controls["visibility"].value, controls["member_status"].value),
    )


def visibility_table_html() -> str:
    """All four visibilities side by side: who sees them, who may set them, vSphere's habit."""
    rows = [
        (r["id"], r["who_sees"], r["default_list"], r["who_may_set"], r["vsphere_analogue"])
        for r in load("image_visibility")
    ]
    return table(
        (
            "Visibility",
            "Who can use it",
            "Whose image list shows it",
            "Who may set it",
            "Closest vSphere habit",
        ),
        rows,
    )


def images_then_now_html() -> str:
    """What 2013 said about images and what is true today (data/images_then_now.yaml)."""
    return then_and_now_html(load("images_then_now"))
