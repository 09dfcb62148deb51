"""A per-learner sheet: one row per learner with their reflections and label counts.

What a teacher grades, or uploads to a learning platform's grade book: ``learner``,
``labels`` (current labels in ``class.csv``, when given), ``reflections`` (questions
answered), one column per question (its id, in lesson order) with the latest answer, and
empty ``grade`` and ``feedback`` columns to fill in.
"""

from __future__ import annotations

import pandas as pd

from ..labelling.reflections import Question

__all__ = ["learner_sheet"]


def learner_sheet(
    reflections: pd.DataFrame,
    *,
    questions: tuple[Question, ...] = (),
    labels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The sheet, sorted by learner (the answer key's rows never count)."""
    learners = set(reflections["learner"].astype(str))
    counts = pd.Series(dtype="int64")
    if labels is not None and len(labels):
        mine = labels[labels["learner"].astype(str) != "key"]
        counts = mine.groupby(mine["learner"].astype(str), observed=True).size()
        learners |= set(counts.index)
    order = [q.id for q in questions]
    asked = order + sorted(set(reflections["question_id"]) - set(order))
    answers = reflections.pivot_table(
        index="learner", columns="question_id", values="text", aggfunc="last"
    ) if len(reflections) else pd.DataFrame()  # fmt: skip
    rows = []
    for learner in sorted(learners):
        row = {
            "learner": learner,
            "labels": int(counts.get(learner, 0)),
            "reflections": 0,
        }
        for question_id in asked:
            text = ""
            if learner in answers.index and question_id in answers.columns:
                value = answers.at[learner, question_id]
                text = "" if pd.isna(value) else str(value)
            row[question_id] = text
            row["reflections"] += bool(text.strip())
        row["grade"] = ""
        row["feedback"] = ""
        rows.append(row)
    columns = ["learner", "labels", "reflections", *asked, "grade", "feedback"]
    return pd.DataFrame(rows, columns=columns)
