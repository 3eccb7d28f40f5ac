"""Binder: its configuration, generated from the course's one environment spec.

``environment.yml`` (repository root) is the spec.  ``python3 -m labsetup binder`` writes:

* ``binder/environment.yml``: the same environment, paths rebased for the ``binder/`` folder;
* ``binder/apt.txt``: the Debian/Ubuntu packages the lab needs (``labsetup.lab.apt_packages``),
  installed by repo2docker as root at build time: at run time Binder has no root;
* ``binder/postBuild``: ``labsetup install`` as the notebook user (the OpenStack services'
  virtual environment; the course environment is Binder's own conda environment);
* ``binder/start``: ``labsetup up --no-jupyter`` as the notebook user, then Binder's JupyterLab.

``python3 -m labsetup binder --check`` exits 1 when the committed files differ from what the
spec gives.  Only the standard library is used: this runs before any environment exists.
"""

from __future__ import annotations

import re

from labsetup.config import REPO

SPEC = REPO / "environment.yml"
BINDER = REPO / "binder"
HEADER = "# GENERATED from environment.yml by `python3 -m labsetup binder`: do not edit.\n"

POST_BUILD = """#!/bin/bash
{header}# Runs once when Binder builds the image, as the notebook user (no root): installs the
# OpenStack services and starts the lab once, so that the databases, the catalog and the lab's
# content are already in the image and a session only has to start the processes.
set -euo pipefail
export LABSETUP_COURSE_ENV=current   # the course environment is Binder's conda environment
python3 -m labsetup install
python3 -m labsetup up --no-jupyter
python3 -m labsetup down
"""

START = """#!/bin/bash
{header}# Runs every time a Binder session starts, as the notebook user, before JupyterLab.
# The lab cloud (MariaDB, RabbitMQ, the OpenStack services) starts in the background in
# user-owned directories under ~/.local/share/openstack-lab, while JupyterLab opens; notebook
# 00 waits for it, and if it cannot start, says how to use an instructor's cloud instead.
export LABSETUP_COURSE_ENV=current
nohup python3 -m labsetup up --no-jupyter > "$HOME/lab-start.log" 2>&1 &
exec "$@"
"""


def pip_lines(spec_text: str) -> list[str]:
    """The entries of the ``- pip:`` list of an environment.yml (a small, strict reader)."""
    lines = spec_text.splitlines()
    for i, line in enumerate(lines):
        if re.fullmatch(r"\s*-\s*pip:\s*", line):
            indent = None
            out = []
            for item in lines[i + 1:]:
                m = re.fullmatch(r"(\s*)-\s+(.+?)\s*", item)
                if not m or (indent is not None and len(m.group(1)) != indent):
                    break
                indent = len(m.group(1))
                out.append(m.group(2))
            return out
    raise ValueError("environment.yml has no `- pip:` list")


def rebase(entry: str, prefix: str) -> str:
    """A pip entry with its local paths seen from another folder (``..`` for binder/)."""
    for flag in ("-c ", "-r ", "-e "):
        if entry.startswith(flag):
            path = entry[len(flag):].strip()
            if path == "." or path.startswith(".["):
                return flag + prefix + path[1:]
            return flag + prefix + "/" + path.removeprefix("./")
    return entry


def binder_environment(spec_text: str) -> str:
    out = [HEADER.rstrip()]
    in_pip = False
    for line in spec_text.splitlines():
        if line.startswith("#"):
            continue
        if re.fullmatch(r"\s*-\s*pip:\s*", line):
            in_pip = True
            out.append(line)
            continue
        m = re.fullmatch(r"(\s*-\s+)(.+?)\s*", line)
        if in_pip and m and len(m.group(1)) > 4:
            out.append(m.group(1) + rebase(m.group(2), ".."))
            continue
        in_pip = False
        out.append(line)
    return "\n".join(out).strip() + "\n"


def render() -> dict[str, str]:
    """Every file of binder/, as text."""
    from labsetup.lab import apt_packages
    spec = SPEC.read_text()
    return {
        "environment.yml": binder_environment(spec),
        "apt.txt": HEADER + "\n".join(sorted(set(apt_packages()))) + "\n",
        "postBuild": POST_BUILD.format(header=HEADER),
        "start": START.format(header=HEADER),
    }


def stale() -> list[str]:
    """Files of binder/ that differ from what environment.yml and labsetup give."""
    return [name for name, text in render().items()
            if not (BINDER / name).exists() or (BINDER / name).read_text() != text]


def write() -> list[str]:
    BINDER.mkdir(exist_ok=True)
    changed = stale()
    for name, text in render().items():
        path = BINDER / name
        path.write_text(text)
        if name in ("postBuild", "start"):
            path.chmod(0o755)
    return changed
