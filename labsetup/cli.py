"""``labsetup``: bring up, check and tear down the course's lab cloud.

Run it as ``python3 -m labsetup COMMAND`` from the repository (it needs nothing but Python),
or as ``labsetup COMMAND`` inside the course environment.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from labsetup import __version__
from labsetup.config import REPO, Lab
from labsetup.proc import LabError

#: The whole suite: unit tests, lab tests, and every notebook executed end to end (nbval).
TEST_PATHS = ["tests", "notebooks"]
TEST_OPTIONS = ["--nbval-lax", "-p", "no:cacheprovider", "-rfEs",
                "--durations=15"]  # the slowest tests, so CI shows where the time goes


def pytest_argv(extra: Sequence[str]) -> list[str]:
    """pytest's arguments for ``labsetup test EXTRA``: options in EXTRA narrow the whole suite
    (``-m "not slow"`` keeps the notebooks' own options); paths in EXTRA replace the suite's."""
    paths = [a for a in extra if not a.startswith("-") and Path(REPO / a.split("::")[0]).exists()]
    return [*([] if paths else TEST_PATHS), *TEST_OPTIONS, *extra]

EPILOG = "Every command takes --help. The lab lives in $LABSETUP_HOME " \
         "(default ~/.local/share/openstack-lab)."


def check_bind_address(address: str) -> str:
    """An IPv4 address this machine has (the lab's APIs will listen on it)."""
    import ipaddress
    import socket
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise LabError(f"{address!r} is not an IP address",
                       "give the address of this machine on the room's network, "
                       "for example --bind 192.0.2.10 (see `ip -brief address`)") from None
    if ip.version != 4:
        raise LabError(f"{address} is IPv6; the lab's classroom mode uses IPv4",
                       "give this machine's IPv4 address")
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((address, 0))
    except OSError:
        raise LabError(f"this machine has no address {address}",
                       "see `ip -brief address` for the addresses it has") from None
    return str(ip)


def cmd_up(args: argparse.Namespace, lab: Lab) -> int:
    import dataclasses

    from labsetup import lab as L
    from labsetup.clouds import clouds_yaml_path
    from labsetup.config import LOOPBACK, set_bind_address, set_profile
    wanted = LOOPBACK if args.loopback else (check_bind_address(args.bind) if args.bind else None)
    if wanted is not None and wanted != lab.host:
        if L.running_anything(lab):
            print(f"Moving the lab from {lab.host} to {wanted}: stopping it first "
                  "(everything you made is kept).")
            L.down(lab)
        set_bind_address(lab.paths, wanted)
        lab = dataclasses.replace(lab, host=wanted)
    if args.profile is not None and args.profile != lab.profile:
        if L.running_anything(lab):
            print(f"Switching to the {args.profile} profile: restarting the services "
                  "(everything you made is kept).")
            L.stop_services(lab, L.OPENSTACK)
        set_profile(lab.paths, args.profile)
        lab = dataclasses.replace(lab, profile=args.profile)
    if args.guests is not None and args.guests != lab.guests:
        if L.running_anything(lab):
            print(f"Switching the compute hosts to {args.guests} guests: restarting Nova "
                  "(images, volumes, networks and objects are kept; servers made on the other "
                  "kind of host stay in the database but cannot run here).")
        lab = L.switch_guests(lab, args.guests)
    seconds = L.up(lab, jupyter=not args.no_jupyter)
    print(f"\nThe lab cloud is up ({seconds:.0f} s). Clouds `lab-admin` and `lab-demo` are in "
          f"{clouds_yaml_path()}.")
    if not args.no_jupyter:
        print(f"JupyterLab: {L.JUPYTER.url(lab)}")
    print("Try: python3 -m labsetup status")
    if lab.host != LOOPBACK:
        print(f"\nCLASSROOM MODE: the APIs and JupyterLab listen on {lab.host}, reachable from "
              "that network. Give students their handouts (`labsetup classroom create "
              f"--address {lab.host}`); afterwards run `python3 -m labsetup up --loopback`.")
    return 0


def cmd_install(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import lab as L
    seconds = L.install_only(lab)
    print(f"\nInstalled ({seconds:.0f} s). Nothing is running yet: `python3 -m labsetup up`.")
    return 0


def cmd_binder(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import binder
    if args.check:
        stale = binder.stale()
        if stale:
            print("binder/ is out of date with environment.yml or labsetup: "
                  + ", ".join(stale) + ". Run `python3 -m labsetup binder`.", file=sys.stderr)
            return 1
        print("binder/ matches environment.yml.")
        return 0
    changed = binder.write()
    print(f"binder/ written from environment.yml ({', '.join(changed) or 'no change'}).")
    return 0


def cmd_down(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import lab as L
    seconds = L.down(lab)
    print(f"The lab is stopped ({seconds:.0f} s). Everything you made is kept: "
          "`python3 -m labsetup up` brings it back.")
    return 0


def cmd_status(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import lab as L
    items = L.checks(lab)
    print(L.status_table(items))
    down = [c for c in items if not c.ok]
    if down:
        print(f"\n{len(down)} check(s) failed. `python3 -m labsetup up` restarts what stopped; "
              "`python3 -m labsetup doctor` explains.")
        return 1
    print("\nAll services are up.")
    return 0


def cmd_doctor(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import doctor
    findings = doctor.diagnose(lab)
    for f in findings:
        print(f)
    bad = [f for f in findings if not f.ok]
    print(f"\n{len(findings) - len(bad)} fine, {len(bad)} to fix.")
    return 1 if bad else 0


def cmd_reset(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import lab as L
    if not args.yes:
        if not sys.stdin.isatty():
            raise LabError("reset deletes every server, volume, image and object in the lab",
                           "run `python3 -m labsetup reset --yes` to confirm")
        answer = input("This deletes every server, volume, image, network and object in the lab."
                       " Type 'reset' to go on: ")
        if answer.strip() != "reset":
            print("Nothing was changed.")
            return 1
    L.reset(lab)
    print("The lab is wiped. `python3 -m labsetup up` builds a clean one.")
    return 0


def cmd_logs(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import lab as L
    svc = L.service(args.service)
    files = sorted({d.logfile for d in svc.daemons(lab)} |
                   set(lab.paths.log.glob(f"{svc.name}*.log")))
    if not files:
        print(f"No logs yet for {svc.name} in {lab.paths.log}.")
        return 1
    if args.follow:
        os.execvp("tail", ["tail", "-n", str(args.lines), "-F", *map(str, files)])
    from labsetup.proc import tail
    for f in files:
        print(f"==> {f} <==\n{tail(f, args.lines)}\n")
    return 0


def cmd_credentials(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup.clouds import clouds_yaml_path, lab_clouds
    path = clouds_yaml_path()
    print(f"clouds.yaml: {path} (mode 0600)\n")
    for name, cloud in lab_clouds(lab).items():
        auth = cloud["auth"]
        pw = auth["password"] if args.show_passwords else "******** (--show-passwords)"
        print(f"{name}: user {auth['username']}, project {auth['project_name']}, "
              f"password {pw}\n    {auth['auth_url']}")
    print("\nUse them: `export OS_CLOUD=lab-demo` then `openstack server list`, or "
          "openstack.connect(cloud='lab-demo') in Python.")
    return 0


def cmd_host(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup.services.nova import COMPUTE_HOSTS, Nova
    if args.host not in COMPUTE_HOSTS:
        raise LabError(f"no compute host called {args.host!r}",
                       "the lab's hosts are " + " and ".join(COMPUTE_HOSTS))
    daemon = next(d for d in Nova().daemons(lab) if d.name == f"nova-compute-{args.host}")
    if args.action in ("stop", "restart"):
        daemon.stop()
        print(f"{args.host}: nova-compute stopped (as if the host had failed). Nova notices in "
              "about 30 s, or at once if an admin forces the service down.")
    if args.action in ("start", "restart"):
        daemon.start()
        print(f"{args.host}: nova-compute started; it reports to Nova within a few seconds "
              "and cleans up guests that were evacuated while it was away.")
    return 0


def _in_course_env(lab: Lab, argv: Sequence[str]) -> None:
    """Classroom commands use openstacksdk: run them with the course environment's Python."""
    py = lab.paths.course_bin("python")
    if Path(sys.prefix).resolve() == lab.paths.course_venv.resolve():
        return
    if not py.exists():
        raise LabError("the course environment is not installed yet",
                       "run `python3 -m labsetup up` first")
    os.execv(str(py), [str(py), "-m", "labsetup", *argv])


def cmd_classroom(args: argparse.Namespace, lab: Lab) -> int:
    _in_course_env(lab, args.argv)
    from osworkshop.errors import explain
    try:
        return _classroom(args, lab)
    except LabError:
        raise
    except Exception as e:  # an OpenStack error: say it the way the course explains them
        err = explain(e)
        if err is None:
            raise
        raise LabError(f"{err.title}: {err.detail}", err.what_to_do) from e


def _classroom(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import classroom as C
    action = args.action
    if action == "create":
        names = C.read_names(Path(args.names)) if args.names else C.numbered(args.students)
        students, seconds = C.create(lab, names, address=args.address)
        base = C.class_dir(lab)
        print(f"{len(students)} student(s) ready in {seconds:.1f} s: a project class-<name>, a "
              "user with the member and manager roles, quotas and a demo-net each.")
        print(f"  clouds.yaml per student: {base / 'students'}/<name>/clouds.yaml (mode 0600)")
        print(f"  printable handouts:      {base / 'handouts.html'} (one page each; passwords!)")
        print(f"  roster:                  {base / 'roster.json'}")
        if args.address is None and lab.host == "127.0.0.1":
            print("The lab listens on 127.0.0.1 only, so these work on this machine. For a room, "
                  "run `python3 -m labsetup up --bind ADDRESS`, then create again with "
                  "--address ADDRESS (passwords are kept).")
        return 0
    roster = C.load_roster(lab)
    if action == "list":
        for s in roster:
            print(f"{s.slug:24} {s.project:30} {s.name}")
        print(f"{len(roster)} student(s).")
        return 0
    if action == "progress":
        table = C.progress(lab, roster)
        print(table if roster else "No students yet: `labsetup classroom create --students N`.")
        return 0
    if action == "reset":
        student = C.find_student(roster, args.student)
        counts = C.reset_student(lab, student)
        done = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()) or "nothing"
        print(f"{student.slug}: deleted {done}; demo-net is back. Their login is unchanged.")
        return 0
    if action == "teardown":
        if not args.yes and input(f"Delete {len(roster)} student(s) and everything they made? "
                                  "Type yes: ").strip().lower() != "yes":
            print("Nothing deleted.")
            return 1
        left = C.teardown(lab, roster)
        for kind, n in left.items():
            print(f"  {kind:24} {n} left")
        total = sum(left.values())
        print(f"{total} resource(s) left: run teardown again; the roster is kept for it."
              if total else "0 resources left: the room is clean, and its roster, handouts and "
              "clouds.yaml files are deleted.")
        return 1 if total else 0
    raise AssertionError(action)


def cmd_guest_image(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import guest_image as G
    from labsetup.install import install_apt
    lab.paths.make()
    log = lab.paths.log / "guest-image.log"
    install_apt([*G.BUILD_APT, *(G.TRIAL_APT if args.boot else ())], log)
    started = time.monotonic()
    image = G.build(G.image_directory(lab.paths.home), G.cache_directory(lab.paths.home), log,
                    force=args.force)
    print(f"Guest image in {image.directory} ({time.monotonic() - started:.1f} s):")
    for f in (image.kernel, image.ramdisk, image.root_disk):
        print(f"  {f.name:<10} {f.stat().st_size / 2**20:6.1f} MiB")
    print("  from " + ", ".join(f"{p} {v}" for p, v in image.packages.items()))
    if not args.boot:
        return 0
    print("Boot trial under QEMU (TCG, 128 MiB, config drive, no network beyond 127.0.0.1) ...",
          flush=True)
    trial = G.boot_trial(image, log)
    figures = {"ready on the console": trial.ready_s, "first ssh login": trial.ssh_s,
               "halt after the power button": trial.halt_s}
    for what, value in figures.items():
        print(f"  {what:<28} {'-' if value is None else f'{value:.1f} s'}")
    print(f"  hostname {trial.hostname or '-'}; user-data: {trial.user_data or '-'}; "
          f"http: {trial.http or '-'}")
    if trial.ok:
        return 0
    print("Problems:\n" + "\n".join(f"  {p}" for p in trial.problems))
    print("Last console lines:\n" + "\n".join(
        f"  | {line}" for line in trial.console.splitlines()[-15:]))
    print(f"QEMU's output is in {log}.")
    return 1


#: What the test command runs once more with the compute hosts on real guests.
REAL_GUEST_TESTS = ("tests/lab/test_real_guests.py",)


def cmd_test(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import guest_image as G
    from labsetup import lab as L
    from labsetup.install import TEST_APT, install_apt
    chosen = lab.guests
    # The suite's notebooks need servers with networks: they run on the lab virt driver.
    lab = L.switch_guests(lab, "lab")
    L.up(lab, jupyter=True)
    browser_required = os.geteuid() == 0  # root installs chromium: its absence is a failure
    for attempt in (1, 2):  # a mirror that fails once is retried after a pause
        try:
            # The browser test's chromium; what the guest image's build and boot trial need.
            install_apt([*TEST_APT, *G.BUILD_APT, *G.TRIAL_APT], lab.paths.log / "install.log")
            break
        except LabError as err:  # not root: the browser test skips itself and says why
            print(f"note: {err.message} ({err.hint})", flush=True)
            if not browser_required or attempt == 2:
                break
            time.sleep(30)
    py = lab.paths.course_bin("python")
    argv = [str(py), "-m", "pytest", *pytest_argv(args.pytest_args or [])]
    print("$ " + " ".join(argv), flush=True)
    # Exercise checks raise when a solution fails to pass them (see osworkshop.checks).
    # Kernels find the `openstack` CLI first on the PATH, as in the course's JupyterLab.
    env = {**os.environ, "OSWORKSHOP_STRICT": "1", "OS_CLOUD": "lab-demo",
           "LABSETUP_BROWSER_REQUIRED": "1" if browser_required else "0",
           "PATH": f"{py.parent}:{os.environ.get('PATH', '')}"}
    rc = subprocess.call(argv, cwd=REPO, env=env)
    if args.pytest_args or os.geteuid() != 0:  # a narrowed run; or no root to install libvirt
        if chosen != lab.guests:
            print(f"\nBack to {chosen} guests:", flush=True)
            L.up(L.switch_guests(lab, chosen), jupyter=True)
        return rc
    return real_guest_stage(lab, chosen, env) or rc


def real_guest_stage(lab: Lab, chosen: str, env: dict[str, str]) -> int:
    """The test command's second stage: the compute hosts on real guests, their tests, and
    back to the guests the lab had (``chosen``)."""
    from labsetup import lab as L
    print("\nThe compute hosts on real guests (Nova's libvirt driver):", flush=True)
    real = L.switch_guests(lab, "real")
    L.up(real, jupyter=True)
    argv = [str(lab.paths.course_bin("python")), "-m", "pytest", *TEST_OPTIONS,
            *REAL_GUEST_TESTS]
    print("$ " + " ".join(argv), flush=True)
    rc = subprocess.call(argv, cwd=REPO, env=env)
    if chosen != "real":
        print("\nBack to the lab virt driver:", flush=True)
        L.up(L.switch_guests(real, chosen), jupyter=True)
    return rc


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="labsetup", description=__doc__, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"labsetup {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("up", help="install what is missing, start the lab cloud and JupyterLab",
                       description="Install Debian packages and the OpenStack 2026.2 services "
                       "(first time only), configure and start everything, register the catalog, "
                       "write clouds.yaml and start JupyterLab. Safe to repeat: a second `up` "
                       "checks and repairs.")
    s.add_argument("--no-jupyter", action="store_true", help="do not start JupyterLab")
    where = s.add_mutually_exclusive_group()
    where.add_argument("--bind", metavar="ADDRESS", help="classroom mode: listen on this address "
                       "of the machine (remembered) instead of 127.0.0.1 only")
    where.add_argument("--loopback", action="store_true",
                       help="leave classroom mode: listen on 127.0.0.1 only again")
    s.add_argument("--profile", choices=("default", "classroom"),
                   help="worker settings (remembered): default uses the least memory; "
                        "classroom gives the busiest APIs a second process for a room")
    s.add_argument("--guests", choices=("lab", "real"),
                   help="what the compute hosts run (remembered): lab (default) keeps servers as "
                        "records of the lab's virt driver, in little memory; real boots them "
                        "with Nova's libvirt driver under QEMU on ML2/OVN networks (about "
                        "200 MiB a server)")
    s.set_defaults(func=cmd_up)

    s = sub.add_parser("install", help="install everything the lab needs, start nothing",
                       description="Debian packages (as root), the OpenStack services' virtual "
                       "environment and the course environment (from environment.yml). `up` "
                       "does this too; Binder's build runs it on its own.")
    s.set_defaults(func=cmd_install)

    s = sub.add_parser("binder", help="write binder/ from environment.yml (or --check it)",
                       description="Generate Binder's configuration (environment.yml, apt.txt, "
                       "postBuild, start) from the course's one environment spec.")
    s.add_argument("--check", action="store_true", help="exit 1 when binder/ is out of date")
    s.set_defaults(func=cmd_binder)

    s = sub.add_parser("down", help="stop every lab process (everything you made is kept)",
                       description="Stop JupyterLab, the OpenStack services, RabbitMQ and MariaDB."
                       " Servers, volumes, images and objects stay; `up` brings them back.")
    s.set_defaults(func=cmd_down)

    s = sub.add_parser("status", help="a table of every service; exit 1 when one is down",
                       description="For every service: is its process alive, does its API "
                       "answer, and are Nova's and Cinder's services up.")
    s.set_defaults(func=cmd_status)

    s = sub.add_parser("doctor", help="explain what stops the lab and how to fix it",
                       description="Checks this machine (user, memory, disk, packages, ports) and "
                       "the lab (dead services with their last log lines, clouds.yaml).")
    s.set_defaults(func=cmd_doctor)

    s = sub.add_parser("reset", help="wipe the lab to a clean one (asks first)",
                       description="Stop the lab and delete all its data: every server, volume, "
                       "image, network and object. Installed packages are kept.")
    s.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    s.set_defaults(func=cmd_reset)

    s = sub.add_parser("logs", help="show the log of one service",
                       description="Print the last lines of a service's log files.")
    s.add_argument("service", metavar="SERVICE",
                   help="mariadb, rabbitmq, keystone, placement, glance, nova, neutron, cinder, "
                        "swift or jupyter")
    s.add_argument("-n", "--lines", type=int, default=40, help="how many lines (default 40)")
    s.add_argument("-f", "--follow", action="store_true", help="keep printing new lines")
    s.set_defaults(func=cmd_logs)

    s = sub.add_parser("credentials", help="where clouds.yaml is and which clouds it holds",
                       description="Show the lab's clouds (lab-admin, lab-demo) and their users.")
    s.add_argument("--show-passwords", action="store_true", help="print the passwords too")
    s.set_defaults(func=cmd_credentials)

    s = sub.add_parser("host", help="stop or start one compute host (to practise failures)",
                       description="Stop, start or restart the nova-compute process of one lab "
                       "host, as if the host failed or came back: for evacuation exercises.")
    s.add_argument("action", choices=("stop", "start", "restart"))
    s.add_argument("host", metavar="HOST", help="lab-compute-1 or lab-compute-2")
    s.set_defaults(func=cmd_host)

    s = sub.add_parser("classroom", help="prepare a room: a project per student, progress, "
                       "teardown", description="Classroom tooling for live workshops. Every "
                       "student gets a project, a member user, quotas, a clouds.yaml and a "
                       "printable handout.")
    cls = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    c = cls.add_parser("create", help="add students (safe to repeat)",
                       description="Create a project, user, role, quotas and network per student "
                       "and write their clouds.yaml and handouts under $LABSETUP_HOME/classroom.")
    who = c.add_mutually_exclusive_group(required=True)
    who.add_argument("--students", type=int, metavar="N", help="student01 … studentNN")
    who.add_argument("--names", metavar="FILE", help="a text file: one student name per line")
    c.add_argument("--address", help="the address students use to reach this machine "
                   "(classroom mode; default: where the lab listens)")
    cls.add_parser("list", help="the students of this classroom",
                   description="Print each student's user, project and name.")
    cls.add_parser("progress", help="which exercise checks each student has passed",
                   description="Read each student's progress records from their own project "
                   "(written when a check passes) and print a table.")
    c = cls.add_parser("reset", help="empty one student's project and start them afresh",
                       description="Delete everything in the student's project and give back "
                       "the starting network. The login stays the same.")
    c.add_argument("student", metavar="STUDENT", help="the student's name or user")
    c = cls.add_parser("teardown", help="delete every student and all they made (asks first)",
                       description="Delete every student's resources, users and projects, then "
                       "verify and print that nothing is left.")
    c.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    s.set_defaults(func=cmd_classroom)

    s = sub.add_parser("guest-image", help="build the real-guests profile's guest image "
                       "(and try it under QEMU)",
                       description="Build the guest image from Debian packages (the cloud "
                       "kernel, busybox, dropbear and labsetup/guest/init) into "
                       "$LABSETUP_HOME/guest-image; rebuilt only when an input changed. --boot "
                       "boots it once under bare QEMU with a config drive, logs in by ssh, "
                       "fetches its web page and presses its power button.")
    s.add_argument("--boot", action="store_true", help="boot it once under QEMU and report")
    s.add_argument("--force", action="store_true", help="rebuild even when up to date")
    s.set_defaults(func=cmd_guest_image)

    s = sub.add_parser("test", help="bring the lab up if needed, then run the whole test suite",
                       description="Runs `labsetup up`, then pytest in the course environment: "
                       "unit tests, lab tests and every notebook. Extra options narrow the whole "
                       "suite (e.g. -m 'not slow', -k 05); extra paths replace it "
                       "(e.g. tests/unit).")
    s.add_argument("pytest_args", nargs=argparse.REMAINDER, help="arguments for pytest")
    s.set_defaults(func=cmd_test)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    lab: Lab | None = None
    try:
        lab = Lab.load()
        return int(args.func(args, lab))
    except LabError as e:
        print(f"\nlabsetup: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nlabsetup: interrupted. Run the same command again to carry on.", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the learner gets one line, the log gets the rest
        where = "the lab's log directory"
        if lab is not None:
            crash = lab.paths.log / "labsetup-errors.log"
            with open(crash, "a") as fh:
                fh.write(f"\n=== {time.strftime('%F %T')} labsetup {' '.join(sys.argv[1:])}\n")
                fh.write(traceback.format_exc())
            where = str(crash)
        print(f"\nlabsetup: unexpected error: {type(e).__name__}: {e}\n  → details in {where}; "
              "`python3 -m labsetup doctor` may say more", file=sys.stderr)
        return 2
