"""Notebook 06, images: upload a disk with the properties a cloud needs (with the SDK, and with
the ``openstack`` CLI from a terminal), and offer an image to every project."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..checks import CheckResult, exercise
from ..images_nb06 import file_hashes

#: What exercise 1 asks for, besides the name and the file.
EXERCISE_PROPERTIES: dict[str, str] = {
    "os_distro": "debian",
    "hw_disk_bus": "scsi",
    "hw_scsi_model": "virtio-scsi",
}


def _get(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def prop(image: Any, key: str) -> Any:
    """An image property: the SDK makes well-known ones attributes, the rest sit in properties."""
    value = _get(image, key)
    if value is None:
        value = (_get(image, "properties") or {}).get(key)
    return value


def _one_image(
    conn: Any, name: str, missing: str = "", missing_hint: str = ""
) -> tuple[Any | None, CheckResult | None]:
    """The single image called (or with the ID) ``name``, or a failed CheckResult saying why
    (``missing`` and ``missing_hint`` say more when there is none)."""
    found = [i for i in conn.image.images() if name in (_get(i, "name"), _get(i, "id"))]
    if not found:
        return None, CheckResult(
            False,
            f"Your project has no image called {name!r}{missing}.",
            [missing_hint
             or "Upload it with `conn.image.create_image(...)` and pass exactly this name."],
        )
    if len(found) > 1:
        ids = ", ".join(str(_get(i, "id")) for i in found)
        return None, CheckResult(
            False,
            f"There are {len(found)} images called {name!r} ({ids}): Glance allows duplicate "
            "names, so the check cannot tell which one you mean.",
            ["Delete the extra copies with `conn.image.delete_image(<id>)`, or pass the ID."],
        )
    return found[0], None


def upload_problems(
    image: Any,
    *,
    path: Path | str | None,
    disk_format: str,
    visibility: str,
    min_ram: int,
    properties: Mapping[str, str],
) -> list[tuple[str, str]]:
    """What differs between ``image`` and the upload asked for: (what, words) pairs, where
    ``what`` is status, disk_format, visibility, min_ram, property or data."""
    problems: list[tuple[str, str]] = []
    if _get(image, "status") != "active":
        status = _get(image, "status")
        problems.append(("status", f"its status is {status}, not active (no data uploaded?)"))
    if _get(image, "disk_format") != disk_format:
        problems.append(("disk_format",
                         f"its disk_format is {_get(image, 'disk_format')}, not {disk_format}"))
    if _get(image, "visibility") != visibility:
        problems.append(("visibility",
                         f"its visibility is {_get(image, 'visibility')}, not {visibility}"))
    if _get(image, "min_ram") != min_ram:
        problems.append(("min_ram", f"min_ram is {_get(image, 'min_ram')}, not {min_ram} (MiB)"))
    for key, value in properties.items():
        got = prop(image, key)
        if got != value:
            problems.append(("property", f"{key} is {got!r}, not {value!r}"))
    if path is not None and not problems:
        algo = str(_get(image, "hash_algo") or "sha512")
        if _get(image, "hash_value") != file_hashes(path, (algo,))[algo]:
            words = f"its data is not the file {Path(path).name} (the {algo} differs)"
            problems.append(("data", words))
    return problems


def _not_yet(name: str, problems: list[tuple[str, str]], fixes: Mapping[str, str]) -> CheckResult:
    hints = list(dict.fromkeys(fixes[what] for what, _ in problems if what in fixes))
    return CheckResult(False, f"Image {name}: " + "; ".join(w for _, w in problems) + ".", hints)


@exercise(
    "nb06.upload",
    hints=(
        (
            "Use `conn.image.create_image(name, filename=..., disk_format=..., "
            "container_format='bare', visibility=..., wait=True, allow_duplicates=True)`."
        ),
        (
            "The file is a VMDK, so disk_format is `vmdk`. Extra keyword arguments such as "
            "`min_ram=512, os_distro='debian'` become image properties."
        ),
        (
            "Fix an image that is already there with `conn.image.update_image(image, "
            "hw_disk_bus='scsi', hw_scsi_model='virtio-scsi', min_ram=512)`. "
            "A wrong disk_format cannot be changed once data is uploaded: delete the image "
            "and upload again."
        ),
    ),
)
def check_image_upload(
    conn: Any,
    name: str,
    *,
    path: Path | str | None = None,
    disk_format: str = "vmdk",
    visibility: str = "private",
    min_ram: int = 512,
    properties: Mapping[str, str] | None = None,
) -> CheckResult:
    """One active image ``name`` holds the file at ``path`` with the format and properties asked."""
    image, problem = _one_image(conn, name)
    if problem is not None:
        return problem
    wanted = dict(EXERCISE_PROPERTIES if properties is None else properties)
    found = upload_problems(image, path=path, disk_format=disk_format, visibility=visibility,
                            min_ram=min_ram, properties=wanted)
    if found:
        fixes = {
            "status": "Pass `filename=` (and `wait=True`) so the data is uploaded too.",
            "disk_format": "The disk format cannot change after upload: delete the image, "
                           "upload again.",
            "visibility": f"`conn.image.update_image(image, visibility='{visibility}')`.",
            "data": "Upload the file named in the task: delete this image and try again.",
        }
        return _not_yet(name, found, fixes)
    return CheckResult(
        True,
        f"{name} is in Glance as {disk_format}, {visibility}, with min_ram {min_ram} and "
        f"{', '.join(f'{k}={v}' for k, v in wanted.items())}. Nova reads these when it boots it.",
    )


@exercise(
    "nb06.share",
    hints=(
        (
            "Which of the four visibilities lets every project boot an image, yet keeps it out "
            "of their default lists? The table above says."
        ),
        (
            "A project member may set `community`; `public` needs an administrator, and "
            "`shared` reaches only the projects added as members."
        ),
        "`conn.image.update_image(image, visibility='community')`",
    ),
)
def check_image_community(conn: Any, name: str) -> CheckResult:
    """``name`` (owned by ``conn``'s project) is a community image: every project may boot it by
    ID or find it with the community filter, and it stays out of their default lists."""
    image, problem = _one_image(
        conn, name, ": this exercise offers the image you upload in exercise 1",
        "Do exercise 1 first, then come back to this one.",
    )
    if problem is not None:
        return problem
    visibility = _get(image, "visibility")
    if visibility != "community":
        why = {
            "private": "only your project sees it",
            "shared": "only the projects you add as members see it, after they accept",
            "public": "it is in every project's default list (and a member may not set it)",
        }.get(str(visibility), "that is not one of Glance's four visibilities")
        return CheckResult(
            False,
            f"{name} is {visibility}: {why}.",
            ["`conn.image.update_image(image, visibility='community')`"],
        )
    listed = {_get(i, "id") for i in conn.image.images(visibility="community")}
    if _get(image, "id") not in listed:
        return CheckResult(False, f"{name} says community, but Glance does not list it among "
                           "the community images.", ["Run the check again in a moment."])
    return CheckResult(
        True,
        f"{name} is a community image: every project can boot it by ID or list it with "
        "`visibility='community'`, and nobody's default list fills up with it. No "
        "administrator was needed.",
    )


#: What the terminal exercise asks for: an image made with the `openstack` CLI.
CLI_IMAGE = "osworkshop-nb06-cli"
CLI_PROPERTIES: dict[str, str] = {"hw_disk_bus": "scsi", "hw_scsi_model": "virtio-scsi"}


@exercise(
    "nb06.cli_upload",
    hints=(
        (
            "In the terminal, `openstack --os-cloud lab-demo image create --help` lists the "
            "options you need: `--disk-format`, `--file`, `--private`, `--min-ram` and "
            "`--property key=value` (once per property)."
        ),
        (
            "`qemu-img info` on the file says it is qcow2, so `--disk-format qcow2`. Without "
            "`--private` Glance makes the image `shared`."
        ),
        (
            f"`openstack --os-cloud lab-demo image create {CLI_IMAGE} --disk-format qcow2 "
            "--container-format bare --private --file ~/osworkshop-nb06/disk.qcow2 "
            "--min-ram 512 --property hw_disk_bus=scsi --property hw_scsi_model=virtio-scsi`"
        ),
    ),
)
def check_cli_upload(
    conn: Any,
    name: str = CLI_IMAGE,
    *,
    path: Path | str | None = None,
    disk_format: str = "qcow2",
    visibility: str = "private",
    min_ram: int = 512,
    properties: Mapping[str, str] | None = None,
) -> CheckResult:
    """The image made in a terminal holds the file at ``path``, with the format and properties
    asked (read back from Glance with the SDK)."""
    image, problem = _one_image(
        conn, name, " yet", "Run `openstack --os-cloud lab-demo image create ...` in a terminal "
        "(File → New → Terminal), with exactly this name.",
    )
    if problem is not None:
        return problem
    wanted = dict(CLI_PROPERTIES if properties is None else properties)
    found = upload_problems(image, path=path, disk_format=disk_format, visibility=visibility,
                            min_ram=min_ram, properties=wanted)
    if found:
        again = (f"`openstack --os-cloud lab-demo image delete {name}`, then create it again "
                 f"with `--file` and `--disk-format {disk_format}`.")
        fixes = {
            "status": "Add `--file <path>`, so that the data is uploaded too. " + again,
            "disk_format": "The disk format cannot change after upload: " + again,
            "visibility": f"`openstack --os-cloud lab-demo image set --{visibility} {name}` "
                          "(without it Glance makes a new image shared).",
            "min_ram": f"`openstack --os-cloud lab-demo image set --min-ram {min_ram} {name}`.",
            "property": f"`openstack --os-cloud lab-demo image set --property key=value {name}`, "
                        "once per property.",
            "data": "Upload the file the notebook printed: " + again,
        }
        return _not_yet(name, found, fixes)
    return CheckResult(
        True,
        f"{name}, made from a terminal, is in Glance as {disk_format}, {visibility}, with "
        f"min_ram {min_ram} and {', '.join(f'{k}={v}' for k, v in wanted.items())}: the CLI and "
        "the SDK call the same Image API.",
    )
