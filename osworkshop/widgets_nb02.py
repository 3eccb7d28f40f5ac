"""Notebook 02 views: the service catalog and hypervisors as tables, and a release explorer.

Pure functions build rows and HTML; the explorer is a thin widget over them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from . import releases as rel
from .connect import ALIASES, services
from .data import load
from .widgets import Explorer, _wire, table

# --------------------------------------------------------------------------- catalog


def _codename_for(service_type: str) -> dict[str, Any] | None:
    kinds = ALIASES.get(service_type, (service_type,))
    return next((c for c in load("codenames") if c["service_type"] in kinds), None)


def catalog_rows(rows: Iterable[Mapping[str, str]]) -> list[tuple[str, str, str, str, str]]:
    """Catalog rows (from :func:`osworkshop.services`) with the project's codename and vSphere idea."""
    out = []
    for row in rows:
        record = _codename_for(row["type"])
        codename = record["codename"] if record else "?"
        analogue = record["vsphere_analogue"] if record else ""
        out.append((row["type"], row["name"], codename, analogue, row["endpoint"]))
    return out


def catalog_html(conn: Any) -> str:
    """The connected cloud's service catalog as an HTML table."""
    return table(
        ("Service type", "Catalog name", "Project (codename)", "Closest vSphere idea", "Endpoint"),
        catalog_rows(services(conn)),
    )


# --------------------------------------------------------------------------- hypervisors


def hypervisor_rows(
    hypervisors: Iterable[Any], capacity: Mapping[str, Mapping[str, int]] | None = None
) -> list[tuple[Any, ...]]:
    """Name, type, version, state, status and (from Placement) vCPUs and RAM of each hypervisor."""
    capacity = capacity or {}
    out = []
    for h in hypervisors:
        inv = capacity.get(h.name, {})
        ram = inv.get("MEMORY_MB")
        out.append(
            (
                h.name,
                h.hypervisor_type,
                h.hypervisor_version,
                h.state,
                h.status,
                inv.get("VCPU", "?"),
                f"{ram // 1024} GiB" if isinstance(ram, int) else "?",
            )
        )
    return sorted(out, key=lambda r: str(r[0]))


def placement_capacity(admin: Any) -> dict[str, dict[str, int]]:
    """Resource provider name -> {resource class: total}, read from Placement (admin)."""
    return {
        rp.name: {
            i.resource_class: i.total for i in admin.placement.resource_provider_inventories(rp)
        }
        for rp in admin.placement.resource_providers()
    }


def hypervisors_html(admin: Any) -> str:
    """The cloud's hypervisors as an HTML table (needs an admin connection)."""
    rows = hypervisor_rows(admin.compute.hypervisors(details=True), placement_capacity(admin))
    return table(("Hypervisor", "Type", "Version", "State", "Status", "vCPUs", "RAM"), rows)


# --------------------------------------------------------------------------- releases


def releases_html(records: Sequence[Mapping[str, Any]], running: Sequence[str] = ()) -> str:
    """A table of releases; rows whose name is in ``running`` are marked as this cloud's."""
    rows = [
        (
            rel.display_name(dict(r)),
            r["released"],
            "yes" if r["slurp"] else "",
            r["status"],
            r.get("nova_max_microversion", "") or "",
            "◀ this cloud" if r["name"] in running else "",
        )
        for r in records
    ]
    return table(("Release", "Released", "SLURP", "Status", "Compute API max", ""), rows)


def release_explorer(conn: Any = None, since: int = 2010) -> Explorer:
    """Slide through the years; with ``conn`` the release the cloud runs is marked."""
    running = [r["name"] for r in rel.cloud_release(conn)["releases"]] if conn is not None else []
    years = sorted({int(r["released"][:4]) for r in rel.releases()})
    controls: dict[str, w.Widget] = {
        "since": w.IntSlider(
            value=max(since, years[0]), min=years[0], max=years[-1], description="From year"
        )
    }

    def render() -> str:
        chosen = [r for r in rel.releases() if int(r["released"][:4]) >= controls["since"].value]
        return releases_html(chosen, running)

    return _wire(controls, render)
