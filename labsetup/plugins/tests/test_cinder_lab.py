"""The lab volume driver: sparse files with snapshots, clones, extend and attach."""

from __future__ import annotations

import os
import types

import pytest
from lab_plugins.cinder_lab import GiB, LabFileVolumeDriver


class Conf(types.SimpleNamespace):
    def append_config_values(self, opts):
        pass

    def safe_get(self, name):
        return getattr(self, name, None)


@pytest.fixture
def drv(tmp_path):
    conf = Conf(lab_volumes_dir=str(tmp_path), lab_capacity_gb=100, volume_backend_name="lab",
                volume_dd_blocksize="1M", reserved_percentage=0)
    d = LabFileVolumeDriver(configuration=conf)
    d.do_setup(None)
    d.check_for_setup_error()
    return d


def vol(i: str, size: int = 1) -> dict:
    return {"id": i, "size": size}


def test_volume_is_a_sparse_file(drv, tmp_path):
    drv.create_volume(vol("a", 2))
    path = tmp_path / "volume-a"
    assert path.stat().st_size == 2 * GiB
    assert path.stat().st_blocks * 512 < 1024 * 1024  # sparse: nothing written yet


def test_snapshot_clone_extend_delete(drv, tmp_path):
    drv.create_volume(vol("a"))
    with open(tmp_path / "volume-a", "r+b") as fh:
        fh.write(b"data")
    class Snap(dict):  # a snapshot object: item access and a .volume
        volume = vol("a")

    s = Snap(id="s")
    drv.create_snapshot(s)
    drv.create_volume_from_snapshot(vol("b", 3), s)
    assert (tmp_path / "volume-b").read_bytes()[:4] == b"data"
    assert (tmp_path / "volume-b").stat().st_size == 3 * GiB
    drv.create_cloned_volume(vol("c"), vol("a"))
    drv.extend_volume(vol("c"), 4)
    assert (tmp_path / "volume-c").stat().st_size == 4 * GiB
    drv.delete_snapshot(s)
    for i in "abc":
        drv.delete_volume(vol(i))
    assert os.listdir(tmp_path) == []
    drv.delete_volume(vol("a"))  # deleting twice is fine


def test_attach_hands_over_the_path(drv, tmp_path):
    drv.create_volume(vol("a"))
    info = drv.initialize_connection(vol("a"), {"host": "lab-compute-1"})
    assert info == {"driver_volume_type": "local",
                    "data": {"device_path": str(tmp_path / "volume-a"), "access_mode": "rw"}}


def test_stats_report_the_backend(drv, tmp_path):
    drv.create_volume(vol("a", 5))
    stats = drv.get_volume_stats(refresh=True)
    assert stats["volume_backend_name"] == "lab"
    assert stats["provisioned_capacity_gb"] == 5.0  # what the volumes may grow to
    # ... but a sparse file uses almost no blocks: free is what is really left
    assert min(99.9, fs_free(tmp_path) - 0.1) <= stats["free_capacity_gb"] <= 100.0


def test_free_space_is_the_real_one(drv, tmp_path):
    drv.create_volume(vol("a", 1))
    with open(tmp_path / "volume-a", "r+b") as fh:  # a guest writes 64 MiB into it
        fh.write(b"x" * (64 * 1024 * 1024))
    stats = drv.get_volume_stats(refresh=True)
    assert stats["free_capacity_gb"] == round(min(100 - 64 / 1024, fs_free(tmp_path)), 2) \
        or abs(stats["free_capacity_gb"] - fs_free(tmp_path)) < 0.1  # the disk filled meanwhile
    assert stats["free_capacity_gb"] <= fs_free(tmp_path) + 0.01


def fs_free(path) -> float:
    fs = os.statvfs(path)
    return fs.f_bavail * fs.f_frsize / GiB
