"""A Jupyter server extension that sends kernel messages to the browser at once.

jupyter_server leaves Nagle's algorithm on for the kernel's websocket. A kernel answers
a widget click with several small messages (status "busy", the widget's new state,
status "idle"); with Nagle on, the second waits for the browser to acknowledge the
first, and browsers delay that acknowledgement by up to 40 ms. Measured in JupyterLab
4.6: the annotation panel's answer to a click took either ~5 ms or ~45 ms after the
kernel sent it. Turning on ``TCP_NODELAY`` for the kernel websocket (a loopback or LAN
connection carrying small messages) removes the wait.

Enabled by ``jupyter-config/jupyter_server_config.d/rhetoric_lab.json``, installed with
the kit; nothing else changes on the server.
"""

from __future__ import annotations

__all__ = ["_jupyter_server_extension_points", "_load_jupyter_server_extension"]


def _jupyter_server_extension_points():
    return [{"module": "widgets.server_extension"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    if getattr(KernelWebsocketHandler, "_rhetoric_lab_nodelay", False):
        return
    original_open = KernelWebsocketHandler.open

    async def open(self, *args, **kwargs):  # noqa: A001 - the handler's own method name
        self.set_nodelay(True)
        return await original_open(self, *args, **kwargs)

    KernelWebsocketHandler.open = open
    KernelWebsocketHandler._rhetoric_lab_nodelay = True
    serverapp.log.info("Rhetoric Lab: kernel websocket messages sent without delay")
