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

import pandas as pd

from ..analysis.model import ClassModel
from ..analysis.views import technique_names
from ..labelling.model import short_text
from ..schema import STANCES
from ._altair import alt
from .vega import vega_bundle

__all__ = [
    "OfflineChart",
    "offline_html",
    "OKABE_ITO",
    "STANCE_COLORS",
    "STANCE_SHAPES",
    "QUANTITATIVE_SCHEME",
    "SIMULATED_SUBTITLE",
    "DEFAULT_TARGET",
    "stance_chart",
    "technique_heatmap",
    "hotspots_chart",
    "agreement_chart",
    "learner_f1_chart",
    "technique_f1_chart",
    "cooccurrence_chart",
    "my_stance_chart",
    "my_techniques_chart",
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


# -- shared helpers ---------------------------------------------------------------------


def _title(text: str, simulated: bool, subtitle: str | None = None) -> alt.TitleParams:
    lines = [line for line in (SIMULATED_SUBTITLE if simulated else None, subtitle) if line]
    return alt.TitleParams(text=text, subtitle=lines or alt.Undefined, anchor="start")


def _describe(text: str, simulated: bool) -> str:
    return ("Simulated class. " if simulated else "") + text


def _technique_grid(codebook) -> dict:
    """The heat maps' axes: articles across (in corpus order), techniques down."""
    return {
        "x": alt.X(
            "article:N",
            sort=alt.SortField("article_order"),
            title=None,
            axis=alt.Axis(labelAngle=-25, labelLimit=180),
        ),
        "y": alt.Y("technique:N", sort=list(technique_names(codebook).values()), title=None),
    }


def _labelled(chart, title: str, description: str, simulated: bool, subtitle=None, **sizes):
    """The chart with its title (and subtitle) and its description for screen readers,
    both saying so when the class is simulated."""
    return chart.properties(
        title=_title(title, simulated, subtitle),
        description=_describe(description, simulated),
        **sizes,
    )


def _needs_key(table):
    if table is None:
        raise ValueError("this chart compares learners with the answer key: the class has none")
    return table


def _target_name(target: str, codebook) -> str:
    """The target's name from the codebook ("Keir Starmer"), else its id."""
    names = {t.id: t.name for t in getattr(codebook, "targets", ())}
    return names.get(target, target)


# -- aggregations (pandas/numpy; output size independent of the number of learners) -----


# -- class charts -----------------------------------------------------------------------


def stance_chart(model: ClassModel, *, target: str = DEFAULT_TARGET) -> alt.FacetChart:
    """The class's stance toward ``target``, per article and outlet, beside the key's.

    Parameters
    ----------
    model : ClassModel
        The class (the key's share of each stance is drawn as a black tick if it has one).
    target : str
        A stance target id; by default the one every article shares.

    Returns
    -------
    altair.FacetChart
        One panel per stance (favor, against, none: position, not colour alone, tells
        them apart); one bar per article, labelled with its outlet.
    """
    data, key, simulated = model.stance_by_article(target), model.key, model.simulated
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
    target = _target_name(target, model.codebook)
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


def technique_heatmap(model: ClassModel, *, technique: str | None = None) -> alt.Chart:
    """How often the class named each technique in each article (technique x article).

    Parameters
    ----------
    model : ClassModel
    technique : str, optional
        Show only this technique, as one bar per article.

    Returns
    -------
    altair.Chart
        Colour (viridis) is the share of the article's technique labels that name the
        technique; the tooltip gives the counts.
    """
    data, codebook, simulated = model.technique_by_article, model.codebook, model.simulated
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
            **_technique_grid(codebook),
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
    model: ClassModel, *, article_id: str | None = None
) -> alt.Chart | alt.FacetChart:
    """Disagreement along each article: which sentences to discuss.

    Parameters
    ----------
    model : ClassModel
    article_id : str, optional
        One article only (otherwise one row of panels per article).

    Returns
    -------
    altair.Chart or altair.FacetChart
        x = sentence position, y = disagreement (0 = everyone agreed, 1 = no two learners
        agreed); the tooltip shows the sentence and the class's most chosen techniques.
    """
    data, corpus, simulated = model.sentences, model.corpus, model.simulated
    if article_id is not None:
        corpus.article(article_id)  # KeyError naming the known ids
        data = data[data["article_id"] == article_id]
    data = data[
        [
            "article_id",
            "article",
            "position",
            "text",
            "disagreement",
            "technique_disagreement",
            "stance_disagreement",
            "n_coders",
            "top_techniques",
        ]
    ].copy()
    # The chart inlines this table (at most 100 KB a chart, with 227 sentences): a long
    # sentence is shortened in its tooltip (the report's discussion list has it whole).
    data["text"] = [short_text(t, 70) for t in data["text"]]
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
        return _labelled(
            layered,
            f"Disagreement hot spots: {name}",
            "Line chart of disagreement (0 to 1) for each sentence of the article, in "
            "reading order; peaks are the sentences to discuss.",
            simulated,
            width=640,
            height=200,
        )
    header = alt.Header(
        labelOrient="top", labelAnchor="start", labelFontWeight="bold", labelLimit=640
    )
    faceted = (
        alt.layer(layered, data=data)
        .properties(width=640, height=120)
        .facet(
            # the articles in corpus order, named (a sort field would repeat per sentence)
            row=alt.Row(
                "article:N", sort=list(dict.fromkeys(data["article"])), title=None, header=header
            )
        )
    )
    return _labelled(
        faceted,
        "Disagreement hot spots along each article",
        "One line chart per article: disagreement (0 to 1) for each sentence in reading "
        "order; peaks are the sentences to discuss.",
        simulated,
    )


