"""Where the lab lives, which ports it uses, and its generated secrets.

Everything the lab writes stays under one directory (``LABSETUP_HOME``, by default
``~/.local/share/openstack-lab``) so that a non-root user (Binder) can run it too, and so that
``reset`` knows exactly what to wipe.  Nothing here is ever written into the repository.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: The APIs and their ports: the same ports DevStack and production clouds use, so the
#: catalog a learner sees looks like any other cloud's.
BASE_PORTS: dict[str, int] = {
    "keystone": 5000,
    "placement": 8778,
    "glance": 9292,
    "nova": 8774,
    "neutron": 9696,
    "cinder": 8776,
    "swift": 8080,
    "swift-object": 6200,
    "swift-container": 6201,
    "swift-account": 6202,
    "rabbitmq": 5672,
    "rabbitmq-dist": 25672,
    "epmd": 4369,
    "jupyter": 8888,
}


def port_offset() -> int:
    """$LABSETUP_PORT_OFFSET moves every port (a second lab on one machine, e.g. the test of
    the Binder set-up running beside the main lab)."""
    raw = os.environ.get("LABSETUP_PORT_OFFSET", "0") or "0"
    if not raw.isdigit() or int(raw) > 30000:
        raise SystemExit(f"labsetup: LABSETUP_PORT_OFFSET={raw!r} must be a number from 0 to "
                         "30000")
    return int(raw)


PORTS: dict[str, int] = {name: port + port_offset() for name, port in BASE_PORTS.items()}

REGION = "RegionOne"
#: Users every service needs in Keystone, plus the learners' demo user.
#: The roles of the learner (``demo``) and of every classroom student in their own project:
#: ``member`` works in the project; ``manager`` is OpenStack's project-manager persona (Nova
#: 32, 2025.2, on: migrate and live-migrate the project's servers without naming a host), widened
#: by the lab's Nova policy (labsetup/services/nova.py, LAB_POLICY).
LEARNER_ROLES = ("member", "manager")

SERVICE_USERS = ("placement", "glance", "nova", "neutron", "cinder", "swift")


def lab_home() -> Path:
    return Path(os.environ.get("LABSETUP_HOME", Path.home() / ".local/share/openstack-lab"))


@dataclass(frozen=True)
class Paths:
    home: Path

    @property
    def venv(self) -> Path:  # OpenStack services (the "cloud side")
        return self.home / "services-venv"

    @property
    def course_venv(self) -> Path:  # JupyterLab, openstacksdk, the course package (the "learner side")
        if os.environ.get("LABSETUP_COURSE_ENV") == "current":  # Binder: its conda environment
            return Path(sys.prefix)
        return self.home / "course-venv"

    @property
    def etc(self) -> Path:
        return self.home / "etc"

    @property
    def state(self) -> Path:
        return self.home / "state"

    @property
    def log(self) -> Path:
        return self.home / "log"

    @property
    def run(self) -> Path:
        return self.home / "run"

    @property
    def secrets_file(self) -> Path:
        return self.home / "secrets.json"

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name

    def course_bin(self, name: str) -> Path:
        return self.course_venv / "bin" / name

    def make(self) -> None:
        for d in (self.home, self.etc, self.state, self.log, self.run):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.home, 0o700)


def _password(n: int = 24) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


@dataclass
class Secrets:
    """Random passwords generated once per lab, stored in ``secrets.json`` (mode 0600)."""

    values: dict[str, str] = field(default_factory=dict)

    NAMES = ("db", "rabbit", "admin", "demo", *SERVICE_USERS, "swift_hash", "jupyter_token")

    def __getitem__(self, name: str) -> str:
        return self.values[name]

    @classmethod
    def load_or_create(cls, paths: Paths) -> Secrets:
        f = paths.secrets_file
        values: dict[str, str] = json.loads(f.read_text()) if f.exists() else {}
        changed = False
        for name in cls.NAMES:
            if name not in values:
                values[name] = _password()
                changed = True
        if changed or not f.exists():
            write_private(f, json.dumps(values, indent=1))
        return cls(values)


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (created 0600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


LOOPBACK = "127.0.0.1"


def bind_address(paths: Paths) -> str | None:
    """The address chosen with ``labsetup up --bind`` (classroom mode), if any."""
    f = paths.state / "bind-address"
    return f.read_text().strip() or None if f.exists() else None


def set_bind_address(paths: Paths, address: str | None) -> None:
    """Remember the classroom-mode address (None: back to loopback only)."""
    f = paths.state / "bind-address"
    if address is None or address == LOOPBACK:
        f.unlink(missing_ok=True)
    else:
        f.write_text(address + "\n")


#: The lab's two compute hosts (nova-compute processes; in the real-guests profile each has its
#: own libvirt daemon).
COMPUTE_HOSTS = ("lab-compute-1", "lab-compute-2")

#: What the compute hosts run (``labsetup up --guests``): "lab" is the lab's virt driver plugin,
#: servers as records (least memory: Binder, weak machines); "real" is Nova's libvirt driver with
#: QEMU on ML2/OVN, servers that boot the lab's guest image (labsetup/services/libvirt.py, ovn.py).
GUESTS = ("lab", "real")


def _remembered(paths: Paths, key: str, choices: tuple[str, ...]) -> str:
    """A choice ``up`` remembers in the lab's state (the first of ``choices`` when none is)."""
    f = paths.state / key
    name = f.read_text().strip() if f.exists() else choices[0]
    return name if name in choices else choices[0]


