"""Notebook 05, compute and flavors: a flavor of a given size, a server booted from the CLI, a
resize, an anti-affinity pair."""

from __future__ import annotations

from typing import Any

from openstack import exceptions as sdk_exc

from ..checks import CheckResult, active_server, exercise
from ..compute_nb05 import distinct_hosts, flavor_name, flavor_record
from ..errors import explain_server_fault


@exercise(
    "nb05.flavor",
    hints=(
        (
            "Flavors are cloud-wide, so only an administrator may create one: use `admin`, not "
            "`conn`."
        ),
        (
            "`admin.compute.create_flavor(name=..., vcpus=..., ram=..., disk=...)`: RAM is in MiB "
            "(1 GiB = 1024 MiB), disk in GB."
        ),
        (
            "A wrong size cannot be edited: delete the flavor with "
            "`admin.compute.delete_flavor(admin.compute.find_flavor(name))` and create it again."
        ),
    ),
)
def check_flavor(conn: Any, name: str, *, vcpus: int, ram: int, disk: int) -> CheckResult:
    """A public flavor ``name`` exists with ``vcpus`` vCPUs, ``ram`` MiB and ``disk`` GB."""
    found = conn.compute.find_flavor(name, ignore_missing=True)
    if found is None:
        return CheckResult(
            False,
            f"There is no flavor {name!r} in this cloud.",
            ["Create it as admin, with exactly this name."],
        )
    got = flavor_record(found)
    wrong = [
        f"{label} is {got[key]}, not {want}"
        for key, label, want in (("vcpus", "vCPUs", vcpus), ("ram", "RAM (MiB)", ram),
                                 ("disk", "disk (GB)", disk))
        if got[key] != want
    ]
    if wrong:
        hints = ["Flavors cannot be resized: delete this one and create it again."]
        if got["ram"] * 1024 == ram:
            hints.insert(0, "RAM is given in MiB: 3 GiB is 3072 MiB.")
        return CheckResult(False, f"Flavor {name}: " + "; ".join(wrong) + ".", hints)
    if not got["is_public"]:
        return CheckResult(
            False,
            f"Flavor {name} is private, so the demo project cannot boot it.",
            [
                (
                    "Create it public (the default), or give the project access with "
                    "`admin.compute.flavor_add_tenant_access(flavor, project_id)`."
                )
            ],
        )
    return CheckResult(
        True,
        f"Flavor {name} ({vcpus} vCPU, {ram} MiB, {disk} GB) is in the catalog; every project "
        "can boot it now.",
    )


def _get_server(conn: Any, server_id: str) -> Any:
    try:
        return conn.compute.get_server(server_id)
    except sdk_exc.NotFoundException:  # deleted while we looked
        return None


def _server(conn: Any, name: str) -> Any:
    found = conn.compute.find_server(name, ignore_missing=True)
    return None if found is None else conn.compute.get_server(found.id)


@exercise(
    "nb05.cli_server",
    hints=(
        (
            "In the terminal: `openstack --os-cloud lab-demo server create --flavor ... --image "
            "... --network ... --wait osworkshop-nb05-cli`."
        ),
        (
            "The flavor is `m1.tiny`, the image `lab-image`, the network `demo-net`; add "
            "`--tag osworkshop-nb05` so the notebook's cleanup finds the server."
        ),
        (
            "Read it back with `openstack --os-cloud lab-demo server list --name osworkshop-nb05-cli "
            "-c Name -c Status -c Flavor -c Networks`."
        ),
    ),
)
def check_cli_server(conn: Any, server: str, *, flavor: str, network: str) -> CheckResult:
    """``server`` is ACTIVE in the connection's project, with ``flavor``, on ``network``."""
    found = active_server(
        conn, server, "Boot it in a terminal with `openstack --os-cloud lab-demo server create`."
    )
    if isinstance(found, CheckResult):
        return found
    current = flavor_name(found)
    if current != flavor:
        return CheckResult(
            False,
            f"{server} runs with flavor {current}, not {flavor}.",
            [(
                f"Delete it (`openstack --os-cloud lab-demo server delete --wait {server}`) and "
                f"boot it again with `--flavor {flavor}`."
            )],
        )
    networks = sorted(found.addresses or {})
    if network not in networks:
        return CheckResult(
            False,
            f"{server} is on {', '.join(networks) or 'no network'}, not {network}.",
            [f"Delete it and boot it again with `--network {network}`."],
        )
    return CheckResult(
        True,
        f"{server} is ACTIVE with {flavor} on {network}: the CLI and the SDK ask the same Nova "
        "API.",
    )