def agreement_chart(model: ClassModel) -> alt.LayerChart:
    """Krippendorff's alpha per technique, with how much data each alpha rests on.

    Parameters
    ----------
    model : ClassModel

    Returns
    -------
    altair.LayerChart
        One bar per technique; dashed rules at 0.667 and 0.8 (Krippendorff's thresholds
        for tentative and reliable conclusions). Techniques whose alpha is undefined
        (nobody, or everybody, named them) are listed with "n/a".
    """
    alphas, codebook, simulated = model.technique_alpha, model.codebook, model.simulated
    data = alphas[["technique_id", "alpha", "n_units", "n_marked"]].copy()
    data["technique"] = data["technique_id"].map(technique_names(codebook))
    data["alpha_text"] = [
        "n/a" if pd.isna(a) else f"{a:.2f} (n={m})"
        for a, m in zip(data["alpha"], data["n_marked"], strict=True)
    ]
    # Undefined alpha is drawn as no bar, with "n/a" where the bar would be.
    data["bar"] = data["alpha"].fillna(0.0)
    order = list(technique_names(codebook).values())
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
    return _labelled(
        alt.layer(bars, text, thresholds, data=data),
        "How consistently the class applies each technique",
        "Bar chart of Krippendorff's alpha per technique, with the number of labels that "
        "named it; higher is more consistent.",
        simulated,
        "Dashed lines: alpha 0.667 (tentative) and 0.8 (reliable). n = labels naming it.",
        width=420,
    )


def learner_f1_chart(model: ClassModel) -> alt.Chart:
    """How close learners came to the answer key: a histogram of each learner's F1.

    Parameters
    ----------
    model : ClassModel
        A class with an answer key.

    Returns
    -------
    altair.Chart
        Learners per F1 band (0-0.1, ..., 0.9-1); no learner is named.
    """
    data, simulated = _needs_key(model.f1_histogram), model.simulated
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


def technique_f1_chart(model: ClassModel, *, technique: str | None = None) -> alt.LayerChart:
    """Per technique, the spread of learners' F1 against the key (a box plot).

    Parameters
    ----------
    model : ClassModel
        A class with an answer key.
    technique : str, optional
        Highlight this technique (the others are drawn paler).

    Returns
    -------
    altair.LayerChart
        Whiskers: 5th to 95th percentile; box: quartiles; white tick: median.
    """
    data, codebook, simulated = (
        _needs_key(model.f1_by_technique).copy(),
        model.codebook,
        model.simulated,
    )
    data["selected"] = (
        True if technique is None else (data["technique_id"] == technique).astype(bool)
    )
    order = list(technique_names(codebook).values())
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
    chosen = "" if technique is None else f" ({technique_names(codebook)[technique]} highlighted)"
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


def cooccurrence_chart(model: ClassModel, *, article_id: str | None = None) -> alt.Chart:
    """Which techniques the class names together on one sentence (technique x technique).

    Parameters
    ----------
    model : ClassModel
    article_id : str, optional
        Only this article's sentences.

    Returns
    -------
    altair.Chart
        Colour (viridis): technique labels naming both techniques; the diagonal counts
        labels naming the technique at all.
    """
    data, codebook, simulated = model.cooccurrence(article_id), model.codebook, model.simulated
    order = list(technique_names(codebook).values())
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


def my_stance_chart(model: ClassModel, *, target: str = DEFAULT_TARGET) -> alt.FacetChart:
    """My stance toward ``target`` by outlet: how many of my sentence stances per article
    were favor, against and none (one panel per stance).

    Parameters
    ----------
    model : ClassModel
        Of one learner's current labels (e.g. ``LabelStore.labels()``).
    target : str

    Returns
    -------
    altair.FacetChart
    """
    data = model.stance_by_article(target)
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


def my_techniques_chart(model: ClassModel) -> alt.Chart:
    """The techniques I found in each article (technique x article, counts of sentences).

    Parameters
    ----------
    model : ClassModel
        Of one learner's current labels.

    Returns
    -------
    altair.Chart
    """
    data, codebook = model.technique_by_article, model.codebook
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
            **_technique_grid(codebook),
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


#: Run inside a module script (its own scope, so several charts on one page never
#: clash): embed every chart placeholder not drawn yet.
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
        f'<script type="module">{vega_bundle(_EMBED_SNIPPET)}</script>'
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
