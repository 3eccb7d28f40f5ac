"""Notebook 12, from VMware to OpenStack: the migrated image, the port that keeps the MAC (made
in a terminal), and the cut-over server that boots from a volume."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openstack import exceptions as sdk_exc

from ..checks import CheckResult, active_server, exercise


def image_property(image: Any, key: str) -> Any:
    """An image property, whether the SDK made it an attribute or left it in ``properties``."""
    value = image.get(key) if isinstance(image, Mapping) else getattr(image, key, None)
    if value is None:
        extra = (
            image.get("properties")
            if isinstance(image, Mapping)
            else getattr(image, "properties", None)
        )
        value = (extra or {}).get(key)
    return value


def find_volume(conn: Any, name_or_id: str) -> Any | None:
    """A volume by ID or exact name, filtered here (some clouds refuse a ``name`` filter)."""
    for volume in conn.block_storage.volumes(details=True):
        if name_or_id in (volume.id, volume.name):
            return volume
    return None


def _find_image(conn: Any, image: str) -> tuple[Any | None, CheckResult | None]:
    try:
        return conn.image.find_image(image, ignore_missing=True), None
    except sdk_exc.DuplicateResource:
        return None, CheckResult(
            False,
            f"There are several images named {image!r}, so nobody can tell which one is the "
            "migrated disk.",
            [
                (
                    "Keep one: delete the others with `conn.image.delete_image(<id>)` "
                    "(list them with `[(i.id, i.status) for i in conn.image.images()]`)."
                )
            ],
        )


@exercise(
    "nb12.image",
    hints=(
        (
            "`conn.image.create_image(name=..., filename=str(BOOT_QCOW2), disk_format=..., "
            "container_format='bare', ...)` uploads a file and creates the image in one call."
        ),
        (
            "The file is the converted one (qcow2), so disk_format must say qcow2: Glance inspects "
            "the data and refuses a format that does not match. Add "
            "`min_disk=plan.min_disk_gb` and "
            "`tags=MARK['tags']`."
        ),
        (
            "Extra keyword arguments become image properties: pass `**props` (the dict the "
            "notebook built with `image_properties(vm)`), or set them afterwards with "
            "`conn.image.update_image(image, hw_disk_bus='virtio', ...)`."
        ),
    ),
)
def check_migrated_image(
    conn: Any,
    image: str,
    *,
    properties: Mapping[str, str],
    disk_format: str = "qcow2",
    min_disk: int | None = None,
) -> CheckResult:
    """The image exists, holds data, has ``disk_format`` and every one of ``properties``."""
    found, problem = _find_image(conn, image)
    if problem is not None:
        return problem
    if found is None:
        return CheckResult(
            False,
            f"There is no image {image!r} in your project yet.",
            [
                (
                    "Upload the converted boot disk with `conn.image.create_image(...)` "
                    "under exactly "
                    "that name."
                )
            ],
        )
    found = conn.image.get_image(found.id)
    if found.status != "active":
        why = (
            "it has no data: the upload did not happen or was refused"
            if found.status == "queued"
            else f"its status is {found.status}"
        )
        return CheckResult(
            False,
            f"Image {found.name} is not usable: {why}.",
            ["Delete it (`conn.image.delete_image(image)`) and upload again with `filename=`."],
        )
    if found.disk_format != disk_format:
        return CheckResult(
            False,
            f"Image {found.name} says disk_format {found.disk_format}, not {disk_format}.",
            ["Upload the converted file and declare its real format (`qemu-img info` tells it)."],
        )
    wrong = []
    for key, want in properties.items():
        have = image_property(found, key)
        if have is None or str(have).lower() != str(want).lower():
            wrong.append(f"{key} is {have!r}, not {want!r}")
    if wrong:
        return CheckResult(
            False,
            f"Image {found.name}: " + "; ".join(wrong) + ".",
            [
                (
                    "Set them with `conn.image.update_image(image, **props)`: "
                    "Nova reads them when it "
                    "builds the virtual hardware."
                )
            ],
        )
    if min_disk is not None and (found.min_disk or 0) < min_disk:
        return CheckResult(
            False,
            f"Image {found.name} has min_disk {found.min_disk or 0} GB; the VM's boot disk was "
            f"{min_disk} GB.",
            [
                (
                    f"`conn.image.update_image(image, min_disk={min_disk})` "
                    "stops anyone booting it on "
                    "a flavor whose root disk is too small for the guest's file systems."
                )
            ],
        )
    return CheckResult(
        True,
        f"{found.name} is an active {disk_format} image of {found.virtual_size or '?'} bytes "
        f"with {', '.join(f'{k}={v}' for k, v in properties.items())}: Nova will give the "
        "guest virtio devices and the right firmware.",
    )


@exercise(
    "nb12.cli_port",
    hints=(
        (
            "In a terminal: `openstack --os-cloud lab-demo port create --network demo-net "
            "--mac-address 00:50:56:8a:12:01 --description osworkshop-nb12 "
            "osworkshop-nb12-app01-nic1`."
        ),
        (
            "Without `--mac-address` Neutron invents a MAC (fa:16:3e:...), and the guest, which "
            "knows its old one, may rename its interface or lose its settings."
        ),
        (
            "A wrong port goes with `openstack --os-cloud lab-demo port delete "
            "osworkshop-nb12-app01-nic1`; then create it again. Read it with `openstack "
            "--os-cloud lab-demo port show osworkshop-nb12-app01-nic1 -c mac_address -c fixed_ips`."
        ),
    ),
)
def check_cli_port(conn: Any, port: str, *, network: str, mac: str) -> CheckResult:
    """One port named ``port`` on ``network`` with the VM's ``mac`` (made in a terminal)."""
    found = list(conn.network.ports(name=port))
    if not found:
        return CheckResult(
            False,
            f"There is no port {port!r} yet.",
            ["Run `openstack ... port create` in a terminal, with exactly that name."],
        )
    if len(found) > 1:
        return CheckResult(
            False,
            f"There are {len(found)} ports named {port!r}: the cut-over needs one.",
            [(f"Delete the extra ones by ID: `openstack --os-cloud lab-demo port delete <id>` "
             f"({', '.join(p.id for p in found)}).")],
        )
    got = found[0]
    net = conn.network.get_network(got.network_id)
    if net.name != network:
        return CheckResult(
            False,
            f"{port} is on network {net.name}, not on {network}.",
            [f"Delete it and create it again with `--network {network}`."],
        )
    if str(got.mac_address).lower() != mac.lower():
        return CheckResult(
            False,
            f"{port} has MAC {got.mac_address}, which Neutron made up, not the VM's {mac}.",
            [f"Delete it and create it again with `--mac-address {mac}`."],
        )
    ips = ", ".join(ip["ip_address"] for ip in got.fixed_ips or []) or "none"
    return CheckResult(
        True,
        f"{port} keeps the VM's MAC {mac} on {network} (IP {ips}): the guest will find its "
        "network card where it left it.",
    )


