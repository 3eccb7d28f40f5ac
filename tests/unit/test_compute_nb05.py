"""Notebook 05 helpers: flavor fit, host capacity, power operations, and the error texts it adds."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop import compute_nb05 as C
from osworkshop import errors
from osworkshop.data import SCHEMAS, load, validate

#: The lab's catalog (labsetup/bootstrap.py FLAVORS), as dicts and as SDK-like objects.
LAB = [
    {"name": "m1.tiny", "vcpus": 1, "ram": 512, "disk": 1},
    {"name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20},
    {"name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40},
    {"name": "m1.large", "vcpus": 4, "ram": 8192, "disk": 80},
    {"name": "m1.xlarge", "vcpus": 8, "ram": 16384, "disk": 160},
]


def objects() -> list[Any]:
    return [SimpleNamespace(**f, ephemeral=0, swap=0, is_public=True) for f in LAB]


# --------------------------------------------------------------------------- sizes


def test_gib_to_mib() -> None:
    assert C.gib_to_mib(3) == 3072
    assert C.gib_to_mib(0.5) == 512
    assert C.gib_to_mib(1.001) == 1026  # rounds up: a flavor must hold all of it
    with pytest.raises(ValueError):
        C.gib_to_mib(0)


def test_vm_size_checks_its_values() -> None:
    assert C.VMSize.from_gib(2, 3, 30) == C.VMSize(2, 3072, 30)
    assert C.VMSize(1, 512, 0).disk_gb == 0
    with pytest.raises(ValueError, match="at least 1 vCPU"):
        C.VMSize(0, 512, 1)
    with pytest.raises(ValueError):
        C.VMSize(1, 512, -1)


def test_flavor_record_reads_dicts_and_objects() -> None:
    record = C.flavor_record(objects()[2])
    assert record == {"name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40, "ephemeral": 0,
                      "swap": 0, "is_public": True}
    assert C.flavor_record({"name": "x", "vcpus": None})["vcpus"] == 0
    assert C.flavor_record({"name": "x"})["is_public"] is True


# --------------------------------------------------------------------------- fit


def test_fit_counts_spare_and_waste() -> None:
    item = C.fit(LAB[2], C.VMSize.from_gib(2, 3, 30))
    assert item.fits and not item.exact
    assert (item.spare_vcpus, item.spare_ram_mib, item.spare_disk_gb) == (0, 1024, 10)
    assert item.waste == pytest.approx((0 + 0.25 + 0.25) / 3)


def test_fit_exact_and_too_small() -> None:
    assert C.fit(LAB[3], C.VMSize(4, 8192, 80)).exact
    small = C.fit(LAB[0], C.VMSize(2, 1024, 10))
    assert not small.fits
    assert small.short == ("1 vCPU", "512 MiB RAM", "9 GB disk")


def test_fit_with_an_image_sized_disk() -> None:
    item = C.fit({"name": "bfv", "vcpus": 2, "ram": 4096, "disk": 0}, C.VMSize(2, 4096, 500))
    assert item.fits and item.image_sized_disk and item.exact
    assert item.spare_disk_gb == 0


def test_rank_puts_fitting_flavors_first_by_waste() -> None:
    ranked = C.rank_flavors(objects(), C.VMSize.from_gib(2, 3, 30))
    assert [f.name for f in ranked] == ["m1.medium", "m1.large", "m1.xlarge", "m1.small",
                                        "m1.tiny"]
    assert [f.fits for f in ranked] == [True, True, True, False, False]


def test_nearest_flavors_when_nothing_fits() -> None:
    near = C.nearest_flavors(LAB, C.VMSize.from_gib(16, 64, 500), n=2)
    assert [f.name for f in near] == ["m1.xlarge", "m1.large"]
    assert C.best_fit(LAB, C.VMSize.from_gib(16, 64, 500)) is None
    with pytest.raises(ValueError):
        C.nearest_flavors(LAB, C.VMSize(1, 512, 1), n=0)


def test_a_new_flavor_changes_the_answer() -> None:
    vm = C.VMSize.from_gib(2, 3, 30)
    assert C.best_fit(LAB, vm).name == "m1.medium"
    catalog = [*LAB, C.exact_flavor(vm, "app")]
    assert catalog[-1] == {"name": "app", "vcpus": 2, "ram": 3072, "disk": 30}
    assert C.best_fit(catalog, vm).name == "app"
    assert C.exact_flavor(vm, "app", description="x")["description"] == "x"


def test_spare_text_and_verdict() -> None:
    vm = C.VMSize.from_gib(2, 3, 30)
    assert C.spare_text(C.fit(LAB[2], vm)) == "unused: 1024 MiB RAM, 10 GB disk"
    assert C.spare_text(C.fit(LAB[3], C.VMSize(4, 8192, 80))) == "exact fit"
    assert C.spare_text(C.fit(LAB[0], vm)).startswith("too small: missing 1 vCPU")
    assert C.verdict(LAB, vm) == (
        "m1.medium is the nearest flavor for a VM of 2 vCPU, 3072 MiB RAM, 30 GB disk: "
        "unused: 1024 MiB RAM, 10 GB disk (17% of what it reserves)."
    )
    assert C.verdict(LAB, C.VMSize(8, 16384, 160)).endswith("fits a VM of 8 vCPU, 16384 MiB "
                                                            "RAM, 160 GB disk exactly.")
    assert C.verdict(LAB, C.VMSize(64, 512, 1)).startswith("No flavor is big enough")


# --------------------------------------------------------------------------- hosts


def test_capacity_and_flavor_needs() -> None:
    assert C.capacity({"total": 32, "reserved": 0, "allocation_ratio": 4.0}) == 128
    assert C.capacity({"total": 131072, "reserved": 512, "allocation_ratio": 1.0}) == 130560
    assert C.capacity(SimpleNamespace(total=10, reserved=None, allocation_ratio=None)) == 10
    assert C.flavor_needs({"name": "f", "vcpus": 2, "ram": 3072, "disk": 30, "ephemeral": 5,
                           "swap": 1500}) == {"VCPU": 2, "MEMORY_MB": 3072, "DISK_GB": 37}


def host(used: dict[str, int] | None = None) -> C.HostCapacity:
    return C.HostCapacity(
        "lab-compute-1", "up", "enabled", "fake",
        {"VCPU": 128, "MEMORY_MB": 130560, "DISK_GB": 2000}, used or {},
    )


def test_how_many_fit_is_limited_by_the_scarcest_resource() -> None:
    app = {"name": "app", "vcpus": 2, "ram": 3072, "disk": 30}
    assert C.how_many_fit(host(), app) == 42  # RAM: 130560 // 3072
    assert C.how_many_fit(host({"VCPU": 127}), app) == 0
    assert C.how_many_fit(host({"MEMORY_MB": 200000}), app) == 0
    assert C.how_many_fit(host(), {"name": "empty"}) == 0


class Placement:
    def __init__(self) -> None:
        self.providers = [SimpleNamespace(name="lab-compute-2", id="rp2"),
                          SimpleNamespace(name="lab-compute-1", id="rp1")]

    def resource_providers(self) -> list[Any]:
        return self.providers

    def resource_provider_inventories(self, rp: Any) -> list[Any]:
        return [
            SimpleNamespace(resource_class="VCPU", total=32, reserved=0, allocation_ratio=4.0),
            SimpleNamespace(resource_class="MEMORY_MB", total=131072, reserved=512,
                            allocation_ratio=1.0),
            SimpleNamespace(resource_class="DISK_GB", total=2000, reserved=0,
                            allocation_ratio=1.0),
        ]

    def fetch_resource_provider_usages(self, rp: Any) -> Any:
        used = {"VCPU": 2, "MEMORY_MB": 3072, "DISK_GB": 30} if rp.id == "rp2" else {}
        return SimpleNamespace(usages=used)


def admin_cloud() -> Any:
    hypervisors = [
        SimpleNamespace(name=n, state="up", status="enabled", hypervisor_type="fake")
        for n in ("lab-compute-2", "lab-compute-1", "lab-compute-3")
    ]
    return SimpleNamespace(
        placement=Placement(),
        compute=SimpleNamespace(hypervisors=lambda details=False: hypervisors),
    )


def test_host_capacities_join_hypervisors_and_placement() -> None:
    hosts = C.host_capacities(admin_cloud())
    assert [h.name for h in hosts] == ["lab-compute-1", "lab-compute-2", "lab-compute-3"]
    assert hosts[1].capacity == {"VCPU": 128, "MEMORY_MB": 130560, "DISK_GB": 2000}
    assert hosts[1].free("MEMORY_MB") == 130560 - 3072
    assert hosts[2].capacity == {} and hosts[2].free("VCPU") == 0  # no resource provider
    rows = C.host_rows(hosts)
    assert rows[1] == ("lab-compute-2", "up, enabled", "fake", "2 / 128", "3072 / 130560",
                       "30 / 2000")
    assert len(C.HOST_HEADERS) == len(rows[0])


def test_hypervisor_type_text() -> None:
    assert "lab's virt driver" in C.hypervisor_type_text("fake")
    assert "QEMU" in C.hypervisor_type_text("fake")
    assert "KVM" in C.hypervisor_type_text("QEMU")
    assert "whole cluster" in C.hypervisor_type_text("VMware")
    assert C.hypervisor_type_text("ironic").startswith("ironic:")


# --------------------------------------------------------------------------- servers


def test_settle_reads_the_server_afresh_before_waiting() -> None:
    calls: list[tuple[str, Any]] = []
    fresh = SimpleNamespace(id="s1", status="REBOOT")

    def get_server(server_id: str) -> Any:
        calls.append(("get", server_id))
        return fresh

    def wait_for_server(server: Any, status: str, failures: list[str], wait: int) -> Any:
        calls.append(("wait", (server, status, failures, wait)))
        return SimpleNamespace(id="s1", status=status)

    conn = SimpleNamespace(compute=SimpleNamespace(get_server=get_server,
                                                   wait_for_server=wait_for_server))
    stale = SimpleNamespace(id="s1", status="ACTIVE")
    assert C.settle(conn, stale).status == "ACTIVE"
    assert calls == [("get", "s1"), ("wait", (fresh, "ACTIVE", ["ERROR"], 120))]
    C.settle(conn, "s1", "SHUTOFF", wait=5)
    assert calls[-1][1][1:] == ("SHUTOFF", ["ERROR"], 5)


def test_flavor_name_and_distinct_hosts() -> None:
    assert C.flavor_name(SimpleNamespace(flavor={"original_name": "m1.tiny"})) == "m1.tiny"
    assert C.flavor_name(SimpleNamespace(flavor=SimpleNamespace(original_name=None,
                                                                name="x"))) == "x"
    assert C.flavor_name(SimpleNamespace(flavor=None)) == "?"
    servers = [SimpleNamespace(host_id="a"), SimpleNamespace(host_id="b"),
               SimpleNamespace(host_id="a"), SimpleNamespace(host_id="")]
    assert C.distinct_hosts(servers) == 2


# --------------------------------------------------------------------------- power operations


def test_power_operations_data() -> None:
    assert "power_operations" in SCHEMAS
    records = load("power_operations")
    assert validate("power_operations", records) == []
    assert all(r["source"].strip() for r in records)
    ids = [r["id"] for r in records]
    assert {"power-on", "shut-down-guest", "power-off", "reset", "restart-guest",
            "delete-from-disk", "edit-settings"} <= set(ids)


def test_nova_action_lookup() -> None:
    assert C.nova_action("Reset")["openstack"] == "reboot (HARD)"
    assert C.nova_action("restart guest os")["openstack"] == "reboot (SOFT)"
    assert C.nova_action("shut-down-guest")["sdk"] == "conn.compute.stop_server(server)"
    with pytest.raises(KeyError, match="known: Power On"):
        C.nova_action("vMotion")


@pytest.mark.parametrize("record", load("power_operations"), ids=lambda r: r["id"])
def test_every_sdk_call_exists(record: dict[str, Any]) -> None:
    from openstack.compute.v2._proxy import Proxy

    for call in record["sdk"].split(";"):
        method = call.strip().split("(")[0].removeprefix("conn.compute.")
        assert hasattr(Proxy, method), method


# --------------------------------------------------------------------------- errors it adds


def conflict(message: str) -> sdk_exc.ConflictException:
    return sdk_exc.ConflictException(message=message, details=message)


def test_reboot_of_a_stopped_server_is_explained() -> None:
    err = errors.explain(conflict(
        "Cannot 'reboot' instance 6c31 while it is in vm_state stopped"
    ))
    assert err is not None and err.title == "The server is stopped"
    assert "start_server" in err.what_to_do


def test_action_during_verify_resize_is_explained() -> None:
    err = errors.explain(conflict("Cannot 'reboot' instance 6c31 while it is in vm_state resized"))
    assert err is not None and err.title == "The resize waits for your confirmation"
    assert "confirm_server_resize" in err.what_to_do


def test_busy_server_keeps_its_explanation() -> None:
    err = errors.explain(conflict(
        "Cannot 'resize' instance 6c31 while it is in task_state rebooting_hard"
    ))
    assert err is not None and err.title == "The server is busy with another action"


def test_flavor_name_taken_is_explained() -> None:
    err = errors.explain(conflict("Flavor with name osworkshop-nb05-web already exists."))
    assert err is not None and err.title == "That name or address is already taken"


def test_server_group_fault_is_explained() -> None:
    server = SimpleNamespace(
        name="web-c", id="s3", status="ERROR", server_groups=["g1"],
        fault={"code": 500, "message": "No valid host was found. There are not enough hosts "
                                       "available."},
    )
    err = errors.explain_server_fault(server)
    assert err is not None and "server group" in err.title
    assert "g1" in err.detail and "soft-anti-affinity" in err.what_to_do
    server.server_groups = []
    plain = errors.explain_server_fault(server)
    assert plain is not None and plain.title == "No compute node could take web-c"
