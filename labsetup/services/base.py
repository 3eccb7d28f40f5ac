"""What every service module shares: the five verbs, config files, uWSGI APIs, checks."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from labsetup.config import PORTS, REGION, Lab
from labsetup.proc import Daemon, http_answers, run, wait_for

Ini = Mapping[str, Mapping[str, object]]


@dataclass(frozen=True)
class Check:
    """One line of ``labsetup status``."""

    service: str
    what: str
    ok: bool
    detail: str = ""


class Service:
    """A lab service with the same verbs as DevStack's ``lib/`` scripts.

    ``apt`` and ``pip`` list what it needs installed (``labsetup.lab`` unions them for the
    installer),
    ``configure`` writes its files and prepares its database (idempotent), ``start`` and
    ``stop`` manage its processes, ``check`` reports whether it works.
    """

    name: str = ""
    apt: Sequence[str] = ()
    pip: Sequence[str] = ()
    databases: Sequence[str] = ()
    #: The API this service answers on (a key of PORTS) and a path that answers without a token.
    api_port: str = ""
    api_path: str = "/"

    def daemons(self, lab: Lab) -> list[Daemon]:
        return []

    def configure(self, lab: Lab) -> None:
        return None

    def start(self, lab: Lab) -> None:
        for d in self.daemons(lab):
            d.start()

    def start_api(self, lab: Lab) -> None:
        """Start the API process (the first daemon of a service with an API)."""
        if self.api_port:
            self.daemons(lab)[0].start()

    def start_workers(self, lab: Lab) -> subprocess.Popen[bytes] | None:
        """Start the other processes; return a launcher still importing them, if any."""
        for d in self.daemons(lab)[1 if self.api_port else 0:]:
            d.start()
        return None

    def wait(self, lab: Lab) -> None:
        """Block until the service answers (called after ``start``)."""
        if self.api_port:
            wait_http(lab, self.daemons(lab)[0], lab.url(self.api_port, self.api_path))

    def stop(self, lab: Lab) -> None:
        threads = [threading.Thread(target=d.stop) for d in self.daemons(lab) if d.running()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    def check(self, lab: Lab) -> list[Check]:
        checks = [Check(self.name, f"process {d.name}", d.running(),
                        f"pid {d.pid()}" if d.running() else
                        f"{'died' if d.died() else 'not running'} (log: {d.logfile})")
                  for d in self.daemons(lab)]
        if self.api_port:
            url = lab.url(self.api_port, self.api_path)
            code = http_answers(url)
            checks.append(Check(self.name, "API answers", code is not None and code < 500,
                                f"HTTP {code} from {url}" if code else f"no answer from {url}"))
        return checks

    # -- helpers -------------------------------------------------------------------------------
    def daemon(self, lab: Lab, name: str, argv: Sequence[str],
               env: Mapping[str, str] | None = None, marker: str = "") -> Daemon:
        return Daemon(name=name, argv=list(argv), run_dir=lab.paths.run, log_dir=lab.paths.log,
                      env=env, marker=marker or name)

    def installed(self, lab: Lab) -> str:
        """The installed versions of the service's packages, e.g. ``nova==34.0.0``."""
        site = sorted(lab.paths.venv.glob("lib/python*/site-packages"))
        found = []
        for package in self.pip:
            wanted = re.sub(r"[-_.]+", "_", package).lower()
            dists = [d.name.removesuffix(".dist-info").rsplit("-", 1)
                     for path in site for d in path.glob("*.dist-info")]
            versions = [v for name, v in dists if re.sub(r"[-_.]+", "_", name).lower() == wanted]
            found.append(f"{package}=={versions[0] if versions else '?'}")
        return " ".join(found)

    def _done(self, lab: Lab, what: str) -> tuple[Path, str]:
        """The marker of a one-time step, and what it must hold: a database schema is synced
        for the installed versions (a course upgrade that moves them runs ``db sync`` again
        on the learner's lab); other steps (rings, passwords) once."""
        text = self.installed(lab) if what == "db" and self.pip else "ok"
        return lab.state(self.name) / f".{what}-done", text + "\n"

    def synced(self, lab: Lab, what: str = "db") -> bool:
        marker, text = self._done(lab, what)
        return marker.exists() and marker.read_text() == text

    def mark_synced(self, lab: Lab, what: str = "db") -> None:
        marker, text = self._done(lab, what)
        marker.write_text(text)

    def launched(self, lab: Lab, name: str, module: str, prog: str, args: Sequence[str],
                 marker: str) -> Daemon:
        """A process run through ``lab_plugins.launch`` (alone, or forked by ``fork_group``)."""
        return self.daemon(lab, name, [str(lab.paths.bin("python")), "-m", "lab_plugins.launch",
                                       module, prog, *args], marker=marker)

    def manage(self, lab: Lab, argv: Sequence[str], what: str,
               env: Mapping[str, str] | None = None) -> str:
        """Run one of the service's management commands (secrets go in ``env``, not argv:
        the command line is logged)."""
        return run([str(lab.paths.bin(argv[0])), *argv[1:]], what=what, env=env,
                   log=lab.paths.log / f"{self.name}-manage.log")


