"""What the lab exposes: listening sockets, and where its generated passwords appear."""

from __future__ import annotations

import ipaddress
import os
import subprocess
from pathlib import Path

from labsetup import lab as L
from labsetup.classroom import load_roster
from labsetup.config import REPO, Lab

LOOPBACK = {"127.0.0.1", "::1"}


def _address(hex_addr: str) -> str:
    """An address of /proc/net/tcp{,6} (little-endian hex words) in the usual notation."""
    raw = bytes.fromhex(hex_addr)
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))


def listening(pids: set[int]) -> list[tuple[int, str, int]]:
    """(pid, address, port) of every TCP socket in LISTEN, and every bound UDP socket, that
    these processes hold."""
    inode_pid: dict[str, int] = {}
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inode_pid[target[8:-1]] = pid
        except OSError:
            continue
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            cols = line.split()
            local, state, inode = cols[1], cols[3], cols[9]
            if inode not in inode_pid:
                continue
            addr, port = local.split(":")
            if table.startswith("tcp") and state != "0A":  # 0A = LISTEN
                continue
            if table.startswith("udp") and cols[2].split(":")[1] != "0000":
                continue  # a connected client socket (e.g. Swift's syslog), not a listener
            found.append((inode_pid[inode], _address(addr), int(port, 16)))
    return found


def test_every_lab_socket_listens_on_loopback_only(lab: Lab) -> None:
    assert lab.host == "127.0.0.1", "this test checks the default mode (not classroom mode)"
    procs = L.processes(lab)
    everyone = set().union(*procs.values())
    sockets = listening(everyone)
    assert len(sockets) >= 14, sockets  # every API, Swift's servers, RabbitMQ, epmd, Jupyter
    wide = [s for s in sockets if s[1] not in LOOPBACK]
    assert wide == [], f"listening beyond loopback: {wide}"
    ports = {port for _, _, port in sockets}
    for name in ("keystone", "nova", "neutron", "glance", "cinder", "swift", "rabbitmq"):
        from labsetup.config import PORTS
        assert PORTS[name] in ports, f"{name} is not listening where the lab expects it"


def _secrets(lab: Lab) -> dict[str, str]:
    values = dict(lab.secrets.values)
    for student in load_roster(lab):
        values[f"student {student.slug}"] = student.password
    return values


def test_no_password_in_the_repository(lab: Lab) -> None:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True,
                           check=True).stdout.decode().split("\0")
    leaks = []
    for name in filter(None, files):
        path = REPO / name
        if not path.is_file():
            continue
        text = path.read_bytes().decode(errors="replace")
        leaks += [f"{what} in {name}" for what, value in _secrets(lab).items() if value in text]
    assert leaks == []
    ignored = subprocess.run(["git", "check-ignore", "-q", "clouds.yaml"], cwd=REPO,
                             check=False)
    assert ignored.returncode == 0, "a clouds.yaml in the repository would not be ignored"


def test_no_password_in_logs_or_command_lines(lab: Lab) -> None:
    secrets = _secrets(lab)
    leaks = []
    for path in sorted(lab.paths.log.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            leaks += [f"{what} in {path.name}" for what, value in secrets.items()
                      if value in text]
    for pid in set().union(*L.processes(lab).values()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        leaks += [f"{what} on the command line of {pid}" for what, value in secrets.items()
                  if value in cmdline]
    assert leaks == []


def test_secret_files_are_private(lab: Lab) -> None:
    from labsetup.clouds import clouds_yaml_path
    for path in (lab.paths.secrets_file, clouds_yaml_path()):
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"
    assert lab.paths.home.stat().st_mode & 0o077 == 0
