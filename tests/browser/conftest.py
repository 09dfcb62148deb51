"""Fixtures for the browser tests: one JupyterLab server and one Chromium per session,
a fresh 1280×720 page per test, and a screenshot helper.

Screenshots go to ``$RHETORIC_LAB_SCREENSHOTS`` (default: ``screenshots/`` in the
session's temporary folder, printed at the end of the run).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from tests.browser import lab

VIEWPORT = {"width": 1280, "height": 720}
#: Set to 1 to refresh the README's screenshots (docs/images/) from this run.
UPDATE_IMAGES_ENV = "RHETORIC_LAB_UPDATE_IMAGES"


def update_readme_image(screenshot: Path, name: str) -> None:
    """Copy ``screenshot`` to ``docs/images/<name>`` when $RHETORIC_LAB_UPDATE_IMAGES=1."""
    if os.environ.get(UPDATE_IMAGES_ENV) == "1":
        target = lab.REPO_ROOT / "docs" / "images" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, target)


def pytest_collection_modifyitems(items):
    # Everything under tests/browser needs the browser, whether or not a file says so.
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    env = os.environ.get("RHETORIC_LAB_SCREENSHOTS")
    folder = Path(env) if env else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_smoke_notebook(root: Path, flag: Path) -> str:
    """A one-cell notebook whose button writes ``flag``: proves clicks reach the kernel."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import ipywidgets, pathlib\n"
            f"flag = pathlib.Path({str(flag)!r})\n"
            "button = ipywidgets.Button(description='Write the flag file')\n"
            "button.on_click(lambda _b: flag.write_text('clicked', encoding='utf-8'))\n"
            "button"
        )
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    name = "browser-smoke.ipynb"
    nbformat.write(notebook, root / name)
    return name


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory, screenshot_dir):
    """JupyterLab serving a temporary copy of ``lessons/`` (plus a smoke notebook)."""
    workdir = tmp_path_factory.mktemp("lab")
    # Lesson 07 reads the class from RHETORIC_LAB_CLASS_DIR: a small simulated class keeps
    # it quick (it would otherwise simulate 30 learners in the kernel).
    class_dir = workdir / "class"
    lab.rhetoric_lab("simulate", "--learners", "4", "--out", str(class_dir), "--seed", "5")
    server = lab.start_lab(workdir, extra_env={"RHETORIC_LAB_CLASS_DIR": str(class_dir)})
    try:
        write_smoke_notebook(server.root_dir, workdir / "smoke-flag.txt")
        yield server
    finally:
        server.stop()


class Shots:
    """Numbered screenshots of one test: ``shots("after-click")`` → ``NN-test-after-click.png``."""

    def __init__(self, page, folder: Path, test_name: str) -> None:
        self.page = page
        self.folder = folder
        self.prefix = re.sub(r"[^A-Za-z0-9_-]+", "-", test_name).strip("-")
        self.taken: list[Path] = []

    def __call__(self, step: str, *, full_page: bool = False) -> Path:
        path = self.folder / f"{self.prefix}-{len(self.taken) + 1:02d}-{step}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        self.taken.append(path)
        return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the test item, so the page fixture knows it failed.
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, lab_server, request, screenshot_dir):
    """A fresh browser context and page; console errors are kept in
    ``page.console_errors``, refused requests beyond the server in ``page.outside_requests``.

    Afterwards every kernel session is shut down, so tests do not share kernel state.
    """
    context = browser.new_context(viewport=VIEWPORT)
    outside: list[str] = []

    def local_only(route):
        # The kit must work with no network: anything beyond the local server is refused
        # and recorded, so a test can assert that nothing tried.
        if route.request.url.startswith((lab_server.url, "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", local_only)
    new_page = context.new_page()
    new_page.outside_requests = outside
    new_page.set_default_timeout(30_000)
    errors: list[str] = []
    new_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    new_page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    new_page.console_errors = errors
    yield new_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        # What the learner would have seen when the test failed.
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")
        try:
            new_page.screenshot(path=str(screenshot_dir / f"{name}-FAILED.png"))
        except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
            pass
    context.close()
    lab.shutdown_sessions(lab_server)


@pytest.fixture
def shots(page, screenshot_dir, request):
    return Shots(page, screenshot_dir, request.node.name)


def pytest_terminal_summary(terminalreporter, config):
    env = os.environ.get("RHETORIC_LAB_SCREENSHOTS")
    if env:
        terminalreporter.write_line(f"browser screenshots: {env}")
