"""Notebook 04, identity and management: quotas for a project, and a look-only login."""

from __future__ import annotations

from typing import Any

from ..checks import CheckResult, exercise
from ..identity_nb04 import credential, credential_roles

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
    "nb04.cli_look_only",
    hints=(
        (
            "In the terminal: `openstack --os-cloud lab-demo application credential create "
            "osworkshop-nb04-monitor` with one more option that names the role it may use."
        ),
        (
            "`--role reader` limits it to reader. Without `--role` it carries every role you "
            "hold (member, and manager where you have it), so the tool could change things."
        ),
        (
            "A credential's roles cannot be changed: `openstack --os-cloud lab-demo application "
            "credential delete osworkshop-nb04-monitor`, then create it again."
        ),
    ),
)
def check_cli_look_only(conn: Any, name: str) -> CheckResult:
    """The connection's user has an application credential ``name`` that carries the reader
    role and no role that may change things."""
    found = credential(conn, name)
    if found is None:
        return CheckResult(
            False,
            f"You have no application credential {name!r} yet.",
            [(
                "Create it in a terminal with `--os-cloud lab-demo`: a credential made with "
                "another login belongs to that user, not to you."
            )],
        )
    roles = credential_roles(found)
    strong = [r for r in roles if r in CHANGING_ROLES]
    if strong:
        return CheckResult(
            False,
            f"{name} carries {', '.join(strong)}: a tool logging in with it may create and "
            "delete in your project.",
            ["Delete it and create it again with `--role reader` only."],
        )
    if "reader" not in roles:
        return CheckResult(
            False,
            f"{name} carries {', '.join(roles) or 'no role'}, not reader: it cannot see the "
            "project's resources.",
            ["Delete it and create it again with `--role reader`."],
        )
    if getattr(found, "unrestricted", False):
        return CheckResult(
            False,
            f"{name} is unrestricted: a tool holding it could make new credentials for itself.",
            ["Create it again without `--unrestricted`."],
        )
    return CheckResult(
        True,
        f"{name} carries only reader: a tool logging in with it can list and show, and every "
        "create, update or delete answers 403. You can delete it whenever you like, without "
        "an administrator.",
    )
