"""Notebook 08, storage: flavors' disks, a volume's life, Swift round trips, and choosing a kind.

The pure functions (``flavor_disks``, ``volume_line``, ``Lifecycle``, ``kinds_for``, ``classify``,
``judge_workload``, ``meta_headers``, ``RoundTrip`` ...) take plain values or SDK-like objects, so
they are unit-tested without a cloud; the thin ones (``inventory``, ``put_container``,
``put_object``, ``round_trip``) talk to the cloud.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from openstack import exceptions as sdk_exc

from .data import load
from .widgets import table

KINDS: tuple[str, ...] = ("ephemeral", "block", "object")

#: How the course names each kind, and what the learner creates to choose it in exercise 2.
KIND_NAMES: dict[str, str] = {
    "ephemeral": "ephemeral storage (the flavor's disks)",
    "block": "block storage (a Cinder volume)",
    "object": "object storage (a Swift container)",
}


@dataclass(frozen=True)
class Need:
    """One requirement a workload may have, and the kinds of storage that meet it."""

    label: str
    kinds: frozenset[str]


#: Requirements and the kinds that meet them, read off the storage table (storage_types.yaml).
NEEDS: dict[str, Need] = {
    "disk": Need(
        "The guest sees a disk that it formats and mounts", frozenset({"ephemeral", "block"})
    ),
    "outlives_server": Need(
        "Keeps its data when the server is deleted", frozenset({"block", "object"})
    ),
    "gone_with_server": Need(
        "Goes away with the server, with nothing to clean up", frozenset({"ephemeral"})
    ),
    "bootable": Need("A server can boot from it", frozenset({"ephemeral", "block"})),
    "http": Need(
        "Read and written over HTTP(S) by many clients, from anywhere", frozenset({"object"})
    ),
    "grows": Need("Grows with what you store, without resizing anything", frozenset({"object"})),
    "expires": Need("Deletes itself after a set time", frozenset({"object"})),
    "shared_files": Need("One file system mounted by many servers at once", frozenset()),
}


def kinds_for(needs: Iterable[str]) -> list[str]:
    """The kinds of storage (in KINDS order) that meet every one of ``needs``."""
    chosen = list(needs)
    unknown = [n for n in chosen if n not in NEEDS]
    if unknown:
        raise ValueError(f"Unknown needs {unknown}; known: {', '.join(NEEDS)}")
    return [k for k in KINDS if all(k in NEEDS[n].kinds for n in chosen)]


def advice(needs: Sequence[str]) -> str:
    """One sentence that concludes from ``needs`` (plain text)."""
    if not needs:
        return "Tick what the workload needs; every kind fits a workload that needs nothing."
    fits = kinds_for(needs)
    if "shared_files" in needs:
        return (
            "None of the three: a file system that many servers mount at once is a share from "
            "Manila (shared file systems), or an NFS server you run yourself."
        )
    if not fits:
        return (
            "No single kind does all of this: split the workload, for example a volume for the "
            "live data and Swift for its copies."
        )
    if len(fits) == 1:
        return f"Only {KIND_NAMES[fits[0]]} does all of this."
    return "Several kinds would do: " + ", ".join(KIND_NAMES[k] for k in fits) + "."


# --------------------------------------------------------------------------- ephemeral disks


@dataclass(frozen=True)
class FlavorDisks:
    """The disks a flavor gives every server: root and ephemeral in GiB, swap in MiB."""

    name: str
    root_gb: int
    ephemeral_gb: int
    swap_mb: int


def _get(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _int(value: Any) -> int:
    try:
        return int(value or 0)  # Nova once reported "no swap" as an empty string
    except (TypeError, ValueError):
        return 0


def flavor_disks(flavor: Any) -> FlavorDisks:
    """Disks of a flavor, or of the copy of its flavor a server carries (``server.flavor``)."""
    name = _get(flavor, "name") or _get(flavor, "original_name") or "?"
    ephemeral = _get(flavor, "ephemeral")
    if ephemeral is None:
        ephemeral = _get(flavor, "OS-FLV-EXT-DATA:ephemeral")
    return FlavorDisks(
        str(name), _int(_get(flavor, "disk")), _int(ephemeral), _int(_get(flavor, "swap"))
    )


def flavor_disks_html(flavors: Iterable[Any]) -> str:
    """A table of the flavors' disks, smallest root disk first."""
    disks = sorted((flavor_disks(f) for f in flavors), key=lambda d: (d.root_gb, d.name))
    rows = [(d.name, d.root_gb, d.ephemeral_gb, d.swap_mb) for d in disks]
    return table(("Flavor", "Root disk (GiB)", "Ephemeral disk (GiB)", "Swap (MiB)"), rows)


