"""Notebook 03: draw the control plane from the cloud's own answers, and follow one request.

The pure functions (``build_graph``, ``action_timeline``, ``longest_event``, ``parse_log_line``,
``trace_request``, ``host_id``) take plain lists and dicts so they are unit-tested without a
cloud; the thin ones (``live_services``, ``actions_of``, ``draw``, ``draw_timeline``) talk to the
cloud or to matplotlib.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import networkx as nx

from .data import load

CLIENT = "you (openstacksdk)"
QUEUE = "RabbitMQ (message queue)"
DATABASE = "MariaDB (SQL database)"

#: Edge kinds and how the picture draws them.
EDGE_STYLE: dict[str, dict[str, Any]] = {
    "rest": {"color": "#2c7fb8", "style": "solid", "label": "REST (HTTP)"},
    "rpc": {"color": "#d95f0e", "style": "dashed", "label": "RPC over the message queue"},
    "sql": {"color": "#636363", "style": "dotted", "label": "SQL"},
}
NODE_COLOR: dict[str, str] = {
    "client": "#ffffff",
    "api": "#a6cee3",
    "worker": "#fdbf6f",
    "agent": "#fb9a99",
    "queue": "#f16913",
    "database": "#bdbdbd",
}


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


# --------------------------------------------------------------------------- live lists


def live_services(admin: Any) -> dict[str, list[dict[str, str]]]:
    """What the cloud says is running: compute and volume services, network agents, catalog."""
    from .connect import services

    compute = [
        {
            "binary": str(s.binary),
            "host": str(s.host),
            "state": str(s.state),
            "status": str(s.status),
            "zone": str(s.availability_zone),
        }
        for s in admin.compute.services()
    ]
    volume = [
        {
            "binary": str(s.binary),
            "host": str(s.host),
            "state": str(s.state),
            "status": str(s.status),
            "zone": str(s.availability_zone),
        }
        for s in admin.block_storage.services()
    ]
    agents = [
        {
            "binary": str(a.binary),
            "host": str(a.host),
            "agent_type": str(a.agent_type),
            "alive": str(a.is_alive),
        }
        for a in admin.network.agents()
    ]
    return {"compute": compute, "volume": volume, "agents": agents, "catalog": services(admin)}


# --------------------------------------------------------------------------- the graph


def _model_for(service_type: str, model: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    return next((m for m in model if service_type in m["service_types"]), None)


def _project_of(binary: str) -> str:
    return binary.split("-", 1)[0]


def build_graph(
    compute: Iterable[dict[str, Any]] = (),
    volume: Iterable[dict[str, Any]] = (),
    agents: Iterable[dict[str, Any]] = (),
    catalog: Iterable[dict[str, Any]] = (),
    model: Sequence[dict[str, Any]] | None = None,
) -> nx.DiGraph:
    """The control plane as a graph: one node per API (from the catalog), per running service
    (``binary@host``), per agent, plus the message queue and the database.

    Edges carry ``kind`` = rest, rpc or sql. Which project uses the queue and the database comes
    from ``data/architecture.yaml`` (``model``). Catalog entries that share an endpoint (cinder's
    ``block-storage`` and ``volumev3``) become one API node.
    """
    model = list(model if model is not None else load("architecture"))
    g = nx.DiGraph()
    g.add_node(CLIENT, kind="client", project="")
    apis: dict[str, str] = {}  # project id -> API node
    seen_endpoints: set[str] = set()
    for entry in catalog:
        info = _model_for(str(entry["type"]), model)
        if info is None:
            continue
        parts = urlsplit(str(entry.get("endpoint", "")))
        where = parts.netloc
        if info["id"] in apis or where in seen_endpoints:
            continue
        seen_endpoints.add(where)
        node = f"{info['api']}\n{where}" if where else info["api"]
        apis[info["id"]] = node
        g.add_node(node, kind="api", project=info["id"])
        g.add_edge(CLIENT, node, kind="rest")

    by_id = {m["id"]: m for m in model}
    uses_queue = any(by_id[p]["message_queue"] for p in apis)
    uses_db = any(by_id[p]["database"] for p in apis)
    if uses_queue:
        g.add_node(QUEUE, kind="queue", project="")
    if uses_db:
        g.add_node(DATABASE, kind="database", project="")
    for project, node in apis.items():
        if project != "keystone" and "keystone" in apis:
            g.add_edge(node, apis["keystone"], kind="rest")  # token validation
        if by_id[project]["message_queue"]:
            g.add_edge(node, QUEUE, kind="rpc")
        if by_id[project]["database"]:
            g.add_edge(node, DATABASE, kind="sql")

    for row in [*compute, *volume]:
        binary, host = str(row["binary"]), str(row["host"])
        node = f"{binary}\n@{host}"
        project = _project_of(binary)
        g.add_node(node, kind="worker", project=project, state=str(row.get("state", "")))
        if QUEUE in g:
            g.add_edge(node, QUEUE, kind="rpc")
        if binary == "nova-compute":
            # nova-compute has no database access; it calls other APIs over REST
            for other in ("neutron", "glance", "cinder", "placement"):
                if other in apis:
                    g.add_edge(node, apis[other], kind="rest")
        elif binary == "nova-scheduler":
            if "placement" in apis:
                g.add_edge(node, apis["placement"], kind="rest")
            if DATABASE in g:
                g.add_edge(node, DATABASE, kind="sql")
        elif DATABASE in g:
            g.add_edge(node, DATABASE, kind="sql")

    for row in agents:
        node = f"{row.get('agent_type') or row['binary']}\n@{row['host']}"
        g.add_node(node, kind="agent", project="neutron", state=str(row.get("alive", "")))
        if QUEUE in g:
            g.add_edge(node, QUEUE, kind="rpc")
    return g


def _layout(g: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """Rows: client on top, APIs, queue and database in the middle, workers and agents below."""
    rows = {
        "client": 3.0,
        "api": 2.0,
        "queue": 1.0,
        "database": 1.0,
        "worker": 0.0,
        "agent": 0.0,
    }
    groups: dict[float, list[str]] = {}
    for node, attrs in g.nodes(data=True):
        groups.setdefault(rows.get(attrs.get("kind", "worker"), 0.0), []).append(node)
    pos: dict[str, tuple[float, float]] = {}
    for y, nodes in groups.items():
        nodes.sort(key=lambda n: (g.nodes[n].get("project", ""), n))
        if y == 1.0:  # the queue left of the database, spread wide
            nodes.sort(key=lambda n: g.nodes[n]["kind"] != "queue")
        width = max(len(nodes) - 1, 1)
        for i, node in enumerate(nodes):
            x = 0.5 if len(nodes) == 1 else i / width
            pos[node] = (0.3 + 0.4 * x if y == 1.0 else x, y)
    return pos


def draw(g: nx.DiGraph, ax: Any = None, title: str = "The lab's control plane") -> Any:
    """Draw ``g`` (from :func:`build_graph`); returns the matplotlib figure."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    if ax is None:
        fig, ax = plt.subplots(figsize=(15, 7.5))
    else:
        fig = ax.figure
    pos = _layout(g)
    for kind, style in EDGE_STYLE.items():
        edges = [(u, v) for u, v, k in g.edges(data="kind") if k == kind]
        for same_row in (False, True):  # edges inside one row (token checks) are drawn curved
            chosen = [(u, v) for u, v in edges if (pos[u][1] == pos[v][1]) == same_row]
            nx.draw_networkx_edges(
                g,
                pos,
                edgelist=chosen,
                ax=ax,
                edge_color=style["color"],
                style=style["style"],
                alpha=0.6,
                arrows=True,
                arrowsize=10,
                node_size=3000,
                connectionstyle="arc3,rad=0.25" if same_row else "arc3",
            )
    colors = [NODE_COLOR.get(g.nodes[n].get("kind", "worker"), "#ffffff") for n in g.nodes]
    nx.draw_networkx_nodes(
        g, pos, ax=ax, node_color=colors, node_size=3000, edgecolors="#333333", node_shape="s"
    )
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=7)
    handles = [
        Line2D([0], [0], color=s["color"], linestyle=s["style"], label=s["label"])
        for s in EDGE_STYLE.values()
    ]
    ax.legend(handles=handles, loc="upper left", fontsize=8)
    ax.set_title(title)
    ax.set_axis_off()
    ax.margins(x=0.06, y=0.12)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- one request


