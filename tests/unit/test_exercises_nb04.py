"""Notebook 04 checks and helpers against a tiny stand-in cloud (no lab needed)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from osworkshop.checks import load_exercises, registry
from osworkshop.exercises.nb04 import check_cli_look_only, check_project_quota
from osworkshop.identity_nb04 import (
    credential_roles,
    forget_credential,
    quota_mode,
    role_names,
    usage_html,
    usage_rows,
)

ROLES = {"r1": "reader", "r2": "member", "r3": "manager", "r4": "admin"}


class Identity:
    def __init__(self, assignments: list[tuple[str, str, str]] | None = None) -> None:
        self.project_list = [SimpleNamespace(id="p1", name="osworkshop-nb04-team")]
        self.user_list = [SimpleNamespace(id="u1", name="osworkshop-nb04-carol")]
        self.assignments = assignments or []  # (user, role id, project)
        self.credentials: list[Any] = []  # application credentials of user u1

    def find_application_credential(self, user: str, name_or_id: str) -> Any:
        return next((c for c in self.credentials if user == "u1" and name_or_id in (c.id, c.name)),
                    None)

    def delete_application_credential(self, user: str, found: Any) -> None:
        self.credentials.remove(found)

    def find_project(self, name: str, ignore_missing: bool = True) -> Any:
        return next((p for p in self.project_list if name in (p.id, p.name)), None)

    def find_user(self, name: str, ignore_missing: bool = True) -> Any:
        return next((u for u in self.user_list if name in (u.id, u.name)), None)

    def projects(self) -> list[Any]:
        return self.project_list

    def users(self) -> list[Any]:
        return self.user_list

    def roles(self) -> list[Any]:
        return [SimpleNamespace(id=i, name=n) for i, n in ROLES.items()]

    def role_assignments(self, user_id: str, scope_project_id: str) -> list[Any]:
        return [
            SimpleNamespace(role={"id": role}, user={"id": u}, scope={"project": {"id": p}})
            for u, role, p in self.assignments
            if u == user_id and p == scope_project_id
        ]


def cloud(
    *,
    instances: int = 10,
    cores: int = 20,
    ram: int = 51200,
    volumes: int = 10,
    assignments: list[tuple[str, str, str]] | None = None,
) -> Any:
    compute_quota = SimpleNamespace(instances=instances, cores=cores, ram=ram)
    storage_quota = SimpleNamespace(volumes=volumes)
    return SimpleNamespace(
        current_user_id="u1",
        identity=Identity(assignments),
        compute=SimpleNamespace(get_quota_set=lambda project: compute_quota),
        block_storage=SimpleNamespace(get_quota_set=lambda project: storage_quota),
    )


# --------------------------------------------------------------------------- nb04.quota


def test_checks_are_registered() -> None:
    load_exercises()
    assert registry["nb04.quota"] is check_project_quota
    assert registry["nb04.cli_look_only"] is check_cli_look_only


def test_quota_fails_with_the_default_quotas() -> None:
    result = check_project_quota(cloud(), "osworkshop-nb04-team")
    assert not result.passed
    assert "instances quota is 10, not 2" in result.message
    assert "volumes quota is 10, not 2" in result.message


def test_quota_fails_when_only_compute_was_set() -> None:
    result = check_project_quota(cloud(instances=2), "osworkshop-nb04-team")
    assert not result.passed
    assert "instances" not in result.message
    assert any("Cinder" in h for h in result.hints)


def test_quota_passes_when_both_are_set() -> None:
    result = check_project_quota(cloud(instances=2, volumes=2), "osworkshop-nb04-team")
    assert result.passed
    assert result.exercise == "nb04.quota"


def test_quota_passes_on_a_cloud_without_compute_quotas() -> None:
    result = check_project_quota(
        cloud(instances=-1, cores=-1, ram=-1, volumes=2), "osworkshop-nb04-team"
    )
    assert result.passed
    assert "does not enforce compute quotas" in result.message


def test_quota_fails_for_an_unknown_project() -> None:
    result = check_project_quota(cloud(instances=2, volumes=2), "nope")
    assert not result.passed
    assert "no project 'nope'" in result.message


def test_strict_mode_turns_a_wrong_quota_into_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError, match="instances quota is 10"):
        check_project_quota(cloud(), "osworkshop-nb04-team")


# --------------------------------------------------------------------------- nb04.cli_look_only

MONITOR = "osworkshop-nb04-monitor"


def with_credential(*roles: str, unrestricted: bool = False) -> Any:
    conn = cloud()
    conn.identity.credentials.append(SimpleNamespace(
        id="ac1", name=MONITOR, unrestricted=unrestricted,
        roles=[{"id": f"r-{r}", "name": r} for r in roles],
    ))
    return conn


def test_look_only_fails_without_a_credential() -> None:
    result = check_cli_look_only(cloud(), MONITOR)
    assert not result.passed and "no application credential" in result.message
    assert "--os-cloud lab-demo" in result.hints[0]


def test_look_only_fails_with_every_role_of_the_user() -> None:
    result = check_cli_look_only(with_credential("manager", "member", "reader"), MONITOR)
    assert not result.passed
    assert "carries manager, member" in result.message
    assert "--role reader" in result.hints[0]


def test_look_only_fails_without_reader() -> None:
    result = check_cli_look_only(with_credential("service"), MONITOR)
    assert not result.passed and "not reader" in result.message


def test_look_only_fails_when_unrestricted() -> None:
    result = check_cli_look_only(with_credential("reader", unrestricted=True), MONITOR)
    assert not result.passed and "unrestricted" in result.message


def test_look_only_passes_with_reader() -> None:
    result = check_cli_look_only(with_credential("reader"), MONITOR)
    assert result.passed and result.exercise == "nb04.cli_look_only"
    assert "only reader" in result.message


def test_forget_credential_deletes_it_once() -> None:
    conn = with_credential("reader")
    assert credential_roles(conn.identity.credentials[0]) == ["reader"]
    assert forget_credential(conn, MONITOR) is True
    assert forget_credential(conn, MONITOR) is False
    assert conn.identity.credentials == []


# --------------------------------------------------------------------------- helpers


def test_role_names_maps_ids_to_names() -> None:
    conn = cloud(assignments=[("u1", "r2", "p1"), ("u1", "r1", "p1")])
    assert role_names(conn, "u1", "p1") == ["member", "reader"]


def test_quota_mode() -> None:
    assert quota_mode(1, 1) == "enforced"
    assert quota_mode(-1, 1) == "off"
    assert quota_mode(None, 1) == "off"
    assert quota_mode(10, 1) == "elsewhere"


def test_usage_rows_and_html() -> None:
    quota = SimpleNamespace(
        instances=1, cores=-1, ram=512, usage={"instances": 1, "cores": 1, "ram": 512}
    )
    assert usage_rows(quota) == [
        ("Servers (instances)", 1, 1),
        ("vCPUs (cores)", 1, "unlimited"),
        ("RAM (MiB)", 512, 512),
    ]
    assert "<td style='text-align:left'>unlimited</td>" in usage_html(quota)