def identity_ready(lab: Lab) -> Path:
    """Exists once Keystone holds the services' users (``labsetup up`` writes it)."""
    return lab.paths.state / "identity-ready"


def fork_group(lab: Lab, group: str, daemons: Sequence[Daemon]) -> subprocess.Popen[bytes] | None:
    """Start the stopped ones of these ``launched`` daemons from one process that imports their
    code once and forks them (shared memory, one import on a 2-core machine instead of many).
    The launcher imports while the APIs start, and forks once Keystone and Placement answer
    and the services' users exist.  Returns it; it exits once it has forked them all."""
    todo = [d for d in daemons if not d.running()]
    if not todo:
        return None
    specs = [{"module": d.argv[3], "prog": d.argv[4], "args": list(d.argv[5:]),
              "pidfile": str(d.pidfile), "logfile": str(d.logfile)} for d in todo]
    spec_file = lab.paths.run / f"{group}-launch.json"
    plan = {"children": specs, "wait_for": {
        "urls": [lab.url("keystone", "/v3"), lab.url("placement", "/")],
        "files": [str(identity_ready(lab))]}}
    spec_file.write_text(json.dumps(plan, indent=1))
    for d in todo:
        d.pidfile.unlink(missing_ok=True)
        with open(d.logfile, "a") as fh:
            fh.write(f"\n==== {time.strftime('%F %T')} starting {d.name} (forked by {group})\n")
    log = lab.paths.log / f"{group}-launcher.log"
    with open(log, "ab") as out:
        return subprocess.Popen([str(lab.paths.bin("python")), "-m", "lab_plugins.launch",
                                 "--group", str(spec_file)], stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def write_ini(path: Path, sections: Ini) -> None:
    """Write an oslo.config / paste style INI file (0600: it holds passwords)."""
    lines: list[str] = []
    for section, options in sections.items():
        lines.append(f"[{section}]")
        for key, value in options.items():
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            lines.append(f"{key} = {value}")
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(lines))


def copy_shipped(lab: Lab, service: str, name: str, dest: Path) -> None:
    """Copy a file a package ships in ``<venv>/etc/<service>/`` (e.g. its paste pipeline)."""
    src = lab.paths.venv / "etc" / service / name
    shutil.copyfile(src, dest)


def policy_in_code(etc: Path, overrides: Mapping[str, tuple[str, str]] | None = None) -> None:
    """Write a service's policy file and policy.d next to its configuration.

    The services use the policies in their code; ``overrides`` (rule name -> (check, why)) are
    the lab's own choices, written on every configure so an upgraded course changes them on an
    existing lab.  oslo.policy still looks for policy.yaml and policy.d: when they are missing
    it searches six directories again on every policy check (a Neutron request makes dozens):
    about 5% of Neutron's samples in a py-spy profile under a room's load (the whole
    benchmark's CPU moved less than its run-to-run noise)."""
    (etc / "policy.d").mkdir(parents=True, exist_ok=True)
    lines = ["# Written by labsetup (labsetup/services/base.py, policy_in_code). The defaults in",
             "# the service's code apply, except for the lab's own choices below."]
    for rule, (check, why) in (overrides or {}).items():
        lines += ["", f"# {why}", f'"{rule}": "{check}"']
    text = "\n".join(lines) + "\n"
    policy = etc / "policy.yaml"
    if not policy.exists() or policy.read_text() != text:
        policy.write_text(text)


