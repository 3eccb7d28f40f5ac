"""Nova: the compute service (what vCenter does for VMs), in its real distributed shape.

nova-api takes requests, nova-scheduler picks a host through Placement, nova-conductor does the
database work and orchestration, and one nova-compute per hypervisor host carries it out; they
talk over RabbitMQ.  The lab runs **two** nova-compute hosts, ``lab-compute-1`` and
``lab-compute-2``, so live migration and evacuation are real workflows.  Their hypervisor is the
lab's virt driver plugin (``lab_plugins.nova_lab``), named as such to learners; in the
real-guests profile (``labsetup up --guests real``) it is Nova's own libvirt driver on QEMU,
one libvirt daemon per host (``labsetup.services.libvirt``).
"""

from __future__ import annotations

import subprocess

from labsetup.config import COMPUTE_HOSTS, Lab
from labsetup.guest_image import TB_CACHE_MB
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
from labsetup.services.libvirt import Libvirt
from labsetup.services.ovn import OVN

__all__ = ["COMPUTE_HOSTS", "LAB_POLICY", "Nova"]

#: The lab's policy choices for Nova, so that a learner with the project's ``manager`` role (a
#: student in a shared room included) can do the operations exercises on their OWN servers.
#: Nova's own defaults (nova 32, 2025.2, on) already let a project manager cold- and
#: live-migrate them without naming a host and list their migrations; these add the rest.
#: Notebook 09 says so.
LAB_POLICY = {
    "os_compute_api:os-evacuate": (
        "rule:project_manager_or_admin",
        ("Lab: a project manager may evacuate the project's servers (the scheduler picks the "
        "host; naming one stays admin-only). Default: admin.")),
    "os_compute_api:os-extended-server-attributes": (
        "rule:project_manager_or_admin",
        ("Lab: a project manager sees which host runs each of the project's servers. "
        "Default: admin.")),
    "os_compute_api:servers:show:host_status": (
        "rule:project_manager_or_admin",
        ("Lab: a project manager sees whether the host of a project's server is UP or DOWN. "
        "Default: admin.")),
    **{f"os_compute_api:os-hypervisors:{verb}": (
        "role:manager or rule:context_is_admin",
        (f"Lab: a project manager may read the hypervisors ({verb}), as a vSphere user with a "
        "read-only role sees the hosts. Default: admin."))
       for verb in ("list", "list-detail", "show")},
    "os_compute_api:os-services:list": (
        "role:manager or rule:context_is_admin",
        ("Lab: a project manager may list the compute services and their state (read only; "
        "disabling or forcing one down stays admin-only). Default: admin.")),
}


