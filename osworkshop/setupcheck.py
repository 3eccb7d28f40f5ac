"""Notebook 00, the setup check: is everything the course needs in place?

Each ``*_info``/``*_rows`` function asks one question and returns plain data; each ``judge_*``
function turns that data into a :class:`Step` (passed, failed with ONE :class:`CourseError`, or
skipped); each ``*_html`` function renders the data as a small table. A :class:`Report` collects
the steps and ends with one line: ``ready`` or the list of problems.
"""

from __future__ import annotations

import html
import os
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from .connect import ALIASES, DEFAULT_ADMIN_CLOUD, DEFAULT_CLOUD
from .data import load
from .errors import LAB_STATUS, LAB_UP, CourseError, explain

# --------------------------------------------------------------------------- steps and report

T = TypeVar("T")


@dataclass
class Step:
    """One checked item: ``ok`` True (passed), False (failed) or None (skipped on purpose)."""

    name: str
    ok: bool | None
    summary: str
    problem: CourseError | None = None

    def _repr_html_(self) -> str:
        if self.problem is not None:
            return f"<p><b>{_e(self.name)}</b></p>" + self.problem.to_html()
        mark = "&#10004;" if self.ok else "&#8631; skipped"
        color = "#27ae60" if self.ok else "#7f8c8d"
        return (
            f'<p style="border-left:6px solid {color};padding:0.3em 1em">'
            f"{mark} <b>{_e(self.name)}</b>: {_code(self.summary)}</p>"
        )

    def __str__(self) -> str:
        if self.problem is not None:
            return f"PROBLEM {self.name}: {self.problem.title}. {self.problem.what_to_do}"
        return f"{'OK' if self.ok else 'SKIPPED'} {self.name}: {self.summary}"


def passed(name: str, summary: str) -> Step:
    return Step(name, True, summary)


def skipped(name: str, why: str) -> Step:
    return Step(name, None, why)


def failed(name: str, problem: CourseError) -> Step:
    return Step(name, False, problem.title, problem)


