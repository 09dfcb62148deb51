"""Vega, Vega-Lite and vega-embed as one inline script: the one way every page and every
notebook output of the kit embeds them (no network).

The bundle itself is built by vl-convert once per vl-convert version and kept in the
user's cache (:func:`widgets.present.vega_bundle.javascript_bundle`). It goes inside
``<script>...</script>``, so a ``</script`` in it or in a snippet (in any letter case:
HTML's parser ignores case) is written ``<\\/script``, which is the same to JavaScript.
"""

from __future__ import annotations

import re

from .vega_bundle import javascript_bundle

__all__ = ["vega_bundle", "script_safe"]


def script_safe(javascript: str) -> str:
    """``javascript`` that cannot end the ``<script>`` element it is placed in early."""
    # Only "</script" would end the element (other "</" are regular expressions and must
    # stay as they are).
    return re.sub(r"</(script)", r"<\\/\1", javascript, flags=re.IGNORECASE)


def vega_bundle(snippet: str = "") -> str:
    """Vega, Vega-Lite and vega-embed (then ``snippet``, run as module code), script-safe."""
    bundle = javascript_bundle()  # already script-safe
    return f"{bundle}\n{script_safe(snippet)}" if snippet else bundle
