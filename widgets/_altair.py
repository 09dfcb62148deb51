"""Altair, imported without the URI grammars jsonschema would build for it.

On import, jsonschema (which Altair uses to validate every chart) registers a checker
for the ``iri`` and ``iri-reference`` string formats if ``rfc3987_syntax`` is installed,
and importing that package builds its Lark grammars: about a second, the largest part of
``import altair``, paid by every report and notebook. The Vega-Lite schema never uses
those formats (only ``uri``, ``uri-reference`` and ``color-hex``), so the kit hides
``rfc3987_syntax`` while jsonschema's format checkers are first imported, and only then.
Charts validate exactly as before (``chart.to_dict()``); code that imports
``rfc3987_syntax`` itself later still gets it.

This is the one place the kit imports Altair: ``from ._altair import alt``.
"""

from __future__ import annotations

import sys

__all__ = ["alt"]


def _import_jsonschema_formats_without_iri_grammars() -> None:
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return  # already imported by someone else: nothing left to save
    # None in sys.modules makes `import rfc3987_syntax` raise ImportError, which
    # jsonschema._format expects from an optional package and skips.
    sys.modules["rfc3987_syntax"] = None
    try:
        import jsonschema._format  # noqa: F401
    finally:
        if sys.modules.get("rfc3987_syntax", ...) is None:
            del sys.modules["rfc3987_syntax"]


_import_jsonschema_formats_without_iri_grammars()

import altair as alt  # noqa: E402
