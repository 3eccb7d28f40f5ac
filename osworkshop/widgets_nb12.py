"""Notebook 12 views: the sample inventory, a migration plan, the cut-over checklist, a
"map my VM" explorer and a migration tool chooser.

Pure functions build rows and HTML (unit-tested by setting values); the explorers only wire
controls to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as w

from . import migration_nb12 as mig
from .data import load
from .widgets import Explorer, _e, _wire, table


class HTML(str):
    """A string that notebooks display as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


# --------------------------------------------------------------------------- inventory


def _disks_text(vm: Mapping[str, Any]) -> str:
    return " + ".join(f"{d['capacity_gb']} GB" for d in vm["disks"])


def inventory_html(records: Sequence[Mapping[str, Any]]) -> HTML:
    """The inventory export as one row per VM."""
    rows = [
        (
            r["name"],
            r["guest_os"],
            r["firmware"].upper(),
            r["vcpus"],
            f"{r['memory_mb'] // 1024} GB"
            if r["memory_mb"] % 1024 == 0
            else f"{r['memory_mb']} MB",
            _disks_text(r),
            ", ".join(n["port_group"] for n in r["nics"]),
            "on" if r["cbt_enabled"] else "off",
        )
        for r in records
    ]
    return HTML(
        table(("VM", "Guest OS", "Firmware", "vCPU", "RAM", "Disks", "Port groups", "CBT"), rows)
    )


def vm_detail_html(vm: Mapping[str, Any]) -> HTML:
    """One VM's disks and NICs, as the vSphere Client's 'Edit Settings' would list them."""
    disks = [
        (
            d["label"],
            f"{d['capacity_gb']} GB",
            d["controller"],
            d["datastore"],
            "boot" if d.get("boot") else "data",
            d.get("file", ""),
        )
        for d in vm["disks"]
    ]
    nics = [
        (n["label"], n["port_group"], n["adapter"], n["mac"], n.get("ip") or "DHCP")
        for n in vm["nics"]
    ]
    return HTML(
        f"<h4>{_e(vm['name'])}: {_e(vm['notes'])}</h4>"
        + table(("Disk", "Size", "Controller", "Datastore", "Role", "File"), disks)
        + table(("NIC", "Port group", "Adapter", "MAC", "IP"), nics)
    )


def info_html(*infos: Mapping[str, Any]) -> HTML:
    """``qemu-img info`` of several images side by side."""
    columns = [dict(mig.info_rows(i)) for i in infos]
    fields: list[str] = []
    for col in columns:
        fields += [f for f in col if f not in fields and f != "file"]
    rows = [(f, *(col.get(f, "") for col in columns)) for f in fields]
    return HTML(table(("", *(c.get("file", "?") for c in columns)), rows))


# --------------------------------------------------------------------------- plan


def flavor_fit_html(fits: Sequence[mig.FlavorFit], chosen: str | None) -> HTML:
    rows = [
        (
            f.name,
            f.vcpus,
            f"{f.ram_mb} MB",
            f"{f.disk_gb} GB",
            f.why,
            "◀ nearest" if f.name == chosen else "",
        )
        for f in fits
    ]
    return HTML(table(("Flavor", "vCPU", "RAM", "Root disk", "Against the VM", ""), rows))


def plan_html(plan: mig.MigrationPlan) -> HTML:
    """A migration plan: flavor, image properties, volumes, ports, then the warnings."""
    flavor = (
        f"{plan.flavor.name} ({plan.flavor.vcpus} vCPU, {plan.flavor.ram_mb} MB, "
        f"{plan.flavor.disk_gb} GB): {plan.flavor.why}"
        if plan.flavor
        else "none fits"
    )
    props = ", ".join(f"{k}={v}" for k, v in sorted(plan.image_properties.items()))
    head = table(
        ("", ""),
        [
            ("Flavor", flavor),
            ("Image properties", props),
            ("Image min_disk", f"{plan.min_disk_gb} GB"),
        ],
    )
    volumes = (
        table(
            ("Volume for", "Size", "Volume type", "Note"),
            [
                (
                    v.disk + (" (boot)" if v.boot else ""),
                    f"{v.size_gb} GB",
                    v.volume_type or "?",
                    v.note,
                )
                for v in plan.volumes
            ],
        )
        if plan.volumes
        else "<p>No data disks: no volumes.</p>"
    )
    ports = table(
        ("Port for", "Port group", "Network", "MAC (kept)", "Fixed IP", "Note"),
        [
            (p.nic, p.port_group, p.network or "?", p.mac, p.ip or "from the subnet", p.note)
            for p in plan.ports
        ],
    )
    warns = "".join(f"<li>{_e(x)}</li>" for x in plan.warnings)
    verdict = (
        "<p><b>Every part has a target.</b></p>"
        if plan.ready
        else "<p><b>Not ready:</b> some parts have no target yet (see below).</p>"
    )
    return HTML(
        f"<h4>{_e(plan.vm)} in OpenStack</h4>{head}{volumes}{ports}{verdict}"
        + (f"<p>Read before the cut-over:</p><ul>{warns}</ul>" if warns else "")
    )


