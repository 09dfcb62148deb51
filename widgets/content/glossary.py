"""The glossary (``data/glossary.yml``): the words the lessons and the panel's help use,
each with a short definition a learner can read at the moment of deciding.

:func:`load_glossary` returns a tuple of :class:`GlossaryEntry` in file order; a faulty
entry is named with its position and problem, all problems in one
:class:`GlossaryError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import paths
from . import yamlfile

__all__ = ["GlossaryEntry", "GlossaryError", "GLOSSARY_FILE", "load_glossary"]

#: File name of the glossary inside the data folder.
GLOSSARY_FILE = "glossary.yml"


class GlossaryError(ValueError):
    """The glossary file is unreadable or an entry is wrong (message names each)."""


@dataclass(frozen=True)
class GlossaryEntry:
    """One term and its definition."""

    term: str
    definition: str


def load_glossary(path: str | os.PathLike | None = None) -> tuple[GlossaryEntry, ...]:
    """Read the glossary.

    Parameters
    ----------
    path : path-like, optional
        The YAML file; default ``paths.data_dir() / "glossary.yml"``.

    Returns
    -------
    tuple of GlossaryEntry
        In file order; terms are unique (compared case-insensitively).

    Raises
    ------
    FileNotFoundError, GlossaryError
    """
    file = Path(path) if path is not None else paths.data_dir() / GLOSSARY_FILE
    try:
        data = yamlfile.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise GlossaryError(f"{file}: not valid YAML: {error}") from None
    entries = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise GlossaryError(f"{file}: needs a non-empty list 'terms' of {{term, definition}}")
    problems, result, seen = [], [], set()
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or set(entry) != {"term", "definition"}:
            problems.append(f"{file}: term #{number}: needs exactly 'term' and 'definition'")
            continue
        term, definition = entry["term"], entry["definition"]
        if not all(isinstance(v, str) and v.strip() for v in (term, definition)):
            problems.append(f"{file}: term #{number}: 'term' and 'definition' must be text")
            continue
        if term.strip().casefold() in seen:
            problems.append(f"{file}: term #{number}: {term.strip()!r} appears twice")
            continue
        seen.add(term.strip().casefold())
        result.append(GlossaryEntry(term.strip(), " ".join(definition.split())))
    if problems:
        raise GlossaryError("\n".join(problems))
    return tuple(result)
