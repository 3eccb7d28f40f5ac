"""Classroom tooling: one project per student, their clouds.yaml and handouts, progress, teardown.

``labsetup classroom create --students 12`` (or ``--names roster.txt``) gives every student a
project ``class-<name>``, a user ``<name>`` with the ``member`` and ``manager`` roles
(labsetup.config.LEARNER_ROLES) and a generated password,
quotas, and the same starting network as the ``demo`` project (``demo-net`` + ``demo-router``),
so every notebook works unchanged.  It writes, under ``$LABSETUP_HOME/classroom/`` (mode 0700):

* ``roster.json``: who is who, with passwords (0600, never in the repository);
* ``students/<name>/clouds.yaml``: the student's cloud, named ``lab-demo`` like the learner's
  own, and marked as a classroom cloud so exercise checks record progress;
* ``handouts.html``: one printable page per student.

Unlike the rest of labsetup, this module runs in the course environment (it uses openstacksdk
and the course package); ``python3 -m labsetup classroom ...`` switches to it by itself.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from labsetup.config import (
    LEARNER_ROLES,
    REGION,
    SERVICE_USERS,
    Lab,
    _password,
    write_private,
)
from labsetup.proc import LabError

CLASS_TAG = "osworkshop-classroom"
PROJECT_PREFIX = "class-"
#: Names a student may not have: the lab's own users.
RESERVED = frozenset({"admin", "demo", *SERVICE_USERS})
MAX_STUDENTS = 200
PARALLEL = 4

#: Per-student quotas: room for every notebook's servers, volumes and networks at once.
QUOTAS: dict[str, dict[str, int]] = {
    "compute": {"instances": 10, "cores": 20, "ram": 40960, "key_pairs": 10},
    "block_storage": {"volumes": 10, "snapshots": 10, "gigabytes": 100},
    "network": {"networks": 10, "subnets": 10, "routers": 4, "floating_ips": 4, "ports": 60,
                "security_groups": 10, "security_group_rules": 100},
}
STUDENT_CIDR = "10.0.0.0/24"  # data in Neutron's database, like demo-net; nothing routes it


@dataclass
class Student:
    name: str  # as the instructor wrote it
    slug: str  # user name: lower-case letters, digits and hyphens
    password: str

    @property
    def user(self) -> str:
        return self.slug

    @property
    def project(self) -> str:
        return PROJECT_PREFIX + self.slug


def slugify(name: str) -> str:
    """A user name from a student's name: ``"Zoë O'Brien"`` → ``"zoe-obrien"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"['’`]", "", ascii_name.lower())
    return re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40].strip("-")


def plan(names: Sequence[str]) -> list[Student]:
    """Students for these names, or a LabError naming every name that cannot be used."""
    problems, students, seen = [], [], {}
    for raw in names:
        name = raw.strip()
        slug = slugify(name)
        if not slug:
            problems.append(f"{name!r} has no letter or digit to make a user name from")
        elif slug in RESERVED:
            problems.append(f"{name!r} would be user {slug!r}, which the lab itself uses")
        elif slug in seen:
            problems.append(f"{name!r} and {seen[slug]!r} would both be user {slug!r}")
        else:
            seen[slug] = name
            students.append(Student(name=name, slug=slug, password=_password(16)))
    if problems:
        raise LabError("some student names cannot be used: " + "; ".join(problems),
                       "edit the names (make them distinct, with at least one letter) and "
                       "run the command again")
    if not students:
        raise LabError("no students given", "pass --students N or --names FILE (one per line)")
    if len(students) > MAX_STUDENTS:
        raise LabError(f"{len(students)} students is more than this lab is meant for "
                       f"({MAX_STUDENTS})", "split the room over several labs")
    return students


