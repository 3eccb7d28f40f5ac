"""Notebook 11 checks against a tiny stand-in cloud (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb11 import check_cli_web, check_landed_in_zone, check_zone_holds_host

TAG = "osworkshop-nb11"


def aggregate(name: str, zone: str | None, hosts: list[str], **metadata: str) -> Any:
    return SimpleNamespace(name=name, availability_zone=zone, hosts=hosts, metadata=metadata)


def cloud(
    aggregates: list[Any] | None = None,
    servers: list[Any] | None = None,
    microversion: tuple[int, int] | None = (2, 100),
) -> Any:
    servers = servers or []

    def find_server(name: str, ignore_missing: bool = True) -> Any:
        # the member's own connection: no all_projects (a classroom student has no admin)
        return next((s for s in servers if name in (s.id, s.name)), None)

    def endpoint_data() -> Any:
        if microversion is None:
            raise RuntimeError("no version discovery on this stand-in")
        return SimpleNamespace(max_microversion=microversion)

    compute = SimpleNamespace(
        aggregates=lambda: list(aggregates or []),
        find_server=find_server,
        get_server=lambda server_id: next(s for s in servers if s.id == server_id),
        get_endpoint_data=endpoint_data,
    )
    return SimpleNamespace(compute=compute)


def vm(name: str = f"{TAG}-legacy-db", **fields: Any) -> Any:
    values = {
        "id": "s1", "name": name, "status": "ACTIVE", "availability_zone": "vmware-az",
        "pinned_availability_zone": "vmware-az", "compute_host": "lab-compute-2", "fault": None,
    }
    values.update(fields)
    return SimpleNamespace(**values)


OURS = aggregate(f"{TAG}-vcenter-cluster", "vmware-az", ["lab-compute-2"],
                 hypervisor_type="vmware-sim")


def test_checks_are_registered() -> None:
    load_exercises()
    assert registry["nb11.zone_holds_host"] is check_zone_holds_host
    assert registry["nb11.landed_in_zone"] is check_landed_in_zone
    assert registry["nb11.cli_web"] is check_cli_web


# --------------------------------------------------------------------------- nb11.zone_holds_host


def test_zone_check_passes_for_the_solution() -> None:
    result = check_zone_holds_host(cloud([OURS]), "vmware-az", "lab-compute-2", label="vmware-sim")
    assert result.passed and "osworkshop-nb11-vcenter-cluster" in result.message


@pytest.mark.parametrize(
    ("aggregates", "expected"),
    [
        ([], "No host aggregate carries"),
        ([aggregate(f"{TAG}-vc", "vmware-az", [])], "is not in it yet"),
        ([aggregate("by-hand", "vmware-az", ["lab-compute-2"])], "cannot find"),
        ([aggregate(f"{TAG}-vc", "vmware-az", ["lab-compute-2"])], "no metadata"),
        ([aggregate(f"{TAG}-vc", None, ["lab-compute-2"])], "has no availability zone"),
        ([aggregate("by-hand", None, ["lab-compute-2"])], "No host aggregate carries"),
    ],
)
def test_zone_check_explains_what_is_missing(aggregates: list[Any], expected: str) -> None:
    result = check_zone_holds_host(
        cloud(aggregates), "vmware-az", "lab-compute-2", label="vmware-sim"
    )
    assert not result.passed and expected in result.message
    assert result.exercise == "nb11.zone_holds_host"


def test_zone_check_without_label_and_strict_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = aggregate(f"{TAG}-vc", "vmware-az", ["lab-compute-2"])
    assert check_zone_holds_host(cloud([plain]), "vmware-az", "lab-compute-2").passed
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="NOT YET"):
        check_zone_holds_host(cloud([]), "vmware-az", "lab-compute-2")


# --------------------------------------------------------------------------- nb11.landed_in_zone


def test_landed_check_passes_for_the_solution() -> None:
    result = check_landed_in_zone(cloud([OURS], [vm()]), f"{TAG}-legacy-db", "vmware-az")
    assert result.passed and "lab-compute-2" in result.message


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        (None, "There is no server"),
        (vm(status="BUILD"), "not ACTIVE yet"),
        (
            vm(status="ERROR", fault={"code": 500, "message": "No valid host was found."}),
            "is in ERROR",
        ),
        (vm(pinned_availability_zone=None), "did not ask for a zone"),
        (vm(pinned_availability_zone="nova", availability_zone="nova"), "asked for zone 'nova'"),
        (vm(availability_zone="nova", compute_host="lab-compute-1"), "runs in zone nova, not in"),
    ],
)
def test_landed_check_explains(server: Any, expected: str) -> None:
    servers = [server] if server else []
    result = check_landed_in_zone(cloud([OURS], servers), f"{TAG}-legacy-db", "vmware-az")
    assert not result.passed and expected in result.message


def test_landed_check_on_a_cloud_without_pinned_zones() -> None:
    # Before compute API 2.96 Nova does not say which zone a server asked for: judge by landing.
    old = vm(pinned_availability_zone=None)
    assert check_landed_in_zone(cloud([OURS], [old], (2, 95)), old.name, "vmware-az").passed
    assert check_landed_in_zone(cloud([OURS], [old], None), old.name, "vmware-az").passed


def test_landed_check_for_a_member_who_cannot_see_the_host() -> None:
    # A classroom student: no compute_host, and the default zone when nobody made vmware-az.
    member = vm(pinned_availability_zone="nova", availability_zone="nova", compute_host=None)
    result = check_landed_in_zone(cloud([], [member]), member.name, "nova")
    assert result.passed and "runs there" in result.message


# --------------------------------------------------------------------------- nb11.cli_web


def web(**fields: Any) -> Any:
    values: dict[str, Any] = {"availability_zone": "nova", "pinned_availability_zone": None}
    return vm(f"{TAG}-web", **{**values, **fields})


def test_cli_web_passes_for_a_server_that_asked_for_no_zone() -> None:
    result = check_cli_web(cloud([], [web()]), f"{TAG}-web")
    assert result.passed and "asked for no zone" in result.message and "lab-compute-2" in result.message


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        (None, "There is no server"),
        (web(pinned_availability_zone="nova"), "asked for zone 'nova': nova is only the name"),
        (web(pinned_availability_zone="vmware-az"), "asked for zone 'vmware-az'."),
        (web(status="BUILD"), "not ACTIVE yet"),
    ],
)
def test_cli_web_explains(server: Any, expected: str) -> None:
    result = check_cli_web(cloud([], [server] if server else []), f"{TAG}-web")
    assert not result.passed and expected in result.message
    assert any("openstack --os-cloud lab-demo server create" in h for h in result.hints)


def test_cli_web_on_a_cloud_without_pinned_zones() -> None:
    assert check_cli_web(cloud([], [web(pinned_availability_zone="nova")], (2, 95))).passed
