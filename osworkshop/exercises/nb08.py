"""Notebook 08, storage: a volume attached from the terminal, a volume that outlives its server,
and storage for five workloads."""

from __future__ import annotations

from typing import Any

from ..checks import CheckResult, exercise
from ..data import load
from ..storage_nb08 import classify, inventory, judge_workload, snapshots_of, volume_named

CLI = "openstack --os-cloud lab-demo"


@exercise(
    "nb08.cli_volume",
    hints=(
        (
            "Two commands in the terminal, both with `--os-cloud lab-demo`: `openstack volume "
            "create` (a size in GiB, a description, a name), then `openstack server add volume "
            "SERVER VOLUME` once the volume is `available`."
        ),
        (
            f"`{CLI} volume create --size 1 --description osworkshop-nb08 osworkshop-nb08-cli`, "
            f"then `{CLI} volume show osworkshop-nb08-cli -c status -f value` until it says "
            "available."
        ),
        (
            f"`{CLI} server add volume osworkshop-nb08-app osworkshop-nb08-cli`; "
            f"`{CLI} volume list -c Name -c Status -c 'Attached to'` shows where it is."
        ),
    ),
)
def check_cli_volume(conn: Any, volume: str, server: str, *, size: int = 1) -> CheckResult:
    """``volume`` exists, is ``size`` GiB, and is attached to ``server`` (read from Cinder)."""
    found = volume_named(conn, volume)
    if found is None:
        return CheckResult(
            False,
            f"There is no volume {volume!r} yet.",
            [
                (
                    f"In the terminal: `{CLI} volume create --size {size} --description "
                    f"osworkshop-nb08 {volume}`."
                )
            ],
        )
    vol = conn.block_storage.get_volume(found.id)
    problems: list[str] = []
    hints: list[str] = []
    if vol.size != size:
        problems.append(f"it is {vol.size} GiB, not {size}")
        hints.append(
            f"`--size` counts GiB. Delete it (`{CLI} volume delete {volume}`) and create it "
            f"again with `--size {size}`."
        )
    machine = conn.compute.find_server(server, ignore_missing=True)
    on = [str(a.get("server_id")) for a in vol.attachments or []]
    if machine is None:
        problems.append(f"there is no server {server} to attach it to")
        hints.append(
            "The next exercise deletes that server: do this one first, or run the notebook "
            "again from the top to boot it again."
        )
    elif vol.status in ("creating", "attaching", "reserved", "detaching"):
        problems.append(f"it is still {vol.status}")
        hints.append("Wait a few seconds and check again.")
    elif machine.id not in on and on:
        problems.append(f"it is attached to another server, not to {server}")
        hints.append(f"`{CLI} server remove volume SERVER {volume}`, then attach it to {server}.")
    elif machine.id not in on:
        problems.append(f"it is {vol.status} but not attached to {server}")
        hints.append(
            f"Creating a volume does not attach it: `{CLI} server add volume {server} {volume}`."
        )
    if problems:
        return CheckResult(False, f"Volume {vol.name}: " + "; ".join(problems) + ".", hints)
    device = next(
        (a.get("device") for a in vol.attachments if str(a.get("server_id")) == machine.id), None
    )
    return CheckResult(
        True,
        f"{vol.name} is {size} GiB and attached to {server}"
        + (f" as {device}" if device else "")
        + ": made in the terminal, read back here from Cinder.",
    )


