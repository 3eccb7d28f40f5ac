"""The lab's Cinder volume driver: each volume is a sparse file in a directory.

Cinder's scheduler picks a *backend*, and the backend's volume driver talks to the storage:
production clouds use Ceph RBD, LVM over iSCSI/NVMe-oF, or a vendor array (NetApp, Pure, Dell,
...), much as vSphere uses VMFS or vSAN datastores.  This machine has no device-mapper, so no
LVM; this driver keeps every volume as a sparse file ``volume-<id>`` and every snapshot as a
sparse copy ``snapshot-<id>``.  Create, delete, snapshot, clone, extend, revert, image upload and
download, attach and detach are all real Cinder workflows; an attachment hands Nova the file's
path (``driver_volume_type = local``), which the lab's virt driver records instead of giving it
to a guest.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

from cinder.image import image_utils
from cinder.volume import driver, volume_utils
from oslo_config import cfg
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

lab_opts = [
    cfg.StrOpt("lab_volumes_dir", default="$state_path/lab-volumes",
               help="Directory that holds the lab's volume and snapshot files."),
    cfg.IntOpt("lab_capacity_gb", default=1000,
               help="Capacity this lab backend reports (volumes are sparse files)."),
]
cfg.CONF.register_opts(lab_opts, group="backend_defaults")

GiB = 1024 ** 3


def sparse_copy(src: str, dst: str) -> None:
    """Copy a file keeping holes (a plain copy would write every zero byte)."""
    subprocess.run(["cp", "--sparse=always", src, dst], check=True)


def resize(path: str, size_gb: int) -> None:
    with open(path, "r+b" if os.path.exists(path) else "wb") as fh:
        fh.truncate(size_gb * GiB)


class LabFileVolumeDriver(driver.VolumeDriver):
    """Volumes as sparse files (see the module docstring)."""

    VERSION = "1.0.0"
    CI_WIKI_NAME = "None (course lab only)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.configuration is not None:
            self.configuration.append_config_values(lab_opts)

    # -- paths ---------------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return str(self.configuration.lab_volumes_dir)

    def path(self, kind: str, obj: Any) -> str:
        return os.path.join(self.base, f"{kind}-{obj['id']}")

    # -- set-up and stats ----------------------------------------------------------------------
    def do_setup(self, context: Any) -> None:
        os.makedirs(self.base, exist_ok=True)

    def check_for_setup_error(self) -> None:
        if not os.access(self.base, os.W_OK):
            raise RuntimeError(f"lab volume directory {self.base} is not writable")

    def _update_volume_stats(self) -> None:
        """Capacity as configured (a cap), provisioned as the volumes' sizes, and free as what
        is really left: the cap less the blocks the files use, never more than the free space
        of the filesystem that holds them."""
        capacity = float(self.configuration.lab_capacity_gb)
        files = {f: os.stat(os.path.join(self.base, f)) for f in os.listdir(self.base)
                 if f.startswith(("volume-", "snapshot-"))}
        used = sum(st.st_blocks * 512 for st in files.values()) / GiB
        allocated = sum(st.st_size for f, st in files.items() if f.startswith("volume-")) / GiB
        fs = os.statvfs(self.base)
        fs_free = fs.f_bavail * fs.f_frsize / GiB
        self._stats = {
            "volume_backend_name": self.configuration.safe_get("volume_backend_name") or "lab",
            "vendor_name": "Open Source",
            "driver_version": self.VERSION,
            "storage_protocol": "file",
            "total_capacity_gb": capacity,
            "free_capacity_gb": round(max(0.0, min(capacity - used, fs_free)), 2),
            "provisioned_capacity_gb": allocated,
            "reserved_percentage": 0,
            "thin_provisioning_support": True,
            "thick_provisioning_support": False,
            "max_over_subscription_ratio": 20.0,
            "multiattach": False,
            "QoS_support": False,
        }

    # -- volumes and snapshots -----------------------------------------------------------------
    def create_volume(self, volume: Any) -> None:
        resize(self.path("volume", volume), int(volume["size"]))

    def delete_volume(self, volume: Any) -> None:
        try:
            os.unlink(self.path("volume", volume))
        except FileNotFoundError:
            LOG.info("Volume file of %s already gone", volume["id"])

    def extend_volume(self, volume: Any, new_size: int) -> None:
        resize(self.path("volume", volume), int(new_size))

    def create_snapshot(self, snapshot: Any) -> None:
        sparse_copy(self.path("volume", snapshot.volume), self.path("snapshot", snapshot))

    def delete_snapshot(self, snapshot: Any) -> None:
        try:
            os.unlink(self.path("snapshot", snapshot))
        except FileNotFoundError:
            LOG.info("Snapshot file of %s already gone", snapshot["id"])

    def create_volume_from_snapshot(self, volume: Any, snapshot: Any) -> None:
        sparse_copy(self.path("snapshot", snapshot), self.path("volume", volume))
        resize(self.path("volume", volume), int(volume["size"]))

    def create_cloned_volume(self, volume: Any, src_vref: Any) -> None:
        sparse_copy(self.path("volume", src_vref), self.path("volume", volume))
        resize(self.path("volume", volume), int(volume["size"]))

    def revert_to_snapshot(self, context: Any, volume: Any, snapshot: Any) -> None:
        sparse_copy(self.path("snapshot", snapshot), self.path("volume", volume))

    # -- images --------------------------------------------------------------------------------
    def copy_image_to_volume(self, context: Any, volume: Any, image_service: Any, image_id: str,
                             disable_sparse: bool = False) -> None:
        image_utils.fetch_to_raw(context, image_service, image_id, self.path("volume", volume),
                                 self.configuration.volume_dd_blocksize, size=volume["size"],
                                 run_as_root=False, disable_sparse=disable_sparse)
        resize(self.path("volume", volume), int(volume["size"]))

    def copy_volume_to_image(self, context: Any, volume: Any, image_service: Any,
                             image_meta: dict[str, Any]) -> None:
        volume_utils.upload_volume(context, image_service, image_meta,
                                   self.path("volume", volume), volume, run_as_root=False)

    # -- attachments: hand over the file's path ------------------------------------------------
    def initialize_connection(self, volume: Any, connector: dict[str, Any]) -> dict[str, Any]:
        return {"driver_volume_type": "local",
                "data": {"device_path": self.path("volume", volume), "access_mode": "rw"}}

    def terminate_connection(self, volume: Any, connector: Any, **kwargs: Any) -> None:
        return None

    def create_export(self, context: Any, volume: Any, connector: Any) -> None:
        return None

    def ensure_export(self, context: Any, volume: Any) -> None:
        return None

    def remove_export(self, context: Any, volume: Any) -> None:
        return None

    def get_volume_stats(self, refresh: bool = False) -> dict[str, Any]:
        if refresh or not self._stats:
            self._update_volume_stats()
        return self._stats