def explain_exception(exc: BaseException) -> CourseError:
    """ONE learner-friendly message for ``exc``, using :func:`osworkshop.errors.explain`.

    openstacksdk sometimes wraps the real error (``Connection.authorize()`` turns keystone's
    401 into a bare ``SDKException``), so the exception and then its causes are tried in turn.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        err = explain(current)
        if err is not None:
            err.original = exc
            return err
        current = current.__cause__ or current.__context__
    text = f"{type(exc).__name__}: {exc}"
    return CourseError(
        f"Unexpected error ({text[:200]})",
        text,
        f"Read the message above. If you use the course lab, `{LAB_STATUS}` shows whether a "
        "service is down.",
        original=exc,
    )


@dataclass
class Report:
    """The steps checked so far; :meth:`summary` gives ``ready`` or the list of problems."""

    steps: list[Step] = field(default_factory=list)

    def add(self, step: Step) -> Step:
        """Record ``step`` (replacing an earlier step of the same name, so cells can be re-run)."""
        self.steps = [s for s in self.steps if s.name != step.name] + [step]
        return step

    def attempt(self, name: str, func: Callable[[], Any]) -> Any:
        """Run ``func``; if it raises, record a failed step with one clear message and return None."""
        try:
            return func()
        except Exception as exc:  # noqa: BLE001 - every failure becomes one message in the report
            self.add(failed(name, explain_exception(exc)))
            return None

    def check(self, name: str, func: Callable[[], T], judge: Callable[[T], Step]) -> T | None:
        """Run ``func`` and record ``judge(result)``; if ``func`` raises, record the explained error."""
        try:
            result = func()
        except Exception as exc:  # noqa: BLE001 - every failure becomes one message in the report
            self.add(failed(name, explain_exception(exc)))
            return None
        self.add(judge(result))
        return result

    def step(self, name: str) -> Step | None:
        """The recorded step called ``name`` (shows as a tick, a skip or one error box)."""
        return next((s for s in self.steps if s.name == name), None)

    @property
    def problems(self) -> list[Step]:
        return [s for s in self.steps if s.ok is False]

    @property
    def ready(self) -> bool:
        return bool(self.steps) and not self.problems

    def summary(self) -> str:
        if not self.steps:
            return "nothing checked yet: run the cells above first"
        if self.ready:
            skipped_steps = [s.name for s in self.steps if s.ok is None]
            extra = f" (skipped: {', '.join(skipped_steps)})" if skipped_steps else ""
            return f"ready{extra}"
        lines = [f"{len(self.problems)} problem(s):"]
        for step in self.problems:
            assert step.problem is not None
            lines.append(f"- {step.name}: {step.problem.title}. {step.problem.what_to_do}")
        return "\n".join(lines)

    def finish(self) -> str:
        """Print the summary line. Under OSWORKSHOP_STRICT (the test suite) a problem raises."""
        text = self.summary()
        print(text)
        if not self.ready and os.environ.get("OSWORKSHOP_STRICT"):
            raise AssertionError(text)
        return text

    def _repr_html_(self) -> str:
        return "".join(step._repr_html_() for step in self.steps)


# --------------------------------------------------------------------------- html helpers


def _e(text: Any) -> str:
    return html.escape(str(text))


def _code(text: Any) -> str:
    """Escape ``text``; `backticked` parts become <code>."""
    parts = _e(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A small HTML table with escaped cells."""
    head = "".join(f"<th style='text-align:left'>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{_code(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --------------------------------------------------------------------------- clouds.yaml


#: Names openstacksdk invents when there is no real cloud entry.
_PSEUDO_CLOUDS = ("defaults", "envvars")


@dataclass
class CloudsInfo:
    """What openstacksdk found: the file it read, the clouds in it, and which one the course uses."""

    file: str | None
    secure_file: str | None
    searched: list[str]
    clouds: list[str]
    chosen: str
    chosen_by: str
    admin_cloud: str


def choose_cloud(
    cloud: str | None = None, environ: Mapping[str, str] | None = None
) -> tuple[str, str]:
    """The cloud the course uses and why, with the same precedence as ``osworkshop.connect``."""
    env = os.environ if environ is None else environ
    if cloud:
        return cloud, "the argument to connect()"
    for var in ("OSWORKSHOP_CLOUD", "OS_CLOUD"):
        if env.get(var):
            return env[var], f"${var}"
    return DEFAULT_CLOUD, "the course default (neither $OSWORKSHOP_CLOUD nor $OS_CLOUD is set)"


def clouds_info(
    cloud: str | None = None, config: Any = None, environ: Mapping[str, str] | None = None
) -> CloudsInfo:
    """Read the cloud configuration the way openstacksdk does (``config`` is for tests)."""
    from openstack.config import OpenStackConfig, loader

    env = os.environ if environ is None else environ
    cfg = config if config is not None else OpenStackConfig()
    searched = list(loader.CONFIG_FILES)
    if env.get("OS_CLIENT_CONFIG_FILE"):
        searched.insert(0, env["OS_CLIENT_CONFIG_FILE"])
    names = sorted(n for n in cfg.get_cloud_names() if n not in _PSEUDO_CLOUDS)
    if "envvars" in cfg.get_cloud_names():
        names.append("envvars")
    chosen, why = choose_cloud(cloud, env)
    return CloudsInfo(
        file=getattr(cfg, "config_filename", None),
        secure_file=getattr(cfg, "secure_config_filename", None),
        searched=searched,
        clouds=names,
        chosen=chosen,
        chosen_by=why,
        admin_cloud=env.get("OSWORKSHOP_ADMIN_CLOUD") or DEFAULT_ADMIN_CLOUD,
    )


def judge_clouds(info: CloudsInfo) -> Step:
    name = "clouds.yaml"
    if info.file is None and "envvars" not in info.clouds:
        return failed(
            name,
            CourseError(
                "No clouds.yaml found",
                "openstacksdk looked in the current directory, ~/.config/openstack/ and "
                "/etc/openstack/ and found no clouds.yaml.",
                f"In the course lab, `{LAB_UP}` writes it for you. For another cloud, create "
                "~/.config/openstack/clouds.yaml with an entry for it (see the example below).",
            ),
        )
    if info.chosen not in info.clouds:
        found = ", ".join(f"`{c}`" for c in info.clouds) or "none"
        return failed(
            name,
            CourseError(
                f"The cloud `{info.chosen}` is not in clouds.yaml",
                f"The course wants `{info.chosen}` (chosen by {info.chosen_by}), but "
                f"{info.file or 'the configuration'} only has: {found}.",
                "Set OSWORKSHOP_CLOUD to one of the clouds found, or add an entry called "
                f"`{info.chosen}` to clouds.yaml, then run the setup cell again.",
            ),
        )
    return passed(name, f"using `{info.chosen}` from {info.file or 'environment variables'}")


def clouds_html(info: CloudsInfo) -> str:
    rows = [
        ("File in use", info.file or "none"),
        ("Secrets file (secure.yaml)", info.secure_file or "none"),
        (
            "Looked for, in order",
            " → ".join(dict.fromkeys(p for p in info.searched if p.endswith(".yaml"))),
        ),
        ("Clouds in it", ", ".join(f"`{c}`" for c in info.clouds) or "none"),
        ("Cloud the course uses", f"`{info.chosen}`"),
        ("Chosen by", info.chosen_by),
        (
            "Admin cloud",
            f"`{info.admin_cloud}` ({'present' if info.admin_cloud in info.clouds else 'absent'})",
        ),
    ]
    return table(("", ""), rows)


# --------------------------------------------------------------------------- login


@dataclass
class LoginInfo:
    """Who the token says you are."""

    cloud: str
    auth_url: str
    region: str
    user: str
    user_domain: str
    project: str
    project_id: str
    roles: list[str]
    token_start: str
    expires: str


def login_info(conn: Any) -> LoginInfo:
    """Log in (if not yet) and read user, project and roles from the token."""
    conn.authorize()
    access = conn.session.auth.get_access(conn.session)
    config = getattr(conn, "config", None)
    auth = dict(getattr(config, "auth", None) or {})
    token = str(getattr(access, "auth_token", "") or "")
    return LoginInfo(
        cloud=str(getattr(config, "name", "") or ""),
        auth_url=str(auth.get("auth_url", "")),
        region=str(getattr(config, "region_name", "") or ""),
        user=str(access.username),
        user_domain=str(getattr(access, "user_domain_name", "") or ""),
        project=str(access.project_name),
        project_id=str(access.project_id),
        roles=sorted(access.role_names or []),
        token_start=token[:8],
        expires=str(access.expires),
    )


def judge_login(info: LoginInfo) -> Step:
    if not info.roles:
        return failed(
            "login",
            CourseError(
                "You have no role in this project",
                f"The token for {info.user} in project {info.project} carries no roles.",
                "Ask the cloud's administrator to give you the member role in the project.",
            ),
        )
    return passed(
        "login", f"{info.user} in project {info.project} with roles {', '.join(info.roles)}"
    )


def login_html(info: LoginInfo) -> str:
    rows = [
        ("Cloud", f"`{info.cloud}`"),
        ("Identity endpoint (auth_url)", info.auth_url),
        ("Region", info.region),
        ("User", f"{info.user} (domain {info.user_domain})"),
        ("Project", f"{info.project} ({info.project_id})"),
        ("Roles", ", ".join(info.roles)),
        ("Token", f"{info.token_start}… (secret, never share it)"),
        ("Token expires", info.expires),
    ]
    return table(("", ""), rows)


# --------------------------------------------------------------------------- services


#: What the course loses without each of its services (by catalog type).
COURSE_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "identity": (
        (),
        "Nothing works: every call needs a token from Keystone.",
    ),
    "compute": (
        ("01", "05", "09", "10", "12"),
        "No servers can be booted, so flavors, hypervisors, migration and evacuation are skipped.",
    ),
    "placement": (
        ("05", "09"),
        (
            "The cells that read capacity (resource providers) are skipped; a working Nova "
            "always has Placement, it may just be hidden from you."
        ),
    ),
    "image": (
        ("01", "05", "06"),
        "No images: nothing to boot from, and the image notebook cannot run.",
    ),
    "network": (
        ("01", "05", "07", "12"),
        "No networks, routers or security groups; servers cannot get a port.",
    ),
    "block-storage": (
        ("08", "12"),
        "No volumes or snapshots: only ephemeral disks remain.",
    ),
    "object-store": (
        ("08",),
        "No containers or objects: the Swift part of the storage notebook is skipped.",
    ),
}


