"""Notebook 01, cloud principles: build a herd of identical servers (cattle, not pets)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from ..checks import CheckResult, exercise
from ..errors import explain_server_fault


def _flavor(server: Any) -> str:
    flavor = server.flavor or {}
    if isinstance(flavor, dict):
        return str(flavor.get("original_name") or flavor.get("name") or flavor.get("id") or "?")
    return str(getattr(flavor, "name", None) or getattr(flavor, "id", "?"))


@exercise(
    "nb01.herd",
    hints=(
        (
            "Cattle come from one recipe: pick one flavor, one image and one network, and keep "
            "them in variables."
        ),
        (
            "Boot them in a loop: `for i in range(size): conn.compute.create_server("
            'name=f"{prefix}{i}", flavor_id=flavor.id, image_id=image.id, '
            'networks=[{"uuid": net.id}])`.'
        ),
        "Wait until each one is ACTIVE (`conn.compute.wait_for_server(server)`), then check again.",
    ),
)
def check_herd(conn: Any, prefix: str, size: int) -> CheckResult:
    """At least ``size`` ACTIVE servers named ``prefix...``, all with the same flavor."""
    herd = [s for s in conn.compute.servers() if str(s.name).startswith(prefix)]
    active = [s for s in herd if s.status == "ACTIVE"]
    if len(active) < size:
        hints = [f"Found {len(herd)} server(s) named {prefix}…, {len(active)} of them ACTIVE."]
        if any(s.status == "BUILD" for s in herd):
            hints.append(
                "Some are still in BUILD: wait with `conn.compute.wait_for_server(server)`."
            )
        for server in herd:
            fault = explain_server_fault(server)
            if fault is not None:
                hints.append(f"{fault.title}. {fault.what_to_do}")
        if not herd:
            hints.append(
                f"No server name starts with {prefix!r}: check the spelling of the prefix."
            )
        elif len(herd) == size - 1:
            hints.append(f"One short: `range(1, {size})` stops before {size}.")
        return CheckResult(
            False,
            f"You need at least {size} ACTIVE servers whose name starts with {prefix!r}.",
            hints,
        )
    flavors = Counter(_flavor(s) for s in active)
    if len(flavors) > 1:
        mix = ", ".join(f"{name} ({count})" for name, count in flavors.most_common())
        return CheckResult(
            False,
            f"Your herd mixes flavors: {mix}. Cattle are identical, so they share one flavor.",
            [
                (
                    "Delete the odd ones out and boot replacements with the common flavor: "
                    "replacing is the cloud way, resizing is the pet way."
                )
            ],
        )
    flavor = next(iter(flavors))
    return CheckResult(
        True, f"{len(active)} identical {flavor} servers are running: that is a herd of cattle."
    )


#: Deleted servers stay listed (status DELETED) with ``changes_since`` for this long, at least.
RECENT = timedelta(days=1)


def _blank(value: Any) -> bool:
    """True for an answer the learner has not filled in yet (``...``, None or empty)."""
    return value is None or value is Ellipsis or not str(value).strip()


def _recent(conn: Any) -> dict[str, Any]:
    """The project's servers changed lately, deleted ones included, by id."""
    since = (datetime.now(UTC) - RECENT).isoformat()
    return {str(s.id): s for s in conn.compute.servers(changes_since=since)}


