"""Altair charts of a class's labels (and of one learner's own labels).

Every chart function aggregates in pandas first and hands Altair a small table whose
size depends on the corpus and the codebook (articles, sentences, techniques), never on
the number of learners: a chart of 10,000 learners embeds as much data as a chart of
ten, and Altair's 5,000-row limit is never reached.

Accessibility: quantitative colour uses "viridis" (colour-blind safe, readable in grey);
stances use Okabe–Ito colours *and* differ by shape or by position (one panel each), so
no chart relies on colour alone. Every chart has a title and a Vega-Lite
``description`` for screen readers. Charts of a simulated class say so in the subtitle.

Learner ids never appear in these charts: the class views are aggregates.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._altair import alt
from .agreement import (
    KEY_LEARNER,
    STANCE_ORDER,
    ClassLabels,
    KeyComparison,
    prepare_labels,
    sentence_disagreement,
    technique_alpha,
    unit_value_counts,
)
from .schema import STANCES
from .simulate import SIMULATED_PREFIX
from .vega_bundle import javascript_bundle

__all__ = [
    "OfflineChart",
    "offline_html",
    "OKABE_ITO",
    "STANCE_COLORS",
    "STANCE_SHAPES",
    "QUANTITATIVE_SCHEME",
    "SIMULATED_SUBTITLE",
    "DEFAULT_TARGET",
    "is_simulated",
    "stance_chart",
    "technique_heatmap",
    "hotspots_chart",
    "agreement_chart",
    "learner_f1_chart",
    "technique_f1_chart",
    "cooccurrence_chart",
    "my_stance_chart",
    "my_techniques_chart",
    "class_charts",
]

#: Okabe & Ito (2008) colours, safe for the common colour-vision deficiencies.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#000000",  # black
)
STANCE_COLORS: dict[str, str] = {"favor": "#0072B2", "against": "#D55E00", "none": "#999999"}
#: Stances differ by shape too: the chart still reads in greyscale or to a colour-blind eye.
STANCE_SHAPES: dict[str, str] = {
    "favor": "triangle-up",
    "against": "triangle-down",
    "none": "circle",
}
QUANTITATIVE_SCHEME = "viridis"
SIMULATED_SUBTITLE = "Simulated class: made-up learners, not real data"
#: The target every article shares, so outlets can be compared on it.
DEFAULT_TARGET = "keir-starmer"

_PRIMARY = "#0072B2"
_STANCE_SCALE = alt.Scale(domain=list(STANCES), range=[STANCE_COLORS[s] for s in STANCES])
_SHAPE_SCALE = alt.Scale(domain=list(STANCES), range=[STANCE_SHAPES[s] for s in STANCES])
#: Bins of the F1 histogram: fixed, so the chart's size never depends on the class.
_F1_BINS = np.linspace(0.0, 1.0, 11)


# -- shared helpers ---------------------------------------------------------------------


def is_simulated(labels: pd.DataFrame) -> bool:
    """Whether every learner (the key aside) has a simulated id (``sim-...``)."""
    learners = pd.Series(labels["learner"].unique()).astype(str)
    learners = learners[learners != KEY_LEARNER]
    return bool(len(learners)) and bool(learners.str.startswith(SIMULATED_PREFIX).all())


def _title(text: str, simulated: bool, subtitle: str | None = None) -> alt.TitleParams:
    lines = [line for line in (SIMULATED_SUBTITLE if simulated else None, subtitle) if line]
    return alt.TitleParams(text=text, subtitle=lines or alt.Undefined, anchor="start")


def _describe(text: str, simulated: bool) -> str:
    return ("Simulated class. " if simulated else "") + text


def _target_name(target: str, codebook) -> str:
    """The target's name from the codebook ("Keir Starmer"), else its id."""
    names = {t.id: t.name for t in getattr(codebook, "targets", ())}
    return names.get(target, target)


def _technique_names(codebook) -> dict[str, str]:
    return {t.id: t.name for t in getattr(codebook, "techniques", ())} or {
        t: t for t in codebook.technique_ids
    }


def _article_labels(corpus) -> pd.DataFrame:
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


