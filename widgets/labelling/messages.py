"""What a widget shows when one of its callbacks fails: the error in words, and the
traceback folded away for the instructor. Never swallowed, always escaped."""

from __future__ import annotations

import html
import traceback

__all__ = ["ERROR_COLOUR", "error_html"]

#: Dark red text on white: 7.5:1.
ERROR_COLOUR = "#b00020"


def error_html(error: BaseException) -> str:
    """``error`` as an alert: its type and message, then the traceback in a disclosure."""
    detail = "".join(traceback.format_exception(error))
    return (
        f"<div role='alert' style='color:{ERROR_COLOUR}'><b>Something went wrong:</b> "
        f"{html.escape(type(error).__name__)}: {html.escape(str(error))}"
        "<details><summary>details for your instructor</summary>"
        f"<pre style='white-space:pre-wrap'>{html.escape(detail)}</pre></details></div>"
    )
