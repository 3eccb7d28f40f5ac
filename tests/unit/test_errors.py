from __future__ import annotations

from types import SimpleNamespace

import pytest
from keystoneauth1 import exceptions as ksa_exc
from openstack import exceptions as sdk_exc

from osworkshop import errors
from osworkshop.errors import CourseError, explain, explain_server_fault, friendly


def _explained(exc: BaseException) -> CourseError:
    err = explain(exc)
    assert err is not None, exc
    assert err.original is exc
    return err


def test_wrong_credentials() -> None:
    err = _explained(ksa_exc.Unauthorized("The request you have made requires authentication."))
    assert err.title == "Wrong user name, password or project"
    assert "clouds.yaml" in err.what_to_do


def test_lab_not_running() -> None:
    exc = ksa_exc.ConnectFailure(
        "Unable to establish connection to http://127.0.0.1:5000/v3/auth/tokens: "
        "[Errno 111] Connection refused"
    )
    err = _explained(exc)
    assert err.title == "The cloud is not answering"
    assert "python3 -m labsetup up" in err.what_to_do
    assert "python3 -m labsetup status" in err.what_to_do


def test_sdk_exception_wrapping_connection_refused() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, "Connection refused")
        except ConnectionRefusedError as inner:
            raise sdk_exc.SDKException("Error fetching server list") from inner
    except sdk_exc.SDKException as exc:
        assert _explained(exc).title == "The cloud is not answering"


def test_service_not_offered() -> None:
    for exc in (
        ksa_exc.EndpointNotFound("public endpoint for object-store service not found"),
        sdk_exc.ServiceDiscoveryException(
            "Failed to create a working proxy for service object-store"
        ),
    ):
        err = _explained(exc)
        assert err.title == "This cloud does not offer that service"
        assert "services(conn)" in err.what_to_do


def test_unknown_cloud_lists_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errors, "_cloud_names", lambda: ["lab-admin", "lab-demo"])
    err = _explained(sdk_exc.ConfigException("Cloud lab-demmo was not found."))
    assert err.title == "Cloud configuration problem"
    assert "lab-demmo" in err.detail
    assert "`lab-admin`, `lab-demo`" in err.detail


def test_quota_exceeded_names_the_resource() -> None:
    exc = sdk_exc.ForbiddenException(
        "Quota exceeded for cores: Requested 4, but already used 20 of 20 cores"
    )
    err = _explained(exc)
    assert err.title == "Quota exceeded"
    assert "quota for cores" in err.detail
    assert "openstack quota show" in err.what_to_do


def test_neutron_quota_is_a_conflict_but_still_quota() -> None:
    err = _explained(sdk_exc.ConflictException("Quota exceeded for resources: ['port']."))
    assert err.title == "Quota exceeded"
    assert "for port" in err.detail


def test_forbidden_by_policy() -> None:
    exc = sdk_exc.ForbiddenException(
        "Policy doesn't allow os_compute_api:os-hypervisors:list-detail to be performed."
    )
    err = _explained(exc)
    assert err.title == "Your role does not allow this"
    assert "admin" in err.what_to_do


@pytest.mark.parametrize(
    ("message", "title"),
    [
        (
            "Invalid volume: Volume status must be available or error, but current status is: in-use.",
            "The volume is still attached or busy",
        ),
        ("Security group with name web already exists", "That name or address is already taken"),
        (
            "Cannot 'resize' instance 1234 while it is in task_state migrating",
            "The server is busy with another action",
        ),
        (
            (
                "Unable to complete operation on subnet abc: One or more ports have an IP "
                "allocation from this subnet. Port in use."
            ),
            "Something still uses this resource",
        ),
        ("Something unusual", "Conflict with the resource's current state"),
    ],
)
def test_conflicts(message: str, title: str) -> None:
    err = _explained(sdk_exc.ConflictException(message))
    assert err.title == title
    assert message in err.detail


def test_image_not_visible() -> None:
    err = _explained(sdk_exc.BadRequestException("Image 3f1b could not be found."))
    assert err.title == "Image not found or not visible to your project"


def test_other_bad_request_keeps_the_message() -> None:
    err = _explained(sdk_exc.BadRequestException("Invalid input for field/attribute name."))
    assert err.title == "The cloud rejected the request"
    assert "field/attribute name" in err.detail


def test_not_found() -> None:
    err = _explained(sdk_exc.ResourceNotFound("No Server found for web-1"))
    assert err.title == "Not found"
    assert "web-1" in err.detail


def test_timeout() -> None:
    err = _explained(sdk_exc.ResourceTimeout("Timeout waiting for the server to come up."))
    assert err.title == "Timed out waiting"


def test_unknown_exception_is_left_alone() -> None:
    assert explain(ValueError("x")) is None


def test_course_error_explains_itself() -> None:
    err = CourseError("T", "D", "W")
    assert explain(err) is err
    assert "What to do: W" in str(err)
    assert "<b>T</b>" in err.to_html()


