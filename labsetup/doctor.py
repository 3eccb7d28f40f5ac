"""``labsetup doctor``: what stops the lab on this machine, each with what to do."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from labsetup import install
from labsetup import lab as L
from labsetup.clouds import clouds_yaml_path
from labsetup.config import Lab
from labsetup.proc import indent


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    fix: str = ""

    def __str__(self) -> str:
        return f"[{'ok' if self.ok else '!!'}] {self.what}" + (f"\n     → {self.fix}" if self.fix and not self.ok else "")


def diagnose(lab: Lab) -> list[Finding]:
    out: list[Finding] = []
    root = os.geteuid() == 0
    missing = install.missing_apt(L.apt_packages(lab.guests))
    out.append(Finding(root or not missing, "running as root" if root else "running as a normal user",
                       "the first `up` installs Debian packages: run it as root (or ask an "
                       "administrator to install: " + " ".join(missing) + ")"))
    out.append(Finding(not missing, "Debian packages installed" if not missing else
                       f"Debian packages missing: {' '.join(missing)}",
                       "run `python3 -m labsetup up` as root"))
    mem = L.mem_available_gib()
    running = L.running_anything(lab)
    out.append(Finding(running or mem >= L.MIN_MEMORY_GIB, f"{mem:.1f} GiB of memory available",
                       f"the lab needs about {L.MIN_MEMORY_GIB:.0f} GiB: close other programs"))
    free = shutil.disk_usage(lab.paths.home).free / 1024 ** 3
    out.append(Finding(free >= L.MIN_DISK_GIB, f"{free:.1f} GiB free under {lab.paths.home}",
                       "free some disk space or set LABSETUP_HOME elsewhere"))
    for venv, what in ((lab.paths.venv, "OpenStack services"), (lab.paths.course_venv, "course")):
        ok = (venv / "bin" / "python").exists()
        out.append(Finding(ok, f"{what} environment at {venv}" + ("" if ok else " is missing"),
                           "run `python3 -m labsetup up`"))
    for conflict in L.port_conflicts(lab, L.every(lab)):
        out.append(Finding(False, conflict))
    for svc in L.every(lab):
        for d in svc.daemons(lab):
            if d.died():
                out.append(Finding(False, f"{d.name} has died. Last lines of {d.logfile}:\n"
                                   + indent(d.tail(8)), "`python3 -m labsetup up` restarts it"))
    path = clouds_yaml_path()
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
        out.append(Finding(mode & 0o077 == 0, f"{path} has mode {mode:o}",
                           f"chmod 600 {path}: it holds passwords"))
    else:
        out.append(Finding(not running, f"{path} does not exist yet",
                           "`python3 -m labsetup up` writes it"))
    if lab.guests == "real":
        out.extend(real_guests(lab))
    return out


def real_guests(lab: Lab) -> list[Finding]:
    """What the real-guests profile needs from this machine beyond the packages."""
    out = []
    p = subprocess.run(["unshare", "--uts", "--mount", "--propagation", "private", "true"],
                       capture_output=True, text=True, check=False)
    out.append(Finding(p.returncode == 0, "namespaces for the hosts' libvirt daemons" +
                       ("" if p.returncode == 0 else f": {p.stderr.strip()}"),
                       "run the lab as root on a machine (or container) that allows "
                       "unshare --uts --mount; or go back with `labsetup up --guests lab`"))
    tun = Path("/dev/net/tun")
    out.append(Finding(tun.exists(), f"{tun} for the guests' network devices" +
                       ("" if tun.exists() else " is missing"),
                       "the machine (or container) must offer /dev/net/tun; or go back with "
                       "`labsetup up --guests lab`"))
    if not any(d.running() for d in L.NETWORK.daemons(lab)):
        probe = "osw-doctor"
        made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True,
                              check=False)
        subprocess.run(["ip", "netns", "delete", probe], capture_output=True, check=False)
        out.append(Finding(made.returncode == 0, "network namespaces for the compute hosts" +
                           ("" if made.returncode == 0 else f": {made.stderr.strip()}"),
                           "run the lab as root on a machine that allows `ip netns add`; or go "
                           "back with `labsetup up --guests lab`"))
    guests = 3
    need = L.MIN_MEMORY_GIB + guests * 0.25
    mem = L.mem_available_gib()
    running = L.running_anything(lab)
    out.append(Finding(running or mem >= need, f"{mem:.1f} GiB of memory available for the lab "
                       f"and real guests (about 0.25 GiB each)",
                       f"with {guests} guests the lab needs about {need:.1f} GiB"))
    return out
