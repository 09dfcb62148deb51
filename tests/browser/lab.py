"""Driving a real JupyterLab server and Chromium from the browser tests and benchmark.

One module so the tests (``tests/browser``) and ``benchmarks/bench_browser.py`` start the
server and wait for readiness the same way. Nothing here sleeps for a fixed time: every
wait is a poll with a short interval and an overall timeout, and a timeout says what it
was waiting for.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LEARNER",
    "LabServer",
    "start_lab",
    "launch_chromium",
    "free_port",
    "poll",
    "read_rows",
    "wait_for_rows",
    "open_notebook",
    "wait_kernel_idle",
    "run_all_cells",
    "restart_kernel",
    "notebook_cells",
    "shutdown_sessions",
    "REPO_ROOT",
    "rhetoric_lab",
]

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("RHETORIC_LAB_CHROMIUM", "/usr/bin/chromium")
# Debian's Chromium: Playwright cannot download its own browser on this kind of machine.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
LEARNER = "browser-learner"

# The first-run "receive official Jupyter news?" toast and the update check: both would
# cover the bottom-right of the page and ask the network for something.
_NOTIFICATION_SETTINGS = {"fetchNews": "false", "checkForUpdates": False}


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def poll(check: Callable[[], object], *, timeout: float, interval: float = 0.05, what: str):
    """Call ``check`` until it returns something truthy; return that, or raise
    ``TimeoutError`` naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@dataclass
class LabServer:
    """A running ``jupyter lab`` (its own process group) and the folders it uses."""

    process: subprocess.Popen
    port: int
    root_dir: Path
    annotation_dir: Path
    log_path: Path
    env: dict = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def label_file(self) -> Path:
        return self.annotation_dir / f"{LEARNER}.csv"

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(self.url + path, method=method)
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def stop(self) -> None:
        """Terminate the whole process group (server and kernels); kill if it lingers."""
        if self.process.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