@exercise(
    "nb12.cutover",
    hints=(
        (
            "First the boot volume: `root = conn.block_storage.create_volume(name=..., "
            "image_id=boot_image.id, size=boot_plan.size_gb, volume_type=boot_plan.volume_type, "
            "metadata=MARK['metadata'])`, then `conn.block_storage.wait_for_status(root, "
            "status='available')`."
        ),
        (
            "Boot from it without `image_id`: `block_device_mapping=[{'boot_index': 0, "
            "'uuid': root.id, 'source_type': 'volume', 'destination_type': 'volume'}]`, "
            "with `networks=[{'port': port.id}]` and the plan's flavor "
            "(`conn.compute.find_flavor(plan.flavor.name).id`)."
        ),
        (
            "Attach the data volume with `conn.compute.create_volume_attachment(server, "
            "volume_id=data_volume.id)` and wait with `conn.block_storage.wait_for_status("
            "data_volume, status='in-use')`."
        ),
    ),
)
def check_cutover(
    conn: Any,
    server: str,
    *,
    image: str,
    volume: str,
    mac: str | None = None,
    flavor: str | None = None,
) -> CheckResult:
    """``server`` is ACTIVE and boots from a volume made from ``image`` (on ``flavor``), has a
    port with ``mac`` and the data ``volume`` attached."""
    found = active_server(conn, server, "Make the boot volume, then boot from it (see the hints).")
    if isinstance(found, CheckResult):
        return found
    wanted, problem = _find_image(conn, image)
    if problem is not None:
        return problem
    if wanted is None:
        return CheckResult(
            False,
            f"There is no migrated image {image!r} to boot from.",
            ["Do exercise 1 first: the boot volume is made from that image."],
        )
    if found.image and image_property(found.image, "id"):
        return CheckResult(
            False,
            f"{found.name} boots from an image, not from a volume: its root disk is a copy on "
            "the compute host that goes when the server goes. A migrated pet keeps its boot "
            "disk in a volume.",
            [("Delete the server, create a volume from the image and boot with "
             "`block_device_mapping=[{'boot_index': 0, 'uuid': root.id, "
             "'source_type': 'volume', 'destination_type': 'volume'}]`.")],
        )
    root = root_volume(conn, found)
    if root is None:
        return CheckResult(
            False,
            f"{found.name} has no image and no root volume that can be read.",
            ["Delete it and boot again from the volume (hint 2)."],
        )
    source = (getattr(root, "volume_image_metadata", None) or {}).get("image_id")
    if source != wanted.id:
        made = (root.volume_image_metadata or {}).get("image_name") or "no image"
        return CheckResult(
            False,
            f"{found.name} boots from volume {root.name or root.id}, made from {made}, not from "
            f"the migrated image {image}.",
            ["Create the boot volume with `image_id=boot_image.id`."],
        )
    if flavor is not None:
        have = image_property(found.flavor, "name") or image_property(found.flavor, "original_name")
        if have != flavor:
            return CheckResult(
                False,
                f"{found.name} runs on flavor {have}, not {flavor} as planned.",
                [
                    (
                        f"Resize it (`conn.compute.resize_server(server, <{flavor} id>)`, "
                        "then confirm) "
                        "or boot it again with the planned flavor."
                    )
                ],
            )
    if mac is not None:
        macs = {p.mac_address.lower() for p in conn.network.ports(device_id=found.id)}
        if mac.lower() not in macs:
            return CheckResult(
                False,
                f"{found.name} has no port with the VM's MAC {mac} (it has "
                f"{', '.join(sorted(macs)) or 'none'}).",
                [("Boot it on the pre-created port: `networks=[{'port': port.id}]`, not on the "
                 "network.")],
            )
    vol = find_volume(conn, volume)
    if vol is None:
        return CheckResult(
            False,
            f"There is no volume {volume!r}.",
            ["Run the cells that create the data volume first."],
        )
    servers = {a.get("server_id") for a in vol.attachments or []}
    if found.id not in servers:
        return CheckResult(
            False,
            f"Volume {vol.name} is {vol.status} and not attached to {found.name}.",
            ["`conn.compute.create_volume_attachment(server, volume_id=data_volume.id)`"],
        )
    if vol.status != "in-use":
        return CheckResult(
            False,
            f"Volume {vol.name} is still {vol.status}.",
            [("Wait: `conn.block_storage.wait_for_status(data_volume, status='in-use')`.")],
        )
    return CheckResult(
        True,
        f"{found.name} boots from {root.name}, a volume made from {image}, with {vol.name} "
        "attached"
        + (f" and the MAC {mac} it had in vSphere" if mac else "")
        + ": the cut-over is done.",
    )


def root_volume(conn: Any, server: Any) -> Any | None:
    """The volume a server boots from: the one attached at its root device (or, where the
    cloud hides that device, the first attached volume made from an image)."""
    attached = list(conn.compute.volume_attachments(server))
    device = getattr(server, "root_device_name", None)
    volumes = [conn.block_storage.get_volume(a.volume_id) for a in attached
               if not device or a.device == device]
    if device:
        return volumes[0] if volumes else None
    return next((v for v in volumes if getattr(v, "volume_image_metadata", None)), None)
