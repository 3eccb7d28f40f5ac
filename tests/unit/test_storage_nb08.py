"""Notebook 08 helpers, its error explanations and its cleanup, against small stand-ins."""

from __future__ import annotations

import hashlib
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from openstack import exceptions as sdk_exc

from osworkshop import errors
from osworkshop.data import load
from osworkshop.resources import cleanup, leftovers
from osworkshop.storage_nb08 import (
    KINDS,
    NEEDS,
    FlavorDisks,
    Found,
    Lifecycle,
    RoundTrip,
    advice,
    answers_html,
    attachments,
    classify,
    flavor_disks,
    flavor_disks_html,
    inventory,
    judge_workload,
    kinds_for,
    meta_headers,
    object_rows,
    object_url,
    oversize_request,
    pool_rows,
    put_container,
    put_object,
    quota_rows,
    round_trip,
    snapshots_of,
    volume_line,
    volume_named,
    workloads_html,
)

TAG = "osworkshop-nb08"

# --------------------------------------------------------------------------- choosing a kind


def test_each_need_narrows_the_kinds() -> None:
    assert kinds_for([]) == list(KINDS)
    assert kinds_for(["disk"]) == ["ephemeral", "block"]
    assert kinds_for(["disk", "outlives_server"]) == ["block"]
    assert kinds_for(["http", "outlives_server"]) == ["object"]
    assert kinds_for(["disk", "http"]) == []
    assert kinds_for(["shared_files"]) == []


def test_unknown_need_is_refused() -> None:
    with pytest.raises(ValueError, match="Unknown needs"):
        kinds_for(["fast"])


def test_advice_changes_with_the_needs() -> None:
    assert "Tick what" in advice([])
    assert "Only block storage" in advice(["bootable", "outlives_server"])
    assert "Several kinds" in advice(["outlives_server"])
    assert "split the workload" in advice(["disk", "http"])
    assert "Manila" in advice(["shared_files", "disk"])


@pytest.mark.parametrize("workload", load("workloads"), ids=lambda w: w["id"])
def test_every_workload_has_exactly_its_kind(workload: dict[str, Any]) -> None:
    assert set(workload["needs"]) <= set(NEEDS)
    assert kinds_for(workload["needs"]) == [workload["kind"]]
    assert workload["bootable"] == ("bootable" in workload["needs"])


def test_the_exercise_uses_all_three_kinds() -> None:
    assert {w["kind"] for w in load("workloads")} == set(KINDS)
    assert len(load("workloads")) == 5


def test_storage_then_now_is_for_this_notebook() -> None:
    records = load("storage_then_now")
    assert records and all(r["notebook"] == "08" for r in records)


# --------------------------------------------------------------------------- ephemeral disks


def test_flavor_disks_from_a_flavor_and_from_a_server() -> None:
    flavor = SimpleNamespace(name="f", disk=1, ephemeral=2, swap=256)
    assert flavor_disks(flavor) == FlavorDisks("f", 1, 2, 256)
    embedded = {"original_name": "f", "disk": 1, "ephemeral": 2, "swap": ""}
    disks = flavor_disks(embedded)
    assert (disks.name, disks.root_gb, disks.ephemeral_gb, disks.swap_mb) == ("f", 1, 2, 0)
    legacy = {"name": "old", "disk": 5, "OS-FLV-EXT-DATA:ephemeral": 3, "swap": 0}
    assert flavor_disks(legacy).ephemeral_gb == 3


def test_flavor_table_sorts_by_root_disk() -> None:
    html = flavor_disks_html(
        [
            SimpleNamespace(name="big", disk=80, ephemeral=0, swap=0),
            SimpleNamespace(name="small", disk=1, ephemeral=2, swap=512),
        ]
    )
    assert html.index("small") < html.index("big")
    assert "<td style='text-align:left'>512</td>" in html


# --------------------------------------------------------------------------- volumes


def vol(**fields: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "id": "v1",
        "name": f"{TAG}-data",
        "size": 1,
        "status": "available",
        "volume_type": "lab-file",
        "attachments": [],
        "is_bootable": False,
    }
    return SimpleNamespace(**{**base, **fields})


