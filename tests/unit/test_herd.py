from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop import herd
from osworkshop.herd import Action, plan, reconcile, reconcile_loop, report


def srv(name: str, status: str = "ACTIVE", **extra: Any) -> Any:
    return SimpleNamespace(id=f"id-{name}", name=name, status=status, **extra)


class FakeCompute:
    """Just enough of conn.compute for the herd: servers live in a dict."""

    def __init__(self, *servers: Any, quota: int = 100) -> None:
        self.by_id = {s.id: s for s in servers}
        self.quota = quota
        self.created: list[dict[str, Any]] = []
        self.ids = itertools.count(1)

    def servers(self) -> list[Any]:
        return list(self.by_id.values())

    def delete_server(self, server_id: str, ignore_missing: bool = True) -> None:
        self.by_id.pop(server_id, None)

    def wait_for_delete(self, server: Any, wait: int = 0) -> None:
        assert server.id not in self.by_id

    def create_server(self, name: str, **kwargs: Any) -> Any:
        if len(self.by_id) >= self.quota:
            raise sdk_exc.ForbiddenException(
                "Quota exceeded for instances: Requested 1, but already used "
                f"{self.quota} of {self.quota} instances"
            )
        self.created.append({"name": name, **kwargs})
        server = SimpleNamespace(id=f"new-{next(self.ids)}", name=name, status="BUILD")
        self.by_id[server.id] = server
        return server

    def wait_for_server(self, server: Any, wait: int = 0) -> Any:
        server.status = "ACTIVE"
        return server

    def find_flavor(self, name: str, ignore_missing: bool = True) -> Any:
        return SimpleNamespace(id=f"flavor-{name}")


def fake_conn(*servers: Any, quota: int = 100) -> Any:
    return SimpleNamespace(
        compute=FakeCompute(*servers, quota=quota),
        image=SimpleNamespace(find_image=lambda n, ignore_missing=True: SimpleNamespace(id="img")),
        network=SimpleNamespace(
            find_network=lambda n, ignore_missing=True: SimpleNamespace(id="net")
        ),
    )


def verbs(actions: list[Action]) -> list[tuple[str, str]]:
    return [(a.verb, a.name) for a in actions]


def test_plan_keeps_a_healthy_herd() -> None:
    actions = plan([srv("cow-1"), srv("cow-2"), srv("cow-3"), srv("pet")], "cow-", 3)
    assert verbs(actions) == [("keep", "cow-1"), ("keep", "cow-2"), ("keep", "cow-3")]
    assert not any(a.changes for a in actions)


def test_plan_fills_the_gap_with_the_lowest_free_number() -> None:
    actions = plan([srv("cow-1"), srv("cow-3")], "cow-", 3)
    assert ("create", "cow-2") in verbs(actions)
    assert len([a for a in actions if a.verb == "create"]) == 1


def test_plan_replaces_sick_servers_and_waits_for_busy_ones() -> None:
    actions = plan(
        [srv("cow-1", "ERROR"), srv("cow-2", "SHUTOFF"), srv("cow-3", "BUILD")], "cow-", 3
    )
    assert verbs(actions) == [
        ("delete", "cow-1"),
        ("delete", "cow-2"),
        ("wait", "cow-3"),
        ("create", "cow-4"),
        ("create", "cow-5"),
    ]
    assert "replace it, do not repair it" in actions[0].reason


def test_plan_scales_in_from_the_highest_number() -> None:
    servers = [srv(f"cow-{n}") for n in (1, 2, 10, 3)]
    actions = plan(servers, "cow-", 2)
    assert [a.name for a in actions if a.verb == "delete"] == ["cow-3", "cow-10"]
    assert "scale in" in actions[0].reason


def test_plan_ignores_servers_being_deleted() -> None:
    actions = plan([srv("cow-1"), srv("cow-2", task_state="deleting")], "cow-", 2)
    assert verbs(actions) == [("keep", "cow-1"), ("create", "cow-2")]


def test_plan_rejects_a_negative_size() -> None:
    with pytest.raises(ValueError):
        plan([], "cow-", -1)


def test_reconcile_heals_after_a_delete() -> None:
    conn = fake_conn(srv("cow-1"), srv("cow-3"))
    tags = {"tags": ["osworkshop-nb01"], "metadata": {"osworkshop": "osworkshop-nb01"}}
    actions = reconcile(conn, "cow-", 3, "m1.tiny", "lab-image", "demo-net", tags)
    assert ("create", "cow-2") in verbs(actions)
    created = conn.compute.created[0]
    assert created["flavor_id"] == "flavor-m1.tiny" and created["image_id"] == "img"
    assert created["networks"] == [{"uuid": "net"}]
    assert created["tags"] == ["osworkshop-nb01"]
    assert created["metadata"] == {"osworkshop": "osworkshop-nb01"}
    assert sorted(s.name for s in conn.compute.servers()) == ["cow-1", "cow-2", "cow-3"]
    assert all(s.status == "ACTIVE" for s in conn.compute.servers())
    assert any(str(a).startswith("created") for a in actions)


def test_dry_run_changes_nothing() -> None:
    conn = fake_conn(srv("cow-1"))
    actions = reconcile(conn, "cow-", 2, "m1.tiny", "lab-image", "demo-net", dry_run=True)
    assert str(actions[-1]).startswith("would create")
    assert len(conn.compute.servers()) == 1 and not conn.compute.created


def test_reconcile_reports_quota_as_a_failed_action() -> None:
    conn = fake_conn(srv("cow-1"), quota=1)
    actions = reconcile(conn, "cow-", 2, "m1.tiny", "lab-image", "demo-net", ["t"])
    failed = [a for a in actions if a.verb == "failed"]
    assert failed and failed[0].reason == "create: Quota exceeded"
    assert str(failed[0]).startswith("FAILED")


def test_reconcile_raises_what_it_cannot_explain() -> None:
    conn = fake_conn()

    def broken(name: str, **kwargs: Any) -> Any:
        raise sdk_exc.SDKException("something new")

    conn.compute.create_server = broken
    with pytest.raises(sdk_exc.SDKException):
        reconcile(conn, "cow-", 1, "m1.tiny", "lab-image", "demo-net")


def test_reconcile_accepts_sdk_objects_for_the_recipe() -> None:
    conn = fake_conn()
    flavor = SimpleNamespace(id="f-obj")
    reconcile(conn, "cow-", 1, flavor, "lab-image", "demo-net")
    assert conn.compute.created[0]["flavor_id"] == "f-obj"
    assert "tags" not in conn.compute.created[0]


def test_loop_stops_when_steady() -> None:
    conn = fake_conn(srv("cow-1", "ERROR"), srv("cow-2"))
    history = reconcile_loop(conn, "cow-", 2, "m1.tiny", "lab-image", "demo-net", rounds=5)
    assert len(history) == 2
    assert all(a.verb == "keep" for a in history[-1])
    text = report(history)
    assert "Round 1:" in text and "deleted" in text and "created" in text and "Round 2:" in text


def test_loop_gives_up_after_its_rounds() -> None:
    conn = fake_conn(quota=0)
    history = reconcile_loop(conn, "cow-", 1, "m1.tiny", "lab-image", "demo-net", rounds=2)
    assert len(history) == 2 and all(r[0].verb == "failed" for r in history)


def test_report_of_one_round_and_of_nothing() -> None:
    assert "keep" in report([Action("keep", "cow-1", "ACTIVE")])
    assert "nothing to do" in report([[]])
    assert herd.members([{"name": "cow-1", "status": "DELETED"}], "cow-") == []
