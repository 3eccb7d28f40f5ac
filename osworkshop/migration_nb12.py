"""Notebook 12, from VMware to OpenStack today: disk images, a VM's mapping, the cut-over.

Two kinds of helpers:

* thin wrappers around ``qemu-img`` (make a VMDK, read its header, convert, compare) that raise a
  :class:`~osworkshop.errors.CourseError` a learner can act on when qemu-img is missing or fails;
* pure functions that map one VM record of a vSphere inventory (``data/sample_vm.yaml``) onto
  OpenStack: the nearest flavor, the image properties a migrated guest needs, one volume per data
  disk, one port per NIC, the warnings a migration team should read first, and a cut-over
  checklist.  They take plain values, so the unit tests need no cloud.
"""

from __future__ import annotations

import ipaddress
import json
import math
import shutil
import struct
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .data import load
from .errors import CourseError
from .resources import PREFIX

MIB = 1024**2
GIB = 1024**3

#: VMDK sub-formats Glance is willing to convert (its ``vmdk_allowed_types`` default): one file
#: each, with a sparse header.  Split or flat VMDKs (a descriptor plus extent files) are refused.
VMDK_SUBFORMATS: tuple[str, ...] = ("monolithicSparse", "streamOptimized")

#: The disk controller models qemu-img can write into a VMDK header (``adapter_type``).
VMDK_ADAPTERS: tuple[str, ...] = ("ide", "lsilogic", "buslogic", "legacyESX")

#: Words of vSphere's guest OS name -> Glance ``os_distro`` value (libosinfo vocabulary, as
#: listed in glance doc/source/admin/useful-image-properties.rst).
OS_DISTROS: tuple[tuple[str, str], ...] = (
    ("red hat enterprise linux", "rhel"),
    ("centos", "centos"),
    ("fedora", "fedora"),
    ("ubuntu", "ubuntu"),
    ("debian", "debian"),
    ("opensuse", "opensuse"),
    ("freebsd", "freebsd"),
    ("windows", "windows"),
)

#: VMware's paravirtual devices, which have no counterpart on KVM.
VMWARE_PARAVIRTUAL: dict[str, tuple[str, str]] = {
    "vmxnet3": ("network adapter", "virtio-net"),
    "pvscsi": ("SCSI controller", "virtio-blk or virtio-scsi"),
}

Runner = Callable[..., "subprocess.CompletedProcess[str]"]


# --------------------------------------------------------------------------- qemu-img


def _qemu_img_missing() -> CourseError:
    return CourseError(
        "qemu-img is not installed",
        "This notebook makes, inspects and converts disk images with qemu-img, the disk "
        "tool of QEMU, and no `qemu-img` was found on this machine's PATH.",
        "Install the `qemu-utils` package (Debian and Ubuntu: `sudo apt-get install "
        "qemu-utils`; the course lab's installer adds it for you), then run the cell again.",
    )


def qemu_img(which: Callable[[str], str | None] = shutil.which) -> str:
    """The path of ``qemu-img``, or a CourseError that says how to install it."""
    path = which("qemu-img")
    if path is None:
        raise _qemu_img_missing()
    return path


