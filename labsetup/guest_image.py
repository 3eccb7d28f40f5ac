"""The guest image of the real-guests profile, built here from Debian packages alone.

A lab guest boots Debian's cloud kernel (``linux-image-cloud-amd64``) with an initramfs that
holds everything it runs: busybox (``busybox-static``) for the userland, DHCP client and web
server, dropbear (``dropbear-bin``) for ssh, the kernel modules for QEMU's virtio devices and a
config drive, and ``labsetup/guest/init``, a shell script that does what cloud-init does on a
cloud image (network, hostname, the keypair, user-data; see its header).  Nothing is downloaded
from anywhere but Debian's archive, through apt.

Glance gets it the way OpenStack has long shipped small test images (CirrOS's "UEC" form): a
kernel image (``aki``), a ramdisk image (``ari``) and a machine image (``ami``, a tiny root disk)
whose ``kernel_id`` and ``ramdisk_id`` properties point at the other two.  Nova's libvirt driver
then boots the kernel directly, as QEMU's ``-kernel``/``-initrd`` do; see ``glance_properties``.

``build`` is idempotent: the files are rebuilt only when an input changed (the package versions,
the init script, this module's module list), recorded in ``manifest.json`` beside them.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from labsetup.config import REPO
from labsetup.proc import LabError, run

SOURCES = REPO / "labsetup" / "guest"

#: The Debian package that names the current cloud kernel (it depends on the versioned one).
KERNEL_PACKAGE = "linux-image-cloud-amd64"

#: Debian packages whose files go into the initramfs (with the shared libraries they link).
USERLAND_PACKAGES = ("busybox-static", "dropbear-bin")

#: What the build itself needs on the machine (apt-get download, depmod).
BUILD_APT = ("busybox-static", "dropbear-bin", "kmod", "apt")

#: What a boot trial needs besides (``boot_trial``): QEMU, a config drive writer, an ssh client.
TRIAL_APT = ("qemu-system-x86", "genisoimage", "openssh-client")

#: busybox-static's one binary: every applet of the guest's userland.
BUSYBOX = Path("/bin/busybox")

#: Programs from those packages, copied with the libraries ``ldd`` says they need.
DYNAMIC_PROGRAMS = ("/usr/sbin/dropbear", "/usr/bin/dropbearkey")

#: Kernel modules the guest loads at boot (Debian's cloud kernel builds them as modules), with
#: what each is for.  Their dependencies are added from the kernel's modules.dep.
MODULES: Mapping[str, str] = {
    "virtio_pci": "the PCI transport of QEMU's virtio devices",
    "virtio_net": "the network card Nova gives a guest",
    "virtio_blk": "the root disk and attached Cinder volumes",
    "virtio_scsi": "a SCSI controller (a config drive as a SCSI CD-ROM)",
    "virtio_rng": "randomness from the host (ssh host keys at boot)",
    "virtio_console": "a virtio serial console",
    "ata_piix": "the IDE controller of QEMU's pc machine (a config drive as an IDE CD-ROM)",
    "sr_mod": "CD-ROM drives (Nova's config drive is an ISO 9660 CD-ROM by default)",
    "isofs": "the ISO 9660 file system of a config drive",
    "vfat": "the vfat file system of a config drive written as a disk",
    "nls_cp437": "vfat's default code page",
    "nls_ascii": "vfat's default character set",
    "nls_utf8": "UTF-8 file names on vfat",
    "button": "the ACPI power button (`openstack server stop` presses it)",
    "evdev": "input events, which acpid reads for the power button",
}

#: Module parameters.  virtio_net without checksum and segmentation offload: the lab's
#: userspace switch (Open vSwitch's netdev datapath) passes a guest's packets on as they are,
#: and a packet whose checksum the guest left to "the hardware" would reach its peer unfinished
#: and be dropped (ping works, TCP does not).  A production host's kernel datapath fills it in.
MODULE_OPTIONS: Mapping[str, str] = {"virtio_net": "csum=0 gso=0"}

#: Busybox applets linked into the image: what init, the DHCP script, the user-data a learner
#: writes and a person logged in by ssh are likely to call.  Anything else is `busybox NAME`.
APPLETS = (
    "sh", "ash", "awk", "basename", "cat", "chmod", "chown", "clear", "cp", "cut", "date", "dd",
    "df", "dirname", "dmesg", "du", "echo", "env", "false", "fdisk", "find", "findfs", "free",
    "grep", "gunzip", "gzip", "halt", "head", "hostname", "httpd", "id", "ifconfig", "insmod",
    "ip", "kill", "killall", "less", "ln", "ls", "lsmod", "md5sum", "mkdir", "mke2fs",
    "mkfs.ext2", "mkfs.vfat", "mknod", "more", "mount", "mv", "nc", "netstat", "nslookup",
    "ping", "poweroff", "printf", "ps", "pwd", "readlink", "reboot", "rm", "rmdir", "route",
    "sed", "seq", "sha256sum", "sleep", "sort", "stat", "sync", "tail", "tar", "tee", "test",
    "time", "top", "touch", "tr", "true", "udhcpc", "umount", "uname", "uniq", "uptime", "vi",
    "watch", "wc", "wget", "which", "xargs", "yes", "acpid", "blkid", "[", "[[",
)

#: Where each applet lives in the guest (the usual FHS places; sh must be /bin/sh).
SBIN_APPLETS = frozenset({"acpid", "blkid", "fdisk", "findfs", "halt", "ifconfig", "insmod",
                          "ip", "lsmod", "mke2fs", "mkfs.ext2", "mkfs.vfat", "mknod",
                          "poweroff", "reboot", "route", "udhcpc"})

#: The guest's kernel command line (Nova passes an image's ``os_command_line`` as it is).
COMMAND_LINE = "console=tty0 console=ttyS0 quiet osw.metadata_wait=8"

#: QEMU's TCG translation cache per guest, in MiB (QEMU's default is 1 GiB, most of which a
#: busy guest fills; Nova sets the same through ``[libvirt] tb_cache_size``).
TB_CACHE_MB = 32

#: Size of the machine image (the ``ami``): the guest never mounts it; Nova needs a root disk.
ROOT_DISK_BYTES = 1 << 20


@dataclass(frozen=True)
class GuestImage:
    """The built files and what they were built from."""

    directory: Path
    kernel_version: str
    packages: Mapping[str, str]  # Debian package -> version

    @property
    def kernel(self) -> Path:
        return self.directory / "vmlinuz"

    @property
    def ramdisk(self) -> Path:
        return self.directory / "initrd.gz"

    @property
    def root_disk(self) -> Path:
        return self.directory / "root.img"

    @property
    def manifest(self) -> Path:
        return self.directory / "manifest.json"


# ---------------------------------------------------------------------------------------------
# The cpio "newc" archive the kernel unpacks as its initramfs

class Cpio:
    """An initramfs written in memory.  Every entry is owned by root, so no root is needed to
    build it; device nodes are written as entries, not made on the host."""

    def __init__(self) -> None:
        self._out = io.BytesIO()
        self._ino = 0
        self.names: set[str] = set()

    def _entry(self, name: str, mode: int, data: bytes = b"", rdev: tuple[int, int] = (0, 0),
               nlink: int = 1) -> None:
        name = name.strip("/")
        if name in self.names:
            raise ValueError(f"{name} is already in the archive")
        self.names.add(name)
        self._ino += 1
        encoded = name.encode() + b"\0"
        fields = (self._ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(encoded), 0)
        header = b"070701" + b"".join(b"%08X" % f for f in fields)
        self._out.write(header + encoded)
        self._pad()
        self._out.write(data)
        self._pad()

    def _pad(self) -> None:
        self._out.write(b"\0" * (-self._out.tell() % 4))

    def directory(self, name: str, mode: int = 0o755) -> None:
        parts = name.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            path = "/".join(parts[:i])
            if path not in self.names:
                self._entry(path, stat.S_IFDIR | mode, nlink=2)

    def file(self, name: str, data: bytes, mode: int = 0o644) -> None:
        self._parent(name)
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name: str, target: str) -> None:
        self._parent(name)
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def char_device(self, name: str, major: int, minor: int, mode: int = 0o600) -> None:
        self._parent(name)
        self._entry(name, stat.S_IFCHR | mode, rdev=(major, minor))

    def _parent(self, name: str) -> None:
        parent = name.strip("/").rpartition("/")[0]
        if parent:
            self.directory(parent)

    def finish(self) -> bytes:
        self._entry("TRAILER!!!", 0)
        return self._out.getvalue()


def read_cpio(data: bytes) -> Iterator[tuple[str, int, bytes]]:
    """(name, mode, data) of each entry of a newc archive (the tests read images back)."""
    pos = 0
    while True:
        header = data[pos:pos + 110]
        if header[:6] != b"070701":
            raise ValueError(f"not a newc cpio entry at byte {pos}")
        fields = [int(header[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        pos += 110
        name = data[pos:pos + namesize - 1].decode()
        pos += namesize + (-(pos + namesize) % 4)
        body = data[pos:pos + size]
        pos += size + (-(pos + size) % 4)
        if name == "TRAILER!!!":
            return
        yield name, mode, body


# ---------------------------------------------------------------------------------------------
# Inputs from Debian

def package_version(package: str) -> str:
    """The installed version of a Debian package, or ``""``."""
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", package],
                       capture_output=True, text=True, check=False)
    if not p.stdout.startswith("install ok installed"):
        return ""
    return p.stdout.rsplit(" ", 1)[-1]


def kernel_package(log: Path) -> tuple[str, str]:
    """(package, version) of the cloud kernel Debian's archive offers now, e.g.
    ("linux-image-6.1.0-57-cloud-amd64", "6.1.192-3")."""
    out = run(["apt-cache", "depends", "--important", KERNEL_PACKAGE], what="apt-cache depends",
              log=log, timeout=120)
    found = re.search(r"Depends:\s*(linux-image-\S+-cloud-amd64)", out)
    if not found:
        raise LabError(f"apt does not know {KERNEL_PACKAGE} (the kernel of the guest image)",
                       "run `apt-get update` (the package lists may be missing), then again")
    name = found.group(1)
    policy = run(["apt-cache", "policy", name], what="apt-cache policy", log=log, timeout=120)
    version = re.search(r"Candidate:\s*(\S+)", policy)
    if not version or version.group(1) == "(none)":
        raise LabError(f"apt has no candidate for {name}", "run `apt-get update`, then again")
    return name, version.group(1)


def fetch_kernel(cache: Path, package: str, version: str, log: Path) -> Path:
    """Download the kernel package with apt (into ``cache``; nothing is installed on this
    machine) and unpack it; return the unpacked tree (boot/, lib/modules/)."""
    tree = cache / f"{package}_{version}"
    if (tree / ".complete").exists():
        return tree
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob(f"{package}_*"):
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        # apt's sandbox user cannot write to root's directories; say so instead of warning.
        run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
             f"{package}={version}"], what=f"downloading {package} from Debian", log=log,
            timeout=900, env={"DEBIAN_FRONTEND": "noninteractive"}, cwd=Path(tmp))
        debs = list(Path(tmp).glob("*.deb"))
        if len(debs) != 1:
            raise LabError(f"apt-get download {package} left {len(debs)} files", "see the log")
        staging = Path(tmp) / "tree"
        run(["dpkg-deb", "-x", str(debs[0]), str(staging)], what=f"unpacking {package}", log=log)
        kernel_release = _kernel_release(staging)
        # Debian's package has no modules.dep (its postinst makes it): make it here.
        run(["depmod", "-b", str(staging), kernel_release], what="depmod", log=log)
        (staging / ".complete").write_text(version)
        staging.rename(tree)
    return tree


def _kernel_release(tree: Path) -> str:
    releases = sorted(p.name for p in (tree / "lib" / "modules").iterdir())
    if len(releases) != 1:
        raise LabError(f"expected one kernel in {tree}, found {releases}")
    return releases[0]


def module_closure(modules_dir: Path, wanted: Iterable[str]) -> list[str]:
    """Paths (relative to ``modules_dir``) of the wanted modules and what they depend on, in an
    order ``insmod`` can load them: each module after its dependencies.  A wanted module built
    into the kernel (modules.builtin) needs no file and is skipped."""
    deps: dict[str, list[str]] = {}
    by_name: dict[str, str] = {}
    for line in (modules_dir / "modules.dep").read_text().splitlines():
        path, _, rest = line.partition(":")
        deps[path] = rest.split()
        by_name[_module_name(path)] = path
    builtin = {_module_name(p) for p in
               (modules_dir / "modules.builtin").read_text().split()}
    order: list[str] = []

    def visit(path: str, chain: tuple[str, ...]) -> None:
        if path in order:
            return
        if path in chain:
            raise LabError(f"kernel modules depend on each other in a loop: {chain}")
        # modules.dep lists every dependency, direct and indirect, nearest last.
        for dep in reversed(deps[path]):
            visit(dep, (*chain, path))
        order.append(path)

    for name in wanted:
        key = name.replace("-", "_")
        if key in by_name:
            visit(by_name[key], ())
        elif key not in builtin:
            raise LabError(f"the guest kernel has no module {name}",
                           "the module list in labsetup/guest_image.py (MODULES) does not "
                           "match Debian's cloud kernel")
    return order


def _module_name(path: str) -> str:
    return Path(path).name.split(".ko")[0].replace("-", "_")


def shared_libraries(program: str) -> list[str]:
    """The shared libraries (and the dynamic loader) a program needs, as ``ldd`` lists them."""
    out = run(["ldd", program], what=f"ldd {program}")
    libs = []
    for line in out.splitlines():
        found = re.search(r"(/\S+)\s+\(0x", line)
        if found:
            libs.append(found.group(1))
    if not any("ld-linux" in lib for lib in libs):
        raise LabError(f"ldd found no dynamic loader for {program}")
    return libs


# ---------------------------------------------------------------------------------------------
# The image

def inputs_digest(packages: Mapping[str, str]) -> str:
    """What the image is made from: package versions, the files in labsetup/guest, the module
    and applet lists and the archive format of this module."""
    h = hashlib.sha256(json.dumps(dict(sorted(packages.items()))).encode())
    for f in sorted(SOURCES.iterdir()):
        h.update(f.name.encode() + f.read_bytes())
    h.update(json.dumps([sorted(MODULES), APPLETS, COMMAND_LINE,
                         sorted(MODULE_OPTIONS.items())]).encode())
    h.update(Path(__file__).read_bytes())
    return h.hexdigest()


def initramfs(tree: Path, kernel_release: str) -> bytes:
    """The initramfs (uncompressed cpio) for the kernel unpacked in ``tree``."""
    archive = Cpio()
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "run", "tmp",
              "mnt", "var", "root", "srv", "lib/modules"):
        archive.directory(d, 0o1777 if d == "tmp" else 0o700 if d == "root" else 0o755)
    archive.symlink("var/run", "../run")
    # The kernel writes /init's output to /dev/console before devtmpfs is mounted.
    archive.char_device("dev/console", 5, 1)
    archive.char_device("dev/null", 1, 3, 0o666)

    archive.file("bin/busybox", BUSYBOX.read_bytes(), 0o755)
    for applet in APPLETS:
        where = "sbin" if applet in SBIN_APPLETS else "bin"
        archive.symlink(f"{where}/{applet}", "/bin/busybox")
    for program in DYNAMIC_PROGRAMS:
        archive.file(program, Path(program).read_bytes(), 0o755)
        for lib in shared_libraries(program):
            if lib.lstrip("/") not in archive.names:
                archive.file(lib, Path(lib).read_bytes(), 0o755)

    archive.file("init", (SOURCES / "init").read_bytes(), 0o755)
    archive.file("etc/udhcpc/default.script", (SOURCES / "default.script").read_bytes(), 0o755)
    archive.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n")
    archive.file("etc/group", b"root:x:0:\ntty:x:5:\n")
    archive.file("etc/shadow", b"root:*:19000:0:99999:7:::\n", 0o600)  # no password login
    archive.file("etc/shells", b"/bin/sh\n")
    archive.file("etc/os-release", b'NAME="osworkshop guest"\nID=osworkshop-guest\n'
                 b'PRETTY_NAME="osworkshop lab guest (Debian cloud kernel, busybox, dropbear)"\n')
    # busybox acpid: an event that names PWRF (the power button) runs ./PWRF/00000080 in its
    # configuration directory, /etc/acpi.
    archive.file("etc/acpid.conf", b"PWRF PWRF/00000080\n")
    archive.file("etc/acpi/PWRF/00000080", b"#!/bin/sh\nexec /init power-button\n", 0o755)

    modules_dir = tree / "lib" / "modules" / kernel_release
    order = module_closure(modules_dir, MODULES)
    for rel in order:
        archive.file(f"lib/modules/{kernel_release}/{rel}", (modules_dir / rel).read_bytes())
    for meta in ("modules.dep", "modules.builtin", "modules.order", "modules.alias"):
        if (modules_dir / meta).exists():
            archive.file(f"lib/modules/{kernel_release}/{meta}", (modules_dir / meta).read_bytes())
    lines = [" ".join(filter(None, (rel, MODULE_OPTIONS.get(_module_name(rel), ""))))
             for rel in order]
    archive.file("etc/modules.load", "".join(f"{line}\n" for line in lines).encode())
    return archive.finish()


def image_directory(home: Path) -> Path:
    """Where the lab keeps its built guest image (``cache_directory``: the kernel package)."""
    return home / "guest-image"


def cache_directory(home: Path) -> Path:
    return home / "cache" / "guest-image"


def built(directory: Path) -> tuple[GuestImage, str] | None:
    """The image last built in ``directory`` and the digest of its inputs, or None."""
    image = GuestImage(directory, "", {})
    if not image.manifest.exists() or not all(
            p.exists() for p in (image.kernel, image.ramdisk, image.root_disk)):
        return None
    recorded = json.loads(image.manifest.read_text())
    return (GuestImage(directory, recorded["kernel_release"], recorded["packages"]),
            str(recorded["inputs"]))


def build(directory: Path, cache: Path, log: Path, *, force: bool = False) -> GuestImage:
    """Build (or find up to date) the guest image in ``directory``."""
    missing = [p for p in USERLAND_PACKAGES if not package_version(p)]
    if missing:
        raise LabError(f"the guest image needs the Debian packages {' '.join(missing)}",
                       f"as root: apt-get install -y {' '.join(missing)} "
                       "(`python3 -m labsetup guest-image` installs them)")
    package, version = kernel_package(log)
    packages = {package: version, **{p: package_version(p) for p in USERLAND_PACKAGES}}
    digest = inputs_digest(packages)
    image = GuestImage(directory, "", packages)
    found = None if force else built(directory)
    if found is not None and found[1] == digest:
        return found[0]

    tree = fetch_kernel(cache, package, version, log)
    release = _kernel_release(tree)
    ramdisk = gzip.compress(initramfs(tree, release), compresslevel=9, mtime=0)
    directory.mkdir(parents=True, exist_ok=True)
    _write(image.kernel, (tree / "boot" / f"vmlinuz-{release}").read_bytes())
    _write(image.ramdisk, ramdisk)
    _write(image.root_disk, b"\0" * ROOT_DISK_BYTES)
    manifest = {
        "inputs": digest,
        "kernel_release": release,
        "packages": packages,
        "command_line": COMMAND_LINE,
        "files": {p.name: {"bytes": p.stat().st_size, "sha256": _sha256(p)}
                  for p in (image.kernel, image.ramdisk, image.root_disk)},
    }
    _write(image.manifest, json.dumps(manifest, indent=2).encode() + b"\n")
    return GuestImage(directory, release, packages)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def glance_properties(image: GuestImage) -> dict[str, dict[str, str]]:
    """Glance properties of the three images (the machine image's kernel_id and ramdisk_id are
    filled in once the other two are uploaded)."""
    common = {
        "os_distro": "debian-kernel-busybox",
        "os_version": image.kernel_version,
        "osworkshop_guest": "1",
        "description": "osworkshop lab guest: Debian's cloud kernel "
                       f"{image.kernel_version} with a busybox + dropbear initramfs built by "
                       "labsetup from Debian packages; reads a config drive or the metadata "
                       "service; ssh on 22 (keypair only), a one-line web page on 80",
    }
    return {
        "kernel": {**common, "disk_format": "aki", "container_format": "aki"},
        "ramdisk": {**common, "disk_format": "ari", "container_format": "ari"},
        "machine": {**common, "disk_format": "ami", "container_format": "ami",
                    "os_command_line": COMMAND_LINE,
                    # The cloud kernel has no SATA driver: a config drive goes on virtio-scsi.
                    "hw_cdrom_bus": "scsi", "hw_scsi_model": "virtio-scsi",
                    "hw_qemu_guest_agent": "no"},
    }


# ---------------------------------------------------------------------------------------------
# A boot trial: the image under QEMU alone, without Nova, as an instructor's first check

@dataclass
class BootTrial:
    """What one boot of the image under bare QEMU showed (seconds from QEMU's start)."""

    ready_s: float | None = None      # "osworkshop-guest: ready" on the serial console
    ssh_s: float | None = None        # first command run by ssh with the trial's key
    hostname: str = ""                # what the guest answered over ssh
    user_data: str = ""               # what the trial's user-data script wrote, read over ssh
    http: str = ""                    # the page on port 80
    halt_s: float | None = None       # power button pressed -> QEMU exited
    console: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config_drive(directory: Path, hostname: str, public_key: str, user_data: str,
                 log: Path) -> Path:
    """An OpenStack config drive (ISO 9660 labelled config-2), as Nova writes one."""
    latest = directory / "drive" / "openstack" / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    meta = {"uuid": "00000000-0000-4000-8000-000000000001", "hostname": f"{hostname}.novalocal",
            "name": hostname, "launch_index": 0, "availability_zone": "nova", "meta": {},
            "public_keys": {"trial": public_key},
            "keys": [{"name": "trial", "type": "ssh", "data": public_key}]}
    (latest / "meta_data.json").write_text(json.dumps(meta))
    (latest / "user_data").write_text(user_data)
    iso = directory / "config-drive.iso"
    run(["genisoimage", "-quiet", "-V", "config-2", "-R", "-J", "-o", str(iso),
         str(directory / "drive")], what="genisoimage (the config drive)", log=log)
    return iso


def boot_trial(image: GuestImage, log: Path, *, memory_mb: int = 128, timeout: float = 120,
               while_up: Callable[[int], None] | None = None) -> BootTrial:
    """Boot the image once under QEMU (TCG) with a config drive holding a fresh key and a
    user-data script; log in by ssh, fetch the web page, press the power button.
    ``while_up`` is called with QEMU's pid once the guest answers (the benchmark measures it).

    The guest's network is QEMU's user-mode network with ``restrict=on``: the guest reaches
    nothing, and only the two forwarded ports on 127.0.0.1 reach it."""
    needed = {"qemu-system-x86_64": "qemu-system-x86", "genisoimage": "genisoimage",
              "ssh": "openssh-client", "ssh-keygen": "openssh-client"}
    missing = sorted({pkg for cmd, pkg in needed.items() if shutil.which(cmd) is None})
    if missing:
        raise LabError(f"a boot trial needs {', '.join(missing)}",
                       f"as root: apt-get install -y {' '.join(missing)}")
    trial = BootTrial()
    with tempfile.TemporaryDirectory(prefix="osw-boot-") as tmp:
        work = Path(tmp)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "boot-trial",
             "-f", str(work / "key")], what="ssh-keygen", log=log)
        script = "#!/bin/sh\necho \"user-data ran on $(hostname)\" > /srv/www/user-data.txt\n"
        iso = config_drive(work, "trial-1", (work / "key.pub").read_text(), script, log)
        ssh_port, http_port = _free_port(), _free_port()
        serial, monitor = work / "console.log", work / "monitor.sock"
        argv = [
            "qemu-system-x86_64", "-machine", "pc", "-accel", f"tcg,tb-size={TB_CACHE_MB}",
            "-m", str(memory_mb), "-smp", "1",
            "-kernel", str(image.kernel), "-initrd", str(image.ramdisk),
            "-append", COMMAND_LINE.replace("console=tty0 ", "").replace(
                "osw.metadata_wait=8", "osw.metadata_wait=2"),
            "-display", "none", "-serial", f"file:{serial}",
            "-monitor", f"unix:{monitor},server,nowait",
            "-netdev", (f"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{ssh_port}-:22,"
                        f"hostfwd=tcp:127.0.0.1:{http_port}-:80"),
            "-device", "virtio-net-pci,netdev=n0", "-device", "virtio-scsi-pci",
            "-drive", f"file={iso},if=none,id=cd0,media=cdrom,readonly=on",
            "-device", "scsi-cd,drive=cd0",
            "-object", "rng-random,id=rng0,filename=/dev/urandom",
            "-device", "virtio-rng-pci,rng=rng0",
        ]
        with log.open("a") as out:
            started = time.monotonic()
            qemu = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
        try:
            _trial(trial, qemu, started, work, serial, monitor, ssh_port, http_port, timeout,
                   while_up)
        finally:
            if qemu.poll() is None:
                qemu.kill()
            qemu.wait()
            trial.console = serial.read_text(errors="replace") if serial.exists() else ""
    for line in trial.console.splitlines():
        if "not found" in line or "can't" in line.lower():
            trial.problems.append(f"console: {line.strip()}")
    return trial


