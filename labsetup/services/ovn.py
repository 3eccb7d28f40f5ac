"""OVN and Open vSwitch: the real-guests profile's virtual network (what a VDS or NSX is to
vSphere), in the shape production uses with ML2/OVN.

Central (the "network controller"): the northbound and southbound OVN databases (two
``ovsdb-server``) and ``ovn-northd``, which turns logical switches, routers and ACLs into flows.
Per compute host: its own Open vSwitch (``ovsdb-server`` + ``ovs-vswitchd`` on the userspace
*netdev* datapath, because this machine has no openvswitch kernel module) and ``ovn-controller``,
which registers the host as a chassis and programs ``br-int``.

Everything a guest sends stays inside network namespaces the lab makes: each compute host gets
``osw-<host>`` (its switch, its guests' taps, later its libvirtd), and the two are joined by a
veth pair carrying the Geneve tunnel between the chassis.  The tunnel's addresses (``UNDERLAY``)
exist only inside those namespaces.  The databases are reached on Unix sockets, which work across
namespaces; nothing listens on an IP address.

Found on this kind of machine: packets whose checksum a sender leaves to "the hardware" cross the
userspace datapath unfinished and are dropped, so the lab turns checksum offload off on the veths
it makes, and the guest image loads virtio_net without it (labsetup/guest_image.py).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from labsetup.config import COMPUTE_HOSTS, Lab
from labsetup.proc import Daemon, LabError, run, wait_for
from labsetup.services.base import Check, Service

#: The tunnel network between the hosts' namespaces: data inside the lab only, never routed.
UNDERLAY = "192.168.254"

#: The outside world of the lab: a namespace holding the public network's gateway address
#: (the ``public-subnet`` gateway of labsetup/bootstrap.py), joined to br-ex on the gateway host.
#: Floating IPs answer there; ``ip netns exec osw-external ...`` reaches them.
EXTERNAL_NETNS = "osw-external"
EXTERNAL_GATEWAY = "203.0.113.1/24"
#: The compute host whose chassis carries routers' gateways (and br-ex).
GATEWAY_HOST = COMPUTE_HOSTS[0]

OVS_SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")
NB_SCHEMA = Path("/usr/share/ovn/ovn-nb.ovsschema")
SB_SCHEMA = Path("/usr/share/ovn/ovn-sb.ovsschema")


def netns(host: str) -> str:
    """The network namespace of a compute host's switch and guests."""
    return f"osw-{host}"


def tunnel_device(index: int) -> str:
    return f"osw-tun{index}"


