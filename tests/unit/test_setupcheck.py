from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from osworkshop import setupcheck as sc
from osworkshop.errors import CourseError

LAB_CATALOG = [
    {"type": "block-storage", "name": "cinder", "endpoint": "http://127.0.0.1:8776/v3/p"},
    {"type": "compute", "name": "nova", "endpoint": "http://127.0.0.1:8774/v2.1"},
    {"type": "identity", "name": "keystone", "endpoint": "http://127.0.0.1:5000/v3/"},
    {"type": "image", "name": "glance", "endpoint": "http://127.0.0.1:9292"},
    {"type": "network", "name": "neutron", "endpoint": "http://127.0.0.1:9696"},
    {"type": "object-store", "name": "swift", "endpoint": "http://127.0.0.1:8080/v1/AUTH_p"},
    {"type": "placement", "name": "placement", "endpoint": "http://127.0.0.1:8778"},
    {"type": "volumev3", "name": "cinderv3", "endpoint": "http://127.0.0.1:8776/v3/p"},
]


@pytest.fixture(autouse=True)
def not_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)


# --------------------------------------------------------------------------- errors


def _wrong_password_from_authorize() -> BaseException:
    """What ``Connection.authorize()`` raises for a wrong password: a bare SDKException."""
    try:
        try:
            raise ksa_exc.Unauthorized("The request you have made requires authentication.")
        except ksa_exc.ClientException as inner:
            raise sdk_exc.SDKException(str(inner))  # as openstacksdk does
    except sdk_exc.SDKException as outer:
        return outer


def test_wrong_password_gives_one_clear_message() -> None:
    exc = _wrong_password_from_authorize()
    err = sc.explain_exception(exc)
    assert err.title == "Wrong user name, password or project"
    assert "clouds.yaml" in err.what_to_do
    assert err.original is exc


def test_unknown_error_still_gives_a_message() -> None:
    err = sc.explain_exception(RuntimeError("boom"))
    assert err.title == "Unexpected error (RuntimeError: boom)" and "boom" in err.detail


def test_report_attempt_records_the_wrong_password() -> None:
    report = sc.Report()

    def login() -> None:
        raise _wrong_password_from_authorize()

    assert report.attempt("login", login) is None
    assert not report.ready
    summary = report.summary()
    assert summary.startswith("1 problem(s):")
    assert "login: Wrong user name, password or project." in summary
    assert summary.count("\n- ") == 1  # one message per failure


def test_report_ready_and_rerun_replaces_a_step() -> None:
    report = sc.Report()
    assert report.summary().startswith("nothing checked")
    report.add(sc.failed("login", CourseError("t", "d", "w")))
    report.add(sc.passed("login", "demo"))  # the cell was run again and now works
    report.add(sc.skipped("hypervisors", "no admin"))
    assert report.ready
    assert report.summary() == "ready (skipped: hypervisors)"
    assert "&#10004;" in report._repr_html_()