class Nova(Service):
    name = "nova"
    pip = ("nova",)
    databases = ("nova_api", "nova", "nova_cell0")
    api_port = "nova"

    def conf(self, lab: Lab) -> str:
        return str(lab.etc("nova") / "nova.conf")

    def compute_conf(self, lab: Lab, host: str) -> str:
        return str(lab.etc("nova") / f"{host}.conf")

    def configure(self, lab: Lab) -> None:
        etc, state = lab.etc("nova"), lab.state("nova")
        policy_in_code(etc, LAB_POLICY)
        real = lab.guests == "real"
        conf: dict[str, dict[str, object]] = {
            "DEFAULT": {**common_default(lab, "nova"),
                        "my_ip": "127.0.0.1", "host": "lab-controller",
                        "log_file": str(lab.paths.log / "nova-api.log"), "use_stderr": False,
                        "compute_driver": "libvirt.LibvirtDriver" if real
                        else "labvirt.LabComputeDriver",
                        "report_interval": 5, "service_down_time": 30,
                        "periodic_fuzzy_delay": 0, "heal_instance_info_cache_interval": -1,
                        "instance_usage_audit": False, "allow_resize_to_same_host": False,
                        "resume_guests_state_on_host_boot": False,
                        "sync_power_state_interval": 60,
                        "osapi_compute_workers": 1, "metadata_workers": 1},
            "api": {"auth_strategy": "keystone"},
            "wsgi": {"api_paste_config": str(etc / "api-paste.ini")},
            "api_database": {"connection": lab.db_url("nova_api"), "max_pool_size": 4},
            "database": {"connection": lab.db_url("nova"), "max_pool_size": 4},
            "keystone_authtoken": authtoken(lab, "nova"),
            "service_user": {**keystone_auth(lab, "nova"), "send_service_user_token": True},
            "placement": keystone_auth(lab, "nova"),
            "neutron": {**keystone_auth(lab, "nova"), "service_metadata_proxy": False},
            "cinder": {**keystone_auth(lab, "nova"), "os_region_name": "RegionOne"},
            "glance": {"region_name": "RegionOne"},
            "conductor": {"workers": 1},
            "scheduler": {"workers": 1, "discover_hosts_in_cells_interval": 2},
            "filter_scheduler": {"track_instance_changes": False},
            "compute": {"live_migration_wait_for_vif_plug": False},
            "vnc": {"enabled": False},
            "spice": {"enabled": False},
            "oslo_concurrency": {"lock_path": str(state / "locks")},
            "oslo_messaging_notifications": NO_NOTIFICATIONS,
            "notifications": {"notification_format": "unversioned"},
            "oslo_messaging_rabbit": RABBIT,
            "lab": {"live_migration_seconds": 1.0},
        }
        if real:
            conf.update(libvirt_settings(lab))
            # Until the lab runs a metadata service for guests, each gets its configuration
            # (hostname, keypair, user-data) on a config drive.
            conf["DEFAULT"]["force_config_drive"] = True
        write_ini(etc / "nova.conf", conf)
        # A compute host reaches the databases only through the conductor, as in production:
        # with [api_database] in its configuration Nova logs "No DB access allowed in
        # nova-compute" at every start (DevStack's nova-cpu.conf leaves both out as well).
        write_ini(etc / "nova-compute.conf",
                  {k: v for k, v in conf.items() if k not in ("api_database", "database")})
        for host in COMPUTE_HOSTS:
            host_conf: dict[str, dict[str, object]] = {"DEFAULT": {
                "host": host, "state_path": str(state / host),
                "log_file": str(lab.paths.log / f"nova-compute-{host}.log")}}
            if real:  # each host talks to its own libvirt daemon and its own switch
                host_conf["libvirt"] = {"connection_uri": Libvirt().uri(lab, host)}
                host_conf["os_vif_ovs"] = {"ovsdb_connection": OVN().ovs_db(lab, host)}
            write_ini(etc / f"{host}.conf", host_conf)
            (state / host / "instances").mkdir(parents=True, exist_ok=True)  # guests' disks
        copy_shipped(lab, "nova", "api-paste.ini", etc / "api-paste.ini")
        if not self.synced(lab):
            conf = ["--config-file", self.conf(lab)]
            self.manage(lab, ["nova-manage", *conf, "api_db", "sync"], "nova API database sync")
            # cell0's URL is derived from [database] (nova -> nova_cell0): passing it on the
            # command line would put the database password in `ps` and in the log.
            self.manage(lab, ["nova-manage", *conf, "cell_v2", "map_cell0"], "nova cell0 mapping")
            cells = self.manage(lab, ["nova-manage", *conf, "cell_v2", "list_cells"],
                                "listing nova cells")
            if " cell1 " not in cells:
                self.manage(lab, ["nova-manage", *conf, "cell_v2", "create_cell", "--name",
                                  "cell1"], "creating nova cell1")
            self.manage(lab, ["nova-manage", *conf, "db", "sync"], "nova database sync")
            self.mark_synced(lab)

    def daemons(self, lab: Lab) -> list[Daemon]:
        conf = self.conf(lab)
        logs = lab.paths.log
        api = uwsgi_api(self, lab, "nova-api", "nova.wsgi.osapi_compute", "nova",
                        env={"OS_NOVA_CONFIG_DIR": str(lab.etc("nova")),
                             "OS_NOVA_CONFIG_FILES": "api-paste.ini;nova.conf"})
        ds = [api]
        for binary in ("nova-conductor", "nova-scheduler"):
            # in one process each (see lab_plugins.launch): the lab restarts what dies
            ds.append(self.launched(lab, binary, f"nova.cmd.{binary.split('-')[1]}", binary,
                                    ["--config-file", conf, "--log-file",
                                     str(logs / f"{binary}.log")], marker=binary))
        for host in COMPUTE_HOSTS:
            ds.append(self.launched(lab, f"nova-compute-{host}", "nova.cmd.compute",
                                    "nova-compute", ["--config-file",
                                                     str(lab.etc("nova") / "nova-compute.conf"),
                                                     "--config-file", self.compute_conf(lab, host)],
                                    marker=f"{host}.conf"))
        return ds

    def start_workers(self, lab: Lab) -> subprocess.Popen[bytes] | None:
        return fork_group(lab, "nova", self.daemons(lab)[1:])


def libvirt_settings(lab: Lab) -> dict[str, dict[str, object]]:
    """What the real-guests profile adds to nova.conf: Nova's libvirt driver on QEMU's TCG."""
    conf = lab.etc("nova") / "nova-compute.conf"
    return {
        "libvirt": {
            "virt_type": "qemu",  # TCG: this machine's KVM device cannot run stock guests
            "cpu_mode": "none",
            "tb_cache_size": TB_CACHE_MB,  # QEMU's default translation cache is 1 GiB a guest
            "mem_stats_period_seconds": 0,
        },
        **privsep(lab, str(conf), "nova_sys_admin", "privsep_osbrick",
                  "vif_plug_ovs_privileged", "vif_plug_linux_bridge_privileged"),
    }