def read_names(path: Path) -> list[str]:
    """Names from a file, one per line; blank lines and lines starting with # are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabError(f"no file {path}", "pass a text file with one student name per "
                       "line") from None
    except UnicodeDecodeError:
        raise LabError(f"{path} is not UTF-8 text", "save it as UTF-8 text, one name per "
                       "line") from None
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def numbered(count: int) -> list[str]:
    if count < 1:
        raise LabError("--students must be at least 1", "for example --students 12")
    return [f"student{i:02d}" for i in range(1, count + 1)]


# ---------------------------------------------------------------- roster and files
def room() -> str:
    """The classroom's name: ``classroom`` unless $LABSETUP_CLASSROOM names another (the
    test suite uses its own room, so it never touches a real one)."""
    name = os.environ.get("LABSETUP_CLASSROOM", "classroom")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,30}", name):
        raise LabError(f"LABSETUP_CLASSROOM={name!r} is not a usable room name",
                       "use lower-case letters, digits and hyphens")
    return name


def room_tag() -> str:
    """The Keystone tag of this room's projects (and the end of its users' descriptions)."""
    return CLASS_TAG if room() == "classroom" else f"{CLASS_TAG}-{room()}"


def is_ours(resource: Any) -> bool:
    """True for a project or user of this room."""
    tags = getattr(resource, "tags", None) or []
    return room_tag() in tags or str(getattr(resource, "description", "") or "").endswith(
        f"({room_tag()})")


def class_dir(lab: Lab) -> Path:
    d = lab.paths.home / room()
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o700)
    return d


def load_roster(lab: Lab) -> list[Student]:
    f = class_dir(lab) / "roster.json"
    if not f.exists():
        return []
    return [Student(**s) for s in json.loads(f.read_text())["students"]]


def save_roster(lab: Lab, students: Sequence[Student]) -> Path:
    f = class_dir(lab) / "roster.json"
    write_private(f, json.dumps({"students": [asdict(s) for s in students]}, indent=1))
    return f


def find_student(roster: Sequence[Student], who: str) -> Student:
    slug = slugify(who)
    for s in roster:
        if who in (s.name, s.slug, s.project) or slug == s.slug:
            return s
    known = ", ".join(s.slug for s in roster) or "none yet"
    raise LabError(f"no student {who!r} in this classroom",
                   f"students: {known} (`python3 -m labsetup classroom list`)")


def student_cloud(lab: Lab, student: Student, address: str | None = None) -> dict[str, Any]:
    auth_url = lab.auth_url if address is None else f"http://{address}:{lab.auth_url.split(':')[-1]}"
    return {
        "auth": {"auth_url": auth_url, "username": student.user, "password": student.password,
                 "project_name": student.project, "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "region_name": REGION, "identity_api_version": 3, "interface": "public",
        "osworkshop": {"classroom": True, "student": student.name},
    }


def write_student_files(lab: Lab, students: Sequence[Student],
                        address: str | None = None) -> tuple[Path, Path]:
    """Each student's clouds.yaml (0600) and one printable handouts page for the room."""
    base = class_dir(lab)
    for s in students:
        clouds = {"clouds": {"lab-demo": student_cloud(lab, s, address)}}
        write_private(base / "students" / s.slug / "clouds.yaml",
                      "# The course lab, for " + s.name + "\n" + json.dumps(clouds, indent=2) + "\n")
    handouts = base / "handouts.html"
    write_private(handouts, handouts_html(lab, students, address))
    return base / "students", handouts


def handouts_html(lab: Lab, students: Sequence[Student], address: str | None = None) -> str:
    pages = []
    for s in students:
        cloud = student_cloud(lab, s, address)
        e = html.escape
        clouds_text = json.dumps({"clouds": {"lab-demo": cloud}}, indent=2)
        pages.append(f"""<section class="page">
<h1>OpenStack workshop: {e(s.name)}</h1>
<table>
<tr><th>Cloud address (Keystone)</th><td><code>{e(cloud['auth']['auth_url'])}</code></td></tr>
<tr><th>User</th><td><code>{e(s.user)}</code></td></tr>
<tr><th>Password</th><td><code>{e(s.password)}</code></td></tr>
<tr><th>Project</th><td><code>{e(s.project)}</code></td></tr>
<tr><th>Region</th><td><code>{e(REGION)}</code></td></tr>
</table>
<h2>Connect in three steps</h2>
<ol>
<li>Save the text below as <code>~/.config/openstack/clouds.yaml</code> (or ask for your file:
<code>students/{e(s.slug)}/clouds.yaml</code>).</li>
<li>Open JupyterLab on the course and run <code>00-setup-check.ipynb</code>: it says
<b>ready</b> when it reaches the cloud as <code>{e(s.user)}</code>.</li>
<li>The notebooks use the cloud called <code>lab-demo</code>: it is yours. Your project is
yours alone; the instructor shows the administrator steps.</li>
</ol>
<pre>{e(clouds_text)}</pre>
</section>""")
    return ("<!doctype html><meta charset='utf-8'><title>Workshop handouts</title><style>"
            "body{font-family:sans-serif} .page{page-break-after:always;margin:2em}"
            "th{text-align:left;padding-right:1em} pre{background:#f4f4f4;padding:1em}"
            "</style>\n" + "\n".join(pages))


