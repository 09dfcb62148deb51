"""Altair, imported without the parts the kit never uses that cost the most to import.

This is the one place the kit imports Altair: ``from ._altair import alt``. Three
optional imports are skipped, each only while Altair (or jsonschema) is first imported:

* ``rfc3987_syntax``: on import, jsonschema (which Altair uses to validate every chart)
  registers a checker for the ``iri`` and ``iri-reference`` string formats if that
  package is installed, and importing it builds its Lark grammars: about a second, the
  largest part of ``import altair``. The Vega-Lite schema never uses those formats (only
  ``uri``, ``uri-reference`` and ``color-hex``), so charts validate exactly as before
  (``chart.to_dict()``).
* ``isoduration`` (and the ``arrow`` date library it imports: 14 ms): jsonschema checks the
  ``duration`` format with it, a format of JSON Schema 2019-09 that neither draft 7 (the
  Vega-Lite schema's) nor the schema itself uses.
* ``anywidget`` (and with it ipywidgets and IPython), outside an IPython kernel or
  shell: Altair imports it for ``alt.JupyterChart``, a widget that only works in a
  notebook. A command such as ``rhetoric-lab report`` saves ~0.2 s; in a notebook,
  where IPython is loaded, nothing changes.

Code that imports either package itself later still gets it.
"""

from __future__ import annotations

import contextlib
import sys

__all__ = ["alt"]


@contextlib.contextmanager
def _hidden(name: str, *, unless_loaded: tuple[str, ...]):
    """Make ``import name`` fail inside the block (skipped if any of ``unless_loaded``
    is imported already: then there is nothing left to save)."""
    if any(loaded in sys.modules for loaded in (name, *unless_loaded)):
        yield
        return
    # None in sys.modules makes `import name` raise ImportError and importlib's
    # find_spec(name) return None: what an optional dependency's absence looks like.
    sys.modules[name] = None
    try:
        yield
    finally:
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]


with (
    _hidden("rfc3987_syntax", unless_loaded=("jsonschema",)),
    _hidden("isoduration", unless_loaded=("jsonschema",)),
):
    import jsonschema._format  # noqa: F401  (registers the format checkers once)
with _hidden("anywidget", unless_loaded=("IPython", "altair")):
    import altair as alt
