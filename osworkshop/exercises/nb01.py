"""Notebook 01, cloud principles: build a herd of identical servers (cattle, not pets)."""

from __future__ import annotations

from collections import Counter
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


@exercise(
    "nb01.heal",
    hints=(
        (
            "First break the herd: `conn.compute.delete_server(victim)` and keep the id "
            "(`victim_id = victim.id`) so the check can tell the old server from its replacement."
        ),
        (
            "Then heal it: `herd.reconcile_loop(conn, prefix, 3, flavor, image, network, "
            "osworkshop.tags('01'))` creates what is missing and waits until it is ACTIVE."
        ),
        (
            "Print `herd.report(...)` of the loop: one round should say `created`, the last round "
            "only `keep`."
        ),
    ),
)
def check_healed(
    conn: Any, prefix: str, size: int = 3, deleted_id: str | None = None
) -> CheckResult:
    """Exactly ``size`` servers named ``prefix…``, all ACTIVE, and ``deleted_id`` is gone."""
    herd = [
        s
        for s in conn.compute.servers()
        if str(s.name).startswith(prefix) and getattr(s, "task_state", None) != "deleting"
    ]
    if deleted_id and any(s.id == deleted_id for s in herd):
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
    if deleted_id is None:
        return CheckResult(True, f"{size} ACTIVE servers named {prefix}…: the herd is whole again.")
    return CheckResult(
        True,
        f"The herd is whole again: {size} ACTIVE servers, and the one you deleted is not among "
        "them. Nobody repaired anything; the loop replaced it.",
    )
