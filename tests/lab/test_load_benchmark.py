"""The room benchmark runs, counts and cleans up: two learners, every cell at once."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from labsetup.config import REPO

pytestmark = pytest.mark.slow


def test_two_learners_finish_without_errors_or_leftovers() -> None:
    done = subprocess.run([sys.executable, "benchmarks/classroom.py", "--learners", "2",
                           "--think", "0", "--time-limit", "300"], cwd=REPO,
                          capture_output=True, text=True, timeout=600, check=False)
    out = done.stdout
    assert done.returncode == 0, out[-3000:] + done.stderr[-3000:]
    assert "pace: none" in out
    requests = int(re.search(r"2 learners, (\d+) API requests", out).group(1))
    assert requests > 100  # two learners' worth of calls, each of them timed
    for service in ("cinder", "glance", "keystone", "neutron", "nova", "swift"):
        assert re.search(rf"^{service}\s+\d+", out, re.MULTILINE), f"no figures for {service}"
    assert re.search(r"latency: p50 [\d.]+ s, p95 [\d.]+ s", out)
    assert "nova POST /v2.1/servers" in out  # the slowest-calls table names calls by kind
    assert re.search(r"^  neutron\s+[\d.]+ s", out, re.MULTILINE)  # CPU by process
    assert "errors: 0 (goal 0)" in out
    assert "left by learners: 0 (goal 0)" in out
    assert "left after it: 0 (nothing)" in out


def test_nonsense_arguments_get_a_clear_message() -> None:
    for args, words in ((["--learners", "0"], "--learners must be between"),
                        (["--think", "-1"], "--think must be between")):
        done = subprocess.run([sys.executable, "benchmarks/classroom.py", *args], cwd=REPO,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 2 and words in done.stderr
        assert "Traceback" not in done.stderr
