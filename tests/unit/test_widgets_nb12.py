"""Notebook 12 views and explorers, driven by setting their controls' values."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from osworkshop import data
from osworkshop import migration_nb12 as M
from osworkshop import widgets_nb12 as W

FLAVORS = [
    SimpleNamespace(name="m1.tiny", vcpus=1, ram=512, disk=1),
    SimpleNamespace(name="m1.small", vcpus=1, ram=2048, disk=20),
    SimpleNamespace(name="m1.medium", vcpus=2, ram=4096, disk=40),
    SimpleNamespace(name="m1.large", vcpus=4, ram=8192, disk=80),
]


def test_tool_data_is_valid() -> None:
    records = data.load("migration_tools")
    assert data.validate("migration_tools", records) == []
    assert {"virt-v2v", "vmware-migration-kit", "coriolis"} <= {r["id"] for r in records}
    assert all(r["caveats"] for r in records)


def test_inventory_and_detail_tables() -> None:
    html = W.inventory_html(M.inventory())
    assert (
        "app01" in html
        and "sql01" in html
        and "16 GB + 20 GB" in html
        and "<td style='text-align:left'>3 GB</td>" in html
    )
    assert "16 GB" in W.inventory_html([M.find_vm("sql01")])  # whole GB shown as GB
    detail = W.vm_detail_html(M.find_vm("app01"))
    assert "00:50:56:8a:12:01" in detail and "ds-sata02" in detail and "boot" in detail
    assert W.HTML("<b>x</b>")._repr_html_() == "<b>x</b>"


def test_info_html_puts_images_side_by_side() -> None:
    vmdk = {
        "filename": "/t/boot.vmdk",
        "format": "vmdk",
        "virtual-size": 64 * M.MIB,
        "actual-size": 12288,
        "format-specific": {"data": {"create-type": "monolithicSparse"}},
    }
    qcow = {
        "filename": "/t/boot.qcow2",
        "format": "qcow2",
        "virtual-size": 64 * M.MIB,
        "actual-size": 200704,
        "format-specific": {"data": {"compat": "1.1"}},
    }
    html = W.info_html(vmdk, qcow)
    assert "boot.vmdk" in html and "boot.qcow2" in html and "monolithicSparse" in html
    assert html.count("64 MiB") == 2 and "<td style='text-align:left'>file</td>" not in html


def test_plan_and_flavor_tables() -> None:
    plan = M.plan_vm(
        M.find_vm("app01"),
        FLAVORS,
        network_map={"VM Network": "demo-net"},
        storage_map={"ds-ssd01": "lab-file", "ds-sata02": "lab-file"},
    )
    html = W.plan_html(plan)
    assert "m1.medium" in html and "hw_disk_bus=virtio" in html and "Every part" in html
    fits = W.flavor_fit_html(M.flavor_fits(2, 3072, 16, FLAVORS), "m1.medium")
    assert fits.count("◀ nearest") == 1 and "too small" in fits
    sql = M.plan_vm(M.find_vm("sql01"), FLAVORS, network_map={}, storage_map={})
    sql_html = W.plan_html(sql)
    assert "Not ready" in sql_html and "none fits" in sql_html and "0x0000007B" in sql_html
    steps = W.checklist_html(M.cutover_checklist(plan))
    assert "<td style='text-align:left'>window</td>" in steps


def test_parse_sizes_and_vm_from_controls() -> None:
    assert W.parse_sizes("50, 200 GB; x, 0") == [50, 200]
    vm = W.vm_from_controls(
        vcpus=4,
        ram_gb=8.5,
        boot_gb=60,
        data_gb="100 500",
        nics=2,
        os_family="windows",
        firmware="efi",
        cbt=False,
    )
    assert vm["memory_mb"] == 8704 and [d["capacity_gb"] for d in vm["disks"]] == [60, 100, 500]
    assert [n["port_group"] for n in vm["nics"]] == ["VM Network", "VLAN102"]
    assert "Windows" in vm["guest_os"] and M.vm_problems(vm) == []


def test_map_my_vm_follows_the_controls() -> None:
    explorer = W.map_my_vm(FLAVORS)
    assert "m1.medium" in explorer.output.value  # 2 vCPU, 4 GB, 40 GB boot disk
    explorer.controls["vcpus"].value = 16
    assert "none fits" in explorer.output.value
    explorer.controls["vcpus"].value = 1
    explorer.controls["ram_gb"].value = 0.5
    explorer.controls["boot_gb"].value = 200
    assert "none fits" in explorer.output.value
    explorer.controls["bfv"].value = True  # the root disk no longer limits the flavor
    assert "m1.tiny" in explorer.output.value and "(boot)" in explorer.output.value
    explorer.controls["os_family"].value = "windows"
    assert "0x0000007B" in explorer.output.value
    explorer.controls["nics"].value = 2
    assert "VLAN102" in explorer.output.value and "Not ready" in explorer.output.value


def test_choose_tools() -> None:
    fits = {f.tool["id"]: f for f in W.choose_tools(200, True, "minutes", False)}
    assert fits["by-hand"].verdict == "not a fit"
    assert fits["virt-v2v"].verdict == "not a fit"  # whole copy with the VM off
    assert fits["vmware-migration-kit"].verdict == "good fit"
    assert fits["migratekit"].verdict == "possible"
    small = W.choose_tools(3, False, "hours", False)
    assert small[0].verdict == "good fit"
    assert {f.tool["id"] for f in small if f.verdict == "good fit"} >= {"by-hand", "virt-v2v"}
    assert next(f for f in small if f.tool["id"] == "coriolis").verdict == "possible"
    ui = {f.tool["id"]: f.verdict for f in W.choose_tools(50, True, "minutes", True)}
    assert ui["vjailbreak"] == "good fit" and ui["vmware-migration-kit"] == "possible"
    with pytest.raises(ValueError):
        W.choose_tools(1, False, "seconds", False)


def test_tool_chooser_follows_the_controls() -> None:
    explorer = W.tool_chooser()
    before = explorer.output.value
    assert "A starting point" in before and "Apache-2.0" in before
    explorer.controls["downtime"].value = "hours"
    explorer.controls["windows"].value = False
    explorer.controls["fleet"].value = 2
    after = explorer.output.value
    assert after != before
    assert after.index("qemu-img + Glance") < after.index("Coriolis")