def test_volume_line_names_the_server() -> None:
    attached = vol(status="in-use", attachments=[{"server_id": "s1", "device": "/dev/vdb"}])
    assert attachments(attached) == ["s1 as /dev/vdb"]
    line = volume_line(attached, {"s1": "app"})
    assert line == f"{TAG}-data: 1 GiB, lab-file, in-use, attached to app as /dev/vdb"
    assert volume_line(vol()).endswith("available, not attached")


def test_lifecycle_records_each_step() -> None:
    life = Lifecycle(names={"s1": "app"})
    assert life.record("create", vol()).startswith("after create: ")
    life.record("attach", vol(status="in-use", attachments=[{"server_id": "s1"}]))
    life.record("extend", vol(size=2))
    assert [r[:3] for r in life.rows] == [
        ("create", "available", 1),
        ("attach", "in-use", 1),
        ("extend", "available", 2),
    ]
    assert life.rows[1][3] == "app"
    assert "<td style='text-align:left'>extend</td>" in life.html()


def test_pool_rows_read_capabilities() -> None:
    pool = SimpleNamespace(
        name="h@lab#lab",
        capabilities={
            "volume_backend_name": "lab",
            "storage_protocol": "file",
            "total_capacity_gb": 1000.0,
            "free_capacity_gb": 990.0,
            "provisioned_capacity_gb": 10.0,
            "thin_provisioning_support": True,
            "max_over_subscription_ratio": 20.0,
        },
    )
    assert pool_rows([pool]) == [("h@lab#lab", "lab", "file", 1000.0, 990.0, 10.0, "yes", 20.0)]


def test_quota_rows_and_the_request_that_exceeds_them() -> None:
    quota = SimpleNamespace(
        volumes=10,
        gigabytes=1000,
        snapshots=10,
        per_volume_gigabytes=-1,
        usage={"volumes": 2, "gigabytes": 3, "snapshots": 1},
    )
    rows = quota_rows(quota)
    assert rows[1] == ("GiB of volumes and snapshots", "1000", 3)
    assert rows[3] == ("GiB at most per volume", "unlimited", "-")
    assert oversize_request(quota) == 1001
    assert oversize_request(SimpleNamespace(gigabytes=-1)) is None


class Listing:
    """block_storage with lists only, and no server-side filters (like the lab's Cinder)."""

    def __init__(self, volumes: list[Any], snapshots: list[Any] | None = None) -> None:
        self._volumes, self._snapshots = volumes, snapshots or []

    def volumes(self, details: bool = True, **filters: Any) -> list[Any]:
        if filters:
            raise sdk_exc.BadRequestException("Invalid filters name are found in query options.")
        return self._volumes

    def snapshots(self, details: bool = True, **filters: Any) -> list[Any]:
        if filters:
            raise sdk_exc.BadRequestException("Invalid filters found in query options.")
        return self._snapshots


def test_volume_named_and_its_snapshots_without_filters() -> None:
    snaps = [SimpleNamespace(volume_id="v1"), SimpleNamespace(volume_id="v2")]
    conn = SimpleNamespace(block_storage=Listing([vol(), vol(id="v2", name="other")], snaps))
    assert volume_named(conn, f"{TAG}-data").id == "v1"
    assert volume_named(conn, "missing") is None
    assert snapshots_of(conn, "v1") == [snaps[0]]
    twice = SimpleNamespace(block_storage=Listing([vol(), vol(id="v3")]))
    with pytest.raises(sdk_exc.DuplicateResource):
        volume_named(twice, f"{TAG}-data")


# --------------------------------------------------------------------------- Swift


def test_meta_headers_add_the_prefix_once() -> None:
    assert meta_headers("object", {"camera": "phone", "X-Object-Meta-Taken": 2025}) == {
        "X-Object-Meta-camera": "phone",
        "X-Object-Meta-Taken": "2025",
    }
    assert meta_headers("container", None) == {}


