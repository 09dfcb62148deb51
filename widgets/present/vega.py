"""Vega, Vega-Lite and vega-embed as one inline script: the one way every page and every
notebook output of the kit embeds them (no network).

vl-convert builds the bundle (a few seconds) from the copy it ships; it is built once
per process and per snippet. The bundle goes inside ``<script>...</script>``, so a
``</script`` in it (in any letter case: HTML's parser ignores case) is written
``<\\/script``, which is the same to JavaScript.
"""

from __future__ import annotations

import functools
import re

__all__ = ["vega_bundle", "script_safe"]


def script_safe(javascript: str) -> str:
    """``javascript`` that cannot end the ``<script>`` element it is placed in early."""
    # Only "</script" would end the element (other "</" are regular expressions and must
    # stay as they are).
    return re.sub(r"</(script)", r"<\\/\1", javascript, flags=re.IGNORECASE)


@functools.cache
def vega_bundle(snippet: str = "") -> str:
    """Vega, Vega-Lite and vega-embed (then ``snippet``, run as module code), script-safe."""
    import vl_convert

    return script_safe(
        vl_convert.javascript_bundle(snippet) if snippet else vl_convert.javascript_bundle()
    )