def checklist_html(steps: Sequence[mig.Step]) -> HTML:
    rows = [(i, s.phase, s.step, s.openstack) for i, s in enumerate(steps, 1)]
    return HTML(table(("#", "When", "Step", "In OpenStack / for this VM"), rows))


# --------------------------------------------------------------------------- map my VM


def parse_sizes(text: str) -> list[int]:
    """'50, 200 GB' -> [50, 200]; anything that is not a positive number is left out."""
    return [int(n) for n in re.findall(r"\d+", text) if int(n) > 0]


def vm_from_controls(
    *,
    vcpus: int,
    ram_gb: float,
    boot_gb: int,
    data_gb: str,
    nics: int,
    os_family: str,
    firmware: str,
    cbt: bool,
    guest_os: str | None = None,
) -> dict[str, Any]:
    """A VM record (as in data/sample_vm.yaml) from the explorer's controls."""
    disks = [
        {
            "label": "Hard disk 1",
            "capacity_gb": boot_gb,
            "controller": "lsilogic",
            "datastore": "datastore1",
            "boot": True,
        }
    ]
    for i, size in enumerate(parse_sizes(data_gb), 2):
        disks.append(
            {
                "label": f"Hard disk {i}",
                "capacity_gb": size,
                "controller": "pvscsi",
                "datastore": "datastore1",
                "boot": False,
            }
        )
    nic_list = [
        {
            "label": f"Network adapter {i}",
            "port_group": "VM Network" if i == 1 else f"VLAN{100 + i}",
            "adapter": "vmxnet3",
            "mac": f"00:50:56:00:00:{i:02x}",
        }
        for i in range(1, nics + 1)
    ]
    default_os = (
        "Microsoft Windows Server 2022 (64-bit)"
        if os_family == "windows"
        else "Red Hat Enterprise Linux 9 (64-bit)"
    )
    return {
        "name": "my-vm",
        "guest_os": guest_os or default_os,
        "os_family": os_family,
        "firmware": firmware,
        "vcpus": vcpus,
        "memory_mb": int(ram_gb * 1024),
        "cbt_enabled": cbt,
        "disks": disks,
        "nics": nic_list,
        "notes": "",
    }


def map_my_vm(
    flavors: Iterable[Any], network: str = "demo-net", volume_type: str = "lab-file"
) -> Explorer:
    """Describe a VM with sliders; see its flavor, image properties, volumes, ports and warnings.

    Only the first NIC's port group ("VM Network") is mapped, to ``network``; further NICs show
    what an unmapped port group looks like.
    """
    flavor_list = list(flavors)
    controls: dict[str, w.Widget] = {
        "vcpus": w.IntSlider(2, 1, 16, description="vCPU"),
        "ram_gb": w.FloatSlider(4, min=0.5, max=64, step=0.5, description="RAM (GB)"),
        "boot_gb": w.IntSlider(40, 1, 500, description="Boot disk GB"),
        "data_gb": w.Text("100", description="Data disks GB", placeholder="e.g. 100, 500"),
        "nics": w.IntSlider(1, 1, 4, description="NICs"),
        "os_family": w.Dropdown(options=["linux", "windows"], description="Guest"),
        "firmware": w.Dropdown(options=["bios", "efi"], description="Firmware"),
        "cbt": w.Checkbox(True, description="CBT on"),
        "bfv": w.Checkbox(False, description="Boot from volume"),
    }

    def render() -> str:
        values = {k: c.value for k, c in controls.items() if k != "bfv"}
        vm = vm_from_controls(**values)
        plan = mig.plan_vm(
            vm,
            flavor_list,
            network_map={"VM Network": network},
            storage_map={"datastore1": volume_type},
            boot_from_volume=controls["bfv"].value,
        )
        return plan_html(plan)

    return _wire(controls, render)