def response(status: int = 201, headers: dict[str, str] | None = None) -> requests.Response:
    resp = requests.Response()
    resp.status_code = status
    resp.headers.update(headers or {})
    resp._content = b""
    resp.request = requests.Request("PUT", "http://swift/v1/AUTH_p/c").prepare()
    return resp


class Swift:
    """An object store that keeps what is PUT, the way Swift answers it."""

    def __init__(self) -> None:
        self.store: dict[str, tuple[bytes, dict[str, str]]] = {}

    def put(self, path: str, data: bytes = b"", headers: dict[str, str] | None = None) -> Any:
        self.store[path] = (data, dict(headers or {}))
        etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
        return response(201, {"Etag": etag})

    def download_object(self, name: str, container: str) -> bytes:
        return self.store[f"{container}/{name}"][0]

    def get_object_metadata(self, name: str, container: str) -> Any:
        headers = self.store[f"{container}/{name}"][1]
        prefix = "x-object-meta-"
        meta = {
            k[len(prefix) :].lower(): v for k, v in headers.items() if k.lower().startswith(prefix)
        }
        return SimpleNamespace(metadata=meta)

    def get_endpoint(self) -> str:
        return "http://swift/v1/AUTH_p/"


def test_put_container_and_object_send_headers() -> None:
    swift = Swift()
    conn = SimpleNamespace(object_store=swift)
    put_container(conn, f"{TAG}-photos", {"osworkshop": TAG})
    assert swift.store[f"{TAG}-photos"][1] == {"X-Container-Meta-osworkshop": TAG}
    etag = put_object(
        conn, "c", "a b.jpg", b"data", content_type="image/jpeg", metadata={"k": "v"},
        delete_after=60,
    )
    assert etag == hashlib.md5(b"data", usedforsecurity=False).hexdigest()
    sent = swift.store["c/a%20b.jpg"][1]
    assert sent == {"Content-Type": "image/jpeg", "X-Object-Meta-k": "v", "X-Delete-After": "60"}
    assert object_url(conn, "c", "2025/a b.jpg") == "http://swift/v1/AUTH_p/c/2025/a%20b.jpg"


def test_put_raises_what_swift_refuses() -> None:
    refused = SimpleNamespace(put=lambda *a, **k: response(409))
    with pytest.raises(sdk_exc.ConflictException):
        put_container(SimpleNamespace(object_store=refused), "c")


def test_round_trip_compares_data_etag_and_metadata() -> None:
    conn = SimpleNamespace(object_store=Swift())
    trip = round_trip(conn, "c", "o", b"hello", metadata={"Camera": "phone"})
    assert trip.ok and trip.same_data and trip.etag_matches and trip.same_metadata
    assert "identical True" in trip.summary()
    bad = RoundTrip("o", b"a", b"b", "x", {"k": "v"}, {})
    assert not (bad.same_data or bad.etag_matches or bad.same_metadata or bad.ok)


def test_object_rows() -> None:
    obj = SimpleNamespace(name="a.jpg", content_length=3, content_type="image/jpeg", etag="e")
    assert object_rows([obj]) == [("a.jpg", 3, "image/jpeg", "e")]


# --------------------------------------------------------------------------- exercise 2 logic


def test_classify_reads_the_choice() -> None:
    assert classify(Found(volume=True, server=True)) == "block"
    assert classify(Found(container=True)) == "object"
    assert classify(Found(server=True)) == "ephemeral"
    assert classify(Found()) == "missing"
    assert classify(Found(volume=True, container=True)) == "several"


def workload(wid: str) -> dict[str, Any]:
    return next(w for w in load("workloads") if w["id"] == wid)


