"""Cleanup against a small in-memory stand-in for an OpenStack connection."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from osworkshop.resources import cleanup, is_marked, leftovers, tag_for, tags

_ids = itertools.count(1)
MY_PROJECT = "p-mine"


def _mine(item: Any) -> bool:
    """Nova and Cinder list only the caller's project unless asked for all of them."""
    return getattr(item, "project_id", MY_PROJECT) == MY_PROJECT


def res(**fields: Any) -> SimpleNamespace:
    defaults: dict[str, Any] = {
        "id": f"id-{next(_ids)}",
        "name": "",
        "tags": [],
        "metadata": {},
        "description": "",
    }
    return SimpleNamespace(**{**defaults, **fields})


class Store:
    def __init__(self) -> None:
        self.items: dict[str, list[Any]] = {}

    def of(self, kind: str) -> list[Any]:
        return self.items.setdefault(kind, [])

    def remove(self, kind: str, item: Any) -> None:
        item_id = getattr(item, "id", item)
        self.items[kind] = [i for i in self.of(kind) if i.id != item_id and i.name != item_id]


class Compute:
    def __init__(self, s: Store) -> None:
        self.s = s

    def servers(self, all_projects: bool = False) -> list[Any]:
        return [s for s in self.s.of("servers") if all_projects or _mine(s)]

    def delete_server(self, server: Any, ignore_missing: bool = True) -> None:
        self.s.remove("servers", server)
        for port in [p for p in self.s.of("ports") if p.device_id == server.id]:
            self.s.remove("ports", port)
        for volume in self.s.of("volumes"):  # nova detaches volumes of a deleted server
            if any(a["server_id"] == server.id for a in volume.attachments):
                volume.attachments, volume.status = [], "available"

    def wait_for_delete(self, res: Any, wait: int = 0) -> None:
        pass

    def delete_volume_attachment(
        self, server: str, volume: str, ignore_missing: bool = True
    ) -> None:
        for v in self.s.of("volumes"):
            if v.id == volume:
                v.attachments, v.status = [], "available"

    def server_groups(self) -> list[Any]:
        return list(self.s.of("server_groups"))

    def delete_server_group(self, group: Any, ignore_missing: bool = True) -> None:
        self.s.remove("server_groups", group)

    def keypairs(self, user_id: str | None = None) -> list[Any]:
        return [k for k in self.s.of("keypairs") if getattr(k, "owner", None) == user_id]

    def delete_keypair(
        self, keypair: Any, ignore_missing: bool = True, user_id: str | None = None
    ) -> None:
        self.s.items["keypairs"] = [
            k for k in self.s.of("keypairs")
            if not (k.name == keypair.name and getattr(k, "owner", None) == user_id)
        ]

    def flavors(self) -> list[Any]:
        return list(self.s.of("flavors"))

    def delete_flavor(self, flavor: Any, ignore_missing: bool = True) -> None:
        self.s.remove("flavors", flavor)


class Network:
    def __init__(self, s: Store) -> None:
        self.s = s
        self.log: list[str] = []

    def ports(self, device_id: str | None = None) -> list[Any]:
        return [p for p in self.s.of("ports") if device_id is None or p.device_id == device_id]

    def ips(self) -> list[Any]:
        return list(self.s.of("ips"))

    def delete_ip(self, ip: Any, ignore_missing: bool = True) -> None:
        self.s.remove("ips", ip)

    def routers(self) -> list[Any]:
        return list(self.s.of("routers"))

    def remove_interface_from_router(
        self, router: Any, subnet: Any = None, port: Any = None
    ) -> None:
        self.log.append(f"remove_interface {router.name}")
        self.s.remove("ports", port)

    def update_router(self, router: Any, **attrs: Any) -> None:
        self.log.append(f"update_router {router.name} {attrs}")
        router.external_gateway_info = attrs.get("external_gateway_info") or None

    def delete_router(self, router: Any, ignore_missing: bool = True) -> None:
        if self.ports(device_id=router.id) or router.external_gateway_info:
            raise sdk_exc.ConflictException(f"Router {router.id} still has ports or a gateway")
        self.log.append(f"delete_router {router.name}")
        self.s.remove("routers", router)

    def subnets(self) -> list[Any]:
        return list(self.s.of("subnets"))

    def networks(self) -> list[Any]:
        return list(self.s.of("networks"))

    def security_groups(self) -> list[Any]:
        return list(self.s.of("security_groups"))

    def delete_port(self, x: Any, ignore_missing: bool = True) -> None:
        self.s.remove("ports", x)

    def delete_subnet(self, x: Any, ignore_missing: bool = True) -> None:
        self.s.remove("subnets", x)

    def delete_network(self, x: Any, ignore_missing: bool = True) -> None:
        self.s.remove("networks", x)

    def delete_security_group(self, x: Any, ignore_missing: bool = True) -> None:
        self.s.remove("security_groups", x)


