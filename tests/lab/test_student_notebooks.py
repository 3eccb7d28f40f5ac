"""Every notebook, run as a student of a shared classroom: no administrator login.

The student's clouds.yaml (from ``labsetup classroom create``) is the only one the kernel
sees. The administrator steps are skipped with a note (osworkshop.admin_steps), the member
steps run, no cell fails, and the notebook's cleanup leaves the student's project as it found
it. The student types each exercise's solution (tests/answers.py); an exercise whose check is
skipped as an administrator step is a projector demo for the room, and is counted.
Runs in its own room ($LABSETUP_CLASSROOM), so a real classroom is never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import openstack
import pytest
from nbclient.exceptions import CellExecutionError

from labsetup.config import REPO, Lab
from tests.answers import exercises, run, solved

ROOM = f"t-{uuid.uuid4().hex[:6]}"
NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
NOTE = "osworkshop-admin-step"  # the class of the blue note (osworkshop.admin_steps)


def labsetup(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LABSETUP_CLASSROOM": ROOM}
    return subprocess.run([sys.executable, "-m", "labsetup", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def student(lab: Lab) -> Iterator[Path]:
    """The clouds.yaml of the room's one student."""
    done = labsetup("classroom", "create", "--students", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    yield lab.paths.home / ROOM / "students" / "student01" / "clouds.yaml"
    gone = labsetup("classroom", "teardown", "--yes")
    assert gone.returncode == 0 and "0 resources left" in gone.stdout, gone.stdout + gone.stderr


def student_conn(clouds_yaml: Path) -> Any:
    from openstack.config import OpenStackConfig

    config = OpenStackConfig(config_files=[str(clouds_yaml)], load_envvars=False)
    return openstack.connection.Connection(config=config.get_one(cloud="lab-demo"))


def notes(cell: Any) -> int:
    return sum(NOTE in str(out.get("data", {}).get("text/html", ""))
               for out in cell.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_a_student_runs_the_notebook_without_an_error(student: Path, path: Path) -> None:
    from osworkshop.classroom import inventory

    conn = student_conn(student)
    before = inventory(conn)
    nb = solved(nbformat.read(path, as_version=4))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OS_", "OSWORKSHOP_CLOUD", "OSWORKSHOP_ADMIN"))}
    env.update(OS_CLIENT_CONFIG_FILE=str(student), OSWORKSHOP_STRICT="1")
    try:
        run(nb, path, env)
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} stopped for a student: {str(exc)[-1500:]}")
    code = [c for c in nb.cells if c.cell_type == "code"]
    noted = [i for i, c in enumerate(code) if notes(c)]
    demos = [ex.id for ex in exercises(nb) if notes(nb.cells[ex.check])]
    print(f"\n{path.stem}: {len(code)} code cells, {len(noted)} with administrator steps "
          f"skipped; demo-only exercises: {', '.join(demos) or 'none'}", end="")
    from osworkshop.outline import instructor_notes

    listed = instructor_notes().get(path.name[:2])
    assert demos == [ex for ex, _why in (listed.demo_only if listed else ())], \
        "the exercises a student cannot do are the ones the instructor guide lists"
    uses_admin = any("osworkshop.admin()" in c.source for c in code)
    assert bool(noted) == uses_admin, "a notebook that uses the administrator skips something"
    after = inventory(conn)
    progress = ["osworkshop-progress"]  # where exercise checks record a pass, kept on purpose
    if after.get("containers") == progress and "containers" not in before:
        del after["containers"]
    assert after == before, f"{path.name} left resources in the student's project"
