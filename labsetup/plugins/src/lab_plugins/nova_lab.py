"""The lab's Nova virt driver: a "hypervisor" that keeps its guests as records on disk.

Nova talks to hypervisors through a virt driver (``compute_driver`` in nova.conf).  A production
cloud uses ``libvirt.LibvirtDriver`` (KVM/QEMU), ``ironic.IronicDriver`` (bare metal) or, in a
few places, ``vmwareapi.VMwareVCDriver`` (a whole vCenter cluster as one hypervisor).  The lab
machine has no usable hardware virtualisation, so this driver runs no guest: it records each
instance (name, power state, size) in ``<state_path>/lab-instances.json``.  Everything above the
driver -- the API, scheduler, conductor, Placement allocations, Neutron port bindings, Cinder
attachments, live migration, evacuation and resize -- is the real Nova code path.

What it adds to Nova's own test driver (``nova.virt.fake.FakeDriver``):

* a stable node identity (``<state_path>/compute_id``) and instance records that survive a
  restart of nova-compute, so ``labsetup down``/``up`` keeps every server;
* live migration that takes a short, configurable time and can be aborted or forced;
* a realistic host size (like an ESXi host's) instead of a thousand CPUs.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, ClassVar

import nova.conf
import nova.virt.node
from nova import exception
from nova.compute import power_state
from nova.virt import fake
from oslo_config import cfg
from oslo_log import log as logging

CONF = nova.conf.CONF
LOG = logging.getLogger(__name__)

lab_opts = [
    cfg.IntOpt("vcpus", default=32, help="Physical CPUs this lab host reports."),
    cfg.IntOpt("memory_mb", default=131072, help="Memory (MiB) this lab host reports."),
    cfg.IntOpt("local_gb", default=2000, help="Local disk (GiB) this lab host reports."),
    cfg.FloatOpt("live_migration_seconds", default=1.0,
                 help="How long a simulated live migration copies memory before switching over."),
]
CONF.register_opts(lab_opts, group="lab")

STATE_FILE = "lab-instances.json"


class LabInstance(fake.FakeInstance):
    """One guest record; changing its power state saves the driver's records."""

    def __init__(self, driver: LabComputeDriver, name: str, state: int, uuid: str,
                 size: dict[str, int]) -> None:
        self._driver = driver
        self.size = size
        super().__init__(name, state, uuid)

    def __setattr__(self, key: str, value: Any) -> None:
        super().__setattr__(key, value)
        if key == "state" and "_driver" in self.__dict__ and "uuid" in self.__dict__:
            self._driver.save()

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "size": self.size}


class _Records(dict):  # type: ignore[type-arg]
    """The driver's ``instances`` dict: every insert or removal is written to disk."""

    def __init__(self, driver: LabComputeDriver) -> None:
        super().__init__()
        self._driver = driver

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._driver.save()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._driver.save()

    def pop(self, key: str, *default: Any) -> Any:  # type: ignore[override]
        value = super().pop(key, *default)
        self._driver.save()
        return value