def test_judge_workload_explains_wrong_choices() -> None:
    db = workload("billing-db")
    assert judge_workload(db, Found(volume=True))[0]
    ok, text = judge_workload(db, Found(container=True))
    assert not ok and "object storage" in text and db["hint"] in text
    assert "nothing carries" in judge_workload(db, Found())[1]
    assert "keep only one" in judge_workload(db, Found(volume=True, container=True))[1]
    root = workload("legacy-root")
    ok, text = judge_workload(root, Found(volume=True, bootable=False, volume_status="available"))
    assert not ok and "image_id" in text
    ok, text = judge_workload(root, Found(volume=True, volume_status="downloading"))
    assert not ok and "still downloading" in text
    assert judge_workload(root, Found(volume=True, bootable=True))[0]
    scratch = workload("build-scratch")
    assert judge_workload(scratch, Found(server=True, server_status="ACTIVE"))[0]
    ok, text = judge_workload(scratch, Found(server=True, server_status="ERROR"))
    assert not ok and "explain_server_fault" in text


def test_inventory_matches_names_exactly() -> None:
    conn = SimpleNamespace(
        block_storage=Listing(
            [vol(name=f"{TAG}-legacy-root", is_bootable=True), vol(name=f"{TAG}-billing-db-old")]
        ),
        object_store=SimpleNamespace(
            containers=lambda: [SimpleNamespace(name=f"{TAG}-photo-archive")]
        ),
        compute=SimpleNamespace(
            servers=lambda: [SimpleNamespace(name=f"{TAG}-build-scratch", status="BUILD")]
        ),
    )
    found = inventory(conn, TAG, ["legacy-root", "billing-db", "photo-archive", "build-scratch"])
    assert found["legacy-root"] == Found(volume=True, bootable=True, volume_status="available")
    assert found["billing-db"] == Found()
    assert found["photo-archive"].container
    assert found["build-scratch"] == Found(server=True, server_status="BUILD")


def test_tables_list_every_workload() -> None:
    for wl in load("workloads"):
        assert f"{TAG}-{wl['id']}" in workloads_html(TAG)
        assert wl["name"] in answers_html()


# --------------------------------------------------------------------------- errors.explain


def http_error(cls: type, status: int, method: str, url: str, details: str) -> Exception:
    resp = requests.Response()
    resp.status_code = status
    resp.request = requests.Request(method, url).prepare()
    return cls(response=resp, details=details)


def test_explains_snapshot_of_an_attached_volume() -> None:
    exc = http_error(
        sdk_exc.BadRequestException,
        400,
        "POST",
        "http://cinder/v3/p/snapshots",
        "Invalid volume: Volume v1 status must be available, but current status is: in-use.",
    )
    err = errors.explain(exc)
    assert err is not None and "force=True" in err.title and "3.66" in err.what_to_do


def test_explains_deleting_a_container_that_holds_objects() -> None:
    exc = http_error(
        sdk_exc.ConflictException,
        409,
        "DELETE",
        "http://swift/v1/AUTH_p/osworkshop-nb08-photos",
        "ConflictThere was a conflict when trying to complete your request.",
    )
    err = errors.explain(exc)
    assert err is not None and err.title == "The container is not empty"
    assert "--recursive" in err.what_to_do


def test_other_conflicts_keep_their_explanations() -> None:
    obj = http_error(
        sdk_exc.ConflictException, 409, "DELETE", "http://swift/v1/AUTH_p/c/o", "Conflict"
    )
    err = errors.explain(obj)
    assert err is not None and err.title != "The container is not empty"
    attached = http_error(
        sdk_exc.BadRequestException,
        400,
        "DELETE",
        "http://cinder/v3/p/volumes/v1",
        "Invalid volume: Volume status must be available or error ... and must not be "
        "migrating, attached, belong to a group, have snapshots ...",
    )
    err = errors.explain(attached)
    assert err is not None and "force=True" not in err.title


def test_explains_the_volume_quota() -> None:
    exc = http_error(
        sdk_exc.HttpException,
        413,
        "POST",
        "http://cinder/v3/p/volumes",
        "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed "
        "gigabytes quota. Requested 1001G, quota is 1000G and 3G has been consumed.",
    )
    err = errors.explain(exc)
    assert err is not None and err.title == "Quota exceeded" and "gigabytes" in err.detail


# --------------------------------------------------------------------------- cleanup