@dataclass
class ServiceRow:
    """One course service: its codename and type, and what the catalog lists for it."""

    codename: str
    service_type: str
    function: str
    catalog_type: str | None
    endpoint: str | None

    @property
    def present(self) -> bool:
        return self.catalog_type is not None


def course_services() -> list[dict[str, Any]]:
    """The services the course lab runs, from data/codenames.yaml (``in_lab: true``)."""
    return [c for c in load("codenames") if c["in_lab"]]


def service_rows(catalog: Sequence[Mapping[str, str]]) -> list[ServiceRow]:
    """Match the course's services against a catalog from ``osworkshop.services(conn)``."""
    rows = []
    for record in course_services():
        wanted = ALIASES.get(record["service_type"], (record["service_type"],))
        match = next((c for c in catalog if c["type"] in wanted), None)
        rows.append(
            ServiceRow(
                codename=record["codename"],
                service_type=record["service_type"],
                function=record["function"],
                catalog_type=match["type"] if match else None,
                endpoint=match["endpoint"] if match else None,
            )
        )
    return rows


def missing_services(rows: Sequence[ServiceRow]) -> list[ServiceRow]:
    return [r for r in rows if not r.present]


def _titles() -> dict[str, str]:
    return {o["number"]: o["title"] for o in load("outline")}


