"""Looks at the key (``status=revealed`` rows) and the labels given before them.

A learner who checks a sentence against the key, or clicks "Reveal anyway", leaves a
reveal row in their file (:meth:`widgets.labelling.store.LabelStore.reveal`): one sentence, the
summary (``sentence_id == "summary"``), or a whole article (``sentence_id == "*"``).

**The pre-reveal rule.** A label is *pre-reveal* when it is the learner's last label for
that sentence and target saved before the first reveal covering the sentence (a reveal of
the sentence itself, or of its whole article). A key never revealed keeps its current
label. Class agreement, disagreement and the charts use pre-reveal labels by default
(:func:`pre_reveal_labels`), so they measure the class's reading, not copied answers.

Every function takes label rows in the schema of :mod:`widgets.schema` (category or
text columns) and leaves files without reveal rows exactly as they were, at the cost of
one look at the ``status`` column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..labelling.current import current_labels
from ..schema import (
    KEY_LEARNER,
    LABEL_COLUMNS,
    REVEAL_WHOLE_ARTICLE,
    STATUS_REVEALED,
    SUMMARY_SENTENCE_ID,
)

__all__ = [
    "PRE_REVEAL_NOTE",
    "RevealSummary",
    "reveal_mask",
    "without_reveals",
    "pre_reveal_labels",
    "reveal_summary",
]

#: What the report and the dashboard say about the labels they measure.
PRE_REVEAL_NOTE = (
    "Agreement, disagreement and the charts use pre-reveal labels: for each sentence, "
    "a learner's last label saved before they first looked at the key for it (labels "
    "changed after a look are left out of these measures)."
)


def reveal_mask(rows: pd.DataFrame) -> np.ndarray:
    """True for reveal rows (a frame without a ``status`` column has none)."""
    if "status" not in rows or rows.empty:
        return np.zeros(len(rows), dtype=bool)
    status = rows["status"]
    if isinstance(status.dtype, pd.CategoricalDtype):
        if STATUS_REVEALED not in status.cat.categories:
            return np.zeros(len(rows), dtype=bool)  # (no pass over the rows)
        code = status.cat.categories.get_loc(STATUS_REVEALED)
        return status.cat.codes.to_numpy() == code
    return status.astype(str).to_numpy() == STATUS_REVEALED


def without_reveals(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` less reveal rows: the rows current-label functions read (no copy when
    there are none)."""
    mask = reveal_mask(rows)
    return rows[~mask] if mask.any() else rows


def _stamps(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(str), utc=True, format="ISO8601")


