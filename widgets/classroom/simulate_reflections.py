"""Reflections for a simulated class (``rhetoric-lab simulate``), marked as simulated.

Each simulated learner (ids ``sim-...``) answers some of the reflection questions with
short made-up text that starts with :data:`SIMULATED_MARK`, so no one takes it for a
real answer; the same seed gives byte-identical files.
"""

from __future__ import annotations

import csv
import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from ..labelling.reflections import REFLECTION_COLUMNS, REFLECTIONS_SUFFIX, load_questions

__all__ = ["SIMULATED_MARK", "simulate_reflections"]

SIMULATED_MARK = "[simulated answer]"
_OPENINGS = (
    "I think the text does this on purpose:",
    "At first I was not sure, but",
    "Compared with the other article,",
    "The clearest example is the quotation, because",
    "It depends on who is reading:",
)
_CLAIMS = (
    "the wording chooses a side before the facts are given.",
    "the writer lets sources speak, yet picks which ones.",
    "hedges hide who is making the claim.",
    "the frame makes the conflict look like a contest.",
    "we disagreed because the sentence supports two readings.",
)


def simulate_reflections(
    out: str | os.PathLike,
    learner_ids: list[str],
    *,
    seed: int = 0,
    start: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
    share: float = 0.6,
) -> list[Path]:
    """Write ``<id>.reflections.csv`` for each learner into ``out``; returns the paths.

    Each learner answers about ``share`` of the questions, some twice (a revised answer)."""
    rng = np.random.default_rng([seed, 16])
    questions = load_questions()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number, learner in enumerate(learner_ids):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(REFLECTION_COLUMNS)
        stamp = start + timedelta(minutes=number % 600)
        for question in questions:
            if rng.random() > share:
                continue
            for _version in range(1 + int(rng.random() < 0.2)):
                stamp += timedelta(seconds=int(rng.integers(20, 400)))
                text = (
                    f"{SIMULATED_MARK} {_OPENINGS[rng.integers(len(_OPENINGS))]} "
                    f"{_CLAIMS[rng.integers(len(_CLAIMS))]}"
                )
                writer.writerow(
                    [learner, question.id, text, "set", stamp.isoformat(timespec="microseconds")]
                )
        path = folder / f"{learner}{REFLECTIONS_SUFFIX}"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        written.append(path)
    return written
