"""Notebook 12 checks against a tiny stand-in cloud (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb12 import (
    check_cutover,
    check_migrated_image,
    find_volume,
    image_property,
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
    image_id: str = "img-1",
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
        image={"id": image_id},
        flavor=SimpleNamespace(name=None, original_name=flavor),
        fault=fault,
    )
    volume = SimpleNamespace(
        id="vol-1",
        name="osworkshop-nb12-app01-data",
        status=volume_status,
        attachments=[{"server_id": "srv-1"}] if attached else [],
    )
    compute = SimpleNamespace(
        find_server=lambda name, ignore_missing=True: server if server_exists else None,
        get_server=lambda server_id: server,
    )
    return SimpleNamespace(
        compute=compute,
        image=Images([image()]),
        network=SimpleNamespace(ports=lambda device_id: [SimpleNamespace(mac_address=mac)]),
        block_storage=SimpleNamespace(volumes=lambda details=True: [volume]),
    )


def run(cloud: Any) -> Any:
    return check_cutover(
        cloud, SERVER, image=IMAGE, volume="osworkshop-nb12-app01-data", mac=MAC, flavor="m1.medium"
    )


def test_cutover_passes() -> None:
    result = run(cutover_cloud())
    assert result.passed and "cut-over is done" in result.message and MAC in result.message


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"server_exists": False}, "no server"),
        ({"status": "BUILD"}, "not ACTIVE"),
        (
            {"status": "ERROR", "fault": {"code": 500, "message": "No valid host was found"}},
            "ERROR",
        ),
        ({"image_id": "other"}, "does not boot from the migrated image"),
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


def test_cutover_without_the_volume() -> None:
    cloud = cutover_cloud()
    cloud.block_storage = SimpleNamespace(volumes=lambda details=True: [])
    result = run(cloud)
    assert not result.passed and "no volume" in result.message
    assert find_volume(cloud, "x") is None
