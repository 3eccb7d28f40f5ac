"""Notebook 07 widgets: vSphere/NSX objects and their Neutron counterparts, and a "can A reach B"
explorer over a project's real security group rules.

The logic is in pure functions (``mapping_*``, ``reach_html``, ``matrix_html``); the explorers
only wire controls to them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from .data import load
from .network_nb07 import (
    OUTSIDE,
    Endpoint,
    Group,
    can_reach,
    endpoints_from,
    reach_matrix,
    read_groups,
    read_topology,
)
from .widgets import ALL, Explorer, _e, _wire, table

# --------------------------------------------------------------------------- vSphere → Neutron

MAPPING_FIELDS: tuple[tuple[str, str], ...] = (
    ("neutron", "Neutron counterpart"),
    ("api", "How you reach it (openstacksdk)"),
    ("who", "Who creates it"),
    ("differences", "What is different"),
    ("in_lab", "In the course lab"),
    ("source", "Source"),
)


def mapping_records(product: str = ALL) -> list[dict[str, Any]]:
    """Records of ``data/networking.yaml`` for one product (``vSphere``, ``NSX``) or all."""
    return [r for r in load("networking") if product == ALL or r["product"] == product]


def mapping_options(product: str = ALL) -> list[tuple[str, str]]:
    """``(label, id)`` pairs for a dropdown: the vSphere or NSX object names."""
    return [(r["vsphere"], r["id"]) for r in mapping_records(product)]


def mapping_html(record_id: str) -> str:
    """A card for one vSphere or NSX object: its Neutron counterpart and the differences."""
    record = next((r for r in load("networking") if r["id"] == record_id), None)
    if record is None:
        return f"<p>No networking object called {_e(record_id)}.</p>"
    rows = [(label, record[key]) for key, label in MAPPING_FIELDS]
    return f"<h4>{_e(record['product'])}: {_e(record['vsphere'])}</h4>" + table(("", ""), rows)


def mapping_explorer(product: str = ALL, record_id: str | None = None) -> Explorer:
    """Pick a vSphere or NSX networking object; see its Neutron counterpart and what differs."""
    products = [ALL, *sorted({r["product"] for r in load("networking")})]
    options = mapping_options(product)
    chosen = record_id if record_id in {i for _, i in options} else options[0][1]
    controls: dict[str, w.Widget] = {
        "product": w.Dropdown(options=products, value=product, description="Product"),
        "object": w.Dropdown(options=options, value=chosen, description="Object",
                             layout=w.Layout(width="36em")),
    }

    def follow_product(change: Any) -> None:
        new = mapping_options(change["new"])
        controls["object"].options = new
        controls["object"].value = new[0][1]

    controls["product"].observe(follow_product, names="value")
    return _wire(controls, lambda: mapping_html(controls["object"].value))


# --------------------------------------------------------------------------- can A reach B


def reach_html(
    src: Endpoint,
    dst: Endpoint,
    port: int | None,
    groups: Mapping[str, Group],
    *,
    protocol: str = "tcp",
    routed: Iterable[Iterable[str]] | None = None,
    exits: Iterable[str] | None = None,
) -> str:
    """A green or red box with the verdict of :func:`can_reach` and its reason."""
    if src == dst:
        return "<p>Pick two different ends.</p>"
    verdict = can_reach(src, dst, port, groups, protocol=protocol, routed=routed, exits=exits)
    colour, head = ("#27ae60", "&#10004; Allowed") if verdict else ("#c0392b", "&#10008; Refused")
    what = f"{protocol} {port}" if port is not None else protocol
    return (
        f'<div style="border-left:6px solid {colour};padding:0.4em 1em;margin:0.4em 0;">'
        f"<b>{head}</b>: {_e(src.name)} &rarr; {_e(dst.name)}, {_e(what)}"
        f'<p style="margin:0.3em 0">{_e(verdict.reason)}</p></div>'
    )


def matrix_html(
    endpoints: Sequence[Endpoint],
    ports: Sequence[int],
    groups: Mapping[str, Group],
    *,
    protocol: str = "tcp",
    routed: Iterable[Iterable[str]] | None = None,
    exits: Iterable[str] | None = None,
) -> str:
    """Who may open a connection to whom, one column per port (✔ allowed, ✘ refused)."""
    rows = [
        (src, dst, *("✔" if v else "✘" for v in verdicts))
        for src, dst, verdicts in reach_matrix(
            endpoints, ports, groups, protocol=protocol, routed=routed, exits=exits
        )
    ]
    return table(("From", "To", *(f"{protocol} {p}" for p in ports)), rows)


def reach_explorer(
    endpoints: Sequence[Endpoint],
    groups: Mapping[str, Group],
    *,
    routed: Iterable[Iterable[str]] | None = None,
    exits: Iterable[str] | None = None,
    port: int = 5432,
) -> Explorer:
    """Choose a source, a destination, a protocol and a port; read the verdict from the rules."""
    if len(endpoints) < 2:
        raise ValueError("The explorer needs at least two endpoints.")
    by_name = {e.name: e for e in endpoints}
    names = list(by_name)
    joined = [frozenset(r) for r in routed] if routed is not None else None
    out = frozenset(exits) if exits is not None else None
    controls: dict[str, w.Widget] = {
        "src": w.Dropdown(options=names, value=names[0], description="From"),
        "dst": w.Dropdown(options=names, value=names[1], description="To"),
        "protocol": w.Dropdown(options=["tcp", "udp", "icmp"], value="tcp",
                               description="Protocol"),
        "port": w.BoundedIntText(value=port, min=0, max=65535, description="Port"),
    }

    def render() -> str:
        protocol = controls["protocol"].value
        chosen = None if protocol == "icmp" else controls["port"].value
        return reach_html(by_name[controls["src"].value], by_name[controls["dst"].value],
                          chosen, groups, protocol=protocol, routed=joined, exits=out)

    return _wire(controls, render)


def live_reach_explorer(conn: Any, prefix: str, *, port: int = 5432) -> Explorer:
    """The explorer over the servers and rules a project really has (networks named ``prefix``),
    plus a host on the internet."""
    topo = read_topology(conn, prefix)
    endpoints = [*endpoints_from(topo), OUTSIDE]
    return reach_explorer(endpoints, read_groups(conn), routed=topo.routed(), exits=topo.exits(),
                          port=port)
