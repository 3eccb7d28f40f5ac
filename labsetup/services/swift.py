"""Swift: object storage -- containers and objects over HTTP (no vSphere counterpart).

A one-node, one-replica Swift: the proxy (with Keystone auth) and the account, container and
object servers, storing on a plain directory (``mount_check = false``).  Production clusters
spread three replicas or erasure-coded fragments over many disks, servers and zones.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from labsetup.config import PORTS, Lab
from labsetup.proc import Daemon, LabError, wait_for
from labsetup.services.base import Service, authtoken, fork_group, write_ini

RINGS = (("account", "swift-account"), ("container", "swift-container"),
         ("object", "swift-object"))


class Swift(Service):
    name = "swift"
    pip = ("swift",)
    api_port = "swift"
    api_path = "/healthcheck"

    def devices(self, lab: Lab) -> Path:
        return lab.state("swift") / "node"

    def configure(self, lab: Lab) -> None:
        etc = lab.etc("swift")
        (self.devices(lab) / "d1").mkdir(parents=True, exist_ok=True)
        write_ini(etc / "swift.conf", {
            "swift-hash": {"swift_hash_path_suffix": lab.secrets["swift_hash"],
                           "swift_hash_path_prefix": "lab"},
            "storage-policy:0": {"name": "Policy-0", "default": "yes"},
        })
        common = {"swift_dir": str(etc), "devices": str(self.devices(lab)),
                  "mount_check": False, "bind_ip": lab.host, "workers": 0,
                  "log_level": "WARNING", "log_name": "swift",
                  "log_address": str(self.syslog_socket(lab))}
        for ring, port in RINGS:
            write_ini(etc / f"{ring}-server.conf", {
                "DEFAULT": {**common, "bind_port": PORTS[port], "bind_ip": "127.0.0.1"},
                "pipeline:main": {"pipeline": f"healthcheck recon {ring}-server"},
                f"app:{ring}-server": {"use": f"egg:swift#{ring}"},
                "filter:healthcheck": {"use": "egg:swift#healthcheck"},
                "filter:recon": {"use": "egg:swift#recon",
                                 "recon_cache_path": str(lab.state("swift") / "recon")},
                f"{ring}-replicator": {}, f"{ring}-auditor": {},
            })
        write_ini(etc / "proxy-server.conf", {
            "DEFAULT": {**common, "bind_port": PORTS["swift"], "log_level": "INFO"},
            "pipeline:main": {"pipeline": (
                "catch_errors gatekeeper healthcheck proxy-logging listing_formats bulk "
                "authtoken keystoneauth copy slo dlo versioned_writes symlink proxy-logging "
                "proxy-server")},
            "app:proxy-server": {"use": "egg:swift#proxy", "account_autocreate": True,
                                 "allow_account_management": True},
            "filter:catch_errors": {"use": "egg:swift#catch_errors"},
            "filter:gatekeeper": {"use": "egg:swift#gatekeeper"},
            "filter:healthcheck": {"use": "egg:swift#healthcheck"},
            # The access log cannot take log_address: with no /dev/log it would send syslog
            # over UDP from 0.0.0.0. Keeping it quiet keeps every socket on loopback; the
            # proxy's own log (labsetup logs swift) still shows errors.
            "filter:proxy-logging": {"use": "egg:swift#proxy_logging",
                                     "access_log_level": "WARNING"},
            "filter:listing_formats": {"use": "egg:swift#listing_formats"},
            "filter:bulk": {"use": "egg:swift#bulk"},
            "filter:authtoken": {"paste.filter_factory":
                                 "keystonemiddleware.auth_token:filter_factory",
                                 **authtoken(lab, "swift"), "delay_auth_decision": True},
            "filter:keystoneauth": {"use": "egg:swift#keystoneauth",
                                    "operator_roles": "admin,manager,member",
                                    "reseller_admin_role": "ResellerAdmin"},
            "filter:copy": {"use": "egg:swift#copy"},
            "filter:slo": {"use": "egg:swift#slo"},
            "filter:dlo": {"use": "egg:swift#dlo"},
            "filter:versioned_writes": {"use": "egg:swift#versioned_writes",
                                        "allow_versioned_writes": True},
            "filter:symlink": {"use": "egg:swift#symlink"},
        })
        if not self.synced(lab, "rings"):
            builder = str(lab.paths.bin("swift-ring-builder"))
            for ring, port in RINGS:
                b = str(etc / f"{ring}.builder")
                Path(b).unlink(missing_ok=True)
                for args in (["create", "10", "1", "1"],
                             ["add", f"r1z1-127.0.0.1:{PORTS[port]}/d1", "100"], ["rebalance"]):
                    # swift-ring-builder exits 1 for "done, with warnings" (one device, one replica)
                    p = subprocess.run([builder, b, *args], capture_output=True, text=True,
                                       check=False)
                    if p.returncode > 1:
                        raise LabError(f"swift-ring-builder {ring} {args[0]} failed:\n"
                                       + (p.stdout + p.stderr)[-800:])
            self.mark_synced(lab, "rings")

    def syslog_socket(self, lab: Lab) -> Path:
        return lab.paths.run / "swift-syslog.sock"

    def syslog_sink(self, lab: Lab) -> Daemon:
        """Swift's syslog goes to this socket: without it Swift sends UDP from 0.0.0.0."""
        script = Path(__file__).resolve().parent.parent / "syslog_sink.py"
        return self.daemon(lab, "swift-syslog", [sys.executable, str(script),
                                                 str(self.syslog_socket(lab))],
                           marker="syslog_sink.py")

    def daemons(self, lab: Lab) -> list[Daemon]:
        return [*self.servers(lab), self.syslog_sink(lab)]

    def servers(self, lab: Lab) -> list[Daemon]:
        etc = lab.etc("swift")
        modules = {"proxy": "swift.proxy.server", "account": "swift.account.server",
                   "container": "swift.container.server", "object": "swift.obj.server"}
        return [self.launched(lab, f"swift-{kind}", module, f"swift-{kind}-server",
                              [str(etc / f"{kind}-server.conf"), "-v"],
                              marker=f"{kind}-server.conf")
                for kind, module in modules.items()]

    def start_api(self, lab: Lab) -> None:
        return None  # the proxy starts with the other three, from one import of Swift

    def start_workers(self, lab: Lab) -> subprocess.Popen[bytes] | None:
        sink = self.syslog_sink(lab)
        if not sink.running():
            sink.start()
            wait_for("Swift's syslog socket", self.syslog_socket(lab).exists, 10, sink)
        return fork_group(lab, "swift", self.servers(lab))
