"""The bad-input suite: what a learner or an instructor gets wrong, and what they are told.

Notebook mistakes run in a real IPython shell with the course's error handler, exactly as in
JupyterLab; command-line mistakes run ``python3 -m labsetup`` in a subprocess.  Each must give
one clear message and no traceback.  The suite prints how many it tried.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from openstack.connection import Connection

from labsetup.config import REPO

SETUP = """
import openstack, osworkshop
from osworkshop import errors
osworkshop.install_ipython_handler()
conn = osworkshop.connect()
admin = osworkshop.admin()
"""


@dataclass
class Case:
    what: str
    code: str  # a notebook cell, or a labsetup command line after "cli:"
    expect: str  # words the message must contain


NOTEBOOK_CASES = [
    Case("wrong password", 'osworkshop.connect_as(admin, "demo", "not-the-password", "demo")',
         "credentials"),
    Case("unreachable endpoint",
         'openstack.connect(auth_url="http://127.0.0.1:9/v3", username="demo", password="x", '
         'project_name="demo", user_domain_name="Default", project_domain_name="Default", '
         'load_yaml_config=False, load_envvars=False).authorize()', "reach"),
    Case("unknown cloud name", 'osworkshop.connect("no-such-cloud")', "no-such-cloud"),
    Case("malformed clouds.yaml", 'osworkshop.connect("lab-demo")', "clouds.yaml"),
    Case("quota exceeded", 'quota_conn.block_storage.create_volume(name="t-bad-q", size=1)',
         "Quota exceeded"),
    Case("name taken",
         'admin.compute.create_flavor(name="m1.tiny", ram=512, vcpus=1, disk=1)', "taken"),
    Case("missing service", 'osworkshop.require(conn, "dns", "to manage DNS zones")', "dns"),
    Case("not found", 'conn.compute.get_server("no-such-server")', "Not found"),
    Case("member asks for an admin action",
         'conn.compute.create_flavor(name="t-bad-flavor", ram=512, vcpus=1, disk=1)',
         "role does not allow"),
    Case("image not visible",
         'conn.compute.create_server(name="t-bad-img", flavor_id=conn.compute.find_flavor('
         '"m1.tiny", ignore_missing=False).id, image_id="00000000-0000-0000-0000-000000000000",'
         ' networks="none")', "Image not found"),
    Case("exercise check given a wrong name",
         'from osworkshop.exercises.nb04 import check_project_quota\n'
         'print(check_project_quota(admin, project="no-such-project"))', "no project"),
]

CLI_CASES = [
    Case("unknown service for logs", "logs nosuch", "no lab service"),
    Case("unknown compute host", "host stop nosuch", "no compute host"),
    Case("names file missing", "classroom create --names /nonexistent/names.txt", "no file"),
    Case("zero students", "classroom create --students 0", "at least 1"),
    Case("odd student names", "classroom create --names {odd}", "has no letter"),
    Case("unknown student", "classroom reset nobody-at-all", "no student"),
    Case("unknown command", "frobnicate", "invalid choice"),
    Case("bad room name", "classroom list", "room name"),
]


@pytest.fixture(scope="module")
def quota_project(admin: Connection) -> Iterator[None]:
    """A project whose volume quota is 0, and a member's connection to it (``quota_conn``)."""
    from labsetup.config import _password
    project = admin.identity.create_project(name="t-badinput", domain_id="default")
    password = _password()
    user = admin.identity.create_user(name="t-badinput", password=password,
                                      domain_id="default", default_project_id=project.id)
    admin.identity.assign_project_role_to_user(project, user, admin.identity.find_role("member"))
    admin.block_storage.update_quota_set(project.id, volumes=0)
    os.environ["T_BADINPUT_PASSWORD"] = password
    try:
        yield
    finally:
        admin.identity.delete_user(user)
        admin.identity.delete_project(project)


def run_cell(shell: InteractiveShell, code: str) -> str:
    with capture_output() as cap:
        shell.run_cell(code)
    shown = [cap.stdout, cap.stderr]
    for out in cap.outputs:
        shown.append(str(out.data.get("text/plain", "")))
    return "\n".join(shown)


def test_every_bad_input_gets_one_clear_message(
    quota_project: None, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a learner sees: the test suite's strict mode would add the traceback for nbval.
    monkeypatch.delenv("OSWORKSHOP_STRICT", raising=False)
    shell = InteractiveShell.instance()
    assert "Traceback" not in run_cell(shell, SETUP)
    run_cell(shell, textwrap.dedent("""
        import os
        quota_conn = osworkshop.connect_as(admin, "t-badinput", os.environ["T_BADINPUT_PASSWORD"],
                                           "t-badinput")
    """))
    broken = tmp_path / "clouds.yaml"
    broken.write_text("clouds:\n  lab-demo: [this is: not: valid\n")
    odd = tmp_path / "odd.txt"
    odd.write_text("!!!\n***\n", encoding="utf-8")

    tried, problems = 0, []
    for case in NOTEBOOK_CASES:
        tried += 1
        env_before = dict(os.environ)
        if case.what == "malformed clouds.yaml":
            os.environ["OS_CLIENT_CONFIG_FILE"] = str(broken)
        try:
            shown = run_cell(shell, case.code)
        finally:
            os.environ.clear()
            os.environ.update(env_before)
        if "Traceback" in shown or case.expect.lower() not in shown.lower():
            problems.append(f"{case.what}: {shown.strip()[:600]}")
    for case in CLI_CASES:
        tried += 1
        env = {**os.environ}
        if case.what == "bad room name":
            env["LABSETUP_CLASSROOM"] = "Room 101!"
        argv = case.code.format(odd=odd).split()
        done = subprocess.run([sys.executable, "-m", "labsetup", *argv], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        shown = done.stdout + done.stderr
        if done.returncode == 0 or "Traceback" in shown or case.expect not in shown:
            problems.append(f"labsetup {case.code}: exit {done.returncode}: {shown[-600:]}")
    with capsys.disabled():
        print(f"\nbad-input suite: tried {tried} bad inputs "
              f"({len(NOTEBOOK_CASES)} in notebook cells, {len(CLI_CASES)} on the command line); "
              f"{len(problems)} showed a traceback or an unclear message.")
    assert problems == [], "\n\n".join(problems)
