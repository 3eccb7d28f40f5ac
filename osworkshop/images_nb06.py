"""Notebook 06, images: make a small real disk with qemu-img, compare formats, check an upload,
and work out who sees an image from its visibility, its owner and its members.

The disk is a raw file with an MBR partition table, one Linux partition and a few MiB of data
(text, then pseudo-random bytes that do not compress).  It boots nothing: the lab's hypervisor
records guests instead of running them, so a bootable operating system would add nothing but
download time.  ``qemu-img`` (Debian/Ubuntu package ``qemu-utils``) converts it to qcow2 and VMDK.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CourseError

MIB = 1024 * 1024
SECTOR = 512
PARTITION_START = 2048  # sectors: the first partition starts at 1 MiB, as fdisk does today

#: Runs a command like ``subprocess.run`` (tests pass a fake).
Runner = Callable[..., "subprocess.CompletedProcess[str]"]

#: The disk files the notebook compares: label -> (qemu-img output format, extra options).
VARIANTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "raw": ("raw", ()),
    "qcow2": ("qcow2", ()),
    "qcow2 (compressed)": ("qcow2", ("-c",)),
    "vmdk (streamOptimized)": ("vmdk", ("-o", "subformat=streamOptimized")),
}

#: File name endings for the variants.
SUFFIXES: dict[str, str] = {
    "raw": ".raw",
    "qcow2": ".qcow2",
    "qcow2 (compressed)": "-compressed.qcow2",
    "vmdk (streamOptimized)": ".vmdk",
}


# --------------------------------------------------------------------------- making disks


def qemu_img() -> str:
    """The path of ``qemu-img``, or a CourseError that says how to install it."""
    found = shutil.which("qemu-img")
    if found is None:
        raise CourseError(
            "qemu-img is not installed",
            "This notebook makes and converts a small disk image with qemu-img, the disk tool "
            "of the QEMU project.",
            "On Debian or Ubuntu install the package `qemu-utils` (`sudo apt-get install "
            "qemu-utils`); the course lab's installer does that for you "
            "(`python3 -m labsetup up`).",
        )
    return found


def scratch_dir(tag: str) -> Path:
    """A new private temporary directory for this notebook's disk files."""
    return Path(tempfile.mkdtemp(prefix=f"{tag}-"))


#: The folder, under the home directory, where a terminal finds the notebook's disk by name.
CLI_FOLDER = "osworkshop-nb06"


def cli_disk(source: Path | str, home: Path | str | None = None) -> Path:
    """A copy of ``source`` in ``~/osworkshop-nb06/``: a path that a terminal can type (it
    knows none of the notebook's variables). Remove the folder with :func:`remove_scratch`."""
    folder = Path(home if home is not None else Path.home()) / CLI_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / Path(source).name
    shutil.copyfile(source, target)
    return target


def remove_scratch(path: Path | str) -> None:
    """Delete a directory made by :func:`scratch_dir` (no error if it is gone)."""
    shutil.rmtree(path, ignore_errors=True)


def mbr(size_bytes: int, start_sector: int = PARTITION_START, partition_type: int = 0x83) -> bytes:
    """A 512-byte master boot record with one partition from ``start_sector`` to the end."""
    sectors = size_bytes // SECTOR
    if sectors <= start_sector:
        raise ValueError(f"A {size_bytes}-byte disk has no room after sector {start_sector}.")
    record = bytearray(SECTOR)
    # status, CHS start, type, CHS end (0xFFFFFF: "use the LBA values"), LBA start, sectors
    record[446:462] = struct.pack(
        "<B3sB3sII",
        0x00,
        b"\x00\x02\x00",
        partition_type,
        b"\xff\xff\xff",
        start_sector,
        sectors - start_sector,
    )
    record[510:512] = b"\x55\xaa"
    return bytes(record)