def _membership(sets: Sequence[frozenset], technique_ids: Sequence[str]) -> np.ndarray:
    """sets x techniques, 1.0 where the set holds the technique."""
    column = {t: i for i, t in enumerate(technique_ids)}
    member = np.zeros((len(sets), len(technique_ids)))
    for row, techniques in enumerate(sets):
        member[row, [column[t] for t in techniques if t in column]] = 1.0
    return member


def _prepared(labels) -> ClassLabels:
    return prepare_labels(labels)


# -- aggregations (pandas/numpy; output size independent of the number of learners) -----


def _unit_technique_counts(
    prepared: ClassLabels, technique_ids: Sequence[str], *, include_key: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(units x techniques marks, technique labels per unit) from the class's rows."""
    _, unit, set_code = prepared.technique_rows(include_key=include_key)
    counts = unit_value_counts(
        unit, set_code, len(prepared.units), max(len(prepared.technique_sets), 1)
    )
    member = _membership(prepared.technique_sets, technique_ids)
    if not len(prepared.technique_sets):
        member = np.zeros((1, len(technique_ids)))
    return counts @ member, counts.sum(axis=1)


def _technique_by_article(prepared: ClassLabels, corpus, codebook) -> pd.DataFrame:
    """One row per (article, technique), every pair present: ``marked`` (labels naming the
    technique), ``labelled`` (technique labels given on the article) and ``share``."""
    technique_ids = list(codebook.technique_ids)
    marks, per_unit = _unit_technique_counts(prepared, technique_ids)
    articles = _article_labels(corpus)
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
    long["technique"] = long["technique_id"].map(_technique_names(codebook))
    return long.merge(articles, on="article_id")


def _stance_by_article(
    prepared: ClassLabels, corpus, target: str, key: ClassLabels | None
) -> pd.DataFrame:
    """One row per (article, stance) for ``target``: the class's count and share of
    sentence stances, and the key's share (NaN without a key)."""
    articles = _article_labels(corpus)

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


def _hotspots(prepared: ClassLabels, corpus, codebook) -> pd.DataFrame:
    """One row per sentence of the corpus: position, text, disagreement and the class's
    three most chosen techniques (as text for a tooltip)."""
    sentences = corpus.sentences_frame()[["article_id", "sentence_id", "position", "text"]]
    scores = sentence_disagreement(prepared)
    technique_ids = list(codebook.technique_ids)
    marks, per_unit = _unit_technique_counts(prepared, technique_ids)
    names = _technique_names(codebook)
    top = []
    for row, total in zip(marks, per_unit, strict=True):
        order = np.argsort(-row, kind="stable")[:3]
        parts = [
            f"{names[technique_ids[i]]} {row[i] / total:.0%}"
            for i in order
            if total > 0 and row[i] > 0
        ]
        top.append(", ".join(parts) if parts else "no technique")
    units = prepared.units.assign(top_techniques=top)
    merged = sentences.merge(scores, on=["article_id", "sentence_id"], how="left").merge(
        units, on=["article_id", "sentence_id"], how="left"
    )
    merged["top_techniques"] = merged["top_techniques"].fillna("not labelled")
    for column in ("disagreement", "technique_disagreement", "stance_disagreement"):
        merged[column] = merged[column].round(4)
    for column in ("n_coders", "n_stance_coders"):
        merged[column] = merged[column].fillna(0).astype(int)
    return merged.merge(_article_labels(corpus), on="article_id")


def _cooccurrence(prepared: ClassLabels, codebook, article_id: str | None) -> pd.DataFrame:
    """technique x technique: how many technique labels named both (diagonal: labels
    naming the technique at all); every pair present."""
    technique_ids = list(codebook.technique_ids)
    _, unit, set_code = prepared.technique_rows(include_key=False)
    if article_id is not None:
        in_article = prepared.units["article_id"].to_numpy() == article_id
        set_code = set_code[in_article[unit]]
    weights = np.bincount(set_code, minlength=len(prepared.technique_sets)).astype(float)
    member = _membership(prepared.technique_sets, technique_ids)
    matrix = (member * weights[:, None]).T @ member if len(member) else None
    if matrix is None:
        matrix = np.zeros((len(technique_ids), len(technique_ids)))
    names = _technique_names(codebook)
    frame = pd.DataFrame(matrix.astype(int), index=technique_ids, columns=technique_ids)
    long = frame.stack().rename("labels").reset_index()
    long.columns = ["technique_a", "technique_b", "labels"]
    long["name_a"] = long["technique_a"].map(names)
    long["name_b"] = long["technique_b"].map(names)
    return long


def _f1_histogram(per_learner: pd.DataFrame) -> pd.DataFrame:
    """Learners per micro-F1 bin (fixed bins of 0.1; learners with no F1 left out)."""
    values = per_learner["micro_f1"].dropna().to_numpy(dtype=float)
    counts, edges = np.histogram(values, bins=_F1_BINS)
    return pd.DataFrame(
        {
            "f1_from": edges[:-1].round(2),
            "f1_to": edges[1:].round(2),
            "learners": counts.astype(int),
        }
    )


def _f1_by_technique(per_technique: pd.DataFrame, codebook) -> pd.DataFrame:
    """Per technique, the spread of learners' F1: quartiles, whiskers (5th/95th) and n."""
    technique_ids = list(codebook.technique_ids)
    grouped = per_technique.dropna(subset=["f1"]).groupby("technique_id")["f1"]
    summary = grouped.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    summary.columns = ["p05", "q1", "median", "q3", "p95"]
    summary["learners"] = grouped.size()
    summary = summary.round(4).reindex(technique_ids)
    summary["learners"] = summary["learners"].fillna(0).astype(int)
    summary = summary.reset_index(names="technique_id")
    summary["technique"] = summary["technique_id"].map(_technique_names(codebook))
    return summary


# -- class charts -----------------------------------------------------------------------


def stance_chart(
    labels,
    *,
    corpus,
    target: str = DEFAULT_TARGET,
    key=None,
    simulated: bool = False,
    codebook=None,
) -> alt.FacetChart:
    """The class's stance toward ``target``, per article and outlet, beside the key's.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        The class's current labels (the key's rows, learner ``"key"``, are left out).
    corpus : Corpus
    target : str
        A stance target id; by default the one every article shares.
    key : DataFrame or ClassLabels, optional
        The answer key's labels; its share of each stance is drawn as a black tick.
    simulated : bool
        Say in the subtitle that the class is simulated.

    Returns
    -------
    altair.FacetChart
        One panel per stance (favor, against, none: position, not colour alone, tells
        them apart); one bar per article, labelled with its outlet.
    """
    prepared = _prepared(labels)
    key_prepared = None
    if key is not None:
        key_prepared = prepare_labels(
            key if isinstance(key, ClassLabels) else key.assign(learner=KEY_LEARNER)
        )
    data = _stance_by_article(prepared, corpus, target, key_prepared)
    y = alt.Y("article:N", sort=alt.SortField("article_order"), title=None)
    tooltip = [
        alt.Tooltip("outlet:N", title="Outlet"),
        alt.Tooltip("title:N", title="Article"),
        alt.Tooltip("stance:N", title="Stance"),
        alt.Tooltip("share:Q", title="Class share", format=".0%"),
        alt.Tooltip("count:Q", title="Sentence labels"),
        alt.Tooltip("key_share:Q", title="Key share", format=".0%"),
    ]
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title="Share of sentence stances", axis=alt.Axis(format="%")).scale(
                domain=[0, 1]
            ),
            y=y,
            color=alt.Color("stance:N", scale=_STANCE_SCALE, legend=None),
            tooltip=tooltip,
        )
    )
    layers = [bars]
    if key is not None:
        layers.append(
            alt.Chart()
            .mark_tick(color="black", thickness=3, size=18)
            .encode(x="key_share:Q", y=y, tooltip=tooltip)
        )
    subtitle = "Bars: the class. Black tick: the answer key." if key is not None else None
    target = _target_name(target, codebook)
    return (
        alt.layer(*layers, data=data)
        .properties(width=170)
        .facet(
            column=alt.Column("stance:N", sort=list(STANCES), title=None),
        )
        .properties(
            title=_title(f"Stance toward {target}, by article and outlet", simulated, subtitle),
            description=_describe(
                f"For each article, the share of the class's sentence stances toward "
                f"{target} that are favor, against and none, in three panels"
                + (
                    ", with the answer key's share marked by a black tick."
                    if key is not None
                    else "."
                ),
                simulated,
            ),
        )
    )


