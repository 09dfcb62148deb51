"""The report's reflections section: each question's answers beside the model answer.

Answers are pseudonymised like every learner id in the report and escaped: reflection
text is data, never markup. The report is the instructor's, so the model answer (from
``answers/model-answers.yml``) is shown when the answers folder is there.
"""

from __future__ import annotations

import html

import pandas as pd

from ..labelling.reflections import Question, model_answer_for

__all__ = ["reflection_section"]

_CSS = (
    ".reflection{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,1fr);gap:1em}"
    ".reflection .model{background:#f4f6f8;padding:0.5em 1em;border-left:3px solid #567}"
    ".reflection li{white-space:pre-wrap;margin-bottom:0.5em}"
)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def reflection_section(
    reflections: pd.DataFrame,
    questions: tuple[Question, ...],
    names: dict[str, str],
    model_answers: dict | None,
) -> str:
    """HTML for the report (``<section id="reflections">``); ``names`` maps learner ids
    to what the report shows (pseudonyms, or the ids with ``--show-names``)."""
    e = html.escape
    by_id = {q.id: q for q in questions}
    parts = [
        f"<style>{_CSS}</style>",
        '<section id="reflections"><h2>Reflections</h2>',
        f"<p>{_count(len(reflections), 'answer')} from "
        f"{_count(reflections['learner'].nunique() if len(reflections) else 0, 'learner')}, "
        "the latest version of each; learner ids as elsewhere in this report.</p>",
    ]
    order = {q.id: i for i, q in enumerate(questions)}
    asked = sorted(set(reflections["question_id"]), key=lambda q: (order.get(q, 10**6), q))
    for question_id in asked:
        question = by_id.get(question_id)
        rows = reflections[reflections["question_id"] == question_id]
        rows = rows.assign(_shown=[names.get(x, x) for x in rows["learner"]]).sort_values("_shown")
        answers = "".join(
            f"<li><b>{e(str(shown))}</b>: {e(str(text))}</li>"
            for shown, text in zip(rows["_shown"], rows["text"], strict=True)
            if str(text).strip()
        )
        model = model_answer_for(question, model_answers) if question and model_answers else None
        model_html = (
            f'<div class="model"><h4>Model answer</h4><p>{e(model)}</p></div>'
            if model
            else '<div class="model"><p>No model answer here (answers/ is not present).</p></div>'
        )
        heading = question.question if question else question_id
        lesson = f" <small>({e(question.lesson)})</small>" if question else ""
        parts.append(
            f'<article class="reflection-question" id="reflection-{e(question_id)}">'
            f'<h3>{e(heading)}{lesson}</h3><div class="reflection">'
            f'<ul aria-label="Answers">{answers}</ul>{model_html}</div></article>'
        )
    parts.append("</section>")
    return "".join(parts)
