"""JupyterLab on the course notebooks, from the course environment (the "learner side")."""

from __future__ import annotations

import os

from labsetup.config import PORTS, REPO, Lab
from labsetup.proc import Daemon
from labsetup.services.base import Service


class JupyterLab(Service):
    name = "jupyter"
    api_port = "jupyter"
    api_path = "/api"

    def configure(self, lab: Lab) -> None:
        """The ``openstack`` CLI is in the course environment, first on the PATH of JupyterLab's
        kernels and terminals (an older lab linked the services' CLI here: removed)."""
        old = lab.paths.home / "bin" / "openstack"
        if old.is_symlink():
            old.unlink()

    def daemons(self, lab: Lab) -> list[Daemon]:
        argv = [str(lab.paths.course_bin("jupyter")), "lab", "--no-browser",
                f"--ServerApp.ip={lab.host}", f"--ServerApp.port={PORTS['jupyter']}",
                "--ServerApp.port_retries=0", f"--ServerApp.root_dir={REPO / 'notebooks'}",
                "--ServerApp.open_browser=False", "--allow-root",
                "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        path = f"{lab.paths.course_bin('')}:{os.environ.get('PATH', '')}"
        env = {"OS_CLOUD": "lab-demo", "PATH": path, "JUPYTER_TOKEN": lab.secrets["jupyter_token"], "JUPYTER_CONFIG_DIR": str(lab.etc("jupyter")),
               "JUPYTER_DATA_DIR": str(lab.state("jupyter")),
               "JUPYTER_RUNTIME_DIR": str(lab.paths.run / "jupyter")}
        return [self.daemon(lab, "jupyter", argv, env=env, marker="--ServerApp.root_dir")]

    def url(self, lab: Lab) -> str:
        return f"http://{lab.host}:{PORTS['jupyter']}/lab?token={lab.secrets['jupyter_token']}"
