"""Notebook 08 checks against a tiny stand-in cloud (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import hint, load_exercises, registry
from osworkshop.data import load
from osworkshop.exercises.nb08 import check_cli_volume, check_volume_survives, check_workloads

TAG = "osworkshop-nb08"


class Cloud:
    """Volumes, snapshots, containers and servers, listed without filters like the lab."""

    def __init__(self) -> None:
        self.vols: list[Any] = []
        self.snaps: list[Any] = []
        self.conts: list[str] = []
        self.srvs: list[Any] = []
        cloud = self
        self.block_storage = SimpleNamespace(
            volumes=lambda details=True: list(cloud.vols),
            snapshots=lambda details=True: list(cloud.snaps),
            get_volume=lambda vid: next(v for v in cloud.vols if v.id == vid),
        )
        self.object_store = SimpleNamespace(
            containers=lambda: [SimpleNamespace(name=n) for n in cloud.conts]
        )
        self.compute = SimpleNamespace(
            servers=lambda: list(cloud.srvs),
            find_server=lambda name, ignore_missing=True: next(
                (s for s in cloud.srvs if s.name == name), None
            ),
        )

    def volume(self, name: str, **fields: Any) -> Any:
        v = SimpleNamespace(
            **{
                "id": f"v{len(self.vols)}",
                "name": name,
                "size": 1,
                "status": "available",
                "attachments": [],
                "is_bootable": False,
                **fields,
            }
        )
        self.vols.append(v)
        return v

    def snapshot(self, volume: Any, size: int, status: str = "available") -> None:
        self.snaps.append(
            SimpleNamespace(
                name=f"snap{len(self.snaps)}", volume_id=volume.id, size=size, status=status
            )
        )

    def server(self, name: str, status: str = "ACTIVE") -> Any:
        s = SimpleNamespace(id=f"s{len(self.srvs)}", name=name, status=status)
        self.srvs.append(s)
        return s


def cli_volume(cloud: Cloud) -> Any:
    return check_cli_volume(cloud, volume=f"{TAG}-cli", server=f"{TAG}-app")


def test_cli_volume_passes_when_attached_to_the_server() -> None:
    cloud = Cloud()
    app = cloud.server(f"{TAG}-app")
    cloud.volume(f"{TAG}-cli", status="in-use",
                 attachments=[{"server_id": app.id, "device": "/dev/vdc"}])
    result = cli_volume(cloud)
    assert result.passed, result
    assert "as /dev/vdc" in result.message and result.exercise == "nb08.cli_volume"


def test_cli_volume_not_made_yet_gives_the_command() -> None:
    cloud = Cloud()
    cloud.server(f"{TAG}-app")
    result = cli_volume(cloud)
    assert not result.passed and "no volume" in result.message
    assert "volume create --size 1" in result.hints[0]


def test_cli_volume_created_but_not_attached() -> None:
    cloud = Cloud()
    cloud.server(f"{TAG}-app")
    cloud.volume(f"{TAG}-cli", size=1024)
    result = cli_volume(cloud)
    assert not result.passed
    assert "1024 GiB, not 1" in result.message and "not attached" in result.message
    assert any("server add volume" in h for h in result.hints)


def test_cli_volume_still_attaching_or_elsewhere() -> None:
    cloud = Cloud()
    cloud.server(f"{TAG}-app")
    other = cloud.server(f"{TAG}-other")
    vol = cloud.volume(f"{TAG}-cli", status="attaching")
    assert "still attaching" in cli_volume(cloud).message
    vol.status, vol.attachments = "in-use", [{"server_id": other.id}]
    assert "another server" in cli_volume(cloud).message


def test_cli_volume_without_the_server() -> None:
    cloud = Cloud()
    cloud.volume(f"{TAG}-cli")
    result = cli_volume(cloud)
    assert not result.passed and f"no server {TAG}-app" in result.message


def survivor(cloud: Cloud) -> Any:
    return check_volume_survives(cloud, volume=f"{TAG}-data", server=f"{TAG}-app", size=2)


def test_survivor_passes_when_all_three_steps_are_done() -> None:
    cloud = Cloud()
    data = cloud.volume(f"{TAG}-data", size=2)
    cloud.snapshot(data, 1)
    cloud.snapshot(data, 2)
    result = survivor(cloud)
    assert result.passed, result
    assert result.exercise == "nb08.survivor"


def test_survivor_before_anything_is_done_lists_every_step() -> None:
    cloud = Cloud()
    data = cloud.volume(
        f"{TAG}-data", status="in-use", attachments=[{"server_id": "s1", "device": "/dev/vdb"}]
    )
    cloud.snapshot(data, 1)
    cloud.server(f"{TAG}-app")
    result = survivor(cloud)
    assert not result.passed
    assert "1 GiB, not 2" in result.message
    assert "before growing" in result.message
    assert "still exists" in result.message
    assert any("extend_volume" in h for h in result.hints)
    assert any("point in time" in h for h in result.hints)


def test_survivor_wants_a_snapshot_that_is_ready() -> None:
    cloud = Cloud()
    data = cloud.volume(f"{TAG}-data", size=2)
    result = survivor(cloud)
    assert not result.passed and "no snapshot" in result.message
    cloud.snapshot(data, 2, status="creating")
    result = survivor(cloud)
    assert not result.passed and "still creating" in result.message


def test_survivor_waits_for_the_detach() -> None:
    cloud = Cloud()
    data = cloud.volume(
        f"{TAG}-data", size=2, status="detaching", attachments=[{"server_id": "gone"}]
    )
    cloud.snapshot(data, 2)
    result = survivor(cloud)
    assert not result.passed and "detaching" in result.message


def test_survivor_without_the_volume() -> None:
    result = survivor(Cloud())
    assert not result.passed and "no volume" in result.message


def test_strict_mode_turns_a_failure_into_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="nb08.survivor"):
        survivor(Cloud())


def answer(cloud: Cloud, choices: dict[str, str]) -> None:
    """Make what a learner would make for each workload (kind per workload id)."""
    for wid, kind in choices.items():
        name = f"{TAG}-{wid}"
        if kind == "block":
            cloud.volume(name, is_bootable=wid == "legacy-root")
        elif kind == "object":
            cloud.conts.append(name)
        elif kind == "ephemeral":
            cloud.server(name)


RIGHT = {w["id"]: w["kind"] for w in load("workloads")}


def test_workloads_pass_with_the_right_resources() -> None:
    cloud = Cloud()
    answer(cloud, RIGHT)
    cloud.server(f"{TAG}-billing-db")  # a server beside the database's volume is fine
    result = check_workloads(cloud, tag=TAG)
    assert result.passed, result
    assert "Cinder, Swift and Nova" in result.message


def test_workloads_report_each_wrong_choice_with_its_hint() -> None:
    cloud = Cloud()
    answer(cloud, {**RIGHT, "photo-archive": "block", "build-scratch": "object"})
    result = check_workloads(cloud, tag=TAG)
    assert not result.passed
    assert result.message == "3 of 5 workloads have the right storage."
    assert len(result.hints) == 4  # two wrong choices, then the first hint and where more is
    assert result.hints[0].startswith("photo-archive: you chose block storage")
    assert "build-scratch: you chose object storage" in result.hints[1]


def test_workloads_nothing_made_yet() -> None:
    result = check_workloads(Cloud(), tag=TAG)
    assert not result.passed and result.message.startswith("None of the 5 workloads")
    assert f"{TAG}-<workload id>" in result.message
    assert result.hints[0] == hint("nb08.workloads", 1).split(": ", 1)[1]


def test_workloads_one_missing_is_named() -> None:
    cloud = Cloud()
    answer(cloud, {k: v for k, v in RIGHT.items() if k != "nightly-dumps"})
    result = check_workloads(cloud, tag=TAG)
    assert result.message.startswith("4 of 5")
    assert result.hints[0] == "nightly-dumps: nothing carries its name yet."


def test_workloads_root_disk_must_boot() -> None:
    cloud = Cloud()
    answer(cloud, {k: v for k, v in RIGHT.items() if k != "legacy-root"})
    cloud.volume(f"{TAG}-legacy-root", is_bootable=False)
    result = check_workloads(cloud, tag=TAG)
    assert not result.passed and "bootable" in result.hints[0]


def test_checks_are_registered_with_three_hints() -> None:
    load_exercises()
    exercises = ("nb08.cli_volume", "nb08.survivor", "nb08.workloads")
    assert set(exercises) <= set(registry)
    for ex in exercises:
        assert hint(ex, 1).startswith("Hint 1 of 3")
        assert hint(ex, 3).startswith("Hint 3 of 3")
