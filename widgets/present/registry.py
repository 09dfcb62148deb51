"""The class charts, each registered once: name, heading, description, the choices it
takes and its builder.

The report, the dashboard and the lessons read this registry, so adding a chart is one
row of ``_CHARTS`` here, or one :func:`register` call (in the style of Altair's plugin
registries).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..analysis.model import ClassModel
from . import charts

__all__ = ["CONTROLS", "ChartEntry", "CLASS_CHARTS", "register", "available", "build"]

#: The choices a chart may take, as keyword arguments of its builder: the dashboard's
#: drop-downs (``article`` -> ``article_id`` and so on).
CONTROLS: dict[str, str] = {"article": "article_id", "technique": "technique", "target": "target"}


@dataclass(frozen=True)
class ChartEntry:
    """One class chart.

    Attributes
    ----------
    name : str
        Its id (the report's section anchor, the image file name, the dashboard's value).
    heading : str
        The report's section heading and the dashboard's menu label.
    description : str
        One sentence: what it shows (lesson 07 lists them).
    controls : tuple of str
        Which of :data:`CONTROLS` it takes.
    build : callable
        ``build(model, **choices)`` -> an Altair chart.
    needs_key : bool
        Offered only when the class has an answer key.
    """

    name: str
    heading: str
    description: str
    controls: tuple[str, ...]
    build: Callable
    needs_key: bool = False


#: name -> entry, in the order the report shows them.
CLASS_CHARTS: dict[str, ChartEntry] = {}


def register(entry: ChartEntry) -> ChartEntry:
    """Add a chart to :data:`CLASS_CHARTS` (a name is registered once)."""
    unknown = set(entry.controls) - set(CONTROLS)
    if unknown:
        raise ValueError(f"chart {entry.name!r}: unknown controls {sorted(unknown)}")
    if entry.name in CLASS_CHARTS:
        raise ValueError(f"chart {entry.name!r} is registered already")
    CLASS_CHARTS[entry.name] = entry
    return entry


def available(model: ClassModel) -> list[ChartEntry]:
    """The charts this class can show (the key's only with a key), in order."""
    return [e for e in CLASS_CHARTS.values() if not e.needs_key or model.key is not None]


def build(name: str, model: ClassModel, **choices):
    """Chart ``name`` of ``model``; ``choices`` (article, technique, target; None or ""
    for "all") are passed to the charts that take them, the rest ignored."""
    if name not in CLASS_CHARTS:
        raise ValueError(f"unknown chart {name!r}; choose one of {', '.join(CLASS_CHARTS)}")
    entry = CLASS_CHARTS[name]
    if entry.needs_key and model.key is None:
        raise ValueError(f"chart {name!r} needs an answer key, and the class has none")
    arguments = {
        CONTROLS[control]: choices[control]
        for control in entry.controls
        if choices.get(control) not in (None, "")
    }
    return entry.build(model, **arguments)


#: The class charts, in report order: (name, heading, description, controls, builder,
#: needs_key). To add a chart, add its row.
_CHARTS = (
    ("stance", "Stance by article and outlet",
     "The class's stance toward one target in each article, beside the key's.",
     ("target",), charts.stance_chart, False),
    ("techniques", "Techniques by article",
     "How often the class named each technique in each article.",
     ("technique",), charts.technique_heatmap, False),
    ("hotspots", "Where the class disagrees",
     "Disagreement along each article: the peaks are the sentences to discuss.",
     ("article",), charts.hotspots_chart, False),
    ("agreement", "Agreement per technique",
     "How consistently the class applies each technique (Krippendorff's alpha).",
     (), charts.agreement_chart, False),
    ("cooccurrence", "Techniques named together",
     "Which techniques the class names together on one sentence.",
     ("article",), charts.cooccurrence_chart, False),
    ("learners_vs_key", "Learners against the answer key",
     "How close learners came to the answer key (F1, in bands).",
     (), charts.learner_f1_chart, True),
    ("techniques_vs_key", "Each technique against the answer key",
     "Per technique, the spread of learners' F1 against the key.",
     ("technique",), charts.technique_f1_chart, True),
)  # fmt: skip
for _row in _CHARTS:
    register(ChartEntry(*_row))  # (the fields in the row's order)
