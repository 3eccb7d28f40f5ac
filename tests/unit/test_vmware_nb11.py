"""Notebook 11 helpers against a stand-in cloud: aggregates, zones, landings, Placement, SVG.

Also the explanations this notebook added to osworkshop.errors (aggregates and zones).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop import vmware_nb11 as V
from osworkshop.errors import CourseError, explain

TAG = "osworkshop-nb11"
WOULD_CHANGE = (
    "Cannot remove host from aggregate 1. Reason: The host cannot be removed from the aggregate "
    "as the availability zone of the host would change from 'vmware-az' to 'None' but the host "
    "already has 1 instance(s). Changing the AZ of an existing instance is not supported by this "
    "action."
)


class Compute:
    """Just enough of Nova's compute API for the helpers, with Nova's zone rule."""

    def __init__(self, hosts: tuple[str, ...] = ("lab-compute-1", "lab-compute-2")) -> None:
        self.hosts = hosts
        self.servers_by_host: dict[str, list[Any]] = {h: [] for h in hosts}
        self.aggs: list[Any] = []
        self.deleted: list[str] = []
        self.on_conflict: Any = None  # called when Nova refuses a removal (e.g. a server leaves)
        self.server_list: dict[str, Any] = {}

    def services(self) -> list[Any]:
        found = [SimpleNamespace(binary="nova-compute", host=h, status="enabled") for h in self.hosts]
        return [*found, SimpleNamespace(binary="nova-scheduler", host="ctl", status="enabled")]

    def servers(self, all_projects: bool = False, compute_host: str = "") -> list[Any]:
        return list(self.servers_by_host.get(compute_host, []))

    def aggregates(self) -> list[Any]:
        return list(self.aggs)

    def create_aggregate(self, name: str, availability_zone: str | None = None) -> Any:
        if any(a.name == name for a in self.aggs):
            raise sdk_exc.ConflictException(f"Aggregate {name} already exists.")
        agg = SimpleNamespace(
            id=len(self.aggs) + 1, uuid=f"uuid-{name}", name=name,
            availability_zone=availability_zone, hosts=[], metadata={},
        )
        self.aggs.append(agg)
        return agg

    def set_aggregate_metadata(self, agg: Any, metadata: dict[str, str]) -> Any:
        agg.metadata = {**agg.metadata, **metadata}
        return agg

    def add_host_to_aggregate(self, agg: Any, host: str) -> Any:
        if host in agg.hosts:
            raise sdk_exc.ConflictException(f"Aggregate {agg.id} already has host {host}.")
        agg.hosts.append(host)
        return agg

    def remove_host_from_aggregate(self, agg: Any, host: str) -> Any:
        if agg.availability_zone and self.servers_by_host.get(host):
            if self.on_conflict:
                self.on_conflict()
            raise sdk_exc.ConflictException(WOULD_CHANGE)
        agg.hosts.remove(host)
        return agg

    def delete_aggregate(self, agg: Any, ignore_missing: bool = True) -> None:
        assert not agg.hosts, "Nova refuses to delete an aggregate that still has hosts"
        self.aggs.remove(agg)
        self.deleted.append(agg.name)

    def get_server(self, server_id: str) -> Any:
        return self.server_list[server_id]

    def availability_zones(self, details: bool = False) -> list[Any]:
        zones: dict[str, dict[str, Any]] = {}
        zoned = set()
        for agg in self.aggs:
            if agg.availability_zone:
                for host in agg.hosts:
                    zones.setdefault(agg.availability_zone, {})[host] = {}
                    zoned.add(host)
        for host in self.hosts:
            if host not in zoned:
                zones.setdefault("nova", {})[host] = {}
        return [SimpleNamespace(name=n, hosts=h) for n, h in zones.items()]


class Placement:
    def __init__(self, compute: Compute) -> None:
        self.compute = compute
        self.rps = [SimpleNamespace(id=f"rp-{h}", name=h) for h in compute.hosts]

    def resource_providers(self) -> list[Any]:
        return self.rps

    def resource_provider_inventories(self, rp: Any) -> list[Any]:
        return [
            SimpleNamespace(resource_class="VCPU", total=32, max_unit=32),
            SimpleNamespace(resource_class="MEMORY_MB", total=131072, max_unit=131072),
        ]

    def find_resource_provider(self, name: str, ignore_missing: bool = True) -> Any:
        return next((rp for rp in self.rps if rp.name == name), None)

    def get_resource_provider_aggregates(self, rp: Any) -> Any:
        uuids = [a.uuid for a in self.compute.aggs if rp.name in a.hosts]
        return SimpleNamespace(aggregates=uuids)


def cloud(**kwargs: Any) -> Any:
    compute = Compute(**kwargs)
    return SimpleNamespace(compute=compute, placement=Placement(compute))


def server(name: str) -> Any:
    return SimpleNamespace(name=name, id=f"id-{name}", tags=[])


# --------------------------------------------------------------------------- hosts


def test_pick_hosts_prefers_an_empty_host() -> None:
    admin = cloud()
    assert V.pick_hosts(admin) == ("lab-compute-2", "lab-compute-1")
    admin.compute.servers_by_host["lab-compute-2"] = [server("osworkshop-nb09-exp1")]
    assert V.pick_hosts(admin) == ("lab-compute-1", "lab-compute-2")


def test_pick_hosts_explains_when_every_host_is_busy() -> None:
    admin = cloud()
    for host in admin.compute.hosts:
        admin.compute.servers_by_host[host] = [server(f"osworkshop-nb05-{host}")]
    with pytest.raises(CourseError) as caught:
        V.pick_hosts(admin)
    assert "osworkshop-nb05-lab-compute-1" in caught.value.detail
    assert "cleanup" in caught.value.what_to_do
    with pytest.raises(CourseError, match="two compute hosts"):
        V.pick_hosts(cloud(hosts=("only-one",)))


# --------------------------------------------------------------------------- aggregates


def test_make_aggregate_marks_labels_and_adds_hosts() -> None:
    admin = cloud()
    agg = V.make_aggregate(
        admin, f"{TAG}-vcenter-cluster", hosts=["lab-compute-2"], zone="vmware-az",
        metadata={"hypervisor_type": "vmware-sim"},
    )
    assert agg.availability_zone == "vmware-az" and agg.hosts == ["lab-compute-2"]
    assert agg.metadata == {"hypervisor_type": "vmware-sim", "osworkshop": TAG}
    admin.compute.create_aggregate("someone-elses")
    assert [a.name for a in V.notebook_aggregates(admin)] == [f"{TAG}-vcenter-cluster"]
    assert V.zone_hosts(admin, "vmware-az") == ["lab-compute-2"]
    assert V.aggregates_of(admin, "lab-compute-2") == [f"{TAG}-vcenter-cluster"]
    assert V.placement_aggregates(admin, "lab-compute-2") == [f"{TAG}-vcenter-cluster"]
    assert V.placement_aggregates(admin, "no-such-provider") == []


def test_aggregate_rows_hide_the_course_mark() -> None:
    admin = cloud()
    V.make_aggregate(admin, f"{TAG}-kvm", hosts=["lab-compute-1"], metadata={"a": "b"})
    rows = V.aggregate_rows(admin.compute.aggregates())
    assert rows == [(f"{TAG}-kvm", "(none: users cannot see it)", "lab-compute-1", "a=b")]
    assert "users cannot see it" in V.aggregates_html(admin.compute.aggregates())


def test_teardown_empties_and_deletes_only_the_notebooks_aggregates() -> None:
    admin = cloud()
    V.make_aggregate(admin, f"{TAG}-kvm", hosts=["lab-compute-1"])
    V.make_aggregate(admin, f"{TAG}-vc", hosts=["lab-compute-2"], zone="vmware-az")
    other = admin.compute.create_aggregate("production-racks")
    admin.compute.add_host_to_aggregate(other, "lab-compute-1")
    result = V.teardown(admin, wait=0)
    assert result == {"deleted": [f"{TAG}-kvm", f"{TAG}-vc"], "blocked": []}
    assert V.aggregate_leftovers(admin) == []
    assert [a.name for a in admin.compute.aggs] == ["production-racks"]
    assert V.teardown(admin, wait=0) == {"deleted": [], "blocked": []}  # idempotent


def test_teardown_waits_for_another_notebooks_server_to_leave() -> None:
    admin = cloud()
    V.make_aggregate(admin, f"{TAG}-vc", hosts=["lab-compute-2"], zone="vmware-az")
    admin.compute.servers_by_host["lab-compute-2"] = [server("osworkshop-nb09-exp1")]
    admin.compute.on_conflict = lambda: admin.compute.servers_by_host.update({"lab-compute-2": []})
    assert V.teardown(admin, wait=5, poll=0)["deleted"] == [f"{TAG}-vc"]


def test_teardown_warns_and_keeps_an_aggregate_it_cannot_empty() -> None:
    admin = cloud()
    V.make_aggregate(admin, f"{TAG}-vc", hosts=["lab-compute-2"], zone="vmware-az")
    admin.compute.servers_by_host["lab-compute-2"] = [server("osworkshop-nb09-exp1")]
    with pytest.warns(UserWarning, match="osworkshop-nb09-exp1"):
        result = V.teardown(admin, wait=0)
    assert result["deleted"] == [] and len(result["blocked"]) == 1
    assert V.aggregate_leftovers(admin) == [f"{TAG}-vc"]


# --------------------------------------------------------------------------- landings


def test_where_did_it_land_reads_zone_host_and_aggregates() -> None:
    admin = cloud()
    V.make_aggregate(admin, f"{TAG}-vc", hosts=["lab-compute-2"], zone="vmware-az")
    admin.compute.server_list["s1"] = SimpleNamespace(
        id="s1", name=f"{TAG}-legacy-db", status="ACTIVE", availability_zone="vmware-az",
        pinned_availability_zone="vmware-az", compute_host="lab-compute-2",
        hypervisor_hostname="lab-compute-2",
    )
    landing = V.where_did_it_land(admin, SimpleNamespace(id="s1"))
    assert landing.aggregates == (f"{TAG}-vc",)
    text = landing.text()
    assert "bound to zone vmware-az" in text and "runs on host lab-compute-2" in text
    admin.compute.server_list["s2"] = SimpleNamespace(
        id="s2", name="web", status="ACTIVE", availability_zone="nova",
        pinned_availability_zone=None, compute_host="lab-compute-1",
        hypervisor_hostname="lab-compute-1",
    )
    text = V.where_did_it_land(admin, "s2").text()
    assert "bound to no zone" in text and "no aggregate" in text


def test_hypervisor_rows_with_zones() -> None:
    admin = cloud()
    V.make_aggregate(admin, f"{TAG}-vc", hosts=["lab-compute-2"], zone="vmware-az")
    hypervisors = [
        SimpleNamespace(
            name=h, hypervisor_type="fake", state="up", status="enabled",
            service_details={"host": h},
        )
        for h in ("lab-compute-2", "lab-compute-1")
    ]
    rows = V.hypervisor_rows(hypervisors, V.zone_of_host(admin))
    assert rows == [
        ("lab-compute-1", "fake", "up", "enabled", "nova"),
        ("lab-compute-2", "fake", "up", "enabled", "vmware-az"),
    ]
    assert V.hypervisor_rows(hypervisors)[0][4] == ""


# --------------------------------------------------------------------------- Placement model


def test_cluster_inventory_sums_hosts_and_caps_max_unit_at_the_biggest() -> None:
    hosts = [V.EsxiHost(32, 262144), V.EsxiHost(48, 131072), V.EsxiHost(64, 524288, True)]
    inventory = V.cluster_inventory(hosts)
    assert inventory["VCPU"] == {"total": 80, "max_unit": 48}
    assert inventory["MEMORY_MB"] == {"total": 393216, "max_unit": 262144}
    assert V.fits(inventory, 48, 262144) and not V.fits(inventory, 49, 1024)
    assert not V.fits(inventory, 8, 300000)  # fits the total, not one host
    assert V.cluster_inventory([V.EsxiHost(8, 1024, True)])["VCPU"] == {"total": 0, "max_unit": 0}
    per_host = V.per_host_inventories(hosts)
    assert len(per_host) == 3 and per_host[2]["VCPU"]["total"] == 64


def test_lab_providers_become_a_pretend_cluster() -> None:
    admin = cloud()
    inventories = V.provider_inventories(admin)
    assert inventories["lab-compute-1"]["VCPU"] == {"total": 32, "max_unit": 32}
    hosts = V.as_esxi_hosts({**inventories, "sharing-disk": {"DISK_GB": {"total": 1}}})
    assert hosts == [V.EsxiHost(32, 131072), V.EsxiHost(32, 131072)]
    assert V.cluster_inventory(hosts)["VCPU"] == {"total": 64, "max_unit": 32}


# --------------------------------------------------------------------------- SVG


@pytest.mark.parametrize("hosts", [1, 3, 6])
def test_driver_model_svg_is_well_formed(hosts: int) -> None:
    for model, label in (("vcenter", "ESXi"), ("kvm", "KVM host")):
        svg = V.driver_model_svg(model, hosts)
        root = ET.fromstring(svg)
        texts = [t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert sum(t.startswith(label) for t in texts) == hosts
    vcenter = V.driver_model_svg("vcenter", hosts)
    assert "vCenter Server" in vcenter and vcenter.count("nova-compute") == 1
    assert V.driver_model_svg("kvm", hosts).count(">nova-compute<") == hosts


def test_driver_model_svg_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="model"):
        V.driver_model_svg("hyperv")
    with pytest.raises(ValueError, match="hosts"):
        V.driver_model_svg("kvm", 0)


# --------------------------------------------------------------------------- errors added for nb11


def test_explain_aggregate_and_zone_mistakes() -> None:
    err = explain(sdk_exc.ConflictException(WOULD_CHANGE))
    assert err is not None and err.title == "A host that runs servers cannot change availability zone"
    err = explain(sdk_exc.ConflictException("Aggregate 6 already has host lab-compute-2."))
    assert err is not None and "already in that aggregate" in err.title
    err = explain(
        sdk_exc.ConflictException(
            "Cannot add host to aggregate 7. Reason: One or more hosts already in availability "
            "zone(s) ['vmware-az']."
        )
    )
    assert err is not None and "one availability zone at a time" in err.what_to_do
    err = explain(sdk_exc.ConflictException("Aggregate osworkshop-nb11-x already exists."))
    assert err is not None and err.title == "That name or address is already taken"
    err = explain(sdk_exc.BadRequestException("The requested availability zone is not available"))
    assert err is not None and err.title == "No such availability zone"
    assert "availability_zones()" in err.what_to_do


def test_pick_hosts_waits_for_a_host_to_empty() -> None:
    admin = cloud()
    for host in admin.compute.hosts:
        admin.compute.servers_by_host[host] = [server(f"osworkshop-nb05-{host}")]
    calls = {"n": 0}
    original = admin.compute.servers

    def servers(all_projects: bool = False, compute_host: str = "") -> list[Any]:
        calls["n"] += 1
        if calls["n"] > 2:  # the other notebook's clean-up has run
            admin.compute.servers_by_host["lab-compute-1"] = []
        return original(all_projects=all_projects, compute_host=compute_host)

    admin.compute.servers = servers
    assert V.pick_hosts(admin, wait=5, poll=0) == ("lab-compute-1", "lab-compute-2")


def test_default_zone_note_covers_the_three_cases() -> None:
    def landing(pinned: str) -> V.Landing:
        return V.Landing("web", "ACTIVE", "nova", pinned, "lab-compute-1", "lab-compute-1", ())

    assert "the cloud set none" in V.default_zone_note(landing(""), {"vmware-az"})
    note = V.default_zone_note(landing("nova"), {"vmware-az"})
    assert "default_schedule_zone = nova" in note and "restricts nothing" in note
    assert "stays on that zone's hosts" in V.default_zone_note(landing("kvm-az"), {"kvm-az"})


# --------------------------------------------------------------------------- the member's zones


def test_zone_aggregate_is_the_notebooks_own() -> None:
    admin = cloud()
    assert V.zone_aggregate(admin, "vmware-az") is None
    admin.compute.create_aggregate("by-hand", availability_zone="vmware-az")
    assert V.zone_aggregate(admin, "vmware-az") is None
    ours = V.make_aggregate(admin, f"{TAG}-vc", hosts=["lab-compute-2"], zone="vmware-az")
    assert V.zone_aggregate(admin, "vmware-az") is ours


def test_member_zones_leave_out_zones_without_a_working_host() -> None:
    conn = SimpleNamespace(compute=SimpleNamespace(availability_zones=lambda: [
        SimpleNamespace(name="nova", state={"available": True}),
        SimpleNamespace(name="nova", state={"available": True}),  # compute and volume zones
        SimpleNamespace(name="broken", state={"available": False}),
        SimpleNamespace(name="vmware-az", state={"available": True}),
    ]))
    assert V.member_zones(conn) == ["nova", "vmware-az"]


def test_target_zone_falls_back_to_the_default_zone_and_says_so() -> None:
    assert V.target_zone(["nova", "vmware-az"]) == ("vmware-az", "Exercise 2 boots into vmware-az.")
    zone, note = V.target_zone(["nova"])
    assert zone == "nova" and "vmware-az is not among them" in note and "instructor" in note


def test_member_landing_without_the_host() -> None:
    seen = SimpleNamespace(name="db", status="ACTIVE", pinned_availability_zone="vmware-az",
                           availability_zone="vmware-az", compute_host=None)
    assert V.member_landing(seen) == "db (ACTIVE): asked for zone vmware-az, is in zone vmware-az."
    seen.pinned_availability_zone, seen.compute_host = None, "lab-compute-1"
    assert V.member_landing(seen).endswith("asked for no zone, is in zone vmware-az, on host "
                                           "lab-compute-1.")


def test_pick_hosts_busy_ok_takes_the_least_busy_host_and_says_why() -> None:
    admin = cloud()
    admin.compute.servers_by_host["lab-compute-1"] = [server("osworkshop-nb05-a")]
    admin.compute.servers_by_host["lab-compute-2"] = [server("b"), server("c")]
    assert V.pick_hosts(admin, wait=0, busy_ok=True) == ("lab-compute-1", "lab-compute-2")
    assert "osworkshop-nb05-a" in V.busy_note(admin, "lab-compute-1")
    admin.compute.servers_by_host["lab-compute-1"] = []
    assert V.busy_note(admin, "lab-compute-1") == ""
