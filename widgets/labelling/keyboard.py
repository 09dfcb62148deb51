"""Key presses from the browser to Python, for a panel that has keyboard focus.

:class:`KeyboardArea` is a small anywidget (its front end is ``keyboard.js`` beside this
file: no build step, no lab extension, no network). Placed inside a panel whose box has
the CSS class ``container_class``, it makes that whole panel one keyboard region: the
panel becomes focusable (``tabindex=0``), and while focus is anywhere inside it (on the
panel, or on a button just clicked) each key in :attr:`KeyboardArea.watched_keys` is stopped in
the browser and sent here. Keys typed into a text box, a drop-down or anything editable
inside the panel stay with that element; keys held with Ctrl, Alt or Meta, and Tab, are
left to the browser and JupyterLab. Without such a box around it, the widget's own bar is
the region.

JupyterLab's and Notebook 7's notebook shortcuts (``a``, ``b``, ``m``, ``d d``,
Shift+Enter …) never see the panel's keys: the region carries the
``data-lm-suppress-shortcuts`` attribute, which Lumino's ``CommandRegistry`` honours
before matching any key binding (Notebook 7 matches them in the capture phase, so
stopping the event in the panel alone would be too late).
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Iterable

import anywidget
import traitlets

__all__ = ["KeyboardArea", "PANEL_CLASS", "MAX_KEY_LENGTH"]

#: CSS class of the box whose DOM element becomes the keyboard region.
PANEL_CLASS = "rhetoric-lab-panel"

#: The longest ``KeyboardEvent.key`` accepted ("ArrowRight" is 10); longer is not a key.
MAX_KEY_LENGTH = 20

_CSS = """
.rhetoric-lab-keyboard {
  display: flex;
  flex-wrap: wrap;
  gap: 0 1em;
  align-items: baseline;
  padding: 4px 8px;
  border: 1px dashed #8a8a8a;
  border-radius: 4px;
  cursor: pointer;
  font-size: 0.95em;
}
.rhetoric-lab-keyboard-state { font-weight: 600; }
.rhetoric-lab-keys { padding: 4px; }
.rhetoric-lab-keys:focus { outline: none; }
/* Inside the region, not around it: the output area clips anything drawn outside. */
.rhetoric-lab-keys.rhetoric-lab-keys-active {
  outline: 3px solid #1a5fb4;
  outline-offset: -3px;
}
.rhetoric-lab-keys-active .rhetoric-lab-keyboard {
  border-style: solid;
  border-color: #1a5fb4;
}
"""


class KeyboardArea(anywidget.AnyWidget):
    """A focusable keyboard region whose key presses reach Python handlers.

    Parameters
    ----------
    keys : iterable of str
        ``KeyboardEvent.key`` values to catch, stored as :attr:`watched_keys` (single
        characters in lower case; the browser compares case-insensitively). Other keys
        pass through untouched.
    container_class : str
        CSS class of the ancestor box that becomes the keyboard region.
    status : str
        Text shown on the bar, e.g. the current sentence and the last action.

    Notes
    -----
    The trait is ``watched_keys``, not ``keys``: ``Widget.keys`` already names the
    synced traits. A key arrives as the custom message
    ``{"type": "key", "key": ..., "shift": ...}``; :meth:`on_key` handlers are called
    with the key name, in the order registered.
    """

    _esm = pathlib.Path(__file__).with_name("keyboard.js")
    _css = _CSS

    watched_keys = traitlets.List(
        traitlets.Unicode(),
        help="KeyboardEvent.key values the browser stops and sends to Python.",
    ).tag(sync=True)
    container_class = traitlets.Unicode(
        PANEL_CLASS, help="CSS class of the ancestor box that becomes the keyboard region."
    ).tag(sync=True)
    status = traitlets.Unicode(
        "", help="Short text on the bar: where the learner is and what the last key did."
    ).tag(sync=True)
    mode = traitlets.Unicode(
        "",
        help="Set by the browser: 'panel' when the whole panel is the keyboard region, "
        "'bar' when only this bar is (no panel found), '' before it is shown.",
    ).tag(sync=True)

    def __init__(
        self,
        *,
        keys: Iterable[str] = (),
        container_class: str = PANEL_CLASS,
        status: str = "",
        **kwargs,
    ) -> None:
        super().__init__(
            watched_keys=list(keys), container_class=container_class, status=status, **kwargs
        )
        self._key_handlers: list[Callable[[str], object]] = []
        self.on_msg(self._on_message)

    @traitlets.validate("watched_keys")
    def _valid_keys(self, proposal) -> list[str]:
        keys = list(proposal["value"])
        bad = [k for k in keys if not k or len(k) > MAX_KEY_LENGTH]
        if bad:
            raise traitlets.TraitError(
                f"watched_keys must be KeyboardEvent.key values, not {bad!r}"
            )
        return keys

    def on_key(self, handler: Callable[[str], object], *, remove: bool = False) -> None:
        """Call ``handler(key)`` for each key press (``remove=True`` to stop)."""
        if remove:
            self._key_handlers.remove(handler)
        else:
            self._key_handlers.append(handler)

    def _on_message(self, _widget, content, _buffers) -> None:
        # Messages come from the browser: anything but a well-formed key is dropped.
        if not isinstance(content, dict) or content.get("type") != "key":
            return
        key = content.get("key")
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
            return
        for handler in list(self._key_handlers):
            handler(key)
