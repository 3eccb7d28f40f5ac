"""Notebooks 09 and 10: vSphere operations features → OpenStack today, and two small calculators.

* :func:`feature_explorer` — pick a vSphere feature (vMotion, Storage vMotion, maintenance
  mode, HA, FT, DRS, Storage DRS, Proactive HA) and see what OpenStack offers today, what it
  can and cannot do, and the Watcher strategies or Masakari methods that go with it
  (``data/operations.yaml``).
* :func:`tools_explorer` — Watcher's strategies or Masakari's recovery methods as a table.
* :func:`move_chooser` — which move a situation needs (live or cold migration, resize,
  volume migration, evacuation) and the SDK call for it.
* :func:`downtime_explorer` — how long an application is down after a host failure with a
  manual evacuation, with Masakari, or as cattle behind a load balancer, from your own
  assumptions.

The logic lives in pure functions (``*_html``, :func:`choose_move`, :func:`downtime_minutes`)
that the unit tests drive by setting widget values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ipywidgets as w

from .data import load
from .widgets import ALL, Explorer, _e, _wire, table

KINDS = ("feature", "watcher", "masakari")

#: Watcher strategies and Masakari methods that belong with a vSphere feature.
RELATED: dict[str, tuple[str, ...]] = {
    "maintenance-mode": ("watcher-host-maintenance",),
    "drs": (
        "watcher-workload-balance",
        "watcher-vm-workload-consolidation",
        "watcher-node-resource-consolidation",
    ),
    "sdrs": ("watcher-storage-capacity-balance",),
    "storage-vmotion": ("watcher-zone-migration",),
    "vsphere-ha": (
        "masakari-auto",
        "masakari-reserved-host",
        "masakari-auto-priority",
        "masakari-rh-priority",
    ),
    "proactive-ha": ("watcher-host-maintenance",),
}


class HTML(str):
    """A string that notebooks display as HTML."""

    def _repr_html_(self) -> str:
        return str(self)


def operations(kind: str = ALL, notebook: str = ALL, query: str = "") -> list[dict[str, Any]]:
    """Records of data/operations.yaml of one ``kind`` and ``notebook`` containing ``query``."""
    needle = query.strip().lower()
    return [
        r
        for r in load("operations")
        if (kind == ALL or r["kind"] == kind)
        and (notebook == ALL or r["notebook"] == notebook)
        and (not needle or needle in " ".join(str(v) for v in r.values()).lower())
    ]


def operation(op_id: str) -> dict[str, Any]:
    """One record by id."""
    for record in load("operations"):
        if record["id"] == op_id:
            return record
    known = ", ".join(r["id"] for r in load("operations"))
    raise KeyError(f"No operations record {op_id!r}; known: {known}")


def feature_html(feature_id: str) -> str:
    """A card for one vSphere feature: both sides, can, cannot, related tools and the source."""
    try:
        r = operation(feature_id)
    except KeyError:
        return f"<p>No feature called {_e(feature_id)}.</p>"
    rows = [
        ("In vSphere", r["vsphere_does"]),
        ("OpenStack today", r["openstack"]),
        ("Service", r["service"]),
        ("How it ships", r["status"]),
        ("It can", r["can"]),
        ("It cannot", r["cannot"]),
    ]
    card = f"<h4>{_e(r['name'])}</h4>" + table(("", ""), rows)
    related = [operation(i) for i in RELATED.get(feature_id, ())]
    if related:
        card += "<p><b>Tools that go with it</b></p>" + tools_html(related)
    return card + f"<p><small>Source: {_e(r['source'])}</small></p>"


def feature_explorer(notebook: str = ALL, feature: str | None = None) -> Explorer:
    """Pick a vSphere feature; see what OpenStack offers for it today."""
    options = [(f"{r['name']} → {r['service']}", r["id"]) for r in operations("feature", notebook)]
    if not options:
        options = [(f"{r['name']} → {r['service']}", r["id"]) for r in operations("feature")]
    ids = [value for _, value in options]
    controls: dict[str, w.Widget] = {
        "feature": w.Dropdown(
            options=options,
            value=feature if feature in ids else ids[0],
            description="vSphere",
        )
    }
    return _wire(controls, lambda: feature_html(controls["feature"].value))


def features_table(notebook: str = ALL) -> HTML:
    """Every vSphere feature in one table: vSphere, OpenStack today, how it ships."""
    rows = [(r["name"], r["openstack"], r["status"]) for r in operations("feature", notebook)]
    return HTML(table(("vSphere feature", "OpenStack today", "How it ships"), rows))


def tools_html(records: list[dict[str, Any]]) -> str:
    """A table of Watcher strategies or Masakari methods."""
    if not records:
        return "<p>Nothing matches. Clear the search box.</p>"
    rows = [
        (r["name"], r["vsphere_does"], r["openstack"], r["status"], r["can"], r["cannot"])
        for r in records
    ]
    return table(("Name", "Closest vSphere idea", "What it does", "Status", "Can", "Cannot"), rows)


def tools_explorer(kind: str = "watcher") -> Explorer:
    """Watcher strategies or Masakari recovery methods, with a search box."""
    controls: dict[str, w.Widget] = {
        "kind": w.Dropdown(
            options=[("Watcher strategies", "watcher"), ("Masakari recovery methods", "masakari")],
            value=kind,
            description="Show",
        ),
        "search": w.Text(value="", description="Search", placeholder="e.g. DRS"),
    }
    return _wire(
        controls,
        lambda: tools_html(operations(controls["kind"].value, query=controls["search"].value)),
    )


# --------------------------------------------------------------------------- which move?


@dataclass(frozen=True)
class MoveChoice:
    """The operation a situation needs, who may start it, and how."""

    operation: str
    who: str
    call: str
    why: str


def choose_move(
    *, host_dead: bool = False, keep_running: bool = True, new_flavor: bool = False,
    only_volume: bool = False,
) -> MoveChoice:
    """Pick the move for a situation (pure). A dead host wins, then a volume, then a resize."""
    if host_dead:
        return MoveChoice(
            "Evacuate (notebook 10)",
            "admin (in the course lab also the project manager, without a host)",
            "conn.compute.evacuate_server(server); then start_server(server)",
            "Its host is gone, so nothing can be copied from it: Nova rebuilds the server on "
            "another host from its image or boot volume, once the dead host is down (an admin "
            "forces it down, or Nova times it out). It arrives SHUTOFF (2.95).",
        )
    if only_volume:
        return MoveChoice(
            "Volume migration or retype (Cinder)",
            "admin (a retype: the volume's owner)",
            "admin.block_storage.migrate_volume(volume, host='...')  # or retype_volume(volume, "
            "new_type, migration_policy='on-demand')",
            "The server stays where it is; Cinder copies the volume to another back end, as "
            "Storage vMotion does for a datastore.",
        )
    if new_flavor:
        return MoveChoice(
            "Resize",
            "the server's owner (member)",
            "conn.compute.resize_server(server, flavor); then confirm_server_resize(server)",
            "A new flavor is a cold migration with another size: the server restarts, often "
            "on another host, and waits in VERIFY_RESIZE for your confirmation.",
        )
    if keep_running:
        return MoveChoice(
            "Live migration",
            "a project manager without a host (nova 32+); admin to name one",
            "conn.compute.live_migrate_server(server, host=None, block_migration='auto')",
            "Memory is copied while the server runs, then it switches hosts: the vMotion of "
            "OpenStack.",
        )
    return MoveChoice(
        "Cold migration",
        "a project manager without a host (nova 32+); admin to name one",
        "conn.compute.migrate_server(server); then confirm_server_resize(server)",
        "The server is shut off, moved and started again; it waits in VERIFY_RESIZE until "
        "you confirm.",
    )


def move_html(choice: MoveChoice) -> str:
    rows = [("Who may", choice.who), ("SDK call", choice.call), ("Why", choice.why)]
    return f"<h4>{_e(choice.operation)}</h4>" + table(("", ""), rows)


def move_chooser() -> Explorer:
    """Tick what is true of the server; see which move it needs and the call for it."""
    controls: dict[str, w.Widget] = {
        "host_dead": w.Checkbox(value=False, description="Its host is dead"),
        "keep_running": w.Checkbox(value=True, description="It must keep running"),
        "new_flavor": w.Checkbox(value=False, description="It needs another flavor"),
        "only_volume": w.Checkbox(value=False, description="Only a volume must move"),
    }
    return _wire(
        controls,
        lambda: move_html(choose_move(**{k: c.value for k, c in controls.items()})),
    )


# --------------------------------------------------------------------------- downtime


APPROACHES = ("manual evacuation", "Masakari", "cattle behind a load balancer")


def downtime_minutes(
    approach: str,
    *,
    servers: int,
    notice_min: float,
    per_server_min: float,
    detect_min: float,
    check_s: float,
    replicas: int,
) -> float:
    """Minutes until the application answers again after its host died (pure).

    manual evacuation: someone notices, then evacuates and starts the servers one by one
    (the last one waits for all before it). Masakari: the monitor detects the failure and
    evacuates (assumed side by side, so one server's time). Cattle: with two or more replicas
    the load balancer stops sending to the dead one after its health check; with one replica
    the application is a pet and waits for a manual evacuation.
    """
    if servers < 1 or replicas < 1:
        raise ValueError("servers and replicas are 1 or more")
    if min(notice_min, per_server_min, detect_min, check_s) < 0:
        raise ValueError("times cannot be negative")
    if approach == "manual evacuation":
        return notice_min + servers * per_server_min
    if approach == "Masakari":
        return detect_min + per_server_min
    if approach == "cattle behind a load balancer":
        if replicas >= 2:
            return check_s / 60
        return notice_min + servers * per_server_min
    raise ValueError(f"approach is one of {APPROACHES}, not {approach!r}")


def downtime_html(servers: int, notice_min: float, per_server_min: float, detect_min: float,
                  check_s: float, replicas: int) -> str:
    who = {
        "manual evacuation": "an administrator, paged",
        "Masakari": "Masakari's monitors and engine",
        "cattle behind a load balancer": "the load balancer, then your reconcile loop",
    }
    rows = []
    for approach in APPROACHES:
        minutes = downtime_minutes(
            approach, servers=servers, notice_min=notice_min, per_server_min=per_server_min,
            detect_min=detect_min, check_s=check_s, replicas=replicas,
        )
        rows.append((approach, f"{minutes:.1f} min", who[approach]))
    note = (
        "With one replica the application is a pet: nothing but an evacuation brings it back."
        if replicas < 2
        else f"{replicas} replicas: the survivors carry the load while new ones boot."
    )
    return (
        f"<p>A host with {servers} servers dies. Your assumptions give the worst case for one "
        f"application on it. {_e(note)}</p>"
        + table(("Approach", "Application down for", "Who acts"), rows)
        + "<p><small>These are your assumptions, not measurements: change them.</small></p>"
    )


def downtime_explorer() -> Explorer:
    """Sliders for the assumptions; shows how long an application is down per approach."""
    controls: dict[str, w.Widget] = {
        "servers": w.IntSlider(10, 1, 60, description="Servers on host"),
        "notice_min": w.FloatSlider(15, min=0, max=120, step=1, description="Notice (min)"),
        "per_server_min": w.FloatSlider(3, min=0, max=20, step=0.5, description="Per server"),
        "detect_min": w.FloatSlider(2, min=0, max=10, step=0.5, description="Detect (min)"),
        "check_s": w.FloatSlider(10, min=1, max=120, step=1, description="LB check (s)"),
        "replicas": w.IntSlider(3, 1, 10, description="Replicas"),
    }
    return _wire(controls, lambda: downtime_html(**{k: c.value for k, c in controls.items()}))
