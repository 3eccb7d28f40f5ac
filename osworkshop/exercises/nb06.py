"""Notebook 06, images: upload a disk with the properties a cloud needs, and share an image."""

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


def _one_image(conn: Any, name: str) -> tuple[Any | None, CheckResult | None]:
    """The single image called (or with the ID) ``name``, or a failed CheckResult saying why."""
    found = [i for i in conn.image.images() if name in (_get(i, "name"), _get(i, "id"))]
    if not found:
        return None, CheckResult(
            False,
            f"Your project has no image called {name!r}.",
            ["Upload it with `conn.image.create_image(...)` and pass exactly this name."],
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
    problems: list[str] = []
    hints: list[str] = []
    if _get(image, "status") != "active":
        problems.append(f"its status is {_get(image, 'status')}, not active (no data uploaded?)")
        hints.append("Pass `filename=` (and `wait=True`) so the data is uploaded too.")
    if _get(image, "disk_format") != disk_format:
        problems.append(f"its disk_format is {_get(image, 'disk_format')}, not {disk_format}")
        hints.append("The disk format cannot change after upload: delete the image, upload again.")
    if _get(image, "visibility") != visibility:
        problems.append(f"its visibility is {_get(image, 'visibility')}, not {visibility}")
        hints.append(f"`conn.image.update_image(image, visibility='{visibility}')`.")
    if _get(image, "min_ram") != min_ram:
        problems.append(f"min_ram is {_get(image, 'min_ram')}, not {min_ram} (MiB)")
    for key, value in wanted.items():
        got = prop(image, key)
        if got != value:
            problems.append(f"{key} is {got!r}, not {value!r}")
    if path is not None and not problems:
        algo = str(_get(image, "hash_algo") or "sha512")
        if _get(image, "hash_value") != file_hashes(path, (algo,))[algo]:
            problems.append(f"its data is not the file {Path(path).name} (the {algo} differs)")
            hints.append("Upload the file named in the task: delete this image and try again.")
    if problems:
        return CheckResult(False, f"Image {name}: " + "; ".join(problems) + ".", hints)
    return CheckResult(
        True,
        f"{name} is in Glance as {disk_format}, {visibility}, with min_ram {min_ram} and "
        f"{', '.join(f'{k}={v}' for k, v in wanted.items())}. Nova reads these when it boots it.",
    )


@exercise(
    "nb06.share",
    hints=(
        "Only a shared image has members: `conn.image.update_image(image, visibility='shared')`.",
        (
            "The owner adds the other project by its ID: "
            "`conn.image.add_member(image, member_id=team.id)`. The member starts as pending."
        ),
        (
            "Only the member can accept, so use Bob's connection: "
            "`bob.image.update_member(team.id, image, status='accepted')`."
        ),
    ),
)
def check_image_shared(
    conn: Any, name: str, project_id: str, *, consumer: Any = None
) -> CheckResult:
    """``name`` (owned by ``conn``'s project) is shared with ``project_id``, which accepted it."""
    image, problem = _one_image(conn, name)
    if problem is not None:
        return problem
    if _get(image, "visibility") != "shared":
        return CheckResult(
            False,
            f"{name} has visibility {_get(image, 'visibility')}: only a shared image has members.",
            ["`conn.image.update_image(image, visibility='shared')`"],
        )
    members = {_get(m, "member_id"): _get(m, "status") for m in conn.image.members(image)}
    if project_id not in members:
        return CheckResult(
            False,
            f"{name} is shared, but project {project_id} is not one of its members.",
            ["`conn.image.add_member(image, member_id=<the project's ID>)`, as the owner."],
        )
    status = members[project_id]
    if status != "accepted":
        return CheckResult(
            False,
            f"Project {project_id} is a member of {name}, but its status is {status}: it can "
            "boot the image by ID, yet the image stays out of its image list.",
            [
                (
                    "Accept it with the member's connection: "
                    "`bob.image.update_member(<project ID>, image, status='accepted')`."
                )
            ],
        )
    if consumer is not None:
        listed = {_get(i, "id") for i in consumer.image.images()}
        if _get(image, "id") not in listed:
            return CheckResult(
                False,
                f"Glance says accepted, but {name} is not in the member's image list.",
                ["Pass the member project's own connection as `consumer`."],
            )
    return CheckResult(
        True,
        f"{name} is shared with project {project_id}, which accepted it: it now shows in that "
        "project's image list, and its members can boot it.",
    )
