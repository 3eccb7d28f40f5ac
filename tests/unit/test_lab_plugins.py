"""Run the lab plugins' own unit tests inside the services' environment.

Nova, Neutron and Cinder each register options on one global oslo.config object, so each
plugin's tests run in a process of their own, with the OpenStack packages they plug into.
"""

from __future__ import annotations

import subprocess

import pytest

from labsetup.config import REPO, Paths, lab_home

PLUGIN_TESTS = sorted((REPO / "labsetup" / "plugins" / "tests").glob("test_*.py"))


def test_there_are_plugin_tests() -> None:
    assert {p.name for p in PLUGIN_TESTS} >= {"test_nova_lab.py", "test_ml2_lab.py",
                                              "test_cinder_lab.py"}


@pytest.mark.parametrize("path", PLUGIN_TESTS, ids=lambda p: p.stem)
def test_plugin(path) -> None:
    py = Paths(lab_home()).bin("python")
    if not py.exists():
        pytest.skip("the services environment is not installed (run `python3 -m labsetup up`)")
    p = subprocess.run([str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "-p", "no:warnings", str(path)], capture_output=True, text=True, cwd=REPO, check=False)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-2000:]
    assert " passed" in p.stdout