# --------------------------------------------------------------------------- block storage


def attachments(volume: Any, names: Mapping[str, str] | None = None) -> list[str]:
    """'server as device' for each attachment of ``volume``; ``names`` maps server IDs to names."""
    names = names or {}
    found = []
    for item in _get(volume, "attachments") or []:
        server = str(_get(item, "server_id") or "?")
        device = _get(item, "device")
        label = names.get(server, server)
        found.append(f"{label} as {device}" if device else label)
    return found


def volume_line(volume: Any, names: Mapping[str, str] | None = None) -> str:
    """One line about a volume: name, size, type, status and where it is attached."""
    where = attachments(volume, names)
    attached = f", attached to {', '.join(where)}" if where else ", not attached"
    kind = _get(volume, "volume_type") or "default type"
    status = _get(volume, "status")
    return f"{_get(volume, 'name')}: {_get(volume, 'size')} GiB, {kind}, {status}{attached}"


@dataclass
class Lifecycle:
    """Steps of a volume's life, recorded as the notebook goes: what was done and what it did."""

    names: dict[str, str] = field(default_factory=dict)
    rows: list[tuple[str, str, int, str]] = field(default_factory=list)

    def record(self, step: str, volume: Any) -> str:
        """Note the volume's state after ``step``; returns the line that describes it."""
        where = ", ".join(attachments(volume, self.names)) or "-"
        self.rows.append((step, str(_get(volume, "status")), _int(_get(volume, "size")), where))
        return f"after {step}: " + volume_line(volume, self.names)

    def html(self) -> str:
        return table(("Step", "Status", "Size (GiB)", "Attached to"), self.rows)


def volume_named(conn: Any, name: str) -> Any | None:
    """The project's volume called ``name``, or None.

    Reads the whole list and compares names here: a Cinder deployed without its
    resource_filters.json refuses every list filter, and ``find_volume(name)`` with it.
    """
    matches = [v for v in conn.block_storage.volumes(details=True) if v.name == name]
    if len(matches) > 1:
        raise sdk_exc.DuplicateResource(f"More than one volume is called {name}.")
    return matches[0] if matches else None


def snapshots_of(conn: Any, volume_id: str) -> list[Any]:
    """The project's snapshots of one volume (compared here, for the same reason)."""
    return [s for s in conn.block_storage.snapshots(details=True) if s.volume_id == volume_id]


