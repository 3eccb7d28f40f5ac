"""Notebook 06 helpers: disks, qemu-img, upload checks, the visibility rules, and the error
explanations notebook 06 added to osworkshop.errors (no cloud needed)."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop import images_nb06 as nb06
from osworkshop.errors import CourseError, explain

HAVE_QEMU_IMG = shutil.which("qemu-img") is not None


# --------------------------------------------------------------------------- disks


def test_mbr_has_one_linux_partition_and_a_signature() -> None:
    record = nb06.mbr(64 * nb06.MIB)
    assert len(record) == 512 and record[510:] == b"\x55\xaa"
    status, ptype, start, count = struct.unpack("<B3xB3xII", record[446:462])
    assert (status, ptype, start) == (0, 0x83, 2048)
    assert start + count == 64 * nb06.MIB // 512
    assert record[462:510] == bytes(48)  # the other three entries are empty
    with pytest.raises(ValueError, match="no room"):
        nb06.mbr(1024 * 512)


def test_make_raw_disk_is_sparse_sized_and_repeatable(tmp_path: Path) -> None:
    a = nb06.make_raw_disk(tmp_path / "a.raw", size_mib=8, text_mib=1, random_mib=1)
    b = nb06.make_raw_disk(tmp_path / "b.raw", size_mib=8, text_mib=1, random_mib=1)
    assert a.stat().st_size == 8 * nb06.MIB
    data = a.read_bytes()
    assert data[:512] == nb06.mbr(8 * nb06.MIB)
    assert data[nb06.MIB : nb06.MIB + 10] == b"Hello from"
    assert data[3 * nb06.MIB :] == bytes(5 * nb06.MIB)  # nothing after the data
    assert data == b.read_bytes()
    other = nb06.make_raw_disk(tmp_path / "c.raw", size_mib=8, text_mib=1, random_mib=1, seed=7)
    assert other.read_bytes() != data
    with pytest.raises(ValueError, match="does not fit"):
        nb06.make_raw_disk(tmp_path / "d.raw", size_mib=4, text_mib=2, random_mib=2)


class FakeRun:
    """Records commands; ``qemu-img info`` answers with ``info``."""

    def __init__(self, info: dict[str, Any] | None = None) -> None:
        self.commands: list[list[str]] = []
        self.info = info or {}

    def __call__(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert kwargs.get("check") is True
        self.commands.append(command)
        return subprocess.CompletedProcess(command, 0, json.dumps(self.info), "")


@pytest.fixture
def fake_qemu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nb06.shutil, "which", lambda name: f"/usr/bin/{name}")


def test_convert_and_make_disks_call_qemu_img(tmp_path: Path, fake_qemu: None) -> None:
    run = FakeRun()
    paths = nb06.make_disks(tmp_path, run=run, size_mib=4, text_mib=1, random_mib=1)
    assert list(paths) == list(nb06.VARIANTS)
    assert paths["raw"].exists()
    by_target = {c[-1]: c for c in run.commands}
    vmdk = by_target[str(tmp_path / "disk.vmdk")]
    assert vmdk[:6] == ["/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vmdk"]
    assert "subformat=streamOptimized" in vmdk
    assert "-c" in by_target[str(tmp_path / "disk-compressed.qcow2")]
    assert "-c" not in by_target[str(tmp_path / "disk.qcow2")]


def test_info_reads_json(fake_qemu: None) -> None:
    run = FakeRun({"format": "qcow2", "virtual-size": 5})
    assert nb06.info("x.qcow2", run=run) == {"format": "qcow2", "virtual-size": 5}
    assert run.commands == [["/usr/bin/qemu-img", "info", "--output=json", "x.qcow2"]]


def test_missing_qemu_img_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nb06.shutil, "which", lambda name: None)
    with pytest.raises(CourseError) as caught:
        nb06.qemu_img()
    assert "qemu-utils" in caught.value.what_to_do


def test_facts_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "d.vmdk"
    path.write_bytes(b"x" * 2 * nb06.MIB)
    details = {
        "format": "vmdk",
        "virtual-size": 64 * nb06.MIB,
        "actual-size": nb06.MIB,
        "format-specific": {"type": "vmdk", "data": {"create-type": "streamOptimized"}},
    }
    got = nb06.facts("vmdk", path, details)
    assert got == nb06.DiskFacts(
        "vmdk", "vmdk", 64 * nb06.MIB, 2 * nb06.MIB, nb06.MIB, "streamOptimized"
    )
    assert nb06.format_rows([got]) == [
        ("vmdk", "vmdk (streamOptimized)", "64.0 MiB", "2.0 MiB", "1.0 MiB")
    ]
    raw = nb06.facts("raw", path, {"format": "raw", "virtual-size": 1, "actual-size": 1})
    assert nb06.format_rows([raw])[0][1] == "raw"
    assert len(nb06.FORMAT_HEADERS) == len(nb06.format_rows([raw])[0])


@pytest.mark.skipif(not HAVE_QEMU_IMG, reason="qemu-img (qemu-utils) is not installed")
def test_real_qemu_img_makes_every_format(tmp_path: Path) -> None:
    paths = nb06.make_disks(tmp_path, size_mib=8, text_mib=1, random_mib=1)
    found = {label: nb06.facts(label, p, nb06.info(p)) for label, p in paths.items()}
    assert {f.format for f in found.values()} == {"raw", "qcow2", "vmdk"}
    assert {f.virtual_size for f in found.values()} == {8 * nb06.MIB}
    assert found["vmdk (streamOptimized)"].subformat == "streamOptimized"
    assert found["qcow2"].file_size < found["raw"].file_size
    assert found["qcow2 (compressed)"].file_size < found["qcow2"].file_size


def test_scratch_dir_and_remove(tmp_path: Path) -> None:
    work = nb06.scratch_dir("osworkshop-nb06")
    assert work.is_dir() and work.name.startswith("osworkshop-nb06-")
    (work / "f").write_text("x")
    nb06.remove_scratch(work)
    assert not work.exists()
    nb06.remove_scratch(work)  # gone already: no error


# --------------------------------------------------------------------------- upload checks


def test_file_hashes(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc" * 1000)
    got = nb06.file_hashes(path)
    assert got["md5"] == hashlib.md5(b"abc" * 1000).hexdigest()
    assert got["sha512"] == hashlib.sha512(b"abc" * 1000).hexdigest()
    assert set(nb06.file_hashes(path, ("sha256",))) == {"sha256"}


def test_upload_matches(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"disk")
    good = SimpleNamespace(
        size=4,
        hash_algo="sha512",
        hash_value=hashlib.sha512(b"disk").hexdigest(),
        checksum=hashlib.md5(b"disk").hexdigest(),
    )
    rows = nb06.upload_matches(good, path)
    assert [r[0] for r in rows] == ["size (bytes)", "os_hash_value (sha512)", "checksum (md5)"]
    assert all(r[3] for r in rows)
    as_dict = {"size": 5, "os_hash_algo": "sha256", "os_hash_value": "nope", "checksum": None}
    rows = nb06.upload_matches(as_dict, path)
    assert [r[3] for r in rows] == [False, False]
    assert rows[1][0] == "os_hash_value (sha256)"
    assert nb06.short("a" * 40) == "a" * 16 + "…" and nb06.short("abc") == "abc"
    assert nb06.yes(True) == "✔" and nb06.yes(False) == "✘"


def test_quota_text() -> None:
    assert "No per-project image quotas" in nb06.quota_text({})
    text = nb06.quota_text({"image_count_total": {"limit": 10, "usage": 3}, "odd": 1})
    assert "image_count_total: 3 used of 10" in text and "odd: 1" in text


# --------------------------------------------------------------------------- visibility


@pytest.mark.parametrize(
    ("visibility", "viewer", "status", "listed", "show", "boot"),
    [
        ("private", "owner", "none", True, True, True),
        ("private", "other", "none", False, False, False),
        ("private", "member", "accepted", False, False, False),  # members count only if shared
        ("private", "admin", "none", True, True, True),
        ("shared", "member", "none", False, False, False),
        ("shared", "member", "pending", False, True, True),
        ("shared", "member", "rejected", False, True, True),
        ("shared", "member", "accepted", True, True, True),
        ("shared", "other", "none", False, False, False),
        ("community", "other", "none", False, True, True),
        ("community", "member", "accepted", False, True, True),
        ("community", "owner", "none", True, True, True),
        ("community", "admin", "none", False, True, True),
        ("public", "other", "none", True, True, True),
        ("public", "admin", "none", True, True, True),
    ],
)
def test_access_rules(
    visibility: str, viewer: str, status: str, listed: bool, show: bool, boot: bool
) -> None:
    got = nb06.access(visibility, viewer, status)
    assert (got.listed, got.show, got.boot) == (listed, show, boot)
    assert got.how


def test_access_explains_how_to_find() -> None:
    assert "member_status='pending'" in nb06.access("shared", "member", "pending").how
    assert "visibility='community'" in nb06.access("community", "other").how
    assert "404" in nb06.access("private", "other").how


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (("secret", "owner"), "visibility"),
        (("public", "stranger"), "viewer"),
        (("shared", "member", "maybe"), "member_status"),
    ],
)
def test_access_rejects_unknown_values(args: tuple[str, ...], word: str) -> None:
    with pytest.raises(ValueError, match=word):
        nb06.access(*args)


def test_may_set() -> None:
    assert nb06.may_set("community", is_admin=False)
    assert nb06.may_set("shared", is_admin=False)
    assert not nb06.may_set("public", is_admin=False)
    assert nb06.may_set("public", is_admin=True)
    with pytest.raises(ValueError):
        nb06.may_set("everyone", is_admin=True)


# --------------------------------------------------------------------------- errors added for 06


def _from_response(status: int, body: str, content_type: str = "text/plain") -> Exception:
    import requests

    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = content_type
    response._content = body.encode()
    try:
        sdk_exc.raise_from_response(response)
    except sdk_exc.SDKException as exc:
        return exc
    raise AssertionError("no exception raised")


def _explained(exc: BaseException) -> CourseError:
    err = explain(exc)
    assert err is not None, exc
    return err


def test_glance_property_cap_is_explained_as_a_quota() -> None:
    exc = _from_response(
        413,
        "413 Request Entity Too Large\n\nThe limit has been exceeded on the number of allowed "
        "image properties. Attempted: 203, Maximum: 128",
    )
    err = _explained(exc)
    assert err.title == "Quota exceeded: too many image properties"
    assert "image_property_quota" in err.what_to_do


def test_format_mismatch_names_both_formats() -> None:
    body = (
        "415 Unsupported Media Type\n\nThe request media type application/octet-stream is not "
        "supported by this server. \n\n Image disk_format {d} does not match stream data {f}"
    )
    err = _explained(_from_response(415, body.format(d="qcow2", f="vmdk")))
    assert err.title == "The file is not in the disk format you declared"
    assert "disk_format qcow2" in err.detail and "found vmdk" in err.detail
    assert "gpt" not in err.detail and "qemu-img info" in err.what_to_do
    err = _explained(_from_response(415, body.format(d="qcow2", f="gpt")))
    assert "partition table" in err.detail
    other = explain(_from_response(415, "415 Unsupported Media Type"))
    assert other is None or other.title != "The file is not in the disk format you declared"


def test_duplicate_names() -> None:
    err = _explained(
        sdk_exc.DuplicateResource("More than one Image exists with the name 'golden'.")
    )
    assert err.title == "More than one resource has that name"
    assert "ID" in err.what_to_do


def test_members_on_a_private_image() -> None:
    err = _explained(
        sdk_exc.ForbiddenException("403 Forbidden: Not allowed to create members for image 1234.")
    )
    assert err.title == "Only a shared image can have members"
    assert "visibility='shared'" in err.what_to_do
    plain = _explained(sdk_exc.ForbiddenException("Forbidden"))
    assert plain.title == "Your role does not allow this"


@pytest.mark.parametrize(
    ("message", "title"),
    [
        ("Can not find requested image", "Image not found or not visible to your project"),
        ("Flavor's memory is too small for requested image.", "The flavor is too small"),
        ("Flavor's disk is too small for requested image.", "The flavor is too small"),
    ],
)
def test_nova_image_errors(message: str, title: str) -> None:
    err = _explained(sdk_exc.BadRequestException(message))
    assert err.title.startswith(title)
