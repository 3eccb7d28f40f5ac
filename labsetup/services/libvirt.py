"""libvirt: the hypervisor manager under Nova's libvirt driver (what ESXi's hostd is to vCenter),
for the real-guests profile.

A real cloud runs one libvirt daemon per compute host.  The lab's two compute hosts share this
machine, so each gets its own ``libvirtd`` in that host's network namespace (``osw-<host>``, made
by ``labsetup.services.ovn``, where the host's switch runs, so its guests' taps are there too)
and in its own UTS and mount namespaces (made with util-linux's ``unshare``): its hostname is the compute host's name, which Nova's libvirt driver
reports as the hypervisor, and its own ``/etc/libvirt``, ``/run/libvirt``, ``/var/lib/libvirt``,
``/var/log/libvirt`` and ``/var/cache/libvirt`` (bind mounts of directories under the lab's
state), so the two never see each other's guests, and an ``/etc/hosts`` naming both hosts, so
looking up its own name never becomes a DNS query.  Nova reaches each one on a Unix socket in the
lab's run directory; nothing listens on the network.

The QEMU driver runs guests under TCG (``virt_type=qemu``) as root with no security driver or
cgroups (this machine has neither AppArmor nor a systemd to delegate cgroups), and writes each
guest's serial console to a file, which ``openstack console log show`` reads.  Debian's
``libvirt-daemon-system`` would set all of this up but brings systemd along; the lab does the
two things it needs from it here instead (the ``libvirt-qemu`` account, the configuration).
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

from labsetup.config import COMPUTE_HOSTS, Lab
from labsetup.proc import Daemon, LabError, run, wait_for
from labsetup.services.base import Check, Service
from labsetup.services.ovn import OVN, netns

#: The directories each host's libvirtd gets as its own (bind-mounted in its namespace).
PRIVATE_DIRS = {"etc": "/etc/libvirt", "run": "/run/libvirt", "lib": "/var/lib/libvirt",
                "log": "/var/log/libvirt", "cache": "/var/cache/libvirt"}

#: Debian's QEMU driver checks its built-in default account before it reads qemu.conf.
QEMU_ACCOUNT = "libvirt-qemu"


class Libvirt(Service):
    name = "libvirt"
    apt = ("libvirt-daemon", "libvirt-daemon-driver-qemu", "libvirt-clients", "libvirt-dev",
           "qemu-system-x86", "qemu-utils", "util-linux")
    pip = ("libvirt-python",)

    def host_dir(self, lab: Lab, host: str) -> Path:
        return lab.state("libvirt") / host

    def socket_dir(self, lab: Lab, host: str) -> Path:
        return lab.paths.run / f"libvirt-{host}"

    def uri(self, lab: Lab, host: str) -> str:
        """What Nova's ``[libvirt] connection_uri`` says for this host."""
        return f"qemu:///system?socket={self.socket_dir(lab, host)}/libvirt-sock"

    def configure(self, lab: Lab) -> None:
        ensure_qemu_account()
        for host in COMPUTE_HOSTS:
            base = self.host_dir(lab, host)
            for sub in PRIVATE_DIRS:
                (base / sub).mkdir(parents=True, exist_ok=True)
            self.socket_dir(lab, host).mkdir(parents=True, exist_ok=True, mode=0o700)
            # libvirtd resolves its own hostname: answered from this file, never by DNS.
            (base / "hosts").write_text("127.0.0.1 localhost\n" + "".join(
                f"127.0.0.1 {h}\n" for h in COMPUTE_HOSTS))
            (base / "etc" / "libvirtd.conf").write_text(_conf({
                "listen_tls": 0, "listen_tcp": 0,
                "unix_sock_dir": str(self.socket_dir(lab, host)),
                "unix_sock_rw_perms": "0700", "unix_sock_ro_perms": "0700",
                "auth_unix_rw": "none", "auth_unix_ro": "none",
                # Warnings and errors to stderr, which is the daemon's log file in the lab's
                # log directory; each guest's QEMU log goes to log/qemu/NAME.log below.
                "log_outputs": "3:stderr",
                "max_clients": 20, "max_workers": 4, "min_workers": 1,
                "prio_workers": 2,
            }))
            (base / "etc" / "qemu.conf").write_text(_conf({
                "user": "root", "group": "root", "dynamic_ownership": 0,
                "remember_owner": 0, "security_driver": "none",
                "cgroup_controllers": [],
                # The serial console straight to a file (no virtlogd to run beside).
                "stdio_handler": "file",
                "vnc_listen": "127.0.0.1", "spice_listen": "127.0.0.1",
            }))

    def daemons(self, lab: Lab) -> list[Daemon]:
        ds = []
        for host in COMPUTE_HOSTS:
            base = self.host_dir(lab, host)
            mounts = "; ".join(f"mkdir -p {dest} && mount --bind {shlex.quote(str(base / sub))} "
                               f"{dest}" for sub, dest in PRIVATE_DIRS.items())
            # libvirt plugs a guest's tap into br-int with ovs-vsctl, which finds this host's
            # switch at its usual place.
            ovs = shlex.quote(str(OVN().run_dir(lab, host)))
            script = (f"set -e; hostname {host}; {mounts}; "
                      f"mount --bind {shlex.quote(str(base / 'hosts'))} /etc/hosts; "
                      f"mkdir -p /run/openvswitch && mount --bind {ovs} /run/openvswitch; "
                      f"exec /usr/sbin/libvirtd -f {shlex.quote(str(base / 'etc/libvirtd.conf'))} "
                      f"-p {shlex.quote(str(self.socket_dir(lab, host) / 'libvirtd.pid'))}")
            ds.append(self.daemon(lab, f"libvirtd-{host}",
                                  ["ip", "netns", "exec", netns(host),
                                   "unshare", "--uts", "--mount", "--propagation", "private",
                                   "sh", "-c", script],
                                  marker=str(base / "etc/libvirtd.conf")))
        return ds

    def wait(self, lab: Lab) -> None:
        for host, daemon in zip(COMPUTE_HOSTS, self.daemons(lab), strict=True):
            wait_for(f"libvirtd of {host} to answer", lambda h=host: self.hostname(lab, h) == h,
                     60, daemon)

    def stop(self, lab: Lab) -> None:
        """Power off every guest (as a host that goes down does), then stop the daemons.
        Nova finds its servers SHUTOFF when the hosts come back (`server start` boots them)."""
        for host, daemon in zip(COMPUTE_HOSTS, self.daemons(lab), strict=True):
            if not daemon.running():
                continue
            for domain in self.domains(lab, host, running=True):
                subprocess.run(["virsh", "-c", self.uri(lab, host), "destroy", domain],
                               capture_output=True, timeout=60, check=False)
        super().stop(lab)

    def guest_pids(self, lab: Lab) -> set[int]:
        """The QEMU processes of both hosts' guests (from libvirt's pid files: QEMU leaves
        libvirtd's process tree when it starts)."""
        pids = set()
        for host in COMPUTE_HOSTS:
            for f in (self.host_dir(lab, host) / "run" / "qemu").glob("*.pid"):
                if f.name == "driver.pid":  # libvirtd's own lock, not a guest
                    continue
                try:
                    pid = int(f.read_text().strip())
                except (OSError, ValueError):
                    continue
                if Path(f"/proc/{pid}").exists():
                    pids.add(pid)
        return pids

    def domains(self, lab: Lab, host: str, *, running: bool = False) -> list[str]:
        """Names of the guests this host's libvirtd knows (only the running ones)."""
        p = subprocess.run(["virsh", "-c", self.uri(lab, host), "list", "--name",
                            *(() if running else ("--all",))],
                           capture_output=True, text=True, timeout=30, check=False)
        return p.stdout.split() if p.returncode == 0 else []

    def hostname(self, lab: Lab, host: str) -> str:
        """The hostname this host's libvirtd reports (Nova's hypervisor name), or ""."""
        p = subprocess.run(["virsh", "-c", self.uri(lab, host), "hostname"],
                           capture_output=True, text=True, timeout=20, check=False)
        return p.stdout.strip() if p.returncode == 0 else ""

    def check(self, lab: Lab) -> list[Check]:
        checks = super().check(lab)
        for host in COMPUTE_HOSTS:
            name = self.hostname(lab, host)
            checks.append(Check(self.name, f"{host} answers", name == host,
                                f"reports hostname {name!r}" if name else "no answer"))
        return checks


