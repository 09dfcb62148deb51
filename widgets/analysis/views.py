"""The tables a class's results are shown from, each a pure function of the coded labels.

Every table's size depends on the corpus and the codebook (articles, sentences,
techniques), never on the number of learners: a chart of 10,000 learners embeds as much
data as a chart of ten. :class:`widgets.analysis.model.ClassModel` computes each once;
charts, the report, the dashboard and the lessons read them from there.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..schema import KEY_COLUMNS, KEY_LEARNER, SIMULATED_PREFIX, SUMMARY_SENTENCE_ID
from .agreement import unit_value_counts
from .coding import STANCE_ORDER, ClassLabels, code_of, combine, factorize
from .reliability import sentence_disagreement

__all__ = [
    "is_simulated",
    "article_labels",
    "technique_names",
    "technique_membership",
    "unit_technique_counts",
    "technique_by_article",
    "stance_by_article",
    "sentence_table",
    "cooccurrence",
    "f1_histogram",
    "f1_by_technique",
    "changed_minds",
]

#: Bins of the F1 histogram: fixed, so the chart's size never depends on the class.
F1_BINS = np.linspace(0.0, 1.0, 11)


def is_simulated(labels: pd.DataFrame) -> bool:
    """Whether every learner (the key aside) has a simulated id (``sim-...``)."""
    learners = pd.Series(labels["learner"].unique()).astype(str)
    learners = learners[learners != KEY_LEARNER]
    return bool(len(learners)) and bool(learners.str.startswith(SIMULATED_PREFIX).all())


def article_labels(corpus) -> pd.DataFrame:
    """article_id, outlet, title and a short axis label "Outlet: Title…", in corpus order."""
    rows = []
    for order, article in enumerate(corpus.articles):
        title = article.title if len(article.title) <= 42 else article.title[:41] + "…"
        outlet = article.outlet or "unknown outlet"
        rows.append(
            {
                "article_id": article.article_id,
                "article_order": order,
                "outlet": outlet,
                "title": article.title,
                "article": f"{outlet}: {title}",
            }
        )
    return pd.DataFrame(rows, columns=["article_id", "article_order", "outlet", "title", "article"])


def technique_names(codebook) -> dict[str, str]:
    return {t.id: t.name for t in getattr(codebook, "techniques", ())} or {
        t: t for t in codebook.technique_ids
    }


def technique_membership(sets: Sequence[frozenset], technique_ids: Sequence[str]) -> np.ndarray:
    """sets x techniques, 1.0 where the set holds the technique."""
    column = {t: i for i, t in enumerate(technique_ids)}
    member = np.zeros((len(sets), len(technique_ids)))
    for row, techniques in enumerate(sets):
        member[row, [column[t] for t in techniques if t in column]] = 1.0
    return member


def unit_technique_counts(
    prepared: ClassLabels, technique_ids: Sequence[str], *, include_key: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(units x techniques marks, technique labels per unit) from the class's rows."""
    _, unit, set_code = prepared.technique_rows(include_key=include_key)
    counts = unit_value_counts(
        unit, set_code, len(prepared.units), max(len(prepared.technique_sets), 1)
    )
    member = technique_membership(prepared.technique_sets, technique_ids)
    if not len(prepared.technique_sets):
        member = np.zeros((1, len(technique_ids)))
    return counts @ member, counts.sum(axis=1)


def technique_by_article(prepared: ClassLabels, corpus, codebook) -> pd.DataFrame:
    """One row per (article, technique), every pair present: ``marked`` (labels naming the
    technique), ``labelled`` (technique labels given on the article) and ``share``."""
    technique_ids = list(codebook.technique_ids)
    marks, per_unit = unit_technique_counts(prepared, technique_ids)
    articles = article_labels(corpus)
    by_unit = pd.DataFrame(marks, columns=technique_ids)
    by_unit["labelled"] = per_unit
    by_unit["article_id"] = prepared.units["article_id"].to_numpy()
    summed = by_unit.groupby("article_id").sum().reindex(articles["article_id"], fill_value=0)
    long = summed[technique_ids].stack().rename("marked").reset_index()
    long.columns = ["article_id", "technique_id", "marked"]
    long["labelled"] = long["article_id"].map(summed["labelled"]).astype(int)
    long["marked"] = long["marked"].astype(int)
    long["share"] = np.where(long["labelled"] > 0, long["marked"] / long["labelled"].clip(1), 0.0)
    long["share"] = long["share"].round(4)
    long["technique"] = long["technique_id"].map(technique_names(codebook))
    return long.merge(articles, on="article_id")


