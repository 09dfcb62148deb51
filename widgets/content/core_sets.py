"""Core sets (``data/core-sets.yml``): per article, the 12-18 sentences a lesson labels
first, each with the reason it was chosen (what it makes a learner decide).

The file sits in ``data/`` because learners need it and it holds no answers; the key
stays in ``answers/``. :func:`load_core_sets` checks every id against the corpus and
reports all problems at once in a :class:`CoreSetError`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import paths
from . import yamlfile

__all__ = [
    "CoreSentence",
    "CoreSetError",
    "CORE_SETS_FILE",
    "CORE_SET_SIZE",
    "load_core_sets",
    "core_sentence_ids",
]

#: File name of the core sets inside the data folder.
CORE_SETS_FILE = "core-sets.yml"
#: How many sentences a core set holds (inclusive bounds).
CORE_SET_SIZE = (12, 18)


class CoreSetError(ValueError):
    """The core-sets file is unreadable or names sentences that do not exist."""


@dataclass(frozen=True)
class CoreSentence:
    """One sentence of a core set and why it was chosen."""

    sentence_id: str
    reason: str


def load_core_sets(
    path: str | os.PathLike | None = None, *, corpus=None
) -> dict[str, tuple[CoreSentence, ...]]:
    """Read the core sets: ``{article_id: (CoreSentence, ...)}`` in reading order.

    Parameters
    ----------
    path : path-like, optional
        The YAML file; default ``paths.data_dir() / "core-sets.yml"``.
    corpus : widgets.content.corpus.Corpus, optional
        Articles to check the ids against; default the corpus beside the file.

    Raises
    ------
    FileNotFoundError, CoreSetError
        Naming the article and sentence of every problem.
    """
    file = Path(path) if path is not None else paths.data_dir() / CORE_SETS_FILE
    if corpus is None:
        from .corpus import load_corpus

        corpus = load_corpus(file.parent)
    try:
        data = yamlfile.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise CoreSetError(f"{file}: not valid YAML: {error}") from None
    articles = data.get("articles") if isinstance(data, dict) else None
    if not isinstance(articles, dict):
        raise CoreSetError(f"{file}: needs a mapping 'articles' of article id -> sentences")
    problems: list[str] = []
    sets: dict[str, tuple[CoreSentence, ...]] = {}
    low, high = CORE_SET_SIZE
    for article_id, entries in articles.items():
        where = f"{file}: {article_id}"
        try:
            article = corpus.article(article_id)
        except KeyError as error:
            problems.append(f"{where}: {error.args[0]}")
            continue
        if not isinstance(entries, list):
            problems.append(f"{where}: must be a list of {{sentence_id, reason}}")
            continue
        chosen: dict[str, CoreSentence] = {}
        for number, entry in enumerate(entries, start=1):
            if not isinstance(entry, dict) or set(entry) != {"sentence_id", "reason"}:
                problems.append(f"{where} #{number}: needs exactly 'sentence_id' and 'reason'")
                continue
            sentence_id, reason = entry["sentence_id"], entry["reason"]
            if sentence_id not in article.sentence_index:
                problems.append(f"{where} #{number}: {sentence_id!r} is not a sentence of it")
            elif sentence_id in chosen:
                problems.append(f"{where} #{number}: {sentence_id!r} is listed twice")
            elif not isinstance(reason, str) or not reason.strip():
                problems.append(f"{where} #{number}: {sentence_id!r} needs a reason")
            else:
                chosen[sentence_id] = CoreSentence(sentence_id, " ".join(reason.split()))
        if not low <= len(chosen) <= high:
            problems.append(f"{where}: {len(chosen)} sentences; a core set has {low}-{high}")
        order = {s.sentence_id: s.position for s in article.sentences}
        sets[article_id] = tuple(sorted(chosen.values(), key=lambda c: order[c.sentence_id]))
    if problems:
        raise CoreSetError("\n".join(problems))
    return sets


def core_sentence_ids(
    article_id: str, path: str | os.PathLike | None = None, *, corpus=None
) -> tuple[str, ...] | None:
    """The core set's sentence ids of one article, in reading order, or ``None`` when the
    kit lists no core set for it (no core-sets file, or no entry): callers then use the
    whole article."""
    file = Path(path) if path is not None else paths.data_dir() / CORE_SETS_FILE
    if not file.exists():
        return None
    chosen = load_core_sets(file, corpus=corpus).get(article_id)
    return tuple(c.sentence_id for c in chosen) if chosen else None
