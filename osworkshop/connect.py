"""Connect to the course cloud (or any cloud in clouds.yaml) and ask what it offers."""

from __future__ import annotations

import os
from typing import Any

import openstack
from openstack.connection import Connection

from .errors import CourseError, explain

DEFAULT_CLOUD = "lab-demo"
DEFAULT_ADMIN_CLOUD = "lab-admin"


def cloud_name(cloud: str | None = None) -> str:
    """The cloud to use: the argument, else $OSWORKSHOP_CLOUD, else $OS_CLOUD, else lab-demo."""
    return (
        cloud or os.environ.get("OSWORKSHOP_CLOUD") or os.environ.get("OS_CLOUD") or DEFAULT_CLOUD
    )


def admin_cloud_name() -> str:
    """The administrator's cloud: $OSWORKSHOP_ADMIN_CLOUD, else lab-admin."""
    return os.environ.get("OSWORKSHOP_ADMIN_CLOUD") or DEFAULT_ADMIN_CLOUD


def config_files() -> list[str]:
    """The clouds.yaml files openstacksdk reads, in its order ($OS_CLIENT_CONFIG_FILE first)."""
    from openstack.config import loader

    override = os.environ.get("OS_CLIENT_CONFIG_FILE")
    return [*([override] if override else []), *dict.fromkeys(loader.CONFIG_FILES)]


def broken_config_file() -> CourseError | None:
    """A CourseError for the first clouds.yaml that is not valid YAML (openstacksdk would
    skip it with a log line and carry on with another file, or fail with "cloud not found")."""
    import yaml

    for path in config_files():
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                data = yaml.safe_load(fh)
        except OSError as exc:
            return CourseError(
                "Your clouds.yaml cannot be read",
                f"{path}: {exc.strerror or exc}.",
                "Check its owner and permissions (it should be yours, mode 0600): "
                f"`ls -l {path}`.",
            )
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            return CourseError(
                "Your clouds.yaml is not valid YAML",
                f"{path}{where}: {getattr(exc, 'problem', None) or exc}.",
                "Fix the file (indent with spaces, `key: value` pairs, quotes around "
                "passwords with special characters), or move it away and run "
                "`python3 -m labsetup up` to write the lab's clouds again.",
            )
        if data is not None and not isinstance(data, dict) or (
            isinstance(data, dict) and not isinstance(data.get("clouds", {}), dict)
        ):
            return CourseError(
                "Your clouds.yaml has the wrong shape",
                f"{path} must hold a mapping `clouds:` with one entry per cloud.",
                "Compare it with the example in the README, or move it away and run "
                "`python3 -m labsetup up` to write the lab's clouds again.",
            )
    return None


def connect(cloud: str | None = None, *, check: bool = True) -> Connection:
    """Open a connection to ``cloud``; with ``check`` log in once so problems show up here."""
    name = cloud_name(cloud)
    broken = broken_config_file()
    if broken is not None:
        raise broken
    try:
        conn = openstack.connect(cloud=name)
        if check:
            conn.authorize()
    except Exception as exc:
        err = explain(exc)
        if err is None:
            raise
        err.detail = f"[cloud `{name}`] {err.detail}"
        raise err from exc
    return conn


def connect_as(like: Connection, username: str, password: str, project: str) -> Connection:
    """Log in as another user (one an admin just made) on the same cloud as ``like``.

    Only the arguments count: clouds.yaml and ``OS_*`` variables are not read.  (With
    ``OS_CLOUD`` set, as it is in the course's JupyterLab, ``openstack.connect(username=...)``
    would mix that cloud's user into the login and be refused.)
    """
    auth = like.config.auth
    try:
        conn = openstack.connect(
            auth_type="v3password",
            auth_url=auth["auth_url"],
            username=username,
            password=password,
            project_name=project,
            user_domain_name=auth.get("user_domain_name", "Default"),
            project_domain_name=auth.get("project_domain_name", "Default"),
            region_name=like.config.region_name,
            load_yaml_config=False,
            load_envvars=False,
        )
        conn.authorize()
    except Exception as exc:
        err = explain(exc)
        if err is None:
            raise
        err.detail = f"[user `{username}`, project `{project}`] {err.detail}"
        raise err from exc
    return conn


