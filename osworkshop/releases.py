"""OpenStack releases (``data/releases.yaml``) and which one a cloud runs, read from its compute API."""

from __future__ import annotations

from typing import Any

from . import data
from .data import load


def releases() -> list[dict[str, Any]]:
    """All releases, oldest first."""
    return sorted(load("releases"), key=lambda r: r["released"])


def validate(records: list[dict[str, Any]]) -> list[str]:
    """Problems in release records (empty list when all is well): the data schema, plus
    microversions that must parse."""
    problems = data.validate("releases", records)
    for record in records:
        mv = record.get("nova_max_microversion")
        if mv is not None and parse_microversion(mv) is None:
            problems.append(f"releases[{record.get('name')}]: nova_max_microversion {mv!r} "
                            "is not like '2.104'")
    return problems


def parse_microversion(text: Any) -> tuple[int, int] | None:
    """``"2.104"`` (or ``(2, 104)``) -> ``(2, 104)``; None if it is not a microversion."""
    if isinstance(text, tuple) and len(text) == 2:
        return int(text[0]), int(text[1])
    parts = str(text).strip().split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def display_name(record: dict[str, Any]) -> str:
    """``2026.2 Hibiscus`` for numbered releases, else just the name (``Havana``)."""
    return (
        f"{record['release_id']} {record['name']}" if record.get("release_id") else record["name"]
    )


def releases_for_compute(max_microversion: Any) -> tuple[list[dict[str, Any]], bool]:
    """Releases whose nova tops out at ``max_microversion``, and whether the match is exact.

    Two releases in a row can share a maximum (2.95 in 2023.1 and 2023.2), so this returns a list.
    A value between known maxima returns the newest release below it, with ``exact=False``.
    """
    wanted = parse_microversion(max_microversion)
    known = [r for r in releases() if r.get("nova_max_microversion")]
    if wanted is None or not known:
        return [], False
    exact = [r for r in known if parse_microversion(r["nova_max_microversion"]) == wanted]
    if exact:
        return exact, True
    below = [r for r in known if parse_microversion(r["nova_max_microversion"]) < wanted]
    return (below[-1:], False) if below else ([], False)


def compute_max_microversion(conn: Any) -> tuple[int, int] | None:
    """The highest compute API microversion the cloud's nova offers (from its version document)."""
    data = conn.compute.get_endpoint_data()
    return parse_microversion(data.max_microversion) if data and data.max_microversion else None


def cloud_release(conn: Any) -> dict[str, Any]:
    """Which release ``conn``'s cloud runs, as far as its compute API tells: a small report."""
    mv = compute_max_microversion(conn)
    found, exact = releases_for_compute(mv) if mv else ([], False)
    names = " or ".join(display_name(r) for r in found)
    mv_text = f"{mv[0]}.{mv[1]}" if mv else "unknown"
    if not found:
        text = (
            f"The compute API goes up to {mv_text}, which no release in data/releases.yaml matches."
        )
    elif exact:
        text = f"The compute API goes up to microversion {mv_text}: this cloud runs {names}."
    else:
        text = (
            f"The compute API goes up to {mv_text}: newer than {names}, so a later release "
            "(or a development version) than the course data knows."
        )
    return {"microversion": mv_text, "releases": found, "exact": exact, "text": text}