def keystone_auth(lab: Lab, user: str) -> dict[str, object]:
    """The [keystone_authtoken]-style options for a service user."""
    return {
        "auth_type": "password",
        "auth_url": lab.auth_url,
        "www_authenticate_uri": lab.auth_url,
        "username": user,
        "password": lab.secrets[user],
        "project_name": "service",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
        "region_name": REGION,
    }


def authtoken(lab: Lab, user: str) -> dict[str, object]:
    return {**keystone_auth(lab, user), "service_token_roles_required": True,
            "memcached_servers": "", "token_cache_time": 300}


def common_default(lab: Lab, service: str) -> dict[str, object]:
    return {"debug": False, "use_stderr": True, "transport_url": lab.transport_url,
            "state_path": str(lab.state(service))}


NO_NOTIFICATIONS = {"driver": "noop"}

#: RPC over RabbitMQ.  Durable queues outlive a broker restart, so after `down` and `up` a
#: nova-compute's first call to the conductor waits in the queue until the conductor is there
#: (with transient queues it is dropped and the compute waits out a 10 s timeout).
RABBIT = {"amqp_durable_queues": True, "heartbeat_timeout_threshold": 0}


def privsep(lab: Lab, conf: str, *sections: str) -> dict[str, dict[str, object]]:
    """Run oslo.privsep helpers straight from the venv (the lab runs as root, without sudo)."""
    helper = f"{lab.paths.bin('privsep-helper')} --config-file {conf}"
    return {section: {"helper_command": helper} for section in sections}


#: uWSGI (processes, threads) of each API.  Default: one process each, the least memory.
#: Classroom: what benchmarks/classroom.py measured best for a room of 30 learners on 2 cores
#: (see README, "Teaching a room").  Threads waiting on another service cost no CPU, so the
#: APIs that wait (the Nova API waits on Neutron, Cinder and the computes) get many.
WORKERS: dict[str, dict[str, tuple[int, int]]] = {
    "default": {"keystone": (1, 4), "glance": (1, 4), "placement": (1, 2), "neutron": (1, 4),
                "nova-api": (1, 4), "cinder-api": (1, 4)},
}
WORKERS["classroom"] = {**WORKERS["default"], "neutron": (2, 4), "nova-api": (2, 8)}


def api_workers(lab: Lab, name: str) -> tuple[int, int]:
    """(processes, threads) for one API; ``LABSETUP_WORKERS=neutron=2x8,...`` overrides
    (for trying settings with the benchmark)."""
    for item in os.environ.get("LABSETUP_WORKERS", "").split(","):
        key, _, value = item.strip().partition("=")
        if key == name and re.fullmatch(r"[1-8]x[1-9][0-9]?", value):
            processes, threads = value.split("x")
            return int(processes), int(threads)
    return WORKERS.get(lab.profile, WORKERS["default"]).get(name, (1, 4))


def uwsgi_api(service: Service, lab: Lab, name: str, module: str, port_name: str,
              env: Mapping[str, str], pyargv: str = "") -> Daemon:
    """A uWSGI server for one OpenStack API, on 127.0.0.1 (or the bind address)."""
    processes, threads = api_workers(lab, name)
    argv = [
        str(lab.paths.bin("uwsgi")),
        "--http-socket", f"{lab.host}:{PORTS[port_name]}",
        "--module", f"{module}:application",
        "--home", str(lab.paths.venv),
        "--procname-prefix-spaced", f"lab-{name}",
        "--processes", str(processes), "--threads", str(threads),
        "--enable-threads",
        "--die-on-term", "--need-app", "--single-interpreter", "--lazy-apps",
        "--buffer-size", "65535",
        # glanceclient streams uploads in 1 MiB chunks: uWSGI's default limit (1 MB) refuses them
        "--chunked-input-limit", str(16 * 1024 * 1024),
        "--add-header", "Connection: close",
        "--disable-logging", "--log-4xx", "--log-5xx",
    ]
    if pyargv:
        argv += ["--pyargv", pyargv]
    return service.daemon(lab, name, argv, env=env, marker=f"lab-{name}")


def wait_http(lab: Lab, daemon: Daemon, url: str, timeout: float = 90) -> float:
    return wait_for(f"{daemon.name} to answer on {url}",
                    lambda: http_answers(url) is not None, timeout, daemon)