# ---------------------------------------------------------------- the cloud
def _connect(lab: Lab, user: str, password: str, project: str) -> Any:
    import openstack  # the course environment has it; see the module docstring
    return openstack.connect(
        auth_url=lab.auth_url, username=user, password=password, project_name=project,
        user_domain_name="Default", project_domain_name="Default", region_name=REGION,
        load_yaml_config=False, load_envvars=False)


def admin_conn(lab: Lab) -> Any:
    return _connect(lab, "admin", lab.secrets["admin"], "admin")


def student_conn(lab: Lab, student: Student) -> Any:
    return _connect(lab, student.user, student.password, student.project)


def _each(func: Callable[[Student], Any], students: Iterable[Student]) -> list[Any]:
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(func, students))


def ensure_student(admin: Any, student: Student, quotas: dict[str, dict[str, int]]) -> None:
    """Project, user, role, quotas and starting network of one student; safe to repeat."""
    ident = admin.identity
    project = ident.find_project(student.project, domain_id="default", ignore_missing=True)
    if project is None:
        project = ident.create_project(
            name=student.project, domain_id="default", tags=[room_tag()],
            description=f"Workshop project of {student.name} ({room_tag()})")
    user = ident.find_user(student.user, domain_id="default", ignore_missing=True)
    if user is None:
        user = ident.create_user(name=student.user, password=student.password,
                                 domain_id="default", default_project_id=project.id,
                                 description=f"Workshop student {student.name} ({room_tag()})")
    elif not is_ours(user):
        raise LabError(f"a user {student.user!r} already exists and is not a workshop student",
                       "rename the student in your list")
    else:  # re-running create keeps the roster's password valid
        ident.update_user(user, password=student.password)
    for role in LEARNER_ROLES:
        ident.assign_project_role_to_user(project, user, ident.find_role(role))
    admin.compute.update_quota_set(project.id, **quotas["compute"])
    admin.block_storage.update_quota_set(project.id, **quotas["block_storage"])
    admin.network.update_quota(project.id, **quotas["network"])
    ensure_network(admin, project.id)


def ensure_network(admin: Any, project_id: str) -> None:
    """The student's ``demo-net``, subnet and ``demo-router`` to ``public``, like demo's."""
    net_api = admin.network
    nets = list(net_api.networks(name="demo-net", project_id=project_id))
    net = nets[0] if nets else net_api.create_network(name="demo-net", project_id=project_id)
    subnets = list(net_api.subnets(network_id=net.id))
    subnet = subnets[0] if subnets else net_api.create_subnet(
        name="demo-subnet", network_id=net.id, project_id=project_id, ip_version=4,
        cidr=STUDENT_CIDR, dns_nameservers=[])
    if not list(net_api.routers(name="demo-router", project_id=project_id)):
        public = net_api.find_network("public", ignore_missing=False)
        router = net_api.create_router(name="demo-router", project_id=project_id,
                                       external_gateway_info={"network_id": public.id})
        net_api.add_interface_to_router(router, subnet_id=subnet.id)


def create(lab: Lab, names: Sequence[str], *, address: str | None = None,
           quotas: dict[str, dict[str, int]] | None = None) -> tuple[list[Student], float]:
    """Add these students to the classroom (existing ones keep their password)."""
    started = time.monotonic()
    roster = load_roster(lab)
    known = {s.slug: s for s in roster}
    wanted = plan(names)
    students = [known.get(s.slug, s) for s in wanted]
    merged = {**known, **{s.slug: s for s in students}}
    save_roster(lab, list(merged.values()))  # passwords are kept before any user exists
    admin = admin_conn(lab)
    _each(lambda s: ensure_student(admin, s, quotas or QUOTAS), students)
    write_student_files(lab, list(merged.values()), address)
    return students, time.monotonic() - started


def progress(lab: Lab, roster: Sequence[Student]) -> Any:
    """A ProgressTable of every student's exercise records, read from their own projects."""
    from osworkshop.checks import load_exercises
    from osworkshop.classroom import ProgressTable, progress_rows, read_progress
    exercises = sorted(load_exercises())

    def one(s: Student) -> tuple[str, dict[str, Any]]:
        return s.slug, read_progress(student_conn(lab, s))

    headers, rows = progress_rows(dict(_each(one, roster)), exercises)
    return ProgressTable(headers, rows)