def _remember(paths: Paths, key: str, choices: tuple[str, ...], name: str) -> None:
    f = paths.state / key
    if name == choices[0]:
        f.unlink(missing_ok=True)
    else:
        f.write_text(name + "\n")


def read_guests(paths: Paths) -> str:
    return _remembered(paths, "guests", GUESTS)


def set_guests(paths: Paths, name: str) -> None:
    _remember(paths, "guests", GUESTS, name)


#: default: one process per API (least memory); classroom: the busiest APIs get more processes
#: and threads, MariaDB a bigger page cache, for a room of learners (services/base.py WORKERS,
#: services/mariadb.py; measured with benchmarks/classroom.py).
PROFILES = ("default", "classroom")


def read_profile(paths: Paths) -> str:
    return _remembered(paths, "profile", PROFILES)


def set_profile(paths: Paths, name: str) -> None:
    _remember(paths, "profile", PROFILES, name)


@dataclass(frozen=True)
class Lab:
    """What every service module needs: paths, secrets and where to listen."""

    paths: Paths
    secrets: Secrets
    host: str = "127.0.0.1"
    profile: str = "default"
    guests: str = "lab"

    @classmethod
    def load(cls) -> Lab:
        paths = Paths(lab_home())
        paths.make()
        host = os.environ.get("LABSETUP_BIND") or bind_address(paths) or LOOPBACK
        return cls(paths=paths, secrets=Secrets.load_or_create(paths), host=host,
                   profile=read_profile(paths), guests=read_guests(paths))

    def url(self, service: str, path: str = "") -> str:
        return f"http://{self.host}:{PORTS[service]}{path}"

    @property
    def auth_url(self) -> str:
        return self.url("keystone", "/v3")

    @property
    def db_socket(self) -> Path:
        return self.paths.run / "mysqld.sock"

    def db_url(self, database: str) -> str:
        return (
            f"mysql+pymysql://root:{self.secrets['db']}@localhost/{database}"
            f"?unix_socket={self.db_socket}&charset=utf8"
        )

    @property
    def transport_url(self) -> str:
        return f"rabbit://lab:{self.secrets['rabbit']}@127.0.0.1:{PORTS['rabbitmq']}/"

    def etc(self, service: str) -> Path:
        d = self.paths.etc / service
        d.mkdir(parents=True, exist_ok=True)
        return d

    def state(self, service: str) -> Path:
        d = self.paths.state / service
        d.mkdir(parents=True, exist_ok=True)
        return d