def start_lab(
    workdir: Path,
    *,
    lessons: Path | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 60,
) -> LabServer:
    """Start JupyterLab from this environment on a free port, serving a copy of
    ``lessons`` (default: the repo's ``lessons/``) under ``workdir/root``.

    Labels go to ``workdir/annotations`` as learner ``browser-learner``; Lab's settings and
    workspaces live under ``workdir`` too, so nothing in the repo or home folder changes.
    ``extra_env`` is added to the server's (and so the kernels') environment. Returns
    once ``/api/status`` answers 200.
    """
    workdir = Path(workdir)
    root = workdir / "root"
    source = REPO_ROOT / "lessons" if lessons is None else Path(lessons)
    if source.is_dir():
        shutil.copytree(source, root, dirs_exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    annotations = workdir / "annotations"
    annotations.mkdir(parents=True, exist_ok=True)
    settings = workdir / "lab-settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps(_NOTIFICATION_SETTINGS), encoding="utf-8"
    )
    workspaces = workdir / "lab-workspaces"
    workspaces.mkdir(parents=True, exist_ok=True)

    port = free_port()
    jupyter = Path(sys.executable).parent / "jupyter"
    command = [
        str(jupyter),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--LabApp.expose_app_in_browser=True",
        # Notebook 7 (/notebooks/...) is a separate front end with its own switch.
        "--JupyterNotebookApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        f"--ServerApp.root_dir={root}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    env = dict(os.environ)
    env.update(
        {
            "RHETORIC_LAB_DIR": str(annotations),
            "RHETORIC_LAB_LEARNER": LEARNER,
            # Kernels start from this environment; keep their Jupyter state in workdir.
            "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
            "IPYTHONDIR": str(workdir / "ipython"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    # No PYTHONPATH: kernels import `widgets` through the kit's install, exactly as under
    # `make lab`, so a broken install fails here instead of being papered over. Kept only
    # when it is this very checkout (a git worktree tested with PYTHONPATH=$PWD beside a
    # shared editable install of another checkout): its code is the code under test.
    if Path(env.get("PYTHONPATH") or "/nonexistent").resolve() != REPO_ROOT.resolve():
        env.pop("PYTHONPATH", None)
    env.pop("JUPYTERHUB_USER", None)
    env.update(extra_env or {})
    log_path = workdir / "jupyter-lab.log"
    log = open(log_path, "wb")  # noqa: SIM115 - the server writes to it until it stops
    process = subprocess.Popen(
        command,
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() ends kernels too
    )
    log.close()
    server = LabServer(process, port, root, annotations, log_path, env)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with code {process.returncode}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(server.url + "/api/status", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    try:
        poll(ready, timeout=timeout, interval=0.1, what=f"JupyterLab on port {port}")
    except BaseException:
        server.stop()
        raise
    return server


def launch_chromium(playwright):
    """Debian's Chromium through Playwright, headless, with a fresh profile."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"The browser tests need Chromium at {CHROMIUM}. On Debian/Ubuntu run "
            "`apt-get install chromium` (or `make browser-deps`), or set RHETORIC_LAB_CHROMIUM."
        )
    # launch() already uses a fresh temporary profile for every browser it starts.
    return playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))


def rhetoric_lab(*args: str, cwd: Path | None = None, timeout: float = 300) -> str:
    """Run this environment's ``rhetoric-lab`` command; return its output, or raise
    ``AssertionError`` with its error output if it fails."""
    command = [str(Path(sys.executable).parent / "rhetoric-lab"), *args]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(
            f"rhetoric-lab {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        )
    return result.stdout


# -- label file ----------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict]:
    """The rows of a label CSV written so far ([] when it does not exist yet)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except FileNotFoundError:
        return []


def wait_for_rows(
    path: Path,
    match: Callable[[dict], bool],
    *,
    after: int = 0,
    count: int = 1,
    timeout: float = 15,
    what: str = "a label row",
) -> list[dict]:
    """Poll ``path`` until at least ``count`` rows after the first ``after`` rows satisfy
    ``match``; return those rows."""

    def found():
        rows = [row for row in read_rows(path)[after:] if match(row)]
        return rows if len(rows) >= count else None

    try:
        return poll(found, timeout=timeout, interval=0.02, what=f"{what} in {path}")
    except TimeoutError as error:
        tail = read_rows(path)[after:][-5:]
        raise TimeoutError(f"{error}; last new rows: {tail}") from None


# -- JupyterLab page -----------------------------------------------------------------------

_NOTEBOOK_READY = """
(path) => {
  const app = window.jupyterapp;
  const widget = app && app.shell && app.shell.currentWidget;
  return Boolean(widget && widget.context && widget.context.path === path
                 && widget.sessionContext && widget.content && widget.content.model);
}
"""

_KERNEL_IDLE = """
() => {
  const ctx = window.jupyterapp.shell.currentWidget.sessionContext;
  const kernel = ctx.session && ctx.session.kernel;
  return Boolean(kernel && kernel.connectionStatus === 'connected'
                 && kernel.status === 'idle' && !ctx.pendingInput);
}
"""


def open_notebook(
    page, server: LabServer, path: str, *, ui: str = "lab", timeout: float = 60
) -> None:
    """Open ``path`` (relative to the server root) in JupyterLab (``ui="lab"``) or
    Notebook 7 (``ui="notebook"``) and wait until it is the current widget with a
    connected, idle kernel."""
    if ui == "lab":
        # ?reset: start from an empty workspace, not the tabs an earlier test left open.
        url = f"{server.url}/lab/tree/{path}?reset"
    elif ui == "notebook":
        url = f"{server.url}/notebooks/{path}"
    else:
        raise ValueError(f"ui must be 'lab' or 'notebook', not {ui!r}")
    page.goto(url, wait_until="domcontentloaded")
    page.wait_for_function(_NOTEBOOK_READY, arg=path, timeout=timeout * 1000)
    page.evaluate(
        """async () => {
             const ctx = window.jupyterapp.shell.currentWidget.sessionContext;
             await ctx.ready;
             await ctx.session.kernel.info;
           }"""
    )
    wait_kernel_idle(page, timeout=timeout)


def wait_kernel_idle(page, *, timeout: float = 60) -> None:
    """Wait until the current notebook's kernel is connected and idle."""
    page.wait_for_function(_KERNEL_IDLE, timeout=timeout * 1000, polling=50)


def run_all_cells(page, *, timeout: float = 120) -> None:
    """Run every cell of the current notebook and wait until the kernel is idle again
    with every code cell executed."""
    page.evaluate(
        """async () => {
             const widget = window.jupyterapp.shell.currentWidget;
             // Keep a promise that resolves when the last code cell has run.
             window.__rlRunDone = false;
             await window.jupyterapp.commands.execute('notebook:run-all-cells');
             window.__rlRunDone = true;
           }"""
    )
    page.wait_for_function("window.__rlRunDone === true", timeout=timeout * 1000, polling=50)
    wait_kernel_idle(page, timeout=timeout)
    errors = page.evaluate(
        """() => {
             const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
             const errors = [];
             for (let i = 0; i < cells.length; i++) {
               const cell = cells.get(i);
               if (cell.type !== 'code') continue;
               for (let j = 0; j < cell.outputs.length; j++) {
                 const out = cell.outputs.get(j).toJSON();
                 if (out.output_type === 'error') {
                   errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
                 }
               }
             }
             return errors;
           }"""
    )
    if errors:
        raise AssertionError("cells raised errors:\n" + "\n".join(errors))


def restart_kernel(page, *, timeout: float = 60) -> None:
    """Restart the current notebook's kernel without the confirmation dialog and wait
    until the new kernel is idle."""
    page.evaluate(
        """async () => {
             const ctx = window.jupyterapp.shell.currentWidget.sessionContext;
             await ctx.session.kernel.restart();
           }"""
    )
    wait_kernel_idle(page, timeout=timeout)


def notebook_cells(page) -> list[tuple[str, str]]:
    """(cell type, source) of every cell of the current notebook, in order."""
    return [
        tuple(pair)
        for pair in page.evaluate(
            """() => {
                 const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
                 const out = [];
                 for (let i = 0; i < cells.length; i++) {
                   const cell = cells.get(i);
                   out.push([cell.type, cell.sharedModel.getSource()]);
                 }
                 return out;
               }"""
        )
    ]


def shutdown_sessions(server: LabServer) -> None:
    """Shut down every kernel session, so the next test starts from a fresh kernel."""
    try:
        sessions = server.api("GET", "/api/sessions") or []
        for session in sessions:
            server.api("DELETE", f"/api/sessions/{session['id']}")
    except (urllib.error.URLError, ConnectionError):
        pass  # the server is gone: nothing left to shut down