@exercise(
    "nb08.survivor",
    hints=(
        (
            "Three steps, in any order that works: grow the volume, snapshot it once it is "
            "grown, delete the server. Wait after each one with the SDK's `wait_for_status` "
            "and `wait_for_delete`. `wait_for_status` returns at once when the object you pass "
            "already shows that status, so read the volume afresh first "
            "(`conn.block_storage.get_volume(volume.id)`)."
        ),
        (
            "Grow it with `conn.block_storage.extend_volume(volume, 2)`; a snapshot is "
            "`conn.block_storage.create_snapshot(volume_id=volume.id, name=..., "
            "metadata=MARK['metadata'])`. On an attached volume the snapshot also needs "
            "`force=True`."
        ),
        (
            "Delete the server with `conn.compute.delete_server(server)` and "
            "`conn.compute.wait_for_delete(server)`: Nova detaches the volume, and Cinder keeps "
            "it (and its snapshots) as `available`."
        ),
    ),
)
def check_volume_survives(conn: Any, volume: str, server: str, *, size: int = 2) -> CheckResult:
    """``volume`` is ``size`` GiB, has a snapshot of that size, and ``server`` no longer exists."""
    found = volume_named(conn, volume)
    if found is None:
        return CheckResult(
            False,
            f"There is no volume {volume!r}: the point was to keep it.",
            [
                (
                    "Run the notebook again from the setup cell: it cleans up, and the cells "
                    "before the exercise make the server and the volume again."
                )
            ],
        )
    vol = conn.block_storage.get_volume(found.id)
    problems: list[str] = []
    hints: list[str] = []
    if vol.size != size:
        problems.append(f"it is {vol.size} GiB, not {size}")
        hints.append(f"`conn.block_storage.extend_volume(volume, {size})`, then wait for it.")
    snapshots = snapshots_of(conn, vol.id)
    grown = [s for s in snapshots if s.size == size]
    if not grown:
        if snapshots:
            sizes = ", ".join(f"{s.name} ({s.size} GiB)" for s in snapshots)
            problems.append(f"its snapshots ({sizes}) all hold it as it was before growing")
            hints.append(
                "A snapshot is the volume at one point in time: take a new one after the extend."
            )
        else:
            problems.append("it has no snapshot")
            hints.append("`conn.block_storage.create_snapshot(volume_id=volume.id, ...)`.")
    elif not any(s.status == "available" for s in grown):
        problems.append(f"its snapshot is still {grown[0].status}")
        hints.append("Wait with `conn.block_storage.wait_for_status(snapshot, 'available')`.")
    machine = conn.compute.find_server(server, ignore_missing=True)
    if machine is not None:
        problems.append(f"server {server} still exists")
        hints.append(
            "Delete it with `conn.compute.delete_server(...)` and wait with "
            "`conn.compute.wait_for_delete(...)`."
        )
    elif vol.status != "available" or vol.attachments:
        problems.append(f"the volume is {vol.status}, not yet available")
        hints.append("Give Nova a moment to detach it and check again.")
    if problems:
        return CheckResult(False, f"Volume {vol.name}: " + "; ".join(problems) + ".", hints)
    return CheckResult(
        True,
        f"{vol.name} is {size} GiB, available, with a snapshot of {size} GiB, and its server is "
        "gone. The flavor's disks went with the server; the volume did not.",
    )


@exercise(
    "nb08.workloads",
    hints=(
        (
            "Decide for each workload with three questions: must the data outlive the server? "
            "Must the guest see a disk? Do clients fetch it over HTTP? The needs picker above "
            "answers them for you."
        ),
        (
            "Record each choice in the cloud under the workload's name, TAG + '-' + id: "
            "`conn.block_storage.create_volume(name=..., size=1, metadata=MARK['metadata'])` "
            "for block storage, `conn.object_store.create_container(name=...)` for object "
            "storage, and for ephemeral storage a server booted with `eph_flavor` and no volume "
            "or container of that name."
        ),
        (
            "A system disk that must boot and outlive its server is a volume made from an "
            "image: `create_volume(name=..., size=1, image_id=image.id, ...)`; Cinder then marks "
            "it bootable."
        ),
    ),
)
def check_workloads(conn: Any, tag: str) -> CheckResult:
    """For each workload in data/workloads.yaml, a resource named after it of the right kind."""
    workloads = load("workloads")
    found = inventory(conn, tag, [w["id"] for w in workloads])
    verdicts = [judge_workload(w, found[w["id"]]) for w in workloads]
    wrong = [text for ok, text in verdicts if not ok]
    if all(classify(found[w["id"]]) == "missing" for w in workloads):
        return CheckResult(
            False,
            f"None of the {len(workloads)} workloads has storage yet: nothing is named "
            f"{tag}-<workload id>.",
        )
    if wrong:
        right = len(verdicts) - len(wrong)
        return CheckResult(
            False, f"{right} of {len(verdicts)} workloads have the right storage.", wrong
        )
    return CheckResult(
        True,
        f"All {len(verdicts)} workloads have the right storage, read back from Cinder, Swift "
        "and Nova.",
    )
