"""clouds.yaml: how openstacksdk, the openstack CLI and the notebooks find the lab.

Written to the standard place, ``~/.config/openstack/clouds.yaml`` (mode 0600), with two clouds:
``lab-admin`` (the cloud administrator) and ``lab-demo`` (a learner, role member).  Clouds
that are already in the file (a learner's other clouds) are kept: the file is merged, not
replaced.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from labsetup.config import REGION, Lab, write_private
from labsetup.proc import LabError

HEADER = "# Written by labsetup (the course lab). Other clouds in this file are kept.\n"


def clouds_yaml_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "openstack" / "clouds.yaml"


def cloud_entry(lab: Lab, user: str, project: str) -> dict[str, Any]:
    return {
        "auth": {"auth_url": lab.auth_url, "username": user, "password": lab.secrets[user],
                 "project_name": project, "user_domain_name": "Default",
                 "project_domain_name": "Default"},
        "region_name": REGION, "identity_api_version": 3, "interface": "public",
    }


def lab_clouds(lab: Lab) -> dict[str, dict[str, Any]]:
    return {"lab-admin": cloud_entry(lab, "admin", "admin"),
            "lab-demo": cloud_entry(lab, "demo", "demo")}


def read_existing(lab: Lab, path: Path) -> dict[str, Any]:
    """Parse an existing clouds.yaml (YAML needs PyYAML: use the services' Python)."""
    if not path.exists():
        return {}
    text = path.read_text()
    if not text.strip():
        return {}
    try:
        return dict(json.loads(text.split("\n", 1)[1] if text.startswith("#") else text))
    except (json.JSONDecodeError, IndexError):
        pass
    py = lab.paths.bin("python")
    script = "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])) or {}))"
    p = subprocess.run([str(py), "-c", script, str(path)],
                       capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise LabError(f"{path} exists but is not valid YAML, so the lab cannot add its clouds",
                       "fix or move that file, then run `python3 -m labsetup up` again")
    return dict(json.loads(p.stdout))


def write_clouds_yaml(lab: Lab, extra: dict[str, dict[str, Any]] | None = None) -> Path:
    path = clouds_yaml_path()
    data = read_existing(lab, path)
    clouds = dict(data.get("clouds") or {})
    clouds.update(lab_clouds(lab))
    clouds.update(extra or {})
    data["clouds"] = clouds
    # JSON is YAML: no YAML library is needed to write it.
    write_private(path, HEADER + json.dumps(data, indent=2) + "\n")
    return path
