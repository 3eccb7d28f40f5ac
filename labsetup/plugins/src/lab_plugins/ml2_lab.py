"""The lab's ML2 mechanism driver: binds every port on any lab host, with no agent.

Neutron's ML2 plugin keeps the logical model (networks, subnets, ports, routers, security
groups, floating IPs) in its database and asks *mechanism drivers* to make it real on hosts.
Production clouds use ``ovn`` (OVN's northbound database programs Open vSwitch on every host)
or ``openvswitch`` (an OVS agent on every host); vendors ship their own for switches and SDN
controllers, the way NSX plugs into vSphere.  This machine has no Open vSwitch kernel datapath,
so this driver binds ports as ``vif_type=other`` and marks them ACTIVE at once: the whole API
behaves as in production, but no packet is forwarded, and security groups are rules in the
database that nothing enforces (the binding says ``port_filter: false``).

It also keeps ports ACTIVE when Nova moves an instance: during a live migration Neutron
activates the binding on the destination host and sets the port DOWN until an agent reports it
up; here there is no agent, so the driver reports it up itself.
"""

from __future__ import annotations

from typing import Any

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins import directory
from neutron_lib.plugins.ml2 import api
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

VIF_TYPE = portbindings.VIF_TYPE_OTHER
SUPPORTED_VNIC_TYPES = (portbindings.VNIC_NORMAL,)
SUPPORTED_NETWORK_TYPES = (constants.TYPE_FLAT, constants.TYPE_VLAN, constants.TYPE_VXLAN,
                           constants.TYPE_GENEVE, constants.TYPE_LOCAL)


def should_bind(vnic_type: str, network_type: str | None) -> bool:
    return vnic_type in SUPPORTED_VNIC_TYPES and network_type in SUPPORTED_NETWORK_TYPES


def needs_activation(port: dict[str, Any], vif_type: str | None) -> bool:
    """A port bound by this driver to a compute host that is not ACTIVE yet."""
    return (vif_type == VIF_TYPE
            and port.get("status") != constants.PORT_STATUS_ACTIVE
            and bool(port.get(portbindings.HOST_ID))
            and str(port.get("device_owner", "")).startswith(constants.DEVICE_OWNER_COMPUTE_PREFIX))


class LabMechanismDriver(api.MechanismDriver):
    """Agentless binding for the lab (see the module docstring)."""

    def initialize(self) -> None:
        LOG.info("Lab mechanism driver: ports are bound without an agent; no traffic flows")

    @property
    def connectivity(self) -> str:
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context: Any) -> None:
        vnic_type = context.current.get(portbindings.VNIC_TYPE, portbindings.VNIC_NORMAL)
        for segment in context.segments_to_bind:
            if should_bind(vnic_type, segment.get(api.NETWORK_TYPE)):
                # port_filter False: nothing here applies security groups (no packet moves),
                # so the binding does not claim that something filters this port.
                context.set_binding(
                    segment[api.ID], VIF_TYPE,
                    {portbindings.CAP_PORT_FILTER: False, "lab": True},
                    status=constants.PORT_STATUS_ACTIVE)
                LOG.debug("Bound port %s on host %s", context.current["id"], context.host)
                return

    def update_port_postcommit(self, context: Any) -> None:
        port = context.current
        if not needs_activation(port, context.vif_type):
            return
        plugin = directory.get_plugin()
        plugin.update_port_status(context.plugin_context, port["id"],
                                  constants.PORT_STATUS_ACTIVE, host=context.host)
