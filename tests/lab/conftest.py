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


@pytest.fixture
def name() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


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
