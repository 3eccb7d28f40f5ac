"""The real-guests profile's image: the initramfs writer, the module order, the guest's JSON
reader (awk, run by the host's and by busybox's awk) and the init script's shell syntax."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from labsetup import guest_image as gi
from labsetup.proc import LabError

INIT = gi.SOURCES / "init"


# --------------------------------------------------------------------------------------------
# Cpio

def _sample_archive() -> bytes:
    a = gi.Cpio()
    a.directory("etc/acpi")
    a.file("etc/hostname", b"web-1\n")
    a.file("init", b"#!/bin/sh\necho hi\n", 0o755)
    a.file("odd", b"12345")  # a length that needs padding
    a.symlink("bin/sh", "/bin/busybox")
    a.char_device("dev/console", 5, 1)
    return a.finish()


def test_cpio_reads_back_what_was_written() -> None:
    entries = {name: (mode, data) for name, mode, data in gi.read_cpio(_sample_archive())}
    assert list(entries) == ["etc", "etc/acpi", "etc/hostname", "init", "odd", "bin", "bin/sh",
                             "dev", "dev/console"]
    assert stat.S_ISDIR(entries["etc/acpi"][0])
    assert entries["etc/hostname"] == (stat.S_IFREG | 0o644, b"web-1\n")
    assert entries["init"][0] == stat.S_IFREG | 0o755
    assert entries["odd"][1] == b"12345"
    assert stat.S_ISLNK(entries["bin/sh"][0]) and entries["bin/sh"][1] == b"/bin/busybox"
    assert stat.S_ISCHR(entries["dev/console"][0])


def test_cpio_entries_are_aligned_and_root_owned() -> None:
    data = _sample_archive()
    pos, seen = 0, 0
    while data[pos:pos + 6] == b"070701":
        assert pos % 4 == 0
        fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        assert fields[2] == fields[3] == 0  # uid, gid
        size, namesize = fields[6], fields[11]
        pos += 110 + namesize
        pos += -pos % 4
        pos += size
        pos += -pos % 4
        seen += 1
    assert seen == 10  # nine entries and the trailer
    assert pos == len(data)


@pytest.mark.skipif(shutil.which("cpio") is None, reason="GNU cpio is not installed")
def test_gnu_cpio_lists_the_archive(tmp_path: Path) -> None:
    out = subprocess.run(["cpio", "-t", "-v"], input=_sample_archive(), capture_output=True,
                         check=True).stdout.decode()
    assert "dev/console" in out and "bin/sh -> /bin/busybox" in out
    lines = {line.split()[-1]: line for line in out.splitlines() if line}
    assert lines["dev/console"].startswith("crw")
    assert " root " in lines["init"]


def test_cpio_refuses_a_duplicate_entry() -> None:
    a = gi.Cpio()
    a.file("init", b"x")
    with pytest.raises(ValueError, match="already in the archive"):
        a.file("/init", b"y")


def test_read_cpio_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a newc cpio entry"):
        list(gi.read_cpio(b"\x1f\x8b not cpio" + b"\0" * 120))


# --------------------------------------------------------------------------------------------
# Kernel modules

def _modules(tmp_path: Path) -> Path:
    d = tmp_path / "lib" / "modules" / "6.1.0-1-cloud-amd64"
    d.mkdir(parents=True)
    # modules.dep lists every dependency, direct and indirect; the one to load first is last.
    (d / "modules.dep").write_text(
        "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko "
        "kernel/net/core/failover.ko\n"
        "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
        "kernel/net/core/failover.ko:\n"
        "kernel/fs/isofs/isofs.ko:\n"
        "kernel/drivers/scsi/sr_mod.ko: kernel/drivers/cdrom/cdrom.ko\n"
        "kernel/drivers/cdrom/cdrom.ko:\n"
        "kernel/drivers/virtio/virtio-extra.ko:\n")
    (d / "modules.builtin").write_text("kernel/fs/ext4/ext4.ko\nkernel/drivers/virtio/virtio.ko\n")
    return d


def test_module_closure_orders_dependencies_first(tmp_path: Path) -> None:
    d = _modules(tmp_path)
    order = gi.module_closure(d, ["virtio_net", "sr_mod", "isofs", "virtio", "net_failover",
                                 "virtio_extra"])
    assert order == ["kernel/net/core/failover.ko", "kernel/drivers/net/net_failover.ko",
                     "kernel/drivers/net/virtio_net.ko", "kernel/drivers/cdrom/cdrom.ko",
                     "kernel/drivers/scsi/sr_mod.ko", "kernel/fs/isofs/isofs.ko",
                     "kernel/drivers/virtio/virtio-extra.ko"]


def test_module_closure_names_a_missing_module(tmp_path: Path) -> None:
    with pytest.raises(LabError) as err:
        gi.module_closure(_modules(tmp_path), ["ahci"])
    assert "no module ahci" in err.value.message and "MODULES" in err.value.hint


def test_module_closure_reports_a_loop(tmp_path: Path) -> None:
    d = _modules(tmp_path)
    (d / "modules.dep").write_text("a.ko: b.ko\nb.ko: a.ko\n")
    with pytest.raises(LabError, match="loop"):
        gi.module_closure(d, ["a"])


# --------------------------------------------------------------------------------------------
# The initramfs, from a stand-in kernel tree

def test_initramfs_holds_init_devices_applets_and_modules(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    d = _modules(tmp_path)
    for rel in ("kernel/drivers/net/virtio_net.ko", "kernel/drivers/net/net_failover.ko",
                "kernel/net/core/failover.ko"):
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        (d / rel).write_bytes(b"\x7fELF " + rel.encode())
    fake_busybox = tmp_path / "busybox"
    fake_busybox.write_bytes(b"\x7fELF busybox")
    monkeypatch.setattr(gi, "BUSYBOX", fake_busybox)
    monkeypatch.setattr(gi, "DYNAMIC_PROGRAMS", ())
    monkeypatch.setattr(gi, "MODULES", {"virtio_net": "network", "ext4": "built in"})

    entries = {n: (m, b) for n, m, b in gi.read_cpio(gi.initramfs(tmp_path, d.name))}
    assert entries["init"] == (stat.S_IFREG | 0o755, INIT.read_bytes())
    assert stat.S_ISCHR(entries["dev/console"][0])
    assert entries["bin/sh"][1] == b"/bin/busybox" and entries["sbin/udhcpc"][1] == b"/bin/busybox"
    assert entries["bin/busybox"][1] == b"\x7fELF busybox"
    assert entries["etc/modules.load"][1].decode().splitlines() == [
        "kernel/net/core/failover.ko", "kernel/drivers/net/net_failover.ko",
        "kernel/drivers/net/virtio_net.ko csum=0 gso=0"]  # no offload: see MODULE_OPTIONS
    assert f"lib/modules/{d.name}/kernel/drivers/net/virtio_net.ko" in entries
    assert f"lib/modules/{d.name}/kernel/fs/isofs/isofs.ko" not in entries  # not wanted
    assert entries["etc/shadow"][1].startswith(b"root:*:")  # no password can log in
    assert entries["tmp"][0] == stat.S_IFDIR | 0o1777


# --------------------------------------------------------------------------------------------
# The guest's JSON reader (awk), with the host's awk and with busybox's, which the guest runs

META_DATA = {
    "uuid": "3b0e7a9e-0000-4000-8000-000000000001",
    "meta": {"role": "web", "nested": {"deep": [1, 2, {"x": "y"}]}},
    "public_keys": {"learner-key": "ssh-ed25519 AAAAC3Nza learner@lab\n"},
    "keys": [{"name": "learner-key", "type": "ssh", "data": "ssh-ed25519 AAAAC3Nza learner@lab\n"}],
    "hostname": "web-1.novalocal",
    "name": "café \"one\" \\ 😀",
    "launch_index": 0,
    "devices": [],
    "project_id": None,
    "admin_pass": True,
}


@pytest.fixture(params=["host awk", "busybox awk"])
def awk_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "host awk":
        if not shutil.which("awk"):
            pytest.skip("no awk on this machine")
        return {}
    busybox = shutil.which("busybox")
    if not busybox:
        pytest.skip("busybox is not installed (the guest's awk)")
    bin_dir = tmp_path / "bb"
    bin_dir.mkdir()
    (bin_dir / "awk").symlink_to(busybox)
    return {"PATH": f"{bin_dir}:/usr/bin:/bin"}


def _json_values(tmp_path: Path, env: dict[str, str], text: str, regex: str
                 ) -> subprocess.CompletedProcess[str]:
    f = tmp_path / "meta_data.json"
    f.write_text(text, encoding="utf-8")
    return subprocess.run(["sh", "-c", '. "$0"; json_values "$1" "$2"', str(INIT), str(f), regex],
                          env={"OSW_INIT_LIBRARY": "1", "PATH": "/usr/bin:/bin", **env},
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("indent", [None, 2])
def test_json_values_reads_nova_meta_data(tmp_path: Path, awk_env: dict[str, str],
                                          indent: int | None) -> None:
    dumped = json.dumps(META_DATA, indent=indent, ensure_ascii=indent is None)

    def get(regex: str) -> list[str]:
        p = _json_values(tmp_path, awk_env, dumped, regex)
        assert p.returncode == 0, p.stderr
        return p.stdout.splitlines()

    assert get("^hostname$") == ["web-1.novalocal"]
    assert get("^public_keys/") == ["ssh-ed25519 AAAAC3Nza learner@lab"]
    assert get("^keys/[0-9]+/data$") == ["ssh-ed25519 AAAAC3Nza learner@lab"]
    assert get("^meta/nested/deep/2/x$") == ["y"]
    assert get("^launch_index$") == ["0"] and get("^project_id$") == ["null"]
    assert get("^name$") == ['café "one" \\ 😀']
    assert get("^devices") == [] and get("^nothing$") == []


@pytest.mark.parametrize("broken", ['{"hostname": "web-1", ', '{"hostname" "x"}',
                                    "<html>502</html>", ""])
def test_json_values_prints_nothing_from_broken_json(tmp_path: Path, awk_env: dict[str, str],
                                                     broken: str) -> None:
    p = _json_values(tmp_path, awk_env, broken, "^hostname$")
    assert p.returncode == 1 and p.stdout == ""
    assert "not valid JSON" in p.stderr


# --------------------------------------------------------------------------------------------
# The init script itself

@pytest.mark.parametrize("shell", ["sh", "busybox"])
def test_init_is_valid_shell(shell: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    argv = [shell, "sh", "-n", str(INIT)] if shell == "busybox" else [shell, "-n", str(INIT)]
    for script in (INIT, gi.SOURCES / "default.script"):
        argv[-1] = str(script)
        p = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert p.returncode == 0, p.stderr


def test_init_refuses_to_run_outside_a_guest() -> None:
    p = subprocess.run(["sh", str(INIT)], capture_output=True, text=True, check=False,
                       env={"PATH": "/usr/bin:/bin"})
    assert p.returncode == 1 and "only as PID 1 in a guest" in p.stderr


def test_glance_properties_describe_the_three_images() -> None:
    image = gi.GuestImage(Path("/nonexistent"), "6.1.0-57-cloud-amd64",
                          {"linux-image-6.1.0-57-cloud-amd64": "6.1.192-3"})
    props = gi.glance_properties(image)
    assert [props[k]["disk_format"] for k in ("kernel", "ramdisk", "machine")] == \
        ["aki", "ari", "ami"]
    assert props["machine"]["os_command_line"] == gi.COMMAND_LINE
    assert props["machine"]["hw_cdrom_bus"] == "scsi"  # the cloud kernel has no SATA driver
    assert "6.1.0-57-cloud-amd64" in props["kernel"]["description"]


def test_boot_trial_names_the_package_of_a_missing_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gi.shutil, "which", lambda cmd: None if cmd.startswith("qemu") else cmd)
    with pytest.raises(LabError) as err:
        gi.boot_trial(gi.GuestImage(Path("/nonexistent"), "", {}), Path("/dev/null"))
    assert "qemu-system-x86" in err.value.message
    assert err.value.hint == "as root: apt-get install -y qemu-system-x86"


def test_build_names_missing_debian_packages(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    monkeypatch.setattr(gi, "package_version", lambda p: "" if p == "dropbear-bin" else "1")
    with pytest.raises(LabError) as err:
        gi.build(tmp_path / "out", tmp_path / "cache", tmp_path / "log")
    assert "dropbear-bin" in err.value.message and "apt-get install -y dropbear-bin" in err.value.hint


def test_built_reads_the_manifest_without_apt(tmp_path: Path) -> None:
    assert gi.built(tmp_path) is None
    for name in ("vmlinuz", "initrd.gz", "root.img"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "manifest.json").write_text(json.dumps({
        "inputs": "abc", "kernel_release": "6.1.0-57-cloud-amd64",
        "packages": {"busybox-static": "1"}}))
    image, inputs = gi.built(tmp_path)  # type: ignore[misc]
    assert inputs == "abc" and image.kernel_version == "6.1.0-57-cloud-amd64"
    (tmp_path / "initrd.gz").unlink()
    assert gi.built(tmp_path) is None  # a half-built image is not an image