def _first_reveals(reveals: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first reveal per (learner, article, sentence), and per (learner, article) for
    whole-article reveals: frames with a ``first`` column."""
    frame = pd.DataFrame(
        {
            "learner": reveals["learner"].astype(str).to_numpy(),
            "article_id": reveals["article_id"].astype(str).to_numpy(),
            "sentence_id": reveals["sentence_id"].astype(str).to_numpy(),
            "first": _stamps(reveals["saved_at"]).to_numpy(),
        }
    )
    whole = frame["sentence_id"] == REVEAL_WHOLE_ARTICLE
    by_sentence = (
        frame[~whole]
        .groupby(["learner", "article_id", "sentence_id"], as_index=False)["first"]
        .min()
    )
    by_article = frame[whole].groupby(["learner", "article_id"], as_index=False)["first"].min()
    return by_sentence, by_article


def pre_reveal_labels(labels: pd.DataFrame, history: pd.DataFrame | None) -> pd.DataFrame:
    """The labels class measures use: pre-reveal labels (see the module docstring).

    Parameters
    ----------
    labels : DataFrame
        Current labels (``CollectResult.labels`` or ``class.csv``).
    history : DataFrame or None
        Every valid row with ``status`` and ``saved_at`` (``CollectResult.history``);
        ``None`` or a history without reveal rows gives ``labels`` unchanged.

    Returns
    -------
    DataFrame
        ``labels``' columns. Learners who never looked at the key keep their labels as
        they are; for the others each key's pre-reveal label replaces the current one
        (a key first labelled after its reveal has none).
    """
    if history is None or "saved_at" not in history:
        return labels
    mask = reveal_mask(history)
    if not mask.any():
        return labels
    reveals = history[mask]
    by_sentence, by_article = _first_reveals(reveals)
    looked = set(reveals["learner"].astype(str))
    in_looked = history["learner"].astype(str).isin(looked).to_numpy()
    rows = history[in_looked & ~mask]
    rows = rows[[c for c in LABEL_COLUMNS if c in rows]].astype(object).reset_index(drop=True)
    rows = rows.assign(_at=_stamps(rows["saved_at"]).to_numpy())
    keyed = rows[["learner", "article_id", "sentence_id"]].astype(str)
    sentence_cut = keyed.merge(by_sentence, how="left", on=["learner", "article_id", "sentence_id"])
    article_cut = keyed.merge(by_article, how="left", on=["learner", "article_id"])
    cutoff = pd.concat([sentence_cut["first"], article_cut["first"]], axis=1).min(axis=1)
    before = (cutoff.isna() | (rows["_at"] < cutoff)).to_numpy()
    # the kit's one rule picks each key's latest pre-reveal save (cleared withdraws it)
    kept = current_labels(rows[before].drop(columns="_at"))
    others = labels[~labels["learner"].astype(str).isin(looked).to_numpy()]
    combined = pd.concat(
        [others.astype({c: object for c in others.columns}), kept],
        ignore_index=True,
    )
    return combined[list(labels.columns)].reset_index(drop=True)


@dataclass(frozen=True)
class RevealSummary:
    """How often the class looked at the key.

    ``per_learner``: ``learner``, ``sentences`` (sentence checks), ``summaries``,
    ``whole_articles`` ("Reveal anyway"), ``total``. ``per_sentence``: ``article_id``,
    ``sentence_id``, ``learners`` (who looked at it, a whole-article reveal included),
    most looked-at first. Both empty when nobody looked.
    """

    per_learner: pd.DataFrame
    per_sentence: pd.DataFrame

    @property
    def total(self) -> int:
        return int(self.per_learner["total"].sum()) if len(self.per_learner) else 0


def reveal_summary(history: pd.DataFrame | None, corpus) -> RevealSummary:
    """Count reveals per learner and per sentence (the key's own rows left out)."""
    empty = RevealSummary(
        pd.DataFrame(columns=["learner", "sentences", "summaries", "whole_articles", "total"]),
        pd.DataFrame(columns=["article_id", "sentence_id", "learners"]),
    )
    if history is None:
        return empty
    mask = reveal_mask(history)
    if not mask.any():
        return empty
    reveals = pd.DataFrame(
        {
            c: history.loc[mask, c].astype(str).to_numpy()
            for c in ("learner", "article_id", "sentence_id")
        }
    )
    reveals = reveals[reveals["learner"] != KEY_LEARNER]
    kind = np.where(
        reveals["sentence_id"] == REVEAL_WHOLE_ARTICLE,
        "whole_articles",
        np.where(reveals["sentence_id"] == SUMMARY_SENTENCE_ID, "summaries", "sentences"),
    )
    per_learner = (
        pd.crosstab(reveals["learner"], kind)
        .reindex(columns=["sentences", "summaries", "whole_articles"], fill_value=0)
        .reset_index()
        .rename_axis(columns=None)
    )
    per_learner["total"] = per_learner[["sentences", "summaries", "whole_articles"]].sum(axis=1)
    # Per sentence: learners who saw its key, by a sentence check or a whole-article reveal.
    seen: set[tuple[str, str, str]] = set()
    for learner, article_id, sentence_id in reveals.itertuples(index=False, name=None):
        if sentence_id == REVEAL_WHOLE_ARTICLE:
            article = corpus.by_id.get(article_id)
            for sentence in article.sentences if article is not None else ():
                seen.add((learner, article_id, sentence.sentence_id))
        else:
            seen.add((learner, article_id, sentence_id))
    per_sentence = (
        pd.DataFrame(sorted(seen), columns=["learner", "article_id", "sentence_id"])
        .groupby(["article_id", "sentence_id"], sort=False)
        .size()
        .rename("learners")
        .reset_index()
        .sort_values(["learners", "article_id", "sentence_id"], ascending=[False, True, True])
        .reset_index(drop=True)
    )
    return RevealSummary(per_learner.sort_values("learner").reset_index(drop=True), per_sentence)
