"""lab_plugins.launch --group: import once, wait for what is needed, fork one child each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

CHILD = '''
import sys, time
def main():
    print("child", sys.argv[1:], flush=True)
    time.sleep(float(sys.argv[2]))
    return 0
'''


def test_group_waits_then_forks_each_child_with_its_own_pidfile_log_and_title(tmp_path: Path):
    (tmp_path / "labtest_child.py").write_text(CHILD)
    ready = tmp_path / "ready"
    children = [{"module": "labtest_child", "prog": f"labtest-{n}", "args": [n, "3"],
                 "pidfile": str(tmp_path / f"{n}.pid"), "logfile": str(tmp_path / f"{n}.log")}
                for n in ("a", "b")]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"children": children,
                                "wait_for": {"files": [str(ready)], "timeout": 30}}))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    launcher = subprocess.Popen([sys.executable, "-m", "lab_plugins.launch", "--group",
                                 str(plan)], env=env)
    time.sleep(1.5)
    assert launcher.poll() is None and not any(Path(c["pidfile"]).exists() for c in children)
    ready.touch()
    assert launcher.wait(timeout=30) == 0
    for c in children:
        pid = int(Path(c["pidfile"]).read_text())
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        assert title.startswith(f"{c['prog']} {c['args'][0]} 3")
    deadline = time.monotonic() + 30
    while not all("child" in Path(c["logfile"]).read_text() for c in children):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert "child ['a', '3']" in Path(children[0]["logfile"]).read_text()


def test_group_gives_up_when_what_it_waits_for_never_comes(tmp_path: Path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"children": [], "wait_for": {
        "files": [str(tmp_path / "never")], "timeout": 1}}))
    p = subprocess.run([sys.executable, "-m", "lab_plugins.launch", "--group", str(plan)],
                       capture_output=True, text=True, timeout=30, check=False)
    assert p.returncode == 1 and "gave up waiting" in p.stderr
