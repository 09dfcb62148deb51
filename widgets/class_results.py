"""Class results as small tidy tables: what the charts and the report draw.

Every function takes the current labels (``CollectResult.labels`` from
:mod:`widgets.collect`, or any frame with :data:`~widgets.schema.LABEL_COLUMNS`) or the
history, and returns a DataFrame whose size depends on the articles and the codebook,
never on the number of learners: a chart of 10,000 learners embeds as little data as a
chart of 25. The answer key's rows (learner ``"key"``) and cleared rows are left out;
sentence tables leave out the article summary unless they are about it.

* :func:`technique_counts` -- technique x article: how often the class marked it.
* :func:`stance_counts` -- article x target x stance (sentences, or the summaries).
* :func:`frame_counts` -- article x main frame chosen in the summaries.
* :func:`hotspots` -- per sentence: disagreement (from :mod:`widgets.agreement`),
  the most marked technique and the sentence text, most disputed first.
* :func:`coverage` -- per article: learners who started, finished, median share done.
* :func:`changed_minds` -- per sentence and target: how often learners changed a label.
* :func:`payload_bytes` -- the size of frames as chart JSON, to keep charts light.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .schema import (
    KEY_LEARNER,
    STANCES,
    STATUS_CLEARED,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
    split_techniques,
)

__all__ = [
    "technique_counts",
    "stance_counts",
    "frame_counts",
    "hotspots",
    "coverage",
    "changed_minds",
    "payload_bytes",
    "KEY_LEARNER",
    "TEXT_LIMIT",
]

_USED = (
    "learner",
    "article_id",
    "sentence_id",
    "target",
    "techniques",
    "stance",
    "frame",
    "status",
)
#: Sentence text in :func:`hotspots` is cut to this many characters (tooltips, not reading).
TEXT_LIMIT = 160


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    """A label column as categorical text ("" for missing): grouping by its codes is fast
    for 10,000 learners, where converting to Python strings would take seconds."""
    series = frame[name] if name in frame else pd.Series("", index=frame.index)
    if isinstance(series.dtype, pd.CategoricalDtype):
        if series.isna().any():
            series = series.cat.add_categories([""]) if "" not in series.cat.categories else series
            series = series.fillna("")
        return series
    return series.astype(object).fillna("").astype("category")


def _class_rows(
    labels: pd.DataFrame,
    *,
    summary: bool,
    columns: Sequence[str] = _USED,
    techniques_only: bool = False,
) -> pd.DataFrame:
    """Learners' set rows: no key, no cleared rows; summary rows only or none of them
    (and technique rows only, if asked).

    Only ``columns`` are copied: 10,000 learners' labels are millions of rows, and each
    table needs two or three columns of them."""
    keep = (_column(labels, "learner") != KEY_LEARNER).to_numpy().copy()
    if "status" in labels:
        keep &= (_column(labels, "status") != STATUS_CLEARED).to_numpy()
    is_summary = (_column(labels, "sentence_id") == SUMMARY_SENTENCE_ID).to_numpy()
    keep &= is_summary if summary else ~is_summary
    if techniques_only:
        keep &= (_column(labels, "target") == TECHNIQUE_TARGET).to_numpy()
    rows = np.flatnonzero(keep)
    return pd.DataFrame({c: _column(labels, c).take(rows).reset_index(drop=True) for c in columns})


def _technique_rows(labels: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    return _class_rows(labels, summary=False, columns=columns, techniques_only=True)


def _marks(rows: pd.DataFrame, by: str) -> tuple[dict[tuple[str, str], int], pd.Series]:
    """Per (``by`` value, technique): labels that include it; and labels per ``by`` value.

    Groups by the distinct technique strings first, so each is split only once."""
    grouped = rows[[by, "techniques"]].groupby([by, "techniques"], observed=True, sort=False)
    sizes = grouped.size()
    marks: dict[tuple[str, str], int] = {}
    for (value, techniques), number in sizes.items():
        for technique in split_techniques(techniques):
            marks[(str(value), technique)] = marks.get((str(value), technique), 0) + int(number)
    totals = sizes.groupby(level=0, observed=True).sum()
    totals.index = totals.index.astype(str)
    return marks, totals


def _share(count: pd.Series, total: pd.Series) -> np.ndarray:
    return np.round(np.where(total > 0, count / total.clip(lower=1), 0.0), 4)


def technique_counts(
    labels: pd.DataFrame, technique_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """How often each technique was marked, per article.

    Parameters
    ----------
    labels : DataFrame
        Current labels.
    technique_ids : sequence of str, optional
        Techniques to report (e.g. ``codebook.technique_ids``), every one for every
        article even when never marked; default: those that occur, sorted.

    Returns
    -------
    DataFrame
        ``article_id``, ``technique_id``, ``count`` (learner x sentence labels that
        include it), ``labels`` (technique labels given in the article), ``share``
        (count / labels, rounded to 4 places; 0 when no labels).
    """
    marks, totals = _marks(_technique_rows(labels, ("article_id", "techniques")), "article_id")
    if technique_ids is None:
        technique_ids = sorted({t for _, t in marks})
    records = [
        (article_id, technique, marks.get((article_id, technique), 0), int(total))
        for article_id, total in sorted(totals.items())
        for technique in technique_ids
    ]
    frame = pd.DataFrame(records, columns=["article_id", "technique_id", "count", "labels"])
    frame["share"] = _share(frame["count"], frame["labels"])
    return frame


def stance_counts(labels: pd.DataFrame, corpus, *, summary: bool = False) -> pd.DataFrame:
    """Stances per article and target, every (article, target, stance) listed.

    Parameters
    ----------
    labels : DataFrame
        Current labels.
    corpus : Corpus
        Gives each article's targets (in the article's order) and the article order.
    summary : bool
        Count the article summaries' overall stances instead of the sentences'.

    Returns
    -------
    DataFrame
        ``article_id``, ``target``, ``stance`` (``favor``, ``against``, ``none``),
        ``count``, ``share`` (of that article and target's stance labels; 0 if none).
    """
    frame = _class_rows(labels, summary=summary, columns=("article_id", "target", "stance"))
    counted = frame.groupby(["article_id", "target", "stance"], observed=True).size()
    counted.index = pd.MultiIndex.from_tuples(
        [tuple(map(str, i)) for i in counted.index], names=counted.index.names
    )
    grid = pd.MultiIndex.from_tuples(
        [
            (article.article_id, target, stance)
            for article in corpus.articles
            for target in article.targets
            for stance in STANCES
        ],
        names=["article_id", "target", "stance"],
    )
    result = counted.reindex(grid, fill_value=0).rename("count").reset_index()
    totals = result.groupby(["article_id", "target"], sort=False)["count"].transform("sum")
    result["count"] = result["count"].astype(np.int64)
    result["share"] = _share(result["count"], totals)
    return result


def frame_counts(labels: pd.DataFrame, frame_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Main frames chosen in the article summaries.

    Returns
    -------
    DataFrame
        ``article_id``, ``frame``, ``count``, ``share`` (of that article's summaries with a
        frame); every frame in ``frame_ids`` (default: those chosen) for every article
        with a summary.
    """
    rows = _class_rows(labels, summary=True, columns=("article_id", "frame"), techniques_only=True)
    frame = pd.DataFrame({c: rows[c].astype(str) for c in ("article_id", "frame")})
    frame = frame[frame["frame"] != ""]
    counted = frame.groupby(["article_id", "frame"], sort=True).size()
    frame_ids = sorted(set(frame["frame"])) if frame_ids is None else list(frame_ids)
    articles = sorted(set(frame["article_id"]))
    grid = pd.MultiIndex.from_product([articles, frame_ids], names=["article_id", "frame"])
    result = counted.reindex(grid, fill_value=0).rename("count").reset_index()
    totals = result.groupby("article_id")["count"].transform("sum")
    result["count"] = result["count"].astype(np.int64)
    result["share"] = _share(result["count"], totals)
    return result


def hotspots(
    labels: pd.DataFrame,
    corpus,
    *,
    top: int | None = None,
    disagreement: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Sentences to discuss: where learners disagree most.

    Parameters
    ----------
    labels : DataFrame
        Current labels.
    corpus : Corpus
        Gives sentence positions and text.
    top : int, optional
        Keep only the ``top`` most disputed sentences.
    disagreement : DataFrame, optional
        :func:`widgets.agreement.sentence_disagreement` of ``labels`` if already computed.

    Returns
    -------
    DataFrame
        ``article_id``, ``sentence_id``, ``position``, ``text`` (at most
        :data:`TEXT_LIMIT` characters), ``disagreement``, ``technique_disagreement``,
        ``stance_disagreement``, ``n_coders`` (from
        :func:`widgets.agreement.sentence_disagreement`), ``top_technique`` (most often
        marked, "" if none) and ``top_share`` (share of the sentence's technique labels
        that include it); most disputed first.
    """
    from .agreement import sentence_disagreement

    table = (sentence_disagreement(labels) if disagreement is None else disagreement).copy()
    marks, totals = _marks(_technique_rows(labels, ("sentence_id", "techniques")), "sentence_id")
    per_sentence: dict[str, list[tuple[str, int]]] = {}
    for (sentence_id, technique), number in marks.items():
        per_sentence.setdefault(sentence_id, []).append((technique, number))
    index = corpus.sentence_index
    table["sentence_id"] = table["sentence_id"].astype(str)
    table["article_id"] = table["article_id"].astype(str)
    best = [
        max(sorted(per_sentence.get(s, [])), key=lambda item: item[1], default=("", 0))
        for s in table["sentence_id"]
    ]
    table["position"] = [index[s].position if s in index else -1 for s in table["sentence_id"]]
    table["text"] = [_cut(index[s].text) if s in index else "" for s in table["sentence_id"]]
    table["top_technique"] = [b[0] for b in best]
    table["top_share"] = [
        round(b[1] / int(totals.get(s, 0)), 4) if totals.get(s, 0) else 0.0
        for b, s in zip(best, table["sentence_id"], strict=True)
    ]
    for column in ("disagreement", "technique_disagreement", "stance_disagreement"):
        table[column] = table[column].astype(float).round(4)
    columns = [
        "article_id",
        "sentence_id",
        "position",
        "text",
        "disagreement",
        "technique_disagreement",
        "stance_disagreement",
        "n_coders",
        "top_technique",
        "top_share",
    ]
    table = table[columns].reset_index(drop=True)
    return table.head(top).reset_index(drop=True) if top is not None else table


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def coverage(labels: pd.DataFrame, corpus) -> pd.DataFrame:
    """How far learners got, per article.

    Returns
    -------
    DataFrame
        ``article_id``, ``sentences`` (in the article), ``learners`` (with at least one
        technique label there), ``finished`` (labelled every sentence),
        ``median_share`` (median share of sentences labelled, among those who started).
    """
    frame = _technique_rows(labels, ("article_id", "learner"))
    per_learner = frame.groupby(["article_id", "learner"], observed=True).size()
    by_article = {
        str(article_id): group.to_numpy()
        for article_id, group in per_learner.groupby(level=0, observed=True)
    }
    records = []
    for article in corpus.articles:
        sentences = len(article.sentences)
        done = by_article.get(article.article_id, np.zeros(0, dtype=np.int64))
        shares = done / sentences if sentences else np.zeros(len(done))
        records.append(
            (
                article.article_id,
                sentences,
                len(done),
                int((done >= sentences).sum()) if sentences else 0,
                round(float(np.median(shares)), 4) if len(shares) else float("nan"),
            )
        )
    return pd.DataFrame(
        records, columns=["article_id", "sentences", "learners", "finished", "median_share"]
    )


def _stamps(values: pd.Series) -> np.ndarray:
    """UTC microseconds of ISO 8601 text (unparseable -> the smallest value)."""
    import pyarrow as pa

    try:
        array = pa.array(values) if values.dtype == "str" else pa.array(values.astype(str))
        array = array.cast(pa.string())
        return array.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
        micros = parsed.to_numpy(dtype="datetime64[us]").astype(np.int64)
        return np.where(parsed.isna().to_numpy(), np.iinfo(np.int64).min, micros)


def changed_minds(history: pd.DataFrame, *, by_target: bool = False) -> pd.DataFrame:
    """Where learners changed their minds: later saves that changed a label's value.

    Parameters
    ----------
    history : DataFrame
        Every row (``CollectResult.history`` or :meth:`LabelStore.history`).
    by_target : bool
        One row per sentence and target instead of per sentence.

    Returns
    -------
    DataFrame
        ``article_id``, ``sentence_id`` (and ``target``), ``changes`` (saves whose
        techniques, stance, frame or status differ from the same learner's previous save
        of that label, so a withdrawal counts), ``learners`` (who changed it at least
        once); only what changed, most changed first.
    """
    keys = ["article_id", "sentence_id", *(["target"] if by_target else [])]
    columns = [*keys, "changes", "learners"]
    keep = (_column(history, "learner") != KEY_LEARNER).to_numpy()
    frame = history if keep.all() else history[keep]
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    codes = {c: _column(frame, c).cat.codes.to_numpy().astype(np.int64) for c in _USED}
    label_key = np.zeros(len(frame), dtype=np.int64)
    for c in ("learner", "article_id", "sentence_id", "target"):
        label_key = label_key * (codes[c].max() + 2) + codes[c] + 1
    value = np.zeros(len(frame), dtype=np.int64)
    for c in ("techniques", "stance", "frame", "status"):
        value = value * (codes[c].max() + 2) + codes[c] + 1
    # Most labels were saved once: only keys saved more than once can change, so only
    # their rows are parsed and sorted (a few percent of a large class's history).
    repeated = np.flatnonzero(pd.Series(label_key).duplicated(keep=False).to_numpy())
    stamps = _stamps(frame["saved_at"].iloc[repeated])
    order = repeated[np.lexsort((stamps, label_key[repeated]))]
    label_key, value = label_key[order], value[order]
    changed = np.zeros(len(order), dtype=bool)
    changed[1:] = (label_key[1:] == label_key[:-1]) & (value[1:] != value[:-1])
    rows = frame.iloc[order[changed]]
    table = pd.DataFrame({c: _column(rows, c).astype(str) for c in [*keys, "learner"]})
    grouped = table.groupby(keys, sort=True)
    result = pd.DataFrame({"changes": grouped.size(), "learners": grouped["learner"].nunique()})
    result = result.reset_index()
    return result.sort_values(
        ["changes", *keys], ascending=[False, *([True] * len(keys))], kind="stable"
    ).reset_index(drop=True)[columns]


def payload_bytes(*frames: pd.DataFrame) -> int:
    """Bytes of the frames as JSON records: what a chart embeds (Altair inlines its data)."""
    return sum(len(f.to_json(orient="records", force_ascii=False).encode("utf-8")) for f in frames)
