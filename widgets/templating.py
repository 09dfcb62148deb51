"""The Jinja2 environment every HTML page of the kit is rendered with."""

from __future__ import annotations

import html
from pathlib import Path

import jinja2
from markupsafe import Markup

__all__ = ["template_environment"]


def _escape_as_html(value):
    """Escape a value as :func:`html.escape` does (``&quot;``, ``&#x27;``): autoescape
    stays on, and a page reads the same as the kit's other escaped text."""
    if isinstance(value, Markup):  # marked safe in the template (the bundle, the specs)
        return value
    return Markup(html.escape("" if value is None else str(value), quote=True))


def template_environment(folder: str | Path) -> jinja2.Environment:
    """Templates from ``folder``, autoescaped; an undefined name is an error."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        finalize=_escape_as_html,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
