"""widgets_ops: operations data, the feature and tool explorers, the move chooser, downtime."""

from __future__ import annotations

import pytest

from osworkshop import data
from osworkshop import widgets_ops as W


def test_operations_data_validates_and_covers_the_brief() -> None:
    assert data.validate("operations", data.load("operations")) == []
    features = {r["id"] for r in W.operations("feature")}
    assert {
        "vmotion", "storage-vmotion", "maintenance-mode", "vsphere-ha", "fault-tolerance",
        "drs", "sdrs", "proactive-ha",
    } <= features
    assert {r["name"] for r in W.operations("watcher")} >= {
        "host_maintenance", "workload_balance", "storage_capacity_balance", "zone_migration",
    }
    assert {r["name"] for r in W.operations("masakari")} == {
        "auto", "reserved_host", "auto_priority", "rh_priority",
    }
    assert all(r["can"] and r["cannot"] and r["source"] for r in data.load("operations"))


def test_a_wrong_kind_is_reported() -> None:
    record = dict(data.load("operations")[0], kind="magic")
    assert any("kind='magic'" in p for p in data.validate("operations", [record]))


def test_related_ids_exist() -> None:
    ids = {r["id"] for r in data.load("operations")}
    for feature, related in W.RELATED.items():
        assert feature in ids
        assert set(related) <= ids


def test_filters() -> None:
    assert {r["notebook"] for r in W.operations(notebook="10")} == {"10"}
    assert [r["id"] for r in W.operations("feature", query="lockstep")] == ["fault-tolerance"]
    assert W.operations(query="no such words anywhere") == []
    with pytest.raises(KeyError):
        W.operation("nope")


def test_feature_card_has_both_sides_and_related_tools() -> None:
    card = W.feature_html("drs")
    assert "<h4>DRS</h4>" in card and "Watcher audits" in card and "It cannot" in card
    assert "workload_balance" in card
    assert "Source:" in card
    ha = W.feature_html("vsphere-ha")
    assert "2.95" in ha and "reserved_host" in ha
    assert "No feature called" in W.feature_html("nope")
    ft = W.feature_html("fault-tolerance")
    assert "Tools that go with it" not in ft


def test_feature_explorer_updates() -> None:
    ex = W.feature_explorer(notebook="09", feature="drs")
    assert "Watcher" in ex.output.value
    ex.controls["feature"].value = "vmotion"
    assert "Live migration" in ex.output.value and "2.30" in ex.output.value
    ten = W.feature_explorer(notebook="10")
    values = [v for _, v in ten.controls["feature"].options]
    assert "vsphere-ha" in values and "vmotion" not in values
    fallback = W.feature_explorer(notebook="99")
    assert len(fallback.controls["feature"].options) == len(W.operations("feature"))


def test_features_table() -> None:
    html = W.features_table("09")
    assert html._repr_html_().count("<tr>") == 1 + len(W.operations("feature", "09"))


def test_tools_explorer_switches_and_searches() -> None:
    ex = W.tools_explorer("watcher")
    assert "host_maintenance" in ex.output.value and "reserved_host" not in ex.output.value
    ex.controls["kind"].value = "masakari"
    assert "reserved_host" in ex.output.value and "host_maintenance" not in ex.output.value
    ex.controls["search"].value = "fallback"
    assert "auto_priority" in ex.output.value and ">reserved_host<" not in ex.output.value
    ex.controls["search"].value = "zzz"
    assert "Nothing matches" in ex.output.value


@pytest.mark.parametrize(
    ("situation", "operation"),
    [
        ({}, "Live migration"),
        ({"keep_running": False}, "Cold migration"),
        ({"new_flavor": True}, "Resize"),
        ({"only_volume": True, "new_flavor": True}, "Volume migration or retype (Cinder)"),
        ({"host_dead": True, "only_volume": True}, "Evacuate (notebook 10)"),
    ],
)
def test_choose_move(situation: dict[str, bool], operation: str) -> None:
    assert W.choose_move(**situation).operation == operation


def test_move_chooser_updates() -> None:
    ex = W.move_chooser()
    assert "Live migration" in ex.output.value and "live_migrate_server" in ex.output.value
    assert "conn.compute.live_migrate_server" in ex.output.value  # the manager's own call
    ex.controls["keep_running"].value = False
    assert "Cold migration" in ex.output.value and "VERIFY_RESIZE" in ex.output.value
    ex.controls["host_dead"].value = True
    assert "evacuate_server" in ex.output.value


def test_downtime_minutes() -> None:
    args = {"servers": 10, "notice_min": 15, "per_server_min": 3, "detect_min": 2,
            "check_s": 30, "replicas": 3}
    assert W.downtime_minutes("manual evacuation", **args) == 45
    assert W.downtime_minutes("Masakari", **args) == 5
    assert W.downtime_minutes("cattle behind a load balancer", **args) == 0.5
    assert W.downtime_minutes("cattle behind a load balancer", **{**args, "replicas": 1}) == 45
    with pytest.raises(ValueError):
        W.downtime_minutes("prayer", **args)
    with pytest.raises(ValueError):
        W.downtime_minutes("Masakari", **{**args, "servers": 0})
    with pytest.raises(ValueError):
        W.downtime_minutes("Masakari", **{**args, "detect_min": -1})


def test_downtime_explorer_updates() -> None:
    ex = W.downtime_explorer()
    assert "45.0 min" in ex.output.value and "3 replicas" in ex.output.value
    ex.controls["servers"].value = 20
    assert "75.0 min" in ex.output.value
    ex.controls["replicas"].value = 1
    assert "is a pet" in ex.output.value
    assert ex.output.value.count("75.0 min") == 2  # manual, and cattle with one replica