def _trial(trial: BootTrial, qemu: subprocess.Popen[bytes], started: float, work: Path,
           serial: Path, monitor: Path, ssh_port: int, http_port: int, timeout: float,
           while_up: Callable[[int], None] | None) -> None:
    def elapsed() -> float:
        return round(time.monotonic() - started, 2)

    ssh = ["ssh", "-i", str(work / "key"), "-p", str(ssh_port), "-o", "BatchMode=yes",
           "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={work / 'known_hosts'}",
           "-o", "ConnectTimeout=5", "-o", "LogLevel=ERROR", "root@127.0.0.1"]
    deadline = started + timeout
    while time.monotonic() < deadline and qemu.poll() is None:
        text = serial.read_text(errors="replace") if serial.exists() else ""
        if trial.ready_s is None and "osworkshop-guest: ready" in text:
            trial.ready_s = elapsed()
        if trial.ssh_s is None:
            p = subprocess.run([*ssh, "hostname; cat /srv/www/user-data.txt"],
                               capture_output=True, text=True, timeout=30, check=False)
            if p.returncode == 0:
                trial.ssh_s = elapsed()
                trial.hostname, _, trial.user_data = p.stdout.strip().partition("\n")
        if trial.ready_s is not None and trial.ssh_s is not None:
            break
        time.sleep(0.25)
    if qemu.poll() is not None:
        trial.problems.append(f"QEMU exited with status {qemu.returncode} (see the log)")
        return
    if trial.ready_s is None or trial.ssh_s is None:
        trial.problems.append(f"the guest was not ready for ssh within {timeout:.0f} s")
        return
    if while_up:
        while_up(qemu.pid)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/", timeout=10) as page:
            trial.http = page.read().decode().strip()
    except OSError as err:
        trial.problems.append(f"no web page on port 80: {err}")
    if trial.hostname != "trial-1":
        trial.problems.append(f"hostname {trial.hostname!r}, not trial-1 from the config drive")
    if trial.user_data != "user-data ran on trial-1":
        trial.problems.append(f"user-data left {trial.user_data!r}")
    if trial.http and trial.http != "hello from trial-1":
        trial.problems.append(f"the web page says {trial.http!r}")
    # The power button, as Nova's graceful `server stop` presses it; QEMU exits at power-off.
    pressed = time.monotonic()
    with socket.socket(socket.AF_UNIX) as mon:
        mon.connect(str(monitor))
        mon.sendall(b"system_powerdown\n")
        try:
            qemu.wait(timeout=30)
            trial.halt_s = round(time.monotonic() - pressed, 2)
        except subprocess.TimeoutExpired:
            trial.problems.append("the guest did not halt within 30 s of the power button")
