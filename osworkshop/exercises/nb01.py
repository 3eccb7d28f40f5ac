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
