"""Does the installed kit work for a class on a real JupyterHub?

JupyterHub (pip) with configurable-http-proxy (npm, pinned in ``tests/installed/proxy``),
DummyAuthenticator and SimpleLocalProcessSpawner, all on 127.0.0.1, with a home folder
per user. The single-user servers run from a fresh venv holding the built wheel (not an
editable install). In Chromium two learners log in, get the lessons with
``rhetoric-lab lessons`` typed in a JupyterLab terminal, and label in lesson 01; each
learner's file must land in their own home, and the instructor collects both into one
``class.csv`` whose report lists two learners. Each single-user server's memory is
measured with the panel open.

SimpleLocalProcessSpawner runs every user as the same system user (root here), so this
test proves that paths are per learner, not that learners are kept apart from each other:
on a real hub the spawner (a system user or a container per learner) does that.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from tests.browser import lab
from tests.browser import panel_ui as ui
from tests.installed.conftest import FIGURES, Venv, pip_install, snapshot
from widgets.paths import REPO_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEARNERS = ("ada", "bo")
PASSWORD = "class-password"
PROXY = REPO_ROOT / "tests" / "installed" / "proxy" / "node_modules" / ".bin"
LESSON = "rhetoric-lab/lessons/01-opinion-essay.ipynb"
ARTICLE = "when-will-starmer-talk-to-putin"

_CONFIG = """
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {hubdir!r} + "/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {hubdir!r} + "/homes/{{username}}"
c.Spawner.notebook_dir = {hubdir!r} + "/homes/{{username}}"
c.Spawner.default_url = "/lab"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = ["--allow-root", "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None"]
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.JupyterHub.db_url = "sqlite:///" + {hubdir!r} + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = {hubdir!r} + "/cookie_secret"
c.JupyterHub.cleanup_servers = True
"""

# JupyterLab's first-run news toast would sit over the page: each home starts without it.
_NO_NEWS = (
    ".jupyter/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
)


@pytest.fixture(scope="module")
def hub_venv(kit_venv) -> Venv:
    """The fresh kit venv plus JupyterHub at the lock's version: the environment the
    hub and its single-user servers run from."""
    seconds = pip_install(
        kit_venv, "-c", str(REPO_ROOT / "requirements.lock"), "jupyterhub", timeout=900
    )
    FIGURES["add JupyterHub to that venv"] = f"{seconds:.0f} s"
    return kit_venv


@pytest.fixture(scope="module")
def hub(hub_venv, tmp_path_factory):
    """A running JupyterHub on 127.0.0.1; stopped (with the servers it started) after."""
    proxy = PROXY / "configurable-http-proxy"
    assert proxy.exists(), (
        f"{proxy} is missing: run `make hub-deps` (Node and npm from Debian, then the "
        "pinned configurable-http-proxy)"
    )
    hubdir = tmp_path_factory.mktemp("hub")
    # As the Jupyter Docker Stacks images do: terminals run a non-login bash, so the
    # image's PATH (with the venv's rhetoric-lab) is kept. A login shell would reset it
    # from /etc/profile (docs/deploy.md says so).
    server_config = hub_venv.root / "etc" / "jupyter" / "jupyter_server_config.py"
    server_config.parent.mkdir(parents=True, exist_ok=True)
    server_config.write_text('c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}\n')
    for user in LEARNERS:
        settings = hubdir / "homes" / user / _NO_NEWS
        settings.parent.mkdir(parents=True)
        settings.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port = lab.free_port()
    config = hubdir / "jupyterhub_config.py"
    config.write_text(
        _CONFIG.format(
            port=port,
            hub_port=lab.free_port(),
            proxy_api_port=lab.free_port(),
            proxy=str(proxy),
            hubdir=str(hubdir),
            password=PASSWORD,
            singleuser=str(hub_venv.bin / "jupyterhub-singleuser"),
        )
    )
    log = open(hubdir / "jupyterhub.log", "w")  # noqa: SIM115 - closed below
    started = time.monotonic()
    process = subprocess.Popen(
        [str(hub_venv.bin / "jupyterhub"), "-f", str(config)],
        cwd=hubdir,
        env=hub_venv.env(hubdir),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def login_page_answers():
        if process.poll() is not None:
            raise AssertionError(f"jupyterhub exited:\n{_tail(hubdir / 'jupyterhub.log')}")
        try:
            with urllib.request.urlopen(f"{url}/hub/login", timeout=5) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError):
            return False

    try:
        lab.poll(login_page_answers, timeout=90, interval=0.2, what="the hub's login page")
        FIGURES["JupyterHub start (login page answers)"] = f"{time.monotonic() - started:.1f} s"
        yield SimpleNamespace(url=url, dir=hubdir, started=started, log=hubdir / "jupyterhub.log")
    finally:
        # Stop the hub by its own PID: it stops the single-user servers it started.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _log_in(browser, hub, user: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login", wait_until="domcontentloaded")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.locator("#login_submit").click()
    try:
        page.wait_for_url(f"**/user/{user}/lab**", timeout=180_000)
        page.wait_for_function("window.jupyterapp && window.jupyterapp.shell", timeout=120_000)
    except Exception as error:
        raise AssertionError(f"{user} did not reach JupyterLab:\n{_tail(hub.log)}") from error
    return context, page


def _get_lessons_in_a_terminal(page, hub, user: str) -> None:
    """Open a JupyterLab terminal and type ``rhetoric-lab lessons``, as a learner would."""
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    page.wait_for_function(
        "() => window.jupyterapp.commands.hasCommand('terminal:create-new')", timeout=60_000
    )
    page.evaluate(
        """async () => {
             window.__rlTerm = await window.jupyterapp.commands.execute('terminal:create-new');
           }"""
    )
    page.wait_for_function(
        "() => window.__rlTerm.content.session.connectionStatus === 'connected'",
        timeout=60_000,
    )
    page.locator(".jp-Terminal").last.click()
    page.keyboard.type("rhetoric-lab lessons\n")
    manifest = hub.dir / "homes" / user / "rhetoric-lab" / "lessons" / ".rhetoric-lab-lessons.json"
    lab.poll(manifest.exists, timeout=120, interval=0.2, what=f"{user}'s lessons manifest")


def _label_in_lesson_01(page, hub, user: str) -> Path:
    lab.open_notebook(page, SimpleNamespace(url=f"{hub.url}/user/{user}"), LESSON, timeout=120)
    lab.run_all_cells(page, timeout=180)
    label_file = hub.dir / "homes" / user / "rhetoric-lab" / "annotations" / f"{user}.csv"
    ui.technique_button(page).click()
    lab.wait_for_rows(
        label_file,
        lambda r: r["article_id"] == ARTICLE and r["learner"] == user and r["status"] == "set",
        timeout=60,
        what=f"{user}'s first label",
    )
    assert f"Saving to ~/rhetoric-lab/annotations/{user}.csv" in ui.panel_text(page)
    return label_file


def _server_memory(user: str, hub_dir) -> dict[str, float]:
    """RSS (MB) of ``user``'s single-user server and of everything it started (kernel,
    terminal), and their PSS total, which splits shared pages fairly. Only this hub's
    server counts (its environment names the hub's folder): another hub may be running."""
    servers = [
        p
        for p in psutil.process_iter(["cmdline", "environ"])
        if p.info["cmdline"]
        and any("jupyterhub-singleuser" in part for part in p.info["cmdline"])
        and (p.info["environ"] or {}).get("JUPYTERHUB_USER") == user
        and str(hub_dir) in " ".join((p.info["environ"] or {}).values())
    ]
    assert len(servers) == 1, f"{user}: expected one single-user server, found {servers}"
    server = servers[0]
    children = server.children(recursive=True)
    mb = 1024 * 1024
    kernel = sum(p.memory_info().rss for p in children if "ipykernel" in " ".join(p.cmdline()))
    pss = sum(p.memory_full_info().pss for p in [server, *children])
    return {
        "server": server.memory_info().rss / mb,
        "kernel": kernel / mb,
        "all processes, PSS": pss / mb,
    }


def test_two_learners_on_a_real_hub_label_into_their_own_homes(hub, hub_venv, browser, tmp_path):
    # ``browser`` is the session's one Chromium (tests/conftest.py): a second Playwright
    # in the same process refuses to start inside the first one's event loop.
    site = hub_venv.site_packages()
    site_before = snapshot(site)
    label_files = {}
    contexts = []
    try:
        for user in LEARNERS:
            context, page = _log_in(browser, hub, user)
            contexts.append(context)
            _get_lessons_in_a_terminal(page, hub, user)
            label_files[user] = _label_in_lesson_01(page, hub, user)
        # Both panels are open now: what each learner costs the hub.
        memory = {user: _server_memory(user, hub.dir) for user in LEARNERS}
    finally:
        for context in contexts:
            context.close()

    # Each learner's file is in their own home and holds only their labels.
    for user, path in label_files.items():
        assert path == hub.dir / "homes" / user / "rhetoric-lab" / "annotations" / f"{user}.csv"
        assert {row["learner"] for row in lab.read_rows(path)} == {user}
        lessons = hub.dir / "homes" / user / "rhetoric-lab" / "lessons"
        assert not (lessons / "90-instructor-guide.ipynb").exists()
    # Nothing was written inside the environment's site-packages.
    assert snapshot(site) == site_before

    # The instructor collects both homes into one class.csv and reports on it.
    work = tmp_path / "instructor"
    work.mkdir()
    inputs = [str(path.parent) for path in label_files.values()]
    hub_venv.run(
        "rhetoric-lab", "collect", *inputs, "--out", "class.csv", "--quiet",
        home=work, cwd=work,
    )  # fmt: skip
    assert {row["learner"] for row in lab.read_rows(work / "class.csv")} == set(LEARNERS)
    report = hub_venv.run(
        "rhetoric-lab", "report", "class.csv", "--out", "report.html", "--show-names",
        home=work, cwd=work, timeout=600,
    ).stdout  # fmt: skip
    assert "2 learners" in report
    html = (work / "report.html").read_text(encoding="utf-8")
    assert all(user in html for user in LEARNERS)

    for user, figures in memory.items():
        FIGURES[f"memory with the panel open, {user}"] = ", ".join(
            f"{name} {value:.0f} MB" for name, value in figures.items()
        )
    FIGURES["JupyterHub test (hub start to report)"] = f"{time.monotonic() - hub.started:.0f} s"
    for figures in memory.values():
        assert figures["kernel"] > 0, "the kernel with the panel is one of the server's children"
