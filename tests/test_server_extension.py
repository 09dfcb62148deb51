"""Is the server extension that sends kernel messages without Nagle's delay installed
with the kit, and does it turn TCP_NODELAY on for every kernel websocket it opens?"""

from __future__ import annotations

import asyncio
import json
import logging
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

from widgets import server_extension

ROOT = Path(__file__).resolve().parents[1]


def test_the_kit_installs_a_config_that_enables_the_extension():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files = pyproject["tool"]["setuptools"]["data-files"]["etc/jupyter/jupyter_server_config.d"]
    (config,) = files
    enabled = json.loads((ROOT / config).read_text(encoding="utf-8"))
    assert enabled == {"ServerApp": {"jpserver_extensions": {"widgets.server_extension": True}}}
    assert server_extension._jupyter_server_extension_points() == [
        {"module": "widgets.server_extension"}
    ]


def test_opening_a_kernel_websocket_turns_nodelay_on(monkeypatch):
    opened = []

    async def original_open(self, kernel_id):
        opened.append(kernel_id)

    monkeypatch.setattr(KernelWebsocketHandler, "open", original_open)
    monkeypatch.setattr(KernelWebsocketHandler, "_rhetoric_lab_nodelay", False, raising=False)

    class App:
        log = logging.getLogger("test")

    server_extension._load_jupyter_server_extension(App())
    server_extension._load_jupyter_server_extension(App())  # loading twice wraps once

    class Handler:
        nodelay = None

        def set_nodelay(self, value):
            self.nodelay = value

    handler = Handler()
    # In its own thread: a browser test earlier in the session (Playwright's sync API)
    # leaves an event loop running in this one, and asyncio.run refuses to nest.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, KernelWebsocketHandler.open(handler, "kernel-1")).result()
    assert handler.nodelay is True and opened == ["kernel-1"]


def test_the_checkouts_environment_enables_the_extension():
    """``make lab`` and ``make test`` install the kit editable, which skips data-files:
    the Makefile copies the config, or every click in a checkout waits ~40 ms more."""
    import sys

    config = Path(sys.prefix) / "etc" / "jupyter" / "jupyter_server_config.d" / "rhetoric_lab.json"
    assert config.is_file(), f"{config} is missing: run make (it copies it)"
    source = ROOT / "jupyter-config" / "jupyter_server_config.d" / "rhetoric_lab.json"
    assert json.loads(config.read_text(encoding="utf-8")) == json.loads(
        source.read_text(encoding="utf-8")
    )