def request_id(response: Any) -> str:
    """The request id the API returned (``x-openstack-request-id``, else ``x-compute-request-id``)."""
    headers = {k.lower(): v for k, v in dict(_get(response, "headers", {}) or {}).items()}
    return str(headers.get("x-openstack-request-id") or headers.get("x-compute-request-id") or "")


def host_id(project_id: str, host: str) -> str:
    """The ``hostId`` non-admins see: nova hashes the host name with the project id (sha224)."""
    if not host:
        return ""
    return hashlib.sha224((project_id + host).encode("utf-8")).hexdigest()


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    text = str(value).replace("Z", "").split("+")[0]
    return datetime.fromisoformat(text)


def actions_of(conn: Any, server: Any) -> list[dict[str, Any]]:
    """Every instance action of ``server`` with its events, as plain dicts (oldest first)."""
    found = []
    for action in conn.compute.server_actions(server):
        detail = conn.compute.get_server_action(action.request_id, server)
        events = [
            {
                "event": _get(e, "event"),
                "start_time": _get(e, "start_time"),
                "finish_time": _get(e, "finish_time"),
                "result": _get(e, "result"),
                "host": _get(e, "host"),
                "host_id": _get(e, "host_id"),
            }
            for e in (_get(detail, "events") or [])
        ]
        found.append(
            {
                "action": _get(detail, "action"),
                "request_id": _get(detail, "request_id"),
                "start_time": _get(detail, "start_time"),
                "events": events,
            }
        )
    return sorted(found, key=lambda a: str(a["start_time"]))


