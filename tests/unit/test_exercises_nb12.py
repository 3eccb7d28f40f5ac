"""Notebook 12 checks against a tiny stand-in cloud (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb12 import (
    check_cli_port,
    check_cutover,
    check_migrated_image,
    find_volume,
    image_property,
    root_volume,
)

PROPS = {"hw_disk_bus": "virtio", "hw_vif_model": "virtio", "os_type": "linux"}
IMAGE = "osworkshop-nb12-app01-boot"


def image(**overrides: Any) -> SimpleNamespace:
    fields: dict[str, Any] = {
        "id": "img-1",
        "name": IMAGE,
        "status": "active",
        "disk_format": "qcow2",
        "min_disk": 16,
        "virtual_size": 67108864,
        "hw_disk_bus": "virtio",
        "properties": {"hw_vif_model": "virtio", "os_type": "linux"},
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


class Images:
    def __init__(self, images: list[Any]) -> None:
        self.images = images

    def find_image(self, name: str, ignore_missing: bool = True) -> Any:
        found = [i for i in self.images if name in (i.id, i.name)]
        if len(found) > 1:
            raise sdk_exc.DuplicateResource(f"More than one image named {name}")
        return found[0] if found else None

    def get_image(self, image_id: str) -> Any:
        return next(i for i in self.images if i.id == image_id)


def image_cloud(*images: Any) -> Any:
    return SimpleNamespace(image=Images(list(images)))


# --------------------------------------------------------------------------- nb12.image


def test_checks_are_registered() -> None:
    load_exercises()
    assert registry["nb12.image"] is check_migrated_image
    assert registry["nb12.cutover"] is check_cutover
    assert registry["nb12.cli_port"] is check_cli_port


def test_image_property_reads_attributes_and_properties() -> None:
    img = image()
    assert image_property(img, "hw_disk_bus") == "virtio"
    assert image_property(img, "os_type") == "linux"
    assert image_property({"properties": {"x": 1}}, "x") == 1
    assert image_property(img, "missing") is None


def test_image_passes() -> None:
    result = check_migrated_image(image_cloud(image()), IMAGE, properties=PROPS, min_disk=16)
    assert result.passed and "hw_disk_bus=virtio" in result.message


@pytest.mark.parametrize(
    ("img", "words"),
    [
        (None, "no image"),
        (image(status="queued"), "no data"),
        (image(status="saving"), "status is saving"),
        (image(disk_format="vmdk"), "disk_format vmdk, not qcow2"),
        (image(hw_disk_bus="ide"), "hw_disk_bus is 'ide'"),
        (image(properties={"hw_vif_model": "virtio"}), "os_type is None"),
        (image(min_disk=0), "min_disk 0 GB"),
    ],
)
def test_image_fails(img: Any, words: str) -> None:
    cloud = image_cloud(img) if img is not None else image_cloud()
    result = check_migrated_image(cloud, IMAGE, properties=PROPS, min_disk=16)
    assert not result.passed
    assert words in result.message
    assert result.hints


def test_duplicate_images_fail_with_advice() -> None:
    cloud = image_cloud(image(), image(id="img-2"))
    result = check_migrated_image(cloud, IMAGE, properties=PROPS)
    assert not result.passed and "several images" in result.message


def test_strict_mode_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="nb12.image"):
        check_migrated_image(image_cloud(), IMAGE, properties=PROPS)


# --------------------------------------------------------------------------- nb12.cutover

SERVER = "osworkshop-nb12-app01"
MAC = "00:50:56:8a:12:01"


def cutover_cloud(
    *,
    status: str = "ACTIVE",
    image_id: str | None = None,
    root_from: str | None = "img-1",
    root_device: str | None = "/dev/vda",
    flavor: str = "m1.medium",
    mac: str = MAC,
    attached: bool = True,
    volume_status: str = "in-use",
    fault: dict[str, Any] | None = None,
    server_exists: bool = True,
) -> Any:
    server = SimpleNamespace(
        id="srv-1",
        name=SERVER,
        status=status,
        image={"id": image_id} if image_id else {},
        root_device_name=root_device,
        flavor=SimpleNamespace(name=None, original_name=flavor),
        fault=fault,
    )
    root = SimpleNamespace(
        id="vol-root",
        name="osworkshop-nb12-app01-root",
        volume_image_metadata={"image_id": root_from, "image_name": "lab-image"}
        if root_from else None,
    )
    volume = SimpleNamespace(
        id="vol-1",
        name="osworkshop-nb12-app01-data",
        status=volume_status,
        attachments=[{"server_id": "srv-1"}] if attached else [],
        volume_image_metadata={"image_id": "transfer"},
    )
    attachments = [] if image_id else [SimpleNamespace(volume_id="vol-root", device="/dev/vda")]
    if attached:
        attachments.append(SimpleNamespace(volume_id="vol-1", device="/dev/vdb"))
    compute = SimpleNamespace(
        find_server=lambda name, ignore_missing=True: server if server_exists else None,
        get_server=lambda server_id: server,
        volume_attachments=lambda srv: list(attachments),
    )
    return SimpleNamespace(
        compute=compute,
        image=Images([image()]),
        network=SimpleNamespace(ports=lambda device_id: [SimpleNamespace(mac_address=mac)]),
        block_storage=SimpleNamespace(
            volumes=lambda details=True: [volume],
            get_volume=lambda volume_id: {"vol-root": root, "vol-1": volume}[volume_id],
        ),
    )


def run(cloud: Any) -> Any:
    return check_cutover(
        cloud, SERVER, image=IMAGE, volume="osworkshop-nb12-app01-data", mac=MAC, flavor="m1.medium"
    )


def test_cutover_passes() -> None:
    result = run(cutover_cloud())
    assert result.passed and "cut-over is done" in result.message and MAC in result.message
    assert "boots from osworkshop-nb12-app01-root" in result.message


def test_cutover_finds_the_root_volume_where_the_root_device_is_hidden() -> None:
    cloud = cutover_cloud(root_device=None)
    assert run(cloud).passed
    assert root_volume(cloud, cloud.compute.get_server("srv-1")).id == "vol-root"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"server_exists": False}, "no server"),
        ({"status": "BUILD"}, "not ACTIVE"),
        (
            {"status": "ERROR", "fault": {"code": 500, "message": "No valid host was found"}},
            "ERROR",
        ),
        ({"image_id": "img-1"}, "boots from an image, not from a volume"),
        ({"root_from": "other"}, "made from lab-image, not from the migrated image"),
        ({"root_from": None}, "made from no image"),
        ({"root_device": "/dev/sdz"}, "no root volume"),
        ({"flavor": "m1.large"}, "flavor m1.large, not m1.medium"),
        ({"mac": "fa:16:3e:00:00:01"}, "no port with the VM's MAC"),
        ({"attached": False, "volume_status": "available"}, "not attached"),
        ({"volume_status": "attaching"}, "still attaching"),
    ],
)
def test_cutover_fails(kwargs: dict[str, Any], words: str) -> None:
    result = run(cutover_cloud(**kwargs))
    assert not result.passed
    assert words in result.message


def test_cutover_without_the_image_or_the_volume() -> None:
    cloud = cutover_cloud()
    cloud.image = Images([])
    assert "no migrated image" in run(cloud).message
    cloud = cutover_cloud()
    cloud.block_storage.volumes = lambda details=True: []
    result = run(cloud)
    assert not result.passed and "no volume" in result.message
    assert find_volume(cloud, "x") is None


# --------------------------------------------------------------------------- nb12.cli_port

PORT = "osworkshop-nb12-app01-nic1"


def port_cloud(*ports: Any, network: str = "demo-net") -> Any:
    return SimpleNamespace(network=SimpleNamespace(
        ports=lambda name: [p for p in ports if p.name == name],
        get_network=lambda network_id: SimpleNamespace(id=network_id, name=network),
    ))


def port(mac: str = MAC, **fields: Any) -> Any:
    values = {"id": "p1", "name": PORT, "network_id": "n1", "mac_address": mac,
              "fixed_ips": [{"ip_address": "10.0.0.17"}]}
    values.update(fields)
    return SimpleNamespace(**values)


def test_cli_port_passes() -> None:
    result = check_cli_port(port_cloud(port(MAC.upper())), PORT, network="demo-net", mac=MAC)
    assert result.passed and MAC in result.message and "10.0.0.17" in result.message


@pytest.mark.parametrize(
    ("cloud", "words"),
    [
        (port_cloud(), "There is no port"),
        (port_cloud(port(), port(id="p2", mac="fa:16:3e:00:00:02")), "There are 2 ports"),
        (port_cloud(port(), network="other-net"), "on network other-net, not on demo-net"),
        (port_cloud(port("fa:16:3e:11:22:33")), f"not the VM's {MAC}"),
    ],
)
def test_cli_port_fails(cloud: Any, words: str) -> None:
    result = check_cli_port(cloud, PORT, network="demo-net", mac=MAC)
    assert not result.passed and words in result.message
    assert any("openstack --os-cloud lab-demo port create" in h for h in result.hints)