def progress_view() -> Any:
    """The room's progress for the instructor's JupyterLab: run ``progress_view()`` in a cell
    (``from labsetup.classroom import progress_view``); it renders as a table."""
    lab = Lab.load()
    return progress(lab, load_roster(lab))


def reset_student(lab: Lab, student: Student) -> dict[str, int]:
    """Empty one student's project (their progress records stay) and give back the
    starting network."""
    from osworkshop.classroom import PROGRESS_CONTAINER, wipe_project
    counts = wipe_project(student_conn(lab, student), keep_containers=[PROGRESS_CONTAINER])
    admin = admin_conn(lab)
    project = admin.identity.find_project(student.project, ignore_missing=False)
    ensure_network(admin, project.id)
    return counts


#: What teardown verifies, with how the admin finds a project's leftovers.
ADMIN_KINDS: dict[str, Callable[[Any, str], Iterable[Any]]] = {
    "servers": lambda a, p: a.compute.servers(all_projects=True, project_id=p),
    "ports": lambda a, p: a.network.ports(project_id=p),
    "networks": lambda a, p: a.network.networks(project_id=p),
    "routers": lambda a, p: a.network.routers(project_id=p),
    "floating IPs": lambda a, p: a.network.ips(project_id=p),
    "security groups": lambda a, p: [g for g in a.network.security_groups()
                                     if g.project_id == p],
    "volumes": lambda a, p: a.block_storage.volumes(all_projects=True, project_id=p),
    "snapshots": lambda a, p: a.block_storage.snapshots(all_projects=True, project_id=p),
    "images": lambda a, p: a.image.images(owner=p),
}


def left_in(admin: Any, project_ids: Sequence[str]) -> dict[str, int]:
    return {kind: sum(len(list(finder(admin, p))) for p in project_ids)
            for kind, finder in ADMIN_KINDS.items()}


def _students_of(admin: Any, projects: Sequence[Any], roster: Sequence[Student]) -> list[Student]:
    """A login for every classroom project; a student missing from the roster (a lost
    roster.json) gets a fresh password from the admin so that their project can be emptied."""
    by_project = {s.project: s for s in roster}
    students = []
    for project in projects:
        student = by_project.get(project.name)
        if student is None:
            slug = project.name.removeprefix(PROJECT_PREFIX)
            student = Student(name=slug, slug=slug, password=_password(16))
            user = admin.identity.find_user(slug, domain_id="default", ignore_missing=True)
            if user is None:
                user = admin.identity.create_user(
                    name=slug, password=student.password, domain_id="default",
                    description=f"Workshop student {slug} ({room_tag()})")
            elif not is_ours(user):
                continue  # not ours to touch: the admin sweep below reports what stays
            else:
                admin.identity.update_user(user, password=student.password)
            for role in LEARNER_ROLES:
                admin.identity.assign_project_role_to_user(
                    project, user, admin.identity.find_role(role))
        students.append(student)
    return students


def teardown(lab: Lab, roster: Sequence[Student]) -> dict[str, int]:
    """Remove every student's resources, users and projects; return what is left by kind."""
    from osworkshop.classroom import inventory, wipe_project
    admin = admin_conn(lab)
    projects = [p for p in admin.identity.projects() if is_ours(p)]
    project_ids = [p.id for p in projects]

    def empty(s: Student) -> int:
        conn = student_conn(lab, s)
        wipe_project(conn)
        return len(inventory(conn, ("containers",)).get("containers", []))

    containers_left = sum(_each(empty, _students_of(admin, projects, roster)))
    for group in admin.network.security_groups():  # what a student cannot remove
        if group.project_id in project_ids:
            admin.network.delete_security_group(group, ignore_missing=True)
    left = left_in(admin, project_ids)
    left["containers and objects"] = containers_left
    for u in admin.identity.users():
        if is_ours(u):
            admin.identity.delete_user(u, ignore_missing=True)
    for p in projects:
        admin.identity.delete_project(p, ignore_missing=True)
    left["users"] = sum(1 for u in admin.identity.users() if is_ours(u))
    left["projects"] = sum(1 for p in admin.identity.projects() if is_ours(p))
    if any(left.values()):  # keep the logins: a second teardown needs them
        return left
    shutil.rmtree(lab.paths.home / room(), ignore_errors=True)  # roster, handouts, clouds.yaml
    return left
