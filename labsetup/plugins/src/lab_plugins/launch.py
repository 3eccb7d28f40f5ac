"""Run OpenStack service commands in one process each, without oslo.service's worker fork.

``python -m lab_plugins.launch nova.cmd.conductor nova-conductor --config-file ...`` runs one.
``python -m lab_plugins.launch --group SPEC.json`` imports the commands' modules once, then
forks one child per command (each writes its PID file and log, and takes the command as its
process title), so the children share the imported code's memory pages: that is how the lab's
Nova, Cinder and Swift workers start quickly and stay small on a 2-core machine.

With the threading backend, oslo.service starts even a one-worker service as a master process
plus a forked worker (two interpreters, ~75 MiB each).  A production cloud wants that: the
master restarts a crashed worker.  In the lab, ``labsetup`` restarts whatever died, so each
service runs in-process (``no_fork``, as nova-compute always does) and the lab needs less memory.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import time
from typing import Any


def in_process() -> None:
    """Make oslo.service launch every service in this process."""
    from oslo_config import cfg
    from oslo_service import service

    backend_launch = service.launch

    def launch(conf: Any, server: Any, workers: Any = 1, restart_method: str = "reload",
               no_fork: bool = False, start_method: Any = None) -> Any:
        return backend_launch(conf, server, workers=1, restart_method=restart_method,
                              no_fork=True)

    class InProcessLauncher:
        """What cinder-volume wants from a process launcher, without the fork."""

        def __init__(self) -> None:
            self.launchers: list[Any] = []

        def launch_service(self, server: Any, workers: int = 1) -> None:
            self.launchers.append(launch(cfg.CONF, server, restart_method="mutate"))

        def wait(self) -> None:
            for launcher in self.launchers:
                launcher.wait()

    service.launch = launch  # nova.service and cinder.service call service.launch(...)
    if "cinder.service" in sys.modules:
        sys.modules["cinder.service"].process_launcher = InProcessLauncher  # type: ignore[attr-defined]


def _child(spec: dict[str, Any]) -> None:
    """In a forked child: become the service described by ``spec``; never returns."""
    code = 1
    try:
        os.setsid()
        log = os.open(spec["logfile"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        with open(spec["pidfile"], "w") as fh:
            fh.write(str(os.getpid()))
        argv = [spec["prog"], *spec["args"]]
        try:
            import setproctitle

            setproctitle.setproctitle(" ".join(argv))
        except ImportError:
            pass
        sys.argv = argv
        code = int(importlib.import_module(spec["module"]).main() or 0)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - the child's log gets the traceback
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _ready(urls: list[str], files: list[str]) -> bool:
    import urllib.error
    import urllib.request

    if not all(os.path.exists(f) for f in files):
        return False
    for url in urls:
        try:
            urllib.request.urlopen(url, timeout=2).close()
        except urllib.error.HTTPError:
            pass  # any HTTP answer means the service is there
        except OSError:
            return False
    return True


def group(plan: dict[str, Any]) -> int:
    """Import every command's module once, wait for what the commands need, then fork one
    child per command."""
    specs: list[dict[str, Any]] = plan["children"]
    for spec in specs:
        importlib.import_module(spec["module"])
    wait = plan.get("wait_for", {})
    deadline = time.monotonic() + float(wait.get("timeout", 300))
    while not _ready(wait.get("urls", []), wait.get("files", [])):
        if time.monotonic() > deadline:
            print(f"gave up waiting for {wait}", file=sys.stderr)
            return 1
        time.sleep(0.2)
    in_process()
    gc.collect()
    gc.freeze()  # keep the shared pages shared: the collector would write to them
    sys.stdout.flush()
    sys.stderr.flush()
    for spec in specs:
        if os.fork() == 0:
            _child(spec)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--group"]:
        with open(argv[1]) as fh:
            return group(json.load(fh))
    module, prog, *args = argv
    mod = importlib.import_module(module)
    in_process()
    sys.argv = [prog, *args]
    return int(mod.main() or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
