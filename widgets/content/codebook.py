"""The codebook as plain data: techniques, stances, targets and frames from ``codebook.yml``.

:func:`load_codebook` reads the YAML file, checks it and returns a frozen
:class:`Codebook`. Every problem is reported in one :class:`CodebookError` whose message
names the file and the entry, one problem per line, e.g.::

    data/codebook.yml: technique 'loaded-language': missing field 'hint'

Examples are checked against the articles: each technique's ``example`` must occur in the
text of its ``example_article`` (the article's sentences joined by spaces, with runs of
whitespace collapsed). :func:`load_codebook` uses the corpus it is given, else the corpus
that sits beside the codebook (``<codebook folder>/articles/sentences.csv``, i.e.
``data/articles/`` for ``data/codebook.yml``) when that exists; otherwise examples are not
checked. :func:`validate_against_corpus` runs the same check on its own. A frame's
optional ``example`` is checked the same way against its ``example_article``.

Besides the entries, the codebook holds the rules that decide hard cases
(``coding_rules``), the groups of techniques learners confuse with a one-line note on how
to tell them apart (``tell_apart``, read with :meth:`Codebook.tell_apart_for`), and the
techniques deliberately left out, each with its reason (``left_out``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import paths

__all__ = [
    "parse_codebook",
    "Category",
    "Technique",
    "Stance",
    "Target",
    "Frame",
    "TellApart",
    "LeftOut",
    "Codebook",
    "CodebookError",
    "load_codebook",
    "validate_against_corpus",
    "normalise_whitespace",
    "CODEBOOK_FILE",
]

#: File name of the codebook inside the data folder.
CODEBOOK_FILE = "codebook.yml"


class CodebookError(ValueError):
    """The codebook file is unreadable or inconsistent.

    ``problems`` holds one line per problem; ``str(error)`` is those lines joined.
    """

    def __init__(self, problems: list[str] | tuple[str, ...]):
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Category:
    """A family of techniques (one of SemEval-2023's six, or journalistic devices)."""

    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Technique:
    """One tag a learner can put on a sentence."""

    id: str
    name: str
    category: str
    definition: str
    hint: str
    example: str
    example_article: str
    key: str
    #: A sentence or phrase that looks like the technique but is not, with why.
    non_example: str = ""
    #: A coding decision that belongs to this technique (e.g. "accurate labels count").
    coding_note: str = ""


@dataclass(frozen=True)
class Stance:
    """``favor``, ``against`` or ``none``, with its shortcut key."""

    id: str
    name: str
    key: str
    definition: str


@dataclass(frozen=True)
class Target:
    """Something a sentence can take a stance toward (a person or a policy)."""

    id: str
    name: str
    description: str


@dataclass(frozen=True)
class Frame:
    """A main news frame a learner can choose in an article's summary."""

    id: str
    name: str
    definition: str
    #: A sentence from the articles that shows the frame, and the article it is from.
    example: str = ""
    example_article: str = ""


@dataclass(frozen=True)
class TellApart:
    """Techniques learners confuse, with one line on how to tell them apart."""

    techniques: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class LeftOut:
    """A technique the codebook deliberately does not offer, and why."""

    id: str
    name: str
    reason: str


#: The panel's own actions that the codebook's ``keymap`` binds to keys, in help order.
KEYMAP_ACTIONS = (
    "no-technique",
    "cycle-target",
    "next",
    "previous",
    "summary",
    "undo",
    "help",
)
#: Keys longer than one character that a keymap may name (``KeyboardEvent.key`` values).
NAMED_KEYS = frozenset({"ArrowLeft", "ArrowRight", "PageUp", "PageDown", "Home", "End"})


@dataclass(frozen=True)
class Codebook:
    """Everything a learner can choose, in display order.

    Shortcut keys compare case-insensitively (``Q`` and ``q`` are the same key).
    """

    version: str
    categories: tuple[Category, ...]
    techniques: tuple[Technique, ...]
    stances: tuple[Stance, ...]
    targets: tuple[Target, ...]
    frames: tuple[Frame, ...]
    reserved_keys: tuple[str, ...]
    no_technique_key: str
    sources: tuple[str, ...] = ()
    #: How to decide the cases the definitions leave open (applied in the answer key).
    coding_rules: tuple[str, ...] = ()
    #: Groups of techniques learners confuse, each with how to tell them apart.
    tell_apart: tuple[TellApart, ...] = ()
    #: Techniques deliberately not offered, each with the reason.
    left_out: tuple[LeftOut, ...] = ()
    #: The panel's own keys: ``(action, keys)`` pairs in :data:`KEYMAP_ACTIONS` order.
    #: ``reserved_keys`` and ``no_technique_key`` are derived from it.
    keymap: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def keys_for(self, action: str) -> tuple[str, ...]:
        """The keys bound to one of :data:`KEYMAP_ACTIONS` (``()`` when unbound)."""
        return dict(self.keymap).get(action, ())

    @property
    def technique_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.techniques)

    @property
    def category_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    @property
    def stance_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.stances)

    @property
    def target_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.targets)

    @property
    def frame_ids(self) -> tuple[str, ...]:
        return tuple(f.id for f in self.frames)

    @cached_property
    def _by_id(self) -> dict[str, dict[str, object]]:
        return {
            "technique": {t.id: t for t in self.techniques},
            "category": {c.id: c for c in self.categories},
            "stance": {s.id: s for s in self.stances},
            "target": {t.id: t for t in self.targets},
            "frame": {f.id: f for f in self.frames},
        }

    def _lookup(self, kind: str, entry_id: str):
        try:
            return self._by_id[kind][entry_id]
        except KeyError:
            known = ", ".join(self._by_id[kind])
            raise KeyError(f"unknown {kind} {entry_id!r}; known: {known}") from None

    def technique(self, technique_id: str) -> Technique:
        """The technique with this id, or ``KeyError`` listing the known ids."""
        return self._lookup("technique", technique_id)

    def category(self, category_id: str) -> Category:
        """The category with this id, or ``KeyError`` listing the known ids."""
        return self._lookup("category", category_id)

    def stance(self, stance_id: str) -> Stance:
        """The stance with this id, or ``KeyError`` listing the known ids."""
        return self._lookup("stance", stance_id)

    def target(self, target_id: str) -> Target:
        """The target with this id, or ``KeyError`` listing the known ids."""
        return self._lookup("target", target_id)

    def frame(self, frame_id: str) -> Frame:
        """The frame with this id, or ``KeyError`` listing the known ids."""
        return self._lookup("frame", frame_id)

    @cached_property
    def _technique_keys(self) -> dict[str, Technique]:
        return {t.key.lower(): t for t in self.techniques}

    @cached_property
    def _stance_keys(self) -> dict[str, Stance]:
        return {s.key.lower(): s for s in self.stances}

    def technique_by_key(self, key: str) -> Technique | None:
        """The technique whose shortcut is ``key`` (any case), or ``None``."""
        return self._technique_keys.get(str(key).lower())

    def stance_by_key(self, key: str) -> Stance | None:
        """The stance whose shortcut is ``key`` (any case), or ``None``."""
        return self._stance_keys.get(str(key).lower())

    def tell_apart_for(self, technique_id: str) -> tuple[TellApart, ...]:
        """The tell-apart notes whose group includes ``technique_id`` (``KeyError`` if
        the technique is unknown), in codebook order."""
        self.technique(technique_id)
        return tuple(entry for entry in self.tell_apart if technique_id in entry.techniques)

    def techniques_in(self, category_id: str) -> tuple[Technique, ...]:
        """The techniques of one category in display order (``KeyError`` if unknown)."""
        self.category(category_id)
        return tuple(t for t in self.techniques if t.category == category_id)

    def to_frame(self):
        """The techniques as a pandas DataFrame for display, one row per technique.

        Columns: key, id, name, category (id), category_name, definition, hint, example,
        example_article.
        """
        import pandas as pd

        columns = [
            "key",
            "id",
            "name",
            "category",
            "category_name",
            "definition",
            "hint",
            "example",
            "example_article",
        ]
        rows = [
            [
                t.key,
                t.id,
                t.name,
                t.category,
                self.category(t.category).name,
                t.definition,
                t.hint,
                t.example,
                t.example_article,
            ]
            for t in self.techniques
        ]
        return pd.DataFrame(rows, columns=columns)


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace (spaces, newlines, no-break spaces) to one space."""
    return " ".join(str(text).split())


def _article_texts(corpus) -> dict[str, str]:
    """``{article_id: whitespace-normalised text}`` from a Corpus or a plain mapping."""
    if isinstance(corpus, Mapping):
        return {str(k): normalise_whitespace(v) for k, v in corpus.items()}
    return {
        article.article_id: normalise_whitespace(" ".join(s.text for s in article.sentences))
        for article in corpus.articles
    }


def validate_against_corpus(codebook: Codebook, corpus, *, source: str = "codebook") -> None:
    """Check the codebook against the articles; return ``None`` or raise.

    Every technique's ``example`` must occur in its ``example_article`` (both compared
    with whitespace collapsed, so a line break in the YAML or between sentences does not
    matter), and every target an article lists must be a codebook target.

    Parameters
    ----------
    codebook : Codebook
    corpus : widgets.content.corpus.Corpus or Mapping[str, str]
        The articles; a mapping of article id to full text also works (handy before the
        corpus CSVs are built).
    source : str
        How to name the codebook file in messages.

    Raises
    ------
    CodebookError
        Naming each technique whose example is not found, and each unknown target.
    """
    texts = _article_texts(corpus)
    problems = []
    for technique in codebook.techniques:
        text = texts.get(technique.example_article)
        if text is None:
            problems.append(
                f"technique {technique.id!r}: example_article {technique.example_article!r} "
                f"is not an article (known: {', '.join(texts) or 'none'})"
            )
        elif normalise_whitespace(technique.example) not in text:
            short = (
                technique.example
                if len(technique.example) <= 60
                else (technique.example[:57] + "...")
            )
            problems.append(
                f"technique {technique.id!r}: example {short!r} not found in article "
                f"{technique.example_article!r} (copy it exactly from the article text)"
            )
    for frame in codebook.frames:
        if not frame.example:
            continue
        text = texts.get(frame.example_article)
        if text is None:
            problems.append(
                f"frame {frame.id!r}: example_article {frame.example_article!r} is not an "
                f"article (known: {', '.join(texts) or 'none'})"
            )
        elif normalise_whitespace(frame.example) not in text:
            problems.append(
                f"frame {frame.id!r}: example {frame.example[:57]!r} not found in article "
                f"{frame.example_article!r} (copy it exactly from the article text)"
            )
    if not isinstance(corpus, Mapping):
        known_targets = set(codebook.target_ids)
        for article in corpus.articles:
            for target in article.targets:
                if target not in known_targets:
                    problems.append(
                        f"article {article.article_id!r} lists target {target!r}, which is "
                        f"not in the codebook's targets"
                    )
    if problems:
        raise CodebookError([f"{source}: {p}" for p in problems])


_CACHE: dict[tuple[str, int, int], Codebook] = {}


def load_codebook(path: str | os.PathLike | None = None, *, corpus=None) -> Codebook:
    """Read, check and return the codebook.

    Parameters
    ----------
    path : path-like, optional
        The YAML file; default ``paths.data_dir() / "codebook.yml"``.
    corpus : widgets.content.corpus.Corpus or Mapping[str, str], optional
        Articles to check the examples against. If omitted, the corpus beside the
        codebook (``<folder of path>/articles/``) is used when its CSVs exist; otherwise
        examples are not checked.

    Returns
    -------
    Codebook
        Parsed once per file version (cached by path, modification time and size).

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    CodebookError
        If the YAML is invalid (with its line number) or any entry is wrong; the message
        names the file and every faulty entry.
    """
    file = Path(path) if path is not None else paths.data_dir() / CODEBOOK_FILE
    from .codebook_file import display_name, read_codebook_file  # (it reads this module)

    source = display_name(file)
    try:
        stat = file.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"{source}: codebook file not found") from None
    cache_key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
    codebook = _CACHE.get(cache_key)
    if codebook is None:
        codebook = read_codebook_file(file, source)
        _CACHE[cache_key] = codebook

    if corpus is None:
        beside = file.parent / "articles"
        if (beside / "sentences.csv").exists() and (beside / "articles.csv").exists():
            from .corpus import load_corpus

            corpus = load_corpus(file.parent)
    if corpus is not None:
        validate_against_corpus(codebook, corpus, source=source)
    return codebook


def parse_codebook(data: object, *, source: str = "codebook") -> Codebook:
    """The codebook in ``data`` (parsed YAML): see :func:`.codebook_file.parse_codebook`."""
    from .codebook_file import parse_codebook as parse

    return parse(data, source=source)
