"""Notebook 06 checks against a tiny stand-in Glance (no lab needed)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import hint, load_exercises, registry
from osworkshop.exercises.nb06 import (
    CLI_IMAGE,
    EXERCISE_PROPERTIES,
    check_cli_upload,
    check_image_community,
    check_image_upload,
    prop,
)
from osworkshop.images_nb06 import cli_disk, remove_scratch

NAME = "osworkshop-nb06-exercise"


class Image:
    def __init__(self, images: list[Any]) -> None:
        self.image_list = images

    def images(self) -> list[Any]:
        return self.image_list


def cloud(images: list[Any]) -> Any:
    return SimpleNamespace(image=Image(images))


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
    assert {"nb06.upload", "nb06.share", "nb06.cli_upload"} <= set(registry)
    assert hint("nb06.upload", 2).startswith("Hint 2 of 3")
    assert "community" in hint("nb06.share", 3)


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


class Listing(Image):
    def images(self, visibility: str | None = None) -> list[Any]:
        return [i for i in self.image_list if visibility in (None, i.visibility)]


def listing(images: list[Any]) -> Any:
    return SimpleNamespace(image=Listing(images))


def test_community_passes() -> None:
    result = check_image_community(listing([image(visibility="community")]), NAME)
    assert result.passed, result
    assert result.exercise == "nb06.share" and "No administrator" in result.message


def test_community_without_the_uploaded_image_says_to_do_exercise_1_first() -> None:
    result = check_image_community(listing([]), NAME)
    assert not result.passed and "exercise 1" in result.message
    assert "exercise 1 first" in result.hints[0]


@pytest.mark.parametrize(
    ("visibility", "words"),
    [
        ("private", "only your project sees it"),
        ("shared", "only the projects you add as members"),
        ("public", "it is in every project's default list"),
    ],
)
def test_community_names_the_visibility_set(visibility: str, words: str) -> None:
    result = check_image_community(listing([image(visibility=visibility)]), NAME)
    assert not result.passed and f"is {visibility}: {words}" in result.message
    assert "community" in result.hints[0]


# --------------------------------------------------------------------------- the terminal upload


def cli_image(data: bytes = b"qcow2", **fields: Any) -> SimpleNamespace:
    base: dict[str, Any] = {"name": CLI_IMAGE, "disk_format": "qcow2", "os_distro": None,
                            "hw_disk_bus": "scsi", "properties": {}, "hw_scsi_model": "virtio-scsi"}
    base.update(fields)
    return image(data, **base)


def test_cli_upload_passes(tmp_path: Path) -> None:
    path = tmp_path / "disk.qcow2"
    path.write_bytes(b"qcow2")
    result = check_cli_upload(cloud([cli_image()]), path=path)
    assert result.passed, result
    assert result.exercise == "nb06.cli_upload" and "terminal" in result.message


def test_cli_upload_missing_points_to_the_terminal() -> None:
    result = check_cli_upload(cloud([image()]))
    assert not result.passed and f"no image called {CLI_IMAGE!r} yet" in result.message
    assert "Terminal" in result.hints[0]
    assert "--help" in result.hints[1]  # the exercise's first general hint follows


@pytest.mark.parametrize(
    ("fields", "words", "fix"),
    [
        ({"visibility": "shared"}, "visibility is shared", "image set --private"),
        ({"min_ram": 0}, "min_ram is 0", "--min-ram 512"),
        ({"hw_disk_bus": "virtio"}, "hw_disk_bus is 'virtio'", "--property key=value"),
        ({"disk_format": "raw"}, "disk_format is raw", "image delete"),
        ({"status": "queued"}, "status is queued", "--file"),
    ],
)
def test_cli_upload_problems_come_with_cli_fixes(
    fields: dict[str, Any], words: str, fix: str
) -> None:
    result = check_cli_upload(cloud([cli_image(**fields)]))
    assert not result.passed and words in result.message
    assert fix in result.hints[0]


def test_cli_upload_other_file(tmp_path: Path) -> None:
    path = tmp_path / "disk.qcow2"
    path.write_bytes(b"another disk")
    result = check_cli_upload(cloud([cli_image()]), path=path)
    assert not result.passed and "not the file disk.qcow2" in result.message


def test_the_terminal_finds_the_disk_under_home(tmp_path: Path) -> None:
    source = tmp_path / "work" / "disk.qcow2"
    source.parent.mkdir()
    source.write_bytes(b"qcow2")
    copy = cli_disk(source, home=tmp_path / "home")
    assert copy == tmp_path / "home" / "osworkshop-nb06" / "disk.qcow2"
    assert copy.read_bytes() == b"qcow2" and cli_disk(source, home=tmp_path / "home") == copy
    remove_scratch(copy.parent)
    assert not copy.parent.exists()
