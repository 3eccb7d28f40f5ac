"""The lab as a whole: bring it up (install, configure, start, register), check it, stop it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from labsetup import bootstrap, guest_image, install
from labsetup.clouds import write_clouds_yaml
from labsetup.config import PORTS, Lab, set_guests
from labsetup.proc import (
    Daemon,
    LabError,
    descendants,
    pids_named,
    wait_for,
    wait_port_free,
    who_listens,
)
from labsetup.services.base import Check, Service, identity_ready
from labsetup.services.cinder import Cinder
from labsetup.services.glance import Glance
from labsetup.services.jupyter import JupyterLab
from labsetup.services.keystone import Keystone
from labsetup.services.libvirt import Libvirt
from labsetup.services.mariadb import MariaDB
from labsetup.services.neutron import Neutron
from labsetup.services.nova import COMPUTE_HOSTS, Nova
from labsetup.services.ovn import OVN
from labsetup.services.placement import Placement
from labsetup.services.rabbitmq import RabbitMQ
from labsetup.services.swift import Swift

INFRA: tuple[Service, ...] = (MariaDB(), RabbitMQ())
OPENSTACK: tuple[Service, ...] = (Keystone(), Placement(), Glance(), Neutron(), Nova(), Cinder(),
                                  Swift())
JUPYTER = JupyterLab()
#: The real-guests profile's daemons (``up --guests real``): the virtual network (OVN and a
#: userspace Open vSwitch per host) and one libvirtd per host, inside that host's namespace.
NETWORK = OVN()
LIBVIRT = Libvirt()
REAL = (NETWORK, LIBVIRT)
ALL: tuple[Service, ...] = (*INFRA, *OPENSTACK, JUPYTER)
MIN_MEMORY_GIB = 3.0
MIN_DISK_GIB = 3.0


def infra(lab: Lab) -> tuple[Service, ...]:
    """What starts before OpenStack: the database, the queue and, for real guests, libvirt."""
    return (*INFRA, *REAL) if lab.guests == "real" else INFRA


def every(lab: Lab) -> tuple[Service, ...]:
    """Every service this lab runs, or still runs after a switch of ``--guests``."""
    if lab.guests == "real" or any(d.running() for s in REAL for d in s.daemons(lab)):
        return (*INFRA, *REAL, *OPENSTACK, JUPYTER)
    return ALL


def service(name: str) -> Service:
    for s in (*ALL, *REAL):
        if s.name == name:
            return s
    raise LabError(f"no lab service called {name!r}",
                   "choose one of: " + ", ".join(s.name for s in (*ALL, *REAL)))


class Progress:
    """One line per step with its time: `[ 3/12] Starting RabbitMQ ... ok (3.1 s)`."""

    def __init__(self, total: int, out: object = sys.stdout) -> None:
        self.total, self.n, self.out = total, 0, out
        self.started = time.monotonic()
        self.tty = hasattr(out, "isatty") and out.isatty()  # type: ignore[attr-defined]

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.n += 1
        t0 = time.monotonic()
        print(f"[{self.n:2d}/{self.total}] {title} ...", end="" if self.tty else "\n",
              file=self.out, flush=True)  # type: ignore[arg-type]
        spinner = _Spinner(self.out) if self.tty else None
        try:
            yield
        except BaseException:
            if spinner:
                spinner.stop()
            print(f"{'' if self.tty else '        '} failed ({time.monotonic() - t0:.1f} s)",
                  file=self.out, flush=True)  # type: ignore[arg-type]
            raise
        if spinner:
            spinner.stop()
        print(f"{'' if self.tty else '        '} ok ({time.monotonic() - t0:.1f} s)",
              file=self.out, flush=True)  # type: ignore[arg-type]

    def elapsed(self) -> float:
        return time.monotonic() - self.started


class _Spinner:
    def __init__(self, out: object) -> None:
        self.out, self._stop = out, threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _run(self) -> None:
        for c in itertools.cycle("|/-\\"):
            if self._stop.wait(0.2):
                return
            print(f"{c}\b", end="", file=self.out, flush=True)  # type: ignore[arg-type]

    def stop(self) -> None:
        self._stop.set()
        self.t.join()


# -- pre-flight --------------------------------------------------------------------------------
def mem_available_gib() -> float:
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def preflight(lab: Lab, services: tuple[Service, ...]) -> list[str]:
    """Problems that would stop the lab, each with what to do (empty when all is well)."""
    problems = []
    running = any(d.running() for s in services for d in s.daemons(lab))
    if not running and mem_available_gib() < MIN_MEMORY_GIB:
        problems.append(f"only {mem_available_gib():.1f} GiB of memory is free; the lab needs "
                        f"{MIN_MEMORY_GIB:.0f} GiB. Close other programs, or stop them, and retry.")
    free = shutil.disk_usage(lab.paths.home).free / 1024 ** 3
    if free < MIN_DISK_GIB:
        problems.append(f"only {free:.1f} GiB of disk is free under {lab.paths.home}; "
                        f"the lab needs {MIN_DISK_GIB:.0f} GiB. Free some space, or set "
                        "LABSETUP_HOME to a bigger disk.")
    problems.extend(port_conflicts(lab, services))
    return problems


def port_conflicts(lab: Lab, services: tuple[Service, ...]) -> list[str]:
    """Ports the lab needs that another program holds (ports of our own running daemons are
    fine)."""
    found = []
    for svc in services:
        port_name = svc.api_port or ("rabbitmq" if isinstance(svc, RabbitMQ) else "")
        if not port_name or any(d.running() for d in svc.daemons(lab)):
            continue
        port = PORTS[port_name]
        host = "127.0.0.1" if port_name == "rabbitmq" else lab.host
        if not wait_port_free(port, host):
            found.append(f"port {port} ({svc.name}) is already in use by {who_listens(port)}. "
                         "Stop that program (or an old lab: `python3 -m labsetup down`).")
    return found


def apt_packages(guests: str = "lab") -> list[str]:
    """Debian packages: the build tools and those each service declares (for real guests,
    libvirt's and what the guest image is built from)."""
    real = (*NETWORK.apt, *LIBVIRT.apt, *guest_image.BUILD_APT) if guests == "real" else ()
    return sorted({*install.BASE_APT, *(p for s in ALL for p in s.apt), *real})


def service_packages(guests: str = "lab") -> list[str]:
    """PyPI packages of the services' environment: the ones each service declares and tools."""
    real = LIBVIRT.pip if guests == "real" else ()
    return [*(p for s in OPENSTACK for p in s.pip), *real, *install.SERVICE_TOOLS]


# -- up ----------------------------------------------------------------------------------------
def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")


def jupyter_off(lab: Lab) -> Path:
    """Exists while the lab runs without its own JupyterLab (``up --no-jupyter``)."""
    return lab.paths.state / "jupyter-off"


def install_steps(lab: Lab, p: Progress) -> None:
    """Debian packages, the services' and the course's environments: what `up` does first."""
    real = lab.guests == "real"
    with p.step("Debian packages (MariaDB, RabbitMQ, build tools"
                + (", libvirt, QEMU)" if real else ")")):
        install.install_apt(apt_packages(lab.guests), lab.paths.log / "install.log")
    with p.step("OpenStack 2026.2 services and lab plugins (PyPI)"):
        if install.install_services(lab, service_packages(lab.guests)):
            stop_services(lab, OPENSTACK)  # running ones still have the old code loaded
    with p.step("Course environment (JupyterLab, openstacksdk, course package)"):
        install.install_course(lab)
    if real:
        with p.step("Guest image (Debian's cloud kernel, busybox, dropbear)"):
            guest_image.build(guest_image.image_directory(lab.paths.home),
                              guest_image.cache_directory(lab.paths.home),
                              lab.paths.log / "guest-image.log")


def switch_guests(lab: Lab, guests: str) -> Lab:
    """The lab with its compute hosts set to ``guests`` (remembered); running OpenStack
    services stop, so that the next ``up`` starts Nova with the other driver."""
    if guests == lab.guests:
        return lab
    if running_anything(lab):
        stop_services(lab, OPENSTACK)
    set_guests(lab.paths, guests)
    return dataclasses.replace(lab, guests=guests)


def install_only(lab: Lab, out: object = sys.stdout) -> float:
    """Install everything, start nothing (Binder's build step; a machine prepared ahead)."""
    p = Progress(3 + int(lab.guests == "real"), out)
    install_steps(lab, p)
    return p.elapsed()


def up(lab: Lab, *, jupyter: bool = True, out: object = sys.stdout) -> float:
    """Install what is missing, configure, start and register everything; return seconds."""
    real = lab.guests == "real"
    services = (*infra(lab), *OPENSTACK, *((JUPYTER,) if jupyter else ()))
    problems = preflight(lab, services)
    if problems:
        raise LabError("the lab cannot start:\n" + "\n".join(f"  - {p}" for p in problems))
    p = Progress(9 + int(jupyter) + 2 * int(real), out)
    install_steps(lab, p)
    if not real:  # back from real guests: libvirt powers off its guests, the network goes
        LIBVIRT.stop(lab)
        NETWORK.stop(lab)
    with p.step("Database (MariaDB), message queue (RabbitMQ)"
                + ("; OVN, Open vSwitch and libvirt on both hosts" if real else "")):
        for s in infra(lab):
            s.configure(lab)
            s.start(lab)
        MariaDB().wait(lab)
        if real:
            NETWORK.wait(lab)
            LIBVIRT.wait(lab)
        MariaDB().ensure_databases(lab, [db for s in OPENSTACK for db in s.databases])
    with p.step("Configuration and database schemas of the seven services"):
        for s in OPENSTACK:
            s.configure(lab)
    compute_started = ""
    with p.step("API services; Nova, Cinder and Swift workers importing"):
        if not all(d.running() for s in (Nova(), Cinder()) for d in s.daemons(lab)):
            compute_started = utcnow()
        # Workers fork only after this run has registered the catalog: an earlier run's
        # marker would let them read endpoints that still name another address (--bind).
        identity_ready(lab).unlink(missing_ok=True)
        for s in OPENSTACK:
            s.start_api(lab)
        # Each launcher imports its project now and forks its workers once Keystone,
        # Placement and the services' users are there (see fork_group).
        launchers = [x for s in OPENSTACK if (x := s.start_workers(lab)) is not None]
        Keystone().wait(lab)
    with p.step("Identity and service catalog"):
        bootstrap.register_identity(lab)  # creates what is missing, so `up` also repairs
        identity_ready(lab).touch()
        write_clouds_yaml(lab)
    with p.step("Message queue; Nova conductor, scheduler, two computes; Cinder, Swift"):
        RabbitMQ().wait(lab)
        for launcher in launchers:  # each exits once it has forked its workers
            if launcher.wait(timeout=300) != 0:
                raise LabError(f"a service launcher failed (exit {launcher.returncode}): "
                               f"see {lab.paths.log}/*-launcher.log")
        for s in OPENSTACK:
            s.wait(lab)
    # The content needs only the APIs: create what is missing while the hosts start.
    with p.step("Flavors, image, networks, volume type; compute hosts reporting"), \
            ThreadPoolExecutor(1) as pool:
        content = pool.submit(bootstrap.create_content, lab)
        wait_workers(lab, since=compute_started)
        content.result()
    if real:
        with p.step("Guest image in Glance (kernel, ramdisk, machine image)"):
            bootstrap.register_guest_image(lab)
    if not jupyter:
        jupyter_off(lab).touch()
    else:
        jupyter_off(lab).unlink(missing_ok=True)
        with p.step("JupyterLab"):
            JUPYTER.configure(lab)
            JUPYTER.start(lab)
            JUPYTER.wait(lab)
    return p.elapsed()


def wait_workers(lab: Lab, since: str = "", timeout: float = 120) -> None:
    """Until both nova-compute hosts are up (and have reported since ``since``), cinder-volume
    is up and no Nova or Cinder service record says DOWN: a boot in the window before that
    would fail, and `status` would disagree with `up`."""
    nova = Nova()
    session = bootstrap.admin(lab)
    state: dict[str, object] = {}

    def ready() -> bool:
        nonlocal state
        hosts = bootstrap.compute_hosts_up(session, since)
        down = bootstrap.services_down(session)
        state = {**hosts, "down": down}
        return (all(hosts.get(h) for h in COMPUTE_HOSTS) and not down
                and bootstrap.volume_service_up(session, since))

    try:
        wait_for("both compute hosts and cinder-volume", ready, timeout, interval=1.0)
    except LabError:
        dead = [d for s in (nova, Cinder()) for d in s.daemons(lab) if not d.running()]
        if dead:
            raise LabError(f"{dead[0].name} stopped. Last lines of {dead[0].logfile}:\n"
                           + dead[0].tail(15), "fix the cause, then run `python3 -m labsetup up`")
        raise LabError(f"the compute hosts did not report in {timeout:.0f} s: {state}",
                       "look at `python3 -m labsetup logs nova`")


# -- down, status ------------------------------------------------------------------------------
def all_daemons(lab: Lab) -> list[Daemon]:
    return [d for s in every(lab) for d in s.daemons(lab)]


def processes(lab: Lab, *, per_daemon: bool = False) -> dict[str, set[int]]:
    """Every running process of the lab by service (or by daemon): each daemon and all it
    started."""
    result: dict[str, set[int]] = {}
    for svc in every(lab):
        for d in svc.daemons(lab):
            pid = d.pid()
            pids = set(descendants(pid)) if pid else set()
            if pids and svc.name == "rabbitmq":  # Erlang starts epmd outside its process tree
                pids |= set(pids_named("epmd"))
            result.setdefault(d.name if per_daemon else svc.name, set()).update(pids)
        if svc is LIBVIRT:
            result["guests"] = LIBVIRT.guest_pids(lab)  # QEMU, one process per server
    return result


def stop_services(lab: Lab, services: tuple[Service, ...]) -> None:
    """Stop these services at once (each nova or cinder process takes seconds to exit)."""
    threads = [threading.Thread(target=s.stop, args=(lab,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def down(lab: Lab) -> float:
    """Stop everything: JupyterLab and the OpenStack services, then the queue, then the
    database."""
    t0 = time.monotonic()
    for group in ((JUPYTER, *OPENSTACK), (LIBVIRT, RabbitMQ()), (NETWORK,), (MariaDB(),)):
        stop_services(lab, group)
    return time.monotonic() - t0


def checks(lab: Lab) -> list[Check]:
    result: list[Check] = []
    for s in every(lab):
        if s is JUPYTER and jupyter_off(lab).exists() and not any(
                d.running() for d in s.daemons(lab)):
            result.append(Check(s.name, "not started", True,
                                "`up --no-jupyter` (on Binder, Binder runs JupyterLab)"))
            continue
        result.extend(s.check(lab))
    if Keystone().api_port and all(c.ok for c in result if c.service == "keystone"):
        try:
            result.extend(bootstrap.service_checks(lab))
        except LabError as e:
            result.append(Check("keystone", "admin can log in", False, str(e).splitlines()[0]))
    return result


def status_table(items: list[Check]) -> str:
    rows = [("SERVICE", "CHECK", "STATE", "DETAIL")]
    rows += [(c.service, c.what, "up" if c.ok else "DOWN", c.detail) for c in items]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}"
                     for r in rows)


def reset(lab: Lab) -> None:
    """Stop the lab and delete its state (databases, images, volumes, objects, configs)."""
    down(lab)
    for d in (lab.paths.state, lab.paths.etc, lab.paths.run):
        shutil.rmtree(d, ignore_errors=True)
    lab.paths.secrets_file.unlink(missing_ok=True)
    lab.paths.make()


def running_anything(lab: Lab) -> bool:
    return any(d.running() for d in all_daemons(lab))
