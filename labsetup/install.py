"""Install what the lab needs: Debian packages, and two virtual environments from PyPI.

* ``services-venv``: the OpenStack 2026.2 (Hibiscus) services, pinned by
  ``labsetup/constraints/services.txt``, plus the lab plugins (``labsetup/plugins``).
* ``course-venv``: JupyterLab, openstacksdk and the course package (this repository), pinned by
  ``labsetup/constraints/course.txt``.

Each is re-installed only when what defines it changed (a hash kept in the venv).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from labsetup.config import REPO, Lab
from labsetup.proc import LabError, run

CONSTRAINTS = REPO / "labsetup" / "constraints"
PLUGINS = REPO / "labsetup" / "plugins"

#: Debian packages every lab needs besides the ones each service declares (``Service.apt``).
BASE_APT = (
    "build-essential", "python3-dev", "python3-venv", "pkg-config", "libffi-dev", "libssl-dev",
    "libxml2-dev", "libxslt1-dev", "qemu-utils", "procps",
)

#: Debian packages only the test suite needs: the browser test drives Debian's chromium.
TEST_APT = ("chromium",)

#: PyPI packages of the services' environment besides the services (``Service.pip``).
SERVICE_TOOLS = (
    "PyMySQL", "uWSGI", "python-memcached", "openstacksdk", "python-openstackclient",
    "pytest",  # runs the lab plugins' unit tests inside this environment
)


def missing_apt(packages: Iterable[str]) -> list[str]:
    missing = []
    for pkg in packages:
        p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True,
                           text=True, check=False)
        if "install ok installed" not in p.stdout:
            missing.append(pkg)
    return missing


def install_apt(packages: Iterable[str], log: Path) -> list[str]:
    missing = missing_apt(packages)
    if not missing:
        return []
    if os.geteuid() != 0:
        raise LabError(f"these Debian packages are missing: {' '.join(missing)}",
                       f"ask an administrator to run: apt-get install -y {' '.join(missing)}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env, what="apt-get update", log=log, timeout=900)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env,
        what="apt-get install", log=log, timeout=1800)
    return missing


def _digest(paths: Iterable[Path], extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in sorted(paths):
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and "__pycache__" not in f.parts and ".egg-info" not in str(f):
                    h.update(str(f.relative_to(p)).encode())
                    h.update(f.read_bytes())
        elif p.exists():
            h.update(p.read_bytes())
    return h.hexdigest()


def _venv(path: Path, log: Path) -> Path:
    py = path / "bin" / "python"
    if not py.exists():
        run([sys.executable, "-m", "venv", str(path)], what=f"creating {path}", log=log)
        run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip", "setuptools", "wheel"],
            what="upgrading pip", log=log)
    return py


def _pip(py: Path, args: list[str], what: str, log: Path) -> None:
    run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
        what=what, log=log, timeout=3000, env={"PIP_NO_INPUT": "1"})


def install_services(lab: Lab, packages: Sequence[str]) -> bool:
    """The OpenStack services and lab plugins; returns True when something was installed."""
    log = lab.paths.log / "install.log"
    venv = lab.paths.venv
    constraints = CONSTRAINTS / "services.txt"
    marker = venv / ".labsetup-services"
    want = _digest([constraints], " ".join(packages))
    plugins_marker = venv / ".labsetup-plugins"
    plugins_want = _digest([PLUGINS / "src", PLUGINS / "pyproject.toml"])
    changed = False
    py = _venv(venv, log)
    if not marker.exists() or marker.read_text() != want:
        _pip(py, ["-c", str(constraints), *packages], "installing OpenStack from PyPI",
             log)
        marker.write_text(want)
        changed = True
    if not plugins_marker.exists() or plugins_marker.read_text() != plugins_want:
        build = lab.paths.home / "build-plugins"
        shutil.rmtree(build, ignore_errors=True)
        shutil.copytree(PLUGINS, build, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info",
                                                                       "build"))
        _pip(py, ["--no-deps", "--no-build-isolation", "--force-reinstall", str(build)],
             "installing the lab plugins", log)
        shutil.rmtree(build, ignore_errors=True)
        plugins_marker.write_text(plugins_want)
        changed = True
    return changed


def course_requirements() -> list[str]:
    """pip's arguments for the course environment: the pip list of ``environment.yml``."""
    from labsetup.binder import SPEC, pip_lines
    args: list[str] = []
    for entry in pip_lines(SPEC.read_text()):
        flag, _, rest = entry.partition(" ")
        if flag in ("-c", "-r", "-e") and rest:
            args += [flag, str(REPO / rest) if not rest.startswith(".") else
                     str(REPO) + rest[1:]]
        else:
            args.append(entry)
    return args


def install_course(lab: Lab) -> bool:
    """JupyterLab and the course package (editable, from this repository), as
    ``environment.yml`` says.  With LABSETUP_COURSE_ENV=current (Binder) the running Python's
    environment is the course environment: it is checked, not installed."""
    log = lab.paths.log / "install.log"
    if os.environ.get("LABSETUP_COURSE_ENV") == "current":
        probe = subprocess.run([sys.executable, "-c", "import osworkshop, openstack, jupyterlab"],
                               capture_output=True, text=True, check=False)
        if probe.returncode != 0:
            raise LabError("LABSETUP_COURSE_ENV=current, but this Python lacks the course "
                           f"environment: {probe.stderr.strip().splitlines()[-1]}",
                           "build it from environment.yml (Binder does) or unset "
                           "LABSETUP_COURSE_ENV")
        return False
    venv = lab.paths.course_venv
    marker = venv / ".labsetup-course"
    want = _digest([CONSTRAINTS / "course.txt", REPO / "pyproject.toml", REPO / "environment.yml"],
                   str(REPO))
    py = _venv(venv, log)
    if marker.exists() and marker.read_text() == want:
        return False
    _pip(py, course_requirements(), "installing the course environment", log)
    marker.write_text(want)
    return True
