"""Keystone: identity, projects, roles and the service catalog (vCenter SSO's counterpart).

Fernet tokens, an in-process token cache, and a low bcrypt cost (this is a lab: logging in
should take milliseconds, not a third of a second).  ``keystone-manage bootstrap`` creates the
admin user and the roles admin, manager, member, reader and service.
"""

from __future__ import annotations

import grp
import os
import pwd

from labsetup.config import REGION, Lab
from labsetup.proc import Daemon
from labsetup.services.base import Service, policy_in_code, uwsgi_api, write_ini


class Keystone(Service):
    name = "keystone"
    pip = ("keystone",)
    databases = ("keystone",)
    api_port = "keystone"
    api_path = "/v3"

    def configure(self, lab: Lab) -> None:
        etc = lab.etc("keystone")
        policy_in_code(etc)
        write_ini(etc / "keystone.conf", {
            "DEFAULT": {"debug": False, "log_file": str(lab.paths.log / "keystone.log"),
                        "use_stderr": False},
            "database": {"connection": lab.db_url("keystone"), "max_pool_size": 4,
                         "max_overflow": 8},
            "token": {"provider": "fernet", "expiration": 43200},
            "fernet_tokens": {"key_repository": str(etc / "fernet-keys")},
            "fernet_receipts": {"key_repository": str(etc / "fernet-keys")},
            "credential": {"key_repository": str(etc / "credential-keys")},
            "cache": {"enabled": True, "backend": "dogpile.cache.memory"},
            "identity": {"password_hash_rounds": 4},
            "oslo_messaging_notifications": {"driver": "noop"},
        })
        if not self.synced(lab):
            conf = f"--config-file={etc / 'keystone.conf'}"
            self.manage(lab, ["keystone-manage", conf, "db_sync"], "keystone database sync")
            for kind in ("fernet_setup", "credential_setup"):
                self.manage(lab, ["keystone-manage", conf, kind,
                                  "--keystone-user", pwd.getpwuid(os.geteuid()).pw_name,
                                  "--keystone-group", grp.getgrgid(os.getegid()).gr_name],
                            f"keystone {kind}")
            self.manage(lab, [
                "keystone-manage", conf, "bootstrap",
                "--bootstrap-admin-url", lab.url("keystone", "/v3/"),
                "--bootstrap-internal-url", lab.url("keystone", "/v3/"),
                "--bootstrap-public-url", lab.url("keystone", "/v3/"),
                "--bootstrap-region-id", REGION,
            ], "keystone bootstrap", env={"OS_BOOTSTRAP_PASSWORD": lab.secrets["admin"]})
            self.mark_synced(lab)

    def daemons(self, lab: Lab) -> list[Daemon]:
        return [uwsgi_api(self, lab, "keystone", "keystone.wsgi.api", "keystone",
                          env={"OS_KEYSTONE_CONFIG_DIR": str(lab.etc("keystone")),
                               "OS_KEYSTONE_CONFIG_FILES": "keystone.conf"})]

