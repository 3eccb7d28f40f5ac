"""Turn OpenStack and keystoneauth exceptions into short, friendly explanations for learners."""

from __future__ import annotations

import html
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
    if "image" in lower and any(
        w in lower
        for w in (
            "not found",
            "could not be found",
            "not visible",
            "not active",
            "invalid imageref",
        )
    ):
        return CourseError(
            "Image not found or not visible to your project",
            f"Nova could not use the image you named ({msg}).",
            "List the images you can use with `[i.name for i in conn.image.images()]`, check "
            "the name or ID, and make sure the image is active. A private image of another "
            "project must be shared with yours (or made public) first.",
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


EXPLAINERS: tuple[Explainer, ...] = (
    _unauthorized,
    _connection,
    _endpoint,
    _config,
    _quota,
    _forbidden,
    _conflict,
    _bad_request,
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
    return []


def install_ipython_handler(shell: Any = None) -> bool:
    """Show OpenStack errors as one short box without a traceback. Returns False outside IPython."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    shell.set_custom_exc(HANDLED_TYPES, _handler)
    return True
