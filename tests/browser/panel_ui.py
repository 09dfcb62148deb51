"""Finding and reading the annotation panel in a JupyterLab or Notebook 7 page.

The panel is found by what a learner sees: buttons named after techniques, stances and
moves. Pressed toggles carry ipywidgets' ``mod-active`` class.
"""

from __future__ import annotations

import re

__all__ = [
    "panel",
    "key_area",
    "focus_keys",
    "technique_button",
    "stance_button",
    "nav_button",
    "is_pressed",
    "wait_pressed",
    "panel_text",
    "CELL_STATE",
    "cell_state",
    "watch_kernel_restarts",
    "kernel_calls",
]

#: A technique every article can use; its codebook key is "0".
TECHNIQUE = "Loaded language"


def _named(name: str):
    # Buttons read "Loaded language [0]" and get a check-mark icon when chosen, whose
    # glyph becomes part of the accessible name: match the words, not the whole name.
    return re.compile(rf"(^|[^\w]){re.escape(name)}(\s|\[|$)")


def panel(page):
    """The output area holding the annotation panel (the one with technique toggles)."""
    return (
        page.locator(".jp-OutputArea-output")
        .filter(has=page.get_by_role("button", name=_named(TECHNIQUE)))
        .first
    )


def key_area(page):
    """The panel's keyboard region (the whole panel box once its keyboard bar found it)."""
    return panel(page).locator(".rhetoric-lab-keys").first


def focus_keys(page) -> None:
    """Give the panel the keyboard as a learner does: click its keyboard bar ("click here
    to use keys"), then wait until the region says the keys are active."""
    panel(page).locator(".rhetoric-lab-keyboard").first.click()
    page.wait_for_function(
        "(el) => el.classList.contains('rhetoric-lab-keys-active')",
        arg=key_area(page).element_handle(),
        timeout=15_000,
    )


def technique_button(page, name: str = TECHNIQUE):
    return panel(page).get_by_role("button", name=_named(name))


def stance_button(page, stance: str, *, target_index: int = 0):
    """The ``stance`` toggle ("Favor", "Against", "None") of the ``target_index``-th
    target (hidden summary toggles are not counted)."""
    return panel(page).get_by_role("button", name=_named(stance)).nth(target_index)


def nav_button(page, name: str):
    """A move button by its words: "Next", "Previous", "Next unlabelled", "Undo"."""
    if name == "Next":
        pattern = re.compile(r"Next\s*▶")
    elif name == "Previous":
        pattern = re.compile(r"Previous\s*\[")
    else:
        pattern = _named(name)
    return panel(page).get_by_role("button", name=pattern).first


def is_pressed(locator) -> bool:
    return "mod-active" in (locator.get_attribute("class") or "").split()


def wait_pressed(page, locator, pressed: bool = True, *, timeout: float = 15) -> None:
    """Wait until ``locator`` shows the pressed (or unpressed) state."""
    handle = locator.element_handle(timeout=timeout * 1000)
    page.wait_for_function(
        "([el, want]) => el.classList.contains('mod-active') === want",
        arg=[handle, pressed],
        timeout=timeout * 1000,
        polling=20,
    )


def panel_text(page) -> str:
    return panel(page).inner_text()


#: Everything of the current notebook a stray shortcut could change.
CELL_STATE = """
() => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const cells = notebook.model.cells;
  const out = {active: notebook.activeCellIndex, mode: notebook.mode, cells: []};
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    out.cells.push([cell.type, cell.sharedModel.getSource(),
                    cell.type === 'code' ? cell.sharedModel.execution_count : null]);
  }
  return out;
}
"""


def cell_state(page) -> dict:
    return page.evaluate(CELL_STATE)


def watch_kernel_restarts(page) -> None:
    """Count restarts and interrupts of the current kernel from now on (command mode's
    ``0 0`` and ``i i``) by wrapping the kernel connection's methods."""
    page.evaluate(
        """() => {
             const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
             window.__rlKernelCalls = {restart: 0, interrupt: 0};
             for (const name of ['restart', 'interrupt']) {
               const original = kernel[name].bind(kernel);
               kernel[name] = (...args) => {
                 window.__rlKernelCalls[name] += 1;
                 return original(...args);
               };
             }
           }"""
    )


def kernel_calls(page) -> dict:
    """Restarts and interrupts since :func:`watch_kernel_restarts`, and open dialogs."""
    return page.evaluate(
        """() => ({...window.__rlKernelCalls,
                   dialogs: document.querySelectorAll('.jp-Dialog').length})"""
    )
