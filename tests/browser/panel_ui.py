"""Finding and reading the annotation panel in a JupyterLab or Notebook 7 page.

The panel is found and read as assistive technology reads it: buttons named after
techniques with ``aria-pressed``, one radio group per stance target, the polite status
region. Nothing here depends on how the panel looks.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "panel",
    "output",
    "key_area",
    "focus_keys",
    "technique_button",
    "stance_group",
    "stance_button",
    "nav_button",
    "live_region",
    "is_pressed",
    "wait_pressed",
    "wait_live",
    "panel_text",
    "CELL_STATE",
    "cell_state",
    "watch_kernel_restarts",
    "kernel_calls",
    "AXE_JS",
    "axe_violations",
]

#: A technique every article can use; its codebook key is "0".
TECHNIQUE = "Loaded language"

#: axe-core, installed by `make test` from tests/browser/js/package-lock.json.
AXE_JS = Path(__file__).with_name("js") / "node_modules/axe-core/axe.min.js"
#: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def _named(name: str):
    # A chosen toggle shows a check mark, which is hidden from its name; match the words.
    return re.compile(rf"(^|[^\w]){re.escape(name)}(\s|\[|$)")


def panel(page):
    """The panel's own element (the anywidget's section, named "Annotation panel: …")."""
    return page.locator("section.rl-panel").first


def output(page):
    """The notebook output area that holds the panel."""
    return page.locator(".jp-OutputArea-output").filter(has=page.locator("section.rl-panel")).first


def key_area(page):
    """The panel's keyboard region: the whole panel."""
    return panel(page)


def focus_keys(page) -> None:
    """Give the panel the keyboard as a learner does with the mouse: click its title (the
    panel itself takes focus), then wait until focus is inside it."""
    panel(page).locator(".rl-title").click()
    page.wait_for_function(
        "(el) => el.contains(document.activeElement)",
        arg=panel(page).element_handle(),
        timeout=15_000,
    )


def technique_button(page, name: str = TECHNIQUE):
    return panel(page).get_by_role("button", name=_named(name))


def stance_group(page, target_index: int = 0):
    """The stance radio group of the ``target_index``-th target."""
    return panel(page).get_by_role("radiogroup", name=re.compile("Stance toward")).nth(target_index)


def stance_button(page, stance: str, *, target_index: int = 0):
    """The ``stance`` radio ("Favor", "Against", "None") of the ``target_index``-th target."""
    return stance_group(page, target_index).get_by_role("radio", name=stance, exact=True)


def nav_button(page, name: str):
    """A move button by its words: "Next", "Previous", "Next unlabelled", "Undo"."""
    patterns = {"Next": r"^Next ▶", "Previous": r"^◀ Previous"}
    pattern = re.compile(patterns.get(name, rf"^{re.escape(name)}$"))
    return panel(page).get_by_role("button", name=pattern).first


def live_region(page):
    """The panel's polite status region (save status, progress, the last move)."""
    return panel(page).get_by_role("status")


_PRESSED = """
(el) => el.getAttribute('aria-pressed') !== null
    ? el.getAttribute('aria-pressed') === 'true' : el.checked === true
"""


def is_pressed(locator) -> bool:
    """Is a technique toggle pressed, or a radio checked (as assistive technology says)?"""
    return locator.evaluate(_PRESSED)


def wait_pressed(page, locator, pressed: bool = True, *, timeout: float = 15) -> None:
    """Wait until ``locator`` is pressed/checked (or not)."""
    handle = locator.element_handle(timeout=timeout * 1000)
    page.wait_for_function(
        f"([el, want]) => ({_PRESSED})(el) === want",
        arg=[handle, pressed],
        timeout=timeout * 1000,
        polling=20,
    )


def wait_live(page, pattern: str, *, timeout: float = 15) -> str:
    """Wait until the live region's text matches the regular expression; return it."""
    handle = live_region(page).element_handle(timeout=timeout * 1000)
    page.wait_for_function(
        "([el, source]) => new RegExp(source).test(el.textContent)",
        arg=[handle, pattern],
        timeout=timeout * 1000,
        polling=20,
    )
    return live_region(page).text_content()


def axe_violations(page, selector: str) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations inside the first element matching ``selector``
    (id, impact, help and the failing nodes' HTML), after injecting axe once."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(
        """async ([selector, tags]) => {
             const result = await axe.run(document.querySelector(selector),
                                          {runOnly: {type: 'tag', values: tags}});
             return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 5).map(n => n.html + ' :: ' + n.failureSummary)}));
           }""",
        [selector, AXE_TAGS],
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
