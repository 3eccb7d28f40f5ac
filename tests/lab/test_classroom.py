"""The classroom: create a room, isolation between students, progress, reset and teardown.

Runs in its own room ($LABSETUP_CLASSROOM), so a real classroom on the same lab is never touched.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import openstack
import pytest
from openstack import exceptions as osexc
from openstack.connection import Connection

from labsetup import classroom as C
from labsetup.config import REPO, Lab

ROOM = f"t-{uuid.uuid4().hex[:6]}"


def labsetup(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LABSETUP_CLASSROOM": ROOM}
    return subprocess.run([sys.executable, "-m", "labsetup", *args], cwd=REPO, env=env,
                          input=stdin, capture_output=True, text=True, timeout=600,
                          check=False)


def student_cloud(lab: Lab, slug: str) -> Connection:
    path = lab.paths.home / ROOM / "students" / slug / "clouds.yaml"
    config = json.loads(path.read_text().split("\n", 1)[1])["clouds"]["lab-demo"]
    assert config["osworkshop"]["classroom"] is True
    auth = config["auth"]
    conn = openstack.connect(load_yaml_config=False, load_envvars=False,
                             region_name=config["region_name"], **auth)
    conn.config.config["osworkshop"] = config["osworkshop"]  # as clouds.yaml would give it
    return conn


@pytest.fixture(scope="module")
def room(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    names = tmp_path_factory.mktemp("room") / "names.txt"
    stem = ROOM
    names.write_text(f"# the room\n{stem} Zoë O'Brien\n\n  {stem}-bob  \n", encoding="utf-8")
    done = labsetup("classroom", "create", "--names", str(names))
    assert done.returncode == 0, done.stderr
    slugs = {"a": f"{stem}-zoe-obrien", "b": f"{stem}-bob"}
    yield slugs
    gone = labsetup("classroom", "teardown", "--yes")
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "0 resources left" in gone.stdout
    assert not (lab.paths.home / ROOM).exists(), "teardown left the room's files (passwords)"


def test_create_writes_private_files(lab: Lab, room: dict[str, str]) -> None:
    base = lab.paths.home / ROOM
    for slug in room.values():
        f = base / "students" / slug / "clouds.yaml"
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    handouts = (base / "handouts.html").read_text()
    assert stat.S_IMODE((base / "handouts.html").stat().st_mode) == 0o600
    assert "Zoë O&#x27;Brien" in handouts and handouts.count('class="page"') == 2
    listed = labsetup("classroom", "list")
    assert all(slug in listed.stdout for slug in room.values()), listed.stdout


def test_student_starts_like_demo(lab: Lab, room: dict[str, str]) -> None:
    conn = student_cloud(lab, room["a"])
    assert conn.current_project_id
    assert conn.network.find_network("demo-net") is not None
    assert conn.network.find_router("demo-router") is not None
    quota = conn.compute.get_limits().absolute
    assert quota.instances == C.QUOTAS["compute"]["instances"]


def test_students_cannot_see_or_touch_each_other(lab: Lab, room: dict[str, str]) -> None:
    a, b = student_cloud(lab, room["a"]), student_cloud(lab, room["b"])
    net = a.network.find_network("demo-net", ignore_missing=False)
    server = a.compute.create_server(
        name="iso", flavor_id=a.compute.find_flavor("m1.tiny", ignore_missing=False).id,
        image_id=a.image.find_image("lab-image", ignore_missing=False).id,
        networks=[{"uuid": net.id}])
    volume = a.block_storage.create_volume(name="iso", size=1)
    a.object_store.create_container(name="iso")
    a.object_store.upload_object(container="iso", name="secret.txt", data=b"A's data")
    a.compute.wait_for_server(server, wait=120)
    a.block_storage.wait_for_status(volume, "available", wait=60)

    assert server.id not in {s.id for s in b.compute.servers()}
    assert volume.id not in {v.id for v in b.block_storage.volumes()}
    assert net.id not in {n.id for n in b.network.networks()}
    with pytest.raises(osexc.NotFoundException):
        b.compute.get_server(server.id)
    with pytest.raises(osexc.NotFoundException):
        b.block_storage.get_volume(volume.id)
    with pytest.raises(osexc.NotFoundException):
        b.network.get_network(net.id)
    with pytest.raises(osexc.NotFoundException):
        b.compute.delete_server(server.id, ignore_missing=False)
    with pytest.raises(osexc.NotFoundException):
        b.network.delete_network(net.id, ignore_missing=False)
    # B's Swift account is B's own; A's container cannot be reached through B's endpoint.
    assert "iso" not in {c.name for c in b.object_store.containers()}
    a_account = a.object_store.get_endpoint()
    resp = b.session.get(f"{a_account}/iso/secret.txt", raise_exc=False)
    assert resp.status_code in (401, 403), resp.status_code
    resp = b.session.delete(f"{a_account}/iso/secret.txt", raise_exc=False)
    assert resp.status_code in (401, 403), resp.status_code
    assert a.object_store.download_object("secret.txt", container="iso") == b"A's data"
    assert a.compute.get_server(server.id).status == "ACTIVE"


def test_a_student_cannot_act_as_admin(lab: Lab, room: dict[str, str]) -> None:
    b = student_cloud(lab, room["b"])
    with pytest.raises(osexc.ForbiddenException):
        b.compute.create_flavor(name=f"{ROOM}-flavor", ram=512, vcpus=1, disk=1)
    with pytest.raises(osexc.ForbiddenException):
        list(b.identity.projects())
    hosts = [h.name for h in b.compute.hypervisors()]  # read only, by the lab's policy
    with pytest.raises(osexc.ForbiddenException):
        b.compute.disable_service(next(b.compute.services(binary="nova-compute")), hosts[0],
                                  "nova-compute", "a student may not take a host out")
    with pytest.raises(osexc.ForbiddenException):
        list(b.compute.servers(all_projects=True))
    with pytest.raises(osexc.ForbiddenException):
        b.compute.update_quota_set(b.current_project_id, instances=100)
    with pytest.raises((osexc.ForbiddenException, osexc.HttpException)):
        b.identity.create_user(name=f"{ROOM}-evil", password="x", domain_id="default")


def test_progress_is_read_from_the_students_cloud(lab: Lab, room: dict[str, str]) -> None:
    from osworkshop.exercises.nb00 import check_block_storage_type  # a real check

    a = student_cloud(lab, room["a"])
    assert check_block_storage_type(a, "volumev3").passed
    table = labsetup("classroom", "progress")
    assert table.returncode == 0, table.stderr
    row_a = next(line for line in table.stdout.splitlines() if line.startswith(room["a"]))
    row_b = next(line for line in table.stdout.splitlines() if line.startswith(room["b"]))
    assert "1/" in row_a.split()[1]  # nb00 column: one check passed
    assert row_b.split()[-1].startswith("0/")


def test_reset_empties_one_student_only(lab: Lab, room: dict[str, str]) -> None:
    a, b = student_cloud(lab, room["a"]), student_cloud(lab, room["b"])
    vol_b = b.block_storage.create_volume(name="keep-me", size=1)
    b.block_storage.wait_for_status(vol_b, "available", wait=60)
    done = labsetup("classroom", "reset", f"{ROOM} Zoë O'Brien")
    assert done.returncode == 0, done.stderr
    a = student_cloud(lab, room["a"])  # same password as before the reset
    assert list(a.compute.servers()) == []
    assert list(a.block_storage.volumes()) == []
    assert [c.name for c in a.object_store.containers()] == ["osworkshop-progress"]
    assert a.network.find_network("demo-net") is not None
    assert b.block_storage.get_volume(vol_b.id).status == "available"


def test_bad_names_get_one_clear_message(tmp_path: Path) -> None:
    names = tmp_path / "bad.txt"
    names.write_text("Ann\nann\n!!!\nadmin\n", encoding="utf-8")
    done = labsetup("classroom", "create", "--names", str(names))
    assert done.returncode == 1
    for part in ("would both be user 'ann'", "'!!!' has no letter", "'admin' would be user"):
        assert part in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    missing = labsetup("classroom", "create", "--names", str(tmp_path / "nope.txt"))
    assert missing.returncode == 1 and "no file" in missing.stderr
    nobody = labsetup("classroom", "reset", "nobody-at-all")
    assert nobody.returncode == 1 and "no student 'nobody-at-all'" in nobody.stderr