def impact(service_type: str) -> str:
    """What the course loses without ``service_type``, naming the notebooks concerned."""
    notebooks, what = COURSE_NEEDS.get(service_type, ((), "Some cells are skipped."))
    titles = _titles()
    where = ", ".join(f"{n} {titles.get(n, '')}".strip() for n in notebooks)
    return f"{what} Affects: {where}." if where else what


def judge_services(rows: Sequence[ServiceRow]) -> Step:
    missing = missing_services(rows)
    if not missing:
        return passed("services", f"all {len(rows)} course services are in the catalog")
    listing = "; ".join(
        f"{r.codename} ({r.service_type}): {impact(r.service_type)}" for r in missing
    )
    return failed(
        "services",
        CourseError(
            f"This cloud lacks {len(missing)} course service(s): "
            + ", ".join(r.codename for r in missing),
            listing,
            "You can still follow the course: the cells that need a missing service are "
            f"skipped. For every part, use the course lab (`{LAB_UP}`) or a cloud that has "
            "these services.",
        ),
    )


def catalog_html(catalog: Sequence[Mapping[str, str]]) -> str:
    return table(
        ("Type", "Name", "Public endpoint"),
        ((c["type"], c["name"], c["endpoint"]) for c in catalog),
    )


def services_html(rows: Sequence[ServiceRow]) -> str:
    out = []
    for r in rows:
        status = f"yes, as `{r.catalog_type}`" if r.present else "MISSING"
        out.append(
            (r.codename, r.service_type, status, "" if r.present else impact(r.service_type))
        )
    return table(("Codename", "Service type", "In this cloud", "If missing"), out)


# --------------------------------------------------------------------------- hypervisors


