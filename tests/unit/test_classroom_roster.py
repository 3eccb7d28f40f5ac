"""Classroom tooling without a cloud: names, rosters, handouts, progress tables."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from labsetup import classroom as C
from labsetup.config import Lab, Paths, Secrets
from labsetup.proc import LabError
from osworkshop import classroom as oc


@pytest.fixture
def lab(tmp_path: Path) -> Lab:
    paths = Paths(tmp_path)
    paths.make()
    return Lab(paths=paths, secrets=Secrets.load_or_create(paths))


@pytest.mark.parametrize(("name", "slug"), [
    ("Zoë O'Brien", "zoe-obrien"), ("  Ada  Lovelace ", "ada-lovelace"), ("student07", "student07"),
    ("José-María Núñez", "jose-maria-nunez"), ("a" * 60, "a" * 40), ("Dr. X (guest)", "dr-x-guest"),
])
def test_slugify(name: str, slug: str) -> None:
    assert C.slugify(name) == slug


def test_plan_reports_every_bad_name_at_once() -> None:
    with pytest.raises(LabError) as err:
        C.plan(["Ann", "ann", "李雷", "admin", "nova", "Bob"])
    text = str(err.value)
    assert "'ann' and 'Ann' would both be user 'ann'" in text
    assert "'李雷' has no letter or digit" in text
    assert "'admin' would be user 'admin'" in text and "'nova'" in text
    assert "'Bob'" not in text


def test_plan_gives_each_student_a_password_and_project() -> None:
    students = C.plan(C.numbered(3))
    assert [s.project for s in students] == ["class-student01", "class-student02",
                                             "class-student03"]
    assert len({s.password for s in students}) == 3
    assert all(len(s.password) >= 16 for s in students)
    with pytest.raises(LabError):
        C.numbered(0)
    with pytest.raises(LabError):
        C.plan([])


def test_read_names_skips_comments_and_blanks(tmp_path: Path) -> None:
    f = tmp_path / "names.txt"
    f.write_text("# room 2\nAda\n\n  Grace Hopper  \n#x\n", encoding="utf-8")
    assert C.read_names(f) == ["Ada", "Grace Hopper"]
    f.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(LabError, match="not UTF-8"):
        C.read_names(f)
    with pytest.raises(LabError, match="no file"):
        C.read_names(tmp_path / "missing.txt")


def test_roster_and_student_files_are_private(lab: Lab) -> None:
    students = C.plan(["Zoë O'Brien", "<script>alert(1)</script>"])
    roster = C.save_roster(lab, students)
    assert stat.S_IMODE(roster.stat().st_mode) == 0o600
    assert C.load_roster(lab) == students
    folder, handouts = C.write_student_files(lab, students, address="192.0.2.10")
    for s in students:
        f = folder / s.slug / "clouds.yaml"
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
        cloud = json.loads(f.read_text().split("\n", 1)[1])["clouds"]["lab-demo"]
        assert cloud["auth"]["auth_url"] == "http://192.0.2.10:5000/v3"
        assert cloud["auth"]["password"] == s.password
        assert cloud["osworkshop"] == {"classroom": True, "student": s.name}
    text = handouts.read_text()
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert text.count('class="page"') == 2
    assert C.find_student(students, "Zoë O'Brien") is students[0]
    assert C.find_student(students, "class-zoe-obrien") is students[0]
    with pytest.raises(LabError, match="no student 'nobody'"):
        C.find_student(students, "nobody")


def test_rooms_keep_apart(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    assert C.room_tag() == "osworkshop-classroom"
    monkeypatch.setenv("LABSETUP_CLASSROOM", "t-abc")
    assert C.room_tag() == "osworkshop-classroom-t-abc"
    assert C.class_dir(lab).name == "t-abc"
    assert not C.is_ours(SimpleNamespace(tags=["osworkshop-classroom"], description=""))
    assert C.is_ours(SimpleNamespace(tags=[], description="x (osworkshop-classroom-t-abc)"))
    monkeypatch.setenv("LABSETUP_CLASSROOM", "Bad Room!")
    with pytest.raises(LabError):
        C.room()


def test_progress_rows_group_by_notebook() -> None:
    progress: dict[str, dict[str, dict[str, Any]]] = {
        "bob": {"nb05.flavor": {"passed": True}, "nb05.resize": {"passed": False}},
        "ada": {},
    }
    headers, rows = oc.progress_rows(progress, ["nb05.flavor", "nb05.resize", "nb06.share"])
    assert headers == ["student", "nb05", "nb06", "total"]
    assert rows == [["ada", "·", "·", "0/3"], ["bob", "1/2", "·", "1/3"]]
    table = oc.ProgressTable(headers, rows)
    assert "bob" in str(table) and "<td>1/2</td>" in table._repr_html_()


class _Store:
    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def create_container(self, name: str) -> None:
        self.container = name

    def upload_object(self, container: str, name: str, data: bytes) -> None:
        self.objects[name] = data


def test_progress_is_recorded_only_on_classroom_clouds() -> None:
    store = _Store()
    plain = SimpleNamespace(config=SimpleNamespace(config={}), object_store=store)
    assert not oc.record_progress(plain, "nb05.flavor", True, "ok")
    room = SimpleNamespace(config=SimpleNamespace(config={"osworkshop": {"classroom": True}}),
                           object_store=store)
    assert oc.record_progress(room, "nb05.flavor", True, "ok")
    assert store.container == oc.PROGRESS_CONTAINER
    assert json.loads(store.objects["nb05.flavor"])["passed"] is True
