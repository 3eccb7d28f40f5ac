"""Run an OpenStack service command in one process, without oslo.service's worker fork.

``python -m lab_plugins.launch nova.cmd.conductor nova-conductor --config-file ...``

With the threading backend, oslo.service starts even a one-worker service as a master process
plus a forked worker (two interpreters, ~75 MiB each).  A production cloud wants that: the
master restarts a crashed worker.  In the lab, ``labsetup`` restarts whatever died, so each
service runs in-process (``no_fork``, as nova-compute always does) and the lab needs less memory.
"""

from __future__ import annotations

import importlib
import sys
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


def main(argv: list[str]) -> int:
    module, prog, *args = argv
    mod = importlib.import_module(module)
    in_process()
    sys.argv = [prog, *args]
    return int(mod.main() or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
