"""Notebook 04, identity and management: helpers for projects, users, roles and quotas.

The notebook does the teaching steps itself; these helpers hold what would only distract there:
a throw-away password, reading role names and quotas back, and clearing what a tagged project
still owns before an administrator deletes it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from .resources import is_marked, tag_for
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


def _delete_all(items: Iterable[Any], delete: Any) -> int:
    count = 0
    for item in items:
        delete(item)
        count += 1
    return count


def purge_projects(admin: Any, notebook: str | int) -> dict[str, int]:
    """As admin, delete what the notebook's tagged projects and users still own.

    ``osworkshop.cleanup`` deletes tagged users and projects, but a project's servers, its
    default security group and its users' key pairs are not tagged and would outlive the project.
    Run this first; it returns how many of each kind it deleted.
    """
    tag = tag_for(notebook)
    projects = {p.id for p in admin.identity.projects() if is_marked(p, tag)}
    users = [u.id for u in admin.identity.users() if is_marked(u, tag)]
    counts = {"servers": 0, "networks": 0, "security_groups": 0, "keypairs": 0}
    compute, network = admin.compute, admin.network
    for project_id in projects:
        servers = list(compute.servers(all_projects=True, project_id=project_id))
        counts["servers"] += _delete_all(
            servers, lambda s: compute.delete_server(s, ignore_missing=True)
        )
        for server in servers:
            compute.wait_for_delete(server, wait=120)
    # Neutron lists every project's resources to an admin. Filter here, not in the query:
    # a query for one project's security groups makes neutron create its default group again.
    networks = [n for n in network.networks() if n.project_id in projects]
    counts["networks"] += _delete_all(
        networks, lambda n: network.delete_network(n, ignore_missing=True)
    )
    groups = [g for g in network.security_groups() if g.project_id in projects]
    counts["security_groups"] += _delete_all(
        groups, lambda g: network.delete_security_group(g, ignore_missing=True)
    )
    for user_id in users:
        for keypair in list(compute.keypairs(user_id=user_id)):
            compute.delete_keypair(keypair.name, user_id=user_id, ignore_missing=True)
            counts["keypairs"] += 1
    return counts