class BlockStorage:
    def __init__(self, s: Store) -> None:
        self.s = s

    def volumes(self, details: bool = True, all_projects: bool = False) -> list[Any]:
        return [v for v in self.s.of("volumes") if all_projects or _mine(v)]

    def snapshots(self, details: bool = True, all_projects: bool = False) -> list[Any]:
        return [s for s in self.s.of("snapshots") if all_projects or _mine(s)]

    def delete_snapshot(self, x: Any, ignore_missing: bool = True) -> None:
        self.s.remove("snapshots", x)

    def delete_volume(self, volume: Any, ignore_missing: bool = True) -> None:
        if volume.status != "available":
            raise sdk_exc.BadRequestException("Volume status must be available")
        if any(s.volume_id == volume.id for s in self.s.of("snapshots")):
            raise sdk_exc.BadRequestException("Volume still has snapshots")
        self.s.remove("volumes", volume)

    def wait_for_status(self, volume: Any, **kwargs: Any) -> Any:
        return volume

    def wait_for_delete(self, res: Any, wait: int = 0) -> None:
        pass


class Image:
    def __init__(self, s: Store) -> None:
        self.s = s

    def images(self) -> list[Any]:
        return list(self.s.of("images"))

    def delete_image(self, x: Any, ignore_missing: bool = True) -> None:
        self.s.remove("images", x)


class ObjectStore:
    def __init__(self, s: Store) -> None:
        self.s = s

    def containers(self) -> list[Any]:
        return [SimpleNamespace(id=c.id, name=c.name) for c in self.s.of("containers")]

    def get_container_metadata(self, container: Any) -> Any:
        return next(c for c in self.s.of("containers") if c.name == container.name)

    def objects(self, container: Any) -> list[str]:
        return list(self.get_container_metadata(container).objects)

    def delete_object(self, obj: str, container: Any, ignore_missing: bool = True) -> None:
        self.get_container_metadata(container).objects.remove(obj)

    def delete_container(self, container: Any, ignore_missing: bool = True) -> None:
        if self.get_container_metadata(container).objects:
            raise sdk_exc.ConflictException(
                "There was a conflict when trying to complete your request."
            )
        self.s.remove("containers", container)


class Identity:
    def __init__(self, s: Store, allowed: bool) -> None:
        self.s, self.allowed = s, allowed

    def _check(self) -> None:
        if not self.allowed:
            raise sdk_exc.ForbiddenException(
                "You are not authorized to perform the requested action"
            )

    def users(self) -> list[Any]:
        self._check()
        return list(self.s.of("users"))

    def projects(self) -> list[Any]:
        self._check()
        return list(self.s.of("projects"))

    def delete_user(self, x: Any, ignore_missing: bool = True) -> None:
        self.s.remove("users", x)

    def delete_project(self, x: Any, ignore_missing: bool = True) -> None:
        self.s.remove("projects", x)


class FakeCloud:
    """Just enough of openstack.connection.Connection for cleanup(); ``missing`` services raise."""

    def __init__(self, missing: tuple[str, ...] = (), admin: bool = True) -> None:
        self.store = Store()
        self.missing = missing
        self._proxies = {
            "compute": Compute(self.store),
            "network": Network(self.store),
            "block_storage": BlockStorage(self.store),
            "image": Image(self.store),
            "object_store": ObjectStore(self.store),
            "identity": Identity(self.store, admin),
        }

    def __getattr__(self, name: str) -> Any:
        if name in self.missing:
            raise ksa_exc.EndpointNotFound(f"public endpoint for {name} service not found")
        try:
            return self._proxies[name]
        except KeyError:
            raise AttributeError(name) from None

    def add(self, kind: str, **fields: Any) -> SimpleNamespace:
        item = res(**fields)
        self.store.of(kind).append(item)
        return item

    def names(self, kind: str) -> list[str]:
        return sorted(i.name for i in self.store.of(kind))


TAG = "osworkshop-nb05"