def technique_heatmap(
    labels,
    *,
    corpus,
    codebook,
    technique: str | None = None,
    simulated: bool = False,
) -> alt.Chart:
    """How often the class named each technique in each article (technique x article).

    Parameters
    ----------
    labels : DataFrame or ClassLabels
    corpus, codebook
    technique : str, optional
        Show only this technique, as one bar per article.
    simulated : bool

    Returns
    -------
    altair.Chart
        Colour (viridis) is the share of the article's technique labels that name the
        technique; the tooltip gives the counts.
    """
    data = _technique_by_article(_prepared(labels), corpus, codebook)
    tooltip = [
        alt.Tooltip("technique:N", title="Technique"),
        alt.Tooltip("outlet:N", title="Outlet"),
        alt.Tooltip("title:N", title="Article"),
        alt.Tooltip("share:Q", title="Share of labels", format=".0%"),
        alt.Tooltip("marked:Q", title="Labels naming it"),
        alt.Tooltip("labelled:Q", title="Technique labels on the article"),
    ]
    article_axis = alt.Y("article:N", sort=alt.SortField("article_order"), title=None)
    if technique is not None:
        if technique not in codebook.technique_ids:
            raise ValueError(f"unknown technique {technique!r}")
        data = data[data["technique_id"] == technique]
        name = data["technique"].iloc[0]
        return (
            alt.Chart(
                data,
                title=_title(f"{name}: how often the class named it", simulated),
                description=_describe(
                    f"One bar per article: the share of the class's technique labels on "
                    f"that article that include {name}.",
                    simulated,
                ),
            )
            .mark_bar(color=_PRIMARY)
            .encode(
                x=alt.X("share:Q", title="Share of technique labels", axis=alt.Axis(format="%")),
                y=article_axis,
                tooltip=tooltip,
            )
        )
    return (
        alt.Chart(
            data,
            title=_title("Techniques the class found, by article", simulated),
            description=_describe(
                "Heat map of techniques (rows) by article (columns); darker is rarer, "
                "brighter is more often named, as a share of the article's technique labels.",
                simulated,
            ),
        )
        .mark_rect()
        .properties(width=alt.Step(64))
        .encode(
            x=alt.X(
                "article:N",
                sort=alt.SortField("article_order"),
                title=None,
                axis=alt.Axis(labelAngle=-25, labelLimit=180),
            ),
            y=alt.Y("technique:N", sort=list(_technique_names(codebook).values()), title=None),
            color=alt.Color(
                "share:Q",
                title="Share of labels",
                scale=alt.Scale(scheme=QUANTITATIVE_SCHEME),
                legend=alt.Legend(format="%"),
            ),
            tooltip=tooltip,
        )
    )


