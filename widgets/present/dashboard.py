"""``ClassDashboard``: the class's results, one chart at a time, chosen with drop-downs.

A view over :mod:`widgets.present.charts`: the drop-downs choose a chart and what it shows
(article, technique, stance target); the chart is redrawn in an ``Output`` and kept as
:attr:`ClassDashboard.current_chart`, so a test (or a curious instructor) can read the
spec that is on screen. Charts are interactive, with tooltips, and need no network (see
:func:`display_bundle`).
"""

from __future__ import annotations

import html
import os

import ipywidgets as widgets
import pandas as pd

from ..analysis.model import ClassModel
from ..analysis.views import technique_names
from ..collect import read_class_csv
from ..schema import KEY_LEARNER
from . import charts
from .registry import CLASS_CHARTS, available, build

__all__ = ["ClassDashboard", "VIEWS", "VEGALITE_MIME_TYPE", "display_bundle"]

VEGALITE_MIME_TYPE = "application/vnd.vegalite.v6+json"

#: (label, value) of the views, in menu order: the chart registry's.
VIEWS: tuple[tuple[str, str], ...] = tuple((e.heading, e.name) for e in CLASS_CHARTS.values())
_ALL = ""


def _pre_reveal(labels: pd.DataFrame, class_csv) -> tuple[pd.DataFrame, str]:
    """Pre-reveal labels (widgets.analysis.reveals) when the history beside ``class_csv`` has reveal
    rows; the labels as they are otherwise (one look at the history's status column)."""
    from ..analysis.reveals import PRE_REVEAL_NOTE, pre_reveal_labels, reveal_mask
    from ..collect import output_paths

    history_path = output_paths(class_csv)["history"]
    if not history_path.exists():
        return labels, ""
    if not reveal_mask(read_class_csv(history_path, columns=["status"])).any():
        return labels, ""
    return pre_reveal_labels(labels, read_class_csv(history_path)), PRE_REVEAL_NOTE


