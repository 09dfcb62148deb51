"""The codebook's help as HTML: what a target's stances mean, how to tell techniques apart,
and the glossary. Pure functions (text in, escaped HTML out), shared by the annotation
panel's help and the codebook tour so that both say the same thing.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

__all__ = ["target_help_html", "tell_apart_html", "glossary_html"]

_MUTED = "#4a4a4a"


def target_help_html(target) -> str:
    """One target's description (what favor, against and none mean for it), small and
    muted, to sit beside its stance choice."""
    return (
        f"<div class='rhetoric-lab-target-help' style='color:{_MUTED};font-size:0.88em;"
        f"margin:0 0 6px 8px;max-width:70em'><b>{html.escape(target.name)}:</b> "
        f"{html.escape(target.description)}</div>"
    )


def tell_apart_html(notes: Iterable, codebook) -> str:
    """A list of tell-apart notes, each headed by the names of its techniques ("" when
    there are none)."""
    items = []
    for note in notes:
        names = " / ".join(codebook.technique(t).name for t in note.techniques)
        items.append(f"<li><b>{html.escape(names)}</b>: {html.escape(note.note)}</li>")
    if not items:
        return ""
    return f"<ul class='rhetoric-lab-tell-apart'>{''.join(items)}</ul>"


def glossary_html(glossary: Iterable) -> str:
    """The glossary as a definition list (terms in the order given)."""
    items = "".join(
        f"<dt><b>{html.escape(entry.term)}</b></dt><dd>{html.escape(entry.definition)}</dd>"
        for entry in glossary
    )
    return f"<dl class='rhetoric-lab-glossary'>{items}</dl>"
