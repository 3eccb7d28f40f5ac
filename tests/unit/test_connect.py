from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import osworkshop
from osworkshop.errors import CourseError

# `osworkshop.connect` is the function; the module is reached through sys.modules.
c = sys.modules["osworkshop.connect"]

CATALOG = [
    {
        "type": "identity",
        "name": "keystone",
        "endpoints": [
            {"interface": "admin", "url": "http://a:5000/v3"},
            {"interface": "public", "url": "http://127.0.0.1:5000/v3"},
        ],
    },
    {
        "type": "compute",
        "name": "nova",
        "endpoints": [{"interface": "public", "url": "http://127.0.0.1:8774/v2.1"}],
    },
    {
        "type": "volumev3",
        "name": "cinderv3",
        "endpoints": [{"interface": "public", "url": "http://127.0.0.1:8776/v3"}],
    },
]


def fake_conn(catalog: list[dict[str, Any]]) -> Any:
    access = SimpleNamespace(service_catalog=SimpleNamespace(catalog=catalog))
    auth = SimpleNamespace(get_access=lambda session: access)
    return SimpleNamespace(session=SimpleNamespace(auth=auth))


@pytest.fixture
def clouds(use_clouds_yaml: Callable[[str], Path]) -> Path:
    return use_clouds_yaml(
        "clouds:\n"
        "  closed:\n"
        "    auth:\n"
        "      auth_url: http://127.0.0.1:9/v3\n"
        "      username: demo\n      password: x\n      project_name: demo\n"
        "      user_domain_name: Default\n      project_domain_name: Default\n",
    )


def test_cloud_name_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OSWORKSHOP_CLOUD", raising=False)
    monkeypatch.delenv("OS_CLOUD", raising=False)
    assert c.cloud_name() == "lab-demo"
    monkeypatch.setenv("OS_CLOUD", "devstack")
    assert c.cloud_name() == "devstack"
    monkeypatch.setenv("OSWORKSHOP_CLOUD", "classroom")
    assert c.cloud_name() == "classroom"
    assert c.cloud_name("mine") == "mine"


def test_unknown_cloud_is_explained(clouds: Path) -> None:
    with pytest.raises(CourseError) as info:
        c.connect("nope")
    assert info.value.title == "Cloud configuration problem"
    assert "`closed`" in info.value.detail
    assert "[cloud `nope`]" in info.value.detail


def test_cloud_not_answering_is_explained(clouds: Path) -> None:
    with pytest.raises(CourseError) as info:
        c.connect("closed")
    assert info.value.title == "The cloud is not answering"


def test_no_check_does_not_contact_the_cloud(clouds: Path) -> None:
    conn = c.connect("closed", check=False)
    assert conn.config.name == "closed"


def test_admin_respects_env(clouds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OSWORKSHOP_ADMIN_CLOUD", "closed")
    assert c.admin(check=False).config.name == "closed"


def test_services_lists_public_endpoints() -> None:
    rows = c.services(fake_conn(CATALOG))
    assert rows[0] == {"type": "compute", "name": "nova", "endpoint": "http://127.0.0.1:8774/v2.1"}
    assert {"type": "identity", "name": "keystone", "endpoint": "http://127.0.0.1:5000/v3"} in rows


def test_offers_knows_aliases() -> None:
    conn = fake_conn(CATALOG)
    assert c.offers(conn, "compute")
    assert c.offers(conn, "block-storage")
    assert not c.offers(conn, "object-store")


def test_require_explains_what_is_skipped() -> None:
    conn = fake_conn(CATALOG)
    c.require(conn, "compute", "nothing runs")
    with pytest.raises(CourseError) as info:
        c.require(conn, "object-store", "the Swift part of this notebook is skipped.")
    assert info.value.title == "This cloud has no object-store service"
    assert "Swift part" in info.value.detail
    assert "compute, identity, volumev3" in info.value.detail


def test_package_exports() -> None:
    assert osworkshop.connect is c.connect
    assert osworkshop.services is c.services
    assert isinstance(osworkshop.__version__, str)



class _Login:
    """Stands in for the connection openstack.connect returns: Keystone refuses it or not."""

    def __init__(self, refuse: bool) -> None:
        self.refuse = refuse

    def authorize(self) -> str:
        from keystoneauth1.exceptions.http import Unauthorized

        if self.refuse:
            raise Unauthorized("The request you have made requires authentication.")
        return "token"


def _like():
    import types

    return types.SimpleNamespace(config=types.SimpleNamespace(
        auth={"auth_url": "http://127.0.0.1:5000/v3"}, region_name="RegionOne"))


def test_connect_as_ignores_clouds_yaml_and_os_cloud(monkeypatch) -> None:
    c = importlib.import_module("osworkshop.connect")  # the package attribute is the function
    seen: dict = {}
    monkeypatch.setenv("OS_CLOUD", "lab-demo")
    monkeypatch.setattr(c.openstack, "connect", lambda **kw: seen.update(kw) or _Login(False))
    c.connect_as(_like(), "alice", "pw", "team")
    assert seen["username"] == "alice" and seen["project_name"] == "team"
    assert seen["load_yaml_config"] is False and seen["load_envvars"] is False
    assert "cloud" not in seen


def test_connect_as_explains_a_refused_login(monkeypatch) -> None:
    import pytest

    from osworkshop.errors import CourseError

    c = importlib.import_module("osworkshop.connect")
    monkeypatch.setattr(c.openstack, "connect", lambda **kw: _Login(True))
    with pytest.raises(CourseError, match="alice"):
        c.connect_as(_like(), "alice", "wrong", "team")


def test_a_broken_clouds_yaml_is_named_with_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    C = importlib.import_module("osworkshop.connect")

    f = tmp_path / "clouds.yaml"
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(f))
    monkeypatch.setattr("openstack.config.loader.CONFIG_FILES", [])
    f.write_text("clouds:\n  lab-demo:\n    auth: {auth_url: x}\n")
    assert C.broken_config_file() is None
    f.write_text("clouds:\n  lab-demo: [this is: not: valid\n")
    err = C.broken_config_file()
    assert err is not None and "not valid YAML" in err.title and "line 2" in err.detail
    with pytest.raises(CourseError, match="not valid YAML"):
        C.connect("lab-demo")
    f.write_text("clouds:\n  - lab-demo\n")
    err = C.broken_config_file()
    assert err is not None and "wrong shape" in err.title


def test_admin_in_a_classroom_says_the_instructor_has_it(
    student_clouds_yaml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = student_clouds_yaml
    monkeypatch.setattr("IPython.get_ipython", lambda: None)  # a script: nothing to skip with
    C = importlib.import_module("osworkshop.connect")
    assert C.classroom_student() == "Ada"
    with pytest.raises(CourseError) as err:
        osworkshop.admin()
    assert "No administrator login" in err.value.title and "Ada" in err.value.detail
    f.write_text(f.read_text().replace("    osworkshop: {classroom: true, student: Ada}\n", ""))
    assert C.classroom_student() is None
    with pytest.raises(CourseError) as err:
        osworkshop.admin()
    assert "No administrator login" not in err.value.title


def test_an_unreadable_clouds_yaml_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    C = importlib.import_module("osworkshop.connect")
    f = tmp_path / "clouds.yaml"
    f.write_text("clouds: {}\n")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(f))
    monkeypatch.setattr("openstack.config.loader.CONFIG_FILES", [])

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", refuse)
    err = C.broken_config_file()
    assert err is not None and "cannot be read" in err.title and "Permission denied" in err.detail