# --------------------------------------------------------------------------- tool chooser

DOWNTIME = {
    "hours": "hours: the VM may be off for the whole copy",
    "minutes": "minutes: copy while it runs, stop it only for the last changes",
}


@dataclass
class ToolFit:
    """How well one tool suits the situation, with the reasons."""

    tool: dict[str, Any]
    verdict: str  # "good fit", "possible", "not a fit"
    reasons: list[str] = field(default_factory=list)
    against: int = 0  # how many of the reasons count against the tool


def tools() -> list[dict[str, Any]]:
    return load("migration_tools")


def choose_tools(
    fleet: int,
    windows: bool,
    downtime: str,
    web_ui: bool,
    records: Sequence[Mapping[str, Any]] | None = None,
) -> list[ToolFit]:
    """Rank the tools for a fleet of ``fleet`` VMs (with Windows guests or not), the downtime a
    VM may have (``hours`` or ``minutes``) and whether a web UI is wanted."""
    if downtime not in DOWNTIME:
        raise ValueError(f"downtime is one of {', '.join(DOWNTIME)}, not {downtime!r}")
    out = []
    for record in tools() if records is None else records:
        blockers, minuses, pluses = [], [], []
        if windows and not record["converts_guest"]:
            blockers.append(
                "does not change the guest: Windows would not boot without virtio drivers"
            )
        elif windows and not record["windows"]:
            minuses.append("its documentation does not claim Windows guests")
        elif windows:
            pluses.append("converts Windows guests")
        if downtime == "minutes" and not record["incremental"]:
            blockers.append("copies with the VM off, so the downtime is the whole copy")
        elif downtime == "minutes":
            pluses.append("copies while the VM runs, then only changed blocks")
        if fleet > 20 and not record["fleet"]:
            minuses.append("one VM per run: you script the waves yourself")
        elif fleet > 20:
            pluses.append("built for many VMs")
        if fleet <= 5 and record["fleet"]:
            minuses.append("more to set up than a handful of VMs needs")
        if web_ui and not record["web_ui"]:
            minuses.append("no web UI")
        verdict = "not a fit" if blockers else ("possible" if minuses else "good fit")
        out.append(
            ToolFit(
                dict(record), verdict, blockers + minuses + pluses, len(blockers) + len(minuses)
            )
        )
    order = {"good fit": 0, "possible": 1, "not a fit": 2}
    return sorted(out, key=lambda f: (order[f.verdict], f.against, -len(f.reasons)))


def tools_html(fits: Sequence[ToolFit]) -> HTML:
    rows = [
        (
            f.verdict,
            f.tool["name"],
            f.tool["interface"],
            "; ".join(f.reasons) or "nothing against it",
            " ".join(f.tool["caveats"]),
            f.tool["license"],
            f.tool["source"],
        )
        for f in fits
    ]
    return HTML(
        "<p><small>A starting point, not a verdict: the course read each tool's documentation; "
        "it did not run them against a real vCenter.</small></p>"
        + table(("Verdict", "Tool", "Interface", "Why", "Caveats", "Licence", "Source"), rows)
    )


def tool_chooser(fleet: int = 50, windows: bool = True, downtime: str = "minutes") -> Explorer:
    """Fleet size, Windows guests, allowed downtime and UI wish -> which tools fit and why."""
    controls: dict[str, w.Widget] = {
        "fleet": w.IntSlider(fleet, 1, 500, description="VMs to move"),
        "windows": w.Checkbox(windows, description="Windows guests among them"),
        "downtime": w.Dropdown(
            options=[(v, k) for k, v in DOWNTIME.items()], value=downtime, description="Downtime"
        ),
        "web_ui": w.Checkbox(False, description="Want a web UI"),
    }
    return _wire(
        controls,
        lambda: tools_html(
            choose_tools(
                controls["fleet"].value,
                controls["windows"].value,
                controls["downtime"].value,
                controls["web_ui"].value,
            )
        ),
    )