class ClassDashboard(widgets.VBox):
    """Drop-downs and one chart of a class's labels.

    Parameters
    ----------
    labels : DataFrame, optional
        The class's labels (``collect(...).labels`` or a label CSV read as text).
    class_csv : path, optional
        Read the labels from this CSV instead (``rhetoric-lab collect``'s ``class.csv``).
    corpus, codebook : optional
        Default: loaded from the data folder.
    key : DataFrame, optional
        The answer key's labels. By default rows of learner ``"key"`` in ``labels``, else
        the key in ``answers/`` if there is one; without a key the "Learners against the
        key" view is not offered.
    simulated : bool, optional
        Mark the charts as simulated; default: every learner id is ``sim-...``.

    Attributes
    ----------
    view, article, technique, target : ipywidgets.Dropdown
    output : ipywidgets.Output
        Where the chart (or a message) is shown.
    current_chart : altair chart or None
        The chart on screen.
    draws : int
        How many charts have been drawn; the chart on screen carries its number as
        ``data-rhetoric-lab-draw``, so a page can tell it from the one it replaced.
    error : str
        The last problem drawing a chart ("" if none).
    """

    def __init__(
        self,
        labels: pd.DataFrame | None = None,
        *,
        class_csv: str | os.PathLike | None = None,
        corpus=None,
        codebook=None,
        key: pd.DataFrame | None = None,
        simulated: bool | None = None,
    ) -> None:
        if labels is None and class_csv is None:
            raise ValueError("ClassDashboard needs labels or class_csv")
        #: what the charts measure, when learners looked at the key ("" otherwise)
        self.note = ""
        if labels is None:
            labels = read_class_csv(class_csv)
            labels, self.note = _pre_reveal(labels, class_csv)
        if corpus is None:
            from ..content.corpus import load_corpus

            corpus = load_corpus()
        if codebook is None:
            from ..content.codebook import load_codebook

            codebook = load_codebook(corpus=corpus)
        if key is None and not (labels["learner"] == KEY_LEARNER).any():
            key = self._answer_key()
        #: The class, prepared once: every chart on screen reads its tables.
        self.model = ClassModel(
            labels, corpus=corpus, codebook=codebook, key=key, simulated=simulated
        )
        self.labels = self.model.labels
        self.corpus = corpus
        self.codebook = codebook
        self.key = self.model.key
        self.simulated = self.model.simulated
        self.current_chart = None
        self.error = ""
        self.draws = 0

        views = [(e.heading, e.name) for e in available(self.model)]
        self.view = widgets.Dropdown(options=views, value="stance", description="Chart")
        self.article = widgets.Dropdown(
            options=[("All articles", _ALL)] + [(a.title, a.article_id) for a in corpus.articles],
            value=_ALL,
            description="Article",
        )
        self.technique = widgets.Dropdown(
            options=[("All techniques", _ALL)]
            + [(name, tid) for tid, name in technique_names(codebook).items()],
            value=_ALL,
            description="Technique",
        )
        targets = sorted({t for a in corpus.articles for t in a.targets})
        default_target = charts.DEFAULT_TARGET if charts.DEFAULT_TARGET in targets else None
        self.target = widgets.Dropdown(
            options=targets,
            value=default_target or (targets[0] if targets else None),
            description="Target",
        )
        self.output = widgets.Output()
        for control in (self.view, self.article, self.technique, self.target):
            control.observe(self._on_change, names="value")
        controls = widgets.HBox([self.view, self.article, self.technique, self.target])
        shown = [controls, self.output]
        if self.note:  # say which labels the charts measure
            shown.insert(0, widgets.HTML(f"<p role='note'>{html.escape(self.note)}</p>"))
        super().__init__(shown)
        self.render()

    @staticmethod
    def _answer_key():
        from ..content.answers import AnswersMissing, load_key

        try:
            return load_key()
        except (AnswersMissing, ValueError):
            return None

    def _on_change(self, change) -> None:
        self.render()

    def chart(self):
        """The chart for the current choices (built fresh; see :attr:`current_chart`)."""
        return build(
            self.view.value,
            self.model,
            article=self.article.value,
            technique=self.technique.value,
            target=self.target.value,
        )

    def render(self) -> None:
        """Redraw: enable the drop-downs the view uses, build its chart and show it."""
        wanted = CLASS_CHARTS[self.view.value].controls
        for name in ("article", "technique", "target"):
            getattr(self, name).disabled = name not in wanted
        try:
            chart = self.chart()
            data = display_bundle(chart, draw_id=str(self.draws + 1))
        except Exception as error:  # shown to the user, not lost in the kernel log
            self.current_chart = None
            self.error = f"Could not draw this chart: {error}"
            self.output.outputs = (
                {"output_type": "stream", "name": "stderr", "text": self.error + "\n"},
            )
            return
        self.current_chart = chart
        self.draws += 1
        self.error = ""
        # Setting the outputs directly (not `with output: display(...)`) works the same in
        # a kernel and headless, and replaces the old chart in one step.
        self.output.outputs = ({"output_type": "display_data", "data": data, "metadata": {}},)


def display_bundle(chart, *, draw_id: str | None = None) -> dict:
    """What the dashboard shows for ``chart``: the chart drawn in the page, interactive
    and with its tooltips (the hot spots' sentence text), and its Vega-Lite spec.

    Altair 6's default renderer loads Vega from a CDN, and JupyterLab 4.6 renders
    Vega-Lite only up to v5's mimetype, so the HTML carries Vega itself, as lesson charts
    do (:func:`widgets.present.charts.offline_html`; no network). An Output widget's outputs are
    trusted, so its script runs; a front end that knows the v6 mimetype may draw the spec
    instead. ``draw_id`` marks the chart's element (see :func:`widgets.present.charts.offline_html`).
    """
    spec = chart.to_dict()
    return {
        "text/html": charts.offline_html(spec, draw_id=draw_id),
        VEGALITE_MIME_TYPE: spec,
        "text/plain": f"<{type(chart).__name__}: {_title_text(spec)}>",
    }


def _title_text(spec: dict) -> str:
    title = spec.get("title", "")
    return title.get("text", "") if isinstance(title, dict) else str(title)
