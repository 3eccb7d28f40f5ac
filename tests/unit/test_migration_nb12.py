"""Notebook 12 helpers: qemu-img wrappers, the VM mapping and the cut-over checklist."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from openstack import exceptions as sdk_exc

from osworkshop import data, errors
from osworkshop import migration_nb12 as M
from osworkshop.errors import CourseError

FLAVORS = [
    SimpleNamespace(name="m1.tiny", vcpus=1, ram=512, disk=1),
    SimpleNamespace(name="m1.small", vcpus=1, ram=2048, disk=20),
    {"name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 40},
    SimpleNamespace(name="m1.large", vcpus=4, ram=8192, disk=80),
    SimpleNamespace(name="m1.xlarge", vcpus=8, ram=16384, disk=160),
    SimpleNamespace(name="osworkshop-nb05-probe", vcpus=2, ram=3072, disk=30),  # another notebook's
]
NETWORKS = {"VM Network": "demo-net"}
STORAGE = {"ds-ssd01": "fast", "ds-sata02": "slow"}
SUBNETS = {"demo-net": "10.0.0.0/24"}
needs_qemu = pytest.mark.skipif(shutil.which("qemu-img") is None, reason="qemu-img not installed")


def completed(rc: int, out: str = "", err: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.CompletedProcess(["qemu-img"], rc, out, err)


# --------------------------------------------------------------------------- qemu-img


def test_missing_qemu_img_says_how_to_install_it() -> None:
    with pytest.raises(CourseError) as info:
        M.qemu_img(which=lambda _name: None)
    assert "qemu-utils" in info.value.what_to_do


def test_qemu_img_failure_carries_its_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(M, "qemu_img", lambda: "/usr/bin/qemu-img")
    with pytest.raises(CourseError) as info:
        M.run_qemu_img(["info", "x"], runner=lambda *a, **k: completed(1, err="Could not open"))
    assert "Could not open" in info.value.detail and "code 1" in info.value.detail
    ok = M.run_qemu_img(["compare", "a", "b"], runner=lambda *a, **k: completed(1), ok_codes=(0, 1))
    assert ok.returncode == 1


def test_qemu_img_vanishing_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(M, "qemu_img", lambda: "/gone/qemu-img")

    def runner(*_args: Any, **_kwargs: Any) -> Any:
        raise FileNotFoundError("/gone/qemu-img")

    with pytest.raises(CourseError, match="not installed"):
        M.run_qemu_img(["info", "x"], runner=runner)


def test_sparse_raw_holds_content(tmp_path: Path) -> None:
    path = M.write_sparse_raw(tmp_path / "d.raw", 2, {M.MIB: b"hello"})
    assert path.stat().st_size == 2 * M.MIB
    with path.open("rb") as fh:
        fh.seek(M.MIB)
        assert fh.read(5) == b"hello"
    with pytest.raises(ValueError):
        M.write_sparse_raw(tmp_path / "e.raw", 1, {M.MIB - 2: b"too long"})
    with pytest.raises(ValueError):
        M.write_sparse_raw(tmp_path / "f.raw", 0)


def test_make_vmdk_refuses_what_glance_refuses(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Glance refuses"):
        M.make_vmdk(tmp_path / "x.vmdk", subformat="monolithicFlat")
    with pytest.raises(ValueError, match="adapter"):
        M.make_vmdk(tmp_path / "x.vmdk", adapter="pvscsi")
    assert not list(tmp_path.iterdir())


def test_vmdk_adapter_and_sizes() -> None:
    assert M.vmdk_adapter("pvscsi") == "lsilogic"
    assert M.vmdk_adapter("IDE") == "ide"
    assert M.human_size(64 * M.MIB) == "64 MiB"
    assert M.human_size(1536) == "1.5 KiB"
    assert M.human_size(12) == "12 B"
    assert M.human_size(3 * M.GIB) == "3 GiB"


def test_disk_info_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CourseError, match="No such disk image"):
        M.disk_info(tmp_path / "nothing.vmdk")


@needs_qemu
def test_vmdk_round_trip(tmp_path: Path) -> None:
    vmdk = M.make_vmdk(tmp_path / "boot.vmdk", 8, content={M.MIB: b"app01 data"})
    stream = M.make_vmdk(tmp_path / "data.vmdk", 8, subformat="streamOptimized")
    assert not list(tmp_path.glob("*.raw"))  # the helper file is gone
    rows = dict(M.info_rows(M.disk_info(vmdk)))
    assert rows["format"] == "vmdk" and rows["VMDK create type"] == "monolithicSparse"
    assert rows["virtual size (what the guest sees)"] == "8 MiB"
    assert dict(M.info_rows(M.disk_info(stream)))["VMDK create type"] == "streamOptimized"
    qcow = M.convert(vmdk, tmp_path / "boot.qcow2")
    qrows = dict(M.info_rows(M.disk_info(qcow)))
    assert qrows["format"] == "qcow2" and "qcow2 compat level" in qrows
    assert M.same_content(vmdk, qcow)
    assert not M.same_content(vmdk, stream)  # different bytes inside
    with pytest.raises(ValueError):
        M.convert(vmdk, tmp_path / "x.vdi", "vdi")
    assert sorted(M.remove_files([vmdk, qcow, tmp_path / "never"])) == ["boot.qcow2", "boot.vmdk"]


def test_info_rows_mention_a_backing_file() -> None:
    rows = dict(
        M.info_rows(
            {
                "filename": "/x/a.qcow2",
                "format": "qcow2",
                "virtual-size": 1024,
                "actual-size": 0,
                "backing-filename": "base.qcow2",
            }
        )
    )
    assert rows["backing file (a chain: flatten it first)"] == "base.qcow2"


# --------------------------------------------------------------------------- inventory


def test_inventory_is_valid() -> None:
    records = M.inventory()
    assert data.validate("sample_vm", records) == []
    assert records[0]["name"] == "app01"
    assert all(M.vm_problems(r) == [] for r in records)
    assert M.boot_disk(M.find_vm("app01"))["capacity_gb"] == 16
    assert [d["capacity_gb"] for d in M.data_disks(M.find_vm("sql01"))] == [200, 50]
    with pytest.raises(KeyError, match="app01"):
        M.find_vm("nope")


def test_broken_vm_records_are_reported() -> None:
    vm = M.find_vm("app01")
    vm["disks"] = [dict(d, boot=False) for d in vm["disks"]]
    vm["nics"] = [{"label": "nic"}]
    problems = M.vm_problems(vm)
    assert any("exactly one disk" in p for p in problems)
    assert any("has no mac" in p for p in problems)
    bad = dict(M.find_vm("app01"), firmware="uefi-ish")
    assert any("firmware" in p for p in data.validate("sample_vm", [bad]))


# --------------------------------------------------------------------------- mapping


def test_nearest_flavor_skips_other_notebooks_flavors() -> None:
    fits = M.flavor_fits(2, 3072, 16, FLAVORS)
    assert [f.name for f in fits] == ["m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"]
    assert fits[1].why == "too small: 1 vCPU < 2, 2048 MB RAM < 3072"
    chosen = M.pick_flavor(2, 3072, 16, FLAVORS)
    assert chosen is not None and chosen.name == "m1.medium"
    assert "+1024 MB RAM" in chosen.why and "+24 GB disk" in chosen.why
    exact = M.pick_flavor(1, 2048, 20, FLAVORS)
    assert exact is not None and exact.why == "fits exactly"


def test_flavor_for_boot_from_volume_ignores_root_disk() -> None:
    assert M.pick_flavor(1, 512, 60, FLAVORS).name == "m1.large"  # type: ignore[union-attr]
    bfv = M.pick_flavor(1, 512, 60, FLAVORS, boot_from_volume=True)
    assert bfv is not None and bfv.name == "m1.tiny"
    assert M.pick_flavor(32, 512, 1, FLAVORS) is None


def test_image_properties_for_linux_and_windows() -> None:
    linux = M.image_properties(M.find_vm("app01"))
    assert linux == {
        "hw_disk_bus": "virtio",
        "hw_vif_model": "virtio",
        "os_type": "linux",
        "hw_firmware_type": "bios",
        "os_distro": "rhel",
    }
    windows = M.image_properties(M.find_vm("sql01"), disk_bus="scsi")
    assert windows["os_type"] == "windows" and windows["hw_firmware_type"] == "uefi"
    assert windows["hw_scsi_model"] == "virtio-scsi" and windows["hw_disk_bus"] == "scsi"
    assert "os_distro" not in M.image_properties(M.find_vm("lb01"))
    with pytest.raises(ValueError):
        M.image_properties(M.find_vm("app01"), disk_bus="ide")


def test_guest_warnings() -> None:
    app = " ".join(M.guest_warnings(M.find_vm("app01")))
    assert "vmxnet3" in app and "pvscsi" in app and "0x0000007B" not in app
    sql = " ".join(M.guest_warnings(M.find_vm("sql01")))
    assert "0x0000007B" in sql and "Fast Startup" in sql and "CBT" in sql and "UEFI" in sql
    lb = " ".join(M.guest_warnings(M.find_vm("lb01")))
    assert "os_distro by hand" in lb and "vmxnet3" not in lb


def test_volume_and_port_plans() -> None:
    sql = M.find_vm("sql01")
    vols = M.volume_plan(sql, {"ds-ssd01": "fast"})
    assert [(v.size_gb, v.volume_type) for v in vols] == [(200, "fast"), (50, None)]
    assert "ds-sata02" in vols[1].note
    with_boot = M.volume_plan(sql, STORAGE, include_boot=True)
    assert with_boot[0].boot and with_boot[0].size_gb == 80
    ports = M.port_plan(sql, NETWORKS, SUBNETS)
    assert (ports[0].network, ports[0].mac, ports[0].ip) == (
        "demo-net",
        "00:50:56:8a:12:02",
        "10.0.0.42",
    )
    assert ports[1].network is None and "Backup-VLAN30" in ports[1].note
    moved = M.port_plan(M.find_vm("app01"), NETWORKS, {"demo-net": "192.168.1.0/24"})
    assert moved[0].ip is None and "outside" in moved[0].note


def test_plan_vm_and_quota() -> None:
    plan = M.plan_vm(
        M.find_vm("app01"), FLAVORS, network_map=NETWORKS, storage_map=STORAGE, subnets=SUBNETS
    )
    assert plan.ready and plan.flavor is not None and plan.flavor.name == "m1.medium"
    assert plan.min_disk_gb == 16 and [v.size_gb for v in plan.volumes] == [20]
    assert (
        M.quota_problems(plan, cores_free=20, ram_free_mb=-1, volumes_free=10, gigabytes_free=1000)
        == []
    )
    problems = M.quota_problems(
        plan, cores_free=1, ram_free_mb=1024, volumes_free=0, gigabytes_free=10
    )
    assert len(problems) == 4 and "needs 2 vCPUs, the project has 1 free" in problems
    sql = M.plan_vm(M.find_vm("sql01"), FLAVORS[:3], network_map=NETWORKS, storage_map=STORAGE)
    assert not sql.ready and sql.flavor is None and sql.warnings[0].startswith("No flavor")


def test_cutover_checklist_uses_the_plan() -> None:
    plan = M.plan_vm(
        M.find_vm("app01"), FLAVORS, network_map=NETWORKS, storage_map=STORAGE, subnets=SUBNETS
    )
    steps = M.cutover_checklist(plan)
    text = " ".join(f"{s.step} {s.openstack}" for s in steps)
    assert "m1.medium" in text and "00:50:56:8a:12:01 on demo-net with 10.0.0.41" in text
    assert "hw_disk_bus=virtio" in text and "cold copy" in text
    assert steps[0].phase == "before" and steps[-1].phase == "after"
    assert "changed blocks" in M.cutover_checklist(plan, incremental=True)[4].openstack


def test_server_summary() -> None:
    server = SimpleNamespace(
        id="s1",
        name="vm",
        status="ACTIVE",
        flavor=SimpleNamespace(name="m1.medium"),
        image={"id": "img"},
    )
    conn = SimpleNamespace(
        network=SimpleNamespace(
            ports=lambda device_id: [
                SimpleNamespace(
                    mac_address="00:50:56:8a:12:01", fixed_ips=[{"ip_address": "10.0.0.41"}]
                )
            ]
        ),
        compute=SimpleNamespace(
            volume_attachments=lambda s: [SimpleNamespace(volume_id="v1", device="/dev/vdb")]
        ),
        image=SimpleNamespace(get_image=lambda i: SimpleNamespace(name="app01-boot")),
        block_storage=SimpleNamespace(
            get_volume=lambda v: (_ for _ in ()).throw(sdk_exc.NotFoundException("gone"))
        ),
    )
    rows = M.server_summary(conn, server)
    assert ("flavor", "m1.medium") in rows and ("image", "app01-boot (img)") in rows
    assert ("port", "MAC 00:50:56:8a:12:01, IP 10.0.0.41") in rows
    assert ("volume", "v1 at /dev/vdb") in rows  # no name readable: the ID alone
    server.image = {}
    assert ("root disk", "(boots from a volume)") in M.server_summary(conn, server)


def test_server_summary_of_a_server_that_boots_from_a_volume() -> None:
    server = SimpleNamespace(id="s1", name="vm", status="ACTIVE", image={},
                             root_device_name="/dev/vda", flavor=SimpleNamespace(name="m1.medium"))
    volumes = {
        "root": SimpleNamespace(name="vm-root", volume_image_metadata={"image_name": "vm-boot"}),
        "data": SimpleNamespace(name="vm-data", volume_image_metadata=None),
    }
    conn = SimpleNamespace(
        network=SimpleNamespace(ports=lambda device_id: []),
        compute=SimpleNamespace(volume_attachments=lambda s: [
            SimpleNamespace(volume_id="data", device="/dev/vdb"),
            SimpleNamespace(volume_id="root", device="/dev/vda"),
        ]),
        block_storage=SimpleNamespace(get_volume=lambda v: volumes[v]),
    )
    rows = M.server_summary(conn, server)
    assert rows[2] == ("root disk", "volume vm-root (root) at /dev/vda, made from image vm-boot")
    assert ("volume", "vm-data (data) at /dev/vdb") in rows and len(rows) == 4


# --------------------------------------------------------------------------- errors


def test_cinder_refusing_an_attached_volume_is_explained() -> None:
    exc = sdk_exc.BadRequestException(
        "Invalid volume: Volume status must be available or error or error_restoring or "
        "error_extending or error_managing and must not be migrating, attached, belong to a "
        "group, have snapshots, awaiting a transfer, or be disassociated from snapshots after "
        "volume transfer."
    )
    err = errors.explain(exc)
    assert err is not None and err.title == "The volume is still attached or busy"
    assert "delete_volume_attachment" in err.what_to_do


def test_tidy_vmdk_descriptor_zeroes_what_qemu_left_behind(tmp_path: Path) -> None:
    import struct

    text = b'# Disk DescriptorFile\nversion=1\nCID=2a058c\ncreateType="streamOptimized"\n'
    header = b"KDMV" + struct.pack("<IIQQQQ", 3, 3, 131072, 128, 1, 2)
    stale = text + b"\0\n" + b"\0" * (1024 - len(text) - 2)  # the old, longer text's tail
    disk = tmp_path / "d.vmdk"
    disk.write_bytes(header.ljust(512, b"\0") + stale + b"grain")
    assert M.tidy_vmdk_descriptor(disk)
    data = disk.read_bytes()
    assert data[512:1536] == text.ljust(1024, b"\0") and data.endswith(b"grain")
    assert not M.tidy_vmdk_descriptor(disk)  # already tidy
    other = tmp_path / "x.qcow2"
    other.write_bytes(b"QFI\xfb" + b"\0" * 60)
    assert not M.tidy_vmdk_descriptor(other)