def hotspots_chart(
    labels,
    *,
    corpus,
    codebook,
    article_id: str | None = None,
    simulated: bool = False,
) -> alt.Chart | alt.FacetChart:
    """Disagreement along each article: which sentences to discuss.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
    corpus, codebook
    article_id : str, optional
        One article only (otherwise one row of panels per article).
    simulated : bool

    Returns
    -------
    altair.Chart or altair.FacetChart
        x = sentence position, y = disagreement (0 = everyone agreed, 1 = no two learners
        agreed); the tooltip shows the sentence and the class's most chosen techniques.
    """
    data = _hotspots(_prepared(labels), corpus, codebook)
    if article_id is not None:
        corpus.article(article_id)  # KeyError naming the known ids
        data = data[data["article_id"] == article_id]
    data = data[
        [
            "article_id",
            "article",
            "article_order",
            "position",
            "text",
            "disagreement",
            "technique_disagreement",
            "stance_disagreement",
            "n_coders",
            "top_techniques",
        ]
    ]
    base = alt.Chart(data if article_id is not None else alt.Undefined).encode(
        x=alt.X("position:Q", title="Sentence number"),
        y=alt.Y("disagreement:Q", title="Disagreement").scale(domain=[0, 1]),
        tooltip=[
            alt.Tooltip("position:Q", title="Sentence"),
            alt.Tooltip("text:N", title="Text"),
            alt.Tooltip("disagreement:Q", title="Disagreement", format=".2f"),
            alt.Tooltip("technique_disagreement:Q", title="On techniques", format=".2f"),
            alt.Tooltip("stance_disagreement:Q", title="On stance", format=".2f"),
            alt.Tooltip("n_coders:Q", title="Learners"),
            alt.Tooltip("top_techniques:N", title="Class chose"),
        ],
    )
    layered = base.mark_line(color="#999999") + base.mark_point(
        filled=True, color=_PRIMARY, size=45
    )
    if article_id is not None:
        name = data["article"].iloc[0] if len(data) else article_id
        return layered.properties(
            width=640,
            height=200,
            title=_title(f"Disagreement hot spots: {name}", simulated),
            description=_describe(
                "Line chart of disagreement (0 to 1) for each sentence of the article, in "
                "reading order; peaks are the sentences to discuss.",
                simulated,
            ),
        )
    return (
        alt.layer(layered, data=data)
        .properties(width=640, height=120)
        .facet(
            row=alt.Row(
                "article:N",
                sort=alt.SortField("article_order"),
                title=None,
                header=alt.Header(
                    labelOrient="top", labelAnchor="start", labelFontWeight="bold", labelLimit=640
                ),
            )
        )
        .properties(
            title=_title("Disagreement hot spots along each article", simulated),
            description=_describe(
                "One line chart per article: disagreement (0 to 1) for each sentence in "
                "reading order; peaks are the sentences to discuss.",
                simulated,
            ),
        )
    )


