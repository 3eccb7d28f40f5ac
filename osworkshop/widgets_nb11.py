"""Notebook 11 explorers: the two driver models, a cluster in Placement, the driver's history and
the aspects in which the vmwareapi model differs. Pure functions build the HTML; widgets are thin.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

import ipywidgets as w

from .data import load
from .vmware_nb11 import MODELS, EsxiHost, cluster_inventory, driver_model_svg, fits
from .vmware_nb11 import per_host_inventories as per_host
from .widgets import ALL, Explorer, _wire, table

DATA = "vmware_driver"
_WHEN = re.compile(r"^(\d{4})-(\d{2})\b")


def records(kind: str) -> list[dict[str, Any]]:
    """Records of ``data/vmware_driver.yaml`` of one kind (timeline, product or aspect)."""
    return [r for r in load(DATA) if r["kind"] == kind]


def problems(items: list[dict[str, Any]]) -> list[str]:
    """What the generic schema cannot check: aspects need ``kvm``, timeline ``when`` is dated."""
    found: list[str] = []
    dates: list[str] = []
    for r in items:
        if r.get("kind") == "aspect" and not str(r.get("kvm", "")).strip():
            found.append(f"{r.get('id')}: an aspect needs a kvm text")
        if r.get("kind") == "timeline":
            match = _WHEN.match(str(r.get("when", "")))
            if match is None:
                found.append(f"{r.get('id')}: a timeline 'when' starts with YYYY-MM")
            else:
                dates.append(match.group(0))
    if dates != sorted(dates):
        found.append("timeline records are not in date order")
    return found


# --------------------------------------------------------------------------- the two models


def model_html(model: str = "both", hosts: int = 3) -> str:
    """SVG of the vCenter model, the KVM model, or both one above the other."""
    chosen = MODELS if model == "both" else (model,)
    captions = {
        "vcenter": "vmwareapi: one nova-compute in front of vCenter; a cluster is one hypervisor",
        "kvm": "libvirt/KVM: one nova-compute per host; every host is a hypervisor",
    }
    return "".join(
        f"<figure style='margin:0.5em 0'>{driver_model_svg(m, hosts)}"
        f"<figcaption><i>{html.escape(captions[m])}</i></figcaption></figure>"
        for m in chosen
    )


def model_view(model: str = "both", hosts: int = 3) -> Explorer:
    """Toggle between the two driver models and change the number of hosts drawn."""
    controls: dict[str, w.Widget] = {
        "model": w.ToggleButtons(options=["both", *MODELS], value=model, description="Model"),
        "hosts": w.IntSlider(hosts, 1, 6, description="Hosts"),
    }
    return _wire(controls, lambda: model_html(controls["model"].value, controls["hosts"].value))


# --------------------------------------------------------------------------- a cluster in Placement


def cluster_table(esxi: Sequence[EsxiHost], flavor_vcpus: int = 8, flavor_ram_gb: int = 64) -> str:
    """What Placement holds for the same hosts under both models, and whether a flavor fits."""
    if not esxi:
        return "<p>Choose at least one host.</p>"
    one = cluster_inventory(esxi)
    many = per_host(esxi)
    ram_mb = flavor_ram_gb * 1024

    def gib(mb: int) -> str:
        return f"{mb // 1024} GiB"

    fitting = sum(fits(inv, flavor_vcpus, ram_mb) for inv in many)
    rows = [
        (
            "vmwareapi: 1 provider (the cluster)",
            f"{one['VCPU']['total']} (max {one['VCPU']['max_unit']} per server)",
            f"{gib(one['MEMORY_MB']['total'])} (max {gib(one['MEMORY_MB']['max_unit'])} per server)",
            "yes" if fits(one, flavor_vcpus, ram_mb) else "no: larger than any one host",
        ),
        (
            f"libvirt/KVM: {len(many)} providers (one per host)",
            ", ".join(str(inv["VCPU"]["total"]) for inv in many),
            ", ".join(gib(inv["MEMORY_MB"]["total"]) for inv in many),
            f"on {fitting} of {len(many)} hosts" if fitting else "no: larger than any host",
        ),
    ]
    down = sum(h.in_maintenance for h in esxi)
    note = ""
    if down:
        note = (
            f"<p>{down} host(s) in maintenance mode: the cluster's totals shrink, and nova only "
            "sees a smaller hypervisor. With one nova-compute per host, the operator disables "
            "those hosts' compute services instead, and their providers stay.</p>"
        )
    if down == len(esxi):
        note += "<p>Every host is in maintenance: the cluster offers nothing to nova.</p>"
    return (
        table(
            (
                "Model",
                "VCPU in Placement",
                "MEMORY_MB in Placement",
                f"Fits a {flavor_vcpus} vCPU / {flavor_ram_gb} GiB server?",
            ),
            rows,
        )
        + note
        + "<p><small>vCPUs here are hardware threads before the allocation ratio; Placement "
        "also checks what is already used. Source: nova/virt/vmwareapi/driver.py "
        "update_provider_tree and vm_util.py get_stats_from_cluster.</small></p>"
    )


def cluster_html(
    hosts: int,
    threads: int,
    ram_gb: int,
    in_maintenance: int = 0,
    flavor_vcpus: int = 8,
    flavor_ram_gb: int = 64,
) -> str:
    """:func:`cluster_table` for ``hosts`` identical hosts, the first ``in_maintenance`` down."""
    if hosts < 1 or not 0 <= in_maintenance <= hosts:
        return "<p>Choose at least one host, and no more hosts in maintenance than hosts.</p>"
    esxi = [
        EsxiHost(threads, ram_gb * 1024, in_maintenance=i < in_maintenance) for i in range(hosts)
    ]
    return cluster_table(esxi, flavor_vcpus, flavor_ram_gb)


def cluster_calculator(hosts: int = 4, threads: int = 32, ram_gb: int = 256) -> Explorer:
    """Sliders for a vSphere cluster; see the one provider nova records and test a flavor."""
    controls: dict[str, w.Widget] = {
        "hosts": w.IntSlider(hosts, 1, 16, description="ESXi hosts"),
        "threads": w.IntSlider(threads, 4, 256, step=4, description="Threads/host"),
        "ram_gb": w.IntSlider(ram_gb, 16, 2048, step=16, description="RAM GiB/host"),
        "in_maintenance": w.IntSlider(0, 0, 16, description="In maint."),
        "flavor_vcpus": w.IntSlider(8, 1, 128, description="Flavor vCPU"),
        "flavor_ram_gb": w.IntSlider(64, 1, 1024, description="Flavor GiB"),
    }
    return _wire(controls, lambda: cluster_html(**{k: c.value for k, c in controls.items()}))


# --------------------------------------------------------------------------- history


def status_in(year: int) -> dict[str, Any] | None:
    """The latest timeline event up to the end of ``year`` (None before the first one)."""
    seen = [r for r in records("timeline") if int(r["when"][:4]) <= year]
    return seen[-1] if seen else None


def timeline_html(year: int) -> str:
    """The driver's events up to ``year``, the latest one in bold, with a one-line status."""
    items = [r for r in records("timeline") if int(r["when"][:4]) <= year]
    if not items:
        first = records("timeline")[0]["when"]
        return f"<p>No VMware driver event recorded before {year}. The record starts {first}.</p>"
    latest = items[-1]
    bold = ' style="font-weight:bold"'
    rows = "".join(
        f"<tr{bold if r is latest else ''}>"
        f"<td>{html.escape(r['when'])}</td><td>{html.escape(r['title'])}</td>"
        f"<td>{html.escape(r['text'])}</td></tr>"
        for r in items
    )
    return (
        f"<p>By the end of {year}, the latest event: <b>{html.escape(latest['title'])}</b> "
        f"({html.escape(latest['when'])}).</p>"
        f"<table><thead><tr><th>When</th><th>Event</th><th>What it meant</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def timeline_explorer(year: int = 2013) -> Explorer:
    """Slide through the years and watch nova's VMware driver change."""
    years = [int(r["when"][:4]) for r in records("timeline")]
    controls: dict[str, w.Widget] = {
        "year": w.IntSlider(year, min(years), max(years), description="Year"),
    }
    return _wire(controls, lambda: timeline_html(controls["year"].value))


def products_html() -> str:
    """VMware's OpenStack products and plugins: what is known, what is not, and the source."""
    rows = [(r["title"], r["when"], r["text"], r["source"]) for r in records("product")]
    return table(("Product", "When", "What is known", "Source"), rows)


# --------------------------------------------------------------------------- aspects


def aspects(aspect: str = ALL) -> list[dict[str, Any]]:
    """Aspect records, all or the one with id ``aspect``."""
    return [r for r in records("aspect") if aspect in (ALL, r["id"])]


def aspects_html(items: list[dict[str, Any]]) -> str:
    if not items:
        return "<p>No such aspect. Choose one from the list.</p>"
    rows = [(r["title"], r["text"], r["kvm"], r["source"]) for r in items]
    return table(
        ("Aspect", "vCenter driver (vmwareapi)", "One nova-compute per KVM host", "Source"), rows
    )


def aspect_explorer(aspect: str = ALL) -> Explorer:
    """Pick an aspect (scheduling, capacity, migration, HA, storage, networking ...)."""
    options = [("all aspects", ALL), *((r["title"], r["id"]) for r in records("aspect"))]
    controls: dict[str, w.Widget] = {
        "aspect": w.Dropdown(options=options, value=aspect, description="Aspect"),
    }
    return _wire(controls, lambda: aspects_html(aspects(controls["aspect"].value)))
