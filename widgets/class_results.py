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

from .agreement import (
    _code_of,
    _combine,
    _compact,
    _distinct,
    _factorize,
    sentence_disagreement,
)
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

#: Sentence text in :func:`hotspots` is cut to this many characters (tooltips, not reading).
TEXT_LIMIT = 160


def _codes(frame: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and text values ("" for missing, and for an absent column) of a label
    column. A categorical's own codes: for 10,000 learners, counting millions of small
    integers is fast where grouping categoricals or converting to strings takes seconds."""
    if name not in frame:
        return np.zeros(len(frame), dtype=np.int8), np.array([""], dtype=object)
    return _factorize(frame[name])


def _class_rows(
    labels: pd.DataFrame, *, summary: bool, techniques_only: bool = False
) -> np.ndarray:
    """Which rows are learners' set rows: no key, no cleared rows; summary rows only or
    none of them (and technique rows only, if asked). A mask, from category codes; a
    value no row has (often the key, or ``cleared`` in current labels) costs no pass."""
    conditions = [(KEY_LEARNER, "learner", False), (SUMMARY_SENTENCE_ID, "sentence_id", summary)]
    if "status" in labels:
        conditions.append((STATUS_CLEARED, "status", False))
    if techniques_only:
        conditions.append((TECHNIQUE_TARGET, "target", True))
    keep = np.ones(len(labels), dtype=bool)
    for value, name, wanted in conditions:
        codes, values = _codes(labels, name)
        code = _code_of(values, value)
        if code >= 0:
            keep &= (codes == code) if wanted else (codes != code)
        elif wanted:
            keep[:] = False
    return keep


def _counts(
    labels: pd.DataFrame, keep: np.ndarray, names: Sequence[str]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """How many ``keep`` rows have each combination of the named columns' values: an
    array with one axis per column, and each axis's values (text). One bincount, no
    groupby."""
    coded = [_codes(labels, name) for name in names]
    codes = [column_codes for column_codes, _ in coded]
    values = [column_values for _, column_values in coded]
    if np.prod([len(v) for v in values], dtype=float) > 4 * len(keep) + 1_000_000:
        # many values: count only the values that occur
        for index, column_values in enumerate(values):
            codes[index], used = _compact(codes[index], len(column_values))
            values[index] = column_values[used]
    shape = tuple(len(v) for v in values)
    size = int(np.prod(shape, dtype=np.int64))
    if 2 * np.count_nonzero(keep) < len(keep):  # a few rows (summaries): take them
        rows = np.flatnonzero(keep)
        combined = _combine([column_codes[rows] for column_codes in codes], shape)
    else:  # most rows: combine them all, the ones left out into codes >= size
        combined = _combine([~keep, *codes], (2, *shape))
    return np.bincount(combined, minlength=size)[:size].reshape(shape), values


def _marks(labels: pd.DataFrame, by: str) -> tuple[np.ndarray, list[str], np.ndarray, dict]:
    """Learners' technique labels (no summary) per ``by`` value and technique.

    Returns the ``by`` values, the techniques (sorted), the matrix of labels per
    (``by`` value, technique) that include it, and the labels per ``by`` value (only the
    values with labels). Each distinct techniques string is split once."""
    keep = _class_rows(labels, summary=False, techniques_only=True)
    counts, (values, strings) = _counts(labels, keep, (by, "techniques"))
    used = np.flatnonzero(counts.sum(axis=0))
    parsed = [split_techniques(strings[index]) for index in used]
    techniques = sorted({t for items in parsed for t in items})
    column = {t: index for index, t in enumerate(techniques)}
    # times each technique occurs in each string (a repeated id counts twice, as before)
    membership = np.zeros((len(used), len(techniques)))
    for row, items in enumerate(parsed):
        for technique in items:
            membership[row, column[technique]] += 1
    # a float product (BLAS) is exact for counts like these, and faster than an integer one
    marks = (counts[:, used] @ membership).astype(np.int64)
    per_value = counts.sum(axis=1)
    totals = {str(values[i]): int(per_value[i]) for i in np.flatnonzero(per_value)}
    return values, techniques, marks, totals


def _share(count: pd.Series, total: pd.Series) -> np.ndarray:
    return np.round(np.where(total > 0, count / total.clip(lower=1), 0.0), 4)


def _grid_counts(
    counts: np.ndarray, values: Sequence[np.ndarray], grid: pd.MultiIndex
) -> pd.Series:
    """``counts`` (one axis per level, as from :func:`_counts`) at each entry of ``grid``,
    0 for a value that never occurs: a Series named ``count`` on ``grid``."""
    where = [{value: index for index, value in enumerate(v)} for v in values]
    found = [
        counts[tuple(w[part] for w, part in zip(where, entry, strict=True))]
        if all(part in w for w, part in zip(where, entry, strict=True))
        else 0
        for entry in grid
    ]
    return pd.Series(np.array(found, dtype=np.int64), index=grid, name="count")


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
    articles, techniques, marks, totals = _marks(labels, "article_id")
    if technique_ids is None:
        technique_ids = techniques
    row = {str(article_id): index for index, article_id in enumerate(articles)}
    column = {technique: index for index, technique in enumerate(techniques)}
    records = [
        (
            article_id,
            technique,
            int(marks[row[article_id], column[technique]]) if technique in column else 0,
            total,
        )
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
    keep = _class_rows(labels, summary=summary)
    counts, values = _counts(labels, keep, ("article_id", "target", "stance"))
    grid = pd.MultiIndex.from_tuples(
        [
            (article.article_id, target, stance)
            for article in corpus.articles
            for target in article.targets
            for stance in STANCES
        ],
        names=["article_id", "target", "stance"],
    )
    result = _grid_counts(counts, values, grid).reset_index()
    totals = result.groupby(["article_id", "target"], sort=False)["count"].transform("sum")
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
    keep = _class_rows(labels, summary=True, techniques_only=True)
    counts, values = _counts(labels, keep, ("article_id", "frame"))
    no_frame = _code_of(values[1], "")
    if no_frame >= 0:
        counts[:, no_frame] = 0  # a summary without a main frame
    chosen = sorted({str(f) for f in values[1][counts.sum(axis=0) > 0]})
    frame_ids = chosen if frame_ids is None else list(frame_ids)
    articles = sorted({str(a) for a in values[0][counts.sum(axis=1) > 0]})
    levels = [pd.Index(articles, dtype="str"), pd.Index(frame_ids, dtype="str")]
    grid = pd.MultiIndex.from_product(levels, names=["article_id", "frame"])
    result = _grid_counts(counts, values, grid).reset_index()
    totals = result.groupby("article_id")["count"].transform("sum")
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
    table = (sentence_disagreement(labels) if disagreement is None else disagreement).copy()
    sentences, techniques, marks, totals = _marks(labels, "sentence_id")
    # per sentence: (most marked technique, labels that include it); the techniques are
    # sorted, so of equally marked ones the first name wins, as before
    best: dict[str, tuple[str, int]] = {}
    if techniques:
        most = marks.argmax(axis=1)
        for sentence_id, row, column in zip(sentences, marks, most, strict=True):
            if row[column] > 0:
                best[str(sentence_id)] = (techniques[column], int(row[column]))
    index = corpus.sentence_index
    table["sentence_id"] = table["sentence_id"].astype(str)
    table["article_id"] = table["article_id"].astype(str)
    chosen = [best.get(s, ("", 0)) for s in table["sentence_id"]]
    table["position"] = [index[s].position if s in index else -1 for s in table["sentence_id"]]
    table["text"] = [_cut(index[s].text) if s in index else "" for s in table["sentence_id"]]
    table["top_technique"] = [b[0] for b in chosen]
    table["top_share"] = [
        round(b[1] / totals.get(s, 0), 4) if totals.get(s, 0) else 0.0
        for b, s in zip(chosen, table["sentence_id"], strict=True)
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
    keep = _class_rows(labels, summary=False, techniques_only=True)
    counts, (articles, _) = _counts(labels, keep, ("article_id", "learner"))
    # per article: technique labels of each learner who has any there
    by_article = {
        str(article_id): per_learner[per_learner > 0]
        for article_id, per_learner in zip(articles, counts, strict=True)
        if per_learner.any()
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


def _repeated(keys: np.ndarray, space: int) -> np.ndarray:
    """Whether each of the integer ``keys`` (``0 <= key < space``) occurs more than once.

    The repeated values are found in sorted order and marked in a bitmap of the space:
    less memory, and faster on a large history, than counting every key."""
    ordered = np.sort(keys)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    if space > 8 * len(keys) + 1_000_000:  # a huge space: binary search instead
        return np.isin(keys, twice)
    flags = np.zeros(space, dtype=bool)
    flags[twice] = True
    return flags[keys]


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
    from .reveals import without_reveals

    history = without_reveals(history)  # a look at the key is no change of mind
    keys = ["article_id", "sentence_id", *(["target"] if by_target else [])]
    columns = [*keys, "changes", "learners"]
    learner, learner_ids = _codes(history, "learner")
    not_key = learner != _code_of(learner_ids, KEY_LEARNER)
    if not not_key.any():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    # The label key as one integer: (article, sentence, target) triples are few, so
    # renumbering the ones that occur keeps learner x triple small enough to count.
    ids = {c: _codes(history, c) for c in ("article_id", "sentence_id", "target")}
    triple, _ = _compact(
        _combine([c for c, _ in ids.values()], [len(v) for _, v in ids.values()]),
        int(np.prod([len(v) for _, v in ids.values()], dtype=np.int64)),
    )
    n_triples = int(triple.max()) + 1
    label_key = _combine([learner, triple], [len(learner_ids), n_triples])
    # Most labels were saved once: only keys saved more than once can change, so only
    # their rows are parsed and sorted (a few percent of a large class's history).
    repeated = _repeated(label_key, len(learner_ids) * n_triples) & not_key
    repeated = np.flatnonzero(repeated)
    coded = [_codes(history, c) for c in ("techniques", "stance", "frame", "status")]
    value = _combine([c[repeated] for c, _ in coded], [len(v) for _, v in coded])
    stamps = _stamps(history["saved_at"].iloc[repeated])
    label_key = label_key[repeated]
    order = np.lexsort((stamps, label_key))
    label_key, value = label_key[order], value[order]
    changed = np.zeros(len(order), dtype=bool)
    changed[1:] = (label_key[1:] == label_key[:-1]) & (value[1:] != value[:-1])
    rows = repeated[order[changed]]
    # Per (article, sentence[, target]) of the changed saves: how many, and how many
    # learners made them, counted on codes; only the groups' ids become text.
    coded = [ids[c] for c in keys]
    sizes = [len(v) for _, v in coded]
    group = _combine([c[rows] for c, _ in coded], sizes)
    groups = _distinct(group, int(np.prod(sizes, dtype=np.int64)))
    group = np.searchsorted(groups, group)
    n_learners = len(learner_ids)
    learner_groups = _distinct(
        _combine([group, learner[rows]], [len(groups), n_learners]), len(groups) * n_learners
    )
    example = np.zeros(len(groups), dtype=np.intp)
    example[group] = rows  # a changed row of each group, for its ids
    texts = {
        key: pd.array(values[codes[example]], dtype="str")
        for key, (codes, values) in zip(keys, coded, strict=True)
    }
    result = pd.DataFrame(
        {
            **texts,
            "changes": np.bincount(group, minlength=len(groups)),
            "learners": np.bincount(learner_groups // n_learners, minlength=len(groups)),
        }
    )
    return result.sort_values(
        ["changes", *keys], ascending=[False, *([True] * len(keys))], kind="stable"
    ).reset_index(drop=True)[columns]


def payload_bytes(*frames: pd.DataFrame) -> int:
    """Bytes of the frames as JSON records: what a chart embeds (Altair inlines its data)."""
    return sum(len(f.to_json(orient="records", force_ascii=False).encode("utf-8")) for f in frames)