def action_timeline(actions: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per action event: ``label``, ``start``, ``finish``, ``seconds``, ``result``.

    Each action also gets a row for the wait between the moment the API accepted it and the
    first event (for a boot: scheduling by the conductor and scheduler, then the RPC cast).
    Rows are sorted by start time; an event still running has no ``finish``.
    """
    rows: list[dict[str, Any]] = []
    for action in actions:
        accepted = _time(action.get("start_time"))
        events = sorted(action.get("events") or [], key=lambda e: str(e.get("start_time")))
        if accepted and events:
            first = _time(events[0].get("start_time"))
            if first and first >= accepted:
                rows.append(
                    {
                        "label": f"{action['action']}: accepted by the API → first event",
                        "event": "",
                        "start": accepted,
                        "finish": first,
                        "seconds": (first - accepted).total_seconds(),
                        "result": "",
                    }
                )
        for event in events:
            start, finish = _time(event.get("start_time")), _time(event.get("finish_time"))
            rows.append(
                {
                    "label": f"{action['action']}: {event['event']}",
                    "event": str(event["event"]),
                    "start": start,
                    "finish": finish,
                    "seconds": (finish - start).total_seconds() if start and finish else None,
                    "result": str(event.get("result") or "running"),
                    "host": event.get("host") or "",
                }
            )
    return sorted(rows, key=lambda r: (r["start"] or datetime.max, r["event"] != ""))


def longest_event(actions: Iterable[dict[str, Any]]) -> tuple[set[str], float]:
    """The name(s) of the finished event(s) that took longest, and how many seconds.

    Nova stores whole seconds, so several events can tie: all of them count as the answer.
    """
    rows = [r for r in action_timeline(actions) if r["event"] and r["seconds"] is not None]
    if not rows:
        return set(), 0.0
    top = max(r["seconds"] for r in rows)
    return {r["event"] for r in rows if r["seconds"] == top}, top


def draw_timeline(rows: Sequence[dict[str, Any]], ax: Any = None, title: str = "") -> Any:
    """A Gantt-style chart of :func:`action_timeline` or :func:`trace_request` rows."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(11, 0.6 * max(len(rows), 2) + 1.2))
    else:
        fig = ax.figure
    if not rows:
        ax.text(0.5, 0.5, "nothing to show", ha="center", va="center")
        ax.set_axis_off()
        return fig
    zero = min(r["start"] for r in rows if r["start"])
    for i, row in enumerate(rows):
        start = (row["start"] - zero).total_seconds()
        length = row["seconds"] if row["seconds"] is not None else 0.0
        color = "#bdbdbd" if not row.get("event") else "#2c7fb8"
        ax.barh(i, max(length, 0.05), left=start, color=color, edgecolor="#333333")
        ax.text(start + max(length, 0.05) + 0.05, i, f"{length:.2f} s", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), [r["label"] for r in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"seconds after {zero:%H:%M:%S}")
    ax.set_title(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the lab's logs

_LOG_LINE = re.compile(
    r"^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+) \d+ (?P<level>[A-Z]+) (?P<logger>\S+) "
    r"\[(?P<context>[^\]]*)\] (?P<message>.*)$"
)


#: What a log line means, for the lines a boot leaves (pattern -> plain words).
MEANINGS: tuple[tuple[str, str], ...] = (
    (
        r'"POST /v2\.1/servers"',
        "nova-api accepted the boot request (202) and cast it to the conductor",
    ),
    (r"GET /allocation_candidates", "scheduler asks placement which hosts have room"),
    (r'"PUT /allocations/', "scheduler claims the flavor's resources on the chosen host"),
    (r'"GET /allocations/', "reads the server's resource claim"),
    (r"GET /resource_providers/", "compute host refreshes its own inventory and usage"),
    (r"neutronclient", "nova calls neutron (its old neutron client warns on use)"),
    (r"Claim successful", "compute host got the build over RPC and checked the claim"),
    (r"to spawn the instance", "virt driver created the guest"),
    (r"to build instance", "compute host finished the build"),
)


def meaning(message: str) -> str:
    """Plain words for a log message of a boot ('' when the line is not a known one)."""
    return next((text for pattern, text in MEANINGS if re.search(pattern, message)), "")


def lab_log_dir() -> Path | None:
    """The course lab's log directory ($LABSETUP_HOME/log), or None when this is another cloud."""
    home = Path(os.environ.get("LABSETUP_HOME") or Path.home() / ".local/share/openstack-lab")
    path = home / "log"
    return path if path.is_dir() else None


def parse_log_line(line: str) -> dict[str, Any] | None:
    """Split one oslo.log line into time, level, logger, context and message (None if not one)."""
    match = _LOG_LINE.match(line.rstrip("\n"))
    if not match:
        return None
    found = match.groupdict()
    found["time"] = datetime.strptime(found["time"], "%Y-%m-%d %H:%M:%S.%f")
    return found


def trace_request(
    request: str, logs: dict[str, Iterable[str]], *, max_message: int = 110
) -> list[dict[str, Any]]:
    """Log lines (by service) that carry ``request`` in their context, sorted by time.

    ``logs`` maps a service name (``nova-api``) to its lines. Placement and the other APIs log the
    caller's request id as the *global* request id, so the scheduler's calls show up there too.
    """
    hits: list[dict[str, Any]] = []
    for service, lines in logs.items():
        for line in lines:
            if request not in line:
                continue
            parsed = parse_log_line(line)
            if parsed is None or request not in parsed["context"]:
                continue
            message = re.sub(r"\s+", " ", parsed["message"])
            if len(message) > max_message:
                message = message[: max_message - 1] + "…"
            hit = {
                "time": parsed["time"],
                "service": service,
                "meaning": meaning(parsed["message"]),
                "message": message,
            }
            took = re.search(r" time: (\d+\.\d+)", parsed["message"])  # API request logs
            if took:
                hit["began"] = parsed["time"] - timedelta(seconds=float(took.group(1)))
            hits.append(hit)
    return sorted(hits, key=lambda h: h["time"])


def read_lab_logs(services: Sequence[str], log_dir: Path | None = None) -> dict[str, list[str]]:
    """The lines of ``<service>*.log`` in the lab's log directory (empty without a lab)."""
    log_dir = log_dir or lab_log_dir()
    logs: dict[str, list[str]] = {}
    if log_dir is None:
        return logs
    for service in services:
        for path in sorted(log_dir.glob(f"{service}*.log")):
            name = path.stem
            logs[name] = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return logs


def spans(hits: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per service, the first and last log line of the request: rows for :func:`draw_timeline`."""
    first: dict[str, dict[str, Any]] = {}
    for hit in hits:
        row = first.setdefault(
            hit["service"],
            {"label": hit["service"], "event": hit["service"], "start": hit["time"]},
        )
        row["start"] = min(row["start"], hit.get("began", hit["time"]))
        row["finish"] = hit["time"]
    rows = list(first.values())
    for row in rows:
        row["seconds"] = (row["finish"] - row["start"]).total_seconds()
    return sorted(rows, key=lambda r: r["start"])
