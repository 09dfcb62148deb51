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
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

from .. import paths
from ..schema import STANCES

__all__ = [
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
    "parse_codebook",
    "validate_against_corpus",
    "normalise_whitespace",
    "CODEBOOK_FILE",
]

#: File name of the codebook inside the data folder.
CODEBOOK_FILE = "codebook.yml"

_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


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


# Field names per section, in the order the YAML lists them; all are required text.
_FIELDS: dict[str, tuple[str, ...]] = {
    "categories": ("id", "name", "description"),
    "techniques": (
        "id",
        "name",
        "category",
        "definition",
        "hint",
        "example",
        "example_article",
        "key",
    ),
    "stances": ("id", "name", "key", "definition"),
    "targets": ("id", "name", "description"),
    "frames": ("id", "name", "definition"),
}
# Fields an entry may leave out (they default to "" on the dataclass).
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "techniques": ("non_example", "coding_note"),
    "frames": ("example", "example_article"),
}
_CLASSES = {
    "categories": Category,
    "techniques": Technique,
    "stances": Stance,
    "targets": Target,
    "frames": Frame,
}
# How one entry of a section is named in messages: "technique 'loaded-language'".
_SINGULAR = {
    "categories": "category",
    "techniques": "technique",
    "stances": "stance",
    "targets": "target",
    "frames": "frame",
}
_TOP_LEVEL = (
    "version",
    "sources",
    "coding_rules",
    "keymap",
    *_FIELDS,
    "tell_apart",
    "left_out",
)

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


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader (libyaml's when installed: about five times faster) that refuses a mapping
    with the same key twice.

    PyYAML silently keeps the last of two ``hint:`` lines; in a hand-edited codebook that
    is almost always a mistake that would lose text.
    """


def _construct_unique_mapping(loader, node, deep=False):
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _display(path: Path) -> str:
    """The path as a user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _entry_label(section: str, index: int, raw: object) -> str:
    singular = _SINGULAR[section]
    if isinstance(raw, Mapping) and isinstance(raw.get("id"), str) and raw["id"].strip():
        return f"{singular} {raw['id'].strip()!r}"
    return f"{singular} #{index + 1}"


def _parse_entries(section: str, raw_list: object, problems: list[str]) -> list:
    """Turn one YAML list into dataclasses, adding a line to ``problems`` per fault."""
    if raw_list is None:
        problems.append(f"missing section '{section}'")
        return []
    if not isinstance(raw_list, list) or not raw_list:
        problems.append(f"section '{section}' must be a non-empty list of entries")
        return []
    fields = _FIELDS[section]
    optional = _OPTIONAL.get(section, ())
    allowed = (*fields, *optional)
    entries = []
    seen_ids: dict[str, int] = {}
    for index, raw in enumerate(raw_list):
        label = _entry_label(section, index, raw)
        if not isinstance(raw, Mapping):
            problems.append(f"{label}: must be a mapping of fields, got {type(raw).__name__}")
            continue
        ok = True
        for name in raw:
            if name not in allowed:
                problems.append(f"{label}: unknown field {name!r} (allowed: {', '.join(allowed)})")
                ok = False
        extra = {}
        for name in optional:
            value = raw.get(name)
            if value is None:
                continue
            if not isinstance(value, str) or not value.strip():
                problems.append(f"{label}: field {name!r} must be non-empty text when given")
                ok = False
            elif name == "example":
                extra[name] = value.strip()  # verbatim, like a technique's example
            else:
                extra[name] = " ".join(value.split())
        values = {}
        for name in fields:
            value = raw.get(name)
            if value is None:
                problems.append(f"{label}: missing field {name!r}")
                ok = False
            elif not isinstance(value, str):
                # YAML turns `key: 1` into an int and `version: 2026.1` into a float;
                # insisting on text keeps "01" and "2026.10" from changing silently.
                problems.append(
                    f"{label}: field {name!r} must be text (put it in quotes), "
                    f"got {type(value).__name__} {value!r}"
                )
                ok = False
            elif not value.strip():
                problems.append(f"{label}: field {name!r} is empty")
                ok = False
            else:
                # Folded YAML blocks end with a newline; the example must stay verbatim
                # apart from that, so only the ends are stripped.
                values[name] = value.strip()
        if "id" in values:
            entry_id = values["id"]
            if not _ID_PATTERN.match(entry_id):
                problems.append(
                    f"{label}: id must be kebab-case (lower-case letters, digits and "
                    f"single hyphens, e.g. 'loaded-language')"
                )
                ok = False
            elif entry_id in seen_ids:
                problems.append(
                    f"{label}: duplicate id (also {_SINGULAR[section]} #{seen_ids[entry_id]})"
                )
                ok = False
            else:
                seen_ids[entry_id] = index + 1
        if "key" in values and len(values["key"]) != 1:
            problems.append(f"{label}: key {values['key']!r} must be exactly one character")
            ok = False
        if ok:
            entries.append(_CLASSES[section](**values, **extra))
    return entries


def _parse_key(name: str, value: object, problems: list[str]) -> str | None:
    if not isinstance(value, str):
        problems.append(f"{name}: must be one character in quotes, got {value!r}")
        return None
    if len(value) != 1 or value.isspace():
        problems.append(f"{name}: {value!r} must be exactly one character")
        return None
    return value


def _parse_keymap(raw: object, problems: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``keymap:`` as ``(action, keys)`` pairs; faults go to ``problems``."""
    if not isinstance(raw, Mapping):
        problems.append(
            "'keymap' must map each panel action to a list of keys "
            f"(actions: {', '.join(KEYMAP_ACTIONS)})"
        )
        return ()
    for action in raw:
        if action not in KEYMAP_ACTIONS:
            problems.append(
                f"keymap: unknown action {action!r} (allowed: {', '.join(KEYMAP_ACTIONS)})"
            )
    owners: dict[str, str] = {}
    result = []
    for action in KEYMAP_ACTIONS:
        keys = raw.get(action)
        if not isinstance(keys, list) or not keys:
            problems.append(f"keymap: {action!r} needs a list of one or more keys")
            continue
        parsed = []
        for position, value in enumerate(keys, start=1):
            name = f"keymap {action!r} #{position}"
            if isinstance(value, str) and value in NAMED_KEYS:
                key = value
            else:
                key = _parse_key(name, value, problems)
            if key is None:
                continue
            owner = owners.get(key.lower() if len(key) == 1 else key)
            if owner is not None:
                problems.append(f"{name}: key {key!r} is already the key of {owner!r}")
                continue
            owners[key.lower() if len(key) == 1 else key] = action
            parsed.append(key)
        result.append((action, tuple(parsed)))
    return tuple(result)


def parse_codebook(data: object, *, source: str = "codebook") -> Codebook:
    """Build a :class:`Codebook` from already-parsed YAML data, checking everything that
    does not need the articles.

    Parameters
    ----------
    data : object
        The result of ``yaml.safe_load`` on a codebook file.
    source : str
        How to name the file in messages (e.g. ``"data/codebook.yml"``).

    Returns
    -------
    Codebook

    Raises
    ------
    CodebookError
        Listing every problem found, each prefixed with ``source`` and the entry.
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise CodebookError([f"{source}: must be a mapping of sections, but it is {kind}"])

    for name in data:
        if name not in _TOP_LEVEL:
            problems.append(f"unknown section {name!r} (allowed: {', '.join(_TOP_LEVEL)})")

    version = data.get("version")
    if version is None:
        problems.append("missing 'version' (e.g. version: \"2026.1\")")
    elif not isinstance(version, str) or not version.strip():
        problems.append(
            f"'version' must be non-empty text in quotes (e.g. version: \"2026.1\"), "
            f"got {version!r}"
        )

    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) and s.strip() for s in sources):
        problems.append("'sources' must be a list of references (text)")
        sources = []

    coding_rules = data.get("coding_rules", [])
    if not isinstance(coding_rules, list) or not all(
        isinstance(r, str) and r.strip() for r in coding_rules
    ):
        problems.append("'coding_rules' must be a list of rules (text)")
        coding_rules = []

    keymap = _parse_keymap(data.get("keymap"), problems)
    reserved = [k for _action, keys in keymap for k in keys if len(k) == 1]
    no_technique_key = (dict(keymap).get("no-technique") or (None,))[0]

    parsed = {section: _parse_entries(section, data.get(section), problems) for section in _FIELDS}
    for frame in parsed["frames"]:
        if bool(frame.example) != bool(frame.example_article):
            problems.append(
                f"frame {frame.id!r}: give both 'example' and 'example_article', or neither"
            )
    categories, techniques = parsed["categories"], parsed["techniques"]
    stances = parsed["stances"]

    category_ids = {c.id for c in categories}
    for technique in techniques:
        if technique.category not in category_ids:
            problems.append(
                f"technique {technique.id!r}: unknown category {technique.category!r} "
                f"(known: {', '.join(sorted(category_ids))})"
            )

    # The label store and the charts only know these three stances.
    stance_ids = [s.id for s in stances]
    if stances and sorted(stance_ids) != sorted(STANCES):
        problems.append(
            f"stances must be exactly {', '.join(STANCES)}; found {', '.join(stance_ids)}"
        )

    # Shortcut keys: the keymap's keys (navigation, undo, help, no technique ...), the
    # stance keys and the technique keys must all differ.
    claimed: dict[str, str] = {}
    for action, keys in keymap:
        for key in keys:
            claimed[key.lower()] = (
                "the no-technique key"
                if action == "no-technique"
                else f"the panel's {action!r} key"
            )
    for stance in stances:
        owner = claimed.get(stance.key.lower())
        if owner is not None:
            problems.append(f"stance {stance.id!r}: key {stance.key!r} clashes with {owner}")
        claimed[stance.key.lower()] = f"stance {stance.id!r}"
    for technique in techniques:
        owner = claimed.get(technique.key.lower())
        if owner is not None:
            problems.append(
                f"technique {technique.id!r}: key {technique.key!r} clashes with {owner}"
            )
        else:
            claimed[technique.key.lower()] = f"technique {technique.id!r}"
    # Every key the panel keeps for itself: a technique may use none of them.
    reserved = [s.key for s in stances] + reserved

    # Ids as declared, so that one broken technique is not reported again by every
    # tell-apart group that names it.
    raw_techniques = data.get("techniques") if isinstance(data.get("techniques"), list) else []
    technique_ids = {t.get("id") for t in raw_techniques if isinstance(t, Mapping)}
    tell_apart = _parse_tell_apart(data.get("tell_apart", []), technique_ids, problems)
    left_out = _parse_left_out(data.get("left_out", []), technique_ids, problems)

    if problems:
        raise CodebookError([f"{source}: {p}" for p in problems])
    return Codebook(
        version=version.strip(),
        categories=tuple(categories),
        techniques=tuple(techniques),
        stances=tuple(stances),
        targets=tuple(parsed["targets"]),
        frames=tuple(parsed["frames"]),
        reserved_keys=tuple(reserved),
        no_technique_key=no_technique_key,
        sources=tuple(s.strip() for s in sources),
        coding_rules=tuple(" ".join(r.split()) for r in coding_rules),
        tell_apart=tell_apart,
        left_out=left_out,
        keymap=keymap,
    )


