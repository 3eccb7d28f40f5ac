"""Administrator steps skipped for a classroom student (osworkshop.admin_steps)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from osworkshop import CourseError
from osworkshop import admin_steps as A


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def stmt(code: str) -> ast.stmt:
    return ast.parse(code).body[0]


def test_uses_and_defines_follow_python_scoping() -> None:
    assert A.uses(stmt("x = admin.compute.flavors()")) == {"admin"}
    assert A.defines(stmt("x = admin.compute.flavors()")) == {"x"}
    # comprehension and loop variables, parameters: bound before they are read
    assert A.uses(stmt("names = [f.name for f in flavors]")) == {"flavors"}
    assert A.defines(stmt("names = [f.name for f in flavors]")) == {"names"}
    assert A.defines(stmt("for h in hosts:\n    last = h")) == {"h", "last"}
    assert A.uses(stmt("def f(conn):\n    local = conn.x\n    return helper(local)")) == {"helper"}
    assert A.defines(stmt("def f(conn):\n    local = conn.x")) == {"f"}
    assert A.defines(stmt("import osworkshop.resources as r, json")) == {"r", "json"}
    assert A.uses(stmt("total += 1")) == {"total"}
    # a parameter called admin still counts: the step is an administrator's either way
    assert "admin" in A.uses(stmt("show = lambda admin: admin.x"))


def test_from_the_first_admin_statement_to_the_end_of_the_cell_becomes_pass() -> None:
    steps = A.AdminSteps("Ada")
    cell = ("a = 1\nconn.compute.resize_server(app1, admin.find_flavor(\n    'big'))\n"
            "app1 = settle(conn, app1, 'VERIFY_RESIZE')\n")
    out = steps.transform(lines(cell))
    assert out == ["a = 1\n", "pass\n", "\n", "pass\n"]  # same line numbers
    assert [(s.line, s.because) for s in steps.skipped] == [(2, "admin"), (4, "")]
    note = steps.note_html()
    assert "stopped before line 2" in note and "the 1 statement after it" in note
    assert "app1" in steps.unavailable  # the rest of the cell would have made it
    assert steps.transform(lines("b = a + 1\n")) == ["b = a + 1\n"]


def test_what_a_skipped_step_would_have_made_is_skipped_too_until_made_for_real() -> None:
    steps = A.AdminSteps("Ada")
    steps.transform(lines("web = admin.compute.create_flavor(name='w')\n"))
    out = steps.transform(lines("ok = 1\nserver = conn.compute.create_server(flavor_id=web.id)\n"))
    assert out == ["ok = 1\n", "pass\n"]
    assert steps.skipped[0].because == "web"
    assert "needs <code>web</code>" in steps.note_html()
    out = steps.transform(lines("server = conn.compute.get_server('x')\nprint(server)\n"))
    assert out == lines("server = conn.compute.get_server('x')\nprint(server)\n")
    assert steps.skipped == [] and steps.note_html() == ""


def test_a_decorated_function_is_skipped_from_its_decorator() -> None:
    steps = A.AdminSteps("Ada")
    out = steps.transform(lines("y = 2\n@interact(n=(1, 3))\ndef show(n):\n    admin.x(n)\n"))
    assert out == ["y = 2\n", "pass\n", "\n", "\n"]
    assert "show" in steps.unavailable


def test_a_cell_python_cannot_parse_is_left_to_ipython() -> None:
    steps = A.AdminSteps("Ada")
    assert steps.transform(lines("admin.x(\n")) == ["admin.x(\n"]


def test_no_admin_answers_every_use_with_the_classroom_message() -> None:
    missing = A.NoAdmin("Ada", "lab-admin")
    assert not missing
    with pytest.raises(CourseError) as err:
        missing.compute.flavors()
    assert "No administrator login in a shared classroom" in err.value.title
    assert "Ada" in err.value.detail


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    sh = InteractiveShell.instance()
    yield sh
    A.deactivate(sh)
    for name in ("a", "b", "c", "admin"):
        sh.user_ns.pop(name, None)


def test_in_ipython_the_cell_runs_without_its_admin_steps_and_shows_a_note(
    shell: InteractiveShell,
) -> None:
    shell.user_ns["admin"] = A.NoAdmin("Ada", "lab-admin")
    A.activate("Ada", shell)
    with capture_output() as out:
        result = shell.run_cell("a = 1\nb = admin.compute.flavors()\nc = a + 1\n")
    assert result.success, result.error_in_exec
    assert shell.user_ns["a"] == 1 and "b" not in shell.user_ns and "c" not in shell.user_ns
    assert "Administrator step" in out.stdout + "".join(str(o.data) for o in out.outputs)
    assert shell.run_cell("c = a + 1\n").success and shell.user_ns["c"] == 2
    A.activate("Ada", shell)  # again (the notebook run from the top): one transformer only
    assert sum(1 for t in shell.input_transformers_post if getattr(t, "__self__", None)
               and isinstance(t.__self__, A.AdminSteps)) == 1
    A.deactivate(shell)
    result = shell.run_cell("b = admin.compute.flavors()\n")
    assert not result.success  # switched off: the admin step runs and meets NoAdmin


def test_admin_returns_no_admin_in_a_notebook_of_a_classroom_student(
    student_clouds_yaml, monkeypatch: pytest.MonkeyPatch, shell: InteractiveShell,
) -> None:
    import osworkshop

    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    got = osworkshop.admin()
    assert isinstance(got, A.NoAdmin)
    assert id(shell) in A._ACTIVE


def test_a_shell_command_for_the_administrators_cloud_is_an_administrator_step() -> None:
    # what IPython makes of `!openstack --os-cloud lab-admin hypervisor list`
    assert A.uses(stmt("get_ipython().system('openstack --os-cloud lab-admin hypervisor list')"))\
        == {"get_ipython", "admin"}
    assert A.uses(stmt("get_ipython().system('openstack --os-cloud lab-demo server list')")) \
        == {"get_ipython"}
    steps = A.AdminSteps("Ada")
    out = steps.transform(lines("get_ipython().system('openstack --os-cloud lab-demo server list')\n"
                                "get_ipython().system('openstack --os-cloud=lab-admin flavor list')\n"))
    assert out[0].startswith("get_ipython") and out[1] == "pass\n"