@dataclass
class HypervisorRow:
    name: str
    hypervisor_type: str
    version: str
    state: str
    status: str
    host_ip: str


def hypervisor_rows(admin: Any) -> list[HypervisorRow]:
    """The compute nodes (hypervisors) Nova knows; needs an admin connection."""
    return sorted(
        (
            HypervisorRow(
                name=str(h.name),
                hypervisor_type=str(h.hypervisor_type),
                version=str(h.hypervisor_version),
                state=str(h.state),
                status=str(h.status),
                host_ip=str(h.host_ip),
            )
            for h in admin.compute.hypervisors(details=True)
        ),
        key=lambda r: r.name,
    )


def judge_hypervisors(rows: Sequence[HypervisorRow] | None) -> Step:
    name = "hypervisors"
    if rows is None:
        return skipped(name, "no admin cloud, so the compute hosts were not listed")
    if not rows:
        return failed(
            name,
            CourseError(
                "Nova has no compute hosts",
                "The hypervisor list is empty, so no server can be booted.",
                f"In the course lab run `{LAB_STATUS}`: the nova-compute services should be up.",
            ),
        )
    down = [r.name for r in rows if r.state != "up" or r.status != "enabled"]
    if down:
        return failed(
            name,
            CourseError(
                f"Compute host(s) not usable: {', '.join(down)}",
                "A hypervisor that is down or disabled takes no new servers.",
                f"In the course lab run `{LAB_STATUS}` and `{LAB_UP}`; an admin re-enables a "
                "disabled host with `openstack compute service set --enable HOST nova-compute`.",
            ),
        )
    return passed(name, f"{len(rows)} compute host(s) up: {', '.join(r.name for r in rows)}")


def hypervisors_html(rows: Sequence[HypervisorRow]) -> str:
    return table(
        ("Name", "Type", "Version", "State", "Status", "Host IP"),
        ((r.name, r.hypervisor_type, r.version, r.state, r.status, r.host_ip) for r in rows),
    )


# --------------------------------------------------------------------------- quotas


#: The quota entries the course looks at, per service.
QUOTA_RESOURCES: dict[str, tuple[str, ...]] = {
    "compute": ("instances", "cores", "ram", "key_pairs", "server_groups"),
    "network": (
        "networks",
        "subnets",
        "ports",
        "routers",
        "floating_ips",
        "security_groups",
        "security_group_rules",
    ),
    "block-storage": ("volumes", "gigabytes", "snapshots", "backups"),
}

UNITS = {"ram": "MiB", "gigabytes": "GiB"}

#: Errors meaning "this cloud or your role cannot show that": the service is skipped.
_NOT_OFFERED = (
    ksa_exc.EndpointNotFound,
    sdk_exc.EndpointNotFound,
    sdk_exc.ServiceDiscoveryException,
    sdk_exc.ServiceDisabledException,
)


@dataclass
class QuotaRow:
    service: str
    resource: str
    limit: int
    in_use: int | None

    @property
    def full(self) -> bool:
        return self.limit >= 0 and self.in_use is not None and self.in_use >= self.limit


@dataclass
class Quotas:
    rows: list[QuotaRow]
    #: service -> why it was not read (missing service, or the explained error)
    notes: dict[str, CourseError | str] = field(default_factory=dict)


def _usage_of(quota: Any) -> dict[str, Any]:
    usage = getattr(quota, "usage", None)
    return dict(usage) if isinstance(usage, Mapping) else {}


def _read_compute(conn: Any, project_id: str) -> list[QuotaRow]:
    quota = conn.compute.get_quota_set(project_id, usage=True)
    usage = _usage_of(quota)
    return [
        QuotaRow("compute", r, int(getattr(quota, r)), usage.get(r))
        for r in QUOTA_RESOURCES["compute"]
        if getattr(quota, r, None) is not None
    ]


