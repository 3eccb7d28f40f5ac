"""A learner's path through JupyterLab, in a real browser.

Debian's chromium, driven by Playwright, opens the JupyterLab that `python3 -m labsetup up`
started (URL and token read the way `up` prints them), opens the comparison notebook
`02-what-openstack-is.ipynb` from the file browser, runs all cells from the Run menu, waits for
the kernel, and then uses two widgets as a learner would: it picks another project in the
codename explorer (a dropdown) and moves the release explorer's year slider, and checks that
each output changes. Screenshots go to `test-artifacts/browser/`.

Nothing is written to disk: the page's saves, checkpoints and workspace changes are answered
in the browser (see `Guard` in conftest.py), the notebook file is compared byte for byte
afterwards, and the kernel the test started is shut down.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.lab, pytest.mark.slow]

NOTEBOOK = "02-what-openstack-is.ipynb"
WORKSPACE = "osworkshop-browser-test"  # a private workspace, so the learner's layout is untouched
RUN_TIMEOUT_MS = 600_000  # the whole notebook; about 30 s on a 2-core machine

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'

#: Prompts of the open notebook's code cells ("" for a cell whose input is hidden, such as the
#: solution cells); "[*]:" while queued or running, "[7]:" when done, "[ ]:" when not run.
PROMPTS_JS = f"""() => [...document.querySelectorAll('{PANEL} .jp-CodeCell')].map(
    cell => (cell.querySelector('.jp-InputPrompt')?.textContent ?? '').trim())"""
STATUS_JS = f"""() => document.querySelector('{PANEL} .jp-Notebook-ExecutionIndicator')
    ?.getAttribute('data-status') ?? 'none'"""


def sha256(path: Any) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Shots:
    """Screenshots of the page or of one element, saved under the artifacts directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.names: list[str] = []

    def __call__(self, target: Any, name: str) -> None:
        target.screenshot(path=self.directory / name)
        self.names.append(name)


def explorer(page: Any, label: str) -> Any:
    """The widget box (controls + output) whose control is labelled ``label``."""
    control = page.locator(".widget-label", has_text=re.compile(f"^{label}$"))
    box = page.locator(f"{PANEL} .widget-vbox").filter(has=control)
    assert box.count() == 1, f"expected one widget with a control labelled {label!r}, " \
                             f"found {box.count()}: did the cell that shows it run?"
    return box


def output_html(box: Any) -> str:
    return str(box.locator(".widget-html-content").inner_html())


def wait_for_change(box: Any, before: str, what: str, timeout: float = 30) -> str:
    """The widget output once it differs from ``before`` (the kernel answers the change)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = output_html(box)
        if now != before:
            return now
        box.page.wait_for_timeout(200)
    raise AssertionError(f"{what}: the output did not change within {timeout:.0f} s; the kernel "
                         "did not answer the widget (is the widget manager working?)")


def run_all(page: Any) -> list[str]:
    """Run → Run All Cells, then wait until every cell has finished; returns the prompts."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator('li[data-command="runmenu:run-all"]').click()
    page.wait_for_function(f"() => ({PROMPTS_JS})().some(p => p === '[*]:')")
    page.wait_for_function(
        f"() => !({PROMPTS_JS})().some(p => p === '[*]:') && ({STATUS_JS})() === 'idle'",
        timeout=RUN_TIMEOUT_MS,
    )
    return list(page.evaluate(PROMPTS_JS))


def test_comparison_notebook_runs_and_its_widgets_react(
    page: Any, jupyter: Any, guard: Any, artifacts: Path
) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    notebook = jupyter.root / NOTEBOOK
    on_disk = sha256(notebook)
    shot = Shots(artifacts)
    started = time.monotonic()

    # The URL `labsetup up` printed, in a private workspace that starts empty.
    page.goto(jupyter.url.replace("/lab?", f"/lab/workspaces/{WORKSPACE}?reset&", 1))
    page.locator(".jp-DirListing-item", has_text=NOTEBOOK).wait_for()
    news = page.locator(".Toastify__toast", has_text="Jupyter news")
    try:  # JupyterLab asks about its news feed a moment after loading; hide the question
        news.locator(".jp-Notification-Toast-Close").click(timeout=5_000)
    except PlaywrightTimeout:
        pass
    shot(page, "01-jupyterlab-file-browser.png")

    # Open the notebook as a learner does: double-click it in the file browser.
    page.locator(".jp-DirListing-item", has_text=NOTEBOOK).dblclick()
    page.locator(f"{PANEL} .jp-Cell").first.wait_for()
    page.wait_for_function(f"() => ({STATUS_JS})() === 'idle'")  # the kernel is ready
    title = page.locator(f"{PANEL} .jp-MarkdownOutput h1").first.inner_text()
    assert title.startswith("02 · What OpenStack is"), title
    shot(page, "02-notebook-open.png")

    prompts = run_all(page)
    ran = time.monotonic()
    shot(page, "03-after-run-all.png")
    errors = page.locator(STDERR).all_inner_texts()
    assert not errors, "a cell wrote to stderr (traceback or warning):\n" + "\n---\n".join(errors)
    not_run = [i for i, p in enumerate(prompts) if p and not re.fullmatch(r"\[\d+\]:", p)]
    assert not not_run, f"code cells {not_run} did not run (prompts {prompts})"

    # Widget 1: the codename explorer. Pick another project; the card must follow.
    codenames = explorer(page, "Project")
    codenames.scroll_into_view_if_needed()
    shot(codenames, "04-codename-explorer-before.png")
    select = codenames.locator("select")
    current = select.input_value()
    options = [o for o in select.locator("option").all_inner_texts() if o != current]
    choice = "cinder" if "cinder" in options else options[-1]
    before = output_html(codenames)
    assert f"<h4>{current}</h4>" in before, before
    select.select_option(choice)
    after = wait_for_change(codenames, before, "codename explorer")
    assert f"<h4>{choice}</h4>" in after, after
    shot(codenames, "05-codename-explorer-after.png")

    # Widget 2: the release explorer. Move the year slider to its end; fewer releases remain.
    releases = explorer(page, "From year")
    releases.scroll_into_view_if_needed()
    shot(releases, "06-release-explorer-before.png")
    rows_before = releases.locator(".widget-html-content tbody tr").count()
    before = output_html(releases)
    handle = releases.locator(".noUi-handle")
    handle.focus()
    handle.press("End")
    after = wait_for_change(releases, before, "release explorer")
    rows_after = releases.locator(".widget-html-content tbody tr").count()
    assert 0 < rows_after < rows_before, (rows_before, rows_after)
    shot(releases, "07-release-explorer-after.png")

    assert not page.locator(STDERR).all_inner_texts(), "a widget callback wrote to stderr"
    shot(page, "08-final.png")
    assert sha256(notebook) == on_disk, f"{NOTEBOOK} changed on disk"
    print(f"\nbrowser test: notebook ran in {ran - started:.0f} s from page load, whole test "
          f"{time.monotonic() - started:.0f} s; writes answered in the browser: "
          f"{len(guard.writes)}; screenshots in {artifacts}: {', '.join(shot.names)}")
