"""binder/ is generated from environment.yml: they must not drift."""

from __future__ import annotations

import subprocess
import sys

import pytest

from labsetup import binder as B
from labsetup.config import REPO
from labsetup.install import course_requirements
from labsetup.lab import apt_packages


def test_binder_files_match_the_spec() -> None:
    assert B.stale() == [], "run `python3 -m labsetup binder` and commit binder/"


def test_drift_is_reported_and_the_check_command_passes(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "environment.yml"
    spec.write_text(B.SPEC.read_text().replace("python=3.11", "python=3.12"))
    monkeypatch.setattr(B, "SPEC", spec)
    assert "environment.yml" in B.stale()
    done = subprocess.run([sys.executable, "-m", "labsetup", "binder", "--check"], cwd=REPO,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0  # the real files still match the real spec


def test_one_spec_for_venv_and_binder() -> None:
    entries = B.pip_lines(B.SPEC.read_text())
    assert entries == ["-c labsetup/constraints/course.txt", "-e .[test]"]
    assert course_requirements() == ["-c", str(REPO / "labsetup/constraints/course.txt"),
                                     "-e", f"{REPO}[test]"]
    binder_env = (B.BINDER / "environment.yml").read_text()
    assert "- -c ../labsetup/constraints/course.txt" in binder_env
    assert "- -e ..[test]" in binder_env
    apt = (B.BINDER / "apt.txt").read_text().splitlines()[1:]
    assert set(apt) == set(apt_packages())


@pytest.mark.parametrize(("entry", "rebased"), [
    ("-c labsetup/constraints/course.txt", "-c ../labsetup/constraints/course.txt"),
    ("-e .[test]", "-e ..[test]"), ("-e .", "-e .."), ("-r ./more.txt", "-r ../more.txt"),
    ("requests==2.32.0", "requests==2.32.0"),
])
def test_rebase(entry: str, rebased: str) -> None:
    assert B.rebase(entry, "..") == rebased


def test_pip_lines_needs_a_pip_list() -> None:
    with pytest.raises(ValueError):
        B.pip_lines("dependencies:\n  - python=3.11\n")


def test_binder_scripts_start_the_lab_as_the_notebook_user() -> None:
    start = (B.BINDER / "start").read_text()
    assert 'exec "$@"' in start and "labsetup up --no-jupyter" in start
    assert "sudo" not in start and "sudo" not in (B.BINDER / "postBuild").read_text()
    assert (B.BINDER / "start").stat().st_mode & 0o111