def _read_network(conn: Any, project_id: str) -> list[QuotaRow]:
    quota = conn.network.get_quota(project_id, details=True)
    rows = []
    for r in QUOTA_RESOURCES["network"]:
        value = getattr(quota, r, None)
        if isinstance(value, Mapping):
            rows.append(QuotaRow("network", r, int(value["limit"]), value.get("used")))
        elif value is not None:
            rows.append(QuotaRow("network", r, int(value), None))
    return rows


def _read_block_storage(conn: Any, project_id: str) -> list[QuotaRow]:
    quota = conn.block_storage.get_quota_set(project_id, usage=True)
    usage = _usage_of(quota)
    return [
        QuotaRow("block-storage", r, int(getattr(quota, r)), usage.get(r))
        for r in QUOTA_RESOURCES["block-storage"]
        if getattr(quota, r, None) is not None
    ]


_QUOTA_READERS: dict[str, Callable[[Any, str], list[QuotaRow]]] = {
    "compute": _read_compute,
    "network": _read_network,
    "block-storage": _read_block_storage,
}


def quota_rows(conn: Any, project_id: str | None = None) -> Quotas:
    """Limits and usage of the project (default: the one you are logged in to)."""
    project = project_id or conn.current_project_id
    result = Quotas(rows=[])
    for service, reader in _QUOTA_READERS.items():
        try:
            result.rows.extend(reader(conn, project))
        except _NOT_OFFERED:
            result.notes[service] = "this cloud does not offer the service"
        except Exception as exc:  # noqa: BLE001 - reported as one message per service
            result.notes[service] = explain_exception(exc)
    return result


def judge_quotas(quotas: Quotas) -> Step:
    name = "quotas"
    errors = {s: n for s, n in quotas.notes.items() if isinstance(n, CourseError)}
    if errors:
        service, err = next(iter(errors.items()))
        return failed(
            name,
            CourseError(
                f"Could not read the {service} quota: {err.title}",
                err.detail,
                err.what_to_do,
                original=err.original,
            ),
        )
    full = [r for r in quotas.rows if r.full]
    if full:
        listing = ", ".join(f"{r.resource} ({r.in_use} of {r.limit})" for r in full)
        return failed(
            name,
            CourseError(
                "Part of your quota is used up",
                f"The project has no room left for: {listing}.",
                "Delete what you no longer need (each notebook's last cell cleans up after "
                "it), or ask an administrator to raise the quota.",
            ),
        )
    return passed(name, f"{len(quotas.rows)} quota entries read, none used up")


def _fmt_limit(value: int | None) -> str:
    if value is None:
        return "?"
    return "unlimited" if value < 0 else str(value)


def quotas_html(quotas: Quotas) -> str:
    rows = [
        (
            r.service,
            r.resource + (f" ({UNITS[r.resource]})" if r.resource in UNITS else ""),
            _fmt_limit(r.limit),
            _fmt_limit(r.in_use),
        )
        for r in quotas.rows
    ]
    for service, note in quotas.notes.items():
        text = note.title if isinstance(note, CourseError) else note
        rows.append((service, "(not read)", text, ""))
    return table(("Service", "Resource", "Limit", "In use"), rows)


# --------------------------------------------------------------------------- packages


#: Distribution names the course checks; osworkshop is looked up by its import name.
COURSE_PACKAGES = ("openstacksdk", "ipywidgets", "jupyterlab", "osworkshop")


@dataclass
class CourseSpec:
    """The requirements the installer reads: dependencies, Python and the course's own version."""

    source: str
    requires: dict[str, str]
    python: str
    version: str


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _distribution_of(import_name: str) -> str:
    """The installed distribution that provides ``import_name`` (osworkshop has another name)."""
    dists = metadata.packages_distributions().get(import_name)
    return dists[0] if dists else import_name


def pyproject_path() -> Path:
    return Path(__file__).resolve().parent.parent / "pyproject.toml"


