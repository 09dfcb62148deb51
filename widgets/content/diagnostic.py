"""The lesson 00 diagnostic (``data/diagnostic.yml``) and how a learner's answers moved.

A learner labels the diagnostic's sentences in lesson 00, before any teaching; the label
store keeps every change, so the *first* label saved for each sentence is the diagnostic
answer and the current label is the answer now. :func:`diagnostic_progress` lines them
up (and with the key when given) for lesson 07. Pure functions over DataFrames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import paths
from ..labelling.current import current_labels
from ..schema import KEY_COLUMNS, STATUS_SET, TECHNIQUE_TARGET, split_techniques
from . import yamlfile

__all__ = ["Diagnostic", "DIAGNOSTIC_FILE", "load_diagnostic", "diagnostic_progress"]

DIAGNOSTIC_FILE = "diagnostic.yml"


@dataclass(frozen=True)
class Diagnostic:
    """The diagnostic's article, its sentence ids in order, and what each probes."""

    article_id: str
    sentence_ids: tuple[str, ...]
    probes: tuple[str, ...]
    #: The article's stance targets, in order.
    targets: tuple[str, ...] = ()


def load_diagnostic(path: str | os.PathLike | None = None, *, corpus=None) -> Diagnostic:
    """Read and check ``data/diagnostic.yml`` (``ValueError`` naming the problem)."""
    file = Path(path) if path is not None else paths.data_dir() / DIAGNOSTIC_FILE
    data = yamlfile.safe_load(file.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("sentences"), list):
        raise ValueError(f"{file}: needs 'article_id' and a list 'sentences'")
    if corpus is None:
        from .corpus import load_corpus

        corpus = load_corpus(file.parent)
    article = corpus.article(str(data.get("article_id")))
    ids, probes = [], []
    for number, entry in enumerate(data["sentences"], start=1):
        if not isinstance(entry, dict) or entry.get("sentence_id") not in article.sentence_index:
            raise ValueError(
                f"{file}: sentence #{number} is not a sentence of {article.article_id}"
            )
        ids.append(entry["sentence_id"])
        probes.append(" ".join(str(entry.get("probes", "")).split()))
    return Diagnostic(article.article_id, tuple(ids), tuple(probes), tuple(article.targets))


def _first_and_current(history: pd.DataFrame) -> tuple[dict, dict]:
    """Per (sentence, target): the first saved value and the current one."""
    if history.empty:
        return {}, {}
    value = lambda row: (  # noqa: E731 - one expression, used twice below
        split_techniques(row["techniques"]) if row["target"] == TECHNIQUE_TARGET else row["stance"]
    )
    # Only saves count: a reveal row (the learner looked at the key) is no answer.
    saves = history[history["status"] == STATUS_SET].sort_values("saved_at", kind="stable")
    first = {
        (r["sentence_id"], r["target"]): value(r)
        for r in saves.drop_duplicates(list(KEY_COLUMNS), keep="first").to_dict("records")
    }
    current = {
        (r["sentence_id"], r["target"]): value(r)
        for r in current_labels(history).to_dict("records")
    }
    return first, current


def diagnostic_progress(
    history: pd.DataFrame, diagnostic: Diagnostic, *, key: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per diagnostic sentence and decision: the first answer, the answer now,
    and (with ``key``) the key's answer and whether each agrees with it.

    Columns: ``sentence_id, decision, first, now`` and, with a key, ``key,
    first_agrees, now_agrees``. Techniques are shown as ids joined by ", " ("no
    technique" for an empty set; "" when never labelled).
    """
    first, current = _first_and_current(history[history["article_id"] == diagnostic.article_id])
    keyed = {}
    if key is not None:
        own = key[key["article_id"] == diagnostic.article_id]
        keyed = {
            (r["sentence_id"], r["target"]): (
                split_techniques(r["techniques"])
                if r["target"] == TECHNIQUE_TARGET
                else r["stance"]
            )
            for r in own.to_dict("records")
        }
    targets = diagnostic.targets or tuple(sorted({t for (_s, t) in (*first, *keyed) if t}))

    def shown(value) -> str:
        if value is None:
            return ""
        if isinstance(value, tuple):
            return ", ".join(value) or "no technique"
        return str(value)

    rows = []
    for sentence_id in diagnostic.sentence_ids:
        for target in (TECHNIQUE_TARGET, *targets):
            where = (sentence_id, target)
            row = {
                "sentence_id": sentence_id,
                "decision": "techniques" if not target else f"stance: {target}",
                "first": shown(first.get(where)),
                "now": shown(current.get(where)),
            }
            if key is not None:
                reference = keyed.get(where)
                row["key"] = shown(reference)
                row["first_agrees"] = where in first and first[where] == reference
                row["now_agrees"] = where in current and current[where] == reference
            rows.append(row)
    return pd.DataFrame(rows)