def run_qemu_img(
    args: Sequence[str], *, runner: Runner = subprocess.run, ok_codes: Sequence[int] = (0,)
) -> subprocess.CompletedProcess[str]:
    """Run ``qemu-img args``; a return code outside ``ok_codes`` becomes a CourseError."""
    command = [qemu_img(), *args]
    try:
        done = runner(command, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:  # removed between which() and the call
        raise _qemu_img_missing() from exc
    if done.returncode not in ok_codes:
        message = (done.stderr or done.stdout or "no message").strip()
        raise CourseError(
            f"qemu-img {args[0] if args else ''} failed",
            f"`qemu-img {' '.join(args)}` ended with code {done.returncode}: {message}",
            "Read qemu-img's message: usually a path that does not exist, a format name it "
            "does not know, or a full disk.",
        )
    return done


def write_sparse_raw(path: Path, size_mib: int, content: Mapping[int, bytes] | None = None) -> Path:
    """A sparse raw disk of ``size_mib`` MiB with ``content`` (offset -> bytes) written into it."""
    if size_mib < 1:
        raise ValueError(f"A disk needs at least 1 MiB, not {size_mib}.")
    size = size_mib * MIB
    with path.open("wb") as fh:
        fh.truncate(size)
        for offset, data in sorted((content or {}).items()):
            if offset < 0 or offset + len(data) > size:
                raise ValueError(
                    f"{len(data)} bytes at offset {offset} do not fit in {size_mib} MiB."
                )
            fh.seek(offset)
            fh.write(data)
    return path


def vmdk_adapter(controller: str) -> str:
    """The qemu-img ``adapter_type`` closest to a vSphere controller (PVSCSI and SAS: lsilogic)."""
    name = controller.lower()
    if name in ("ide", "buslogic"):
        return name
    return "lsilogic"


def make_vmdk(
    path: str | Path,
    size_mib: int = 64,
    *,
    subformat: str = "monolithicSparse",
    adapter: str = "lsilogic",
    content: Mapping[int, bytes] | None = None,
    runner: Runner = subprocess.run,
) -> Path:
    """Make a small VMDK like the ones on a datastore: sparse, ``size_mib`` virtual MiB."""
    if subformat not in VMDK_SUBFORMATS:
        raise ValueError(
            f"Use one of {', '.join(VMDK_SUBFORMATS)}: Glance refuses other VMDK sub-formats "
            f"(such as {subformat}), whose data lives in separate extent files."
        )
    if adapter not in VMDK_ADAPTERS:
        raise ValueError(f"adapter must be one of {', '.join(VMDK_ADAPTERS)}, not {adapter!r}.")
    target = Path(path)
    raw = target.with_name(target.name + ".raw")
    write_sparse_raw(raw, size_mib, content)
    try:
        run_qemu_img(
            [
                "convert",
                "-q",
                "-f",
                "raw",
                "-O",
                "vmdk",
                "-o",
                f"subformat={subformat},adapter_type={adapter}",
                str(raw),
                str(target),
            ],
            runner=runner,
        )
    finally:
        raw.unlink(missing_ok=True)
    tidy_vmdk_descriptor(target)
    return target


def tidy_vmdk_descriptor(path: str | Path) -> bool:
    """Zero what follows the text of a sparse VMDK's embedded descriptor; True if it had to.

    When qemu-img rewrites the descriptor with a new CID that is shorter than the old one (a
    CID with a leading zero, about one time in sixteen), the old last bytes stay behind the
    text's end (block/vmdk.c vmdk_write_cid). Cinder's format inspector reads every line of
    the descriptor and refuses such a file ("Invalid VMDK descriptor data"); Glance accepts it.
    """
    with Path(path).open("r+b") as fh:
        header = fh.read(44)
        if len(header) < 44 or not header.startswith(b"KDMV"):
            return False
        desc_sector, desc_sectors = struct.unpack("<QQ", header[28:44])
        if not desc_sector or not desc_sectors:
            return False
        fh.seek(desc_sector * 512)
        region = fh.read(desc_sectors * 512)
        text = region.split(b"\0", 1)[0]
        clean = text.ljust(len(region), b"\0")
        if clean == region:
            return False
        fh.seek(desc_sector * 512)
        fh.write(clean)
    return True


def disk_info(path: str | Path, *, runner: Runner = subprocess.run) -> dict[str, Any]:
    """What qemu-img reads from a disk image's header (``qemu-img info --output=json``)."""
    if not Path(path).exists():
        raise CourseError(
            "No such disk image",
            f"There is no file {path}.",
            "Run the cell that creates the disks first, or check the path.",
        )
    done = run_qemu_img(["info", "--output=json", str(path)], runner=runner)
    info: dict[str, Any] = json.loads(done.stdout)
    return info


def human_size(n_bytes: float) -> str:
    """67108864 -> '64 MiB', 1536 -> '1.5 KiB' (binary units, as qemu-img prints them)."""
    value, unit = float(n_bytes), "B"
    for bigger in ("KiB", "MiB", "GiB"):
        if abs(value) < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"


def info_rows(info: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The few fields of ``qemu-img info`` a migration cares about, as (field, value) rows."""
    specific = (info.get("format-specific") or {}).get("data") or {}
    rows = [
        ("file", Path(str(info.get("filename", "?"))).name),
        ("format", str(info.get("format", "?"))),
        ("virtual size (what the guest sees)", human_size(int(info.get("virtual-size", 0)))),
        ("size on disk (sparse)", human_size(int(info.get("actual-size", 0)))),
    ]
    if "create-type" in specific:
        rows.append(("VMDK create type", str(specific["create-type"])))
    if "compat" in specific:
        rows.append(("qcow2 compat level", str(specific["compat"])))
    if info.get("backing-filename"):
        rows.append(("backing file (a chain: flatten it first)", str(info["backing-filename"])))
    return rows


def convert(
    source: str | Path,
    target: str | Path,
    out_format: str = "qcow2",
    *,
    runner: Runner = subprocess.run,
) -> Path:
    """Convert a disk image (format read from its header) to ``out_format`` (qcow2 or raw)."""
    if out_format not in ("qcow2", "raw"):
        raise ValueError(f"Convert to qcow2 or raw for OpenStack, not {out_format!r}.")
    in_format = str(disk_info(source, runner=runner)["format"])
    run_qemu_img(
        ["convert", "-q", "-f", in_format, "-O", out_format, str(source), str(target)],
        runner=runner,
    )
    return Path(target)


def same_content(a: str | Path, b: str | Path, *, runner: Runner = subprocess.run) -> bool:
    """True if two images hold the same guest-visible bytes (``qemu-img compare``)."""
    done = run_qemu_img(["compare", "-q", str(a), str(b)], runner=runner, ok_codes=(0, 1))
    return done.returncode == 0


def remove_files(paths: Iterable[str | Path]) -> list[str]:
    """Delete local files that exist; returns the names deleted."""
    gone = []
    for path in paths:
        p = Path(path)
        if p.exists():
            p.unlink()
            gone.append(p.name)
    return gone


# --------------------------------------------------------------------------- inventory


def inventory() -> list[dict[str, Any]]:
    """The sample vSphere inventory (``data/sample_vm.yaml``)."""
    return load("sample_vm")


def find_vm(name: str, records: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """One VM record by name."""
    records = inventory() if records is None else records
    for record in records:
        if record["name"] == name:
            return dict(record)
    known = ", ".join(r["name"] for r in records)
    raise KeyError(f"No VM {name!r} in the inventory; it has {known}.")


def vm_problems(vm: Mapping[str, Any]) -> list[str]:
    """What is wrong with a VM record's disks and NICs (the data schema checks the rest)."""
    problems: list[str] = []
    disks = vm.get("disks") or []
    if sum(1 for d in disks if d.get("boot")) != 1:
        problems.append(f"{vm.get('name')}: exactly one disk must have boot: true")
    for disk in disks:
        for key in ("label", "capacity_gb", "controller", "datastore", "boot"):
            if key not in disk:
                problems.append(f"{vm.get('name')}: disk {disk.get('label', '?')} has no {key}")
    for nic in vm.get("nics") or []:
        for key in ("label", "port_group", "adapter", "mac"):
            if key not in nic:
                problems.append(f"{vm.get('name')}: NIC {nic.get('label', '?')} has no {key}")
    return problems


def boot_disk(vm: Mapping[str, Any]) -> dict[str, Any]:
    return dict(next(d for d in vm["disks"] if d.get("boot")))


def data_disks(vm: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [dict(d) for d in vm["disks"] if not d.get("boot")]


# --------------------------------------------------------------------------- flavor


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, Mapping):
        return item.get(name, default)
    return getattr(item, name, default)


@dataclass(frozen=True)
class FlavorFit:
    """How one flavor compares with a VM's size."""

    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    fits: bool
    why: str


def flavor_fits(
    vcpus: int,
    memory_mb: int,
    root_gb: int,
    flavors: Iterable[Any],
    *,
    boot_from_volume: bool = False,
) -> list[FlavorFit]:
    """Every course flavor (other notebooks' ``osworkshop-*`` test flavors left out), smallest
    first, with whether it holds the VM and why (not)."""
    out = []
    for f in flavors:
        name = str(_get(f, "name"))
        if name.startswith(PREFIX + "-"):
            continue
        fv, fr, fd = int(_get(f, "vcpus", 0)), int(_get(f, "ram", 0)), int(_get(f, "disk", 0))
        short = []
        if fv < vcpus:
            short.append(f"{fv} vCPU < {vcpus}")
        if fr < memory_mb:
            short.append(f"{fr} MB RAM < {memory_mb}")
        if not boot_from_volume and fd < root_gb:
            short.append(f"{fd} GB root disk < {root_gb}")
        if short:
            why = "too small: " + ", ".join(short)
        else:
            extra = [
                f"+{fv - vcpus} vCPU" if fv > vcpus else "",
                f"+{fr - memory_mb} MB RAM" if fr > memory_mb else "",
            ]
            if not boot_from_volume:
                extra.append(f"+{fd - root_gb} GB disk" if fd > root_gb else "")
            spare = ", ".join(e for e in extra if e)
            why = f"fits ({spare} to spare)" if spare else "fits exactly"
        out.append(FlavorFit(name, fv, fr, fd, not short, why))
    return sorted(out, key=lambda x: (x.vcpus, x.ram_mb, x.disk_gb, x.name))


def pick_flavor(
    vcpus: int,
    memory_mb: int,
    root_gb: int,
    flavors: Iterable[Any],
    *,
    boot_from_volume: bool = False,
) -> FlavorFit | None:
    """The smallest flavor with at least the VM's vCPUs, RAM and (unless it boots from a
    volume) boot disk; None if no flavor is big enough."""
    fitting = [
        f
        for f in flavor_fits(vcpus, memory_mb, root_gb, flavors, boot_from_volume=boot_from_volume)
        if f.fits
    ]
    return fitting[0] if fitting else None


# --------------------------------------------------------------------------- image properties


def os_distro_for(guest_os: str) -> str | None:
    """Glance's ``os_distro`` for vSphere's guest OS name, or None when vSphere does not say."""
    lower = guest_os.lower()
    return next((distro for words, distro in OS_DISTROS if words in lower), None)


def image_properties(vm: Mapping[str, Any], *, disk_bus: str = "virtio") -> dict[str, str]:
    """The image properties a *converted* guest (virtio drivers in place) needs on KVM.

    ``disk_bus`` is ``virtio`` (virtio-blk, one PCI device per disk) or ``scsi`` (one
    virtio-scsi controller for many disks; adds ``hw_scsi_model``).
    """
    if disk_bus not in ("virtio", "scsi"):
        raise ValueError(f"disk_bus is 'virtio' or 'scsi' for a migrated guest, not {disk_bus!r}.")
    props = {
        "hw_disk_bus": disk_bus,
        "hw_vif_model": "virtio",
        "os_type": "windows" if vm["os_family"] == "windows" else "linux",
        "hw_firmware_type": "uefi" if vm["firmware"] == "efi" else "bios",
    }
    if disk_bus == "scsi":
        props["hw_scsi_model"] = "virtio-scsi"
    distro = os_distro_for(str(vm.get("guest_os", "")))
    if distro:
        props["os_distro"] = distro
    return props


def guest_warnings(vm: Mapping[str, Any]) -> list[str]:
    """What a migration team must sort out in the guest before its first boot on KVM."""
    warnings: list[str] = []
    if vm["os_family"] == "windows":
        warnings.append(
            "Windows has no virtio drivers of its own: they must be put in before the first "
            "boot on KVM (virt-v2v installs them from virtio-win). Without them Windows stops "
            "at boot with error 0x0000007B."
        )
        warnings.append(
            "Turn off Windows Fast Startup and hibernation, or virt-v2v cannot convert."
        )
    if not vm.get("cbt_enabled"):
        warnings.append(
            "Changed-block tracking (CBT) is off: incremental tools need it on every disk; "
            "without it every copy is a full copy, made while the VM is off."
        )
    if os_distro_for(str(vm.get("guest_os", ""))) is None:
        warnings.append(
            f"vSphere only knows the guest as '{vm.get('guest_os')}': find out the real "
            "distribution (or ask the vendor for a KVM image) and set os_distro by hand."
        )
    if vm["firmware"] == "efi":
        warnings.append(
            "UEFI firmware: keep hw_firmware_type=uefi on the image; a guest installed for "
            "UEFI does not boot with BIOS firmware."
        )
    devices = {d.get("controller", "") for d in vm["disks"]} | {
        n.get("adapter", "") for n in vm.get("nics") or []
    }
    for device, (kind, virtio) in VMWARE_PARAVIRTUAL.items():
        if device in devices:
            warnings.append(
                f"{device} is VMware's paravirtual {kind}; KVM has none. The guest gets "
                f"{virtio} instead and needs that driver."
            )
    return warnings


# --------------------------------------------------------------------------- volumes and ports


@dataclass(frozen=True)
class VolumePlan:
    """One Cinder volume for one VMDK."""

    disk: str
    size_gb: int
    volume_type: str | None
    boot: bool
    note: str = ""


def volume_plan(
    vm: Mapping[str, Any],
    storage_map: Mapping[str, str],
    *,
    include_boot: bool = False,
) -> list[VolumePlan]:
    """A volume per data disk (and the boot disk when it boots from a volume), sized in whole
    GB and typed by the datastore -> volume type map."""
    plans = []
    for disk in vm["disks"]:
        if disk.get("boot") and not include_boot:
            continue
        datastore = str(disk.get("datastore", ""))
        vtype = storage_map.get(datastore)
        note = "" if vtype else f"no volume type mapped for datastore {datastore}"
        plans.append(
            VolumePlan(
                str(disk["label"]),
                max(1, math.ceil(float(disk["capacity_gb"]))),
                vtype,
                bool(disk.get("boot")),
                note,
            )
        )
    return plans


@dataclass(frozen=True)
class PortPlan:
    """One Neutron port for one vSphere NIC, keeping its MAC (and IP when the subnet holds it)."""

    nic: str
    port_group: str
    network: str | None
    mac: str
    ip: str | None
    note: str = ""


def port_plan(
    vm: Mapping[str, Any],
    network_map: Mapping[str, str],
    subnets: Mapping[str, str] | None = None,
) -> list[PortPlan]:
    """A port per NIC: port group -> network (``network_map``), MAC kept, IP kept when it lies in
    the network's subnet (``subnets``: network -> CIDR)."""
    subnets = subnets or {}
    plans = []
    for nic in vm.get("nics") or []:
        group = str(nic["port_group"])
        network = network_map.get(group)
        ip = nic.get("ip")
        note = ""
        if network is None:
            note = f"no network mapped for port group {group}: create one or leave the NIC out"
            ip = None
        elif ip and network in subnets:
            cidr = ipaddress.ip_network(subnets[network], strict=False)
            if ipaddress.ip_address(ip) not in cidr:
                note = (
                    f"{ip} is outside {network}'s subnet {cidr}: Neutron will not give it; "
                    "re-address the guest or add a matching subnet"
                )
                ip = None
        plans.append(
            PortPlan(
                str(nic["label"]), group, network, str(nic["mac"]), str(ip) if ip else None, note
            )
        )
    return plans


# --------------------------------------------------------------------------- the whole plan


@dataclass
class MigrationPlan:
    """Where one VM lands in OpenStack."""

    vm: str
    flavor: FlavorFit | None
    image_properties: dict[str, str]
    min_disk_gb: int
    volumes: list[VolumePlan]
    ports: list[PortPlan]
    warnings: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        """True when every part found a target (warnings about the guest may remain)."""
        return (
            self.flavor is not None
            and all(v.volume_type for v in self.volumes)
            and all(p.network for p in self.ports)
        )


def plan_vm(
    vm: Mapping[str, Any],
    flavors: Iterable[Any],
    *,
    network_map: Mapping[str, str],
    storage_map: Mapping[str, str],
    subnets: Mapping[str, str] | None = None,
    disk_bus: str = "virtio",
    boot_from_volume: bool = False,
) -> MigrationPlan:
    """Map one inventory record onto flavors, image properties, volumes and ports."""
    root = boot_disk(vm)
    root_gb = max(1, math.ceil(float(root["capacity_gb"])))
    flavor = pick_flavor(
        int(vm["vcpus"]), int(vm["memory_mb"]), root_gb, flavors, boot_from_volume=boot_from_volume
    )
    volumes = volume_plan(vm, storage_map, include_boot=boot_from_volume)
    ports = port_plan(vm, network_map, subnets)
    warnings = guest_warnings(vm)
    if flavor is None:
        warnings.insert(
            0,
            f"No flavor holds {vm['vcpus']} vCPU, {vm['memory_mb']} MB RAM and a "
            f"{root_gb} GB root disk: ask an admin for one, or right-size the VM.",
        )
    warnings += [f"{v.disk}: {v.note}" for v in volumes if v.note]
    warnings += [f"{p.nic}: {p.note}" for p in ports if p.note]
    return MigrationPlan(
        str(vm["name"]),
        flavor,
        image_properties(vm, disk_bus=disk_bus),
        root_gb,
        volumes,
        ports,
        warnings,
    )


def quota_problems(
    plan: MigrationPlan,
    *,
    cores_free: int,
    ram_free_mb: int,
    volumes_free: int,
    gigabytes_free: int,
) -> list[str]:
    """What the plan needs beyond the project's free quota (a negative 'free' means unlimited)."""
    needs = [
        ("vCPUs", plan.flavor.vcpus if plan.flavor else 0, cores_free),
        ("MB of RAM", plan.flavor.ram_mb if plan.flavor else 0, ram_free_mb),
        ("volumes", len(plan.volumes), volumes_free),
        ("GB of volumes", sum(v.size_gb for v in plan.volumes), gigabytes_free),
    ]
    return [
        f"needs {need} {what}, the project has {free} free"
        for what, need, free in needs
        if free >= 0 and need > free
    ]


# --------------------------------------------------------------------------- cut-over


@dataclass(frozen=True)
class Step:
    """One line of the cut-over checklist."""

    phase: str
    step: str
    openstack: str


def cutover_checklist(plan: MigrationPlan, *, incremental: bool = False) -> list[Step]:
    """The steps from inventory to switching users over, filled in with the plan's values."""
    flavor = plan.flavor.name if plan.flavor else "(no flavor yet)"
    ports = (
        "; ".join(
            f"{p.mac} on {p.network or '?'}" + (f" with {p.ip}" if p.ip else "") for p in plan.ports
        )
        or "no NICs"
    )
    vols = ", ".join(f"{v.size_gb} GB {v.volume_type or '?'}" for v in plan.volumes) or "none"
    props = ", ".join(f"{k}={v}" for k, v in sorted(plan.image_properties.items()))
    copy_first = (
        "first full copy while the VM runs, then changed blocks again and again"
        if incremental
        else "nothing yet: a cold copy happens in the window"
    )
    steps = [
        Step(
            "before",
            "Inventory: vCPU, RAM, disks, NICs with MAC and IP, firmware, guest OS",
            f"{plan.vm}: read from vCenter (the tools' discovery step)",
        ),
        Step(
            "before",
            "Prerequisites: CBT on every disk, tool access to vCenter (443) and ESXi "
            "(902), virtio drivers ready for Windows",
            "a conversion host in the target project",
        ),
        Step(
            "before",
            "Map: flavor, networks, volume types; check quota",
            f"flavor {flavor}; ports {ports}; volumes {vols}",
        ),
        Step(
            "before",
            "Pre-create the ports so MAC and IP stay the same",
            "conn.network.create_port(network_id=..., mac_address=..., fixed_ips=[...])",
        ),
        Step("before", "Copy", copy_first),
        Step(
            "before",
            "Test-boot a copy on an isolated network",
            "boot from a copy of the image or volume; no user traffic yet",
        ),
        Step(
            "window",
            "Stop the application and shut the VM down in vSphere",
            "note the time: downtime starts",
        ),
        Step(
            "window",
            "Final copy (changed blocks only with CBT, else everything)",
            "nbdkit/VDDK or qemu-img into an image or a volume",
        ),
        Step(
            "window",
            "Convert the guest: virtio drivers, bootloader, VMware Tools out",
            "virt-v2v (or virt-v2v-in-place after the copy)",
        ),
        Step(
            "window",
            "Make the boot volume from the image, boot from it, attach the data volumes",
            f"an image with {props}; create_volume(image_id=...), then create_server("
            "block_device_mapping=[boot_index 0, source volume]), create_volume_attachment(...)",
        ),
        Step(
            "window",
            "Check: console log, services, IP and MAC, disks mounted",
            "conn.compute.get_server_console_output(server)",
        ),
        Step(
            "window",
            "Point users at it: DNS, load balancer, firewall rules",
            "security groups replace the VM's firewall rules in NSX or on the port group",
        ),
        Step(
            "after",
            "Keep the source VM powered off, not deleted, until the rollback window ends",
            "rollback = power the VMware VM on again",
        ),
        Step(
            "after",
            "Guest clean-up: Windows disks offline by SAN policy, renamed NICs",
            "fix inside the guest, then snapshot as the new baseline",
        ),
        Step("after", "Delete the source VM and release its licences", "the migration is done"),
    ]
    return steps


def _name_of(getter: Callable[[str], Any], resource_id: str) -> str:
    """``name (id)`` of a resource, or just the ID when it cannot be read."""
    try:
        return f"{getter(resource_id).name} ({resource_id})"
    except Exception:  # noqa: BLE001 - a name is a nicety; the ID is enough
        return resource_id


def server_summary(conn: Any, server: Any) -> list[tuple[str, str]]:
    """A migrated server as (field, value) rows: flavor, image, ports with MAC and IP, volumes."""
    flavor = _get(server.flavor, "name") or _get(server.flavor, "original_name") or "?"
    image_id = _get(server.image, "id")
    rows = [("server", f"{server.name} ({server.status})"), ("flavor", str(flavor))]
    if image_id:
        rows.append(("image", _name_of(conn.image.get_image, image_id)))
    root = _get(server, "root_device_name")
    for port in conn.network.ports(device_id=server.id):
        ips = ", ".join(ip["ip_address"] for ip in port.fixed_ips or [])
        rows.append(("port", f"MAC {port.mac_address}, IP {ips}"))
    for att in conn.compute.volume_attachments(server):
        try:
            found = conn.block_storage.get_volume(att.volume_id)
            volume = f"{found.name} ({att.volume_id})"
            source = (_get(found, "volume_image_metadata") or {}).get("image_name")
        except Exception:  # noqa: BLE001 - a name is a nicety; the ID is enough
            volume, source = att.volume_id, None
        made = f", made from image {source}" if source else ""
        if not image_id and root and att.device == root:
            rows.insert(2, ("root disk", f"volume {volume} at {att.device}{made}"))
        else:
            rows.append(("volume", f"{volume} at {att.device}"))
    if not image_id and not any(r[0] == "root disk" for r in rows):
        rows.insert(2, ("root disk", "(boots from a volume)"))
    return rows
