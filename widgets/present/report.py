"""The class report: one self-contained HTML file (or one image per chart).

The HTML file carries Vega, Vega-Lite and vega-embed inline (:mod:`widgets.present.vega`),
so it opens from a USB stick or an email attachment with no network. The page comes from
a Jinja2 template with autoescape (``templates/report.html.j2``, CSS in
``templates/report.css``): every piece of text from the corpus or from learners is
escaped by construction, and chart specs are embedded as JSON with ``<``, ``>`` and
``&`` written as ``\\u003c``..., so a note such as ``</script><script>...`` stays data.

The class's labels are prepared once into a :class:`~widgets.analysis.model.ClassModel`;
the charts come from the chart registry (:mod:`widgets.present.registry`). Learner ids
are replaced by salted pseudonyms (:mod:`widgets.present.pseudonyms`) unless the caller
asks for names.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.model import ClassModel
from ..analysis.reveals import PRE_REVEAL_NOTE, pre_reveal_labels, reveal_summary
from ..analysis.views import technique_names
from ..labelling.current import current_labels
from ..schema import TECHNIQUE_TARGET, split_techniques
from ..templating import template_environment
from . import registry
from .chart_text import chart_alternative_html
from .charts import SIMULATED_SUBTITLE
from .pseudonyms import pseudonym_map
from .vega import vega_bundle

__all__ = [
    "FORMATS",
    "ReportResult",
    "spec_json",
    "discussion_frame",
    "render_html",
    "write_report",
    "write_chart_images",
    "image_folder",
]

FORMATS: tuple[str, ...] = ("html", "png", "svg")

_EMBED_OPTIONS = {
    # No "open in editor" link: the report must not point anywhere online.
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
    "renderer": "svg",
}
_TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class ReportResult:
    """What :func:`write_report` wrote.

    Attributes
    ----------
    path : Path
        The HTML file, or the folder of images.
    files : tuple of Path
        Every file written.
    charts : tuple of str
        Names of the charts included (keys of :data:`widgets.present.registry.CLASS_CHARTS`).
    learners : int
        Learners in the class (the key not counted).
    simulated : bool
    """

    path: Path
    files: tuple[Path, ...]
    charts: tuple[str, ...]
    learners: int
    simulated: bool


@functools.cache
def _environment():
    return template_environment(_TEMPLATES)


def class_model(labels, *, pre_reveal: bool = True, **class_options) -> ClassModel:
    """``labels`` as a :class:`ClassModel` (as it is when it is one already). With a
    ``history`` that records looks at the key, the measures read pre-reveal labels
    (``pre_reveal``): a label changed after a look measures the key, not the class."""
    if isinstance(labels, ClassModel):
        return labels
    history = class_options.get("history")
    if pre_reveal and history is not None and reveal_summary(history, None).total:
        labels = pre_reveal_labels(labels, history)
    return ClassModel(labels, **class_options)


#: What the report says when it measures current labels although learners looked.
_CURRENT_NOTE = (
    "Agreement, disagreement and the charts use current labels, including labels changed "
    "after a look at the key."
)


def _reveal_tables(reveals, names: dict[str, str]) -> dict:
    """Looks at the key per learner (pseudonymised) and the sentences looked at most."""
    per_learner = reveals.per_learner.copy()
    per_learner["learner"] = [names.get(x, x) for x in per_learner["learner"]]
    counts = {"sentences": "d", "summaries": "d", "whole_articles": "d", "total": "d"}
    return {
        "total": reveals.total,
        "per_learner": _table(
            per_learner,
            {
                "learner": "Learner",
                "sentences": "Sentences checked",
                "summaries": "Summaries",
                "whole_articles": "Whole articles",
                "total": "Total",
            },
            counts,
        ),
        "per_sentence": _table(
            reveals.per_sentence.head(20),
            {"article_id": "Article", "sentence_id": "Sentence", "learners": "Learners"},
            {"learners": "d"},
        ),
    }


def _reflections(reflections, names: dict[str, str], model_answers) -> str:
    """The reflections section (HTML from :mod:`.report_reflections`, text escaped)."""
    from ..labelling.reflections import load_questions
    from .report_reflections import reflection_section

    try:
        questions = load_questions()
    except (OSError, ValueError):
        questions = ()
    return reflection_section(reflections, questions, names, model_answers)


def spec_json(chart) -> str:
    """A chart's Vega-Lite spec as JSON that is safe inside ``<script>`` in HTML."""
    return _spec_text(chart.to_dict())


def _spec_text(spec: dict) -> str:
    text = json.dumps(spec, ensure_ascii=False, allow_nan=False, default=str)
    # "<", ">" and "&" only occur inside JSON strings, where \\u escapes mean the same.
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object).fillna("").astype(str)


