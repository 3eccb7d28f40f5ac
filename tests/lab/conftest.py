"""Fixtures for tests against the running lab cloud (``python3 -m labsetup up``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import openstack
import pytest
from openstack.connection import Connection

from labsetup.config import Lab

pytestmark = pytest.mark.lab


@pytest.fixture(scope="session")
def lab() -> Lab:
    return Lab.load()


@pytest.fixture(scope="session")
def admin() -> Connection:
    return openstack.connect(cloud="lab-admin")


@pytest.fixture(scope="session")
def demo() -> Connection:
    return openstack.connect(cloud="lab-demo")


PREFIX = "t-"  # every lab test names what it makes t-<8 hex digits>


@pytest.fixture
def name() -> str:
    return f"{PREFIX}{uuid.uuid4().hex[:8]}"


def sweep(admin: Connection) -> list[str]:
    """Delete whatever lab tests left behind (a test that failed while the lab was down
    cannot clean up after itself); return what was found."""
    def mine(resource: object) -> bool:
        return str(getattr(resource, "name", "") or "").startswith(PREFIX)

    found: list[str] = []
    for srv in [s for s in admin.compute.servers(all_projects=True) if mine(s)]:
        found.append(f"server {srv.name}")
        admin.compute.delete_server(srv)
        admin.compute.wait_for_delete(srv, wait=120)
    storage = admin.block_storage
    for snap in [s for s in storage.snapshots(all_projects=True) if mine(s)]:
        found.append(f"snapshot {snap.name}")
        storage.delete_snapshot(snap)
        storage.wait_for_delete(snap, wait=60)
    for vol in [v for v in storage.volumes(all_projects=True) if mine(v)]:
        found.append(f"volume {vol.name}")
        if vol.status == "in-use":  # its server is gone: Cinder still thinks it is attached
            storage.reset_volume_status(vol, status="available", attach_status="detached",
                                        migration_status=None)
        storage.delete_volume(vol, force=True)
        storage.wait_for_delete(vol, wait=60)
    for kind, items, delete in (
        ("image", admin.image.images(), admin.image.delete_image),
        ("port", admin.network.ports(), admin.network.delete_port),
        ("flavor", admin.compute.flavors(), admin.compute.delete_flavor),
        ("user", admin.identity.users(), admin.identity.delete_user),
        ("project", admin.identity.projects(), admin.identity.delete_project),
    ):
        for item in [i for i in items if mine(i)]:
            found.append(f"{kind} {item.name}")
            delete(item)
    demo = openstack.connect(cloud="lab-demo")
    for container in [c for c in demo.object_store.containers() if mine(c)]:
        found.append(f"container {container.name}")
        for obj in list(demo.object_store.objects(container)):
            demo.object_store.delete_object(obj, container=container)
        demo.object_store.delete_container(container)
    return found


@pytest.fixture(scope="session", autouse=True)
def _swept(admin: Connection) -> Iterator[None]:
    before = sweep(admin)
    if before:
        print(f"\nremoved what earlier lab test runs left: {before}")
    yield
    after = sweep(openstack.connect(cloud="lab-admin"))  # the lab may have restarted
    assert not after, f"lab tests left resources behind: {after}"


@pytest.fixture
def server(demo: Connection, name: str) -> Iterator[openstack.compute.v2.server.Server]:
    """A fresh ACTIVE server on demo-net, deleted afterwards."""
    image = demo.image.find_image("lab-image", ignore_missing=False)
    flavor = demo.compute.find_flavor("m1.tiny", ignore_missing=False)
    net = demo.network.find_network("demo-net", ignore_missing=False)
    srv = demo.compute.create_server(name=name, image_id=image.id, flavor_id=flavor.id,
                                     networks=[{"uuid": net.id}])
    srv = demo.compute.wait_for_server(srv, status="ACTIVE", wait=120)
    yield srv
    demo.compute.delete_server(srv, ignore_missing=True)
    demo.compute.wait_for_delete(srv, wait=120)
