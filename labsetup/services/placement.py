"""Placement: the inventory of every host's CPUs, memory and disk, and who uses how much.

Nova's scheduler asks Placement which hosts can fit a flavor -- the bookkeeping vCenter does
inside its own database for DRS and admission control.
"""

from __future__ import annotations

from labsetup.config import Lab
from labsetup.proc import Daemon
from labsetup.services.base import (
    NO_NOTIFICATIONS,
    Service,
    authtoken,
    policy_in_code,
    uwsgi_api,
    write_ini,
)


class Placement(Service):
    name = "placement"
    pip = ("openstack-placement",)
    databases = ("placement",)
    api_port = "placement"

    def configure(self, lab: Lab) -> None:
        etc = lab.etc("placement")
        policy_in_code(etc)
        write_ini(etc / "placement.conf", {
            "DEFAULT": {"debug": False, "log_file": str(lab.paths.log / "placement.log"),
                        "use_stderr": False},
            "api": {"auth_strategy": "keystone"},
            "placement_database": {"connection": lab.db_url("placement"), "max_pool_size": 4},
            "keystone_authtoken": authtoken(lab, "placement"),
            "oslo_messaging_notifications": NO_NOTIFICATIONS,
        })
        if not self.synced(lab):
            self.manage(lab, ["placement-manage", "--config-file",
                              str(lab.etc("placement") / "placement.conf"), "db", "sync"],
                        "placement database sync")
            self.mark_synced(lab)

    def daemons(self, lab: Lab) -> list[Daemon]:
        return [uwsgi_api(self, lab, "placement", "placement.wsgi.api", "placement",
                          env={"OS_PLACEMENT_CONFIG_DIR": str(lab.etc("placement"))})]
