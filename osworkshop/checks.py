"""Exercise checks: each returns a CheckResult, and a registry maps exercise ids to checks."""

from __future__ import annotations

import functools
import html
import importlib
import os
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .classroom import record_progress
from .errors import explain

Check = Callable[..., "CheckResult"]


@dataclass
class CheckResult:
    """The outcome of one exercise check, with hints when it did not pass."""

    passed: bool
    message: str
    hints: list[str] = field(default_factory=list)
    exercise: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = "PASSED" if self.passed else "NOT YET"
        name = f" [{self.exercise}]" if self.exercise else ""
        lines = [f"{head}{name}: {self.message}"]
        lines += [f"  Hint: {h}" for h in self.hints]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        color, head = (
            ("#27ae60", "&#10004; Passed") if self.passed else ("#e67e22", "&#9998; Not yet")
        )
        hints = "".join(f"<li>{html.escape(h)}</li>" for h in self.hints)
        hint_block = f'<ul style="margin:0.3em 0">{hints}</ul>' if hints else ""
        name = f" <small>({html.escape(self.exercise)})</small>" if self.exercise else ""
        return (
            f'<div style="border-left:6px solid {color};padding:0.4em 1em;margin:0.4em 0;">'
            f"<b>{head}</b>{name}: {html.escape(self.message)}{hint_block}</div>"
        )


def expect(
    condition: bool, message: str, hints: Sequence[str] = (), *, success: str = "Well done."
) -> CheckResult:
    """Pass with ``success`` when ``condition`` holds, else fail with ``message`` and ``hints``."""
    if condition:
        return CheckResult(True, success)
    return CheckResult(False, message, list(hints))


def first_failure(*results: CheckResult, success: str = "Well done.") -> CheckResult:
    """The first failing result, or one passing result when all passed."""
    for result in results:
        if not result.passed:
            return result
    return CheckResult(True, success)


def active_server(
    conn: Any, server: str, missing_hint: str, *, all_projects: bool = False
) -> Any:
    """The server called ``server`` when it is ACTIVE, else the CheckResult saying why not
    (missing, in ERROR with its fault explained, or still building)."""
    from .errors import explain_server_fault

    extra = {"all_projects": True} if all_projects else {}
    found = conn.compute.find_server(server, ignore_missing=True, **extra)
    if found is None:
        return CheckResult(False, f"There is no server {server!r} yet.", [missing_hint])
    found = conn.compute.get_server(found.id)
    if found.status == "ERROR":
        fault = explain_server_fault(found)
        return CheckResult(
            False,
            f"{found.name} is in ERROR: {fault.detail if fault else found.fault}",
            [fault.what_to_do if fault else "Delete it and boot again."],
        )
    if found.status != "ACTIVE":
        return CheckResult(
            False,
            f"{found.name} is {found.status}, not ACTIVE yet.",
            ["Wait with `conn.compute.wait_for_server(server)`, then check again."],
        )
    return found


#: exercise id (e.g. "nb01.herd") -> check function
registry: dict[str, Check] = {}
_hints: dict[str, tuple[str, ...]] = {}


def exercise(exercise_id: str, *, hints: Sequence[str] = ()) -> Callable[[Check], Check]:
    """Register a check under ``exercise_id`` with general ``hints`` (shown one at a time)."""

    def register(func: Check) -> Check:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> CheckResult:
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                err = explain(exc)
                if err is None:
                    raise
                result = CheckResult(False, f"{err.title}: {err.detail}", [err.what_to_do])
            result.exercise = exercise_id
            if not result.passed:
                result.hints = with_first_hint(exercise_id, result.hints)
            if args:  # in a classroom, the student's own project keeps the record
                record_progress(args[0], exercise_id, result.passed, result.message)
            if not result.passed and os.environ.get("OSWORKSHOP_STRICT"):
                # The test suite runs every solution: a check that fails there is a defect.
                raise AssertionError(str(result))
            return result

        registry[exercise_id] = wrapper
        _hints[exercise_id] = tuple(hints)
        return wrapper

    return register


def with_first_hint(exercise_id: str, hints: Sequence[str]) -> list[str]:
    """A failing check's own hints, then the exercise's first general hint and where the
    next one is (every "Not yet" points somewhere)."""
    general = _hints.get(exercise_id, ())
    out = list(hints)
    if general and general[0] not in out:
        out.append(general[0])
    if len(general) > 1:
        more = ", then 3 and on" if len(general) > 2 else ""
        out.append(f'More help: osworkshop.checks.hint("{exercise_id}", 2){more}.')
    return out


def load_exercises() -> dict[str, Check]:
    """Import every ``osworkshop.exercises.nbXX`` module so their checks are registered."""
    package = importlib.import_module("osworkshop.exercises")
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    return registry


def hint(exercise_id: str, n: int = 1) -> str:
    """The ``n``-th hint (from 1) of an exercise."""
    if exercise_id not in _hints:
        load_exercises()
    if exercise_id not in _hints:
        known = ", ".join(sorted(_hints)) or "none"
        return f"There is no exercise {exercise_id!r}. Known exercises: {known}."
    hints = _hints[exercise_id]
    if not hints:
        return f"Exercise {exercise_id} has no hints. Read the task again, step by step."
    if n < 1 or n > len(hints):
        return f"Exercise {exercise_id} has hints 1 to {len(hints)}. Hint {len(hints)}: {hints[-1]}"
    return f"Hint {n} of {len(hints)}: {hints[n - 1]}"


def run_all(conn: Any, arguments: dict[str, dict[str, Any]]) -> dict[str, CheckResult]:
    """Run the checks named in ``arguments`` (id -> keyword arguments) against ``conn``."""
    load_exercises()
    return {ex_id: registry[ex_id](conn, **kwargs) for ex_id, kwargs in arguments.items()}