def test_finish_raises_only_when_strict(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    report = sc.Report([sc.failed("x", CourseError("Broken", "d", "Fix it."))])
    assert "Broken" in report.finish()
    assert "x: Broken. Fix it." in capsys.readouterr().out
    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    with pytest.raises(AssertionError):
        report.finish()


# --------------------------------------------------------------------------- clouds.yaml


def fake_config(
    names: list[str], file: str | None = "/home/me/.config/openstack/clouds.yaml"
) -> Any:
    return SimpleNamespace(
        get_cloud_names=lambda: names, config_filename=file, secure_config_filename=None
    )


def test_choose_cloud_precedence() -> None:
    assert sc.choose_cloud(None, {})[0] == "lab-demo"
    assert sc.choose_cloud(None, {"OS_CLOUD": "devstack"}) == ("devstack", "$OS_CLOUD")
    env = {"OS_CLOUD": "devstack", "OSWORKSHOP_CLOUD": "classroom"}
    assert sc.choose_cloud(None, env) == ("classroom", "$OSWORKSHOP_CLOUD")
    assert sc.choose_cloud("mine", env)[0] == "mine"


def test_clouds_found_and_chosen() -> None:
    info = sc.clouds_info(config=fake_config(["lab-demo", "lab-admin"]), environ={})
    assert info.clouds == ["lab-admin", "lab-demo"] and info.chosen == "lab-demo"
    step = sc.judge_clouds(info)
    assert step.ok and "lab-demo" in step.summary
    assert "<code>lab-admin</code> (present)" in sc.clouds_html(info)


def test_chosen_cloud_missing_from_clouds_yaml() -> None:
    info = sc.clouds_info(
        config=fake_config(["lab-demo"]), environ={"OSWORKSHOP_CLOUD": "classroom"}
    )
    step = sc.judge_clouds(info)
    assert step.ok is False and step.problem is not None
    assert "`classroom` is not in clouds.yaml" in step.problem.title
    assert "$OSWORKSHOP_CLOUD" in step.problem.detail


def test_no_clouds_yaml() -> None:
    info = sc.clouds_info(config=fake_config(["defaults"], file=None), environ={})
    step = sc.judge_clouds(info)
    assert step.problem is not None and step.problem.title == "No clouds.yaml found"
    assert "labsetup up" in step.problem.what_to_do


# --------------------------------------------------------------------------- login


def fake_login_conn(roles: list[str]) -> Any:
    access = SimpleNamespace(
        username="demo",
        user_domain_name="Default",
        project_name="demo",
        project_id="p1",
        role_names=roles,
        auth_token="gAAAAABsecretsecret",
        expires="2026-11-24 10:00:00+00:00",
    )
    return SimpleNamespace(
        authorize=lambda: "token",
        session=SimpleNamespace(auth=SimpleNamespace(get_access=lambda session: access)),
        config=SimpleNamespace(
            name="lab-demo", region_name="RegionOne", auth={"auth_url": "http://127.0.0.1:5000/v3"}
        ),
    )


def test_login_info_and_judgement() -> None:
    info = sc.login_info(fake_login_conn(["reader", "member"]))
    assert info.roles == ["member", "reader"] and info.token_start == "gAAAAABs"
    assert sc.judge_login(info).ok
    html = sc.login_html(info)
    assert "secretsecret" not in html and "RegionOne" in html


def test_login_without_roles_fails() -> None:
    step = sc.judge_login(sc.login_info(fake_login_conn([])))
    assert step.problem is not None and "no role" in step.problem.title


def test_report_check_records_judgement_or_error() -> None:
    report = sc.Report()
    info = report.check("login", lambda: sc.login_info(fake_login_conn(["member"])), sc.judge_login)
    assert info is not None and report.step("login").ok

    def wrong_password() -> sc.LoginInfo:
        raise _wrong_password_from_authorize()

    assert report.check("login", wrong_password, sc.judge_login) is None
    step = report.step("login")
    assert step is not None and step.problem is not None
    assert step.problem.title == "Wrong user name, password or project"
    assert len(report.steps) == 1


# --------------------------------------------------------------------------- services


def test_all_course_services_present() -> None:
    rows = sc.service_rows(LAB_CATALOG)
    assert len(rows) == 7
    assert {r.codename for r in rows} == {
        "keystone",
        "nova",
        "placement",
        "glance",
        "neutron",
        "cinder",
        "swift",
    }
    assert sc.judge_services(rows).ok
    assert sc.missing_services(rows) == []


def test_missing_service_is_named_with_its_impact() -> None:
    catalog = [row for row in LAB_CATALOG if row["type"] != "object-store"]
    rows = sc.service_rows(catalog)
    missing = sc.missing_services(rows)
    assert [r.codename for r in missing] == ["swift"]
    step = sc.judge_services(rows)
    assert step.ok is False and step.problem is not None
    assert step.problem.title == "This cloud lacks 1 course service(s): swift"
    assert "08 Storage" in step.problem.detail  # notebook title comes from data/outline.yaml
    assert "MISSING" in sc.services_html(rows)


def test_old_volumev3_name_counts_as_block_storage() -> None:
    catalog = [row for row in LAB_CATALOG if row["type"] != "block-storage"]
    cinder = next(r for r in sc.service_rows(catalog) if r.codename == "cinder")
    assert cinder.present and cinder.catalog_type == "volumev3"


def test_catalog_html_escapes() -> None:
    html = sc.catalog_html([{"type": "x", "name": "<b>", "endpoint": "http://h"}])
    assert "&lt;b&gt;" in html and "<b>" not in html


# --------------------------------------------------------------------------- hypervisors


def hv(name: str, state: str = "up", status: str = "enabled") -> Any:
    return SimpleNamespace(
        name=name,
        hypervisor_type="fake",
        hypervisor_version=1000,
        state=state,
        status=status,
        host_ip="127.0.0.1",
    )


def test_hypervisors() -> None:
    admin = SimpleNamespace(
        compute=SimpleNamespace(hypervisors=lambda details: [hv("c2"), hv("c1")])
    )
    rows = sc.hypervisor_rows(admin)
    assert [r.name for r in rows] == ["c1", "c2"]
    assert sc.judge_hypervisors(rows).ok
    assert "fake" in sc.hypervisors_html(rows)


def test_hypervisor_down_or_no_admin() -> None:
    admin = SimpleNamespace(compute=SimpleNamespace(hypervisors=lambda details: [hv("c1", "down")]))
    step = sc.judge_hypervisors(sc.hypervisor_rows(admin))
    assert step.problem is not None and "c1" in step.problem.title
    assert sc.judge_hypervisors(None).ok is None
    assert sc.judge_hypervisors([]).problem is not None


# --------------------------------------------------------------------------- quotas


def quota_conn(*, no_volumes: bool = False, instances_used: int = 1) -> Any:
    compute_quota = SimpleNamespace(
        instances=10,
        cores=20,
        ram=51200,
        key_pairs=100,
        server_groups=10,
        usage={"instances": instances_used, "cores": 1, "ram": 512},
    )
    network_quota = SimpleNamespace(
        networks={"limit": 100, "used": 1},
        subnets={"limit": 100, "used": 1},
        ports={"limit": 500, "used": 2},
        routers={"limit": 10, "used": 1},
        floating_ips={"limit": 50, "used": 0},
        security_groups={"limit": 10, "used": 1},
        security_group_rules={"limit": 100, "used": 4},
    )
    volume_quota = SimpleNamespace(
        volumes=10, gigabytes=-1, snapshots=10, backups=10, usage={"volumes": 0}
    )

    def volumes(project_id: str, usage: bool) -> Any:
        if no_volumes:
            raise sdk_exc.EndpointNotFound("no block-storage endpoint")
        return volume_quota

    return SimpleNamespace(
        current_project_id="p1",
        compute=SimpleNamespace(get_quota_set=lambda project_id, usage: compute_quota),
        network=SimpleNamespace(get_quota=lambda project_id, details: network_quota),
        block_storage=SimpleNamespace(get_quota_set=volumes),
    )


def test_quotas_read_from_three_services() -> None:
    quotas = sc.quota_rows(quota_conn())
    assert {r.service for r in quotas.rows} == {"compute", "network", "block-storage"}
    ram = next(r for r in quotas.rows if r.resource == "ram")
    assert (ram.limit, ram.in_use) == (51200, 512)
    assert sc.judge_quotas(quotas).ok
    html = sc.quotas_html(quotas)
    assert "ram (MiB)" in html and "unlimited" in html


def test_quota_used_up_and_missing_service() -> None:
    quotas = sc.quota_rows(quota_conn(no_volumes=True, instances_used=10))
    assert quotas.notes == {"block-storage": "this cloud does not offer the service"}
    step = sc.judge_quotas(quotas)
    assert step.problem is not None and "instances (10 of 10)" in step.problem.detail


def test_quota_forbidden_is_explained() -> None:
    conn = quota_conn()

    def forbidden(project_id: str, usage: bool) -> Any:
        raise sdk_exc.ForbiddenException("Policy doesn't allow os_compute_api:os-quota-sets:show")

    conn.compute.get_quota_set = forbidden
    step = sc.judge_quotas(sc.quota_rows(conn))
    assert step.problem is not None
    assert step.problem.title == "Could not read the compute quota: Your role does not allow this"


# --------------------------------------------------------------------------- packages


def write_pyproject(tmp_path: Path) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "course"\nversion = "0.2.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["openstacksdk>=4.0", "ipywidgets>=8.0", "JupyterLab>=4.0"]\n',
        encoding="utf-8",
    )
    return path


