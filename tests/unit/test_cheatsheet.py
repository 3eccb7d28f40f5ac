"""The cheat sheet (data/cheatsheet.yaml, rendered into docs/cheatsheet.md) may only name
commands and calls that exist: every `openstack` command is one of python-openstackclient's
commands and parses with that command's own parser, and every SDK call resolves to an
openstacksdk method whose signature takes the arguments given."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import re
import shlex
from functools import cache
from types import ModuleType
from typing import Any

import openstack
import openstack.connection
import pytest

from osworkshop import data, outline
from osworkshop.outline import CheatRow

ROWS = outline.cheatsheet()
IDS = [r.id for r in ROWS]


# --------------------------------------------------------------------------- the commands


@cache
def command_groups() -> tuple[str, ...]:
    """The entry-point groups the `openstack` shell loads by default, worked out as
    openstackclient's shell does: ``openstack.common`` and, for each of its own service plugins
    (``openstack.cli.base``), ``openstack.<api>.v<major of the default API version>`` with its
    extensions (``openstack.network.v2.fwaas``, ...)."""
    groups = ["openstack.common"]
    for ep in importlib.metadata.entry_points(group="openstack.cli.base"):
        module: ModuleType = ep.load()
        group = f"openstack.{module.API_NAME}.v{str(module.DEFAULT_API_VERSION).split('.')[0]}"
        groups += [group, *(f"{group}.{x}" for x in getattr(module, "API_EXTENSIONS", ()))]
    return tuple(groups)


@cache
def commands() -> dict[str, tuple[str, importlib.metadata.EntryPoint]]:
    """Every command of python-openstackclient: ``"server migrate"`` -> (group, entry point)."""
    found: dict[str, tuple[str, importlib.metadata.EntryPoint]] = {}
    for group in command_groups():
        for ep in importlib.metadata.entry_points(group=group):
            found.setdefault(ep.name.replace("_", " "), (group, ep))
    return found


def split_command(cli: str) -> tuple[str, list[str]]:
    """``"openstack server migrate --live-migration SERVER"`` -> ("server migrate",
    ["--live-migration", "SERVER"]): the longest run of leading words that is a command."""
    words = shlex.split(cli)
    assert words[:1] == ["openstack"], f"{cli!r} does not start with `openstack`"
    words = words[1:]
    known = commands()
    for n in range(min(len(words), 5), 0, -1):
        name = " ".join(words[:n])
        if name in known:
            return name, words[n:]
    raise AssertionError(f"{cli!r}: no openstackclient command is called "
                         f"{' '.join(words[:2])!r} or starts the line")


def parse_problem(cli: str) -> str | None:
    """Why openstackclient would refuse this command line (None when its parser takes it)."""
    try:
        name, args = split_command(cli)
    except AssertionError as exc:
        return str(exc)
    first_two = " ".join(shlex.split(cli)[1:3])
    if not any(c == first_two or c.startswith(first_two + " ") for c in commands()):
        return f"{cli!r}: {first_two!r} is not the start of an openstackclient command"
    command_class = commands()[name][1].load()
    parser = command_class(None, None).get_parser(f"openstack {name}")
    parser.allow_abbrev = False  # `--live` for `--live-migration` would hide a typo
    try:
        parser.parse_args(args)
    except SystemExit:
        return f"{cli!r}: `openstack {name}` does not accept {args}"
    return None


#: The page of the openstackclient command list that documents each entry-point group.
OSC_PAGE = ("https://docs.openstack.org/python-openstackclient/latest/cli/command-objects/"
            "{}/index.html")


def osc_page(group: str) -> str:
    parts = group.split(".")[1:3]  # openstack.object_store.v1 -> object-store/v1
    return OSC_PAGE.format("/".join(p.replace("_", "-") for p in parts))


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_cli_is_a_real_command_that_parses(row: CheatRow) -> None:
    assert parse_problem(row.cli) is None


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_cli_source_is_the_page_of_its_command(row: CheatRow) -> None:
    group = commands()[split_command(row.cli)[0]][0]
    assert osc_page(group) in row.sources


NOTE_COMMAND = re.compile(r"`(openstack [^`]+)`")


@pytest.mark.parametrize("row", [r for r in ROWS if NOTE_COMMAND.search(r.note)],
                         ids=[r.id for r in ROWS if NOTE_COMMAND.search(r.note)])
def test_commands_in_notes_are_real_commands(row: CheatRow) -> None:
    """A note may quote a command without all its arguments, so only its name is checked."""
    for cli in NOTE_COMMAND.findall(row.note):
        split_command(cli)


# --------------------------------------------------------------------------- the SDK calls


#: The openstacksdk page that documents each proxy, by service attribute of the connection.
SDK_PAGES = {
    "compute": "compute",
    "identity": "identity_v3",
    "image": "image_v2",
    "network": "network",
    "block_storage": "block_storage_v3",
    "object_store": "object_store",
}
SDK_DOCS = "https://docs.openstack.org/openstacksdk/latest/user/"


def proxy_class(service: str) -> type:
    """``"compute"`` -> openstack.compute.v2._proxy.Proxy (the newest version the SDK has)."""
    description = getattr(openstack.connection.Connection, service, None)
    versions = getattr(description, "supported_versions", None)
    assert versions, f"conn.{service} is not an openstacksdk service"
    return versions[max(versions, key=int)]


def resolve(call: str) -> tuple[Any, bool, ast.Call]:
    """``"conn.compute.live_migrate_server(server, host=None)"`` -> (the function
    openstack.compute.v2._proxy.Proxy.live_migrate_server, True (it takes ``self``), the call)."""
    tree = ast.parse(call, mode="eval").body
    assert isinstance(tree, ast.Call), f"{call!r} is not a call"
    names: list[str] = []
    node: ast.expr = tree.func
    while isinstance(node, ast.Attribute):
        names.insert(0, node.attr)
        node = node.value
    assert isinstance(node, ast.Name), f"{call!r} must be a call on conn or openstack"
    if node.id == "openstack":
        target: Any = openstack
        for name in names:
            target = getattr(target, name)
        return target, False, tree
    assert node.id == "conn", f"{call!r} must be a call on conn or openstack"
    owner: Any = openstack.connection.Connection
    if len(names) > 1:
        owner = proxy_class(names[0])
        names = names[1:]
    assert len(names) == 1, f"{call!r}: one method on one proxy"
    assert hasattr(owner, names[0]), f"{owner.__module__}.{owner.__name__} has no {names[0]}"
    return getattr(owner, names[0]), True, tree


def call_problem(call: str) -> str | None:
    """Why this SDK call would fail before reaching the cloud (None when it binds)."""
    try:
        function, takes_self, tree = resolve(call)
    except (AssertionError, AttributeError, SyntaxError) as exc:
        return f"{call!r}: {exc}"
    if not callable(function):
        return f"{call!r}: not callable"
    args = [object()] * (len(tree.args) + takes_self)
    kwargs = {k.arg: object() for k in tree.keywords if k.arg}
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except TypeError as exc:
        return f"{call!r}: {exc}"
    return None


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_sdk_call_names_a_real_method_with_its_arguments(row: CheatRow) -> None:
    assert call_problem(row.sdk) is None


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_sdk_source_is_the_page_of_its_proxy(row: CheatRow) -> None:
    service = row.sdk.split("(")[0].split(".")[1]
    on_conn = row.sdk.startswith("conn.")
    page = f"proxies/{SDK_PAGES[service]}.html" if on_conn else "connection.html"
    assert SDK_DOCS + page in row.sources


NOTE_CALL = re.compile(r"`(conn\.[^`]+\))`")


def test_calls_in_notes_are_real_calls() -> None:
    calls = [c for r in ROWS for c in NOTE_CALL.findall(r.note)]
    assert calls, "no note quotes an SDK call: the pattern is out of date"
    assert [call_problem(c) for c in calls] == [None] * len(calls)


# --------------------------------------------------------------------------- the checks check


@pytest.mark.parametrize("cli", [
    "openstack server teleport SERVER",  # no such command
    "openstack vm list",  # not even the start of one
    "openstack server migrate --live SERVER --to HOST",  # no --to option
    "openstack server stop",  # the server is missing
    "openstack flavor create --ram lots FLAVOR",  # --ram takes a number
])
def test_made_up_commands_are_refused(cli: str) -> None:
    assert parse_problem(cli) is not None


@pytest.mark.parametrize("call", [
    "conn.compute.teleport_server(server)",  # no such method
    "conn.vsphere.servers()",  # no such service
    "conn.compute.live_migrate_server(server, destination='x')",  # no such argument
    "conn.compute.reboot_server(server)",  # reboot_type is missing
    "conn.network.add_interface_to_router(router, subnet_id=subnet.id)",  # renamed to subnet
    "server.migrate()",  # not on conn
])
def test_made_up_calls_are_refused(call: str) -> None:
    assert call_problem(call) is not None


def test_the_groups_are_openstackclients_own() -> None:
    groups = command_groups()
    assert {"openstack.common", "openstack.compute.v2", "openstack.identity.v3",
            "openstack.image.v2", "openstack.network.v2", "openstack.volume.v3",
            "openstack.object_store.v1"} <= set(groups)
    assert "openstack.share.v2" not in groups  # manilaclient's plugin is not openstackclient
    assert osc_page("openstack.object_store.v1").endswith("/object-store/v1/index.html")


# --------------------------------------------------------------------------- data and document


def test_cheatsheet_data_is_valid() -> None:
    assert outline.cheatsheet_problems() == []


def test_every_topic_has_rows_and_every_row_is_unique() -> None:
    assert {r.topic for r in ROWS} == set(data.CHOICES["cheatsheet"]["topic"])
    assert 35 <= len(ROWS) <= 60
    assert len({(r.vsphere, r.cli) for r in ROWS}) == len(ROWS)


def test_committed_cheatsheet_is_current() -> None:
    path = outline.DOCS / "cheatsheet.md"
    assert path.is_file() and path.read_text(encoding="utf-8") == outline.render_cheatsheet(), (
        "docs/cheatsheet.md differs from data/cheatsheet.yaml: run `python -m osworkshop.outline`"
    )


def record(**changes: Any) -> dict[str, Any]:
    base = {"id": "x", "topic": "Power", "vsphere": "Power on", "powercli": "Start-VM -VM VM",
            "cli": "openstack server start SERVER", "sdk": "conn.compute.start_server(server)",
            "notebook": "05", "source": "test"}
    return {**base, **changes}


def test_problems_are_reported() -> None:
    entries = [outline.Entry("05", "x", "Title 05", 10, "Goal.", "test")]
    found = outline.cheatsheet_problems([
        record(id="a", color="red"),
        record(id="b", note=" "),
        record(id="c", notebook="42"),
        record(id="d", cli="nova start SERVER", sdk="server.start()"),
    ], entries)
    assert found == [
        "cheatsheet[a]: unknown fields ['color']",
        "cheatsheet[b]: note must be a sentence (leave it out where there is none)",
        "cheatsheet[c]: no notebook 42 in the outline",
        "cheatsheet[d]: cli must be one `openstack ...` command",
        "cheatsheet[d]: sdk must be a call on conn (or on the openstack module)",
    ]
    assert outline.cheatsheet_problems([record(topic="Weather")], entries) == [
        f"cheatsheet[x]: topic='Weather' not in {data.CHOICES['cheatsheet']['topic']}"
    ]


def test_rendering() -> None:
    rows = outline.cheatsheet([
        record(id="a", powercli="Get-VM | Select-Object Name", note="Same idea."),
        record(id="b", topic="Networking", powercli="(none; NSX does it)",
               source="https://example.org/a; https://example.org/b"),
    ])
    text = outline.render_cheatsheet(rows, [outline.Entry("05", "x", "Title", 10, "G.", "t")])
    assert text.startswith(outline.GENERATED_CHEATSHEET)
    assert text.index("## Power") < text.index("## Networking")  # in the order of the file
    assert "- [Networking](#networking)" in text
    assert ("| Power on | `Get-VM \\| Select-Object Name` | `openstack server start SERVER` |"
            in text)
    assert "| *(none; NSX does it)* |" in text
    assert "- <https://example.org/b>" in text
    assert text.endswith("## The notebooks\n\n- 05 · Title\n")


def test_the_command_line_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert outline.main(["--print", "cheatsheet"]) == 0
    assert capsys.readouterr().out.startswith(outline.GENERATED_CHEATSHEET)