def stance_by_article(
    prepared: ClassLabels, corpus, target: str, key: ClassLabels | None
) -> pd.DataFrame:
    """One row per (article, stance) for ``target``: the class's count and share of
    sentence stances, and the key's share (NaN without a key)."""
    articles = article_labels(corpus)

    def shares(source: ClassLabels, include_key: bool, only_key: bool) -> pd.DataFrame:
        learner, unit, target_code, value = source.stance_rows(include_key=include_key)
        if only_key:
            mine = learner == source.key_code
            unit, target_code, value = unit[mine], target_code[mine], value[mine]
        found = np.flatnonzero(source.targets == target)
        if found.size == 0:
            counts = np.zeros((len(articles), len(STANCE_ORDER)))
        else:
            chosen = target_code == found[0]
            article_of_unit = pd.Index(articles["article_id"]).get_indexer(
                source.units["article_id"]
            )
            article = article_of_unit[unit[chosen]]
            known = article >= 0
            counts = unit_value_counts(
                article[known], value[chosen][known], len(articles), len(STANCE_ORDER)
            ).astype(float)
        frame = pd.DataFrame(counts, columns=list(STANCE_ORDER))
        frame["article_id"] = articles["article_id"].to_numpy()
        long = frame.melt(id_vars="article_id", var_name="stance", value_name="count")
        total = long.groupby("article_id")["count"].transform("sum")
        long["share"] = np.where(total > 0, long["count"] / total.clip(lower=1), np.nan).round(4)
        return long

    result = shares(prepared, include_key=False, only_key=False)
    result["count"] = result["count"].astype(int)
    if key is not None:
        key_long = shares(key, include_key=True, only_key=True)
        result["key_share"] = key_long["share"].to_numpy()
    else:
        result["key_share"] = np.nan
    result["target"] = target
    return result.merge(articles, on="article_id")


def sentence_table(prepared: ClassLabels, corpus, codebook) -> pd.DataFrame:
    """One row per sentence of the corpus, in reading order: position, text, the
    disagreement columns of :func:`~widgets.analysis.reliability.sentence_disagreement`,
    the class's most chosen technique (``top_technique``, "" if none) and its three most
    chosen as text for a tooltip (``top_techniques``)."""
    sentences = corpus.sentences_frame()[["article_id", "sentence_id", "position", "text"]]
    scores = sentence_disagreement(prepared)
    technique_ids = list(codebook.technique_ids)
    marks, per_unit = unit_technique_counts(prepared, technique_ids)
    names = technique_names(codebook)
    top, first = [], []
    for row, total in zip(marks, per_unit, strict=True):
        order = np.argsort(-row, kind="stable")[:3]
        parts = [
            f"{names[technique_ids[i]]} {row[i] / total:.0%}"
            for i in order
            if total > 0 and row[i] > 0
        ]
        top.append(", ".join(parts) if parts else "no technique")
        first.append(
            technique_ids[order[0]] if len(order) and total > 0 and row[order[0]] > 0 else ""
        )
    units = prepared.units.assign(top_techniques=top, top_technique=first)
    merged = sentences.merge(scores, on=["article_id", "sentence_id"], how="left").merge(
        units, on=["article_id", "sentence_id"], how="left"
    )
    merged["top_techniques"] = merged["top_techniques"].fillna("not labelled")
    merged["top_technique"] = merged["top_technique"].fillna("")
    for column in ("disagreement", "technique_disagreement", "stance_disagreement"):
        merged[column] = merged[column].round(4)
    for column in ("n_coders", "n_stance_coders"):
        merged[column] = merged[column].fillna(0).astype(int)
    return merged.merge(article_labels(corpus), on="article_id")


