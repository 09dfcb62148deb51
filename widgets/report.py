"""The class report: one self-contained HTML file (or one image per chart).

The HTML file carries Vega, Vega-Lite and vega-embed inline (the bundle shipped inside
vl-convert-python), so it opens from a USB stick or an email attachment with no network.
Every piece of text from the corpus or from learners is escaped before it is placed in
HTML, and chart specs are embedded as JSON with ``<``, ``>`` and ``&`` written as
``\\u003c``..., so a note such as ``</script><script>...`` stays data.

Learner ids are replaced by salted pseudonyms (:mod:`widgets.pseudonyms`) unless the
caller asks for names.
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from . import charts as charts_module
from .agreement import (
    KEY_LEARNER,
    ClassLabels,
    KeyComparison,
    _code_of,
    _combine,
    _factorize,
    learner_vs_key,
    prepare_labels,
    sentence_disagreement,
    stance_alpha,
    technique_alpha,
    technique_set_alpha,
)
from .chart_text import chart_alternative_html
from .pseudonyms import pseudonym_map
from .reveals import PRE_REVEAL_NOTE, pre_reveal_labels, reveal_summary, without_reveals
from .schema import KEY_COLUMNS, STATUS_CLEARED, SUMMARY_SENTENCE_ID, split_techniques
from .vega_bundle import javascript_bundle

__all__ = [
    "FORMATS",
    "CHART_HEADINGS",
    "ReportResult",
    "javascript_bundle",
    "spec_json",
    "current_labels",
    "discussion_frame",
    "changed_minds",
    "render_html",
    "write_report",
    "write_chart_images",
    "image_folder",
]

FORMATS: tuple[str, ...] = ("html", "png", "svg")

#: Section headings of the charts, in report order.
CHART_HEADINGS: dict[str, str] = {
    "stance": "Stance by article and outlet",
    "techniques": "Techniques by article",
    "hotspots": "Where the class disagrees",
    "agreement": "Agreement per technique",
    "cooccurrence": "Techniques named together",
    "learners_vs_key": "Learners against the answer key",
    "techniques_vs_key": "Each technique against the answer key",
}

_EMBED_OPTIONS = {
    # No "open in editor" link: the report must not point anywhere online.
    "actions": {"export": True, "source": False, "compiled": False, "editor": False},
    "renderer": "svg",
}

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1100px; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; }
.simulated { background: #fff3cd; border: 1px solid #e0c36b; padding: 0.5rem 0.8rem; }
.meta { color: #555; }
section { margin: 2.2rem 0; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.sentence { font-size: 1.05rem; margin: 0.3rem 0; }
blockquote.note { margin: 0.2rem 0 0.2rem 1rem; color: #333; font-style: italic; }
.chart { margin: 0.8rem 0; overflow-x: auto; }
.missing { color: #8a4b00; }
nav li { margin: 0.15rem 0; }
nav a { display: inline-block; min-height: 24px; line-height: 24px; }
.rl-chart-text { margin: 0.4rem 0; }
:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
"""


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
        Names of the charts included (keys of :data:`CHART_HEADINGS`).
    learners : int
        Learners in the class (the key not counted).
    simulated : bool
    """

    path: Path
    files: tuple[Path, ...]
    charts: tuple[str, ...]
    learners: int
    simulated: bool


def spec_json(chart) -> str:
    """A chart's Vega-Lite spec as JSON that is safe inside ``<script>`` in HTML."""
    return _spec_text(chart.to_dict())


def _spec_text(spec: dict) -> str:
    text = json.dumps(spec, ensure_ascii=False, allow_nan=False, default=str)
    # "<", ">" and "&" only occur inside JSON strings, where \\u escapes mean the same.
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _e(value) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(_text(value), quote=True)


def current_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """One row per key (latest ``saved_at``), cleared keys dropped, as plain text columns."""
    frame = labels
    # collect's labels are current already: check cheaply before sorting a big frame
    if frame.duplicated(list(KEY_COLUMNS)).any():
        if "saved_at" in frame.columns:
            frame = frame.sort_values("saved_at", kind="stable")
        frame = frame.drop_duplicates(list(KEY_COLUMNS), keep="last")
    if "status" in frame.columns:
        frame = frame[frame["status"] != STATUS_CLEARED]
    return frame.astype(object).fillna("").astype(str).reset_index(drop=True)


