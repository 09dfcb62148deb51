"""Turn a raw article text (copied from a web page) into its body paragraphs.

Pure functions: raw text in, paragraphs out (each paragraph a list of lines). What is web
clutter and what is body is decided by generic rules below, plus per-article rules that
live as data in ``data/articles/sources.yml`` (:class:`CleaningRules`).

Generic rules, applied in this order:

1. Normalise: drop a byte-order mark, unify line endings, collapse every run of
   whitespace inside a line (including no-break and narrow no-break spaces) to one space,
   and turn non-breaking hyphens (U+2011) into ordinary hyphens: they look the same but
   defeat copying, pasting and search. The raw file keeps them (provenance).
2. Teasers for other articles: a short blank-line-separated block that starts with a
   headline and ends with "More" (headline, author, standfirst, "More") is dropped whole.
3. Clutter lines are dropped: section labels and page furniture (:data:`CLUTTER_LINES`,
   e.g. "Opinions", "Share:", "More for You", "Top Followed", "Comments"), subscription
   prompts and bylines (:data:`CLUTTER_PATTERNS`, e.g. "Want to know more…",
   "Subscribe to…", "Get Expert Analysis…", "Author: …", "Published: …",
   "…stay tuned to our news hub."), a line that is only a date, every copy of the
   headline, and the author's name on its own (also doubled, "James Heale James Heale").
4. Per-article rules: ``drop_lines`` (exact lines, e.g. an author blurb or related
   headlines) and ``break_after`` (text after which a paragraph ends although the page
   ran on in one line, e.g. a standfirst printed in front of the lede).
5. List markers ("•", "1.", a leading dash) are stripped; each list item is its own
   paragraph. Section headings are body text and are kept as one-line paragraphs.

Paragraphs: by default every non-blank line is a paragraph (how text copied from a web
page arrives). For hard-wrapped text (``paragraphs: blocks``) a blank-line-separated
block is one paragraph, except that list items still stand alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CleaningRules",
    "CLUTTER_LINES",
    "CLUTTER_PATTERNS",
    "PARAGRAPH_MODES",
    "normalise_line",
    "split_blocks",
    "is_teaser_block",
    "clutter_reason",
    "strip_list_marker",
    "clean_text",
    "paragraph_texts",
]

PARAGRAPH_MODES: tuple[str, ...] = ("lines", "blocks")

#: Whole lines that are page furniture (compared case-insensitively, whitespace collapsed).
CLUTTER_LINES: frozenset[str] = frozenset(
    {
        "opinions",
        "opinion",
        "share",
        "share:",
        "share this article",
        "more",
        "more for you",
        "top followed",
        "comments",
        "advertisement",
        "related articles",
        "read more",
    }
)

#: (kind, pattern) for clutter recognised by its start or a telltale phrase.
CLUTTER_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("subscription prompt", re.compile(r"^want to know more\b", re.IGNORECASE)),
    ("subscription prompt", re.compile(r"^subscribe\s+(?:to|for)\b", re.IGNORECASE)),
    ("subscription prompt", re.compile(r"^get expert analysis\b", re.IGNORECASE)),
    ("subscription prompt", re.compile(r"^sign up (?:to|for)\b", re.IGNORECASE)),
    ("news-hub prompt", re.compile(r"\bstay tuned to our\b", re.IGNORECASE)),
    ("byline", re.compile(r"^(?:author|written by)\s*:", re.IGNORECASE)),
    ("date line", re.compile(r"^(?:published|updated|posted)\s*:", re.IGNORECASE)),
    ("date line", re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")),
)

_BULLET = re.compile(r"^(?:[•·▪◦●‣∙*]|[–—-](?=\s)|\d{1,2}[.)](?=\s))\s*")


@dataclass(frozen=True)
class CleaningRules:
    """What to remove from one article, besides the generic clutter.

    Attributes
    ----------
    title : str
        The headline; every copy of it in the text is dropped.
    author : str
        The author's name; a line holding only it (once or twice) is a byline.
    drop_lines : tuple of str
        Exact lines (whitespace-collapsed) to drop: author blurbs, related headlines.
    paragraphs : str
        ``"lines"`` (each line is a paragraph) or ``"blocks"`` (hard-wrapped text).
    break_after : tuple of str
        Exact text (whitespace-collapsed) that ends a paragraph where it is followed by
        more text on the same line.
    """

    title: str = ""
    author: str = ""
    drop_lines: tuple[str, ...] = ()
    paragraphs: str = "lines"
    break_after: tuple[str, ...] = ()

    def __post_init__(self):
        if self.paragraphs not in PARAGRAPH_MODES:
            raise ValueError(
                f"paragraphs must be one of {', '.join(PARAGRAPH_MODES)}, got {self.paragraphs!r}"
            )


def normalise_line(line: str) -> str:
    """``line`` with every whitespace run (no-break spaces too) collapsed to one space and
    non-breaking hyphens (U+2011) made ordinary hyphens."""
    return " ".join(line.replace("\u2011", "-").split())


def _key(line: str) -> str:
    return unicodedata.normalize("NFKC", normalise_line(line)).casefold()


def split_blocks(raw: str) -> list[list[str]]:
    """Blank-line-separated blocks of normalised, non-blank lines."""
    text = raw.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        line = normalise_line(line)
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


_TEASER_LINK = frozenset({"more", "more…", "more...", "read more"})
#: A teaser is headline, author, standfirst, "More": a short block. A longer one ending in
#: "More" is more likely body text copied without blank lines, which must not be lost.
_MAX_TEASER_LINES = 6


def is_teaser_block(block: list[str]) -> bool:
    """Is ``block`` a teaser for another article?

    A teaser has 3–6 lines, starts with a headline (no sentence-final punctuation) and
    ends with a "More" link.
    """
    return (
        3 <= len(block) <= _MAX_TEASER_LINES
        and _key(block[-1]) in _TEASER_LINK
        and not block[0].rstrip("”’\"'").endswith((".", "!", ":", ";", ","))
    )


def clutter_reason(line: str, rules: CleaningRules | None = None) -> str | None:
    """Why ``line`` is clutter (a short kind, e.g. ``"byline"``), or ``None`` if body.

    Parameters
    ----------
    line : str
        One line of the raw text.
    rules : CleaningRules, optional
        The article's title, author and extra lines to drop.
    """
    rules = rules or CleaningRules()
    key = _key(line)
    if not key:
        return "blank"
    if key in CLUTTER_LINES:
        return "page furniture"
    for kind, pattern in CLUTTER_PATTERNS:
        if pattern.search(normalise_line(line)):
            return kind
    if rules.title and key == _key(rules.title):
        return "headline"
    if rules.author:
        author = _key(rules.author)
        if key in {author, f"{author} {author}", f"by {author}"}:
            return "byline"
    if key in {_key(d) for d in rules.drop_lines}:
        return "article rule"
    return None


def strip_list_marker(line: str) -> tuple[str, bool]:
    """``(text, True)`` without its bullet/number/dash marker, or ``(line, False)``."""
    match = _BULLET.match(line)
    if match and line[match.end() :].strip():
        return line[match.end() :].strip(), True
    return line, False


def clean_text(raw: str, rules: CleaningRules | None = None) -> list[list[str]]:
    """The body of an article: a list of paragraphs, each a list of lines.

    Parameters
    ----------
    raw : str
        The text as copied from the web page.
    rules : CleaningRules, optional
        Title, author and per-article rules (see module docstring).

    Returns
    -------
    list of list of str
        Paragraphs in reading order; each line is normalised and non-empty.
    """
    rules = rules or CleaningRules()
    paragraphs: list[list[str]] = []
    for block in split_blocks(raw):
        if is_teaser_block(block):
            continue
        current: list[str] = []
        for line in block:
            if clutter_reason(line, rules) is not None:
                continue
            text, is_item = strip_list_marker(line)
            *ended, text = _break_after(text, rules.break_after)
            if ended:
                current.extend(ended[:1])
                paragraphs.append(current)
                paragraphs.extend([piece] for piece in ended[1:])
                current = []
            if rules.paragraphs == "lines" or is_item:
                if current:
                    paragraphs.append(current)
                    current = []
                paragraphs.append([text])
            else:
                current.append(text)
        if current:
            paragraphs.append(current)
    return paragraphs


def _break_after(text: str, markers: tuple[str, ...]) -> list[str]:
    """``text`` cut after every marker that more text follows (pieces stripped)."""
    pieces = [text]
    for marker in markers:
        marker = normalise_line(marker)
        head, found, tail = pieces[-1].partition(marker)
        if found and tail.strip():
            pieces[-1:] = [(head + found).strip(), tail.strip()]
    return pieces


def paragraph_texts(paragraphs: list[list[str]]) -> list[str]:
    """Each paragraph's lines joined with single spaces (the segmenter's input)."""
    return [" ".join(lines) for lines in paragraphs]
