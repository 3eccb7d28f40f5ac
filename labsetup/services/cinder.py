"""Cinder: block storage -- volumes that outlive servers (vSphere's datastores and VMDKs).

cinder-api, cinder-scheduler and one cinder-volume with one backend, ``lab``, served by the
lab's volume driver plugin (``lab_plugins.cinder_lab``: sparse files) where production uses
Ceph, LVM or a storage array.  Volume type ``lab-file`` maps to that backend.
"""

from __future__ import annotations

import subprocess

from labsetup.config import Lab
from labsetup.proc import Daemon
from labsetup.services.base import (
    NO_NOTIFICATIONS,
    RABBIT,
    Service,
    authtoken,
    common_default,
    copy_shipped,
    fork_group,
    keystone_auth,
    policy_in_code,
    privsep,
    uwsgi_api,
    write_ini,
)

VOLUME_TYPE = "lab-file"


class Cinder(Service):
    name = "cinder"
    pip = ("cinder",)
    databases = ("cinder",)
    api_port = "cinder"

    def conf(self, lab: Lab) -> str:
        return str(lab.etc("cinder") / "cinder.conf")

    def configure(self, lab: Lab) -> None:
        etc, state = lab.etc("cinder"), lab.state("cinder")
        policy_in_code(etc)
        write_ini(etc / "cinder.conf", {
            "DEFAULT": {**common_default(lab, "cinder"), "use_stderr": False,
                        "my_ip": "127.0.0.1", "host": "lab-storage",
                        "auth_strategy": "keystone", "enabled_backends": "lab",
                        "default_volume_type": VOLUME_TYPE,
                        "api_paste_config": str(etc / "api-paste.ini"),
                        "osapi_volume_workers": 1, "report_interval": 5,
                        "service_down_time": 30, "periodic_fuzzy_delay": 0,
                        "glance_api_version": 2, "volume_name_template": "volume-%s",
                        "image_conversion_dir": str(state / "conversion"),
                        # which list filters (name, status, ...) the API accepts
                        "resource_query_filters_file": str(etc / "resource_filters.json")},
            "database": {"connection": lab.db_url("cinder"), "max_pool_size": 4},
            "keystone_authtoken": authtoken(lab, "cinder"),
            "service_user": {**keystone_auth(lab, "cinder"), "send_service_user_token": True},
            "nova": keystone_auth(lab, "cinder"),
            "lab": {"volume_driver": "lab_plugins.cinder_lab.LabFileVolumeDriver",
                    "volume_backend_name": "lab",
                    "lab_volumes_dir": str(state / "volumes")},
            "oslo_concurrency": {"lock_path": str(state / "locks")},
            "oslo_messaging_notifications": NO_NOTIFICATIONS,
            "oslo_messaging_rabbit": RABBIT,
            "oslo_policy": {"enforce_new_defaults": True},
            # qemu-img (image to volume, volume to image) runs through these contexts
            **privsep(lab, self.conf(lab), "cinder_sys_admin", "privsep_osbrick"),
        })
        copy_shipped(lab, "cinder", "api-paste.ini", etc / "api-paste.ini")
        copy_shipped(lab, "cinder", "resource_filters.json", etc / "resource_filters.json")
        if not self.synced(lab):
            self.manage(lab, ["cinder-manage", "--config-file", self.conf(lab), "db", "sync"],
                        "cinder database sync")
            self.mark_synced(lab)

    def daemons(self, lab: Lab) -> list[Daemon]:
        conf = self.conf(lab)
        logs = lab.paths.log
        api = uwsgi_api(self, lab, "cinder-api", "cinder.wsgi.api", "cinder",
                        env={}, pyargv=f"--config-file {conf} --log-file {logs / 'cinder-api.log'}")
        ds = [api]
        for binary in ("cinder-scheduler", "cinder-volume"):
            ds.append(self.launched(lab, binary, f"cinder.cmd.{binary.split('-')[1]}", binary,
                                    ["--config-file", conf, "--log-file",
                                     str(logs / f"{binary}.log")], marker=binary))
        return ds

    def start_workers(self, lab: Lab) -> subprocess.Popen[bytes] | None:
        return fork_group(lab, "cinder", self.daemons(lab)[1:])
