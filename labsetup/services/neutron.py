"""Neutron: networks, subnets, ports, routers, security groups and floating IPs.

The ML2 plugin with the ``router`` (L3) service plugin, as in production.  Ports are bound by
the lab's ML2 mechanism driver (``lab_plugins.ml2_lab``) where a production cloud would use OVN
or Open vSwitch; no DHCP, L3 or metadata agent runs, so no packet moves: addresses, routers and
floating IPs are Neutron's data, exactly as the API reports them.

In the real-guests profile (``labsetup up --guests real``) the mechanism driver is OVN, as in
production today: Neutron writes logical switches, routers and ACLs into OVN's northbound
database (``labsetup.services.ovn``), a maintenance worker keeps the two in step, and OVN's own
DHCP gives guests their addresses.
"""

from __future__ import annotations

from labsetup.config import Lab
from labsetup.proc import Daemon
from labsetup.services.base import (
    NO_NOTIFICATIONS,
    RABBIT,
    Service,
    authtoken,
    common_default,
    copy_shipped,
    keystone_auth,
    policy_in_code,
    uwsgi_api,
    write_ini,
)
from labsetup.services.ovn import OVN


class Neutron(Service):
    name = "neutron"
    pip = ("neutron",)
    databases = ("neutron",)
    api_port = "neutron"

    def configure(self, lab: Lab) -> None:
        etc, state = lab.etc("neutron"), lab.state("neutron")
        policy_in_code(etc)
        write_ini(etc / "neutron.conf", {
            "DEFAULT": {**common_default(lab, "neutron"), "use_stderr": False,
                        "log_file": str(lab.paths.log / "neutron.log"),
                        "core_plugin": "ml2",
                        "service_plugins": "ovn-router" if lab.guests == "real" else "router",
                        "auth_strategy": "keystone", "allow_overlapping_ips": True,
                        "notify_nova_on_port_status_changes": True,
                        "notify_nova_on_port_data_changes": True,
                        "api_workers": 1, "rpc_workers": 0, "rpc_state_report_workers": 0,
                        "dhcp_agent_notification": False, "global_physnet_mtu": 1500},
            "database": {"connection": lab.db_url("neutron"), "max_pool_size": 4},
            "keystone_authtoken": authtoken(lab, "neutron"),
            "nova": keystone_auth(lab, "neutron"),  # to tell Nova a port is plugged
            "oslo_concurrency": {"lock_path": str(state / "locks")},
            "oslo_messaging_notifications": NO_NOTIFICATIONS,
            "oslo_messaging_rabbit": RABBIT,
            "oslo_policy": {"enforce_new_defaults": True},
        })
        ml2: dict[str, dict[str, object]] = {
            "ml2": {"type_drivers": "flat,vlan,vxlan", "tenant_network_types": "vxlan",
                    "mechanism_drivers": "lab", "extension_drivers": "port_security"},
            "ml2_type_flat": {"flat_networks": "public"},
            "ml2_type_vlan": {"network_vlan_ranges": "public:100:199"},
            "ml2_type_vxlan": {"vni_ranges": "1000:1999"},
        }
        if lab.guests == "real":
            ml2.update(ovn_settings(lab))
        write_ini(etc / "plugins/ml2/ml2_conf.ini", ml2)
        copy_shipped(lab, "neutron", "api-paste.ini", etc / "api-paste.ini")
        if not self.synced(lab):
            self.manage(lab, ["neutron-db-manage", "--config-file", str(etc / "neutron.conf"),
                              "--config-file", str(etc / "plugins/ml2/ml2_conf.ini"),
                              "upgrade", "head"], "neutron database migration")
            self.mark_synced(lab)

    def daemons(self, lab: Lab) -> list[Daemon]:
        etc = lab.etc("neutron")
        ds = [uwsgi_api(self, lab, "neutron", "neutron.wsgi.api", "neutron",
                        env={"OS_NEUTRON_CONFIG_DIR": str(etc)})]
        if lab.guests == "real":  # ML2/OVN's periodic work: sync with OVN, hash ring health
            ds.append(self.daemon(lab, "neutron-ovn-maintenance-worker",
                                  [str(lab.paths.bin("neutron-ovn-maintenance-worker")),
                                   "--config-file", str(etc / "neutron.conf"),
                                   "--config-file", str(etc / "plugins/ml2/ml2_conf.ini")],
                                  marker="neutron-ovn-maintenance-worker"))
        return ds


def ovn_settings(lab: Lab) -> dict[str, dict[str, object]]:
    """ML2/OVN, Neutron's default today, for the real-guests profile (labsetup.services.ovn)."""
    ovn = OVN()
    return {
        "ml2": {"type_drivers": "flat,geneve,vlan,vxlan", "tenant_network_types": "geneve",
                "mechanism_drivers": "ovn", "extension_drivers": "port_security",
                "overlay_ip_version": 4},
        "ml2_type_geneve": {"vni_ranges": "1:65536", "max_header_size": 38},
        "ovn": {"ovn_nb_connection": ovn.nb(lab), "ovn_sb_connection": ovn.sb(lab),
                "ovn_l3_scheduler": "leastloaded", "ovn_metadata_enabled": False,
                "enable_distributed_floating_ip": False, "dns_servers": "",
                # What the lab made before OVN ran (networks, routers, security groups) is
                # written into OVN's database when the maintenance worker starts.
                "neutron_sync_mode": "repair",
                # libvirt makes each guest's tap, inside its host's namespace; os-vif (in
                # nova-compute, outside it) only adds the port to that host's br-int.
                "ovs_create_tap": False},
    }
