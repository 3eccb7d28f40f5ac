"""Notebook 05 widgets: fit a vSphere VM to the flavor catalog, and vSphere power operations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import ipywidgets as w

from .compute_nb05 import (
    FlavorFit,
    VMSize,
    flavor_record,
    nearest_flavors,
    power_operations,
    spare_text,
    verdict,
)
from .widgets import Explorer, _e, _wire, table

FIT_HEADERS = ("Flavor", "vCPU", "RAM MiB", "Disk GB", "Left unused or missing", "Waste")


class HTML(str):
    """A string that notebooks display as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def _row(item: FlavorFit) -> tuple[Any, ...]:
    disk = "image size" if item.image_sized_disk else item.disk_gb
    waste = f"{item.waste:.0%}" if item.fits else "does not fit"
    return (item.name, item.vcpus, item.ram_mib, disk, spare_text(item), waste)


def flavor_fit_html(
    flavors: Sequence[Any], vcpus: int, ram_gib: float, disk_gb: int, show: int = 3
) -> str:
    """The nearest ``show`` flavors for a VM of ``vcpus``, ``ram_gib`` GiB and ``disk_gb`` GB."""
    if not flavors:
        return "<p>There are no flavors to compare with. Is the flavor list empty?</p>"
    try:
        vm = VMSize.from_gib(vcpus, ram_gib, disk_gb)
    except ValueError as exc:
        return f"<p>{_e(exc)}</p>"
    fits = nearest_flavors(flavors, vm, max(1, show))
    notes = [
        (
            "The host reserves the whole flavor for the server (in Placement), not what the "
            "guest uses: the unused part is capacity nobody else can have."
        ),
    ]
    if not any(f.exact for f in fits):
        notes.append(
            f"An administrator could add an exact flavor: {vm.vcpus} vCPU, {vm.ram_mib} MiB, "
            f"{vm.disk_gb} GB. Each new size makes the catalog longer and the hosts harder to "
            "fill, so clouds keep few sizes."
        )
    if any(f.image_sized_disk for f in fits):
        notes.append(
            "A flavor with disk 0 takes its root disk size from the image, or from a volume "
            "you boot from; by default only admins may boot such a flavor from an image."
        )
    items = "".join(f"<li>{_e(n)}</li>" for n in notes)
    return (
        f"<p><b>{_e(verdict(flavors, vm))}</b></p>"
        + table(FIT_HEADERS, [_row(f) for f in fits])
        + f"<ul>{items}</ul>"
    )


def _flavor_list(source: Any) -> list[dict[str, Any]]:
    """Flavor records from a connection (its public flavors) or from an iterable of records."""
    compute = getattr(source, "compute", None)
    items: Iterable[Any] = compute.flavors() if compute is not None else source
    return [flavor_record(f) for f in items]


def flavor_fit(
    source: Any, vcpus: int = 2, ram_gib: float = 3.0, disk_gb: int = 30, show: int = 3
) -> Explorer:
    """Enter a vSphere VM's size; see the nearest flavors and what each one wastes.

    ``source`` is a connection (the flavors are read from the cloud once) or a list of flavor
    records (dicts with ``name``, ``vcpus``, ``ram`` in MiB and ``disk`` in GB).
    """
    flavors = _flavor_list(source)
    controls: dict[str, w.Widget] = {
        "vcpus": w.BoundedIntText(vcpus, min=1, max=256, description="vCPUs"),
        "ram_gib": w.BoundedFloatText(
            ram_gib, min=0.25, max=4096, step=0.25, description="Memory GiB"
        ),
        "disk_gb": w.BoundedIntText(disk_gb, min=0, max=65536, description="Disk GB"),
        "show": w.IntSlider(
            min(show, max(1, len(flavors))), min=1, max=max(1, len(flavors)),
            description="Flavors",
        ),
    }
    return _wire(
        controls,
        lambda: flavor_fit_html(
            flavors,
            controls["vcpus"].value,
            controls["ram_gib"].value,
            controls["disk_gb"].value,
            controls["show"].value,
        ),
    )


# --------------------------------------------------------------------------- power operations

ALL = "all"
POWER_HEADERS = ("vSphere", "Nova action", "openstacksdk", "Status", "What differs")


def power_html(operation: str = ALL) -> str:
    """The vSphere → Nova table, or one operation's card (``operation`` is an id)."""
    records = power_operations()
    if operation != ALL:
        records = [r for r in records if r["id"] == operation]
        if not records:
            return f"<p>No operation {_e(operation)}. Pick one from the list.</p>"
    rows = [(r["vsphere"], r["openstack"], r["sdk"], r["status"], r["note"]) for r in records]
    sources = "; ".join(dict.fromkeys(r["source"] for r in records))
    return table(POWER_HEADERS, rows) + f"<p><small>Sources: {_e(sources)}</small></p>"


def power_table() -> HTML:
    """Every vSphere power and lifecycle operation next to the Nova action."""
    return HTML(power_html(ALL))


def power_explorer(operation: str = ALL) -> Explorer:
    """Pick a vSphere operation to see the Nova action, the SDK call and what differs."""
    options = [("all operations", ALL), *((r["vsphere"], r["id"]) for r in power_operations())]
    controls: dict[str, w.Widget] = {
        "operation": w.Dropdown(options=options, value=operation, description="vSphere"),
    }
    return _wire(controls, lambda: power_html(controls["operation"].value))
