"""The real-guests profile's image, built from Debian packages and booted under bare QEMU:
config drive, the key in it, user-data, ssh, the web page and the power button."""

from __future__ import annotations

import gzip
import os

import pytest

from labsetup import guest_image as G
from labsetup.config import Lab
from labsetup.install import missing_apt

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def image(lab: Lab) -> G.GuestImage:
    missing = missing_apt([*G.BUILD_APT, *G.TRIAL_APT])
    if missing:
        # `labsetup test` installs them as root: there, their absence is a failure.
        if os.geteuid() == 0:
            pytest.fail(f"`labsetup test` should have installed {missing}")
        pytest.skip(f"not root and Debian packages missing: {' '.join(missing)}")
    return G.build(G.image_directory(lab.paths.home), G.cache_directory(lab.paths.home),
                   lab.paths.log / "guest-image.log")


def test_image_is_built_from_debian_packages(image: G.GuestImage) -> None:
    assert image.kernel.read_bytes()[0x202:0x206] == b"HdrS"  # a bzImage's boot header
    names = {n for n, _, _ in G.read_cpio(gzip.decompress(image.ramdisk.read_bytes()))}
    assert {"init", "bin/busybox", "usr/sbin/dropbear", "etc/modules.load"} <= names
    assert any(n.endswith("/virtio_net.ko") for n in names)
    assert set(image.packages) >= {"busybox-static", "dropbear-bin"}
    assert any(p.startswith("linux-image-") and p.endswith("-cloud-amd64")
               for p in image.packages)


def test_build_is_idempotent(image: G.GuestImage, lab: Lab) -> None:
    before = {f: f.stat().st_mtime_ns for f in (image.kernel, image.ramdisk, image.manifest)}
    again = G.build(image.directory, G.cache_directory(lab.paths.home),
                    lab.paths.log / "guest-image.log")
    assert again == image
    assert {f: f.stat().st_mtime_ns for f in before} == before


def test_boot_trial_config_drive_ssh_http_power_button(image: G.GuestImage, lab: Lab) -> None:
    trial = G.boot_trial(image, lab.paths.log / "guest-image.log")
    assert trial.ok, "\n".join([*trial.problems, trial.console[-3000:]])
    assert trial.hostname == "trial-1"
    assert trial.user_data == "user-data ran on trial-1"
    assert trial.http == "hello from trial-1"
    assert trial.halt_s is not None
    console = trial.console
    assert "config from config drive" in console and "1 ssh public key(s) for root" in console
    assert "-----BEGIN SSH HOST KEY FINGERPRINTS-----" in console
    assert "power button pressed: halting" in console

