"""Glance: the image catalogue (vSphere's templates and content library).

Images live as files in the lab's state directory (the ``file`` store; production clouds use
Ceph RBD, Swift or S3).  Only the ``glance-direct`` import method is enabled: the lab never
downloads anything from the internet.
"""

from __future__ import annotations

from labsetup.config import Lab
from labsetup.proc import Daemon
from labsetup.services.base import (
    NO_NOTIFICATIONS,
    Service,
    authtoken,
    copy_shipped,
    policy_in_code,
    uwsgi_api,
    write_ini,
)


class Glance(Service):
    name = "glance"
    pip = ("glance",)
    databases = ("glance",)
    api_port = "glance"

    def configure(self, lab: Lab) -> None:
        etc, state = lab.etc("glance"), lab.state("glance")
        policy_in_code(etc)
        write_ini(etc / "glance-api.conf", {
            "DEFAULT": {"debug": False, "log_file": str(lab.paths.log / "glance.log"),
                        "use_stderr": False, "enabled_backends": "images:file",
                        "enabled_import_methods": "[glance-direct,copy-image]",
                        "image_size_cap": 10 * 1024 ** 3, "user_storage_quota": "0",
                        "show_image_direct_url": False, "workers": 1},
            "database": {"connection": lab.db_url("glance"), "max_pool_size": 4},
            "keystone_authtoken": authtoken(lab, "glance"),
            "paste_deploy": {"flavor": "keystone"},
            "glance_store": {"default_backend": "images"},
            "images": {"filesystem_store_datadir": str(state / "images")},
            "os_glance_staging_store": {"filesystem_store_datadir": str(state / "staging")},
            "os_glance_tasks_store": {"filesystem_store_datadir": str(state / "tasks")},
            "oslo_concurrency": {"lock_path": str(state / "locks")},
            "oslo_messaging_notifications": NO_NOTIFICATIONS,
            "oslo_policy": {"enforce_new_defaults": True},
        })
        copy_shipped(lab, "glance", "glance-api-paste.ini", etc / "glance-api-paste.ini")
        if not self.synced(lab):
            self.manage(lab, ["glance-manage", "--config-file", str(etc / "glance-api.conf"),
                              "db_sync"], "glance database sync")
            self.mark_synced(lab)

    def daemons(self, lab: Lab) -> list[Daemon]:
        return [uwsgi_api(self, lab, "glance", "glance.wsgi.api", "glance",
                          env={"OS_GLANCE_CONFIG_DIR": str(lab.etc("glance"))})]