def make_raw_disk(
    path: Path | str,
    *,
    size_mib: int = 64,
    text_mib: int = 2,
    random_mib: int = 2,
    seed: int = 6,
) -> Path:
    """Write a sparse raw disk: partition table, then text and pseudo-random data in partition 1.

    The same arguments always give the same bytes, so the same checksums.
    """
    if text_mib + random_mib + 1 > size_mib:
        raise ValueError("The data does not fit on the disk: make size_mib larger.")
    target = Path(path)
    line = b"Hello from the osworkshop course disk.\n"
    text = (line * (text_mib * MIB // len(line) + 1))[: text_mib * MIB]
    noise = random.Random(seed).randbytes(random_mib * MIB)
    with target.open("wb") as fh:
        fh.truncate(size_mib * MIB)  # sparse: unwritten blocks take no space on the host
        fh.write(mbr(size_mib * MIB))
        fh.seek(PARTITION_START * SECTOR)
        fh.write(text)
        fh.write(noise)
    return target


def convert(
    source: Path | str,
    target: Path | str,
    fmt: str,
    options: Sequence[str] = (),
    *,
    source_format: str = "raw",
    run: Runner = subprocess.run,
) -> Path:
    """``qemu-img convert -f SOURCE_FORMAT -O FMT [options] source target``; returns ``target``."""
    command = [
        qemu_img(),
        "convert",
        "-f",
        source_format,
        "-O",
        fmt,
        *options,
        str(source),
        str(target),
    ]
    run(command, check=True, capture_output=True, text=True)
    return Path(target)


def make_disks(
    directory: Path | str, *, run: Runner = subprocess.run, **disk: Any
) -> dict[str, Path]:
    """The raw disk and its converted copies in ``directory``: label -> path (see VARIANTS)."""
    folder = Path(directory)
    raw = make_raw_disk(folder / f"disk{SUFFIXES['raw']}", **disk)
    paths = {"raw": raw}
    for label, (fmt, options) in VARIANTS.items():
        if label != "raw":
            paths[label] = convert(raw, folder / f"disk{SUFFIXES[label]}", fmt, options, run=run)
    return paths


# --------------------------------------------------------------------------- reading disks


def info(path: Path | str, *, run: Runner = subprocess.run) -> dict[str, Any]:
    """``qemu-img info --output=json`` of a file, as a dict."""
    done = run(
        [qemu_img(), "info", "--output=json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@dataclass(frozen=True)
class DiskFacts:
    """What qemu-img and the file system say about one disk file."""

    label: str
    format: str
    virtual_size: int  # bytes the guest sees
    file_size: int  # bytes in the file (what an upload sends)
    allocated: int  # bytes the file really occupies on the host (sparse files use less)
    subformat: str = ""


def facts(label: str, path: Path | str, details: Mapping[str, Any]) -> DiskFacts:
    """Combine ``qemu-img info`` output with the file's size."""
    specific = (details.get("format-specific") or {}).get("data") or {}
    return DiskFacts(
        label=label,
        format=str(details.get("format", "?")),
        virtual_size=int(details.get("virtual-size", 0)),
        file_size=os.stat(path).st_size,
        allocated=int(details.get("actual-size", 0)),
        subformat=str(specific.get("create-type", "")),
    )


def mib(n: int) -> str:
    """Bytes as MiB with one decimal, e.g. ``'4.4 MiB'``."""
    return f"{n / MIB:.1f} MiB"


def format_rows(disks: Iterable[DiskFacts]) -> list[tuple[str, str, str, str, str]]:
    """Rows for the format comparison table."""
    return [
        (
            d.label,
            d.format + (f" ({d.subformat})" if d.subformat else ""),
            mib(d.virtual_size),
            mib(d.file_size),
            mib(d.allocated),
        )
        for d in disks
    ]


FORMAT_HEADERS = (
    "File",
    "qemu-img says",
    "Disk the guest sees",
    "File size (upload)",
    "Space used on the host",
)


# --------------------------------------------------------------------------- checking an upload


def file_hashes(path: Path | str, algorithms: Sequence[str] = ("md5", "sha512")) -> dict[str, str]:
    """Hex digests of a file for each algorithm (read in 1 MiB pieces)."""
    digests = {name: hashlib.new(name) for name in algorithms}
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(MIB), b""):
            for digest in digests.values():
                digest.update(block)
    return {name: digest.hexdigest() for name, digest in digests.items()}


def _field(image: Any, *names: str) -> Any:
    for name in names:
        value = image.get(name) if isinstance(image, dict) else getattr(image, name, None)
        if value is not None:
            return value
    return None


def upload_matches(image: Any, path: Path | str) -> list[tuple[str, str, str, bool]]:
    """Compare what Glance recorded for ``image`` with the local file: (what, Glance, local, same).

    Glance keeps ``os_hash_algo``/``os_hash_value`` (SHA-512 unless the operator chose another)
    and the older MD5 ``checksum``; the SDK calls the first two ``hash_algo`` and ``hash_value``.
    """
    algo = str(_field(image, "hash_algo", "os_hash_algo") or "sha512")
    local = file_hashes(path, ("md5", algo))
    size = os.stat(path).st_size
    rows = [("size (bytes)", str(_field(image, "size")), str(size), _field(image, "size") == size)]
    glance_hash = _field(image, "hash_value", "os_hash_value")
    rows.append(
        (f"os_hash_value ({algo})", str(glance_hash), local[algo], glance_hash == local[algo])
    )
    checksum = _field(image, "checksum")
    if checksum:
        rows.append(("checksum (md5)", str(checksum), local["md5"], checksum == local["md5"]))
    return rows


def short(digest: str, keep: int = 16) -> str:
    """The start of a long hex digest, for printing."""
    return digest if len(digest) <= keep else digest[:keep] + "…"


def quota_text(usage: Mapping[str, Any]) -> str:
    """Explain Glance's ``GET /v2/info/usage`` answer for a learner."""
    if not usage:
        return (
            "No per-project image quotas here: Glance answers with an empty usage, so Keystone "
            "unified limits are not switched on for images. Only the cloud-wide caps of "
            "glance-api.conf apply (for example 128 properties per image)."
        )
    lines = ["Per-project image quotas (Keystone unified limits):"]
    for name, entry in sorted(usage.items()):
        if isinstance(entry, Mapping):
            lines.append(f"  {name}: {entry.get('usage')} used of {entry.get('limit')}")
        else:
            lines.append(f"  {name}: {entry}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- who sees an image

VISIBILITIES: tuple[str, ...] = ("private", "shared", "community", "public")
MEMBER_STATUSES: tuple[str, ...] = ("none", "pending", "accepted", "rejected")
VIEWERS: tuple[str, ...] = ("owner", "member", "other", "admin")


@dataclass(frozen=True)
class Access:
    """What one project can do with an image."""

    listed: bool  # appears in its default image list
    show: bool  # can read the image by ID
    boot: bool  # Nova can boot it for this project
    how: str  # how that project finds it


INVISIBLE = "cannot see it: Glance answers 404, Nova 'Can not find requested image'"


def access(visibility: str, viewer: str, member_status: str = "none") -> Access:
    """What ``viewer`` (owner, member, other or admin) can do with an image of ``visibility``.

    ``member_status`` is the viewer's membership (none, pending, accepted, rejected); it counts
    only while the image is ``shared``.  This follows Glance's image list query and the Image
    API's visibility table: membership status only decides the *list*; a member reads and boots
    the image by ID whatever its status.
    """
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility is one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    if viewer not in VIEWERS:
        raise ValueError(f"viewer is one of {', '.join(VIEWERS)}, not {viewer!r}")
    if member_status not in MEMBER_STATUSES:
        raise ValueError(f"member_status is one of {', '.join(MEMBER_STATUSES)}")
    if viewer == "owner":
        return Access(True, True, True, "in its own image list")
    if viewer == "admin":
        if visibility == "community":
            return Access(False, True, True, "by ID, or list with visibility='community'")
        return Access(True, True, True, "in the admin's image list (admins list every project's)")
    if viewer == "member" and visibility == "shared" and member_status != "none":
        if member_status == "accepted":
            return Access(True, True, True, "in its image list, since it accepted")
        return Access(
            False,
            True,
            True,
            f"by ID, or list with visibility='shared', member_status='{member_status}'",
        )
    if visibility == "public":
        return Access(True, True, True, "in everybody's image list")
    if visibility == "community":
        return Access(False, True, True, "by ID, or list with visibility='community'")
    return Access(False, False, False, INVISIBLE)


def may_set(visibility: str, is_admin: bool) -> bool:
    """Whether the image's owner may set ``visibility`` under Glance's default policy.

    ``publicize_image`` is admin only; ``communitize_image`` is admin or project member.
    """
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility is one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    return is_admin or visibility != "public"


def yes(flag: bool) -> str:
    """A check mark or a cross."""
    return "✔" if flag else "✘"