class OVN(Service):
    name = "ovn"
    apt = ("openvswitch-switch", "ovn-central", "ovn-host", "ethtool", "iproute2")

    # -- where things live ---------------------------------------------------------------------
    def central_dir(self, lab: Lab) -> Path:
        return lab.state("ovn") / "central"

    def host_dir(self, lab: Lab, host: str) -> Path:
        return lab.state("ovn") / host

    def run_dir(self, lab: Lab, part: str) -> Path:
        """Sockets, pid and control files of ``central`` or of one host's switch."""
        return lab.paths.run / f"ovn-{part}"

    def nb(self, lab: Lab) -> str:
        return f"unix:{self.run_dir(lab, 'central') / 'nb.sock'}"

    def sb(self, lab: Lab) -> str:
        return f"unix:{self.run_dir(lab, 'central') / 'sb.sock'}"

    def ovs_db(self, lab: Lab, host: str) -> str:
        return f"unix:{self.run_dir(lab, host) / 'db.sock'}"

    def _env(self, lab: Lab, part: str) -> dict[str, str]:
        d = str(self.run_dir(lab, part))
        return {"OVS_RUNDIR": d, "OVN_RUNDIR": d, "OVS_LOGDIR": str(lab.paths.log),
                "OVN_LOGDIR": str(lab.paths.log)}

    # -- the five verbs ------------------------------------------------------------------------
    def configure(self, lab: Lab) -> None:
        """Create the databases, or convert them when a new Debian package moved the schema."""
        central = self.central_dir(lab)
        central.mkdir(parents=True, exist_ok=True)
        dbs = [(central / "nb.db", NB_SCHEMA), (central / "sb.db", SB_SCHEMA)]
        for host in COMPUTE_HOSTS:
            self.host_dir(lab, host).mkdir(parents=True, exist_ok=True)
            dbs.append((self.host_dir(lab, host) / "conf.db", OVS_SCHEMA))
        for db, schema in dbs:
            if not db.exists():
                run(["ovsdb-tool", "create", str(db), str(schema)], what=f"creating {db.name}")
            elif subprocess.run(["ovsdb-tool", "needs-conversion", str(db), str(schema)],
                                capture_output=True, text=True,
                                check=False).stdout.strip() == "yes":
                run(["ovsdb-tool", "convert", str(db), str(schema)], what=f"upgrading {db.name}")
        for part in ("central", *COMPUTE_HOSTS):
            self.run_dir(lab, part).mkdir(parents=True, exist_ok=True, mode=0o700)

    def daemons(self, lab: Lab) -> list[Daemon]:
        central, env = self.central_dir(lab), self._env(lab, "central")
        run_c = self.run_dir(lab, "central")
        quiet = ["-vconsole:info", "-vsyslog:off", "--no-chdir"]
        ds = [
            self.daemon(lab, f"ovn-{which}-db",
                        ["ovsdb-server", str(central / f"{which}.db"),
                         f"--remote=punix:{run_c / f'{which}.sock'}",
                         f"--unixctl={run_c / f'{which}.ctl'}", *quiet],
                        env=env, marker=str(central / f"{which}.db"))
            for which in ("nb", "sb")
        ]
        ds.append(self.daemon(lab, "ovn-northd",
                              ["ovn-northd", f"--ovnnb-db={self.nb(lab)}",
                               f"--ovnsb-db={self.sb(lab)}",
                               f"--unixctl={run_c / 'northd.ctl'}", *quiet],
                              env=env, marker="ovn-northd"))
        for host in COMPUTE_HOSTS:
            env, run_h = self._env(lab, host), self.run_dir(lab, host)
            ns = ["ip", "netns", "exec", netns(host)]
            ds.append(self.daemon(lab, f"ovsdb-{host}",
                                  [*ns, "ovsdb-server", str(self.host_dir(lab, host) / "conf.db"),
                                   f"--remote=punix:{run_h / 'db.sock'}",
                                   f"--unixctl={run_h / 'ovsdb.ctl'}", *quiet],
                                  env=env, marker=str(self.host_dir(lab, host) / "conf.db")))
            ds.append(self.daemon(lab, f"ovs-vswitchd-{host}",
                                  [*ns, "ovs-vswitchd", self.ovs_db(lab, host),
                                   f"--unixctl={run_h / 'vswitchd.ctl'}", *quiet],
                                  env=env, marker=f"{run_h / 'vswitchd.ctl'}"))
            ds.append(self.daemon(lab, f"ovn-controller-{host}",
                                  # (its control socket: OVN_RUNDIR/ovn-controller.PID.ctl)
                                  [*ns, "ovn-controller", self.ovs_db(lab, host), *quiet],
                                  env=env, marker=f"ovn-controller {self.ovs_db(lab, host)}"))
        return ds

    def start(self, lab: Lab) -> None:
        made = self.make_namespaces(lab)
        by_name = {d.name: d for d in self.daemons(lab)}
        for name in ("ovn-nb-db", "ovn-sb-db", "ovn-northd"):
            by_name[name].start()
        for i, host in enumerate(COMPUTE_HOSTS, start=1):
            by_name[f"ovsdb-{host}"].start()
            sock = self.run_dir(lab, host) / "db.sock"
            wait_for(f"the Open vSwitch database of {host}", sock.exists, 30,
                     by_name[f"ovsdb-{host}"])
            self.vsctl(lab, host, "--no-wait", "init")
            self.vsctl(lab, host, "--no-wait", "set", "open_vswitch", ".",
                       f"external_ids:system-id={host}", f"external_ids:hostname={host}",
                       f"external_ids:ovn-remote={self.sb(lab)}",
                       "external_ids:ovn-encap-type=geneve",
                       f"external_ids:ovn-encap-ip={UNDERLAY}.{i}",
                       "external_ids:ovn-bridge-datapath-type=netdev")
            if host == GATEWAY_HOST:  # routers' gateways: the public network on br-ex
                self.vsctl(lab, host, "--no-wait", "set", "open_vswitch", ".",
                           "external_ids:ovn-bridge-mappings=public:br-ex",
                           "external_ids:ovn-cms-options=enable-chassis-as-gw")
            by_name[f"ovs-vswitchd-{host}"].start()
            # The userspace datapath carries the tunnel itself: its endpoint address sits on
            # an OVS bridge (br-phy) whose port is this host's end of the veth pair.
            self._forget(lab, host, made)
            self.vsctl(lab, host, "--may-exist", "add-br", "br-phy", "--", "set", "bridge",
                       "br-phy", "datapath_type=netdev", "--", "--may-exist", "add-port",
                       "br-phy", tunnel_device(i))
            wait_for(f"br-phy of {host}", lambda h=host: _has_link(h, "br-phy"), 30,
                     by_name[f"ovs-vswitchd-{host}"])
            _ns(host, "ip", "addr", "replace", f"{UNDERLAY}.{i}/24", "dev", "br-phy")
            _ns(host, "ip", "link", "set", "br-phy", "up")
            if host == GATEWAY_HOST:
                self.vsctl(lab, host, "--may-exist", "add-br", "br-ex", "--", "set", "bridge",
                           "br-ex", "datapath_type=netdev", "--", "--may-exist", "add-port",
                           "br-ex", "osw-ext1")
            by_name[f"ovn-controller-{host}"].start()

    def wait(self, lab: Lab) -> None:
        wait_for("both compute hosts as OVN chassis",
                 lambda: set(self.chassis(lab)) >= set(COMPUTE_HOSTS), 60,
                 self.daemons(lab)[2])

    def stop(self, lab: Lab) -> None:
        super().stop(lab)
        if shutil.which("ip") is None:  # a default lab (Binder) may have no iproute2
            return
        # the guests' taps, the tunnel and the outside link go with the namespaces
        for ns in (*(netns(h) for h in COMPUTE_HOSTS), EXTERNAL_NETNS):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True, check=False)

    def check(self, lab: Lab) -> list[Check]:
        checks = super().check(lab)
        if all(c.ok for c in checks):
            found = self.chassis(lab)
            for host in COMPUTE_HOSTS:
                checks.append(Check(self.name, f"chassis {host}", host in found,
                                    "registered in the southbound database" if host in found
                                    else "missing from the southbound database"))
        return checks

    # -- helpers ---------------------------------------------------------------------------------
    def make_namespaces(self, lab: Lab) -> set[str]:
        """Each host's namespace, the veth pair between them and the link to the outside
        namespace (idempotent); returns the links made anew."""
        made: set[str] = set()
        if shutil.which("ip") is None:
            raise LabError("the `ip` command is missing", "apt-get install -y iproute2")
        existing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                                  check=False).stdout.split()
        for host in COMPUTE_HOSTS:
            if netns(host) not in existing:
                _netns_add(netns(host))
            _ns(host, "ip", "link", "set", "lo", "up")
        first, second = COMPUTE_HOSTS
        if not _has_link(first, tunnel_device(1)):
            _ns(first, "ip", "link", "add", tunnel_device(1), "type", "veth", "peer", "name",
                tunnel_device(2), "netns", netns(second))
            made |= {tunnel_device(1), tunnel_device(2)}
        if EXTERNAL_NETNS not in existing:
            _netns_add(EXTERNAL_NETNS)
        if not _has_link(GATEWAY_HOST, "osw-ext1"):
            _ns(GATEWAY_HOST, "ip", "link", "add", "osw-ext1", "type", "veth", "peer", "name",
                "osw-ext0", "netns", EXTERNAL_NETNS)
            made.add("osw-ext1")
        outside = ["ip", "netns", "exec", EXTERNAL_NETNS]
        run([*outside, "ip", "addr", "replace", EXTERNAL_GATEWAY, "dev", "osw-ext0"],
            what="the outside namespace's address")
        links = [(host, tunnel_device(i)) for i, host in enumerate(COMPUTE_HOSTS, start=1)]
        for ns, dev in [*((netns(h), d) for h, d in links), (netns(GATEWAY_HOST), "osw-ext1"),
                        (EXTERNAL_NETNS, "osw-ext0"), (EXTERNAL_NETNS, "lo")]:
            run(["ip", "netns", "exec", ns, "ip", "link", "set", dev, "up"], what="ip link")
            # Checksums computed in software: see the module's docstring.
            subprocess.run(["ip", "netns", "exec", ns, "ethtool", "-K", dev, "tx", "off",
                            "rx", "off"], capture_output=True, check=False)
        return made

    def _forget(self, lab: Lab, host: str, made: set[str]) -> None:
        """A link made anew replaces one that a running switch still holds open: take its
        port off first (in a transaction of its own, or the switch keeps the old device)."""
        if (self.run_dir(lab, host) / "db.sock").exists():
            for device in sorted(made):
                if _has_link(host, device):
                    self.vsctl(lab, host, "--if-exists", "del-port", device)

    def vsctl(self, lab: Lab, host: str, *args: str) -> str:
        return run(["ovs-vsctl", f"--db={self.ovs_db(lab, host)}", "--timeout=20", *args],
                   what=f"ovs-vsctl ({host})")

    def chassis(self, lab: Lab) -> list[str]:
        p = subprocess.run(["ovn-sbctl", f"--db={self.sb(lab)}", "--timeout=10", "--bare",
                            "--columns=name", "list", "chassis"],
                           capture_output=True, text=True, check=False)
        return p.stdout.split() if p.returncode == 0 else []


def _netns_add(name: str) -> None:
    p = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True,
                       check=False)
    if p.returncode != 0:
        raise LabError(f"cannot make the network namespace {name}: {p.stderr.strip()}",
                       "the real-guests profile needs root and network namespaces "
                       "(`python3 -m labsetup doctor`); `labsetup up --guests lab` goes back")


def _ns(host: str, *argv: str) -> None:
    run(["ip", "netns", "exec", netns(host), *argv], what=" ".join(argv[:3]))


def _has_link(host: str, device: str) -> bool:
    return subprocess.run(["ip", "netns", "exec", netns(host), "ip", "link", "show", device],
                          capture_output=True, check=False).returncode == 0
