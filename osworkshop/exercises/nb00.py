"""Notebook 00, setup check: read facts about your cloud from the cloud itself."""

from __future__ import annotations

from typing import Any

from ..checks import CheckResult, exercise
from ..connect import ALIASES, services


@exercise(
    "nb00.block_storage",
    hints=(
        (
            "The service catalog lists every service with a type and a name: "
            "`osworkshop.services(conn)`."
        ),
        "Block storage is Cinder's job. Find the row whose name starts with `cinder`.",
        "Pass the row's `type` (not its name) as your answer, as a string.",
    ),
)
def check_block_storage_type(conn: Any, service_type: str) -> CheckResult:
    """``service_type`` is a catalog type of this cloud, and the one that serves block storage."""
    answer = str(service_type or "").strip()
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
        return CheckResult(
            False,
            f"{answer!r} is not a service type in this cloud's catalog.",
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


@exercise(
    "nb00.hypervisors",
    hints=(
        "Only an administrator sees the compute hosts: use the `admin` connection.",
        (
            "`admin.compute.hypervisors()` yields one object per compute host; its `.name` is "
            "the host name."
        ),
        "Put all the names in a list, e.g. `[h.name for h in admin.compute.hypervisors()]`.",
    ),
)
def check_hypervisor_hosts(conn: Any, hosts: Any) -> CheckResult:
    """``hosts`` names exactly the hypervisors Nova lists (order does not matter)."""
    if isinstance(hosts, str):
        hosts = [hosts]
    given = {str(h).strip() for h in (hosts or [])}
    actual = {str(h.name) for h in conn.compute.hypervisors()}
    if given == actual:
        return CheckResult(
            True,
            f"Right: this cloud has {len(actual)} compute host(s): {', '.join(sorted(actual))}.",
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