def test_html_escapes_and_formats_code() -> None:
    html = CourseError("<x>", "run `a<b`", "ok").to_html()
    assert "&lt;x&gt;" in html
    assert "<code>a&lt;b</code>" in html


def test_server_fault_no_valid_host() -> None:
    server = SimpleNamespace(
        status="ERROR",
        name="web-1",
        fault={
            "code": 500,
            "message": "No valid host was found. There are not enough hosts available.",
        },
    )
    err = explain_server_fault(server)
    assert err is not None
    assert err.title == "No compute node could take web-1"
    assert "smaller flavor" in err.what_to_do


def test_server_fault_quota_recheck() -> None:
    server = SimpleNamespace(
        status="ERROR",
        name="web-2",
        fault={
            "code": 413,
            "message": "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances",
        },
    )
    err = explain_server_fault(server)
    assert err is not None
    assert "over quota" in err.title
    assert "for instances" in err.detail


def test_server_fault_only_for_error() -> None:
    assert explain_server_fault(SimpleNamespace(status="ACTIVE", fault=None)) is None


def test_friendly_reraises_as_course_error() -> None:
    with pytest.raises(CourseError) as info, friendly():
        raise sdk_exc.ForbiddenException("Policy doesn't allow this.")
    assert isinstance(info.value.__cause__, sdk_exc.ForbiddenException)


def test_friendly_lets_other_errors_through() -> None:
    with pytest.raises(KeyError), friendly():
        raise KeyError("x")


def test_ipython_handler_shows_a_box_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        assert errors.install_ipython_handler(shell)
        shell.run_cell(
            "from openstack import exceptions as e\n"
            "raise e.ForbiddenException('Quota exceeded for ram: Requested 4096, but already used 8192 of 8192 ram')"
        )
        out = capsys.readouterr()
        assert "Quota exceeded" in out.out
        assert "openstack quota show" in out.out
        assert "Traceback" not in out.out + out.err
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()


def test_ipython_handler_outside_ipython() -> None:
    assert errors.install_ipython_handler() is False


def test_ipython_handler_keeps_tracebacks_for_unknown_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        errors.install_ipython_handler(shell)
        shell.run_cell(
            "from openstack import exceptions as e\nraise e.SDKException('strange thing')"
        )
        out = capsys.readouterr()
        assert "strange thing" in out.out + out.err
        assert "SDKException" in out.out + out.err
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()


def _from_response(status: int, body: str) -> sdk_exc.SDKException:
    import requests

    response = requests.Response()
    response.status_code = status
    response.headers["content-type"] = "application/json"
    response._content = body.encode()
    try:
        sdk_exc.raise_from_response(response)
    except sdk_exc.SDKException as exc:
        return exc
    raise AssertionError("no exception raised")


def test_real_sdk_response_quota() -> None:
    exc = _from_response(
        403,
        '{"forbidden": {"code": 403, "message": "Quota exceeded for instances: '
        'Requested 1, but already used 10 of 10 instances"}}',
    )
    assert isinstance(exc, sdk_exc.ForbiddenException)
    err = _explained(exc)
    assert err.title == "Quota exceeded"
    assert err.detail.startswith("Your project has used up its quota for instances (Quota exceeded")


def test_real_sdk_response_cinder_over_limit() -> None:
    exc = _from_response(
        413,
        '{"overLimit": {"code": 413, "message": "VolumeSizeExceedsAvailableQuota: Requested volume '
        "or snapshot exceeds allowed gigabytes quota. Requested 50G, quota is 10G and 0G has "
        'been consumed."}}',
    )
    err = _explained(exc)
    assert err.title == "Quota exceeded"
    assert "quota for gigabytes" in err.detail


def test_explain_looks_under_a_wrapping_sdk_exception() -> None:
    from keystoneauth1.exceptions.http import Unauthorized
    from openstack.exceptions import SDKException

    from osworkshop.errors import explain

    try:
        try:
            raise Unauthorized("The request you have made requires authentication.")
        except Unauthorized as inner:
            raise SDKException("Error authenticating to keystone") from inner
    except SDKException as exc:
        outer, err = exc, explain(exc)
    assert err is not None and err.original is outer
    assert "password" in (err.title + err.detail + err.what_to_do).lower()


def test_strict_mode_lets_an_unexpected_error_fail_the_notebook_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the test suite (OSWORKSHOP_STRICT), nbval must see the error, box or not."""
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.setenv("OSWORKSHOP_STRICT", "1")
    shell = InteractiveShell.instance()
    try:
        errors.install_ipython_handler(shell)
        result = shell.run_cell(
            "from openstack import exceptions as e\nraise e.ForbiddenException('not allowed')"
        )
        out = capsys.readouterr()
        assert "Your role does not allow this" in out.out  # the learner's box is still shown
        assert "Traceback" in out.out + out.err  # and the error reaches nbval
        assert result.error_in_exec is not None
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()
