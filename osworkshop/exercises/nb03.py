"""Notebook 03, architecture: where did the scheduler put your server, and what took longest?"""

from __future__ import annotations

from typing import Any

from ..architecture import actions_of, host_id, longest_event
from ..checks import CheckResult, exercise


def _blank(value: Any) -> bool:
    """True for an answer the learner has not filled in yet (``...``, None or empty)."""
    return value is None or value is Ellipsis or not str(value).strip()


def _find(conn: Any, server: str) -> Any:
    found = conn.compute.find_server(server, ignore_missing=True)
    return conn.compute.get_server(found.id) if found is not None else None


@exercise(
    "nb03.placement",
    hints=(
        (
            "The host is on the server itself: `conn.compute.get_server(server.id).compute_host` "
            "(a project manager sees it; for a plain member it is None, so ask `admin` instead). "
            "`hostId` is only a hash of project id and host."
        ),
        (
            "Read the events with `osworkshop.architecture.actions_of(conn, server)`; each event "
            "has `start_time` and `finish_time`. Subtract them (or use `action_timeline`)."
        ),
        "Pass the event's name exactly as nova spells it, e.g. `compute__do_build_and_run_instance`.",
    ),
)
def check_placement(conn: Any, server: str, host: Any, event: Any) -> CheckResult:
    """``host`` is where ``server`` runs and ``event`` is its longest instance-action event."""
    empty = [name for name, value in (("my_host", host), ("my_event", event)) if _blank(value)]
    if empty:
        return CheckResult(
            False,
            f"Fill in {' and '.join(empty)}: replace the ... with your answer.",
            ["`my_host` is a compute host's name, `my_event` the name of an event."],
        )
    found = _find(conn, server)
    if found is None:
        return CheckResult(
            False,
            f"There is no server {server!r} in your project.",
            ["Use the name of the server you booted in this notebook (print `server.name`)."],
        )
    real_host = getattr(found, "compute_host", None)
    if real_host:
        host_ok = host == real_host
    else:  # not an admin: compare the hash nova shows members
        host_ok = bool(host) and host_id(str(found.project_id), str(host)) == found.host_id
    if not host_ok:
        hints = []
        if host == found.host_id:
            hints.append(
                "That is the server's hostId, a hash of your project and the host, not the "
                "host's name."
            )
        hints.append(
            "Read `compute_host` of the server (as a project manager, or else as admin); "
            "the compute hosts are listed by `admin.compute.services(binary='nova-compute')`."
        )
        return CheckResult(False, f"{server} does not run on {host!r}.", hints)
    actions = actions_of(conn, found)
    names, seconds = longest_event(actions)
    if not names:
        return CheckResult(
            False,
            f"{server} has no finished instance-action events yet.",
            ["Wait until the server is ACTIVE (`conn.compute.wait_for_server(server)`)."],
        )
    if event not in names:
        hints = []
        if event in {a["action"] for a in actions}:
            hints.append(f"{event!r} is an action; the answer is one of the events inside it.")
        hints.append(
            "Compute finish_time minus start_time for every event of every action, "
            "then take the largest."
        )
        return CheckResult(False, f"{event!r} is not the longest event of {server}.", hints)
    return CheckResult(
        True,
        f"{server} runs on {host}; its longest event was {event} ({seconds:g} s).",
    )
