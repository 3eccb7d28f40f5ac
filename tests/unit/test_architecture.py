"""osworkshop.architecture: the control-plane graph, timelines and log tracing, without a cloud."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

from osworkshop import architecture as arch
from osworkshop.data import load, validate

CATALOG = [
    {"type": "block-storage", "name": "cinder", "endpoint": "http://127.0.0.1:8776/v3/p"},
    {"type": "volumev3", "name": "cinderv3", "endpoint": "http://127.0.0.1:8776/v3/p"},
    {"type": "compute", "name": "nova", "endpoint": "http://127.0.0.1:8774/v2.1"},
    {"type": "identity", "name": "keystone", "endpoint": "http://127.0.0.1:5000/v3/"},
    {"type": "placement", "name": "placement", "endpoint": "http://127.0.0.1:8778"},
    {"type": "network", "name": "neutron", "endpoint": "http://127.0.0.1:9696"},
    {"type": "object-store", "name": "swift", "endpoint": "http://127.0.0.1:8080/v1/AUTH_p"},
    {"type": "something-else", "name": "x", "endpoint": "http://127.0.0.1:1"},
]
COMPUTE = [
    {"binary": "nova-scheduler", "host": "ctl", "state": "up"},
    {"binary": "nova-conductor", "host": "ctl", "state": "up"},
    {"binary": "nova-compute", "host": "cmp1", "state": "up"},
    {"binary": "nova-compute", "host": "cmp2", "state": "down"},
]
VOLUME = [{"binary": "cinder-volume", "host": "st@lab", "state": "up"}]


def kinds(g, node):  # edge kinds leaving a node
    return {(v, k) for _, v, k in g.out_edges(node, data="kind")}


def test_data_files_validate() -> None:
    assert validate("then_and_now", load("architecture_then_now")) == []
    for record in load("architecture"):
        assert record["source"].strip() and record["service_types"]
        assert isinstance(record["database"], bool) and isinstance(record["message_queue"], bool)


def test_graph_from_service_lists() -> None:
    g = arch.build_graph(COMPUTE, VOLUME, [], CATALOG)
    apis = [n for n, k in g.nodes(data="kind") if k == "api"]
    assert len(apis) == 6  # cinder once, unknown type dropped
    nova_api = next(n for n in apis if n.startswith("nova-api"))
    keystone = next(n for n in apis if n.startswith("keystone"))
    assert (arch.QUEUE, "rpc") in kinds(g, nova_api)
    assert (arch.DATABASE, "sql") in kinds(g, nova_api)
    assert (keystone, "rest") in kinds(g, nova_api)
    compute = "nova-compute\n@cmp1"
    assert (arch.QUEUE, "rpc") in kinds(g, compute)
    assert not any(k == "sql" for _, k in kinds(g, compute))  # only through the conductor
    assert g.nodes["nova-compute\n@cmp2"]["state"] == "down"
    swift = next(n for n in apis if n.startswith("swift"))
    assert kinds(g, swift) == {(keystone, "rest")}
    placement = next(n for n in apis if n.startswith("placement"))
    assert (placement, "rest") in kinds(g, "nova-scheduler\n@ctl")


def test_agents_join_the_queue_and_empty_lists_give_a_small_graph() -> None:
    agents = [{"binary": "ovn-controller", "host": "cmp1", "agent_type": "OVN Controller agent"}]
    g = arch.build_graph([], [], agents, CATALOG)
    assert (arch.QUEUE, "rpc") in kinds(g, "OVN Controller agent\n@cmp1")
    assert list(arch.build_graph().nodes) == [arch.CLIENT]


def test_draw_returns_a_figure() -> None:
    fig = arch.draw(arch.build_graph(COMPUTE, VOLUME, [], CATALOG))
    assert fig.axes and fig.axes[0].get_title() == "The lab's control plane"


def test_request_id_and_host_id() -> None:
    resp = SimpleNamespace(headers={"X-OpenStack-Request-ID": "req-1"})
    assert arch.request_id(resp) == "req-1"
    assert arch.request_id(SimpleNamespace(headers={})) == ""
    # the value nova showed the lab's demo project for lab-compute-2
    assert (
        arch.host_id("d7216ab5d6554f8e9bc8be4b7a9b0953", "lab-compute-2")
        == "a67ecfd2a288ce81c392718217264447b10f904fb21a359a51e3b5ce"
    )
    assert arch.host_id("p", "") == ""


ACTIONS = [
    {
        "action": "create",
        "start_time": "2026-11-23T10:55:08.000000",
        "events": [
            {
                "event": "compute__do_build_and_run_instance",
                "start_time": "2026-11-23T10:55:10.000000",
                "finish_time": "2026-11-23T10:55:17.000000",
                "result": "Success",
            }
        ],
    },
    {
        "action": "stop",
        "start_time": "2026-11-23T10:56:00",
        "events": [
            {
                "event": "compute_stop_instance",
                "start_time": "2026-11-23T10:56:00",
                "finish_time": "2026-11-23T10:56:07",
                "result": "Success",
            },
            {
                "event": "compute_still_running",
                "start_time": "2026-11-23T10:56:01",
                "finish_time": None,
                "result": None,
            },
        ],
    },
]


def test_timeline_and_longest_event() -> None:
    rows = arch.action_timeline(ACTIONS)
    assert rows[0]["label"].startswith("create: accepted by the API")
    assert rows[0]["seconds"] == 2.0
    assert rows[1]["seconds"] == 7.0 and rows[1]["result"] == "Success"
    assert rows[-1]["seconds"] is None and rows[-1]["result"] == "running"
    names, seconds = arch.longest_event(ACTIONS)
    assert names == {"compute__do_build_and_run_instance", "compute_stop_instance"}  # a tie
    assert seconds == 7.0
    assert arch.longest_event([]) == (set(), 0.0)
    fig = arch.draw_timeline(rows)
    assert len(fig.axes[0].patches) == len(rows)


LOG = [
    (
        "2026-11-23 10:56:11.382 10990 INFO nova.api.openstack.requestlog [None req-b4 u p - - default"
        ' default] 127.0.0.1 "POST /v2.1/servers" status: 202 len: 370 microversion: 2.52 time: 0.351'
    ),
    "2026-11-23 10:56:11.390 10990 INFO nova.api.openstack.requestlog [None req-other u p] GET /x",
    "not a log line req-b4",
]
PLACEMENT = [
    (
        "2026-11-23 10:56:11.472 10987 INFO placement.requestlog [req-b4 req-9 u p - - default default]"
        ' 127.0.0.1 "GET /allocation_candidates?limit=1000" status: 200'
    ),
]
COMPUTE_LOG = [
    (
        "2026-11-23 10:56:11.758 11070 INFO nova.compute.claims [None req-b4 u p] [instance: x] "
        "Claim successful on node cmp2"
    ),
    (
        "2026-11-23 10:56:12.672 11070 INFO nova.compute.manager [None req-b4 u p] [instance: x] "
        "Took 0.93 seconds to build instance."
    ),
]


def test_trace_request_and_spans(tmp_path: Path) -> None:
    hits = arch.trace_request(
        "req-b4", {"nova-api": LOG, "placement": PLACEMENT, "nova-compute": COMPUTE_LOG}
    )
    assert [h["service"] for h in hits] == ["nova-api", "placement", "nova-compute", "nova-compute"]
    assert hits[0]["meaning"].startswith("nova-api accepted")
    assert hits[1]["meaning"].startswith("scheduler asks placement")
    assert hits[0]["time"] == datetime(2026, 11, 23, 10, 56, 11, 382000)
    rows = arch.spans(hits)
    assert [r["label"] for r in rows] == ["nova-api", "placement", "nova-compute"]
    assert abs(rows[0]["seconds"] - 0.351) < 1e-6  # the API line says how long it took
    assert abs(rows[2]["seconds"] - 0.914) < 1e-6
    assert arch.parse_log_line("hello") is None
    (tmp_path / "nova-api.log").write_text("\n".join(LOG), encoding="utf-8")
    assert arch.read_lab_logs(["nova-api", "glance"], tmp_path) == {"nova-api": LOG}


def test_lab_log_dir_follows_labsetup_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LABSETUP_HOME", str(tmp_path))
    assert arch.lab_log_dir() is None
    assert arch.read_lab_logs(["nova-api"]) == {}
    (tmp_path / "log").mkdir()
    assert arch.lab_log_dir() == tmp_path / "log"
