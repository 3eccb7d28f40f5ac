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

from labsetup import __version__
from labsetup.config import REPO, Lab
from labsetup.proc import LabError

#: The whole suite: unit tests, lab tests, and every notebook executed end to end (nbval).
DEFAULT_TEST_ARGS = ["tests", "notebooks", "--nbval-lax", "-p", "no:cacheprovider", "-rfEs"]

EPILOG = "Every command takes --help. The lab lives in $LABSETUP_HOME " \
         "(default ~/.local/share/openstack-lab)."


def cmd_up(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import lab as L
    from labsetup.clouds import clouds_yaml_path
    seconds = L.up(lab, jupyter=not args.no_jupyter)
    print(f"\nThe lab cloud is up ({seconds:.0f} s). Clouds `lab-admin` and `lab-demo` are in "
          f"{clouds_yaml_path()}.")
    if not args.no_jupyter:
        print(f"JupyterLab: {L.JUPYTER.url(lab)}")
    print("Try: python3 -m labsetup status")
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


def cmd_test(args: argparse.Namespace, lab: Lab) -> int:
    from labsetup import lab as L
    L.up(lab, jupyter=True)
    py = lab.paths.course_bin("python")
    argv = [str(py), "-m", "pytest", *(args.pytest_args or DEFAULT_TEST_ARGS)]
    print("$ " + " ".join(argv), flush=True)
    # Exercise checks raise when a solution fails to pass them (see osworkshop.checks).
    env = {**os.environ, "OSWORKSHOP_STRICT": "1", "OS_CLOUD": "lab-demo"}
    return subprocess.call(argv, cwd=REPO, env=env)


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
    s.set_defaults(func=cmd_up)

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

    s = sub.add_parser("test", help="bring the lab up if needed, then run the whole test suite",
                       description="Runs `labsetup up`, then pytest in the course environment: "
                       "unit tests, lab tests and every notebook. Extra arguments go to pytest.")
    s.add_argument("pytest_args", nargs=argparse.REMAINDER, help="arguments for pytest")
    s.set_defaults(func=cmd_test)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
