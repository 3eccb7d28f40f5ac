"""The learner's side of a classroom: progress records, and emptying one student's project.

In a live workshop every student has a project of their own and a clouds.yaml written by
``labsetup classroom create``.  That clouds.yaml marks the cloud with
``osworkshop: {classroom: true, student: <name>}``; when an exercise check passes on such a
cloud, the result is also written as a small object into the student's own Swift container
``osworkshop-progress`` (one object per exercise).  ``labsetup classroom progress`` reads those
objects back: the instructor sees what each student's *cloud* holds, not what they claim.

``wipe_project`` deletes everything a project owns, using the same deletion order and code as
``osworkshop.cleanup``; ``inventory`` counts what a project still owns, kind by kind.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from openstack import exceptions as sdk_exc

from .resources import _SKIP, KINDS, _Cleaner

PROGRESS_CONTAINER = "osworkshop-progress"

#: Kinds a student's own login can find in its project (users and projects are the admin's).
PROJECT_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k not in ("flavors", "users", "projects"))


def classroom_marker(conn: Any) -> dict[str, Any] | None:
    """The ``osworkshop`` block of the cloud's clouds.yaml entry when it is a classroom cloud."""
    config = getattr(getattr(conn, "config", None), "config", None)
    if not isinstance(config, dict):
        return None
    marker = config.get("osworkshop")
    if isinstance(marker, dict) and marker.get("classroom"):
        return marker
    return None


def record_progress(conn: Any, exercise_id: str, passed: bool, message: str) -> bool:
    """Store one check's result in the student's ``osworkshop-progress`` container.

    Only on a classroom cloud, and never fatal: a learner's check must not fail because
    Swift is busy.  Returns True when a record was written.
    """
    if classroom_marker(conn) is None:
        return False
    record = {"exercise": exercise_id, "passed": passed, "message": message,
              "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    try:
        store = conn.object_store
        store.create_container(name=PROGRESS_CONTAINER)
        store.upload_object(container=PROGRESS_CONTAINER, name=exercise_id,
                            data=json.dumps(record).encode())
    except (sdk_exc.SDKException, *_SKIP):
        return False
    return True


def read_progress(conn: Any) -> dict[str, dict[str, Any]]:
    """The progress records in the connection's project: exercise id -> record."""
    store = conn.object_store
    try:
        names = [o.name for o in store.objects(PROGRESS_CONTAINER)]
    except sdk_exc.NotFoundException:
        return {}
    records: dict[str, dict[str, Any]] = {}
    for name in names:
        try:
            data = store.download_object(name, container=PROGRESS_CONTAINER)
            records[name] = json.loads(data)
        except (sdk_exc.NotFoundException, ValueError):
            continue
    return records


def progress_rows(
    progress: dict[str, dict[str, dict[str, Any]]], exercises: Sequence[str] = ()
) -> tuple[list[str], list[list[str]]]:
    """A table (headers, rows): per student and notebook, checks passed of those known."""
    known = set(exercises) | {ex for records in progress.values() for ex in records}
    notebooks = sorted({ex.split(".", 1)[0] for ex in known})
    rows = []
    for student, records in sorted(progress.items()):
        passed = {ex for ex, rec in records.items() if rec.get("passed")}
        cells = []
        for nb in notebooks:
            in_nb = [ex for ex in known if ex.split(".", 1)[0] == nb]
            done = sum(1 for ex in in_nb if ex in passed)
            cells.append(f"{done}/{len(in_nb)}" if done else "·")
        rows.append([student, *cells, f"{len(passed)}/{len(known)}"])
    return ["student", *notebooks, "total"], rows


class ProgressTable:
    """Progress shown as an HTML table in JupyterLab and as text in a terminal."""

    def __init__(self, headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        self.headers, self.rows = list(headers), [list(r) for r in rows]

    def __str__(self) -> str:
        table = [self.headers, *self.rows]
        widths = [max(len(str(r[i])) for r in table) for i in range(len(self.headers))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in table]
        return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
            for row in self.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class _ProjectWiper(_Cleaner):
    """A cleaner whose mark is "owned by the connection's project": everything it can see."""

    def __init__(self, conn: Any, wait: bool = True, timeout: int = 120) -> None:
        super().__init__(conn, tag="\0no-tag\0", wait=wait, timeout=timeout)
        self.project_id = conn.current_project_id

    def owned(self, item: Any) -> bool:
        for field in ("project_id", "tenant_id", "owner_id", "owner"):
            value = item.get(field) if isinstance(item, dict) else getattr(item, field, None)
            if value:
                return bool(value == self.project_id)
        return False

    def marked(self, items: Iterable[Any]) -> list[Any]:
        return [item for item in items if self.owned(item)]

    def everyone(self) -> dict[str, bool]:
        return {}

    def find_floating_ips(self) -> list[Any]:
        return self.marked(self.conn.network.ips())

    def find_volume_snapshots(self) -> list[Any]:
        return list(self.conn.block_storage.snapshots(details=True))

    def find_volumes(self) -> list[Any]:
        return list(self.conn.block_storage.volumes(details=True))

    def find_keypairs(self) -> list[Any]:
        return list(self.conn.compute.keypairs())  # a user's own key pairs

    def find_security_groups(self) -> list[Any]:
        # Neutron keeps (and re-creates) a project's "default" group; only an admin removes it.
        return [g for g in self.marked(self.conn.network.security_groups())
                if g.name != "default"]

    def find_containers(self) -> list[Any]:
        return list(self.conn.object_store.containers())

    def find_flavors(self) -> list[Any]:
        return []

    def find_users(self) -> list[Any]:
        return []

    def find_projects(self) -> list[Any]:
        return []


def wipe_project(
    conn: Any, *, keep_containers: Sequence[str] = (), timeout: int = 120
) -> dict[str, int]:
    """Delete everything the connection's project owns, except the containers named in
    ``keep_containers`` (for example the progress records when a student starts afresh).

    Returns the counts deleted, by kind.  Raises RuntimeError naming what could not be deleted.
    """
    wiper = _ProjectWiper(conn, wait=True, timeout=timeout)
    counts: dict[str, int] = {}
    for kind in PROJECT_KINDS:
        items = wiper.find(kind)
        if kind == "containers":
            items = [c for c in items if c.name not in keep_containers]
        if not items:
            continue
        getattr(wiper, f"delete_{kind}")(items)
        counts[kind] = len(items)
    return counts


def inventory(conn: Any, kinds: Sequence[str] = PROJECT_KINDS) -> dict[str, list[str]]:
    """What the connection's project still owns, by kind (only kinds with something)."""
    wiper = _ProjectWiper(conn, wait=False, timeout=0)
    found: dict[str, list[str]] = {}
    for kind in kinds:
        items = wiper.find(kind)
        if items:
            found[kind] = sorted(str(getattr(i, "name", None) or getattr(i, "id", i))
                                 for i in items)
    return found
