"""A tiny reconcile loop: keep a herd of identical servers at the size you asked for.

You say *what* you want (``size`` servers named ``prefix1``, ``prefix2`` … from one flavor, image
and network); the loop looks at what exists, works out the difference and acts on it. Sick servers
are deleted and replaced, never repaired. :func:`plan` is the pure part (easy to test),
:func:`reconcile` applies one round and :func:`reconcile_loop` repeats rounds until nothing is left
to do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from .errors import explain

#: A server in one of these states is busy with something that will finish: leave it alone.
BUSY = frozenset(
    {
        "BUILD",
        "REBOOT",
        "HARD_REBOOT",
        "REBUILD",
        "RESIZE",
        "VERIFY_RESIZE",
        "MIGRATING",
        "PASSWORD",
    }
)
#: Already on its way out: not part of the herd any more.
GONE = frozenset({"DELETED", "SOFT_DELETED"})

PAST = {"create": "created", "delete": "deleted"}

#: Cloud errors a round turns into ``failed`` actions (when osworkshop.errors can explain them).
CLOUD_ERRORS = (sdk_exc.SDKException, ksa_exc.ClientException)


@dataclass(frozen=True)
class Action:
    """One step of a reconcile round: ``verb`` (keep, wait, create, delete, failed) on ``name``."""

    verb: str
    name: str
    reason: str
    server_id: str = ""
    done: bool = False

    def __str__(self) -> str:
        if self.verb == "failed":
            verb = "FAILED"
        elif self.done:
            verb = PAST.get(self.verb, self.verb)
        elif self.verb in ("keep", "wait"):
            verb = self.verb
        else:
            verb = f"would {self.verb}"
        return f"{verb:<12} {self.name:<28} {self.reason}"

    @property
    def changes(self) -> bool:
        """True for actions that change the herd (create, delete) or could not be done."""
        return self.verb not in ("keep", "wait")


def _get(server: Any, field: str) -> Any:
    if isinstance(server, Mapping):
        return server.get(field)
    return getattr(server, field, None)


def _number(name: str, prefix: str) -> int | None:
    """The cattle number in ``name`` (``cow-7`` -> 7), or None if it has none."""
    match = re.fullmatch(r"(\d+)", name[len(prefix) :])
    return int(match.group(1)) if match else None


def _order(prefix: str) -> Callable[[Any], tuple[int, str]]:
    def key(server: Any) -> tuple[int, str]:
        name = str(_get(server, "name"))
        number = _number(name, prefix)
        return (number if number is not None else 10**9, name)

    return key


def members(servers: Iterable[Any], prefix: str) -> list[Any]:
    """Servers whose name starts with ``prefix`` and that are not being deleted, in number order."""
    return sorted(
        (
            s
            for s in servers
            if str(_get(s, "name") or "").startswith(prefix)
            and _get(s, "status") not in GONE
            and _get(s, "task_state") != "deleting"
        ),
        key=_order(prefix),
    )


def plan(servers: Iterable[Any], prefix: str, size: int) -> list[Action]:
    """What to do so that exactly ``size`` healthy servers named ``prefix<n>`` exist (pure)."""
    if size < 0:
        raise ValueError(f"size must be 0 or more, got {size}")
    herd = members(servers, prefix)
    actions: list[Action] = []
    staying: list[Any] = []
    for server in herd:
        status = str(_get(server, "status"))
        if status == "ACTIVE" or status in BUSY:
            staying.append(server)
        else:
            actions.append(
                Action(
                    "delete",
                    str(_get(server, "name")),
                    f"status {status}: replace it, do not repair it",
                    str(_get(server, "id") or ""),
                )
            )
    for server in staying[size:]:  # the highest numbers go first when scaling in
        actions.append(
            Action(
                "delete",
                str(_get(server, "name")),
                f"the herd should have {size}, it has {len(staying)}: scale in",
                str(_get(server, "id") or ""),
            )
        )
    for server in staying[:size]:
        status = str(_get(server, "status"))
        verb, reason = ("keep", "ACTIVE") if status == "ACTIVE" else ("wait", f"busy ({status})")
        actions.append(
            Action(verb, str(_get(server, "name")), reason, str(_get(server, "id") or ""))
        )
    taken = {_number(str(_get(s, "name")), prefix) for s in herd}
    missing = max(0, size - len(staying))
    number = 0
    while missing:
        number += 1
        if number in taken:
            continue
        actions.append(
            Action("create", f"{prefix}{number}", f"the herd should have {size}: replace or add")
        )
        missing -= 1
    return actions


def _id(finder: Callable[..., Any], value: Any) -> str:
    """An id from a name, an id, or an SDK object."""
    if not isinstance(value, str) and getattr(value, "id", None):
        return str(value.id)
    return str(finder(value, ignore_missing=False).id)


def _marks(tags: Mapping[str, Any] | Sequence[str] | None) -> dict[str, Any]:
    """``create_server`` keyword arguments for ``tags``: an osworkshop.tags() dict or a list."""
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        marks: dict[str, Any] = {}
        if tags.get("tags"):
            marks["tags"] = list(tags["tags"])
        if tags.get("metadata"):
            marks["metadata"] = dict(tags["metadata"])
        return marks
    return {"tags": list(tags)}


def _failed(action: Action, exc: BaseException) -> Action:
    err = explain(exc)
    if err is None:
        raise exc
    return replace(action, verb="failed", reason=f"{action.verb}: {err.title}", done=True)


def reconcile(
    conn: Any,
    prefix: str,
    size: int,
    flavor: Any,
    image: Any,
    network: Any,
    tags: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    wait: bool = True,
    timeout: int = 120,
) -> list[Action]:
    """One round: compare the herd with ``size`` and delete or create servers to match.

    ``flavor``, ``image`` and ``network`` are names, ids or SDK objects (the recipe);
    ``tags`` is what ``osworkshop.tags(...)`` returns (or a list of tags). With ``dry_run`` only
    the plan is returned. Errors the course can explain (quota, forbidden …) become ``failed``
    actions instead of exceptions, so a loop keeps going.
    """
    compute = conn.compute
    servers = list(compute.servers())
    by_id = {str(_get(s, "id")): s for s in servers}
    actions = plan(servers, prefix, size)
    if dry_run:
        return actions
    done: list[Action] = []
    deleted: list[Any] = []
    for action in actions:
        if action.verb != "delete":
            continue
        try:
            compute.delete_server(action.server_id, ignore_missing=True)
            deleted.append(action.server_id)
            done.append(replace(action, done=True))
        except CLOUD_ERRORS as exc:
            done.append(_failed(action, exc))
    if wait:
        for server_id in deleted:
            compute.wait_for_delete(by_id[server_id], wait=timeout)
    creates = [a for a in actions if a.verb == "create"]
    created: list[tuple[Action, Any]] = []
    if creates:
        recipe = {
            "flavor_id": _id(compute.find_flavor, flavor),
            "image_id": _id(conn.image.find_image, image),
            "networks": [{"uuid": _id(conn.network.find_network, network)}],
            **_marks(tags),
        }
        for action in creates:
            try:
                server = compute.create_server(name=action.name, **recipe)
                created.append((replace(action, server_id=str(server.id), done=True), server))
            except CLOUD_ERRORS as exc:
                done.append(_failed(action, exc))
    for action, server in created:
        if wait:
            try:
                compute.wait_for_server(server, wait=timeout)
            except CLOUD_ERRORS as exc:
                done.append(_failed(action, exc))
                continue
        done.append(action)
    done += [a for a in actions if a.verb in ("keep", "wait")]
    return done


def reconcile_loop(
    conn: Any,
    prefix: str,
    size: int,
    flavor: Any,
    image: Any,
    network: Any,
    tags: Mapping[str, Any] | Sequence[str] | None = None,
    *,
    rounds: int = 3,
    timeout: int = 120,
) -> list[list[Action]]:
    """Run :func:`reconcile` until a round changes nothing (or ``rounds`` rounds); all rounds."""
    history: list[list[Action]] = []
    for _ in range(rounds):
        actions = reconcile(conn, prefix, size, flavor, image, network, tags, timeout=timeout)
        history.append(actions)
        if not any(a.changes for a in actions) and all(a.verb == "keep" for a in actions):
            break
    return history


def report(history: Sequence[Sequence[Action]] | Sequence[Action]) -> str:
    """Readable text for one round (a list of actions) or a loop (a list of rounds)."""
    if history and isinstance(history[0], Action):
        rounds: list[Sequence[Action]] = [history]  # type: ignore[list-item]
    else:
        rounds = list(history)  # type: ignore[arg-type]
    lines: list[str] = []
    for number, actions in enumerate(rounds, start=1):
        if len(rounds) > 1:
            lines.append(f"Round {number}:")
        lines += [f"  {a}" for a in actions] or ["  (no servers, nothing to do)"]
    return "\n".join(lines)
