"""Notebook 04, identity and management: helpers for projects, users, roles and quotas.

The notebook does the teaching steps itself; these helpers hold what would only distract there:
a throw-away password, reading role names and quotas back, and clearing what a tagged project
still owns before an administrator deletes it.
"""

from __future__ import annotations

import secrets
from typing import Any

from .widgets import table

#: Compute quotas shown in the usage table, with a label for people used to vSphere.
USAGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("instances", "Servers (instances)"),
    ("cores", "vCPUs (cores)"),
    ("ram", "RAM (MiB)"),
)


def new_password() -> str:
    """A random password for a course user (the notebook keeps it in a variable only)."""
    return secrets.token_urlsafe(18)


def _get(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def role_names(conn: Any, user_id: str, project_id: str) -> list[str]:
    """Names of the roles given directly to ``user_id`` on ``project_id``, sorted."""
    by_id = {r.id: r.name for r in conn.identity.roles()}
    names = set()
    for assignment in conn.identity.role_assignments(user_id=user_id, scope_project_id=project_id):
        role = _get(assignment, "role") or {}
        names.add(by_id.get(role.get("id"), role.get("name") or role.get("id") or "?"))
    return sorted(names)


def credential(conn: Any, name: str) -> Any:
    """The connection's own application credential called ``name``, or None."""
    return conn.identity.find_application_credential(conn.current_user_id, name)


def credential_roles(found: Any) -> list[str]:
    """The role names an application credential carries, sorted."""
    return sorted(str(_get(r, "name") or _get(r, "id")) for r in _get(found, "roles") or [])


def forget_credential(conn: Any, name: str) -> bool:
    """Delete the connection's own application credential ``name``; True if there was one.

    Application credentials belong to a user, not to a project, and carry no tag, so
    ``osworkshop.cleanup`` does not find them: the notebook deletes its one by name."""
    found = credential(conn, name)
    if found is None:
        return False
    conn.identity.delete_application_credential(conn.current_user_id, found)
    return True


def implied_roles(conn: Any) -> list[tuple[str, list[str]]]:
    """Keystone's role inference rules read from the cloud: ``[(role, [roles it implies])]``."""
    body = conn.identity.get("/role_inferences").json()
    rules = [
        (rule["prior_role"]["name"], sorted(r["name"] for r in rule["implies"]))
        for rule in body.get("role_inferences", [])
    ]
    return sorted(rules)


def quota_mode(limit: int | None, wanted: int) -> str:
    """How the compute service treats a quota that was just set to ``wanted``.

    ``enforced``: the limit reads back as set (database quotas); ``off``: it reads back as -1,
    the NoopQuotaDriver that DevStack's fake virt setup uses; ``elsewhere``: another value, as
    when the limits live in Keystone (unified limits) and nova ignores its own quota API.
    """
    if limit == wanted:
        return "enforced"
    if limit is None or limit == -1:
        return "off"
    return "elsewhere"


QUOTA_MODE_TEXT: dict[str, str] = {
    "enforced": (
        "Quotas are enforced here: the limit reads back as it was set, so nova counts this "
        "project's servers and refuses one too many."
    ),
    "off": (
        "Quotas are NOT enforced on this cloud: every limit reads back as -1 (unlimited). That "
        "is nova's NoopQuotaDriver, which a DevStack with the fake virt driver turns on. The "
        "second boot below will succeed here; on a production cloud it would be refused."
    ),
    "elsewhere": (
        "The limit did not read back as set: this cloud keeps its limits somewhere else, most "
        "likely in Keystone (unified limits), where an admin sets them with "
        "`openstack limit create` instead of `openstack quota set`."
    ),
}


def usage_rows(quota_set: Any) -> list[tuple[str, Any, Any]]:
    """``(label, used, limit)`` rows from a compute quota set read with ``usage=True``."""
    usage = _get(quota_set, "usage") or {}
    rows = []
    for field, label in USAGE_FIELDS:
        limit = _get(quota_set, field)
        rows.append((label, usage.get(field, "?"), "unlimited" if limit == -1 else limit))
    return rows


def usage_html(quota_set: Any) -> str:
    """The usage rows as an HTML table."""
    return table(("Resource", "Used", "Quota"), usage_rows(quota_set))
