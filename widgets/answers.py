"""Kept for notebooks that import ``widgets.answers``: the answer key lives in
:mod:`widgets.content.answers`."""

from __future__ import annotations

from .content.answers import (
    CONTESTED_COLUMNS,
    KEY_LEARNER,
    KEY_SAVED_AT,
    AnswersMissing,
    key_problems,
    load_contested,
    load_key,
    load_model_answers,
    write_key,
)

__all__ = [
    "KEY_LEARNER",
    "KEY_SAVED_AT",
    "CONTESTED_COLUMNS",
    "AnswersMissing",
    "load_key",
    "load_contested",
    "load_model_answers",
    "key_problems",
    "write_key",
]
