"""Does the recipe work end to end: JupyterLab in Chromium, a widget click reaching the
kernel?"""

from __future__ import annotations

import pytest

from tests.browser import lab

pytestmark = pytest.mark.browser


def test_widget_click_reaches_the_kernel(page, lab_server, shots):
    """Does clicking an ipywidgets Button in JupyterLab run its Python callback?"""
    flag = lab_server.root_dir.parent / "smoke-flag.txt"
    flag.unlink(missing_ok=True)
    lab.open_notebook(page, lab_server, "browser-smoke.ipynb")
    lab.run_all_cells(page)
    button = page.get_by_role("button", name="Write the flag file")
    button.wait_for(state="visible")
    shots("button-rendered")
    button.click()
    lab.poll(flag.exists, timeout=15, what=f"{flag} written by the button's callback")
    assert flag.read_text(encoding="utf-8") == "clicked"
    assert not [e for e in page.console_errors if "Failed to load" in e], page.console_errors
