"""The lab cloud does what the course needs, through the real OpenStack APIs."""

from __future__ import annotations

import subprocess
import sys
import time

import openstack
import pytest
from openstack import exceptions as osexc
from openstack.connection import Connection

import osworkshop
from labsetup.config import REPO
from labsetup.services.nova import COMPUTE_HOSTS

pytestmark = pytest.mark.lab


def test_token(demo: Connection) -> None:
    token = demo.authorize()
    assert isinstance(token, str) and len(token) > 20
    assert demo.current_project.name == "demo"


def test_catalog_has_the_seven_services(admin: Connection) -> None:
    types = {s.type for s in admin.identity.services()}
    assert {"identity", "placement", "image", "compute", "network", "volumev3",
            "object-store"} <= types
    for stype in ("identity", "placement", "image", "compute", "network", "volumev3",
                  "object-store"):
        assert admin.endpoint_for(stype).startswith("http://127.0.0.1:")


def test_two_hypervisors(admin: Connection) -> None:
    hosts = {h.name for h in admin.compute.hypervisors()}
    assert set(COMPUTE_HOSTS) <= hosts


def test_compute_hosts_answer_uptime_and_keep_out_of_the_database(admin: Connection, lab) -> None:
    """The hypervisor API shows each host's uptime (the lab driver answers like libvirt), and
    nova-compute, configured without database access, never tries it: neither leaves a
    traceback in the compute log since the host last started."""
    for hv in admin.compute.hypervisors():
        uptime = admin.compute.get_hypervisor(hv.id).uptime
        assert uptime and "load average" in uptime, (hv.name, uptime)
    for host in COMPUTE_HOSTS:
        log = (lab.paths.log / f"nova-compute-{host}.log").read_text(errors="replace")
        since_start = log.rsplit(f"starting nova-compute-{host}", 1)[-1]
        for bad in ("No DB access allowed", "NotImplementedError"):
            assert bad not in since_start, f"{host}: {bad}"


def test_flavor_and_image_upload(admin: Connection, demo: Connection, name: str) -> None:
    flavor = admin.compute.create_flavor(name=name, ram=256, vcpus=1, disk=1)
    try:
        with pytest.raises(osexc.ForbiddenException):
            demo.compute.create_flavor(name=name + "-x", ram=256, vcpus=1, disk=1)
        assert demo.compute.find_flavor(name).id == flavor.id
    finally:
        admin.compute.delete_flavor(flavor)
    # a small real qcow2 disk, uploaded by a learner
    path = REPO / "build" / f"{name}.qcow2"
    path.parent.mkdir(exist_ok=True)
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(path), "64M"], check=True)
    image = demo.image.create_image(name=name, filename=str(path), disk_format="qcow2",
                                    container_format="bare", wait=True)
    try:
        image = demo.image.get_image(image)
        assert image.status == "active" and image.visibility in ("private", "shared")
        assert image.size == path.stat().st_size
    finally:
        demo.image.delete_image(image)
        path.unlink()


def test_boot_with_a_port_is_active_with_an_ip(demo: Connection, name: str) -> None:
    net = demo.network.find_network("demo-net", ignore_missing=False)
    port = demo.network.create_port(network_id=net.id, name=name)
    ip = port.fixed_ips[0]["ip_address"]
    image = demo.image.find_image("lab-image", ignore_missing=False)
    flavor = demo.compute.find_flavor("m1.tiny", ignore_missing=False)
    srv = demo.compute.create_server(name=name, image_id=image.id, flavor_id=flavor.id,
                                     networks=[{"port": port.id}])
    try:
        srv = demo.compute.wait_for_server(srv, status="ACTIVE", wait=120)
        addrs = [a["addr"] for a in srv.addresses["demo-net"]]
        assert addrs == [ip]
        assert demo.network.get_port(port.id).status == "ACTIVE"
    finally:
        demo.compute.delete_server(srv)
        demo.compute.wait_for_delete(srv, wait=120)
        demo.network.delete_port(port, ignore_missing=True)


