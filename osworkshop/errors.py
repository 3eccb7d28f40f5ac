"""Turn OpenStack and keystoneauth exceptions into short, friendly explanations for learners."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

LAB_UP = "python3 -m labsetup up"
LAB_STATUS = "python3 -m labsetup status"


class CourseError(Exception):
    """An error explained for a learner: a title, what happened, and what to do."""

    def __init__(
        self, title: str, detail: str, what_to_do: str, *, original: BaseException | None = None
    ) -> None:
        super().__init__(f"{title}: {detail}")
        self.title = title
        self.detail = detail
        self.what_to_do = what_to_do
        self.original = original

    def __str__(self) -> str:
        return f"{self.title}\n{self.detail}\nWhat to do: {self.what_to_do}"

    def to_markdown(self) -> str:
        return f"**{self.title}**\n\n{self.detail}\n\n**What to do:** {self.what_to_do}"

    def to_html(self) -> str:
        def fmt(text: str) -> str:  # `code` spans become <code>, everything else is escaped
            return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))

        return (
            '<div class="osworkshop-error" style="border-left:6px solid #c0392b;'
            'background:#fdf2f1;padding:0.6em 1em;margin:0.4em 0;">'
            f"<b>{fmt(self.title)}</b>"
            f'<p style="margin:0.4em 0">{fmt(self.detail)}</p>'
            f'<p style="margin:0.4em 0"><b>What to do:</b> {fmt(self.what_to_do)}</p></div>'
        )

    def _repr_html_(self) -> str:
        return self.to_html()


# --------------------------------------------------------------------------- helpers


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from, most recent first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _message(exc: BaseException) -> str:
    """The server's message, without the SDK's URL decoration where possible."""
    for attr in ("details", "message"):
        value = getattr(exc, attr, None)
        if value and str(value).strip() and str(value) != "Error":
            return str(value).strip()
    return str(exc).strip() or type(exc).__name__


def _status(exc: BaseException) -> int | None:
    for attr in ("status_code", "http_status"):
        value = getattr(exc, attr, None)
        if isinstance(value, int) and value:
            return value
    return None


def _is_connection_problem(exc: BaseException) -> bool:
    for item in _chain(exc):
        if isinstance(item, (ksa_exc.ConnectionError, ConnectionRefusedError)):
            return True
        text = str(item)
        if "Connection refused" in text or "Failed to establish a new connection" in text:
            return True
    return False


def _quota_resource(text: str) -> str | None:
    patterns = (
        r"[Qq]uota exceeded for (?:resources: )?\[?'?([\w-]+)",
        r"for quota '([\w-]+)'",
        r"exceeded for quota:? ([\w-]+)",
        r"[Mm]aximum number of ([\w -]+?) allowed",
        r"allowed ([\w-]+) quota",
        r"number of allowed ([\w -]+?)\.",  # Glance: image properties, tags, members
    )
    for pattern in patterns:
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    return None


def _cloud_names() -> list[str]:
    try:
        from openstack import config as os_config

        return sorted(os_config.OpenStackConfig().get_cloud_names())
    except Exception:  # noqa: BLE001 - the configuration itself may be what is broken
        return []


# --------------------------------------------------------------------------- explainers

Explainer = Callable[[BaseException, str], "CourseError | None"]


def _unauthorized(exc: BaseException, msg: str) -> CourseError | None:
    if isinstance(exc, ksa_exc.Unauthorized) or _status(exc) == 401:
        return CourseError(
            "Wrong user name, password or project",
            f"Keystone, the identity service, did not accept your credentials ({msg}).",
            "Check the cloud name you passed to `connect()` and its entry in clouds.yaml "
            "(user name, password, project, domain). In the course lab the entries are "
            "written for you: `python3 -m labsetup credentials` shows the file and its clouds.",
        )
    return None


def _connection(exc: BaseException, msg: str) -> CourseError | None:
    if _is_connection_problem(exc):
        return CourseError(
            "The cloud is not answering",
            f"Nothing answered at the address in your cloud configuration ({msg}).",
            f"If you use the course lab, start it with `{LAB_UP}` and check it with "
            f"`{LAB_STATUS}`; then run this cell again. On another cloud, check that auth_url "
            "in clouds.yaml is correct and reachable from here.",
        )
    return None


def _endpoint(exc: BaseException, msg: str) -> CourseError | None:
    missing = (
        ksa_exc.EndpointNotFound,
        sdk_exc.EndpointNotFound,
        sdk_exc.ServiceDiscoveryException,
        sdk_exc.ServiceDisabledException,
    )
    if isinstance(exc, missing):
        return CourseError(
            "This cloud does not offer that service",
            f"The service catalog has no usable endpoint for what you asked ({msg}).",
            "See what this cloud offers with `osworkshop.services(conn)` or "
            "`openstack catalog list`. The notebook skips the parts that need a missing "
            "service; if you use the course lab, every service should be there: run "
            f"`{LAB_STATUS}`.",
        )
    return None


def _config(exc: BaseException, msg: str) -> CourseError | None:
    if isinstance(exc, sdk_exc.ConfigException):
        names = _cloud_names()
        found = ", ".join(f"`{n}`" for n in names) if names else "none"
        return CourseError(
            "Cloud configuration problem",
            f"openstacksdk could not use your cloud configuration: {msg} Clouds found: {found}.",
            "Pass one of the cloud names found to `connect()`, or set OS_CLOUD. clouds.yaml is "
            "read from the current directory, ~/.config/openstack/ and /etc/openstack/; "
            "if it is malformed, fix its YAML indentation.",
        )
    return None


def _quota(exc: BaseException, msg: str) -> CourseError | None:
    lower = msg.lower()
    is_http = isinstance(exc, (sdk_exc.HttpException, ksa_exc.HttpError))
    if is_http and "quota" in lower and ("exceed" in lower or "limit" in lower):
        resource = _quota_resource(msg)
        which = f"for {resource} " if resource else ""
        return CourseError(
            "Quota exceeded",
            f"Your project has used up its quota {which}({msg}).",
            "See your limits and usage with `openstack quota show` (or "
            "`conn.compute.get_limits()`), delete what you no longer need (for example "
            "`osworkshop.cleanup(conn, '<notebook>')`), or ask an administrator to raise "
            "the quota.",
        )
    if is_http and _status(exc) == 413 and "limit has been exceeded" in lower:
        resource = _quota_resource(msg) or "items"
        return CourseError(
            f"Quota exceeded: too many {resource}",
            f"The image service caps how many {resource} one image may have ({msg}).",
            "This cap is the same for every project: the operator sets it in glance-api.conf "
            "(`image_property_quota`, `image_tag_quota`, `image_member_quota`, 128 by "
            "default). Keep fewer of them on one image.",
        )
    return None


def _forbidden(exc: BaseException, msg: str) -> CourseError | None:
    if isinstance(exc, (sdk_exc.ForbiddenException, ksa_exc.Forbidden)) or _status(exc) == 403:
        return CourseError(
            "Your role does not allow this",
            f"The cloud's policy refused the request ({msg}).",
            "This action needs a stronger role in this project, often admin. Members create "
            "and delete their own resources; only admins manage hosts, flavors, other "
            "projects and quotas. In the course, admin steps use `osworkshop.admin()`.",
        )
    return None


_CONFLICT_CASES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("availability zone of the host would change",),  # Nova: host aggregate with servers
        "A host that runs servers cannot change availability zone",
        (
            "Nova keeps every server in the zone it was placed in, so it refuses to move a host "
            "that has servers into another zone (or out of one). Delete or move the servers on "
            "that host first (as admin: `admin.compute.servers(all_projects=True, "
            "compute_host=HOST)`), then add or remove the host again."
        ),
    ),
    (
        ("already has host", "already in availability zone"),  # Nova: aggregate membership
        "The host is already in that aggregate or in another zone",
        (
            "Read the aggregate back (`admin.compute.get_aggregate(agg).hosts`): a host is added "
            "only once, and it can belong to one availability zone at a time. Remove it from "
            "the other zone's aggregate first if you meant to move it."
        ),
    ),
    (
        ("already allocated",),  # Neutron: a fixed IP another port holds
        "That IP address is already in use",
        (
            "Another port on the subnet holds this fixed IP. Find it with "
            "`list(conn.network.ports(fixed_ips=['ip_address=<address>']))`, pick a free "
            "address, or leave `ip_address` out so Neutron chooses one."
        ),
    ),
    (
        ("mac address",),  # Neutron: "The mac address fa:16:3e:... is in use."
        "That MAC address is already in use",
        (
            "Another port on the network holds this MAC address (a port that keeps a VM's MAC "
            "must be the only one with it). Find it with "
            "`list(conn.network.ports(mac_address='<mac>'))`, delete or reuse that port, or "
            "leave `mac_address` out so Neutron picks one (fa:16:3e:...)."
        ),
    ),
    (
        ("attached", "in-use", "in use by", "status must be available"),
        "The volume is still attached or busy",
        (
            "Detach the volume first (`conn.compute.delete_volume_attachment(server, volume)`), "
            "wait until its status is available, then try again."
        ),
    ),
    (
        ("already exists", "duplicate", "already in use", "is taken"),
        "That name or address is already taken",
        (
            "Choose another name (or IP address), or reuse the existing resource instead of "
            "creating a new one."
        ),
    ),
    (
        ("vm_state stopped",),  # Nova: reboot (or stop, pause ...) asked of a stopped server
        "The server is stopped",
        (
            "Start it first with `conn.compute.start_server(server)` and wait until it is "
            "ACTIVE, then try again. (A stopped server needs no stop.)"
        ),
    ),
    (
        ("vm_state resized",),  # Nova: any action but confirm or revert during VERIFY_RESIZE
        "The resize waits for your confirmation",
        (
            "The server is in VERIFY_RESIZE. Confirm the resize with "
            "`conn.compute.confirm_server_resize(server)` (or undo it with "
            "`conn.compute.revert_server_resize(server)`), wait until it is ACTIVE, then try again."
        ),
    ),
    (
        ("task_state", "while it is in", "vm_state", "locked"),
        "The server is busy with another action",
        "Wait until its status settles (ACTIVE, SHUTOFF or ERROR) and run the cell again.",
    ),
    (
        ("port", "in use", "inuse", "dependent", "has one or more"),
        "Something still uses this resource",
        (
            "Remove what depends on it first (ports, router interfaces, floating IPs, "
            "servers), then delete it."
        ),
    ),
)


def _storage_state(exc: BaseException, msg: str) -> CourseError | None:
    """Notebook 08: a snapshot of an attached volume, and deleting a non-empty Swift container."""
    status, lower = _status(exc), msg.lower()
    url = str(getattr(exc, "url", "") or "").split("?")[0].rstrip("/")
    if status == 400 and "invalid volume" in lower and "in-use" in lower and (
        url.endswith("/snapshots")
    ):
        return CourseError(
            "The volume is attached: say force=True to snapshot it",
            f"Cinder refused a snapshot of a volume that a server is using ({msg}).",
            "Pass `force=True` to `conn.block_storage.create_snapshot(...)`, or detach the "
            "volume first. openstacksdk asks for snapshots with Block Storage API 3.65; only "
            "from 3.66 on does Cinder snapshot an attached volume without being told. Such a "
            "snapshot is crash-consistent, like pulling the plug: stop the writes first when "
            "that matters.",
        )
    if status == 409 and getattr(exc, "method", None) == "DELETE" and re.search(
        r"/v1/[^/]+/[^/]+$", url
    ):
        return CourseError(
            "The container is not empty",
            "Swift answered 409 Conflict: it deletes only an empty container, and this one "
            "still holds objects.",
            "Delete its objects first, then the container: `for obj in "
            "list(conn.object_store.objects(name)): conn.object_store.delete_object(obj, "
            "container=name)`. The CLI does both with `openstack container delete "
            "--recursive <name>`.",
        )
    return None


def _conflict(exc: BaseException, msg: str) -> CourseError | None:
    if not (isinstance(exc, (sdk_exc.ConflictException, ksa_exc.Conflict)) or _status(exc) == 409):
        return None
    lower = msg.lower()
    for words, title, todo in _CONFLICT_CASES:
        if any(w in lower for w in words):
            return CourseError(title, f"The cloud reported a conflict: {msg}", todo)
    return CourseError(
        "Conflict with the resource's current state",
        f"The cloud reported a conflict: {msg}",
        "Read the message above: usually something is still attached, in use or busy. "
        "Fix that and try again.",
    )


def _bad_request(exc: BaseException, msg: str) -> CourseError | None:
    if not (
        isinstance(exc, (sdk_exc.BadRequestException, ksa_exc.BadRequest)) or _status(exc) == 400
    ):
        return None
    lower = msg.lower()
    if "invalid volume" in lower and ("attached" in lower or "status must be" in lower):
        # Cinder answers 400 (not 409) to deleting a volume that is attached or busy.
        return CourseError(
            "The volume is still attached or busy",
            f"Cinder refused because of the volume's state ({msg}).",
            "Detach it first (`conn.compute.delete_volume_attachment(server, volume)`), wait "
            "until its status is available (`conn.block_storage.wait_for_status(volume, "
            "'available')`), then try again. Deleting the server also detaches it.",
        )
    if "availability zone is not available" in lower:  # Nova: boot into an unknown zone
        return CourseError(
            "No such availability zone",
            f"Nova knows no zone by that name, or the zone has no enabled compute host ({msg}).",
            "List the zones you may use with `[z.name for z in conn.compute.availability_zones()]` "
            "and copy the name exactly (zone names are case-sensitive). A zone appears only "
            "once an administrator has put a host into it through a host aggregate.",
        )
    if "image" in lower and any(
        w in lower
        for w in (
            "not found",
            "could not be found",
            "not visible",
            "not active",
            "invalid imageref",
            "can not find",  # Nova: "Can not find requested image"
        )
    ):
        return CourseError(
            "Image not found or not visible to your project",
            f"Nova could not use the image you named ({msg}).",
            "List the images you can use with `[i.name for i in conn.image.images()]`, check "
            "the name or ID, and make sure the image is active. A private image of another "
            "project must be shared with yours (or made public) first.",
        )
    if "too small for requested image" in lower:  # the image's min_ram or min_disk
        return CourseError(
            "The flavor is too small for this image",
            f"The image asks for more memory or disk than the flavor gives ({msg}).",
            "Compare the image's `min_ram` (MiB) and `min_disk` (GiB) with the flavor's `ram` "
            "and `disk`, and pick a larger flavor (`list(conn.compute.flavors())`).",
        )
    return CourseError(
        "The cloud rejected the request",
        f"The request was not valid: {msg}",
        "Read the message: it names the field or value the service did not accept. "
        "Fix it and run the cell again.",
    )


def _not_found(exc: BaseException, msg: str) -> CourseError | None:
    if isinstance(exc, (sdk_exc.NotFoundException, ksa_exc.NotFound)) or _status(exc) == 404:
        return CourseError(
            "Not found",
            f"The cloud has no such resource visible to you ({msg}).",
            "It may have been deleted, belong to another project, or the name may be "
            "misspelled. List what exists (for example `list(conn.compute.servers())`) and "
            "use the exact name or ID.",
        )
    return None


def _timeout(exc: BaseException, msg: str) -> CourseError | None:
    if isinstance(exc, sdk_exc.ResourceTimeout):
        return CourseError(
            "Timed out waiting",
            f"The resource did not reach the expected state in time ({msg}).",
            "Look at its current status (for example `conn.compute.get_server(server_id).status`). "
            "A small lab can be slow: wait a little and run the cell again, or pass a longer "
            "`wait=` value.",
        )
    return None


def _failure(exc: BaseException, msg: str) -> CourseError | None:
    if isinstance(exc, sdk_exc.ResourceFailure):
        return CourseError(
            "The resource went into ERROR",
            f"The cloud reported a failure: {msg}",
            "For a server, call `osworkshop.errors.explain_server_fault(conn.compute.get_server(server_id))` "
            "to read why. Delete the failed resource before you try again.",
        )
    return None


def _server_error(exc: BaseException, msg: str) -> CourseError | None:
    status = _status(exc)
    if status is not None and status >= 500:
        return CourseError(
            "The cloud had an internal error",
            f"A service answered with HTTP {status} ({msg}).",
            f"Run the cell again once. If it fails again and you use the course lab, run "
            f"`{LAB_STATUS}` to see which service is unhealthy and where its log is.",
        )
    return None



def _response_text(exc: BaseException) -> str:
    """The body the service sent, where the SDK kept it (Glance explains 415s only there)."""
    response = getattr(exc, "response", None)
    try:
        return str(getattr(response, "text", "") or "")
    except Exception:  # noqa: BLE001 - a half-read response must not hide the real error
        return ""


def _image_members(exc: BaseException, msg: str) -> CourseError | None:
    """Glance refuses members on an image that is not shared (403, before the role check)."""
    lower = msg.lower()
    forbidden = isinstance(exc, (sdk_exc.ForbiddenException, ksa_exc.Forbidden))
    if (forbidden or _status(exc) == 403) and "members" in lower and "image" in lower:
        return CourseError(
            "Only a shared image can have members",
            f"Glance refused the member request ({msg}).",
            "Members can be added only while the image's visibility is `shared`, and only by "
            "the project that owns it: `conn.image.update_image(image, visibility='shared')`, "
            "then `conn.image.add_member(image, member_id=<project id>)`. Private, community "
            "and public images have no member list.",
        )
    return None


def _format_mismatch(exc: BaseException, msg: str) -> CourseError | None:
    """Glance (since 2025.1) inspects uploads and refuses data that is not the declared format."""
    if _status(exc) != 415:
        return None
    body = _response_text(exc) or msg
    match = re.search(r"disk_format (\S+) does not match stream data (\S+)", body)
    if match is None:
        return None
    declared, found = match.groups()
    gpt = " (Glance calls any disk that starts with a partition table gpt, MBR included.)"
    return CourseError(
        "The file is not in the disk format you declared",
        f"You uploaded it as disk_format {declared}, but Glance inspected the data and found "
        f"{found}.{gpt if found == 'gpt' else ''}",
        "Ask the file itself with `qemu-img info <file>` and upload it with that format "
        "(a raw disk, partitioned or not, is `raw`), or convert it first with "
        "`qemu-img convert -O qcow2 <file> <new file>`. The SDK deleted the half-made image.",
    )


def _duplicate(exc: BaseException, msg: str) -> CourseError | None:
    if isinstance(exc, sdk_exc.DuplicateResource):
        return CourseError(
            "More than one resource has that name",
            f"Names are labels, not keys: the service allowed several resources with the same "
            f"name, so a look-up by name cannot choose ({msg}).",
            "Use the ID instead (`image.id`, `server.id`); list them with, for example, "
            "`[(i.id, i.created_at) for i in conn.image.images(name='<name>')]` and delete "
            "the copies you do not want.",
        )
    return None


EXPLAINERS: tuple[Explainer, ...] = (
    _unauthorized,
    _connection,
    _endpoint,
    _config,
    _quota,
    _image_members,
    _forbidden,
    _storage_state,
    _conflict,
    _bad_request,
    _format_mismatch,
    _duplicate,
    _not_found,
    _timeout,
    _failure,
    _server_error,
)

#: Exception types the IPython handler intercepts.
HANDLED_TYPES: tuple[type[BaseException], ...] = (
    CourseError,
    ksa_exc.ClientException,
    sdk_exc.SDKException,
)


def explain(exc: BaseException) -> CourseError | None:
    """A CourseError describing ``exc`` for a learner, or None if it is not one we know."""
    if isinstance(exc, CourseError):
        return exc
    # The SDK sometimes re-raises keystoneauth's error as a bare SDKException: look underneath.
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        msg = _message(current)
        for explainer in EXPLAINERS:
            result = explainer(current, msg)
            if result is not None:
                result.original = exc
                return result
        current = current.__cause__ or current.__context__
    return None


def explain_server_fault(server: Any) -> CourseError | None:
    """Explain why a server is in ERROR, from its ``fault``; None if it is not in ERROR."""
    if getattr(server, "status", None) != "ERROR":
        return None
    fault = getattr(server, "fault", None) or {}
    message = str(fault.get("message", "")) if isinstance(fault, dict) else str(fault)
    code = fault.get("code") if isinstance(fault, dict) else None
    name = getattr(server, "name", None) or getattr(server, "id", "the server")
    cleanup = f"Delete the failed server (`conn.compute.delete_server('{name}')`) before retrying."
    groups = getattr(server, "server_groups", None) or []  # shown since compute API 2.71
    if "no valid host" in message.lower() and groups:
        return CourseError(
            f"No compute node could take {name} under its server group's rule",
            f"{name} belongs to server group {', '.join(map(str, groups))}. Under "
            "anti-affinity every member needs a host of its own, so the group cannot grow "
            "beyond the number of hosts that can take it; under affinity, all members must "
            f"fit on one host. Nova said: {message}",
            "Use policy `soft-anti-affinity` (spread when possible, never refuse), allow more "
            "members per host with the rule `max_server_per_host`, or add compute hosts. "
            f"{cleanup}",
        )
    if "no valid host" in message.lower():
        return CourseError(
            f"No compute node could take {name}",
            f"The scheduler found no host with enough free vCPU, RAM or disk for the flavor, "
            f"or none matching its rules ({message}).",
            "Use a smaller flavor, delete servers you no longer need, or (as an admin) check "
            f"that compute services are up with `openstack compute service list`. {cleanup}",
        )
    if code == 413 or "quota" in message.lower():
        resource = _quota_resource(message)
        which = f" for {resource}" if resource else ""
        return CourseError(
            f"{name} went over quota at the last moment",
            f"The request was accepted, but a final quota check{which} failed, usually because "
            f"several servers were created at the same time ({message}).",
            f"Check `openstack quota show`, free some resources, then boot again. {cleanup}",
        )
    return CourseError(
        f"{name} is in ERROR",
        f"Nova recorded this fault: {message or 'no message'} (code {code}).",
        f"Read the message for the cause. {cleanup}",
    )


@contextmanager
def friendly() -> Iterator[None]:
    """Re-raise known OpenStack errors inside the block as CourseError."""
    try:
        yield
    except CourseError:
        raise
    except Exception as exc:
        err = explain(exc)
        if err is None:
            raise
        raise err from exc


def _handler(
    shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None
) -> list[str]:
    err = explain(value)
    if err is None:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return []
    from IPython.display import display

    display(
        {"text/html": err.to_html(), "text/markdown": err.to_markdown(), "text/plain": str(err)},
        raw=True,
    )
    if os.environ.get("OSWORKSHOP_STRICT"):
        # The test suite runs every notebook: an error no cell expected is a defect, so it
        # must reach nbval as an error, not only as the learner's friendly box.
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
    return []


def ipython_shell() -> Any:
    """The running IPython shell, or None (a script, or IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def install_ipython_handler(shell: Any = None) -> bool:
    """Show OpenStack errors as one short box without a traceback. Returns False outside IPython."""
    shell = shell or ipython_shell()
    if shell is None:
        return False
    shell.set_custom_exc(HANDLED_TYPES, _handler)
    return True