def ensure_qemu_account() -> None:
    """Make the ``libvirt-qemu`` system account Debian's libvirt looks up at start-up (what
    ``libvirt-daemon-system``'s postinst does); guests still run as root (qemu.conf)."""
    if subprocess.run(["getent", "passwd", QEMU_ACCOUNT], capture_output=True,
                      check=False).returncode == 0:
        return
    try:
        if subprocess.run(["getent", "group", QEMU_ACCOUNT], capture_output=True,
                          check=False).returncode != 0:
            run(["groupadd", "--system", QEMU_ACCOUNT], what="groupadd")
        run(["useradd", "--system", "--no-create-home", "--home-dir", "/var/lib/libvirt",
             "--shell", "/usr/sbin/nologin", "--gid", QEMU_ACCOUNT, QEMU_ACCOUNT],
            what="useradd")
    except LabError as err:
        raise LabError(f"libvirt needs a system account {QEMU_ACCOUNT}: {err.message}",
                       f"as root: useradd --system --no-create-home {QEMU_ACCOUNT}") from None


def _conf(values: dict[str, object]) -> str:
    """libvirt's configuration syntax: ``key = value``, strings quoted, lists in brackets."""
    lines = ["# Written by labsetup (labsetup/services/libvirt.py); changes are overwritten."]
    for key, value in values.items():
        if isinstance(value, bool | int):
            text = str(int(value))
        elif isinstance(value, list):
            text = "[ " + ", ".join(f'"{v}"' for v in value) + " ]"
        else:
            text = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"