def populate(cloud: FakeCloud) -> None:
    t = tags("05")
    mine = cloud.add(
        "servers", name="web-1", tags=t["tags"], metadata=t["metadata"], status="ACTIVE"
    )
    other = cloud.add("servers", name="keep-me", status="ACTIVE")
    port = cloud.add("ports", name="", device_id=mine.id, device_owner="compute:nova")
    cloud.add("ips", name="", floating_ip_address="203.0.113.5", port_id=port.id)
    cloud.add("ips", name="", floating_ip_address="203.0.113.9", port_id=None)  # not ours
    vol = cloud.add(
        "volumes",
        name="data",
        metadata=t["metadata"],
        status="in-use",
        attachments=[{"server_id": other.id}],
    )
    cloud.add("volumes", name="keep-vol", status="available", attachments=[])
    cloud.add("snapshots", name="snap", volume_id=vol.id)
    net = cloud.add("networks", name="net", tags=t["tags"])
    cloud.add("networks", name="public")
    cloud.add("subnets", name="sub", tags=t["tags"], network_id=net.id)
    router = cloud.add(
        "routers", name="rtr", tags=t["tags"], external_gateway_info={"network_id": "x"}
    )
    cloud.add("ports", name="", device_id=router.id, device_owner="network:router_interface")
    cloud.add("security_groups", name="osworkshop-nb05-web")
    cloud.add("security_groups", name="default", tags=t["tags"])
    cloud.add("images", name="cirros-copy", tags=t["tags"], properties={})
    cloud.add("images", name="cirros", properties={})
    cloud.add("containers", name="osworkshop-nb05-backups", objects=["a", "b"])
    cloud.add("containers", name="reports", metadata={"osworkshop": TAG}, objects=["r"])
    cloud.add("containers", name="keep-container", objects=["x"])
    cloud.add("server_groups", name="osworkshop-nb05-spread")
    cloud.add("keypairs", name="mykey")
    cloud.add("flavors", name="m1.tiny")
    cloud.add("flavors", name="c1.custom", description=TAG)
    cloud.add("projects", name="team-a", description=f"made by {TAG}")
    cloud.add("users", name="alice", description=TAG)


def test_tag_for_and_tags() -> None:
    assert tag_for("05") == "osworkshop-nb05"
    assert tag_for("nb5") == tag_for(5) == "osworkshop-nb05"
    assert tag_for("05", "Alice Smith") == "osworkshop-nb05-alice-smith"
    t = tags("12")
    assert t == {
        "tag": "osworkshop-nb12",
        "tags": ["osworkshop-nb12"],
        "metadata": {"osworkshop": "osworkshop-nb12"},
        "description": "osworkshop-nb12",
    }
    with pytest.raises(ValueError, match="Notebook"):
        tag_for("intro")


def test_is_marked() -> None:
    assert is_marked(res(tags=[TAG]), TAG)
    assert is_marked(res(metadata={"osworkshop": TAG}), TAG)
    assert is_marked({"name": f"{TAG}-x"}, TAG)
    assert not is_marked(res(name=f"{TAG}0-x"), TAG)
    assert not is_marked(res(metadata={"osworkshop": "osworkshop-nb06"}), TAG)


def test_cleanup_deletes_only_what_the_notebook_made() -> None:
    cloud = FakeCloud()
    populate(cloud)
    counts = cleanup(cloud, "05")
    assert counts == {
        "floating_ips": 1,
        "servers": 1,
        "server_groups": 1,
        "keypairs": 0,
        "volume_snapshots": 1,
        "volumes": 1,
        "routers": 1,
        "ports": 0,
        "subnets": 1,
        "networks": 1,
        "security_groups": 1,
        "images": 1,
        "containers": 2,
        "flavors": 1,
        "users": 1,
        "projects": 1,
    }
    assert cloud.names("servers") == ["keep-me"]
    assert cloud.names("volumes") == ["keep-vol"]
    assert cloud.names("networks") == ["public"]
    assert cloud.names("security_groups") == ["default"]
    assert cloud.names("images") == ["cirros"]
    assert cloud.names("containers") == ["keep-container"]
    assert cloud.names("flavors") == ["m1.tiny"]
    assert [i.floating_ip_address for i in cloud.store.of("ips")] == ["203.0.113.9"]
    assert leftovers(cloud, "05") == {}