def classroom_student(cloud: str | None = None) -> str | None:
    """The student's name when ``cloud`` (default: the learner's) is a classroom cloud made by
    ``labsetup classroom create``, else None."""
    from openstack.config import OpenStackConfig

    try:
        config = OpenStackConfig(config_files=config_files(), load_envvars=False).get_one(
            cloud=cloud_name(cloud)).config
    except Exception:  # noqa: BLE001 - no such cloud: not a classroom either
        return None
    marker = config.get("osworkshop")
    if isinstance(marker, dict) and marker.get("classroom"):
        return str(marker.get("student") or "student")
    return None


def admin(*, check: bool = True) -> Connection:
    """Connect as the cloud administrator ($OSWORKSHOP_ADMIN_CLOUD, else lab-admin).

    A student of a shared classroom has no administrator login. In a notebook they get a
    :class:`~osworkshop.admin_steps.NoAdmin` instead, and every later statement that needs it
    is skipped with a note (see :mod:`osworkshop.admin_steps`); elsewhere a CourseError says
    so."""
    from .admin_steps import NoAdmin, activate

    name = admin_cloud_name()
    try:
        return connect(name, check=check)
    except CourseError as err:
        student = classroom_student()
        if student is None:
            raise
        missing = NoAdmin(student, name)
        if activate(student) is None:  # not in IPython: nothing can skip the admin steps
            raise missing.error() from err
        print(f"You are {student}, a member of your own project in a shared classroom: the "
              "administrator steps of this notebook are skipped here (a blue note says which); "
              "watch them on the projector.")
        return missing  # type: ignore[return-value]


def _catalog(conn: Any) -> list[dict[str, Any]]:
    """The raw service catalog of the current token."""
    access = conn.session.auth.get_access(conn.session)
    return list(access.service_catalog.catalog or [])


def services(conn: Any) -> list[dict[str, str]]:
    """The catalog as ``[{type, name, endpoint}]``, with the public endpoint of each service."""
    rows: list[dict[str, str]] = []
    for entry in _catalog(conn):
        endpoints = entry.get("endpoints", [])
        public = [e for e in endpoints if e.get("interface") in ("public", None)] or endpoints
        rows.append(
            {
                "type": str(entry.get("type", "")),
                "name": str(entry.get("name", "")),
                "endpoint": str(public[0].get("url", "")) if public else "",
            }
        )
    return sorted(rows, key=lambda r: r["type"])


#: Catalog types that mean the same service (old and new names).
ALIASES: dict[str, tuple[str, ...]] = {
    "block-storage": ("block-storage", "volumev3", "volumev2", "volume"),
    "volumev3": ("block-storage", "volumev3", "volumev2", "volume"),
    "object-store": ("object-store",),
}


def offers(conn: Any, service_type: str) -> bool:
    """True if the catalog lists ``service_type`` (or one of its aliases)."""
    wanted = ALIASES.get(service_type, (service_type,))
    return any(row["type"] in wanted for row in services(conn))


def require(conn: Any, service_type: str, why: str) -> None:
    """Raise a CourseError if ``service_type`` is missing; ``why`` says what the notebook skips."""
    if offers(conn, service_type):
        return
    present = ", ".join(row["type"] for row in services(conn)) or "nothing"
    raise CourseError(
        f"This cloud has no {service_type} service",
        f"The service catalog lists: {present}. Without {service_type}, {why}",
        "Carry on with the next section: the cells that need it are skipped. To try them, "
        "use the course lab (`python3 -m labsetup up`) or a cloud that offers "
        f"{service_type}.",
    )