@exercise(
    "nb01.heal",
    hints=(
        (
            "First break the herd: keep the id of one cow (`victim_id = victim.id`) so the check "
            "can tell the old server from its replacement, then `conn.compute.delete_server(victim)`."
        ),
        (
            "Then heal it: `herd.reconcile_loop(conn, PREFIX, SIZE, flavor, image, network, "
            "TAGS)` creates what is missing and waits until it is ACTIVE."
        ),
        (
            "Print `herd.report(...)` of the loop: one round should say `created`, the last round "
            "only `keep`."
        ),
    ),
)
def check_healed(conn: Any, prefix: str, size: int = 3, deleted_id: Any = None) -> CheckResult:
    """Exactly ``size`` servers named ``prefix…``, all ACTIVE, and ``deleted_id`` was one of them
    and is deleted (Nova lists deleted servers with ``changes_since``)."""
    herd = [
        s
        for s in conn.compute.servers()
        if str(s.name).startswith(prefix) and getattr(s, "task_state", None) != "deleting"
    ]
    if _blank(deleted_id):
        if not herd:
            return CheckResult(
                False,
                f"There is no herd to heal: no server name starts with {prefix!r}.",
                ["Build the herd in Exercise 1 first, then delete one cow and heal the herd."],
            )
        return CheckResult(
            False,
            "Fill in victim_id: replace the ... with the ID of the cow you deleted.",
            ["Keep it before you delete: `victim_id = victim.id`."],
        )
    deleted_id = str(deleted_id).strip()
    if deleted_id.startswith(prefix) or any(s.name == deleted_id for s in herd):
        return CheckResult(
            False,
            f"victim_id holds a name ({deleted_id}), not an ID. The replacement can get the same "
            "name; only the ID tells the old server from the new one.",
            ["Keep `victim_id = victim.id` (not `victim.name`) before you delete it."],
        )
    if any(s.id == deleted_id for s in herd):
        return CheckResult(
            False,
            f"The server you deleted ({deleted_id}) is still in the herd.",
            [
                (
                    "Delete it with `conn.compute.delete_server(victim_id)` and wait with "
                    "`conn.compute.wait_for_delete(conn.compute.get_server(victim_id))`."
                ),
                "Check that `victim_id` holds the id of the server you deleted, not its name.",
            ],
        )
    victim = _recent(conn).get(deleted_id)
    if victim is None:
        return CheckResult(
            False,
            f"Nova knows no server of this project with the ID {deleted_id} (not even a deleted "
            "one).",
            ["Keep the ID of the cow you delete: `victim_id = victim.id`."],
        )
    if not str(victim.name).startswith(prefix):
        return CheckResult(
            False,
            f"victim_id is the ID of {victim.name}, which is not a cow of this herd.",
            [f"Delete one of the servers whose name starts with {prefix!r}."],
        )
    if victim.status not in ("DELETED", "SOFT_DELETED"):
        return CheckResult(
            False,
            f"{victim.name} ({deleted_id}) is not deleted yet (status {victim.status}).",
            ["Wait with `conn.compute.wait_for_delete(victim)`, then heal and check again."],
        )
    if len(herd) < size:
        return CheckResult(
            False,
            f"The herd has {len(herd)} server(s) named {prefix}…, it should be back at {size}.",
            [
                "Run your reconcile loop: it should see the gap and boot a replacement.",
                "If a create FAILED, read its reason (a quota?) and run the loop again.",
            ],
        )
    if len(herd) > size:
        names = ", ".join(sorted(str(s.name) for s in herd))
        return CheckResult(
            False,
            f"The herd has {len(herd)} servers ({names}), {size} were asked for.",
            [
                (
                    "A reconcile loop also removes extras: run it with the size you want, or "
                    "delete the highest numbers yourself."
                )
            ],
        )
    not_active = [f"{s.name} ({s.status})" for s in herd if s.status != "ACTIVE"]
    if not_active:
        hints = [f"Not ACTIVE yet: {', '.join(not_active)}."]
        for server in herd:
            fault = explain_server_fault(server)
            if fault is not None:
                hints.append(f"{fault.title}. {fault.what_to_do}")
        hints.append(
            "Wait for BUILD with `conn.compute.wait_for_server(server)`; a server in ERROR or "
            "SHUTOFF is replaced by another round of the loop."
        )
        return CheckResult(
            False, f"{len(not_active)} of your {size} servers are not ACTIVE.", hints
        )
    twin = next((s for s in herd if s.name == victim.name), None)
    again = f" {victim.name} is back with a new ID ({twin.id[:8]}…)." if twin is not None else ""
    return CheckResult(
        True,
        f"The herd is whole again: {size} ACTIVE servers, and {victim.name} ({deleted_id[:8]}…) "
        f"is deleted.{again} Nobody repaired anything; the loop replaced it.",
    )