def discussion_frame(
    labels: pd.DataFrame,
    *,
    corpus,
    codebook,
    prepared: ClassLabels | None = None,
    limit: int = 10,
    notes_per_sentence: int = 3,
    names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The most disputed sentences, with what the class chose and a few of its notes.

    Parameters
    ----------
    labels : DataFrame
        The class's current labels (learners only).
    corpus, codebook
    prepared : ClassLabels, optional
        ``prepare_labels(labels)``, if already computed.
    limit : int
        How many sentences.
    notes_per_sentence : int
        At most this many distinct notes per sentence (longest first: they say most).
    names : dict, optional
        Learner id -> name shown beside a note (e.g. pseudonyms); default: the id.

    Returns
    -------
    DataFrame
        ``article_id``, ``sentence_id``, ``position``, ``text``, ``disagreement``,
        ``n_coders``, ``techniques`` (list of (name, count, share)), ``stances``
        (dict target -> {stance: count}), ``notes`` (list of (learner, note)).
    """
    prepared = prepared if prepared is not None else prepare_labels(labels)
    scores = sentence_disagreement(prepared).dropna(subset=["disagreement"]).head(limit)
    sentences = corpus.sentence_index
    technique_names = charts_module._technique_names(codebook)
    wanted = list(scores["sentence_id"])
    # only the listed sentences' rows are needed: filter before copying text columns
    frame = current_labels(labels[labels["sentence_id"].isin(wanted)])
    frame = frame[frame["learner"] != KEY_LEARNER]
    grouped = dict(tuple(frame.groupby("sentence_id", sort=False)))
    rows = []
    for record in scores.itertuples(index=False):
        mine = grouped.get(record.sentence_id, frame.iloc[0:0])
        technique_rows = mine[mine["target"] == ""]
        counts: dict[str, int] = {}
        for value in technique_rows["techniques"]:
            chosen = split_techniques(value) or ("(no technique)",)
            for technique in chosen:
                counts[technique] = counts.get(technique, 0) + 1
        total = max(len(technique_rows), 1)
        techniques = [
            (technique_names.get(t, t), n, n / total)
            for t, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        ]
        stance_rows = mine[(mine["target"] != "") & (mine["stance"] != "")]
        stances = {
            target: group["stance"].value_counts().to_dict()
            for target, group in stance_rows.groupby("target", sort=True)
        }
        with_notes = mine[mine["note"].str.strip() != ""]
        with_notes = with_notes.assign(length=with_notes["note"].str.len()).sort_values(
            ["length", "learner"], ascending=[False, True], kind="stable"
        )
        notes = []
        seen = set()
        for learner, note in zip(with_notes["learner"], with_notes["note"], strict=True):
            if note.strip() in seen:
                continue
            seen.add(note.strip())
            notes.append(((names or {}).get(learner, learner), note))
            if len(notes) >= notes_per_sentence:
                break
        sentence = sentences.get(record.sentence_id)
        rows.append(
            {
                "article_id": record.article_id,
                "sentence_id": record.sentence_id,
                "position": sentence.position if sentence else None,
                "text": sentence.text if sentence else "",
                "disagreement": record.disagreement,
                "n_coders": int(record.n_coders),
                "techniques": techniques,
                "stances": stances,
                "notes": notes,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "article_id",
            "sentence_id",
            "position",
            "text",
            "disagreement",
            "n_coders",
            "techniques",
            "stances",
            "notes",
        ],
    )


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
    # Counted on category codes, the article the slowest digit of one integer key per
    # row: a sort finds the keys and how often each was saved (a groupby of four text
    # columns takes seconds on 10,000 learners' history).
    history = without_reveals(history)  # a look at the key is no label
    columns = ["article_id", *(c for c in KEY_COLUMNS if c != "article_id")]
    coded = {c: _factorize(history[c]) for c in columns}
    keep = np.ones(len(history), dtype=bool)
    for column, left_out in (("sentence_id", SUMMARY_SENTENCE_ID), ("learner", KEY_LEARNER)):
        codes, values = coded[column]
        code = _code_of(values, left_out)
        if code >= 0:
            keep &= codes != code
    sizes = [len(coded[c][1]) for c in columns]
    key = np.sort(_combine([coded[c][0][keep] for c in columns], sizes))
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


def _table(frame: pd.DataFrame, headers: dict[str, str], formats: dict[str, str]) -> str:
    head = "".join(f'<th scope="col">{_e(title)}</th>' for title in headers.values())
    body = []
    for record in frame.to_dict("records"):
        cells = []
        for column in headers:
            value = record[column]
            if column in formats:
                text = "n/a" if pd.isna(value) else format(value, formats[column])
                cells.append(f'<td class="number">{_e(text)}</td>')
            else:
                cells.append(f"<td>{_e(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _agreement_section(prepared: ClassLabels, codebook, corpus) -> str:
    alphas = technique_alpha(prepared, list(codebook.technique_ids))
    alphas = alphas.assign(
        technique=alphas["technique_id"].map(charts_module._technique_names(codebook))
    )
    set_alpha = technique_set_alpha(prepared)
    stances = stance_alpha(prepared)
    target_names = {t.id: t.name for t in getattr(codebook, "targets", ())}
    stances = stances.assign(name=stances["target"].map(lambda t: target_names.get(t, t)))
    set_text = "n/a" if np.isnan(set_alpha) else f"{set_alpha:.3f}"
    return (
        '<section id="agreement-table"><h2>Agreement table</h2>'
        "<p>Krippendorff's alpha: 1 is perfect agreement, 0 is what chance would give. "
        "Below 0.667, conclusions about a technique are shaky; 0.8 and above is reliable.</p>"
        f'<p>Alpha on whole technique sets (MASI distance): <strong class="set-alpha">'
        f"{_e(set_text)}</strong></p>"
        "<h3>Per technique</h3>"
        + _table(
            alphas,
            {
                "technique": "Technique",
                "alpha": "Alpha",
                "n_marked": "Labels naming it",
                "n_units": "Sentences (2+ learners)",
                "n_coders": "Learners",
            },
            {"alpha": ".3f", "n_marked": "d", "n_units": "d", "n_coders": "d"},
        )
        + "<h3>Stance, per target</h3>"
        + _table(
            stances,
            {
                "name": "Target",
                "alpha": "Alpha (nominal)",
                "alpha_ordinal": "Alpha (ordinal)",
                "n_units": "Sentences (2+ learners)",
                "n_coders": "Learners",
            },
            {"alpha": ".3f", "alpha_ordinal": ".3f", "n_units": "d", "n_coders": "d"},
        )
        + "</section>"
    )


def _discussion_section(discussion: pd.DataFrame, corpus, key: pd.DataFrame | None) -> str:
    parts = [
        '<section id="discuss"><h2>Discuss these sentences</h2>',
        "<p>The sentences the class disagreed on most, with what learners chose and a few "
        "of their notes.</p><ol>",
    ]
    key_rows = {}
    if key is not None:
        for record in current_labels(key).to_dict("records"):
            key_rows[(record["sentence_id"], record["target"])] = record
    for record in discussion.to_dict("records"):
        try:
            title = corpus.article(record["article_id"]).title
        except KeyError:
            title = record["article_id"]
        techniques = ", ".join(
            f"{_e(name)} {share:.0%} ({count})" for name, count, share in record["techniques"]
        )
        stance_text = "; ".join(
            f"{_e(target)}: "
            + ", ".join(f"{_e(s)} {n}" for s, n in sorted(counts.items(), key=lambda i: -i[1]))
            for target, counts in record["stances"].items()
        )
        parts.append(
            f'<li id="discuss-{_e(record["sentence_id"])}">'
            f'<p class="meta">{_e(title)}, sentence {_e(record["position"])} '
            f"(disagreement {record['disagreement']:.2f}, {record['n_coders']} learners)</p>"
            f'<p class="sentence">{_e(record["text"])}</p>'
            f"<p>Techniques chosen: {techniques or 'none'}</p>"
            + (f"<p>Stances: {stance_text}</p>" if stance_text else "")
        )
        answer = key_rows.get((record["sentence_id"], ""))
        if answer is not None:
            chosen = ", ".join(split_techniques(answer["techniques"])) or "no technique"
            parts.append(f"<p>Answer key: {_e(chosen)}. {_e(answer.get('note', ''))}</p>")
        for learner, note in record["notes"]:
            parts.append(f'<blockquote class="note">{_e(learner)}: {_e(note)}</blockquote>')
        parts.append("</li>")
    parts.append("</ol></section>")
    return "".join(parts)


def _learner_section(
    prepared: ClassLabels, comparison: KeyComparison | None, names: dict[str, str], limit: int
) -> str:
    size = len(prepared.learners)
    technique_learner = prepared.technique_rows(include_key=False)[0]
    stance_learner = prepared.stance_rows(include_key=False)[0]
    per_learner = pd.DataFrame(
        {
            "learner": prepared.learners.astype(str),
            "sentences": np.bincount(technique_learner, minlength=size),
            "stances": np.bincount(stance_learner, minlength=size),
        }
    )
    per_learner = per_learner[per_learner["learner"] != KEY_LEARNER]
    headers = {"shown": "Learner", "sentences": "Sentences labelled", "stances": "Stances"}
    formats = {"sentences": "d", "stances": "d"}
    if comparison is not None:
        per_learner = per_learner.merge(
            comparison.per_learner[["learner", "micro_f1", "stance_kappa"]],
            on="learner",
            how="left",
        )
        headers |= {"micro_f1": "F1 vs key", "stance_kappa": "Stance kappa vs key"}
        formats |= {"micro_f1": ".2f", "stance_kappa": ".2f"}
    per_learner["shown"] = per_learner["learner"].map(names)
    per_learner = per_learner.sort_values("shown", kind="stable")
    more = len(per_learner) - limit
    note = f"<p>… and {more} more learners (not shown).</p>" if more > 0 else ""
    return (
        '<section id="learners"><h2>Learners</h2>'
        + _table(per_learner.head(limit), headers, formats)
        + note
        + "</section>"
    )


def _reflections(reflections, names, salt, show_names, model_answers) -> str:
    from .reflections import load_questions
    from .report_reflections import reflection_section

    missing = sorted({str(x) for x in reflections["learner"]} - set(names))
    if missing:  # a learner who wrote but labelled nothing
        extra = {x: x for x in missing} if show_names else pseudonym_map(missing, salt or "")
        names = {**names, **extra}
    try:
        questions = load_questions()
    except (OSError, ValueError):
        questions = ()
    return reflection_section(reflections, questions, names, model_answers)


def _reveal_section(reveals, names: dict, salt, show_names: bool) -> str:
    """Looks at the key per learner (pseudonymised) and the sentences looked at most."""
    per_learner = reveals.per_learner.copy()
    missing = [x for x in per_learner["learner"] if x not in names]
    if missing:  # a learner whose every label came after a look
        names = {
            **names,
            **({x: x for x in missing} if show_names else pseudonym_map(missing, salt or "")),
        }
    per_learner["learner"] = [names[x] for x in per_learner["learner"]]
    counts = {"sentences": "d", "summaries": "d", "whole_articles": "d", "total": "d"}
    return (
        '<section id="reveals"><h2>Looks at the key</h2>'
        f"<p>{reveals.total} looks at the key: a sentence checked as the learner went, the "
        "summary, or a whole article through “Reveal anyway”. Labels saved after a look "
        "are not in the agreement measures.</p><h3>Per learner</h3>"
        + _table(
            per_learner,
            {
                "learner": "Learner",
                "sentences": "Sentences checked",
                "summaries": "Summaries",
                "whole_articles": "Whole articles",
                "total": "Total",
            },
            counts,
        )
        + "<h3>Sentences looked at most</h3>"
        + _table(
            reveals.per_sentence.head(20),
            {"article_id": "Article", "sentence_id": "Sentence", "learners": "Learners"},
            {"learners": "d"},
        )
        + "</section>"
    )


def render_html(
    labels: pd.DataFrame,
    *,
    corpus,
    codebook,
    key: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    show_names: bool = False,
    salt: str | None = None,
    simulated: bool | None = None,
    title: str = "Rhetoric Lab: class results",
    discuss: int = 10,
    learner_limit: int = 500,
    bundle: str | None = None,
    pre_reveal: bool = True,
    reflections: pd.DataFrame | None = None,
    model_answers: dict | None = None,
) -> tuple[str, tuple[str, ...]]:
    """The whole report as one HTML document, and the names of its charts.

    Parameters
    ----------
    labels : DataFrame
        The class's labels (current, or a history: the latest row per key counts). Rows
        of learner ``"key"`` are taken as the key when ``key`` is not given.
    corpus, codebook
    key : DataFrame, optional
        The answer key's labels.
    history : DataFrame, optional
        Every valid row, for the "changed minds" table.
    show_names : bool
        Show learner ids; by default they are pseudonymised with ``salt``.
    salt : str, optional
        Required unless ``show_names``.
    simulated : bool, optional
        Default: every learner id is simulated (``sim-...``).
    discuss : int
        Sentences in the "discuss these sentences" list.
    learner_limit : int
        Learners listed in the table at most.
    bundle : str, optional
        The JavaScript bundle (default :func:`javascript_bundle`).
    pre_reveal : bool
        Measure pre-reveal labels (:mod:`widgets.reveals`; needs ``history`` with
        ``status`` and ``saved_at``), and say so; ``False`` measures current labels.
    reflections : DataFrame, optional
        ``class.reflections.csv`` (:mod:`widgets.reflections`): each question's answers
        are shown, pseudonymised and escaped, beside ``model_answers``
        (``answers/model-answers.yml``, when present).

    Returns
    -------
    (str, tuple of str)
    """
    if not show_names and not salt:
        raise ValueError("a salt is needed to pseudonymise learner ids (or show_names=True)")
    if key is None and (labels["learner"] == KEY_LEARNER).any():
        key = labels[labels["learner"] == KEY_LEARNER]
    labels = labels[labels["learner"] != KEY_LEARNER]
    reveals = reveal_summary(history, corpus)
    if pre_reveal and reveals.total:
        labels = pre_reveal_labels(labels, history)
    if simulated is None:
        simulated = charts_module.is_simulated(labels)
    prepared = prepare_labels(labels)
    learners = [str(learner) for learner in prepared.learners]
    names = (
        {learner: learner for learner in learners}
        if show_names
        else pseudonym_map(learners, salt or "")
    )
    comparison = None
    if key is not None:
        comparison = learner_vs_key(prepared, key, list(codebook.technique_ids))
    chart_objects = charts_module.class_charts(
        prepared,
        corpus=corpus,
        codebook=codebook,
        key=key,
        comparison=comparison,
        simulated=simulated,
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style>",
        f"<script>{bundle if bundle is not None else javascript_bundle()}</script>",
        "</head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{len(learners)} learners; {_e(stamp)}; codebook {_e(codebook.version)}'
        f"{'' if show_names else '; learner ids are pseudonymised'}.</p>",
    ]
    if simulated:
        out.append(f'<p class="simulated">{_e(charts_module.SIMULATED_SUBTITLE)}.</p>')
    if key is None:
        out.append(
            '<p class="missing">No answer key was found, so the comparisons with the key '
            "are left out.</p>"
        )
    if reveals.total:
        out.append(
            f'<p class="note" id="pre-reveal-note">{_e(PRE_REVEAL_NOTE)}</p>'
            if pre_reveal
            else '<p class="note" id="pre-reveal-note">Agreement, disagreement and the '
            "charts use current labels, including labels changed after a look at the key."
            "</p>"
        )
    contents = [(f"chart-{name}", CHART_HEADINGS[name]) for name in chart_objects]
    contents += [("agreement-table", "Agreement table"), ("discuss", "Discuss these sentences")]
    if history is not None:
        contents.append(("changed-minds", "Changed minds"))
    if reveals.total:
        contents.append(("reveals", "Looks at the key"))
    if reflections is not None and len(reflections):
        contents.append(("reflections", "Reflections"))
    contents.append(("learners", "Learners"))
    out.append(
        '<nav aria-label="Contents"><ul>'
        + "".join(f'<li><a href="#{_e(anchor)}">{_e(text)}</a></li>' for anchor, text in contents)
        + "</ul></nav>"
    )
    for name, chart in chart_objects.items():
        spec = chart.to_dict()  # validates the chart: once, it takes a while
        description = spec.get("description", "")
        out.append(
            f'<section id="chart-{name}"><h2>{_e(CHART_HEADINGS[name])}</h2>'
            f'<div class="chart" id="vis-{name}" role="figure" aria-label="{_e(description)}">'
            f"</div>"
            f'<script type="application/json" id="spec-{name}">{_spec_text(spec)}</script>'
            + chart_alternative_html(spec, chart_id=name)
            + "</section>"
        )
    out.append(_agreement_section(prepared, codebook, corpus))
    discussion = discussion_frame(
        labels, corpus=corpus, codebook=codebook, prepared=prepared, limit=discuss, names=names
    )
    out.append(_discussion_section(discussion, corpus, key))
    if history is not None:
        minds = changed_minds(history, corpus=corpus)
        out.append(
            '<section id="changed-minds"><h2>Changed minds</h2>'
            "<p>Labels changed after they were first saved, per article.</p>"
            + _table(
                minds,
                {
                    "article_id": "Article",
                    "labels": "Labels",
                    "changed": "Changed",
                    "share_changed": "Share changed",
                },
                {"labels": "d", "changed": "d", "share_changed": ".1%"},
            )
            + "</section>"
        )
    if reveals.total:
        out.append(_reveal_section(reveals, names, salt, show_names))
    if reflections is not None and len(reflections):
        out.append(_reflections(reflections, names, salt, show_names, model_answers))
    out.append(_learner_section(prepared, comparison, names, learner_limit))
    embed = json.dumps(_EMBED_OPTIONS)
    out.append(
        "<script>\n"
        "window.rhetoricLabViews = {};\n"
        "for (const element of document.querySelectorAll('script[id^=\"spec-\"]')) {\n"
        "  const name = element.id.slice(5);\n"
        "  vegaEmbed('#vis-' + name, JSON.parse(element.textContent), "
        f"{embed})\n"
        "    .then((result) => {\n"
        "      // vega-embed's export menu opens from an icon: give it words (WCAG 4.1.2).\n"
        "      const menu = document.querySelector('#vis-' + name + ' summary');\n"
        "      if (menu) menu.setAttribute('aria-label', 'Save this chart as SVG or PNG');\n"
        "      window.rhetoricLabViews[name] = result.view;\n"
        "    })\n"
        "    .catch(console.error);\n"
        "}\n</script>"
    )
    out.append("</body></html>")
    return "\n".join(out), tuple(chart_objects)


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
    corpus,
    codebook,
    fmt: str = "html",
    key: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    show_names: bool = False,
    salt: str | None = None,
    simulated: bool | None = None,
    title: str = "Rhetoric Lab: class results",
    reflections: pd.DataFrame | None = None,
    model_answers: dict | None = None,
) -> ReportResult:
    """Write the report: an HTML file at ``out``, or images in :func:`image_folder`.

    Parameters are those of :func:`render_html`; ``fmt`` is one of :data:`FORMATS`.

    Returns
    -------
    ReportResult
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    learners = labels.loc[labels["learner"] != KEY_LEARNER, "learner"]
    if simulated is None:
        simulated = charts_module.is_simulated(labels)
    if fmt == "html":
        text, names = render_html(
            labels,
            corpus=corpus,
            codebook=codebook,
            key=key,
            history=history,
            show_names=show_names,
            salt=salt,
            simulated=simulated,
            title=title,
            reflections=reflections,
            model_answers=model_answers,
        )
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
        return ReportResult(path, (path,), names, int(learners.nunique()), simulated)
    if key is None and (labels["learner"] == KEY_LEARNER).any():
        key = labels[labels["learner"] == KEY_LEARNER]
    chart_objects = charts_module.class_charts(
        labels[labels["learner"] != KEY_LEARNER],
        corpus=corpus,
        codebook=codebook,
        key=key,
        simulated=simulated,
    )
    folder = image_folder(out)
    files = write_chart_images(chart_objects, folder, fmt)
    return ReportResult(
        folder, tuple(files), tuple(chart_objects), int(learners.nunique()), simulated
    )
