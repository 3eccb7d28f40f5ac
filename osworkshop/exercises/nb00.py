"""Notebook 00, setup check: read facts about your cloud from the cloud itself."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exc

from ..checks import CheckResult, exercise
from ..connect import ALIASES, services


def _blank(value: Any) -> bool:
    """True for an answer the learner has not filled in yet (``...``, None or empty)."""
    return value is None or value is Ellipsis or not str(value).strip()


@exercise(
    "nb00.block_storage",
    hints=(
        (
            "The service catalog lists every service with a type and a name: "
            "`osworkshop.services(conn)`."
        ),
        "Block storage is Cinder's job. Find the row whose name starts with `cinder`.",
        "Put the row's `type` (not its name) into `my_type`, as a string.",
    ),
)
def check_block_storage_type(conn: Any, service_type: Any) -> CheckResult:
    """``service_type`` is a catalog type of this cloud, and the one that serves block storage."""
    if _blank(service_type):
        return CheckResult(
            False,
            "Fill in my_type: replace the ... with a service type from the catalog.",
            ['For example `my_type = "compute"` is the type Nova is listed under.'],
        )
    answer = str(service_type).strip()
    catalog = services(conn)
    by_type = {row["type"]: row for row in catalog}
    block = [row for row in catalog if row["type"] in ALIASES["block-storage"]]
    if not block:
        return CheckResult(
            False,
            "This cloud's catalog lists no block storage service at all, so there is no answer "
            "to find here.",
            ["Use the course lab or a cloud with Cinder for this exercise."],
        )
    if answer not in by_type:
        types = ", ".join(sorted(by_type))
        names = {row["name"] for row in catalog}
        return CheckResult(
            False,
            f"{answer!r} is not a service type in this cloud's catalog"
            + (" (it is a service's name)." if answer in names else "."),
            [f"The catalog's types are: {types}.", "Answer with a type, not a codename."],
        )
    if answer not in ALIASES["block-storage"]:
        row = by_type[answer]
        return CheckResult(
            False,
            f"{answer!r} is served by {row['name']}, which is not the block storage service.",
            ["Block storage means volumes, like VMDKs on a datastore: which codename does that?"],
        )
    others = sorted(row["type"] for row in block if row["type"] != answer)
    also = f" This cloud also lists it as {', '.join(others)} (an older name)." if others else ""
    return CheckResult(
        True, f"Right: {by_type[answer]['name']} serves block storage as {answer!r}.{also}"
    )


def hypervisor_reader(conn: Any, admin: Any = None) -> Any:
    """``conn`` when its roles may list the compute hosts, else ``admin`` (None without one).

    Nova's default policy shows hypervisors to administrators only; the course lab's policy
    also shows them to a project manager. A refusal is Nova's 403 Forbidden."""
    try:
        next(iter(conn.compute.hypervisors()), None)
    except sdk_exc.ForbiddenException:
        return admin or None  # a classroom student's NoAdmin is false
    return conn


@exercise(
    "nb00.hypervisors",
    hints=(
        (
            "Ask Nova with `conn.compute.hypervisors()`. If it answers 403 Forbidden, your role "
            "may not list compute hosts: ask with `admin` instead."
        ),
        "Each object it yields is one compute host; its `.name` is the host name.",
        "Put all the names in a list: `my_hosts = [h.name for h in conn.compute.hypervisors()]`.",
    ),
)
def check_hypervisor_hosts(conn: Any, hosts: Any) -> CheckResult:
    """``hosts`` names exactly the hypervisors Nova lists (order does not matter).

    ``conn`` must be allowed to list them: see :func:`hypervisor_reader`."""
    if hosts is Ellipsis or hosts is None:
        return CheckResult(
            False,
            "Fill in my_hosts: replace the ... with a list of the compute hosts' names.",
            ['For example `my_hosts = ["esxi-01", "esxi-02"]`, but with this cloud\'s hosts.'],
        )
    if isinstance(hosts, str):
        hosts = [hosts]
    given = {str(h).strip() for h in hosts}
    found = list(conn.compute.hypervisors())
    actual = {str(h.name) for h in found}
    if given == actual:
        return CheckResult(
            True,
            f"Right: this cloud has {len(actual)} compute host(s): {', '.join(sorted(actual))}.",
        )
    ids = {str(h.id) for h in found}
    if given and given <= ids:
        return CheckResult(
            False,
            "Those are the hypervisors' IDs; the check wants their names.",
            ["Take `h.name` of each hypervisor, not `h.id`."],
        )
    hints = []
    missing, extra = sorted(actual - given), sorted(given - actual)
    if missing:
        hints.append(f"You are missing {len(missing)} host(s).")
    if extra:
        hints.append(f"Not a hypervisor of this cloud: {', '.join(extra)}.")
    return CheckResult(
        False,
        f"You named {len(given)} host(s); Nova lists {len(actual)}.",
        hints,
    )