def pool_rows(pools: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Back-end pools as an administrator sees them, the datastore view of Cinder."""
    rows = []
    for pool in pools:
        caps = _get(pool, "capabilities") or {}
        rows.append(
            (
                _get(pool, "name"),
                caps.get("volume_backend_name"),
                caps.get("storage_protocol"),
                caps.get("total_capacity_gb"),
                caps.get("free_capacity_gb"),
                caps.get("provisioned_capacity_gb"),
                "yes" if caps.get("thin_provisioning_support") else "no",
                caps.get("max_over_subscription_ratio"),
            )
        )
    return rows


POOL_HEADERS = (
    "Pool (host@backend#pool)",
    "Back end",
    "Protocol",
    "Total GiB",
    "Free GiB",
    "Provisioned GiB",
    "Thin",
    "Over-subscription",
)

#: Cinder quota names the notebook shows, with their units.
QUOTA_ITEMS: tuple[tuple[str, str], ...] = (
    ("volumes", "volumes"),
    ("gigabytes", "GiB of volumes and snapshots"),
    ("snapshots", "snapshots"),
    ("per_volume_gigabytes", "GiB at most per volume"),
)


def quota_rows(quota_set: Any) -> list[tuple[str, str, Any]]:
    """(what, limit, in use) for the Cinder quotas; a limit of -1 reads 'unlimited'."""
    usage = _get(quota_set, "usage") or {}
    rows = []
    for name, what in QUOTA_ITEMS:
        limit = _get(quota_set, name)
        if limit is None:
            continue
        shown = "unlimited" if _int(limit) < 0 else str(limit)
        rows.append((what, shown, usage.get(name, "?") if name != "per_volume_gigabytes" else "-"))
    return rows


def oversize_request(quota_set: Any) -> int | None:
    """A volume size (GiB) one more than the project may hold, or None if gigabytes is unlimited."""
    limit = _get(quota_set, "gigabytes")
    if limit is None or _int(limit) < 0:
        return None
    return _int(limit) + 1


# --------------------------------------------------------------------------- object storage

META_PREFIX: dict[str, str] = {
    "account": "X-Account-Meta-",
    "container": "X-Container-Meta-",
    "object": "X-Object-Meta-",
}


def meta_headers(level: str, metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """HTTP headers that set ``metadata`` on a Swift account, container or object."""
    prefix = META_PREFIX[level]
    return {
        (k if k.lower().startswith(prefix.lower()) else prefix + k): str(v)
        for k, v in (metadata or {}).items()
    }


def _check(response: Any, what: str) -> Any:
    sdk_exc.raise_from_response(response, error_message=f"Could not {what}")
    return response


def put_container(conn: Any, name: str, metadata: Mapping[str, Any] | None = None) -> None:
    """PUT a container with metadata headers (creating it, or adding the metadata if it exists).

    Plain HTTP on purpose: openstacksdk 4.22's ``create_container(metadata=...)`` stores the
    metadata in a dict shared by every later container and object request of the process.
    """
    _check(
        conn.object_store.put(quote(name), headers=meta_headers("container", metadata)),
        f"create container {name}",
    )


def put_object(
    conn: Any,
    container: str,
    name: str,
    data: bytes,
    *,
    content_type: str = "application/octet-stream",
    metadata: Mapping[str, Any] | None = None,
    delete_after: int | None = None,
) -> str:
    """PUT an object with its content type, metadata and optional expiry; returns its ETag."""
    headers = {"Content-Type": content_type, **meta_headers("object", metadata)}
    if delete_after is not None:
        headers["X-Delete-After"] = str(delete_after)
    response = _check(
        conn.object_store.put(f"{quote(container)}/{quote(name)}", data=data, headers=headers),
        f"upload {name} to {container}",
    )
    return str(response.headers.get("Etag", "")).strip('"')


def object_url(conn: Any, container: str, name: str) -> str:
    """The object's address: the account's endpoint, the container and the object name."""
    return f"{conn.object_store.get_endpoint().rstrip('/')}/{quote(container)}/{quote(name)}"


def object_rows(objects: Iterable[Any]) -> list[tuple[Any, ...]]:
    """Rows for an object listing: name, size, content type and ETag."""
    return [
        (_get(o, "name"), _get(o, "content_length"), _get(o, "content_type"), _get(o, "etag"))
        for o in objects
    ]


OBJECT_HEADERS = ("Name", "Bytes", "Content type", "ETag (MD5 of the data)")


@dataclass(frozen=True)
class RoundTrip:
    """What went up to Swift and what came back down."""

    name: str
    sent: bytes
    received: bytes
    etag: str
    metadata_sent: dict[str, str]
    metadata_received: dict[str, str]

    @property
    def md5(self) -> str:
        return hashlib.md5(self.sent, usedforsecurity=False).hexdigest()

    @property
    def same_data(self) -> bool:
        return self.sent == self.received

    @property
    def etag_matches(self) -> bool:
        return self.etag == self.md5

    @property
    def same_metadata(self) -> bool:
        got = {k.lower(): v for k, v in self.metadata_received.items()}
        return all(got.get(k.lower()) == str(v) for k, v in self.metadata_sent.items())

    @property
    def ok(self) -> bool:
        return self.same_data and self.etag_matches and self.same_metadata

    def summary(self) -> str:
        data = f"sent {len(self.sent)} bytes, received {len(self.received)} bytes"
        etag = f"ETag from Swift {self.etag}, MD5 computed here {self.md5}"
        meta = f"metadata sent {self.metadata_sent}, read back {self.metadata_received}"
        return "\n".join(
            (
                f"{self.name}: {data}: identical {self.same_data}",
                f"{etag}: equal {self.etag_matches}",
                f"{meta}: all there {self.same_metadata}",
            )
        )


def round_trip(
    conn: Any,
    container: str,
    name: str,
    data: bytes,
    *,
    metadata: Mapping[str, str] | None = None,
    content_type: str = "application/octet-stream",
) -> RoundTrip:
    """Upload ``data`` with ``metadata``, then download it and read its metadata back."""
    sent_meta = dict(metadata or {})
    etag = put_object(conn, container, name, data, content_type=content_type, metadata=sent_meta)
    received = conn.object_store.download_object(name, container=container)
    head = conn.object_store.get_object_metadata(name, container=container)
    return RoundTrip(name, data, bytes(received), etag, sent_meta, dict(head.metadata or {}))


# --------------------------------------------------------------------------- exercise 2


@dataclass(frozen=True)
class Found:
    """What the cloud holds under one workload's name."""

    volume: bool = False
    bootable: bool = False
    volume_status: str = ""
    container: bool = False
    server: bool = False
    server_status: str = ""


def classify(found: Found) -> str:
    """The kind of storage the learner chose, read from what exists.

    A volume means block and a container means object; a server with neither means ephemeral.
    Returns "several" when both a volume and a container exist, "missing" when nothing does.
    """
    if found.volume and found.container:
        return "several"
    if found.volume:
        return "block"
    if found.container:
        return "object"
    if found.server:
        return "ephemeral"
    return "missing"


def resource_name(tag: str, workload_id: str) -> str:
    return f"{tag}-{workload_id}"


def inventory(conn: Any, tag: str, workload_ids: Iterable[str]) -> dict[str, Found]:
    """For each workload, which volume, container and server carry its name in the project."""
    wanted = {resource_name(tag, w): w for w in workload_ids}
    volumes = {
        v.name: v for v in conn.block_storage.volumes(details=True) if v.name in wanted
    }
    containers = {c.name for c in conn.object_store.containers() if c.name in wanted}
    servers = {s.name: str(s.status) for s in conn.compute.servers() if s.name in wanted}
    result = {}
    for name, workload in wanted.items():
        volume = volumes.get(name)
        result[workload] = Found(
            volume=volume is not None,
            bootable=bool(volume is not None and volume.is_bootable),
            volume_status=str(volume.status) if volume is not None else "",
            container=name in containers,
            server=name in servers,
            server_status=servers.get(name, ""),
        )
    return result


def judge_workload(workload: Mapping[str, Any], found: Found) -> tuple[bool, str]:
    """Whether the learner's choice for ``workload`` is right, and a sentence about it."""
    chosen = classify(found)
    wid = workload["id"]
    if chosen == "missing":
        return False, f"{wid}: nothing carries its name yet."
    if chosen == "several":
        return False, f"{wid}: both a volume and a container carry its name; keep only one."
    if chosen != workload["kind"]:
        return False, f"{wid}: you chose {KIND_NAMES[chosen]}. {workload['hint']}"
    if workload["bootable"] and not found.bootable:
        if found.volume_status in ("creating", "downloading"):
            return False, f"{wid}: the volume is still {found.volume_status}; wait and check again."
        return False, (
            f"{wid}: a volume is right, but this one cannot boot a server. Create it from the "
            "image (`image_id=...`) so that Cinder marks it bootable."
        )
    if chosen == "ephemeral" and found.server_status == "ERROR":
        return False, (
            f"{wid}: the choice is right, but the server is in ERROR and has no disks. Read why "
            "with `errors.explain_server_fault(server)`, delete it and boot it again."
        )
    return True, f"{wid}: {KIND_NAMES[chosen]}, right."


def workloads_html(tag: str) -> str:
    """The five workloads, with the name each choice must carry."""
    rows = [
        (w["name"], resource_name(tag, w["id"]), w["description"]) for w in load("workloads")
    ]
    return table(("Workload", "Name your resource", "What it is"), rows)


def answers_html() -> str:
    """The expected kind for each workload, and why."""
    rows = [(w["name"], KIND_NAMES[w["kind"]], w["why"]) for w in load("workloads")]
    return table(("Workload", "Storage", "Why"), rows)