def _notes(rows: pd.DataFrame, names: dict[str, str], limit: int) -> list[tuple[str, str]]:
    """At most ``limit`` distinct notes, longest first (they say most)."""
    with_notes = rows[rows["note"].str.strip() != ""]
    with_notes = with_notes.assign(length=with_notes["note"].str.len()).sort_values(
        ["length", "learner"], ascending=[False, True], kind="stable"
    )
    notes, seen = [], set()
    for learner, note in zip(with_notes["learner"], with_notes["note"], strict=True):
        if note.strip() not in seen:
            seen.add(note.strip())
            notes.append((names.get(learner, learner), note))
        if len(notes) >= limit:
            break
    return notes


def discussion_frame(
    model: ClassModel,
    *,
    limit: int = 10,
    notes_per_sentence: int = 3,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The most disputed sentences (:attr:`ClassModel.disputed_sentences`), with what the
    class chose and a few of its notes.

    Returns
    -------
    DataFrame
        ``article_id``, ``sentence_id``, ``position``, ``text``, ``disagreement``,
        ``n_coders``, ``techniques`` (list of (name, count, share)), ``stances``
        (dict target -> {stance: count}), ``notes`` (list of (learner, note)).
    """
    scores = model.disputed_sentences.head(limit)
    names_of = technique_names(model.codebook)
    labels = model.labels
    # only the listed sentences' rows are needed: filter before copying text columns
    frame = _as_text(
        current_labels(labels[labels["sentence_id"].isin(list(scores["sentence_id"]))])
    )
    grouped = dict(tuple(frame.groupby("sentence_id", sort=False)))
    rows = []
    for record in scores.itertuples(index=False):
        mine = grouped.get(record.sentence_id, frame.iloc[0:0])
        technique_rows = mine[mine["target"] == TECHNIQUE_TARGET]
        counts: dict[str, int] = {}
        for value in technique_rows["techniques"]:
            for technique in split_techniques(value) or ("(no technique)",):
                counts[technique] = counts.get(technique, 0) + 1
        total = max(len(technique_rows), 1)
        stance_rows = mine[(mine["target"] != TECHNIQUE_TARGET) & (mine["stance"] != "")]
        rows.append(
            {
                "article_id": record.article_id,
                "sentence_id": record.sentence_id,
                "position": record.position,
                "text": record.text,
                "disagreement": record.disagreement,
                "n_coders": int(record.n_coders),
                "techniques": [
                    (names_of.get(t, t), n, n / total)
                    for t, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                ],
                "stances": {
                    target: group["stance"].value_counts().to_dict()
                    for target, group in stance_rows.groupby("target", sort=True)
                },
                "notes": _notes(mine, names or {}, notes_per_sentence),
            }
        )
    columns = ["article_id", "sentence_id", "position", "text", "disagreement", "n_coders"]
    return pd.DataFrame(rows, columns=[*columns, "techniques", "stances", "notes"])


def _table(frame: pd.DataFrame, headers: dict[str, str], formats: dict[str, str]):
    """(headings, rows of (text, is a number)) for the template's table macro."""
    rows = [
        [
            ("n/a" if pd.isna(record[c]) else format(record[c], formats[c]), True)
            if c in formats
            else (_text(record[c]), False)
            for c in headers
        ]
        for record in frame.to_dict("records")
    ]
    return list(headers.values()), rows


def _agreement_tables(model: ClassModel) -> dict:
    alphas = model.technique_alpha
    alphas = alphas.assign(technique=alphas["technique_id"].map(technique_names(model.codebook)))
    target_names = {t.id: t.name for t in getattr(model.codebook, "targets", ())}
    stances = model.stance_alpha
    stances = stances.assign(name=stances["target"].map(lambda t: target_names.get(t, t)))
    set_alpha = model.technique_set_alpha
    counted = {"n_units": "d", "n_coders": "d"}
    return {
        "set_alpha": "n/a" if np.isnan(set_alpha) else f"{set_alpha:.3f}",
        "technique_table": _table(
            alphas,
            {"technique": "Technique", "alpha": "Alpha", "n_marked": "Labels naming it",
             "n_units": "Sentences (2+ learners)", "n_coders": "Learners"},
            {"alpha": ".3f", "n_marked": "d", **counted},
        ),
        "stance_table": _table(
            stances,
            {"name": "Target", "alpha": "Alpha (nominal)", "alpha_ordinal": "Alpha (ordinal)",
             "n_units": "Sentences (2+ learners)", "n_coders": "Learners"},
            {"alpha": ".3f", "alpha_ordinal": ".3f", **counted},
        ),
    }  # fmt: skip


def _discussion_items(model: ClassModel, discussion: pd.DataFrame) -> list[dict]:
    key_rows = {}
    if model.key is not None:
        for record in _as_text(current_labels(model.key)).to_dict("records"):
            key_rows[(record["sentence_id"], record["target"])] = record
    items = []
    for record in discussion.to_dict("records"):
        try:
            title = model.corpus.article(record["article_id"]).title
        except KeyError:
            title = record["article_id"]
        answer = key_rows.get((record["sentence_id"], TECHNIQUE_TARGET))
        items.append(
            {
                "sentence_id": record["sentence_id"],
                "title": title,
                "position": _text(record["position"]),
                "disagreement": f"{record['disagreement']:.2f}",
                "n_coders": record["n_coders"],
                "text": record["text"],
                "techniques": ", ".join(
                    f"{name} {share:.0%} ({count})" for name, count, share in record["techniques"]
                ),
                "stances": "; ".join(
                    f"{target}: "
                    + ", ".join(f"{s} {n}" for s, n in sorted(counts.items(), key=lambda i: -i[1]))
                    for target, counts in record["stances"].items()
                ),
                "answer": None
                if answer is None
                else (
                    ", ".join(split_techniques(answer["techniques"])) or "no technique",
                    answer.get("note", ""),
                ),
                "notes": record["notes"],
            }
        )
    return items


def _learner_table(model: ClassModel, names: dict[str, str], limit: int) -> tuple[tuple, int]:
    per_learner = model.per_learner
    headers = {"shown": "Learner", "sentences": "Sentences labelled", "stances": "Stances"}
    formats = {"sentences": "d", "stances": "d"}
    if model.key_comparison is not None:
        per_learner = per_learner.merge(
            model.key_comparison.per_learner[["learner", "micro_f1", "stance_kappa"]],
            on="learner",
            how="left",
        )
        headers |= {"micro_f1": "F1 vs key", "stance_kappa": "Stance kappa vs key"}
        formats |= {"micro_f1": ".2f", "stance_kappa": ".2f"}
    per_learner = per_learner.assign(shown=per_learner["learner"].map(names))
    per_learner = per_learner.sort_values("shown", kind="stable")
    return _table(per_learner.head(limit), headers, formats), len(per_learner) - limit


# longer than 80 lines: most of it is the docstring and the template's named values.
def render_html(
    labels: pd.DataFrame | ClassModel,
    *,
    show_names: bool = False,
    salt: str | None = None,
    title: str = "Rhetoric Lab: class results",
    discuss: int = 10,
    learner_limit: int = 500,
    bundle: str | None = None,
    pre_reveal: bool = True,
    reflections: pd.DataFrame | None = None,
    model_answers: dict | None = None,
    **class_options,
) -> tuple[str, tuple[str, ...]]:
    """The whole report as one HTML document, and the names of its charts.

    Parameters
    ----------
    labels : DataFrame or ClassModel
        The class's labels (current, or a history: the latest row per key counts), or
        the class's model already built.
    show_names : bool
        Show learner ids; by default they are pseudonymised with ``salt``.
    salt : str, optional
        Required unless ``show_names``.
    title : str
    discuss : int
        Sentences in the "discuss these sentences" list.
    learner_limit : int
        Learners listed in the table at most.
    bundle : str, optional
        The JavaScript bundle (default :func:`widgets.present.vega.vega_bundle`).
    pre_reveal : bool
        Measure pre-reveal labels (:mod:`widgets.analysis.reveals`; needs ``history``
        with ``status`` and ``saved_at``), and say so; ``False`` measures current labels.
        (With a model already built, its labels are used as they are.)
    reflections : DataFrame, optional
        ``class.reflections.csv`` (:mod:`widgets.labelling.reflections`): each question's
        answers are shown, pseudonymised and escaped, beside ``model_answers``
        (``answers/model-answers.yml``, when present).
    **class_options
        With a labels frame: ``corpus``, ``codebook`` and optionally ``key``, ``history``
        and ``simulated``, as :class:`~widgets.analysis.model.ClassModel` takes them (rows
        of learner ``"key"`` are the key when ``key`` is not given).

    Returns
    -------
    (str, tuple of str)
    """
    if not show_names and not salt:
        raise ValueError("a salt is needed to pseudonymise learner ids (or show_names=True)")
    model = class_model(labels, pre_reveal=pre_reveal, **class_options)
    reveals = reveal_summary(model.history, model.corpus)
    learners = list(model.learners)
    names = {x: x for x in learners} if show_names else pseudonym_map(learners, salt or "")
    extra = set(reveals.per_learner["learner"]) | (
        set() if reflections is None else {str(x) for x in reflections["learner"]}
    )
    missing = sorted(extra - set(names))  # wrote or looked, but has no label that counts
    if missing:
        names |= {x: x for x in missing} if show_names else pseudonym_map(missing, salt or "")
    entries = registry.available(model)
    charts = []
    for entry in entries:
        # Not validated against the Vega-Lite schema here (0.2-0.3 s a report): the kit
        # builds these charts itself, and tests/present/test_charts.py validates every one.
        spec = registry.build(entry.name, model).to_dict(validate=False)
        charts.append(
            {
                "name": entry.name,
                "heading": entry.heading,
                "description": spec.get("description", ""),
                "spec": _spec_text(spec),
                "alternative": chart_alternative_html(spec, chart_id=entry.name),
            }
        )
    contents = [(f"chart-{entry.name}", entry.heading) for entry in entries]
    contents += [("agreement-table", "Agreement table"), ("discuss", "Discuss these sentences")]
    if model.changed_minds is not None:
        contents.append(("changed-minds", "Changed minds"))
    if reveals.total:
        contents.append(("reveals", "Looks at the key"))
    has_reflections = reflections is not None and len(reflections) > 0
    if has_reflections:
        contents.append(("reflections", "Reflections"))
    contents.append(("learners", "Learners"))
    discussion = discussion_frame(model, limit=discuss, names=names)
    learner_table, more = _learner_table(model, names, learner_limit)
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            css=(_TEMPLATES / "report.css").read_text(encoding="utf-8"),
            bundle=bundle if bundle is not None else vega_bundle(),
            learners=len(learners),
            stamp=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            codebook_version=model.codebook.version,
            show_names=show_names,
            simulated=model.simulated,
            simulated_text=SIMULATED_SUBTITLE,
            has_key=model.key is not None,
            contents=contents,
            charts=charts,
            **_agreement_tables(model),
            discussion=_discussion_items(model, discussion),
            changed_table=None
            if model.changed_minds is None
            else _table(
                model.changed_minds,
                {
                    "article_id": "Article",
                    "labels": "Labels",
                    "changed": "Changed",
                    "share_changed": "Share changed",
                },
                {"labels": "d", "changed": "d", "share_changed": ".1%"},
            ),  # fmt: skip
            learner_table=learner_table,
            more_learners=more,
            reveal_note=(PRE_REVEAL_NOTE if pre_reveal else _CURRENT_NOTE) if reveals.total else "",
            reveals=_reveal_tables(reveals, names) if reveals.total else None,
            reflections=_reflections(reflections, names, model_answers) if has_reflections else "",
            embed_options=json.dumps(_EMBED_OPTIONS),
        )
    )
    return page, tuple(entry.name for entry in entries)


