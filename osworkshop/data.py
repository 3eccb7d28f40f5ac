"""Read the course facts in ``data/*.yaml`` and check them against a small schema."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

#: Field name -> accepted type(s), per data file. Every file also needs a non-empty ``source``.
Schema = dict[str, type | tuple[type, ...]]

SCHEMAS: dict[str, Schema] = {
    "terms": {
        "id": str,
        "vsphere": str,
        "openstack": str,
        "service": str,
        "category": str,
        "explanation": str,
        "notebook": str,
        "source": str,
    },
    "codenames": {
        "codename": str,
        "service_type": str,
        "function": str,
        "vsphere_analogue": str,
        "since": str,
        "in_lab": bool,
        "source": str,
    },
    "history": {"year": int, "event": str, "source": str},
    "storage_types": {
        "id": str,
        "name": str,
        "service": str,
        "used_for": str,
        "accessed_through": str,
        "accessible_from": str,
        "managed_by": str,
        "persists_until": str,
        "sized_by": str,
        "typical_use": str,
        "vsphere_analogue": str,
        "source": str,
    },
    "then_and_now": {
        "id": str,
        "topic": str,
        "then": str,
        "now": str,
        "then_source": str,
        "now_source": str,
        "notebook": str,
    },
    "principles": {
        "id": str,
        "name": str,
        "kind": str,  # principle (six of them), or picture (pets vs cattle: an image caption)
        "summary": str,
        "vsphere_habit": str,
        "cloud_way": str,
        "source": str,
    },
    "outline": {
        "number": str,
        "slug": str,
        "title": str,
        "minutes": int,
        "goal": str,
        "source": str,
    },
}

SCHEMAS["architecture_then_now"] = SCHEMAS["then_and_now"]  # notebook 03's own then-and-now
SCHEMAS["releases"] = {"name": str, "released": str, "slurp": bool, "status": str, "source": str}
SCHEMAS["architecture"] = {
    "id": str,
    "service_types": list,
    "api": str,
    "workers": list,
    "database": bool,
    "message_queue": bool,
    "role": str,
    "vsphere_analogue": str,
    "source": str,
}

#: Fields whose value must come from a fixed list.
CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "principles": {"kind": ("principle", "picture")},
    "terms": {
        "category": (
            "compute",
            "images",
            "networking",
            "storage",
            "identity",
            "operations",
            "management",
        ),
    },
}

#: Fields that must be unique within a file.
KEYS: dict[str, str] = {
    "terms": "id",
    "codenames": "codename",
    "storage_types": "id",
    "then_and_now": "id",
    "principles": "id",
    "outline": "number",
    "architecture_then_now": "id",
    "releases": "name",
    "architecture": "id",
}

# Notebook 07: vSphere and NSX networking objects and their Neutron counterparts.
SCHEMAS["networking"] = {
    "id": str,
    "product": str,
    "vsphere": str,
    "neutron": str,
    "api": str,
    "who": str,
    "differences": str,
    "in_lab": str,
    "source": str,
}
KEYS["networking"] = "id"
CHOICES["networking"] = {"product": ("vSphere", "NSX")}

# Notebook 05: vSphere power and lifecycle operations and the Nova server actions.
SCHEMAS["power_operations"] = {
    "id": str,
    "vsphere": str,
    "openstack": str,
    "sdk": str,
    "status": str,
    "note": str,
    "source": str,
}
KEYS["power_operations"] = "id"

# Notebook 12: a sample vSphere inventory (nested disks and NICs are checked by
# osworkshop.migration_nb12.vm_problems) and the VMware-to-OpenStack migration tools.
SCHEMAS["sample_vm"] = {
    "name": str,
    "guest_os": str,
    "os_family": str,
    "firmware": str,
    "vcpus": int,
    "memory_mb": int,
    "cbt_enabled": bool,
    "disks": list,
    "nics": list,
    "notes": str,
    "source": str,
}
KEYS["sample_vm"] = "name"
CHOICES["sample_vm"] = {"os_family": ("linux", "windows"), "firmware": ("bios", "efi")}
SCHEMAS["migration_tools"] = {
    "id": str,
    "name": str,
    "kind": str,
    "interface": str,
    "copy": str,
    "converts_guest": bool,
    "incremental": bool,
    "windows": bool,
    "fleet": bool,
    "web_ui": bool,
    "license": str,
    "caveats": list,
    "source": str,
}
KEYS["migration_tools"] = "id"

# Notebook 02: OpenStack next to VMware's own stack (vCloud Suite, then VCF), why organisations
# choose it, and VMware as competitor and partner; shown with widgets.then_and_now_html.
SCHEMAS["adoption"] = {
    "id": str,
    "kind": str,
    "topic": str,
    "then": str,
    "now": str,
    "then_source": str,
    "now_source": str,
}
KEYS["adoption"] = "id"
CHOICES["adoption"] = {"kind": ("platform", "reason", "partner")}

# Notebook 06: Glance image visibility next to vSphere templates, and its own then-and-now.
SCHEMAS["image_visibility"] = {
    "id": str,
    "who_sees": str,
    "default_list": str,
    "who_may_set": str,
    "members": str,
    "vsphere_analogue": str,
    "source": str,
}
KEYS["image_visibility"] = "id"
CHOICES["image_visibility"] = {"id": ("private", "shared", "community", "public")}
SCHEMAS["images_then_now"] = SCHEMAS["then_and_now"]
KEYS["images_then_now"] = "id"

# Notebook 08: five workloads to match with a kind of storage, and its own then-and-now.
SCHEMAS["workloads"] = {
    "id": str,
    "name": str,
    "description": str,
    "needs": list,
    "kind": str,
    "bootable": bool,
    "hint": str,
    "why": str,
    "vsphere_habit": str,
    "source": str,
}
KEYS["workloads"] = "id"
CHOICES["workloads"] = {"kind": ("ephemeral", "block", "object")}
SCHEMAS["storage_then_now"] = SCHEMAS["then_and_now"]
KEYS["storage_then_now"] = "id"

# Notebook 11: nova's VMware driver over time, VMware's OpenStack products, and the aspects in
# which the vmwareapi model differs (aspect records also carry `kvm`, checked by widgets_nb11).
SCHEMAS["vmware_driver"] = {
    "id": str,
    "kind": str,
    "title": str,
    "when": str,
    "text": str,
    "source": str,
}
KEYS["vmware_driver"] = "id"
CHOICES["vmware_driver"] = {"kind": ("timeline", "product", "aspect")}

# Notebooks 09 and 10: vSphere operations features next to OpenStack today, Watcher strategies
# and Masakari recovery methods, each with what it can and cannot do.
SCHEMAS["operations"] = {
    "id": str,
    "kind": str,
    "name": str,
    "vsphere_does": str,
    "openstack": str,
    "service": str,
    "status": str,
    "can": str,
    "cannot": str,
    "notebook": str,
    "source": str,
}
KEYS["operations"] = "id"
CHOICES["operations"] = {"kind": ("feature", "watcher", "masakari"), "notebook": ("09", "10")}

# The instructor's notes per notebook (number from the outline, or "all"); rendered into
# docs/instructor-guide.md by osworkshop.outline, which also checks the pitfalls' fields.
SCHEMAS["instructor"] = {
    "number": str,
    "prepare": list,
    "checkpoint": str,
    "pitfalls": list,
    "source": str,
}
KEYS["instructor"] = "number"

# The cheat sheet: a vSphere task, its PowerCLI cmdlet, the `openstack` command and the
# openstacksdk call (rows may add a `note`); rendered into docs/cheatsheet.md by
# osworkshop.outline. tests/unit/test_cheatsheet.py checks the commands and calls are real.
SCHEMAS["cheatsheet"] = {
    "id": str,
    "topic": str,
    "vsphere": str,
    "powercli": str,
    "cli": str,
    "sdk": str,
    "notebook": str,
    "source": str,
}
KEYS["cheatsheet"] = "id"
CHOICES["cheatsheet"] = {
    "topic": (
        "Identity and projects",
        "Compute and flavors",
        "Power",
        "Images and templates",
        "Networking",
        "Security groups",
        "Volumes and snapshots",
        "Object storage",
        "Operations: maintenance, vMotion, HA and evacuation",
        "Aggregates and zones",
        "Migration from vSphere",
    ),
}


def data_dir() -> Path:
    """The data directory: ``$OSWORKSHOP_DATA`` if set, else ``data/`` next to the package."""
    env = os.environ.get("OSWORKSHOP_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


@cache
def _read(path: Path) -> tuple[dict[str, Any], ...]:
    with path.open(encoding="utf-8") as fh:
        content = yaml.safe_load(fh)
    if not isinstance(content, list):
        raise TypeError(f"{path} must hold a list of records, found {type(content).__name__}")
    return tuple(content)


def load(name: str) -> list[dict[str, Any]]:
    """The records of ``data/<name>.yaml`` as a list of dicts (copies; safe to modify)."""
    path = data_dir() / f"{name}.yaml"
    if not path.is_file():
        raise FileNotFoundError(
            f"No course data file {path}. Known files: {', '.join(sorted(SCHEMAS))}."
        )
    return [dict(record) for record in _read(path)]


def validate(name: str, records: list[Any]) -> list[str]:
    """Problems found in ``records`` for the schema of ``name`` (empty list when all is well)."""
    schema = SCHEMAS.get(name)
    if schema is None:
        return [f"{name}: no schema for this file"]
    problems: list[str] = []
    seen: set[Any] = set()
    key = KEYS.get(name)
    for i, record in enumerate(records):
        where = f"{name}[{i}]"
        if not isinstance(record, dict):
            problems.append(f"{where}: not a mapping")
            continue
        if key and key in record:
            where = f"{name}[{record[key]}]"
            if record[key] in seen:
                problems.append(f"{where}: duplicate {key}")
            seen.add(record[key])
        for field, kind in schema.items():
            if field not in record:
                problems.append(f"{where}: missing {field}")
            elif not isinstance(record[field], kind) or (
                kind is int and isinstance(record[field], bool)
            ):
                problems.append(f"{where}: {field} has type {type(record[field]).__name__}")
            elif isinstance(record[field], str) and not record[field].strip():
                problems.append(f"{where}: {field} is empty")
        for field, allowed in CHOICES.get(name, {}).items():
            if field in record and record[field] not in allowed:
                problems.append(f"{where}: {field}={record[field]!r} not in {allowed}")
        if not any(str(record.get(f, "")).strip() for f in ("source", "then_source")):
            problems.append(f"{where}: no source")
    return problems


def validate_all() -> list[str]:
    """Validate every data file (a file with no schema is a problem too); returns the list of
    problems (empty when all is well)."""
    problems: list[str] = []
    present = {p.stem for p in data_dir().glob("*.yaml")}
    problems.extend(f"{name}: no schema for this file" for name in sorted(present - set(SCHEMAS)))
    for name in sorted(SCHEMAS):
        try:
            records = load(name)
        except (OSError, TypeError, yaml.YAMLError) as exc:
            problems.append(f"{name}: cannot read ({exc})")
            continue
        problems.extend(validate(name, records))
    return problems