def test_floating_ip_from_the_external_network(demo: Connection, server) -> None:
    public = demo.network.find_network("public", ignore_missing=False)
    port = next(demo.network.ports(device_id=server.id))
    fip = demo.network.create_ip(floating_network_id=public.id, port_id=port.id)
    try:
        assert fip.floating_ip_address.startswith("203.0.113.")  # documentation range
        assert fip.fixed_ip_address == port.fixed_ips[0]["ip_address"]
        # Nova hears of it from Neutron (an event), so its view follows a moment later.
        deadline = time.monotonic() + 60
        while True:
            addresses = demo.compute.get_server(server.id).addresses["demo-net"]
            kinds = {a["OS-EXT-IPS:type"] for a in addresses}
            if {"floating", "fixed"} <= kinds or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert {"floating", "fixed"} <= kinds
    finally:
        demo.network.delete_ip(fip)


def _host(admin: Connection, server_id: str) -> str:
    return str(admin.compute.get_server(server_id).compute_host)


def _wait_migration_done(admin: Connection, server_id: str, host: str, completed: int) -> None:
    """Until the server is ACTIVE on ``host`` and ``completed`` live migrations are recorded as
    completed (Nova moves the server before it closes the migration record)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        srv = admin.compute.get_server(server_id)
        assert srv.status != "ERROR", srv.fault
        done = sum(m.migration_type == "live-migration" and m.status == "completed"
                   for m in admin.compute.migrations(instance_uuid=server_id))
        if srv.compute_host == host and srv.status == "ACTIVE" and not srv.task_state \
                and done >= completed:
            return
        time.sleep(0.5)
    raise AssertionError(f"server did not finish its live migration to {host}")


def test_live_migration_there_and_back(admin: Connection, demo: Connection, server) -> None:
    start = _host(admin, server.id)
    other = next(h for h in COMPUTE_HOSTS if h != start)
    admin.compute.live_migrate_server(server, host=other, block_migration="auto")
    _wait_migration_done(admin, server.id, other, completed=1)
    port = next(admin.network.ports(device_id=server.id))  # binding:host_id is admin-only
    assert port.status == "ACTIVE" and port.binding_host_id == other
    admin.compute.live_migrate_server(server, host=start, block_migration="auto")
    _wait_migration_done(admin, server.id, start, completed=2)


def test_a_project_manager_moves_their_own_servers(admin: Connection, demo: Connection,
                                                  server) -> None:
    """The learner's roles (member, manager) and the lab's Nova policy: the learner reads
    hosts and moves their own servers; choosing a host and changing a host stay admin-only."""
    roles = {a.role["name"] for a in admin.identity.role_assignments(
        user_id=demo.current_user_id, scope_project_id=demo.current_project_id,
        include_names=True)}
    assert {"member", "manager"} <= roles
    start = demo.compute.get_server(server.id).compute_host
    assert start in COMPUTE_HOSTS, "a manager sees the host of their own server"
    assert {h.name for h in demo.compute.hypervisors()} == set(COMPUTE_HOSTS)
    assert {s.host for s in demo.compute.services(binary="nova-compute")} == set(COMPUTE_HOSTS)
    other = next(h for h in COMPUTE_HOSTS if h != start)
    with pytest.raises(osexc.ForbiddenException):
        demo.compute.live_migrate_server(server, host=other, block_migration="auto")
    svc = next(demo.compute.services(binary="nova-compute", host=start))
    with pytest.raises(osexc.ForbiddenException):
        demo.compute.disable_service(svc, start, "nova-compute", "not mine to disable")
    demo.compute.live_migrate_server(server, host=None, block_migration="auto")
    _wait_migration_done(admin, server.id, other, completed=1)
    mine = list(demo.compute.migrations(project_id=demo.current_project_id,
                                        instance_uuid=server.id))
    assert [m.status for m in mine] == ["completed"]


def _labsetup(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "labsetup", *args], cwd=REPO, check=True)


def test_host_failure_and_evacuation(admin: Connection, demo: Connection, server) -> None:
    failed = _host(admin, server.id)
    other = next(h for h in COMPUTE_HOSTS if h != failed)
    svc = next(admin.compute.services(binary="nova-compute", host=failed))
    _labsetup("host", "stop", failed)  # the host "loses power"
    admin.compute.update_service_forced_down(svc, failed, "nova-compute", True)
    try:
        demo.compute.evacuate_server(server)  # the lab's policy lets the project manager
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            srv = admin.compute.get_server(server.id)
            if srv.compute_host == other and srv.status in ("SHUTOFF", "ACTIVE") \
                    and not srv.task_state:
                break
            assert srv.status != "ERROR", srv.fault
            time.sleep(0.5)
        assert srv.compute_host == other
        assert srv.status == "SHUTOFF"  # since compute API 2.95 an evacuated server stays stopped
        admin.compute.start_server(srv)
        admin.compute.wait_for_server(srv, status="ACTIVE", wait=60)
    finally:
        _labsetup("host", "start", failed)  # the host comes back and cleans up its old guest
        deadline = time.monotonic() + 90
        while True:
            try:
                admin.compute.update_service_forced_down(svc, failed, "nova-compute", False)
                break
            except osexc.BadRequestException:  # evacuation records not completed yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
    deadline = time.monotonic() + 60
    while next(admin.compute.services(binary="nova-compute", host=failed)).state != "up":
        assert time.monotonic() < deadline, f"{failed} did not come back up"
        time.sleep(1)


def test_resize(demo: Connection, server) -> None:
    small = demo.compute.find_flavor("m1.small", ignore_missing=False)
    demo.compute.resize_server(server, small.id)
    srv = demo.compute.wait_for_server(server, status="VERIFY_RESIZE", wait=120)
    demo.compute.confirm_server_resize(srv)
    srv = demo.compute.wait_for_server(srv, status="ACTIVE", wait=120)
    assert srv.flavor["original_name"] == "m1.small"


def test_volume_lifecycle(demo: Connection, server, name: str) -> None:
    vol = demo.block_storage.create_volume(name=name, size=1)
    vol = demo.block_storage.wait_for_status(vol, "available", wait=60)
    try:
        # finding by name needs Cinder's resource filters file (it lists allowed filters)
        assert demo.block_storage.find_volume(name, ignore_missing=False).id == vol.id
        demo.compute.create_volume_attachment(server, volume_id=vol.id)
        vol = demo.block_storage.wait_for_status(vol, "in-use", wait=60)
        assert vol.attachments[0]["server_id"] == server.id
        demo.compute.delete_volume_attachment(server, vol.id)
        vol = demo.block_storage.wait_for_status(vol, "available", wait=60)
        snap = demo.block_storage.create_snapshot(volume_id=vol.id, name=name)
        snap = demo.block_storage.wait_for_status(snap, "available", wait=60)
        demo.block_storage.delete_snapshot(snap)
        demo.block_storage.wait_for_delete(snap, wait=60)
    finally:
        demo.block_storage.delete_volume(vol)
        demo.block_storage.wait_for_delete(vol, wait=60)


def test_volume_from_an_image_and_back_to_an_image(demo: Connection, name: str) -> None:
    image = demo.image.find_image("lab-image", ignore_missing=False)
    vol = demo.block_storage.create_volume(name=name, size=1, image_id=image.id)
    try:
        vol = demo.block_storage.wait_for_status(vol, "available", failures=["error"], wait=120)
        assert vol.is_bootable
        answer = demo.block_storage.upload_volume_to_image(vol, name, disk_format="raw",
                                                           container_format="bare")
        uploaded = demo.image.wait_for_status(demo.image.get_image(answer["image_id"]),
                                              "active", failures=["killed"], wait=120)
        assert uploaded.size == 1024 ** 3
        demo.image.delete_image(uploaded)
        demo.block_storage.wait_for_status(vol, "available", wait=60)
    finally:
        demo.block_storage.delete_volume(vol)
        demo.block_storage.wait_for_delete(vol, wait=60)


def test_swift_container_and_object(demo: Connection, name: str) -> None:
    demo.object_store.create_container(name=name)
    try:
        demo.object_store.upload_object(container=name, name="hello.txt", data=b"hello lab")
        assert demo.object_store.download_object("hello.txt", container=name) == b"hello lab"
        assert [o.name for o in demo.object_store.objects(name)] == ["hello.txt"]
        demo.object_store.delete_object("hello.txt", container=name)
        assert list(demo.object_store.objects(name)) == []
    finally:
        demo.object_store.delete_container(name, ignore_missing=True)


def test_quota_exceeded_is_a_clear_error(admin: Connection, name: str) -> None:
    project = admin.identity.create_project(name=name, domain_id="default")
    user = admin.identity.create_user(name=name, password=name + "-pw", domain_id="default",
                                      default_project_id=project.id)
    member = admin.identity.find_role("member")
    admin.identity.assign_project_role_to_user(project, user, member)
    admin.set_compute_quotas(project.id, instances=0)
    try:
        conn = osworkshop.connect_as(admin, name, name + "-pw", name)
        image = conn.image.find_image("lab-image", ignore_missing=False)
        flavor = conn.compute.find_flavor("m1.tiny", ignore_missing=False)
        with pytest.raises(osexc.ForbiddenException, match="Quota exceeded") as refused:
            conn.compute.create_server(name=name, image_id=image.id, flavor_id=flavor.id,
                                       networks="none")
        explained = osworkshop.errors.explain(refused.value)  # what a learner reads
        assert explained is not None and "quota" in explained.title.lower()
        assert "instances" in explained.detail.lower() + explained.what_to_do.lower()
    finally:
        admin.identity.delete_user(user)
        admin.identity.delete_project(project)


def test_status_names_a_dead_service_and_up_repairs_it(admin: Connection, lab) -> None:
    import os
    import signal

    from labsetup.lab import service

    placement = service("placement").daemons(lab)[0]
    os.kill(placement.pid(), signal.SIGKILL)  # as if it crashed
    admin.compute.delete_flavor(admin.compute.find_flavor("m1.xlarge", ignore_missing=False))
    status = subprocess.run([sys.executable, "-m", "labsetup", "status"], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert status.returncode == 1
    assert any(line.startswith("placement") and "DOWN" in line and "died" in line
               for line in status.stdout.splitlines())
    _labsetup("up")
    assert placement.running()
    assert admin.compute.find_flavor("m1.xlarge", ignore_missing=False).vcpus == 8
    assert subprocess.run([sys.executable, "-m", "labsetup", "status"], cwd=REPO,
                          capture_output=True, check=False).returncode == 0


@pytest.mark.slow
def test_down_and_up_keep_what_learners_made(demo: Connection, server, name: str) -> None:
    vol = demo.block_storage.create_volume(name=name, size=1)
    demo.block_storage.wait_for_status(vol, "available", wait=60)
    demo.compute.create_volume_attachment(server, volume_id=vol.id)
    demo.block_storage.wait_for_status(vol, "in-use", wait=60)
    demo.object_store.create_container(name=name)
    demo.object_store.upload_object(container=name, name="kept.txt", data=b"still here")
    try:
        lab_cmd = [sys.executable, "-m", "labsetup"]
        subprocess.run([*lab_cmd, "down"], cwd=REPO, check=True)
        subprocess.run([*lab_cmd, "up"], cwd=REPO, check=True)
        fresh = openstack.connect(cloud="lab-demo")
        srv = fresh.compute.get_server(server.id)
        assert srv.status == "ACTIVE"
        assert fresh.block_storage.get_volume(vol.id).status == "in-use"
        assert fresh.object_store.download_object("kept.txt", container=name) == b"still here"
        # and the restarted cloud still works: power operations on the kept server
        fresh.compute.stop_server(srv)
        fresh.compute.wait_for_server(srv, status="SHUTOFF", wait=60)
        fresh.compute.start_server(srv)
        fresh.compute.wait_for_server(srv, status="ACTIVE", wait=60)
        fresh.compute.delete_volume_attachment(srv, vol.id)
        fresh.block_storage.wait_for_status(vol, "available", wait=60)
    finally:
        demo.object_store.delete_object("kept.txt", container=name, ignore_missing=True)
        demo.object_store.delete_container(name, ignore_missing=True)
        if demo.block_storage.get_volume(vol.id).status == "in-use":
            demo.compute.delete_volume_attachment(server, vol.id)
            demo.block_storage.wait_for_status(vol, "available", wait=60)
        demo.block_storage.delete_volume(vol)


def test_a_course_upgrade_that_moves_a_version_syncs_the_database_again(
        lab, demo: Connection, server) -> None:
    """The schema marker records the installed versions: a lab synced by an older release
    (here: the marker of an older nova) gets `db sync` on the next `up`, and keeps what the
    learner made."""
    from labsetup.services.nova import Nova

    marker = lab.state("nova") / ".db-done"
    current = marker.read_text()
    assert current == Nova().installed(lab) + "\n" and "==?" not in current
    log = lab.paths.log / "nova-manage.log"
    before = log.stat().st_size
    marker.write_text("nova==33.0.0\n")
    try:
        _labsetup("up")
    finally:
        if marker.read_text() != current:
            marker.write_text(current)
    with open(log, encoding="utf-8", errors="replace") as fh:
        fh.seek(before)
        ran = fh.read()
    assert " db sync" in ran and " api_db sync" in ran
    assert marker.read_text() == current
    assert demo.compute.get_server(server.id).status == "ACTIVE"
