"""Notebook 02, what OpenStack is: find the block storage project and its endpoint in the catalog."""

from __future__ import annotations

import re
from typing import Any

from ..checks import CheckResult, exercise
from ..connect import ALIASES, services
from ..data import load

BLOCK_TYPES = ALIASES["block-storage"]


def _norm(url: Any) -> str:
    return str(url or "").strip().rstrip("/")


def _blank(value: Any) -> bool:
    """True for an answer the learner has not filled in yet (``...``, None or empty)."""
    return value is None or value is Ellipsis or not str(value).strip()


def _codename(name: Any) -> str:
    """Catalog names can carry an API version (``cinderv3``); the codename is without it."""
    return re.sub(r"v\d+$", "", str(name or "").strip().lower())


@exercise(
    "nb02.block_storage",
    hints=(
        "Look at the catalog table near the top: find the row whose type is block-storage.",
        (
            "The codename is the project's name in lower case, as in nova for compute. "
            "`osworkshop.services(conn)` gives the same rows as a list of dicts."
        ),
        (
            'Copy the endpoint exactly, for example with `row["endpoint"]` from '
            "`osworkshop.services(conn)` (it ends with your project's ID)."
        ),
    ),
)
def check_block_storage(conn: Any, codename: Any, endpoint: Any) -> CheckResult:
    """``codename`` and ``endpoint`` name the block storage service in the cloud's live catalog."""
    empty = [name for name, value in (("my_codename", codename), ("my_endpoint", endpoint))
             if _blank(value)]
    if empty:
        return CheckResult(
            False,
            f"Fill in {' and '.join(empty)}: replace the ... with your answer.",
            ['For example `my_codename = "nova"` names a project, and an endpoint is a URL.'],
        )
    rows = services(conn)
    block = [r for r in rows if r["type"] in BLOCK_TYPES]
    if not block:
        listed = ", ".join(r["type"] for r in rows) or "nothing"
        return CheckResult(
            False,
            f"This cloud's catalog has no block storage service (it lists: {listed}).",
            ["Run the notebook against the course lab, which offers Cinder."],
        )
    expected = {c["codename"] for c in load("codenames") if c["service_type"] in BLOCK_TYPES}
    expected |= {_codename(r["name"]) for r in block}
    given = _codename(codename)
    if given not in expected:
        hints = [f"You answered {codename!r}."]
        other = next((c for c in load("codenames") if c["codename"] == given), None)
        if other is not None:
            hints.append(
                f"{other['codename']} is the {other['service_type']} service: {other['function']}"
            )
        hints.append("Look for the catalog row of type block-storage and read its name.")
        return CheckResult(False, "That is not the project that serves block storage.", hints)
    urls = {_norm(r["endpoint"]) for r in block}
    if _norm(endpoint) not in urls:
        hints = [f"You answered {endpoint!r}."]
        owner = next((r for r in rows if _norm(r["endpoint"]) == _norm(endpoint)), None)
        cut = any(url.startswith(_norm(endpoint) + "/") for url in urls)
        if owner is not None:
            hints.append(f"That is the endpoint of {owner['name']} ({owner['type']}).")
        elif cut:
            hints.append(
                "That is the start of the block storage endpoint, without your project's ID "
                "at the end: copy the whole URL."
            )
        elif not str(endpoint).strip().startswith("http"):
            hints.append("An endpoint is a URL that starts with http:// or https://.")
        hints.append("Copy the endpoint of the block-storage row, including the project ID.")
        return CheckResult(
            False, f"The codename {given} is right, but the endpoint is not in the catalog.", hints
        )
    kinds = ", ".join(sorted({r["type"] for r in block}))
    return CheckResult(
        True,
        f"Right: {given} serves block storage at {_norm(endpoint)} "
        f"(listed in the catalog as {kinds}).",
    )
