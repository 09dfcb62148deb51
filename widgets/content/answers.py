"""The instructor's answer key and model answers (``answers/``), as plain data.

* ``answers/key/<article_id>.csv``: the reference labels for every sentence of an
  article, in the learners' CSV schema (:mod:`widgets.schema`) with learner ``key``;
  ``note`` holds the one-line rationale.
* ``answers/contested/<article_id>.csv``: sentences where careful readers can reasonably
  disagree, with the other reading: ``article_id, sentence_id, target, alt_techniques,
  alt_stance, why`` (``target`` "" for techniques).
* ``answers/model-answers.yml``: model answers to every lesson's reflection questions.

A learner release has no ``answers/`` content; every loader then raises
:class:`AnswersMissing`, whose message a widget can show as it is.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from .. import paths
from ..schema import KEY_LEARNER, LABEL_COLUMNS, STATUS_SET, TECHNIQUE_TARGET, join_techniques

__all__ = [
    "KEY_LEARNER",
    "KEY_SAVED_AT",
    "CONTESTED_COLUMNS",
    "AnswersMissing",
    "load_key",
    "load_contested",
    "load_model_answers",
    "key_problems",
    "write_key",
]

#: The key is not a session's work: one fixed timestamp keeps its files stable.
KEY_SAVED_AT = "2026-01-01T00:00:00.000000+00:00"
CONTESTED_COLUMNS = ("article_id", "sentence_id", "target", "alt_techniques", "alt_stance", "why")

_KIND_MESSAGE = (
    "The answer key is with your instructor: this copy of Rhetoric Lab has no answers/ "
    "folder. Keep labelling; your instructor will share the key or run the comparison."
)


class AnswersMissing(FileNotFoundError):
    """No answer content here (a learner release). ``str()`` is a kind message."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(_KIND_MESSAGE + (f" ({detail})" if detail else ""))


def _read_folder(folder: Path, columns: Iterable[str], what: str) -> pd.DataFrame:
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        raise AnswersMissing(f"no {what} in {folder}")
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False, encoding="utf-8") for f in files]
    frame = pd.concat(frames, ignore_index=True)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{folder}: missing columns {', '.join(missing)}")
    return frame[list(columns)]


def load_key(
    answers_dir: str | os.PathLike | None = None, article_id: str | None = None
) -> pd.DataFrame:
    """The answer key as current labels (columns :data:`~widgets.schema.LABEL_COLUMNS`)."""
    key = _read_folder(paths.answers_dir(answers_dir) / "key", LABEL_COLUMNS, "answer key")
    if article_id is not None:
        key = key[key["article_id"] == article_id].reset_index(drop=True)
        if key.empty:
            raise AnswersMissing(f"no key for article {article_id!r}")
    return key


def load_contested(
    answers_dir: str | os.PathLike | None = None, article_id: str | None = None
) -> pd.DataFrame:
    """Contested readings (columns :data:`CONTESTED_COLUMNS`); empty if none are listed."""
    folder = paths.answers_dir(answers_dir) / "contested"
    try:
        contested = _read_folder(folder, CONTESTED_COLUMNS, "contested readings")
    except AnswersMissing:
        return pd.DataFrame(columns=list(CONTESTED_COLUMNS), dtype=object)
    if article_id is not None:
        contested = contested[contested["article_id"] == article_id].reset_index(drop=True)
    return contested


def load_model_answers(answers_dir: str | os.PathLike | None = None) -> dict:
    """``{lesson: [{"question": ..., "answer": ...}, ...]}`` from ``model-answers.yml``."""
    from . import yamlfile

    path = paths.answers_dir(answers_dir) / "model-answers.yml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AnswersMissing(f"{path} is missing") from None
    data = yamlfile.safe_load(text) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of lesson -> questions")
    return data


def key_problems(key: pd.DataFrame, corpus, codebook) -> list[str]:
    """What is wrong with a key: uncovered sentences, unknown ids, stale text hashes."""
    problems = []
    known_techniques = set(codebook.technique_ids)
    rows = {(r.article_id, r.sentence_id, r.target): r for r in key.itertuples(index=False)}
    for article in corpus.articles:
        for sentence in article.sentences:
            for target in (TECHNIQUE_TARGET, *article.targets):
                row = rows.get((article.article_id, sentence.sentence_id, target))
                what = f"{sentence.sentence_id} target {target or '(techniques)'}"
                if row is None:
                    problems.append(f"{what}: no key row")
                    continue
                if row.text_sha1 != sentence.text_sha1:
                    problems.append(f"{what}: text_sha1 does not match the sentence")
                if not row.note.strip():
                    problems.append(f"{what}: no rationale")
                if target and row.stance not in ("favor", "against", "none"):
                    problems.append(f"{what}: stance {row.stance!r} is not valid")
                unknown = {t for t in row.techniques.split(";") if t} - known_techniques
                if unknown:
                    problems.append(f"{what}: unknown techniques {sorted(unknown)}")
    return problems


def write_key(
    path: str | os.PathLike,
    article,
    entries: Iterable[Mapping],
    *,
    codebook,
) -> int:
    """Write an article's key CSV from compact entries (a tool for the key's author).

    Each entry: ``sentence_id``, ``techniques`` (ids), ``stances`` ({target: stance}),
    ``rationale`` (one line; ``stance_rationale`` optional for the stance rows).
    Returns the number of rows written.
    """
    rows = []
    for entry in entries:
        sentence = article.sentence_index[entry["sentence_id"]]
        common = {
            "learner": KEY_LEARNER,
            "article_id": article.article_id,
            "sentence_id": sentence.sentence_id,
            "confidence": "",
            "frame": "",
            "status": STATUS_SET,
            "saved_at": KEY_SAVED_AT,
            "codebook_version": str(codebook.version),
            "text_sha1": sentence.text_sha1,
        }
        rows.append(
            {
                **common,
                "target": TECHNIQUE_TARGET,
                "techniques": join_techniques(entry["techniques"]),
                "stance": "",
                "note": entry["rationale"],
            }
        )
        for target, stance in entry["stances"].items():
            rows.append(
                {
                    **common,
                    "target": target,
                    "techniques": "",
                    "stance": stance,
                    "note": entry.get("stance_rationale") or entry["rationale"],
                }
            )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LABEL_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