def _parse_tell_apart(raw: object, technique_ids: set[str], problems: list[str]):
    """``tell_apart:`` entries ``{techniques: [ids...], note: "..."}``."""
    if not isinstance(raw, list):
        problems.append("'tell_apart' must be a list of {techniques: [...], note: ...}")
        return ()
    entries = []
    for number, entry in enumerate(raw, start=1):
        where = f"tell_apart #{number}"
        if not isinstance(entry, Mapping) or set(entry) != {"techniques", "note"}:
            problems.append(f"{where}: needs exactly the fields 'techniques' and 'note'")
            continue
        ids, note = entry["techniques"], entry["note"]
        if not isinstance(ids, list) or len(ids) < 2 or not all(isinstance(i, str) for i in ids):
            problems.append(f"{where}: 'techniques' must list at least two technique ids")
            continue
        unknown = [i for i in ids if i not in technique_ids]
        if unknown:
            problems.append(f"{where}: unknown technique(s) {', '.join(unknown)}")
            continue
        if not isinstance(note, str) or not note.strip():
            problems.append(f"{where}: 'note' must be non-empty text")
            continue
        entries.append(TellApart(techniques=tuple(ids), note=" ".join(note.split())))
    return tuple(entries)


def _parse_left_out(raw: object, technique_ids: set[str], problems: list[str]):
    """``left_out:`` entries ``{id, name, reason}`` for techniques not offered."""
    if not isinstance(raw, list):
        problems.append("'left_out' must be a list of {id, name, reason}")
        return ()
    fields = ("id", "name", "reason")
    entries = []
    for number, entry in enumerate(raw, start=1):
        where = f"left_out #{number}"
        if not isinstance(entry, Mapping) or set(entry) != set(fields):
            problems.append(f"{where}: needs exactly the fields {', '.join(fields)}")
            continue
        if not all(isinstance(entry[f], str) and entry[f].strip() for f in fields):
            problems.append(f"{where}: every field must be non-empty text")
            continue
        if entry["id"] in technique_ids:
            problems.append(f"{where}: {entry['id']!r} is also a technique")
            continue
        entries.append(LeftOut(**{f: " ".join(entry[f].split()) for f in fields}))
    return tuple(entries)


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
    source = _display(file)
    try:
        stat = file.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"{source}: codebook file not found") from None
    cache_key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
    codebook = _CACHE.get(cache_key)
    if codebook is None:
        codebook = _read(file, source)
        _CACHE[cache_key] = codebook

    if corpus is None:
        beside = file.parent / "articles"
        if (beside / "sentences.csv").exists() and (beside / "articles.csv").exists():
            from .corpus import load_corpus

            corpus = load_corpus(file.parent)
    if corpus is not None:
        validate_against_corpus(codebook, corpus, source=source)
    return codebook


def _read(file: Path, source: str) -> Codebook:
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise CodebookError(
            [f"{source}: not UTF-8 text at line {line} ({error.reason}); save it as UTF-8"]
        ) from None
    try:
        # A SafeLoader subclass: no arbitrary Python objects from the file.
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise CodebookError([f"{source}: not valid YAML{where}: {problem}"]) from None
    return parse_codebook(data, source=source)
