"""Classmates' reflections in lesson 07, only where the instructor allows it.

Lesson 07 and the dashboard ship to learners, so classmates' answers and the model answers
are shown only where ``answers/`` is present (the instructor's copy) or the instructor turns
it on (``show=True``, or ``RHETORIC_LAB_SHOW_REFLECTIONS=1`` on a hub). Answers are
pseudonymised as in the report and escaped: text, never markup.
"""

from __future__ import annotations

import html
import os

from .. import paths

__all__ = ["SHOW_ENV", "showing_reflections", "classmates_reflections"]

#: Set to 1 (for example on a hub's single-user servers) to show classmates' reflections.
SHOW_ENV = "RHETORIC_LAB_SHOW_REFLECTIONS"


class _HTML:
    def __init__(self, text: str) -> None:
        self.html = text

    def _repr_html_(self) -> str:
        return self.html


def showing_reflections(show: bool | None = None, answers=None) -> bool:
    """Whether classmates' reflections may be shown here (see the module docstring)."""
    if show is not None:
        return bool(show)
    if os.environ.get(SHOW_ENV) == "1":
        return True
    return (paths.answers_dir(answers) / "model-answers.yml").is_file()


def classmates_reflections(folder=None, *, show: bool | None = None, answers=None) -> _HTML:
    """Each question's answers from the class folder (:func:`widgets.lesson.class_folder`),
    beside the model answer when ``answers/`` has it; a message when not allowed here."""
    from ..collect.reflections import collect_reflections
    from ..content.answers import AnswersMissing, load_model_answers
    from ..labelling.reflections import load_questions
    from ..present.pseudonyms import pseudonym_map, resolve_salt
    from ..present.report_reflections import reflection_section
    from . import class_folder

    if not showing_reflections(show, answers):
        return _HTML(
            "<p role='status'>Classmates' reflections are shown here when your instructor "
            "turns them on.</p>"
        )
    source = class_folder(folder)
    if source.folder is None:
        return _HTML("<p role='status'>No class folder has been collected yet.</p>")
    result = collect_reflections([source.folder])
    if not len(result.reflections):
        return _HTML("<p role='status'>No reflections in the class folder yet.</p>")
    learners = sorted(set(result.reflections["learner"]))
    names = pseudonym_map(learners, resolve_salt(None, source.folder))
    try:
        model = load_model_answers(answers)
    except (AnswersMissing, ValueError):
        model = None
    title = html.escape(f"Reflections of {len(learners)} classmates")
    return _HTML(
        f"<div aria-label='{title}'>"
        + reflection_section(result.reflections, load_questions(), names, model)
        + "</div>"
    )