class StorageCloud:
    """Just enough of Nova, Cinder and Swift for what notebook 08 leaves behind."""

    def __init__(self) -> None:
        self.volumes = [
            vol(id="v1", name=f"{TAG}-data", metadata={"osworkshop": TAG}, project_id="p"),
            vol(id="v2", name=f"{TAG}-billing-db", project_id="p"),
            vol(id="v9", name="someone-else", project_id="p"),
        ]
        for v in self.volumes:
            v.description, v.tags = "", []
        self.snapshots = [
            SimpleNamespace(id="s1", name="first", volume_id="v1", metadata={}, description=""),
            SimpleNamespace(id="s2", name="grown", volume_id="v1", metadata={}, description=""),
            SimpleNamespace(id="s9", name="theirs", volume_id="v9", metadata={}, description=""),
        ]
        self.containers: dict[str, list[str]] = {
            f"{TAG}-photos": ["2025/07/beach.jpg", "README.txt"],
            f"{TAG}-photo-archive": [],
            "their-container": ["keep.txt"],
        }
        self.deleted: list[str] = []
        cloud = self

        class BlockStorage:
            def volumes(self, details: bool = True) -> list[Any]:
                return list(cloud.volumes)

            def snapshots(self, details: bool = True) -> list[Any]:
                return list(cloud.snapshots)

            def delete_snapshot(self, snap: Any, ignore_missing: bool = True) -> None:
                cloud.snapshots.remove(snap)
                cloud.deleted.append(f"snapshot {snap.name}")

            def delete_volume(self, volume: Any, ignore_missing: bool = True) -> None:
                if any(s.volume_id == volume.id for s in cloud.snapshots):
                    raise sdk_exc.BadRequestException("Invalid volume: ... have snapshots")
                cloud.volumes.remove(volume)
                cloud.deleted.append(f"volume {volume.name}")

            def wait_for_delete(self, item: Any, wait: int = 0) -> None:
                pass

        class ObjectStore:
            def containers(self) -> list[Any]:
                return [SimpleNamespace(name=n, metadata={}) for n in cloud.containers]

            def get_container_metadata(self, container: Any) -> Any:
                return SimpleNamespace(name=container.name, metadata={})

            def objects(self, container: Any) -> list[str]:
                return list(cloud.containers[container.name])

            def delete_object(self, obj: str, container: Any, ignore_missing: bool = True) -> None:
                cloud.containers[container.name].remove(obj)
                cloud.deleted.append(f"object {obj}")

            def delete_container(self, container: Any, ignore_missing: bool = True) -> None:
                if cloud.containers[container.name]:
                    raise sdk_exc.ConflictException("Conflict")
                del cloud.containers[container.name]
                cloud.deleted.append(f"container {container.name}")

        empty = SimpleNamespace(
            servers=lambda **k: [],
            server_groups=list,
            keypairs=lambda **k: [],
            flavors=list,
        )
        network = SimpleNamespace(
            ports=lambda **k: [],
            ips=list,
            routers=list,
            subnets=list,
            networks=list,
            security_groups=list,
        )

        def forbidden() -> list[Any]:
            raise sdk_exc.ForbiddenException("members may not list projects")

        self.block_storage = BlockStorage()
        self.object_store = ObjectStore()
        self.compute = empty
        self.network = network
        self.image = SimpleNamespace(images=list)
        self.identity = SimpleNamespace(projects=forbidden, users=forbidden)


def test_cleanup_removes_snapshots_volumes_and_full_containers() -> None:
    cloud = StorageCloud()
    counts = cleanup(cloud, "08")
    assert counts["volume_snapshots"] == 2 and counts["volumes"] == 2
    assert counts["containers"] == 2
    assert leftovers(cloud, "08") == {}
    # dependents first: both snapshots before their volume, objects before their container
    order = cloud.deleted
    assert order.index("snapshot grown") < order.index(f"volume {TAG}-data")
    assert order.index("object README.txt") < order.index(f"container {TAG}-photos")
    # and nothing of anybody else
    assert [v.name for v in cloud.volumes] == ["someone-else"]
    assert [s.name for s in cloud.snapshots] == ["theirs"]
    assert list(cloud.containers) == ["their-container"]
