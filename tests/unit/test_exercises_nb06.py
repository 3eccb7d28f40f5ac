"""Notebook 06 checks against a tiny stand-in Glance (no lab needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import hint, load_exercises, registry
from osworkshop.exercises.nb06 import (
    EXERCISE_PROPERTIES,
    check_image_shared,
    check_image_upload,
    prop,
)

NAME = "osworkshop-nb06-exercise"
TEAM = "team-id"


class Image:
    def __init__(self, images: list[Any], members: dict[str, list[Any]] | None = None) -> None:
        self.image_list = images
        self.member_lists = members or {}

    def images(self) -> list[Any]:
        return self.image_list

    def members(self, image: Any) -> list[Any]:
        return self.member_lists.get(image.id, [])


def cloud(images: list[Any], members: dict[str, list[Any]] | None = None) -> Any:
    return SimpleNamespace(image=Image(images, members))


def image(data: bytes = b"vmdk", **fields: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "id": "i1",
        "name": NAME,
        "status": "active",
        "disk_format": "vmdk",
        "visibility": "private",
        "min_ram": 512,
        "hash_algo": "sha512",
        "hash_value": hashlib.sha512(data).hexdigest(),
        "os_distro": "debian",
        "hw_disk_bus": "scsi",
        "properties": {"hw_scsi_model": "virtio-scsi"},  # an SDK without the attribute
    }
    base.update(fields)
    return SimpleNamespace(**base)


def test_registered_with_hints() -> None:
    load_exercises()
    assert {"nb06.upload", "nb06.share"} <= set(registry)
    assert hint("nb06.upload", 2).startswith("Hint 2 of 3")
    assert "update_member" in hint("nb06.share", 3)


def test_prop_reads_attributes_then_properties() -> None:
    img = image()
    assert prop(img, "os_distro") == "debian"
    assert prop(img, "hw_scsi_model") == "virtio-scsi"
    assert prop({"properties": {"x": "1"}}, "x") == "1"
    assert prop(img, "missing") is None


def test_upload_passes(tmp_path: Path) -> None:
    path = tmp_path / "disk.vmdk"
    path.write_bytes(b"vmdk")
    result = check_image_upload(cloud([image()]), NAME, path=path)
    assert result.passed, result
    assert result.exercise == "nb06.upload"
    assert all(f"{k}={v}" in result.message for k, v in EXERCISE_PROPERTIES.items())


def test_upload_missing_and_duplicates() -> None:
    result = check_image_upload(cloud([]), NAME)
    assert not result.passed and "no image called" in result.message
    twins = [image(id="a"), image(id="b")]
    result = check_image_upload(cloud(twins), NAME)
    assert not result.passed and "2 images" in result.message and "a, b" in result.message
    assert check_image_upload(cloud(twins), "a").passed  # the ID picks one


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"status": "queued"}, "status is queued"),
        ({"disk_format": "qcow2"}, "disk_format is qcow2"),
        ({"visibility": "shared"}, "visibility is shared"),
        ({"min_ram": 0}, "min_ram is 0"),
        ({"hw_disk_bus": "virtio"}, "hw_disk_bus is 'virtio'"),
        ({"properties": {}}, "hw_scsi_model is None"),
    ],
)
def test_upload_problems_are_named(fields: dict[str, Any], words: str) -> None:
    result = check_image_upload(cloud([image(**fields)]), NAME)
    assert not result.passed and words in result.message


def test_upload_other_file(tmp_path: Path) -> None:
    path = tmp_path / "disk.vmdk"
    path.write_bytes(b"something else")
    result = check_image_upload(cloud([image()]), NAME, path=path)
    assert not result.passed and "not the file disk.vmdk" in result.message


def test_upload_strict_mode_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="nb06.upload"):
        check_image_upload(cloud([]), NAME)


def member(status: str, member_id: str = TEAM) -> SimpleNamespace:
    return SimpleNamespace(member_id=member_id, status=status)


def test_share_passes_with_consumer_list() -> None:
    shared = image(visibility="shared")
    owner = cloud([shared], {"i1": [member("accepted")]})
    consumer = cloud([shared])
    result = check_image_shared(owner, NAME, TEAM, consumer=consumer)
    assert result.passed, result
    assert check_image_shared(owner, NAME, TEAM).passed


def test_share_steps_missing() -> None:
    result = check_image_shared(cloud([image()]), NAME, TEAM)
    assert not result.passed and "only a shared image has members" in result.message
    shared = image(visibility="shared")
    result = check_image_shared(cloud([shared], {"i1": [member("accepted", "x")]}), NAME, TEAM)
    assert not result.passed and "not one of its members" in result.message
    result = check_image_shared(cloud([shared], {"i1": [member("pending")]}), NAME, TEAM)
    assert not result.passed and "status is pending" in result.message
    assert "update_member" in result.hints[0]
    owner = cloud([shared], {"i1": [member("accepted")]})
    result = check_image_shared(owner, NAME, TEAM, consumer=cloud([]))
    assert not result.passed and "not in the member's image list" in result.message
    assert not check_image_shared(cloud([]), NAME, TEAM).passed
