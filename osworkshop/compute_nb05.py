"""Notebook 05, compute and flavors: fit a VM to flavors, read the hosts, map power operations.

The flavor-fit functions are pure: feed them flavor records (SDK ``Flavor`` objects or dicts
with ``name``, ``vcpus``, ``ram`` in MiB and ``disk`` in GB) and the size of a vSphere VM.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .data import load

MIB_PER_GIB = 1024

#: What the lab's Nova reports as hypervisor_type, and what a KVM cloud reports instead.
LAB_HYPERVISOR_TYPE = "fake"
KVM_HYPERVISOR_TYPE = "QEMU"

#: Placement resource classes for the three sizes a flavor fixes.
RESOURCE_CLASSES = ("VCPU", "MEMORY_MB", "DISK_GB")


# --------------------------------------------------------------------------- flavors


@dataclass(frozen=True)
class VMSize:
    """The size of a hand-built vSphere VM: vCPUs, memory in MiB, system disk in GB."""

    vcpus: int
    ram_mib: int
    disk_gb: int

    def __post_init__(self) -> None:
        if self.vcpus < 1 or self.ram_mib < 1 or self.disk_gb < 0:
            raise ValueError(
                f"A VM needs at least 1 vCPU and 1 MiB of RAM, and 0 GB disk or more; got "
                f"{self.vcpus} vCPU, {self.ram_mib} MiB, {self.disk_gb} GB."
            )

    @classmethod
    def from_gib(cls, vcpus: int, ram_gib: float, disk_gb: int) -> VMSize:
        """The vSphere way of writing it: memory in GiB (vSphere's "GB")."""
        return cls(vcpus, gib_to_mib(ram_gib), disk_gb)


@dataclass(frozen=True)
class FlavorFit:
    """How one flavor fits a VM: spare (positive) or missing (negative) vCPU, RAM and disk."""

    name: str
    vcpus: int
    ram_mib: int
    disk_gb: int
    spare_vcpus: int
    spare_ram_mib: int
    spare_disk_gb: int
    waste: float  # share of what the flavor reserves that the VM does not need (0..1)
    short: tuple[str, ...] = field(default=())
    image_sized_disk: bool = False  # disk=0: the root disk takes the image's (or a volume's) size

    @property
    def fits(self) -> bool:
        return not self.short

    @property
    def exact(self) -> bool:
        return self.fits and self.waste == 0


def gib_to_mib(gib: float) -> int:
    """Memory as vSphere shows it (GiB) in the MiB a flavor uses."""
    if gib <= 0:
        raise ValueError(f"Memory must be more than 0 GiB, got {gib}")
    return math.ceil(gib * MIB_PER_GIB)


def _get(record: Any, name: str, default: Any = None) -> Any:
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def flavor_record(flavor: Any) -> dict[str, Any]:
    """A flavor as a plain dict: ``name``, ``vcpus``, ``ram`` (MiB), ``disk`` (GB) and more."""
    return {
        "name": str(_get(flavor, "name", "?")),
        "vcpus": int(_get(flavor, "vcpus", 0) or 0),
        "ram": int(_get(flavor, "ram", 0) or 0),
        "disk": int(_get(flavor, "disk", 0) or 0),
        "ephemeral": int(_get(flavor, "ephemeral", 0) or 0),
        "swap": int(_get(flavor, "swap", 0) or 0),
        "is_public": bool(_get(flavor, "is_public", True)),
    }


def _share(spare: int, size: int) -> float:
    return spare / size if size > 0 and spare > 0 else 0.0


def fit(flavor: Any, vm: VMSize) -> FlavorFit:
    """Compare one flavor with the VM: what is left over, what is missing, and the waste."""
    f = flavor_record(flavor)
    image_sized = f["disk"] == 0
    spare = {
        "vcpus": f["vcpus"] - vm.vcpus,
        "ram": f["ram"] - vm.ram_mib,
        "disk": 0 if image_sized else f["disk"] - vm.disk_gb,
    }
    short = []
    if spare["vcpus"] < 0:
        short.append(f"{-spare['vcpus']} vCPU")
    if spare["ram"] < 0:
        short.append(f"{-spare['ram']} MiB RAM")
    if spare["disk"] < 0:
        short.append(f"{-spare['disk']} GB disk")
    shares = [_share(spare["vcpus"], f["vcpus"]), _share(spare["ram"], f["ram"])]
    if not image_sized:
        shares.append(_share(spare["disk"], f["disk"]))
    return FlavorFit(
        name=f["name"],
        vcpus=f["vcpus"],
        ram_mib=f["ram"],
        disk_gb=f["disk"],
        spare_vcpus=spare["vcpus"],
        spare_ram_mib=spare["ram"],
        spare_disk_gb=spare["disk"],
        waste=sum(shares) / len(shares),
        short=tuple(short),
        image_sized_disk=image_sized,
    )


def _shortfall(item: FlavorFit, vm: VMSize) -> float:
    """How far a flavor is from fitting, as a share of the VM's size (0 when it fits)."""
    missing = [
        max(0, -item.spare_vcpus) / vm.vcpus,
        max(0, -item.spare_ram_mib) / vm.ram_mib,
        max(0, -item.spare_disk_gb) / vm.disk_gb if vm.disk_gb else 0.0,
    ]
    return sum(missing)


def rank_flavors(flavors: Iterable[Any], vm: VMSize) -> list[FlavorFit]:
    """Every flavor, best first: flavors that fit by least waste, then the nearest misses."""
    fits = [fit(f, vm) for f in flavors]
    fitting = sorted(
        (f for f in fits if f.fits), key=lambda f: (f.waste, f.vcpus, f.ram_mib, f.disk_gb)
    )
    missing = sorted(
        (f for f in fits if not f.fits), key=lambda f: (_shortfall(f, vm), f.waste, f.name)
    )
    return fitting + missing


def nearest_flavors(flavors: Iterable[Any], vm: VMSize, n: int = 3) -> list[FlavorFit]:
    """The ``n`` flavors nearest to the VM (see :func:`rank_flavors`)."""
    if n < 1:
        raise ValueError(f"n must be 1 or more, got {n}")
    return rank_flavors(flavors, vm)[:n]


def best_fit(flavors: Iterable[Any], vm: VMSize) -> FlavorFit | None:
    """The flavor that fits with the least waste, or None when no flavor is big enough."""
    ranked = rank_flavors(flavors, vm)
    return ranked[0] if ranked and ranked[0].fits else None


def spare_text(item: FlavorFit) -> str:
    """What the flavor reserves beyond the VM, or what it lacks, in words."""
    if not item.fits:
        return "too small: missing " + ", ".join(item.short)
    parts = []
    if item.spare_vcpus:
        parts.append(f"{item.spare_vcpus} vCPU")
    if item.spare_ram_mib:
        parts.append(f"{item.spare_ram_mib} MiB RAM")
    if item.spare_disk_gb:
        parts.append(f"{item.spare_disk_gb} GB disk")
    return "unused: " + ", ".join(parts) if parts else "exact fit"


def verdict(flavors: Iterable[Any], vm: VMSize) -> str:
    """One sentence: which flavor to pick for the VM, and what it costs in waste."""
    flavors = list(flavors)
    best = best_fit(flavors, vm)
    size = f"{vm.vcpus} vCPU, {vm.ram_mib} MiB RAM, {vm.disk_gb} GB disk"
    if best is None:
        return (
            f"No flavor is big enough for a VM of {size}. An administrator can add one; "
            "until then this VM does not fit the catalog."
        )
    if best.exact:
        return f"{best.name} fits a VM of {size} exactly."
    return (
        f"{best.name} is the nearest flavor for a VM of {size}: {spare_text(best)} "
        f"({best.waste:.0%} of what it reserves)."
    )


def exact_flavor(vm: VMSize, name: str, **extra: Any) -> dict[str, Any]:
    """Keyword arguments for ``create_flavor`` that fit the VM exactly."""
    return {"name": name, "vcpus": vm.vcpus, "ram": vm.ram_mib, "disk": vm.disk_gb, **extra}


# --------------------------------------------------------------------------- hosts


@dataclass(frozen=True)
class HostCapacity:
    """One compute host as Placement sees it: capacity and use per resource class."""

    name: str
    state: str
    status: str
    hypervisor_type: str
    capacity: dict[str, int]  # (total - reserved) * allocation_ratio
    used: dict[str, int]

    def free(self, resource_class: str) -> int:
        return self.capacity.get(resource_class, 0) - self.used.get(resource_class, 0)


def capacity(inventory: Mapping[str, Any]) -> int:
    """What Placement lets you allocate from one inventory: (total - reserved) × ratio."""
    total = int(_get(inventory, "total", 0) or 0)
    reserved = int(_get(inventory, "reserved", 0) or 0)
    ratio = float(_get(inventory, "allocation_ratio", 1.0) or 1.0)
    return int((total - reserved) * ratio)


def flavor_needs(flavor: Any) -> dict[str, int]:
    """What a flavor asks Placement for on a host, by resource class."""
    f = flavor_record(flavor)
    disk = f["disk"] + f["ephemeral"] + math.ceil(f["swap"] / MIB_PER_GIB)
    return {"VCPU": f["vcpus"], "MEMORY_MB": f["ram"], "DISK_GB": disk}


def how_many_fit(host: HostCapacity, flavor: Any) -> int:
    """How many more servers of ``flavor`` Placement would still put on ``host``."""
    counts = [
        host.free(rc) // need for rc, need in flavor_needs(flavor).items() if need > 0
    ]
    return max(0, min(counts)) if counts else 0


def host_capacities(admin: Any) -> list[HostCapacity]:
    """Every hypervisor with its Placement inventory and usage (admin connection)."""
    providers = {rp.name: rp for rp in admin.placement.resource_providers()}
    hosts = []
    for hv in admin.compute.hypervisors(details=True):
        name = hv.name
        rp = providers.get(name)
        cap: dict[str, int] = {}
        used: dict[str, int] = {}
        if rp is not None:
            for inv in admin.placement.resource_provider_inventories(rp):
                cap[inv.resource_class] = capacity(
                    {"total": inv.total, "reserved": inv.reserved,
                     "allocation_ratio": inv.allocation_ratio}
                )
            used = dict(admin.placement.fetch_resource_provider_usages(rp).usages or {})
        hosts.append(HostCapacity(name, str(hv.state), str(hv.status),
                                  str(hv.hypervisor_type), cap, used))
    return sorted(hosts, key=lambda h: h.name)


def host_rows(hosts: Iterable[HostCapacity]) -> list[tuple[Any, ...]]:
    """Rows for a table: host, state, type, then used / capacity per resource class."""
    rows = []
    for h in hosts:
        sizes = [f"{h.used.get(rc, 0)} / {h.capacity.get(rc, 0)}" for rc in RESOURCE_CLASSES]
        rows.append((h.name, f"{h.state}, {h.status}", h.hypervisor_type, *sizes))
    return rows


HOST_HEADERS = ("Host", "State", "Hypervisor type", "vCPU used / can allocate",
                "RAM MiB used / can allocate", "Disk GB used / can allocate")


def hypervisor_type_text(hypervisor_type: str) -> str:
    """What a hypervisor_type means for the learner."""
    if hypervisor_type == LAB_HYPERVISOR_TYPE:
        return (
            "fake: the lab's virt driver, which records guests instead of running them. "
            f"A KVM compute node running the libvirt driver reports {KVM_HYPERVISOR_TYPE} here."
        )
    if hypervisor_type == KVM_HYPERVISOR_TYPE:
        return "QEMU: the libvirt driver with KVM (or plain QEMU emulation) underneath."
    if hypervisor_type.lower() == "vmware":
        return "VMware vCenter Server: the vmwareapi driver, one whole cluster per hypervisor."
    return f"{hypervisor_type}: see the virt driver your cloud configures."


# --------------------------------------------------------------------------- servers


def settle(conn: Any, server: Any, status: str = "ACTIVE", wait: int = 120) -> Any:
    """Wait until ``server`` reaches ``status`` after an action, reading it fresh first.

    The SDK's ``wait_for_server`` returns at once if the object in hand already shows the
    status, which it does right after a reboot was asked for; a fresh read avoids that.
    """
    fresh = conn.compute.get_server(_get(server, "id", server))
    return conn.compute.wait_for_server(fresh, status=status, failures=["ERROR"], wait=wait)


def flavor_name(server: Any) -> str:
    """The name of the flavor a server runs with (compute API 2.47+ embeds the flavor)."""
    flavor = _get(server, "flavor") or {}
    return str(_get(flavor, "original_name") or _get(flavor, "name") or _get(flavor, "id") or "?")


def distinct_hosts(servers: Iterable[Any]) -> int:
    """How many different hosts ``servers`` run on, from their per-project ``host_id``."""
    return len({_get(s, "host_id") for s in servers if _get(s, "host_id")})


# --------------------------------------------------------------------------- power operations


def power_operations() -> list[dict[str, Any]]:
    """The vSphere → Nova table of power and lifecycle operations (data/power_operations.yaml)."""
    return load("power_operations")


def nova_action(vsphere_operation: str) -> dict[str, Any]:
    """The record for a vSphere operation, by id or by its vSphere name (case-insensitive)."""
    wanted = vsphere_operation.strip().lower()
    for record in power_operations():
        if wanted in (record["id"], record["vsphere"].lower()):
            return record
    known = ", ".join(r["vsphere"] for r in power_operations())
    raise KeyError(f"No vSphere operation {vsphere_operation!r}; known: {known}")