@exercise(
    "nb05.resize",
    hints=(
        (
            "Resize is a server action: `conn.compute.resize_server(server, flavor)` with the "
            "flavor object (or its ID) from `conn.compute.find_flavor(...)`."
        ),
        (
            "Wait for the status VERIFY_RESIZE: `osworkshop.compute_nb05.settle(conn, server, "
            "'VERIFY_RESIZE')`. Nova keeps the old copy until you decide."
        ),
        "Then `conn.compute.confirm_server_resize(server)` and wait for ACTIVE again.",
    ),
)
def check_resized(conn: Any, server: str, flavor: str) -> CheckResult:
    """``server`` runs with ``flavor``, and the resize has been confirmed (status ACTIVE)."""
    found = _server(conn, server)
    if found is None:
        return CheckResult(
            False, f"There is no server {server!r} in your project.",
            ["Run the cell that boots it first."],
        )
    current = flavor_name(found)
    if found.status == "ERROR":
        fault = explain_server_fault(found)
        return CheckResult(
            False, f"{server} is in ERROR: {fault.detail if fault else 'no fault recorded'}",
            [fault.what_to_do] if fault else [],
        )
    if found.status in ("RESIZE", "MIGRATING"):
        return CheckResult(
            False, f"{server} is still resizing (status {found.status}).",
            ["Wait for VERIFY_RESIZE with `settle(conn, server, 'VERIFY_RESIZE')`."],
        )
    if found.status == "VERIFY_RESIZE":
        return CheckResult(
            False,
            f"{server} runs with {current} but waits for you to confirm the resize "
            "(status VERIFY_RESIZE).",
            ["Confirm it with `conn.compute.confirm_server_resize(server)`."],
        )
    if current != flavor:
        return CheckResult(
            False,
            f"{server} runs with flavor {current}, not {flavor}.",
            ["Resize it with `conn.compute.resize_server(server, flavor)`."],
        )
    if found.status != "ACTIVE":
        return CheckResult(
            False, f"{server} has flavor {flavor} but its status is {found.status}, not ACTIVE.",
            ["Start it with `conn.compute.start_server(server)`."],
        )
    return CheckResult(
        True,
        f"{server} now runs with {flavor}, and the resize is confirmed: the old copy on the "
        "first host is gone.",
    )


@exercise(
    "nb05.anti_affinity",
    hints=(
        "First the group: `conn.compute.create_server_group(name=..., policy='anti-affinity')`.",
        (
            "Boot each server into it with the scheduler hint "
            "`scheduler_hints={'group': group.id}` in `create_server(...)`."
        ),
        (
            "Wait for both with `conn.compute.wait_for_server(...)`; their `host_id` values should "
            "differ."
        ),
    ),
)
def check_anti_affinity(conn: Any, group: str, *, members: int = 2) -> CheckResult:
    """Server group ``group`` has policy anti-affinity and ``members`` ACTIVE servers on
    different hosts."""
    found = conn.compute.find_server_group(group, ignore_missing=True)
    if found is None:
        return CheckResult(
            False, f"There is no server group {group!r} in your project.",
            ["Create it with `conn.compute.create_server_group(...)`."],
        )
    policy = found.policy or ", ".join(found.policies or [])
    if policy != "anti-affinity":
        extra = (
            " Soft anti-affinity only spreads servers when it can; the task asks for a rule "
            "the scheduler must keep."
            if policy == "soft-anti-affinity"
            else ""
        )
        return CheckResult(
            False,
            f"Group {group} has policy {policy!r}, not 'anti-affinity'.{extra}",
            ["A group's policy cannot change: delete the group and create it again."],
        )
    servers = [s for s in (_get_server(conn, i) for i in found.member_ids or []) if s is not None]
    active = [s for s in servers if s.status == "ACTIVE"]
    if len(active) < members:
        states = ", ".join(f"{s.name} {s.status}" for s in servers) or "none"
        return CheckResult(
            False,
            f"Group {group} has {len(active)} ACTIVE member(s), not {members} (members: "
            f"{states}).",
            ["Boot the servers with `scheduler_hints={'group': group.id}` and wait for them."],
        )
    hosts = distinct_hosts(active)
    if hosts < len(active):
        return CheckResult(
            False,
            f"The {len(active)} ACTIVE members of {group} share hosts ({hosts} distinct).",
            ["Were they booted without the group hint? Delete them and boot them into the group."],
        )
    names = ", ".join(sorted(s.name for s in active))
    return CheckResult(
        True,
        f"{names} run on {hosts} different hosts: losing one host takes down only one of them.",
    )
