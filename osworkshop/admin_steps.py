"""Administrator steps in a shared classroom: skipped with a note, while member steps run.

In a room that shares one lab (``labsetup classroom create``) a learner is a member of their
own project and has no administrator login. ``osworkshop.admin()`` then returns
:class:`NoAdmin` instead of a connection and, inside IPython, turns on :class:`AdminSteps`:
an input transformer that looks at each later cell before it runs. From the first top-level
statement that uses ``admin`` (or a name that a skipped statement would have made, such as a
flavor the administrator creates) to the end of the cell, statements are replaced by ``pass``;
what comes before runs as written. After the cell a blue note says where it stopped, so the
learner knows to watch that step on the projector.

The transformer changes nothing when the learner has an administrator login: it is only
switched on by :func:`activate`, which ``osworkshop.admin()`` calls for a classroom student.
"""

from __future__ import annotations

import ast
import html
from dataclasses import dataclass, field
from typing import Any

from .connect import admin_cloud_name
from .errors import CourseError, ipython_shell

ADMIN = "admin"  # the name every notebook gives the administrator connection


class NoAdmin:
    """Stands where the administrator connection would be, for a classroom student."""

    def __init__(self, student: str, cloud: str) -> None:
        self._student = student
        self._cloud = cloud

    def error(self) -> CourseError:
        return CourseError(
            "No administrator login in a shared classroom",
            f"You are {self._student}, a member of your own project; the room's lab keeps its "
            f"administrator (`{self._cloud}`) with the instructor.",
            "Watch the administrator steps of this notebook on the projector and run the "
            "member steps yourself, or run the whole notebook in a lab of your own "
            "(`python3 -m labsetup up`, see the README).",
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise self.error()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"<no administrator login: {self._student} is a classroom member>"


# ----------------------------------------------------------------- which names a statement uses
def _target_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _function_args(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    a = node.args
    every = [*a.posonlyargs, *a.args, *a.kwonlyargs, *filter(None, [a.vararg, a.kwarg])]
    return {arg.arg for arg in every}


def _bound_inside(stmt: ast.stmt) -> set[str]:
    """Names the statement binds for its own use before reading them: loop, ``with`` and
    ``except`` targets, comprehension variables, function parameters and locals."""
    names: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            names |= _target_names(node.target)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            names |= _target_names(node.optional_vars)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            names |= _function_args(node)  # and the function's own local variables:
            names |= {n.id for n in ast.walk(node)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names


def uses(stmt: ast.stmt) -> set[str]:
    """Names the statement reads that it did not bind itself; a shell command for the
    administrator's cloud (``!openstack --os-cloud lab-admin ...``, or a ``%%bash`` cell with
    one: IPython has made them calls with the command as a string) counts as ``admin``."""
    loaded = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)
              and isinstance(n.ctx, ast.Load)}
    cloud = admin_cloud_name()
    if any(isinstance(n, ast.Constant) and isinstance(n.value, str)
           and (f"--os-cloud {cloud}" in n.value or f"--os-cloud={cloud}" in n.value)
           for n in ast.walk(stmt)):
        loaded.add(ADMIN)
    loaded |= {n.target.id for n in ast.walk(stmt)  # x += 1 reads x
               if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}
    return loaded - (_bound_inside(stmt) - {ADMIN})


def defines(stmt: ast.stmt) -> set[str]:
    """Names the statement binds in the notebook's namespace (not inside its functions, nor
    comprehension variables, which stay local)."""
    names: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            return  # what the body binds is local to it
        if isinstance(node, ast.Lambda | ast.comprehension):
            return
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(stmt)
    return names


# ----------------------------------------------------------------------------- the transformer
@dataclass
class Skip:
    """One skipped statement: its first line, and the name that made it an administrator step
    ('' for a statement skipped because one before it in the cell was)."""

    line: int
    text: str
    because: str


@dataclass
class AdminSteps:
    """Replaces the statements of a cell that need the administrator by ``pass``."""

    student: str
    unavailable: set[str] = field(default_factory=lambda: {ADMIN})
    skipped: list[Skip] = field(default_factory=list)  # in the cell that runs now

    def transform(self, lines: list[str]) -> list[str]:
        """IPython's ``input_transformers_post`` hook: the cell's lines in, lines out.

        From the first statement that needs the administrator (or a name an administrator
        step would have made) to the end of the cell, every statement becomes ``pass``: the
        statements after it in the same cell are the next steps of the same task, and they
        would meet a server, flavor or host the skipped step did not change. (Statements that
        share a line through ``;`` go together.)"""
        self.skipped = []
        try:
            tree = ast.parse("".join(lines))
        except SyntaxError:
            return lines  # IPython reports it as the learner wrote it
        out = list(lines)
        for stmt in tree.body:
            needs = sorted(uses(stmt) & self.unavailable)
            made = defines(stmt) - {ADMIN}
            if not needs and not self.skipped:
                self.unavailable -= made  # made for real now
                continue
            first = min([stmt.lineno, *(d.lineno for d in getattr(stmt, "decorator_list", []))])
            last = stmt.end_lineno or stmt.lineno
            text = out[first - 1].strip()
            out[first - 1] = "pass\n"
            for i in range(first, last):
                out[i] = "\n"
            because = (ADMIN if ADMIN in needs else needs[0]) if needs else ""
            self.skipped.append(Skip(first, text, because))
            self.unavailable |= made
        return out

    def note_html(self) -> str:
        """The note shown under a cell whose administrator steps were skipped ('' if none)."""
        if not self.skipped:
            return ""
        first, rest = self.skipped[0], self.skipped[1:]
        why = ("uses the administrator login" if first.because == ADMIN else
               f"needs <code>{html.escape(first.because)}</code>, which an administrator step "
               "makes")
        after = (f" and the {len(rest)} statement{'s' if len(rest) > 1 else ''} after it"
                 if rest else "")
        return (
            '<div class="osworkshop-admin-step" style="border-left:6px solid #2471a3;'
            'background:#eef5fb;padding:0.6em 1em;margin:0.4em 0;">'
            "<b>Administrator step: watch it on the projector</b>"
            f'<p style="margin:0.4em 0">You are {html.escape(self.student)}, a member of your '
            "own project in a shared classroom, so this cell stopped before line "
            f"{first.line}: <code>{html.escape(first.text[:90])}</code> {why}. That line"
            f"{after} did not run; what came before it did. Go on with the next cell.</p></div>"
        )

    def note_text(self) -> str:
        first = self.skipped[0]
        return (f"Administrator step: skipped from line {first.line} "
                f"({first.text[:90]}) to the end of the cell.")

    def show_note(self, *_: Any) -> None:
        """IPython ``post_run_cell`` hook."""
        if not self.skipped:
            return
        from IPython.display import display

        display({"text/html": self.note_html(), "text/plain": self.note_text()}, raw=True)


_ACTIVE: dict[int, AdminSteps] = {}  # id(shell) -> its transformer


def activate(student: str, shell: Any = None) -> AdminSteps | None:
    """Skip the administrator steps of every later cell in this IPython shell (returns the
    transformer, or None outside IPython). Calling it again starts afresh: a notebook run
    from the top again knows nothing skipped before."""
    shell = shell or ipython_shell()
    if shell is None:
        return None
    deactivate(shell)
    steps = AdminSteps(student)
    shell.input_transformers_post.append(steps.transform)
    shell.events.register("post_run_cell", steps.show_note)
    _ACTIVE[id(shell)] = steps
    return steps


def deactivate(shell: Any) -> None:
    old = _ACTIVE.pop(id(shell), None)
    if old is None:
        return
    if old.transform in shell.input_transformers_post:
        shell.input_transformers_post.remove(old.transform)
    try:
        shell.events.unregister("post_run_cell", old.show_note)
    except ValueError:
        pass