def agreement_chart(labels, *, codebook, simulated: bool = False) -> alt.LayerChart:
    """Krippendorff's alpha per technique, with how much data each alpha rests on.

    Parameters
    ----------
    labels : DataFrame or ClassLabels, or the frame from
        :func:`widgets.agreement.technique_alpha` (columns ``technique_id``, ``alpha``,
        ``n_units``, ``n_marked``).
    codebook
    simulated : bool

    Returns
    -------
    altair.LayerChart
        One bar per technique; dashed rules at 0.667 and 0.8 (Krippendorff's thresholds
        for tentative and reliable conclusions). Techniques whose alpha is undefined
        (nobody, or everybody, named them) are listed with "n/a".
    """
    if isinstance(labels, pd.DataFrame) and "alpha" in labels.columns:
        alphas = labels
    else:
        alphas = technique_alpha(_prepared(labels), list(codebook.technique_ids))
    data = alphas[["technique_id", "alpha", "n_units", "n_marked"]].copy()
    data["technique"] = data["technique_id"].map(_technique_names(codebook))
    data["alpha_text"] = [
        "n/a" if pd.isna(a) else f"{a:.2f} (n={m})"
        for a, m in zip(data["alpha"], data["n_marked"], strict=True)
    ]
    # Undefined alpha is drawn as no bar, with "n/a" where the bar would be.
    data["bar"] = data["alpha"].fillna(0.0)
    order = list(_technique_names(codebook).values())
    y = alt.Y("technique:N", sort=order, title=None)
    tooltip = [
        alt.Tooltip("technique:N", title="Technique"),
        alt.Tooltip("alpha:Q", title="Alpha", format=".2f"),
        alt.Tooltip("n_marked:Q", title="Labels naming it"),
        alt.Tooltip("n_units:Q", title="Sentences with 2+ learners"),
    ]
    bars = (
        alt.Chart()
        .mark_bar(color=_PRIMARY)
        .encode(
            x=alt.X("bar:Q", title="Krippendorff's alpha").scale(domain=[-0.2, 1]),
            y=y,
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart()
        .mark_text(align="left", dx=4, fontSize=10)
        .encode(x="bar:Q", y=y, text="alpha_text:N")
    )
    thresholds = (
        alt.Chart(pd.DataFrame({"alpha": [0.667, 0.8]}))
        .mark_rule(strokeDash=[4, 3], color="black")
        .encode(x="alpha:Q")
    )
    return alt.layer(bars, text, thresholds, data=data).properties(
        width=420,
        title=_title(
            "How consistently the class applies each technique",
            simulated,
            "Dashed lines: alpha 0.667 (tentative) and 0.8 (reliable). n = labels naming it.",
        ),
        description=_describe(
            "Bar chart of Krippendorff's alpha per technique, with the number of labels "
            "that named it; higher is more consistent.",
            simulated,
        ),
    )


def learner_f1_chart(comparison: KeyComparison, *, simulated: bool = False) -> alt.Chart:
    """How close learners came to the answer key: a histogram of each learner's F1.

    Parameters
    ----------
    comparison : KeyComparison
        From :func:`widgets.agreement.learner_vs_key`.
    simulated : bool

    Returns
    -------
    altair.Chart
        Learners per F1 band (0-0.1, ..., 0.9-1); no learner is named.
    """
    data = _f1_histogram(comparison.per_learner)
    return (
        alt.Chart(
            data,
            title=_title("Learners against the answer key", simulated, "Micro F1 over techniques"),
            description=_describe(
                "Histogram of learners' F1 against the answer key, in bands of 0.1; "
                "further right is closer to the key.",
                simulated,
            ),
        )
        .mark_bar(color=_PRIMARY)
        .encode(
            x=alt.X("f1_from:Q", bin="binned", title="F1 against the key").scale(domain=[0, 1]),
            x2="f1_to:Q",
            y=alt.Y("learners:Q", title="Learners"),
            tooltip=[
                alt.Tooltip("f1_from:Q", title="F1 from"),
                alt.Tooltip("f1_to:Q", title="F1 to"),
                alt.Tooltip("learners:Q", title="Learners"),
            ],
        )
    )


def technique_f1_chart(
    comparison: KeyComparison,
    *,
    codebook,
    technique: str | None = None,
    simulated: bool = False,
) -> alt.LayerChart:
    """Per technique, the spread of learners' F1 against the key (a box plot).

    Parameters
    ----------
    comparison : KeyComparison
    codebook
    technique : str, optional
        Highlight this technique (the others are drawn paler).
    simulated : bool

    Returns
    -------
    altair.LayerChart
        Whiskers: 5th to 95th percentile; box: quartiles; white tick: median.
    """
    data = _f1_by_technique(comparison.per_technique, codebook)
    data["selected"] = (
        True if technique is None else (data["technique_id"] == technique).astype(bool)
    )
    order = list(_technique_names(codebook).values())
    y = alt.Y("technique:N", sort=order, title=None)
    tooltip = [
        alt.Tooltip("technique:N", title="Technique"),
        alt.Tooltip("median:Q", title="Median F1", format=".2f"),
        alt.Tooltip("q1:Q", title="Lower quartile", format=".2f"),
        alt.Tooltip("q3:Q", title="Upper quartile", format=".2f"),
        alt.Tooltip("learners:Q", title="Learners with an F1"),
    ]
    opacity = alt.condition("datum.selected", alt.value(1.0), alt.value(0.3))
    whisker = (
        alt.Chart()
        .mark_rule(color="#555555")
        .encode(
            x=alt.X("p05:Q", title="F1 against the key").scale(domain=[0, 1]),
            x2="p95:Q",
            y=y,
            opacity=opacity,
        )
    )
    box = (
        alt.Chart()
        .mark_bar(color=_PRIMARY, height=10)
        .encode(x="q1:Q", x2="q3:Q", y=y, opacity=opacity, tooltip=tooltip)
    )
    median = alt.Chart().mark_tick(color="white", thickness=2, size=10).encode(x="median:Q", y=y)
    chosen = "" if technique is None else f" ({_technique_names(codebook)[technique]} highlighted)"
    return alt.layer(whisker, box, median, data=data).properties(
        width=420,
        title=_title(
            "Learners against the key, per technique" + chosen,
            simulated,
            "Box: middle half of learners; line: 5th to 95th percentile; white: median.",
        ),
        description=_describe(
            "Box plot per technique of learners' F1 against the answer key.", simulated
        ),
    )


def cooccurrence_chart(
    labels,
    *,
    codebook,
    article_id: str | None = None,
    simulated: bool = False,
) -> alt.Chart:
    """Which techniques the class names together on one sentence (technique x technique).

    Parameters
    ----------
    labels : DataFrame or ClassLabels
    codebook
    article_id : str, optional
        Only this article's sentences.
    simulated : bool

    Returns
    -------
    altair.Chart
        Colour (viridis): technique labels naming both techniques; the diagonal counts
        labels naming the technique at all.
    """
    data = _cooccurrence(_prepared(labels), codebook, article_id)
    order = list(_technique_names(codebook).values())
    where = f" in {article_id}" if article_id else ""
    return (
        alt.Chart(
            data,
            title=_title(f"Techniques named together{where}", simulated),
            description=_describe(
                "Heat map of technique pairs: how many sentence labels named both; the "
                "diagonal is how many named the technique at all.",
                simulated,
            ),
        )
        .mark_rect()
        .encode(
            x=alt.X("name_a:N", sort=order, title=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("name_b:N", sort=order, title=None),
            color=alt.Color(
                "labels:Q", title="Labels", scale=alt.Scale(scheme=QUANTITATIVE_SCHEME)
            ),
            tooltip=[
                alt.Tooltip("name_a:N", title="Technique"),
                alt.Tooltip("name_b:N", title="With"),
                alt.Tooltip("labels:Q", title="Labels naming both"),
            ],
        )
    )


# -- one learner's own labels (the comparison lesson) -----------------------------------


def my_stance_chart(
    my_labels: pd.DataFrame, *, corpus, target: str = DEFAULT_TARGET
) -> alt.FacetChart:
    """My stance toward ``target`` by outlet: how many of my sentence stances per article
    were favor, against and none (one panel per stance).

    Parameters
    ----------
    my_labels : DataFrame
        One learner's current labels (e.g. ``LabelStore.labels()``).
    corpus
    target : str

    Returns
    -------
    altair.FacetChart
    """
    data = _stance_by_article(_prepared(my_labels), corpus, target, None)
    return (
        alt.Chart(data)
        .mark_point(filled=True, size=120)
        .encode(
            x=alt.X("count:Q", title="My sentence stances"),
            y=alt.Y("article:N", sort=alt.SortField("article_order"), title=None),
            color=alt.Color("stance:N", scale=_STANCE_SCALE, legend=None),
            shape=alt.Shape("stance:N", scale=_SHAPE_SCALE, legend=None),
            tooltip=[
                alt.Tooltip("outlet:N", title="Outlet"),
                alt.Tooltip("title:N", title="Article"),
                alt.Tooltip("stance:N", title="Stance"),
                alt.Tooltip("count:Q", title="Sentences"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
            ],
        )
        .properties(width=150)
        .facet(column=alt.Column("stance:N", sort=list(STANCES), title=None))
        .properties(
            title=_title(f"My stance toward {target}, by outlet", False),
            description=(
                f"For each article and its outlet, how many of my sentence stances toward "
                f"{target} were favor, against and none, in three panels."
            ),
        )
    )


def my_techniques_chart(my_labels: pd.DataFrame, *, corpus, codebook) -> alt.Chart:
    """The techniques I found in each article (technique x article, counts of sentences).

    Parameters
    ----------
    my_labels : DataFrame
        One learner's current labels.
    corpus, codebook

    Returns
    -------
    altair.Chart
    """
    data = _technique_by_article(_prepared(my_labels), corpus, codebook)
    return (
        alt.Chart(
            data,
            title=_title("Techniques I found, by article", False),
            description=(
                "Heat map of techniques (rows) by article (columns): how many sentences "
                "I tagged with each technique."
            ),
        )
        .mark_rect()
        .properties(width=alt.Step(64))
        .encode(
            x=alt.X(
                "article:N",
                sort=alt.SortField("article_order"),
                title=None,
                axis=alt.Axis(labelAngle=-25, labelLimit=180),
            ),
            y=alt.Y("technique:N", sort=list(_technique_names(codebook).values()), title=None),
            color=alt.Color(
                "marked:Q", title="Sentences", scale=alt.Scale(scheme=QUANTITATIVE_SCHEME)
            ),
            tooltip=[
                alt.Tooltip("technique:N", title="Technique"),
                alt.Tooltip("title:N", title="Article"),
                alt.Tooltip("marked:Q", title="Sentences"),
            ],
        )
    )


def class_charts(
    labels,
    *,
    corpus,
    codebook,
    key: pd.DataFrame | None = None,
    comparison: KeyComparison | None = None,
    simulated: bool = False,
) -> dict[str, alt.TopLevelMixin]:
    """Every class chart, by name (the report's charts, in order).

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        The class's current labels (coded once here and shared by every chart).
    corpus, codebook
    key : DataFrame, optional
        The answer key; without it the key charts are left out.
    comparison : KeyComparison, optional
        Precomputed :func:`widgets.agreement.learner_vs_key` (computed if not given).
    simulated : bool

    Returns
    -------
    dict
        ``{"stance": ..., "techniques": ..., "hotspots": ..., "agreement": ...,
        "cooccurrence": ..., "learners_vs_key": ..., "techniques_vs_key": ...}``.
    """
    from .agreement import learner_vs_key

    prepared = _prepared(labels)
    charts: dict[str, alt.TopLevelMixin] = {
        "stance": stance_chart(
            prepared, corpus=corpus, key=key, simulated=simulated, codebook=codebook
        ),
        "techniques": technique_heatmap(
            prepared, corpus=corpus, codebook=codebook, simulated=simulated
        ),
        "hotspots": hotspots_chart(prepared, corpus=corpus, codebook=codebook, simulated=simulated),
        "agreement": agreement_chart(prepared, codebook=codebook, simulated=simulated),
        "cooccurrence": cooccurrence_chart(prepared, codebook=codebook, simulated=simulated),
    }
    if key is not None or comparison is not None:
        if comparison is None:
            comparison = learner_vs_key(prepared, key, list(codebook.technique_ids))
        charts["learners_vs_key"] = learner_f1_chart(comparison, simulated=simulated)
        charts["techniques_vs_key"] = technique_f1_chart(
            comparison, codebook=codebook, simulated=simulated
        )
    return charts


#: Runs after the bundle, in the same module script (its own scope, so several charts on
#: one page never clash): embed every chart placeholder not drawn yet.
_EMBED_SNIPPET = """
for (const el of document.querySelectorAll("div[data-rhetoric-lab-chart]:not([data-drawn])")) {
  el.setAttribute("data-drawn", "");
  vegaEmbed(el, JSON.parse(el.getAttribute("data-rhetoric-lab-chart")),
            {actions: false, renderer: "svg"})
    .catch((error) => { el.textContent = "Chart error: " + error; });
}
"""


def offline_html(spec: dict, *, draw_id: str | None = None) -> str:
    """HTML that draws the Vega-Lite ``spec`` with Vega inlined (see :class:`OfflineChart`).

    ``draw_id`` marks the chart's element (``data-rhetoric-lab-draw``), so a page can
    tell one drawing from the next (the dashboard numbers its draws)."""
    data = html.escape(json.dumps(spec), quote=True)
    mark = "" if draw_id is None else f' data-rhetoric-lab-draw="{html.escape(draw_id)}"'
    # Under the chart: its description in words and a link to its data as a table.
    from .chart_text import chart_alternative_html

    return (
        f'<div data-rhetoric-lab-chart="{data}"{mark}></div>'
        f'<script type="module">{javascript_bundle()}\n{_EMBED_SNIPPET}</script>'
        + chart_alternative_html(spec)
    )


class OfflineChart:
    """An Altair chart that draws in a notebook with no network.

    Altair 6's default renderer loads Vega from a CDN, and JupyterLab 4.6 renders
    Vega-Lite only up to v5's mimetype (Altair 6 writes v6), so a plain chart shows
    "Error loading script" offline. Displayed, this inlines Vega, Vega-Lite and
    vega-embed into the output as a *module* script: interactive, tooltips included, and
    any number of charts on one page (Altair's own inline template declares globals that
    clash from the second chart on). Attributes (``to_dict``, ``data``, ...) are the
    wrapped chart's.
    """

    def __init__(self, chart) -> None:
        self.chart = chart

    def __getattr__(self, name: str):
        return getattr(self.chart, name)

    def _repr_html_(self) -> str:
        return offline_html(self.chart.to_dict())

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self._repr_html_(), "text/plain": repr(self.chart)}