class LabComputeDriver(fake.FakeDriver):
    """A restartable stand-in hypervisor (see the module docstring)."""

    capabilities: ClassVar[dict[str, bool]] = dict(fake.FakeDriver.capabilities,
                                                   supports_migrate_to_same_host=False)

    def __init__(self, virtapi: Any, read_only: bool = False) -> None:
        self._lock = threading.RLock()
        self._loading = True
        super().__init__(virtapi, read_only)
        self.vcpus = CONF.lab.vcpus
        self.memory_mb = CONF.lab.memory_mb
        self.local_gb = CONF.lab.local_gb
        self.resources = fake.Resources(self.vcpus, self.memory_mb, self.local_gb)
        self.instances = _Records(self)
        self._migrations: dict[str, str] = {}  # instance uuid -> "running" | "abort" | "force"
        self._loading = False

    # -- persistence -------------------------------------------------------------------------
    @property
    def state_file(self) -> str:
        return os.path.join(CONF.state_path, STATE_FILE)

    def save(self) -> None:
        if getattr(self, "_loading", True):
            return
        with self._lock:
            data = {u: i.to_dict() for u, i in dict.items(self.instances)}
            tmp = self.state_file + ".tmp"
            with open(tmp, "w") as fh:
                json.dump(data, fh)
            os.replace(tmp, self.state_file)

    def load(self) -> None:
        self._loading = True
        try:
            try:
                with open(self.state_file) as fh:
                    data = json.load(fh)
            except FileNotFoundError:
                data = {}
            for uuid, rec in data.items():
                size = rec.get("size", {})
                self.resources.claim(size.get("vcpus", 0), size.get("memory_mb", 0),
                                     size.get("root_gb", 0))
                dict.__setitem__(self.instances, uuid,
                                 LabInstance(self, rec["name"], rec["state"], uuid, size))
        finally:
            self._loading = False
        LOG.info("Lab hypervisor %s: %d guest record(s) loaded from %s",
                 CONF.host, len(self.instances), self.state_file)

    # -- host and node identity ----------------------------------------------------------------
    def init_host(self, host: str) -> None:
        self._host = host
        self._set_nodes([host])
        os.makedirs(CONF.state_path, exist_ok=True)
        self.load()

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        resources = super().get_available_resource(nodename)
        if resources:
            resources["uuid"] = nova.virt.node.get_local_node_uuid()
        return resources

    def get_nodenames_by_uuid(self, refresh: bool = False) -> dict[str, str]:
        return {nova.virt.node.get_local_node_uuid(): self.get_available_nodes()[0]}

    def get_host_uptime(self) -> str:
        """What ``uptime`` prints on a libvirt host; Nova's hypervisor API shows it. (The fake
        driver raises NotImplementedError, which nova-compute logs as an ERROR traceback.)"""
        with open("/proc/uptime") as fh:
            seconds = int(float(fh.read().split()[0]))
        days, rest = divmod(seconds, 86400)
        hours, minutes = divmod(rest // 60, 60)
        since = (f"{days} day{'s' if days != 1 else ''}, " if days else "") + \
            f"{hours:2d}:{minutes:02d}"
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        return f" {time.strftime('%H:%M:%S')} up {since},  load average: {load}"

    def get_host_ip_addr(self) -> str:
        return CONF.my_ip

    # -- guests --------------------------------------------------------------------------------
    def spawn(self, context: Any, instance: Any, image_meta: Any, injected_files: Any,
              admin_password: Any, allocations: Any, network_info: Any = None,
              block_device_info: Any = None, power_on: bool = True,
              accel_info: Any = None) -> None:
        if network_info:
            for vif in network_info:
                vif.fixed_ips()
                self._interfaces[vif["id"]] = vif
        flavor = instance.flavor
        size = {"vcpus": flavor.vcpus, "memory_mb": flavor.memory_mb, "root_gb": flavor.root_gb}
        self.resources.claim(size["vcpus"], size["memory_mb"], size["root_gb"])
        state = power_state.RUNNING if power_on else power_state.SHUTDOWN
        self.instances[instance.uuid] = LabInstance(self, instance.name, state, instance.uuid,
                                                    size)

    def finish_revert_migration(self, context: Any, instance: Any, network_info: Any,
                                migration: Any, block_device_info: Any = None,
                                power_on: bool = True, share_info: Any = None) -> None:
        self.destroy(context, instance, network_info)
        self.spawn(context, instance, None, None, None, None, network_info, power_on=power_on)

    def get_console_output(self, context: Any, instance: Any) -> str:
        rec = self.instances.get(instance.uuid)
        state = power_state.STATE_MAP.get(rec.state, "unknown") if rec else "not here"
        return (f"[lab hypervisor {CONF.host}] guest {instance.name} ({instance.uuid})\n"
                f"[lab hypervisor {CONF.host}] power state: {state}\n"
                "[lab hypervisor] this lab records guests instead of running them; a real "
                "cloud shows the guest's boot log here.\n")

    # -- live migration ------------------------------------------------------------------------
    def live_migration(self, context: Any, instance: Any, dest: str, post_method: Any,
                       recover_method: Any, block_migration: bool = False,
                       migrate_data: Any = None) -> None:
        """Copy "memory" for ``live_migration_seconds``, then switch over (or roll back)."""
        self._migrations[instance.uuid] = "running"
        deadline = time.monotonic() + CONF.lab.live_migration_seconds
        while time.monotonic() < deadline and self._migrations[instance.uuid] == "running":
            time.sleep(0.05)
        outcome = self._migrations.pop(instance.uuid)
        if outcome == "abort":
            recover_method(context, instance, dest, migrate_data, migration_status="cancelled")
        else:
            post_method(context, instance, dest, block_migration, migrate_data)

    def live_migration_force_complete(self, instance: Any) -> None:
        if self._migrations.get(instance.uuid) == "running":
            self._migrations[instance.uuid] = "force"

    def live_migration_abort(self, instance: Any) -> None:
        if self._migrations.get(instance.uuid) == "running":
            self._migrations[instance.uuid] = "abort"

    def post_live_migration(self, context: Any, instance: Any, block_device_info: Any,
                            migrate_data: Any = None) -> None:
        # Source side, after the switch-over: the guest no longer runs here.
        self.destroy(context, instance, network_info=None, block_device_info=block_device_info)

    def destroy(self, context: Any, instance: Any, network_info: Any,
                block_device_info: Any = None, destroy_disks: bool = True,
                destroy_secrets: bool = True) -> None:
        rec = self.instances.get(instance.uuid)
        if rec is None:
            LOG.debug("destroy: %s has no record on this host", instance.uuid)
            return
        size = rec.size
        self.resources.release(size.get("vcpus", 0), size.get("memory_mb", 0),
                               size.get("root_gb", 0))
        del self.instances[instance.uuid]

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        if instance.uuid not in self.instances:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        self.instances[instance.uuid].state = power_state.SHUTDOWN
