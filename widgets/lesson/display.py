"""How the lesson helpers show things in a notebook: boxed messages and HTML."""

from __future__ import annotations

from dataclasses import dataclass

CLASS_DIR_ENV = "RHETORIC_LAB_CLASS_DIR"

#: Shown above every chart of a simulated class, so nobody mistakes it for real results.
SIMULATED_BANNER = (
    "SIMULATED CLASS: these are made-up learners, not your class. Put your class's CSV "
    "files in a folder and set RHETORIC_LAB_CLASS_DIR to it (or use class/ at the top of "
    "the kit) to see real results."
)


def box(message: str, *, kind: str = "info") -> str:
    """A coloured message box in HTML (``message`` must already be escaped)."""
    colours = {
        "info": ("#e8f1fb", "#1f5f99"),
        "ok": ("#e9f6ec", "#1e6b34"),
        "warning": ("#fff4e0", "#8a5300"),
        "error": ("#fdecea", "#a12622"),
    }
    background, border = colours[kind]
    return (
        f'<div class="rhetoric-lab-{kind}" style="background:{background};'
        f"border-left:4px solid {border};padding:8px 12px;margin:4px 0;"
        f'color:#1b1b1b">{message}</div>'
    )


@dataclass(frozen=True)
class HTMLText:
    """Rendered HTML that Jupyter displays and tests can read (``.html``)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def simulated_caption(simulated: bool) -> str:
    return (
        '<p class="rhetoric-lab-simulated"><b>⚠ Simulated class: made-up learners, not '
        "real data.</b></p>"
        if simulated
        else ""
    )
