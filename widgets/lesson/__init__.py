"""What the lesson notebooks call: thin helpers over the rest of the kit.

Learners' notebooks import these names as ``from widgets.lesson import ...``; keep them
resolving here whichever module they live in.
"""

from __future__ import annotations

from .helpers import (
    CLASS_DIR_ENV,
    MIN_LABELS_TO_CHART,
    SIMULATED_BANNER,
    ClassFolder,
    ClassResults,
    HandIn,
    LabelsSummary,
    LearnerSetup,
    MyCharts,
    class_folder,
    class_results,
    codebook_rows,
    codebook_tour,
    current_labels,
    hand_in,
    model_answers,
    my_charts,
    where_are_my_labels,
)

__all__ = [
    "LearnerSetup",
    "codebook_rows",
    "codebook_tour",
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
