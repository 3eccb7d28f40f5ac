"""Notebook 04, identity and management: quotas for a project, and a role that only looks."""

from __future__ import annotations

from typing import Any

from ..checks import CheckResult, exercise
from ..identity_nb04 import role_names

#: Roles that can change things in a project (admin implies manager implies member).
CHANGING_ROLES = ("member", "manager", "admin")


def _project(conn: Any, project: str) -> Any:
    found = conn.identity.find_project(project, ignore_missing=True)
    if found is None:
        raise LookupError(project)
    return found


@exercise(
    "nb04.quota",
    hints=(
        "Quotas are set by an administrator, so use the `admin` connection, not the user's.",
        (
            "Compute quotas: `admin.compute.update_quota_set(project.id, instances=2)`. "
            "Volume quotas live in Cinder: `admin.block_storage.update_quota_set(project.id, "
            "volumes=2)`."
        ),
        (
            "Read them back to see what the cloud stored: "
            "`admin.compute.get_quota_set(project.id).instances` and "
            "`admin.block_storage.get_quota_set(project.id).volumes`."
        ),
    ),
)
def check_project_quota(
    conn: Any, project: str, *, instances: int = 2, volumes: int = 2
) -> CheckResult:
    """The project's compute quota allows ``instances`` servers and Cinder's ``volumes`` volumes."""
    try:
        found = _project(conn, project)
    except LookupError:
        return CheckResult(
            False,
            f"There is no project {project!r} visible to this connection.",
            ["Pass the admin connection and the name of the project the notebook created."],
        )
    compute = conn.compute.get_quota_set(found.id)
    storage = conn.block_storage.get_quota_set(found.id)
    got_instances, got_volumes = compute.instances, storage.volumes
    problems, hints = [], []
    compute_off = got_instances == -1 and compute.cores == -1 and compute.ram == -1
    if got_instances != instances and not compute_off:
        problems.append(f"its instances quota is {got_instances}, not {instances}")
        hints.append("Set it with `admin.compute.update_quota_set(project.id, instances=...)`.")
    if got_volumes != volumes:
        problems.append(f"its volumes quota is {got_volumes}, not {volumes}")
        hints.append(
            "Volumes are counted by Cinder, not Nova: "
            "`admin.block_storage.update_quota_set(project.id, volumes=...)`."
        )
    if problems:
        return CheckResult(False, f"Project {found.name}: " + " and ".join(problems) + ".", hints)
    if compute_off:
        return CheckResult(
            True,
            f"Cinder allows {found.name} {volumes} volumes. Nova reads every limit as -1 here: "
            "this cloud does not enforce compute quotas, so the instances limit cannot stick.",
        )
    return CheckResult(
        True,
        f"{found.name} may now run {instances} servers and keep {volumes} volumes; "
        "the cloud refuses the next one.",
    )


@exercise(
    "nb04.look_only",
    hints=(
        "List the roles this cloud has: `[r.name for r in admin.identity.roles()]`.",
        (
            "One of them lets a user list and show resources but refuses every create, "
            "update and delete."
        ),
        (
            "Give it with `admin.identity.assign_project_role_to_user(project, user, "
            "admin.identity.find_role('...'))`, and remove a stronger role with "
            "`unassign_project_role_from_user` if you gave one by mistake."
        ),
    ),
)
def check_look_only(conn: Any, project: str, user: str) -> CheckResult:
    """``user`` holds the reader role on ``project`` and no role that may change things."""
    try:
        found = _project(conn, project)
    except LookupError:
        return CheckResult(False, f"There is no project {project!r}.", [])
    person = conn.identity.find_user(user, ignore_missing=True)
    if person is None:
        return CheckResult(
            False, f"There is no user {user!r}.", ["Run the cell that creates the user first."]
        )
    roles = role_names(conn, person.id, found.id)
    if not roles:
        return CheckResult(
            False,
            f"{person.name} has no role on {found.name} yet, so Keystone will not even let "
            "them log in to it.",
            [],
        )
    strong = [r for r in roles if r in CHANGING_ROLES]
    if strong:
        return CheckResult(
            False,
            f"{person.name} holds {', '.join(strong)} on {found.name}: that role may change "
            "things, and it also implies reader.",
            ["Remove it with `admin.identity.unassign_project_role_from_user(...)`."],
        )
    if "reader" not in roles:
        return CheckResult(
            False,
            f"{person.name} holds {', '.join(roles)} on {found.name}, which does not let them "
            "see the project's resources.",
            [],
        )
    return CheckResult(
        True,
        f"{person.name} is a reader on {found.name}: they can look but not touch, like "
        "vCenter's Read-only role on a folder.",
    )