def image_folder(out: str | os.PathLike) -> Path:
    """The folder for ``--format png|svg``: ``--out`` without its suffix."""
    out = Path(out)
    return out.with_suffix("") if out.suffix else out


def write_chart_images(chart_objects: dict, folder: str | os.PathLike, fmt: str) -> list[Path]:
    """Write each chart as ``<folder>/<name>.<fmt>`` (png or svg) with vl-convert."""
    import vl_convert

    if fmt not in ("png", "svg"):
        raise ValueError(f"image format must be png or svg, got {fmt!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, chart in chart_objects.items():
        spec = chart.to_dict()
        path = folder / f"{name}.{fmt}"
        if fmt == "png":
            path.write_bytes(vl_convert.vegalite_to_png(spec, scale=2))
        else:
            path.write_text(vl_convert.vegalite_to_svg(spec), encoding="utf-8")
        written.append(path)
    return written


def write_report(
    labels: pd.DataFrame,
    out: str | os.PathLike,
    *,
    fmt: str = "html",
    show_names: bool = False,
    salt: str | None = None,
    title: str = "Rhetoric Lab: class results",
    reflections: pd.DataFrame | None = None,
    model_answers: dict | None = None,
    **class_options,
) -> ReportResult:
    """Write the report: an HTML file at ``out``, or images in :func:`image_folder`.

    ``fmt`` is one of :data:`FORMATS`; the other parameters are those of
    :func:`render_html` (``corpus`` and ``codebook`` are needed).

    Returns
    -------
    ReportResult
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    model = class_model(labels, **class_options)
    learners = int(model.labels["learner"].nunique())
    if fmt == "html":
        text, names = render_html(
            model,
            show_names=show_names,
            salt=salt,
            title=title,
            reflections=reflections,
            model_answers=model_answers,
        )
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
        return ReportResult(path, (path,), names, learners, model.simulated)
    chart_objects = {e.name: registry.build(e.name, model) for e in registry.available(model)}
    folder = image_folder(out)
    files = write_chart_images(chart_objects, folder, fmt)
    return ReportResult(folder, tuple(files), tuple(chart_objects), learners, model.simulated)
