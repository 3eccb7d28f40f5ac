"""Fixtures for the browser test: Debian's chromium driven by Playwright, JupyterLab from the lab.

The test needs `/usr/bin/chromium` (Debian package `chromium`; Playwright's own browser downloads
are never used) and JupyterLab as `python3 -m labsetup up` starts it. Without chromium the tests
are skipped with the reason; a JupyterLab that does not answer is a failure, not a skip.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

#: Debian's chromium; CHROMIUM_PATH points elsewhere (for a machine that has it in another place).
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
#: Screenshots and a failure screenshot go here (gitignored).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in Debian's chromium (skipped without chromium)"
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, Any]:
    report = yield
    setattr(item, f"rep_{report.when}", report)  # read by the page fixture's teardown
    return report


@dataclass(frozen=True)
class Jupyter:
    """Where the lab's JupyterLab listens, read the way `labsetup up` prints it."""

    url: str  # http://127.0.0.1:8888/lab?token=...
    base: str  # http://127.0.0.1:8888
    token: str
    root: Path  # the directory JupyterLab serves (notebooks/)

    def api(self, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(
            f"{self.base}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as reply:
            body = reply.read()
        return json.loads(body) if body else None

    def sessions(self) -> list[dict[str, Any]]:
        return list(self.api("/api/sessions"))


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium. Without it the browser tests are skipped with this reason, unless
    ``labsetup test`` ran as root: it installs chromium then, so a missing one is a failure."""
    if not CHROMIUM.exists():
        why = (f"no chromium at {CHROMIUM}: install Debian's package with "
               "`apt-get install -y chromium` (as root) to run the browser test")
        if os.environ.get("LABSETUP_BROWSER_REQUIRED") == "1":
            pytest.fail(f"{why}; `labsetup test` tried to install it (see its install.log)")
        pytest.skip(why)
    return CHROMIUM


@pytest.fixture(scope="session")
def jupyter(chromium: Path) -> Jupyter:
    """JupyterLab's URL and token from the lab's own state (labsetup's secrets.json)."""
    from labsetup.config import REPO, Lab
    from labsetup.lab import JUPYTER

    url = JUPYTER.url(Lab.load())  # exactly the line `python3 -m labsetup up` prints
    parts = urlsplit(url)
    token = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)["token"]
    lab = Jupyter(url=url, base=f"{parts.scheme}://{parts.netloc}", token=token,
                  root=REPO / "notebooks")
    try:
        lab.api("/api/status")
    except (urllib.error.URLError, OSError) as exc:
        pytest.fail(f"JupyterLab does not answer at {lab.base} ({exc}). Start the lab with "
                    "`python3 -m labsetup up` (it starts JupyterLab too) and run the test again.")
    return lab


@dataclass
class Guard:
    """Answers JupyterLab's writes (save, checkpoint, workspace, settings) in the browser so
    that the test changes nothing on disk: notebooks stay without outputs, the learner's
    workspace and settings stay as they were."""

    writes: list[str] = field(default_factory=list)

    def handle(self, route: Any) -> None:
        request = route.request
        path = urlsplit(request.url).path
        if request.method == "GET" and path.endswith("/checkpoints"):
            route.fulfill(status=200, json=[])  # listing them would create .ipynb_checkpoints/
            return
        if request.method in ("GET", "HEAD"):
            route.continue_()
            return
        self.writes.append(f"{request.method} {path}")
        if path.endswith("/checkpoints"):
            route.fulfill(status=201, json={"id": "browser-test", "last_modified":
                                            "2026-01-01T00:00:00Z"})
        elif "/api/contents/" in path and request.method == "PUT":
            # Answer a save with the file's unchanged model, as if it had been saved.
            route.fulfill(response=route.fetch(method="GET", url=request.url.split("?")[0] +
                                               "?content=0"))
        else:
            route.fulfill(status=204, body="")


@pytest.fixture
def artifacts() -> Path:
    """`test-artifacts/browser/`, emptied of the screenshots of an earlier run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    chromium: Path,
    jupyter: Jupyter,
    guard: Guard,
    artifacts: Path,
) -> Iterator[Any]:
    """A chromium page on which JupyterLab cannot write; the kernels it starts are shut down
    afterwards, and a failing test leaves `failure.png` in the artifacts."""
    from playwright.sync_api import sync_playwright

    before = {s["id"] for s in jupyter.sessions()}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium))
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.route("**/api/contents/**", guard.handle)
            page.route("**/lab/api/workspaces/**", guard.handle)
            page.route("**/lab/api/settings/**", guard.handle)
            yield page
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                page.screenshot(path=artifacts / "failure.png")
        finally:
            browser.close()
            for session in jupyter.sessions():  # shut down the kernels this test started
                if session["id"] not in before:
                    jupyter.api(f"/api/sessions/{session['id']}", method="DELETE")
