"""Split a cleaned paragraph into sentences: pysbd, plus two documented post-fixes.

pysbd (a rule-based port of the Golden Rules segmenter) gets abbreviations ("Mr.
Putin", "U.S. President", "George H. W. Bush", "Bush Sr. did."), decimals ("2.5% of
GDP"), currency and closing quotes after a full stop right on this corpus. It errs in two
ways that matter here, fixed after it runs:

1. **Quotations of several sentences stay whole.** pysbd never splits inside quotation
   marks, so a five-sentence quote from Starmer becomes one "sentence". Each of those
   sentences is a separate claim a learner may tag differently, so we split them: the
   opening quote mark stays with the first sentence and the closing one with the last.
2. **A closing single quote after a full stop hides the boundary.** In
   "the so-called ‘coalition of the willing.’ This group…" pysbd sees no boundary, as in
   "…‘preparing for peace.’ This, in Starmer's view…". We split after the closing mark.
3. **A closing quote whose opening quote is not in the paragraph** (the tail of a quote
   after a split, or a standalone "…rare earth.”. UK officials…") is pushed to the start
   of the next segment: ``['…earth.', '”. ', 'UK officials…']``. We move it back.

Fixes 1 and 2 split only at terminal punctuation (``.``, ``!``, ``?``, ``…``), optionally
followed by closing quotes and a stray full stop (the ``.”.`` endings of one article),
then whitespace, then a capital letter (optionally after an opening quote). They never
split after an abbreviation, an initial (``H.``) or a dotted acronym (``U.S.``).
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["segment_paragraph", "split_quoted_sentences", "ABBREVIATIONS"]

#: Words that end in a full stop without ending a sentence (compared without the dot,
#: case-insensitively). Single letters and dotted acronyms are handled by a pattern.
ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt",
        "capt", "cmdr", "adm", "rev", "hon", "gov", "sen", "rep", "pres", "no", "nos",
        "vs", "v", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec", "inc", "ltd", "co", "corp", "dept", "approx", "cf", "fig",
    }
)  # fmt: skip

# A candidate boundary: terminal punctuation, closing quotes, an optional stray full stop,
# whitespace, then (optionally an opening quote and) a capital letter.
_BOUNDARY = re.compile(r"(?<=[.!?…])([”’\"']*\.?)(\s+)(?=[“‘\"']?[A-Z])")
_ACRONYM = re.compile(r"^(?:[A-Za-z]\.)+$")
_OPENERS = "“‘\"'([{"
# Closing marks pysbd pushes to the front of the next segment (fix 3); ASCII quotes only
# when followed by a space, a full stop or the end (otherwise they open a quote).
_STRAY_CLOSERS = re.compile(r"^(?:[”’)\]]|[\"'](?=[\s.]|$))+\.?(?=\s|$)")


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd  # imported lazily: only building articles needs it

    return pysbd.Segmenter(language="en", clean=False)


def _ends_with_abbreviation(text: str) -> bool:
    """Does ``text`` (ending in a full stop) end with an abbreviation, not a sentence?"""
    words = text.split()
    if not words:
        return False
    word = words[-1].lstrip(_OPENERS)
    if not word.endswith("."):
        return False
    if _ACRONYM.match(word):  # "H.", "U.S.", "p.m." — an initial or a dotted acronym
        return True
    return word[:-1].lower() in ABBREVIATIONS


def split_quoted_sentences(text: str) -> list[str]:
    """Split ``text`` at sentence boundaries pysbd leaves alone (inside or after quotes).

    Parameters
    ----------
    text : str
        One segment as pysbd returned it.

    Returns
    -------
    list of str
        The pieces, stripped, in order; ``[text.strip()]`` when there is nothing to split.
    """
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.start(2)  # the piece keeps its punctuation and closing quotes
        head = text[start:end]
        if not match.group(1) and head.endswith(".") and _ends_with_abbreviation(head):
            continue
        pieces.append(head.strip())
        start = match.end(2)
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if piece]


def segment_paragraph(text: str) -> list[str]:
    """The sentences of one paragraph, in order, each stripped of outer whitespace.

    Parameters
    ----------
    text : str
        A cleaned paragraph (lines already joined with single spaces).

    Returns
    -------
    list of str
        Non-empty sentences whose concatenation (with single spaces) is ``text``
        up to whitespace.
    """
    text = " ".join(text.split())
    if not text:
        return []
    segments: list[str] = []
    for segment in _segmenter().segment(text):
        stray = _STRAY_CLOSERS.match(segment)
        if stray and segments:
            segments[-1] = segments[-1].rstrip() + stray.group()
            segment = segment[stray.end() :]
        if segment.strip():
            segments.append(segment)
    sentences: list[str] = []
    for segment in segments:
        sentences.extend(split_quoted_sentences(segment))
    return sentences