def versions(**found: str) -> Any:
    def version_of(dist: str) -> str:
        key = "osworkshop" if dist not in ("openstacksdk", "ipywidgets", "jupyterlab") else dist
        if key not in found:
            raise sc.metadata.PackageNotFoundError(dist)
        return found[key]

    return version_of


def test_spec_is_read_from_pyproject(tmp_path: Path) -> None:
    spec = sc.course_spec(write_pyproject(tmp_path))
    assert spec.requires == {"openstacksdk": ">=4.0", "ipywidgets": ">=8.0", "jupyterlab": ">=4.0"}
    assert (spec.python, spec.version) == (">=3.11", "0.2.0")


def test_packages_match(tmp_path: Path) -> None:
    spec = sc.course_spec(write_pyproject(tmp_path))
    found = versions(
        openstacksdk="4.22.0", ipywidgets="8.1.9", jupyterlab="4.6.6", osworkshop="0.2.0"
    )
    rows = sc.package_rows(spec, version_of=found, python_version="3.11.7")
    assert [r.name for r in rows] == [
        "python",
        "openstacksdk",
        "ipywidgets",
        "jupyterlab",
        "osworkshop",
    ]
    assert all(r.ok for r in rows)
    assert sc.judge_packages(rows, spec).ok


def test_old_or_missing_packages_fail(tmp_path: Path) -> None:
    spec = sc.course_spec(write_pyproject(tmp_path))
    found = versions(openstacksdk="3.3.0", ipywidgets="8.1.9", osworkshop="0.1.0")
    rows = sc.package_rows(spec, version_of=found, python_version="3.10.2")
    bad = {r.name for r in rows if not r.ok}
    assert bad == {"python", "openstacksdk", "jupyterlab", "osworkshop"}
    step = sc.judge_packages(rows, spec)
    assert step.problem is not None
    assert "openstacksdk 3.3.0 (needs >=4.0)" in step.problem.detail
    assert "jupyterlab not installed" in step.problem.detail
    assert "NO" in sc.packages_html(rows)


def test_installed_course_matches_the_repository() -> None:
    spec = sc.course_spec()
    rows = sc.package_rows(spec)
    assert all(r.ok for r in rows), rows


# --------------------------------------------------------------------------- admin


def test_try_admin_skips_without_admin_cloud(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text("clouds:\n  only-demo:\n    auth:\n      auth_url: http://127.0.0.1:9/v3\n")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    monkeypatch.setenv("OSWORKSHOP_ADMIN_CLOUD", "classroom-admin")
    report = sc.Report()
    assert sc.try_admin(report) is None
    assert report.steps[0].ok is None and "classroom-admin" in report.steps[0].summary