def cooccurrence(prepared: ClassLabels, codebook, article_id: str | None) -> pd.DataFrame:
    """technique x technique: how many technique labels named both (diagonal: labels
    naming the technique at all); every pair present."""
    technique_ids = list(codebook.technique_ids)
    _, unit, set_code = prepared.technique_rows(include_key=False)
    if article_id is not None:
        in_article = prepared.units["article_id"].to_numpy() == article_id
        set_code = set_code[in_article[unit]]
    weights = np.bincount(set_code, minlength=len(prepared.technique_sets)).astype(float)
    member = technique_membership(prepared.technique_sets, technique_ids)
    matrix = (member * weights[:, None]).T @ member if len(member) else None
    if matrix is None:
        matrix = np.zeros((len(technique_ids), len(technique_ids)))
    names = technique_names(codebook)
    frame = pd.DataFrame(matrix.astype(int), index=technique_ids, columns=technique_ids)
    long = frame.stack().rename("labels").reset_index()
    long.columns = ["technique_a", "technique_b", "labels"]
    long["name_a"] = long["technique_a"].map(names)
    long["name_b"] = long["technique_b"].map(names)
    return long


def f1_histogram(per_learner: pd.DataFrame) -> pd.DataFrame:
    """Learners per micro-F1 bin (fixed bins of 0.1; learners with no F1 left out)."""
    values = per_learner["micro_f1"].dropna().to_numpy(dtype=float)
    counts, edges = np.histogram(values, bins=F1_BINS)
    return pd.DataFrame(
        {
            "f1_from": edges[:-1].round(2),
            "f1_to": edges[1:].round(2),
            "learners": counts.astype(int),
        }
    )


def f1_by_technique(per_technique: pd.DataFrame, codebook) -> pd.DataFrame:
    """Per technique, the spread of learners' F1: quartiles, whiskers (5th/95th) and n."""
    technique_ids = list(codebook.technique_ids)
    grouped = per_technique.dropna(subset=["f1"]).groupby("technique_id")["f1"]
    summary = grouped.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    summary.columns = ["p05", "q1", "median", "q3", "p95"]
    summary["learners"] = grouped.size()
    summary = summary.round(4).reindex(technique_ids)
    summary["learners"] = summary["learners"].fillna(0).astype(int)
    summary = summary.reset_index(names="technique_id")
    summary["technique"] = summary["technique_id"].map(technique_names(codebook))
    return summary


def changed_minds(history: pd.DataFrame, *, corpus) -> pd.DataFrame:
    """Per article: labels (keys), how many were changed after the first save, and share.

    Parameters
    ----------
    history : DataFrame
        Every valid row (``collect``'s ``history``, or ``class.history.csv``).

    Returns
    -------
    DataFrame
        ``article_id``, ``labels``, ``changed``, ``share_changed``, in corpus order.
    """
    from .reveals import without_reveals

    history = without_reveals(history)  # a look at the key is no change of mind
    # Counted on category codes, the article the slowest digit of one integer key per
    # row: a sort finds the keys and how often each was saved (a groupby of four text
    # columns takes seconds on 10,000 learners' history).
    columns = ["article_id", *(c for c in KEY_COLUMNS if c != "article_id")]
    coded = {c: factorize(history[c]) for c in columns}
    keep = np.ones(len(history), dtype=bool)
    for column, left_out in (("sentence_id", SUMMARY_SENTENCE_ID), ("learner", KEY_LEARNER)):
        codes, values = coded[column]
        code = code_of(values, left_out)
        if code >= 0:
            keep &= codes != code
    sizes = [len(coded[c][1]) for c in columns]
    key = np.sort(combine([coded[c][0][keep] for c in columns], sizes))
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else key
    saves = np.diff(np.r_[starts, len(key)])
    article = key[starts] // int(np.prod(sizes[1:], dtype=np.int64))
    labels = np.bincount(article, minlength=sizes[0])
    changed = np.bincount(article[saves > 1], minlength=sizes[0])
    position = {str(value): index for index, value in enumerate(coded["article_id"][1])}
    rows = [
        (a, int(labels[position[a]]), int(changed[position[a]])) if a in position else (a, 0, 0)
        for a in corpus.article_ids
    ]
    summary = pd.DataFrame(rows, columns=["article_id", "labels", "changed"])
    summary["share_changed"] = np.where(
        summary["labels"] > 0, summary["changed"] / summary["labels"].clip(lower=1), 0.0
    )
    return summary