def test_router_interfaces_and_gateway_go_first() -> None:
    cloud = FakeCloud()
    populate(cloud)
    cleanup(cloud, "05")
    log = cloud.network.log
    assert log.index("remove_interface rtr") < log.index("delete_router rtr")
    assert log.index("update_router rtr {'external_gateway_info': {}}") < log.index(
        "delete_router rtr"
    )


def test_cleanup_is_idempotent() -> None:
    cloud = FakeCloud()
    populate(cloud)
    cleanup(cloud, "05")
    again = cleanup(cloud, "05")
    assert set(again.values()) == {0}


def test_a_server_nova_has_deleted_is_not_left_over() -> None:
    # under load Nova lists a deleted server for a moment, with status DELETED
    cloud = FakeCloud()
    t = tags("05")
    cloud.add("servers", name="gone", tags=t["tags"], status="DELETED")
    cloud.add("servers", name="stopped", tags=t["tags"], status="SHUTOFF")
    assert leftovers(cloud, "05") == {"servers": ["stopped"]}


def test_leftovers_lists_names_by_kind() -> None:
    cloud = FakeCloud()
    populate(cloud)
    found = leftovers(cloud, "nb05")
    assert found["servers"] == ["web-1"]
    assert found["containers"] == ["osworkshop-nb05-backups", "reports"]
    assert found["floating_ips"] == ["203.0.113.5"]
    assert "keypairs" not in found


def test_missing_service_and_missing_rights_are_skipped() -> None:
    cloud = FakeCloud(missing=("object_store", "image"), admin=False)
    populate(cloud)
    counts = cleanup(cloud, "05")
    assert counts["containers"] == 0 and counts["images"] == 0 and counts["users"] == 0
    assert counts["servers"] == 1
    assert "containers" not in leftovers(cloud, "05")


def test_learner_tag_keeps_learners_apart() -> None:
    cloud = FakeCloud()
    cloud.add("servers", name="a", tags=[tag_for("05", "alice")], status="ACTIVE")
    cloud.add("servers", name="b", tags=[tag_for("05", "bob")], status="ACTIVE")
    assert cleanup(cloud, "05", learner="alice")["servers"] == 1
    assert cloud.names("servers") == ["b"]


def test_failures_warn_and_do_not_stop_cleanup() -> None:
    cloud = FakeCloud()
    cloud.add(
        "volumes",
        name="stuck",
        metadata={"osworkshop": TAG},
        status="error_deleting",
        attachments=[],
    )
    cloud.add("networks", name="net", tags=[TAG])
    with pytest.warns(UserWarning, match="Could not delete all volumes"):
        counts = cleanup(cloud, "05")
    assert counts["volumes"] == 0 and counts["networks"] == 1
    assert leftovers(cloud, "05") == {"volumes": ["stuck"]}


def test_admin_cleanup_empties_the_notebooks_own_projects() -> None:
    cloud = FakeCloud()
    team = cloud.add("projects", name=f"{TAG}-team", description=TAG)
    alice = cloud.add("users", name=f"{TAG}-alice", description=TAG)
    cloud.add("keypairs", name="alices-key", owner=alice.id)
    cloud.add("keypairs", name="someone-elses-key", owner="u-other")
    cloud.add("servers", name="untagged-vm", project_id=team.id)
    cloud.add("volumes", name="untagged-disk", project_id=team.id, attachments=[],
              status="available")
    cloud.add("networks", name="alice-net", project_id=team.id)
    cloud.add("security_groups", name="default", project_id=team.id)
    cloud.add("security_groups", name="default", project_id="p-other")
    cloud.add("servers", name="other-vm", project_id="p-other")

    counts = cleanup(cloud, "05")

    assert counts["servers"] == 1 and counts["volumes"] == 1 and counts["keypairs"] == 1
    assert cloud.names("servers") == ["other-vm"]
    assert cloud.names("keypairs") == ["someone-elses-key"]
    assert [g.project_id for g in cloud.store.of("security_groups")] == ["p-other"]
    assert cloud.names("networks") == [] and cloud.names("projects") == []
    assert leftovers(cloud, "05") == {}


def test_a_members_cleanup_touches_only_tagged_things() -> None:
    cloud = FakeCloud(admin=False)
    cloud.add("servers", name="untagged-vm", project_id=MY_PROJECT)
    cloud.add("servers", name=f"{TAG}-web", project_id=MY_PROJECT)
    cleanup(cloud, "05")
    assert cloud.names("servers") == ["untagged-vm"]