def course_spec(pyproject: Path | None = None) -> CourseSpec:
    """Read pyproject.toml; if it is not there (a plain install), the installed metadata."""
    path = pyproject or pyproject_path()
    if path.is_file():
        project = tomllib.loads(path.read_text(encoding="utf-8"))["project"]
        deps = project.get("dependencies", [])
        python, version, source = project.get("requires-python", ""), project["version"], str(path)
    else:
        dist = _distribution_of("osworkshop")
        meta = metadata.metadata(dist)
        deps = [d for d in (metadata.requires(dist) or []) if "extra ==" not in d]
        python, version = meta.get("Requires-Python", ""), meta["Version"]
        source = f"installed metadata of {dist}"
    requires = {}
    for dep in deps:
        req = Requirement(dep)
        requires[_canonical(req.name)] = str(req.specifier)
    return CourseSpec(source, requires, python, version)


@dataclass
class PackageRow:
    name: str
    distribution: str
    installed: str | None
    required: str

    @property
    def ok(self) -> bool:
        if self.installed is None:
            return False
        try:
            return SpecifierSet(self.required).contains(Version(self.installed), prereleases=True)
        except InvalidVersion:
            return False


def package_rows(
    spec: CourseSpec,
    names: Sequence[str] = COURSE_PACKAGES,
    version_of: Callable[[str], str] = metadata.version,
    python_version: str | None = None,
) -> list[PackageRow]:
    """Installed versions (``importlib.metadata``) against the spec, plus Python itself."""
    py = python_version or ".".join(str(p) for p in sys.version_info[:3])
    rows = [PackageRow("python", "python", py, spec.python)]
    for name in names:
        if name == "osworkshop":
            dist, required = _distribution_of(name), f"=={spec.version}"
        else:
            dist, required = name, spec.requires.get(_canonical(name), "")
        try:
            installed: str | None = version_of(dist)
        except metadata.PackageNotFoundError:
            installed = None
        rows.append(PackageRow(name, dist, installed, required))
    return rows


def judge_packages(rows: Sequence[PackageRow], spec: CourseSpec) -> Step:
    bad = [r for r in rows if not r.ok]
    if not bad:
        return passed("packages", f"{len(rows)} versions match {spec.source}")
    listing = ", ".join(
        f"{r.name} {r.installed or 'not installed'} (needs {r.required or 'any version'})"
        for r in bad
    )
    return failed(
        "packages",
        CourseError(
            f"{len(bad)} package version(s) do not match the course",
            f"{listing}; the requirements come from {spec.source}.",
            "Reinstall the course package into this kernel's environment: "
            "`python -m pip install -e .` from the repository (in the course lab, "
            f"`{LAB_UP}` does it), then restart the kernel.",
        ),
    )


def packages_html(rows: Sequence[PackageRow]) -> str:
    return table(
        ("Package", "Distribution", "Installed", "Course needs", "OK"),
        (
            (
                r.name,
                r.distribution,
                r.installed or "not installed",
                r.required or "any",
                "yes" if r.ok else "NO",
            )
            for r in rows
        ),
    )


# --------------------------------------------------------------------------- admin


def try_admin(report: Report | None = None) -> Any:
    """The admin connection, or None when there is no admin cloud (its cells are then skipped)."""
    from openstack.config import OpenStackConfig

    from .connect import admin as connect_admin

    name = os.environ.get("OSWORKSHOP_ADMIN_CLOUD") or DEFAULT_ADMIN_CLOUD
    try:
        names = OpenStackConfig().get_cloud_names()
    except Exception:  # noqa: BLE001 - judge_clouds reports a broken configuration
        names = []
    if name not in names:
        if report is not None:
            report.add(skipped("admin login", f"no cloud `{name}` in clouds.yaml"))
        return None
    try:
        conn = connect_admin()
    except Exception as exc:  # noqa: BLE001 - becomes one message in the report
        if report is not None:
            report.add(failed("admin login", explain_exception(exc)))
        return None
    if report is not None:
        report.add(passed("admin login", f"logged in with cloud `{name}`"))
    return conn
