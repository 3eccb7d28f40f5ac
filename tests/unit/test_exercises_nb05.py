"""Notebook 05 checks against a tiny stand-in cloud (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop.checks import hint, load_exercises, registry
from osworkshop.exercises.nb05 import (
    check_anti_affinity,
    check_cli_server,
    check_flavor,
    check_resized,
)

TAG = "osworkshop-nb05"


class Compute:
    """Flavors, servers and server groups, found by name or ID."""

    def __init__(
        self,
        flavors: list[Any] | None = None,
        servers: list[Any] | None = None,
        groups: list[Any] | None = None,
    ) -> None:
        self.flavor_list = flavors or []
        self.server_list = servers or []
        self.group_list = groups or []

    @staticmethod
    def _find(items: list[Any], name: str) -> Any:
        return next((i for i in items if name in (i.id, i.name)), None)

    def find_flavor(self, name: str, ignore_missing: bool = True) -> Any:
        return self._find(self.flavor_list, name)

    def find_server(self, name: str, ignore_missing: bool = True) -> Any:
        return self._find(self.server_list, name)

    def get_server(self, server_id: str) -> Any:
        found = self._find(self.server_list, server_id)
        if found is None:
            raise sdk_exc.NotFoundException(message=f"No server {server_id}")
        return found

    def find_server_group(self, name: str, ignore_missing: bool = True) -> Any:
        return self._find(self.group_list, name)


def cloud(**kwargs: Any) -> Any:
    return SimpleNamespace(compute=Compute(**kwargs))


def flavor(vcpus: int = 2, ram: int = 3072, disk: int = 30, public: bool = True) -> Any:
    return SimpleNamespace(id="f1", name=f"{TAG}-app", vcpus=vcpus, ram=ram, disk=disk,
                           ephemeral=0, swap=0, is_public=public)


def server(name: str = f"{TAG}-app1", status: str = "ACTIVE", flavor_name: str = f"{TAG}-app",
           host_id: str = "h1", sid: str = "s1", fault: Any = None,
           network: str = "demo-net") -> Any:
    return SimpleNamespace(id=sid, name=name, status=status, host_id=host_id, fault=fault,
                           flavor={"original_name": flavor_name, "vcpus": 2},
                           addresses={network: [{"addr": "10.0.0.5"}]})


def test_checks_are_registered_with_hints() -> None:
    load_exercises()
    assert registry["nb05.flavor"] is check_flavor
    assert registry["nb05.resize"] is check_resized
    assert registry["nb05.anti_affinity"] is check_anti_affinity
    assert registry["nb05.cli_server"] is check_cli_server
    assert "admin" in hint("nb05.flavor", 1)
    assert "confirm_server_resize" in hint("nb05.resize", 3)
    assert "scheduler_hints" in hint("nb05.anti_affinity", 2)


# --------------------------------------------------------------------------- nb05.flavor


def test_flavor_missing() -> None:
    result = check_flavor(cloud(), f"{TAG}-app", vcpus=2, ram=3072, disk=30)
    assert not result.passed and "no flavor" in result.message


def test_flavor_wrong_sizes() -> None:
    result = check_flavor(cloud(flavors=[flavor(vcpus=1, disk=20)]), f"{TAG}-app",
                          vcpus=2, ram=3072, disk=30)
    assert not result.passed
    assert "vCPUs is 1, not 2" in result.message and "disk (GB) is 20, not 30" in result.message
    assert "RAM" not in result.message
    assert any("delete this one" in h for h in result.hints)


def test_flavor_ram_given_in_gib_gets_a_hint() -> None:
    result = check_flavor(cloud(flavors=[flavor(ram=3)]), f"{TAG}-app", vcpus=2, ram=3072,
                          disk=30)
    assert not result.passed and "RAM (MiB) is 3, not 3072" in result.message
    assert result.hints[0].startswith("RAM is given in MiB")


def test_flavor_private() -> None:
    result = check_flavor(cloud(flavors=[flavor(public=False)]), f"{TAG}-app", vcpus=2,
                          ram=3072, disk=30)
    assert not result.passed and "private" in result.message
    assert "flavor_add_tenant_access" in result.hints[0]


def test_flavor_passes() -> None:
    result = check_flavor(cloud(flavors=[flavor()]), f"{TAG}-app", vcpus=2, ram=3072, disk=30)
    assert result.passed and result.exercise == "nb05.flavor"


def test_strict_mode_turns_a_missing_flavor_into_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="no flavor"):
        check_flavor(cloud(), f"{TAG}-app", vcpus=2, ram=3072, disk=30)


# --------------------------------------------------------------------------- nb05.cli_server

CLI = f"{TAG}-cli"


def check_cli(*servers: Any) -> Any:
    return check_cli_server(cloud(servers=list(servers)), CLI, flavor="m1.tiny",
                            network="demo-net")


def test_cli_server_missing() -> None:
    result = check_cli()
    assert not result.passed and "no server" in result.message
    assert "openstack --os-cloud lab-demo server create" in result.hints[0]


def test_cli_server_still_building() -> None:
    result = check_cli(server(CLI, status="BUILD", flavor_name="m1.tiny"))
    assert not result.passed and "not ACTIVE yet" in result.message


def test_cli_server_wrong_flavor() -> None:
    result = check_cli(server(CLI, flavor_name="m1.small"))
    assert not result.passed and "m1.small, not m1.tiny" in result.message
    assert "--flavor m1.tiny" in result.hints[0]


def test_cli_server_wrong_network() -> None:
    result = check_cli(server(CLI, flavor_name="m1.tiny", network="other-net"))
    assert not result.passed and "on other-net, not demo-net" in result.message


def test_cli_server_passes() -> None:
    result = check_cli(server(CLI, flavor_name="m1.tiny"))
    assert result.passed and result.exercise == "nb05.cli_server"


# --------------------------------------------------------------------------- nb05.resize


def test_resize_server_missing() -> None:
    result = check_resized(cloud(), f"{TAG}-app1", f"{TAG}-app")
    assert not result.passed and "no server" in result.message


def test_resize_not_done_yet() -> None:
    result = check_resized(cloud(servers=[server(flavor_name="m1.tiny")]), f"{TAG}-app1",
                           f"{TAG}-app")
    assert not result.passed and "runs with flavor m1.tiny" in result.message


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("RESIZE", "still resizing"),
        ("VERIFY_RESIZE", "waits for you to confirm"),
        ("SHUTOFF", "its status is SHUTOFF"),
    ],
)
def test_resize_in_between(status: str, words: str) -> None:
    result = check_resized(cloud(servers=[server(status=status)]), f"{TAG}-app1", f"{TAG}-app")
    assert not result.passed and words in result.message


def test_resize_error_is_explained() -> None:
    broken = server(status="ERROR", fault={"code": 500, "message": "No valid host was found."})
    result = check_resized(cloud(servers=[broken]), f"{TAG}-app1", f"{TAG}-app")
    assert not result.passed and "is in ERROR" in result.message
    assert any("Delete the failed server" in h for h in result.hints)


def test_resize_passes() -> None:
    result = check_resized(cloud(servers=[server()]), f"{TAG}-app1", f"{TAG}-app")
    assert result.passed and "confirmed" in result.message


# --------------------------------------------------------------------------- nb05.anti_affinity


def group(policy: str = "anti-affinity", members: tuple[str, ...] = ("s1", "s2")) -> Any:
    return SimpleNamespace(id="g1", name=f"{TAG}-spread", policy=policy, policies=None,
                           member_ids=list(members))


def pair(host_b: str = "h2", status_b: str = "ACTIVE") -> list[Any]:
    return [server(f"{TAG}-web-a", sid="s1", host_id="h1"),
            server(f"{TAG}-web-b", sid="s2", host_id=host_b, status=status_b)]


def test_anti_affinity_group_missing() -> None:
    result = check_anti_affinity(cloud(), f"{TAG}-spread")
    assert not result.passed and "no server group" in result.message


def test_anti_affinity_soft_policy_is_not_enough() -> None:
    result = check_anti_affinity(cloud(groups=[group("soft-anti-affinity")], servers=pair()),
                                 f"{TAG}-spread")
    assert not result.passed and "Soft anti-affinity" in result.message


def test_anti_affinity_old_style_policies_list() -> None:
    old = group(policy=None)
    old.policies = ["affinity"]
    result = check_anti_affinity(cloud(groups=[old], servers=pair()), f"{TAG}-spread")
    assert not result.passed and "'affinity'" in result.message


def test_anti_affinity_needs_two_active_members() -> None:
    result = check_anti_affinity(cloud(groups=[group()], servers=pair(status_b="ERROR")),
                                 f"{TAG}-spread")
    assert not result.passed and "1 ACTIVE member(s), not 2" in result.message
    assert "web-b ERROR" in result.message


def test_anti_affinity_skips_a_member_deleted_meanwhile() -> None:
    result = check_anti_affinity(
        cloud(groups=[group(members=("s1", "s2", "gone"))], servers=pair()), f"{TAG}-spread"
    )
    assert result.passed


def test_anti_affinity_same_host_fails() -> None:
    result = check_anti_affinity(cloud(groups=[group()], servers=pair(host_b="h1")),
                                 f"{TAG}-spread")
    assert not result.passed and "share hosts" in result.message


def test_anti_affinity_passes_with_a_failed_third_member() -> None:
    third = server(f"{TAG}-web-c", sid="s3", host_id="", status="ERROR")
    result = check_anti_affinity(
        cloud(groups=[group(members=("s1", "s2", "s3"))], servers=[*pair(), third]),
        f"{TAG}-spread",
    )
    assert result.passed and "2 different hosts" in result.message
