"""What the lesson notebooks call: thin helpers over the rest of the kit.

* :class:`LearnerSetup`: shows who is labelling, or asks once for a learner id.
* :func:`codebook_tour`: the codebook as one table, grouped by category.
* :func:`glossary`, :func:`core_set`, :func:`frames_table`, :func:`diagnostic` and
  :func:`diagnostic_progress`: reference material from ``data/`` (:mod:`.reference`).
* :func:`where_are_my_labels`: the learner's CSV, its size and progress per article.
* :func:`hand_in`: a copy of the learner's CSV (or a zip) in the current folder, to
  upload to a learning management system.
* :func:`my_charts`: the learner's own labels, charted (lesson 06).
* :func:`class_folder` and :func:`class_results`: the class's CSVs, or a clearly
  labelled simulated class when none have been collected yet (lesson 07).

Everything here reads files and returns plain results (dataclasses with an HTML view);
only :class:`LearnerSetup` is a widget. Learners' notebooks import these names as
``from widgets.lesson import ...``: keep them resolving here whichever module they live
in (tests/test_lesson_imports.py checks).
"""

from __future__ import annotations

from ..labelling.current import current_labels
from .classroom import (
    CLASS_DIR_ENV,
    SIMULATED_BANNER,
    ClassFolder,
    ClassResults,
    class_folder,
    class_results,
    model_answers,
)
from .mine import (
    MIN_LABELS_TO_CHART,
    HandIn,
    LabelsSummary,
    MyCharts,
    hand_in,
    my_charts,
    where_are_my_labels,
)
from .reference import core_set, diagnostic, diagnostic_progress, frames_table, glossary
from .setup import LearnerSetup, codebook_rows, codebook_tour

__all__ = [
    "LearnerSetup",
    "codebook_rows",
    "codebook_tour",
    "glossary",
    "core_set",
    "frames_table",
    "diagnostic",
    "diagnostic_progress",
    "LabelsSummary",
    "where_are_my_labels",
    "HandIn",
    "hand_in",
    "current_labels",
    "MyCharts",
    "my_charts",
    "MIN_LABELS_TO_CHART",
    "ClassFolder",
    "class_folder",
    "CLASS_DIR_ENV",
    "SIMULATED_BANNER",
    "model_answers",
    "ClassResults",
    "class_results",
]
