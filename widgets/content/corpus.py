"""The articles as plain data: load ``articles.csv`` and ``sentences.csv``.

The files are written by :mod:`widgets.articles.build` (``rhetoric-lab build-articles``); this
module only reads them, so every other part of the kit depends on the CSVs and not on
how they were cleaned and segmented.

When a sentence's wording is corrected after learners have labelled it (a typographic
fix that leaves its meaning alone), ``articles/text-history.csv`` keeps its earlier
``text_sha1`` (columns :data:`TEXT_HISTORY_COLUMNS`): labels given to the earlier wording
still count for the sentence (:meth:`Sentence.accepts`).
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .. import paths

__all__ = [
    "ARTICLE_COLUMNS",
    "SENTENCE_COLUMNS",
    "TEXT_HISTORY_COLUMNS",
    "Article",
    "Sentence",
    "Corpus",
    "load_corpus",
    "text_sha1",
    "sentence_id_for",
]

ARTICLE_COLUMNS: tuple[str, ...] = (
    "article_id",
    "title",
    "author",
    "outlet",
    "published",
    "genre",
    "targets",
    "source_file",
    "word_count",
    "notes",
)
SENTENCE_COLUMNS: tuple[str, ...] = (
    "article_id",
    "sentence_id",
    "paragraph",
    "position",
    "text",
    "text_sha1",
)

#: ``articles/text-history.csv``: earlier wordings whose labels still count.
TEXT_HISTORY_COLUMNS: tuple[str, ...] = ("sentence_id", "previous_text_sha1", "change")


def text_sha1(text: str) -> str:
    """SHA-1 of the UTF-8 text: how a label remembers which wording it was given for."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def sentence_id_for(article_id: str, position: int) -> str:
    """The corpus-wide id of the ``position``-th sentence (1-based) of an article."""
    return f"{article_id}-{position:03d}"


@dataclass(frozen=True)
class Sentence:
    article_id: str
    sentence_id: str
    paragraph: int
    position: int
    text: str
    text_sha1: str
    #: Hashes of earlier wordings whose labels still count (``text-history.csv``).
    previous_text_sha1: tuple[str, ...] = ()

    def accepts(self, sha1: str) -> bool:
        """Was a label with this ``text_sha1`` given to this sentence's wording (the
        current one, or an earlier one kept in the text history)?"""
        return sha1 == self.text_sha1 or sha1 in self.previous_text_sha1


@dataclass(frozen=True)
class Article:
    article_id: str
    title: str
    author: str
    outlet: str
    published: str
    genre: str
    targets: tuple[str, ...]
    source_file: str
    word_count: int
    notes: str
    sentences: tuple[Sentence, ...]

    @cached_property
    def sentence_index(self) -> dict[str, Sentence]:
        return {s.sentence_id: s for s in self.sentences}

    def paragraphs(self) -> list[list[Sentence]]:
        """Sentences grouped by paragraph, in reading order."""
        groups: dict[int, list[Sentence]] = {}
        for sentence in self.sentences:
            groups.setdefault(sentence.paragraph, []).append(sentence)
        return [groups[k] for k in sorted(groups)]


@dataclass(frozen=True)
class Corpus:
    articles: tuple[Article, ...]

    @cached_property
    def by_id(self) -> dict[str, Article]:
        return {a.article_id: a for a in self.articles}

    @cached_property
    def sentence_index(self) -> dict[str, Sentence]:
        return {s.sentence_id: s for a in self.articles for s in a.sentences}

    @property
    def article_ids(self) -> tuple[str, ...]:
        return tuple(a.article_id for a in self.articles)

    def article(self, article_id: str) -> Article:
        """The article, or ``KeyError`` naming the ids that exist."""
        try:
            return self.by_id[article_id]
        except KeyError:
            known = ", ".join(self.article_ids) or "(none: run `rhetoric-lab build-articles`)"
            raise KeyError(f"unknown article {article_id!r}; known articles: {known}") from None

    def sentences_frame(self):
        """All sentences as a pandas DataFrame (columns :data:`SENTENCE_COLUMNS`)."""
        import pandas as pd

        return pd.DataFrame(
            [[getattr(s, c) for c in SENTENCE_COLUMNS] for a in self.articles for s in a.sentences],
            columns=list(SENTENCE_COLUMNS),
        )

    def articles_frame(self):
        """One row per article (columns :data:`ARTICLE_COLUMNS`, targets joined by ``;``)."""
        import pandas as pd

        rows = []
        for a in self.articles:
            row = {c: getattr(a, c) for c in ARTICLE_COLUMNS}
            row["targets"] = ";".join(a.targets)
            rows.append(row)
        return pd.DataFrame(rows, columns=list(ARTICLE_COLUMNS))


def _read_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        handle = open(path, encoding="utf-8", newline="")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} is missing: run `rhetoric-lab build-articles` to build the articles"
        ) from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing columns {', '.join(missing)}")
        return list(reader)


_CACHE: dict[tuple[str, float, float], Corpus] = {}


def load_corpus(data_dir: str | os.PathLike | None = None) -> Corpus:
    """Load ``<data_dir>/articles/{articles,sentences}.csv`` (cached while unchanged)."""
    folder = paths.data_dir(data_dir) / "articles"
    articles_csv, sentences_csv = folder / "articles.csv", folder / "sentences.csv"
    try:
        history_csv = folder / "text-history.csv"
        key = (
            str(folder.resolve()),
            articles_csv.stat().st_mtime,
            sentences_csv.stat().st_mtime,
            history_csv.stat().st_mtime if history_csv.exists() else 0.0,
        )
    except FileNotFoundError:
        key = None
    if key is not None and key in _CACHE:
        return _CACHE[key]
    history: dict[str, list[str]] = {}
    history_csv = folder / "text-history.csv"
    if history_csv.exists():
        for row in _read_rows(history_csv, TEXT_HISTORY_COLUMNS):
            history.setdefault(row["sentence_id"], []).append(row["previous_text_sha1"])
    by_article: dict[str, list[Sentence]] = {}
    for row in _read_rows(sentences_csv, SENTENCE_COLUMNS):
        by_article.setdefault(row["article_id"], []).append(
            Sentence(
                article_id=row["article_id"],
                sentence_id=row["sentence_id"],
                paragraph=int(row["paragraph"]),
                position=int(row["position"]),
                text=row["text"],
                text_sha1=row["text_sha1"],
                previous_text_sha1=tuple(history.get(row["sentence_id"], ())),
            )
        )
    articles = []
    for row in _read_rows(articles_csv, ARTICLE_COLUMNS):
        sentences = sorted(by_article.get(row["article_id"], []), key=lambda s: s.position)
        articles.append(
            Article(
                article_id=row["article_id"],
                title=row["title"],
                author=row["author"],
                outlet=row["outlet"],
                published=row["published"],
                genre=row["genre"],
                targets=tuple(t for t in row["targets"].split(";") if t),
                source_file=row["source_file"],
                word_count=int(row["word_count"] or 0),
                notes=row["notes"],
                sentences=tuple(sentences),
            )
        )
    corpus = Corpus(articles=tuple(articles))
    if key is not None:
        _CACHE[key] = corpus
    return corpus
