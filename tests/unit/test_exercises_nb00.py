from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop.admin_steps import NoAdmin
from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb00 import (
    check_block_storage_type,
    check_hypervisor_hosts,
    hypervisor_reader,
)


@pytest.fixture(autouse=True)
def not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)


def catalog_conn(*entries: tuple[str, str]) -> Any:
    catalog = [
        {"type": t, "name": n, "endpoints": [{"interface": "public", "url": f"http://h/{n}"}]}
        for t, n in entries
    ]
    access = SimpleNamespace(service_catalog=SimpleNamespace(catalog=catalog))
    return SimpleNamespace(
        session=SimpleNamespace(auth=SimpleNamespace(get_access=lambda session: access))
    )


LAB = catalog_conn(
    ("block-storage", "cinder"),
    ("compute", "nova"),
    ("object-store", "swift"),
    ("volumev3", "cinderv3"),
)


def test_registered() -> None:
    load_exercises()
    assert registry["nb00.block_storage"] is check_block_storage_type
    assert registry["nb00.hypervisors"] is check_hypervisor_hosts


def test_block_storage_wrong_answers_fail() -> None:
    result = check_block_storage_type(LAB, "object-store")
    assert not result.passed and "swift" in result.message
    result = check_block_storage_type(LAB, "cinder")  # a codename, not a type
    assert not result.passed and "not a service type" in result.message
    assert "a service's name" in result.message
    assert result.exercise == "nb00.block_storage"
    assert "a service's name" not in check_block_storage_type(LAB, "volume").message


def test_block_storage_not_filled_in() -> None:
    for blank in (..., None, "  "):
        result = check_block_storage_type(LAB, blank)
        assert not result.passed and "Fill in my_type" in result.message


def test_block_storage_right_answer_passes() -> None:
    result = check_block_storage_type(LAB, "block-storage")
    assert result.passed and "volumev3" in result.message
    older = catalog_conn(("compute", "nova"), ("volumev3", "cinderv3"))
    assert check_block_storage_type(older, "volumev3").passed


def test_block_storage_without_cinder_cannot_pass() -> None:
    result = check_block_storage_type(catalog_conn(("compute", "nova")), "block-storage")
    assert not result.passed and "no block storage" in result.message


def admin_conn(*names: str) -> Any:
    return SimpleNamespace(
        compute=SimpleNamespace(
            hypervisors=lambda: [SimpleNamespace(id=f"uuid-{n}", name=n) for n in names]
        )
    )


def refused() -> Any:
    def hypervisors() -> Any:
        raise sdk_exc.ForbiddenException("Policy doesn't allow os-hypervisors:list")
        yield  # a generator, like the SDK's: the refusal comes at the first item

    return SimpleNamespace(compute=SimpleNamespace(hypervisors=hypervisors))


def test_hypervisors_wrong_answer_fails() -> None:
    admin = admin_conn("lab-compute-1", "lab-compute-2")
    result = check_hypervisor_hosts(admin, ["lab-compute-1"])
    assert not result.passed and "missing 1" in " ".join(result.hints)
    result = check_hypervisor_hosts(admin, ["lab-compute-1", "lab-compute-2", "esxi-01"])
    assert not result.passed and "esxi-01" in " ".join(result.hints)


def test_hypervisors_right_answer_passes() -> None:
    admin = admin_conn("lab-compute-1", "lab-compute-2")
    assert check_hypervisor_hosts(admin, ["lab-compute-2", "lab-compute-1"]).passed


def test_hypervisors_not_filled_in_or_ids() -> None:
    admin = admin_conn("lab-compute-1", "lab-compute-2")
    assert "Fill in my_hosts" in check_hypervisor_hosts(admin, ...).message
    result = check_hypervisor_hosts(admin, ["uuid-lab-compute-1", "uuid-lab-compute-2"])
    assert not result.passed and "IDs" in result.message


def test_reader_is_conn_when_allowed_else_admin() -> None:
    manager, admin = admin_conn("lab-compute-1"), admin_conn("lab-compute-1")
    assert hypervisor_reader(manager, admin) is manager
    member = refused()
    assert hypervisor_reader(member, admin) is admin
    assert hypervisor_reader(member, None) is None
    assert hypervisor_reader(member, NoAdmin("student01", "lab-admin")) is None  # a classroom
