"""Reading ``codebook.yml``: the YAML (duplicate keys refused), each section's entries
checked field by field, and every problem collected into one :class:`CodebookError`.
:func:`parse_codebook` turns the parsed YAML into a :class:`~widgets.content.codebook.Codebook`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import yaml

from ..schema import STANCES
from .codebook import (
    KEYMAP_ACTIONS,
    NAMED_KEYS,
    Category,
    Codebook,
    CodebookError,
    Frame,
    LeftOut,
    Stance,
    Target,
    Technique,
    TellApart,
)

__all__ = ["parse_codebook", "read_codebook_file", "display_name"]

_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

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


def display_name(path: Path) -> str:
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


# longer than 80 lines: every section is checked in one pass that gathers every problem,
# so a teacher editing codebook.yml sees all of them at once, not one per run.
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


def read_codebook_file(file: Path, source: str) -> Codebook:
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
