"""How fast are the agreement statistics at class scale?

Prints, for nominal binary data (20% missing) of 1,000 and 10,000 coders x 260 units,
the time of :func:`widgets.analysis.agreement.krippendorff_alpha` against the ``krippendorff``
package (best of several runs), then the time of each class view on a synthetic class
of learners who each labelled every sentence.

Run: ``.venv/bin/python benchmarks/bench_agreement.py [--learners 1000,10000]``
"""

from __future__ import annotations

import argparse
import time

import krippendorff
import numpy as np
import pandas as pd

from widgets.analysis.agreement import krippendorff_alpha
from widgets.analysis.coding import prepare_labels
from widgets.analysis.reliability import (
    learner_vs_key,
    sentence_disagreement,
    stance_alpha,
    technique_alpha,
    technique_set_alpha,
)
from widgets.schema import STANCES

UNITS = 260
TECHNIQUES = [f"technique-{i:02d}" for i in range(16)]


def best_time(function, repeat: int) -> tuple[float, object]:
    """Fastest wall time of ``repeat`` calls, and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def binary_table(coders: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    table = (rng.random((coders, UNITS)) < 0.3).astype(float)
    table[rng.random(table.shape) < 0.2] = np.nan
    return table


def synthetic_class(learners: int, seed: int = 0) -> pd.DataFrame:
    """Every learner labels every sentence: techniques plus one stance target.

    Each sentence has a "true" technique set; a learner keeps each true technique with
    probability 0.7 and adds a random one with probability 0.2. The key is the truth."""
    rng = np.random.default_rng(seed)
    truth = [
        frozenset(rng.choice(TECHNIQUES, size=rng.integers(0, 3), replace=False))
        for _ in range(UNITS)
    ]
    true_stance = rng.integers(0, 3, UNITS)
    sentence_ids = np.array([f"art-{u + 1:03d}" for u in range(UNITS)], dtype=object)
    names = np.array([f"learner-{i:05d}" for i in range(learners)] + ["key"], dtype=object)

    # Draw the distinct sets a learner can produce per sentence, then sample among them:
    # building 2.6 million strings one by one would dominate the benchmark itself.
    variants = []
    for unit_truth in truth:
        options = []
        for _ in range(12):
            kept = {t for t in unit_truth if rng.random() < 0.7}
            if rng.random() < 0.2:
                kept.add(str(rng.choice(TECHNIQUES)))
            options.append(";".join(sorted(kept)))
        variants.append(np.array(options, dtype=object))
    pick = rng.integers(0, 12, size=(learners, UNITS))
    techniques = np.stack([variants[u][pick[:, u]] for u in range(UNITS)], axis=1)
    key_techniques = np.array([";".join(sorted(t)) for t in truth], dtype=object)
    techniques = np.vstack([techniques, key_techniques[None, :]])

    stance_codes = np.where(
        rng.random((learners, UNITS)) < 0.6,
        true_stance[None, :],
        rng.integers(0, 3, (learners, UNITS)),
    )
    stances = np.array(STANCES, dtype=object)[np.vstack([stance_codes, true_stance[None, :]])]

    count = len(names) * UNITS
    common = {
        "learner": np.repeat(names, UNITS),
        "article_id": np.full(count, "art", dtype=object),
        "sentence_id": np.tile(sentence_ids, len(names)),
        "status": np.full(count, "set", dtype=object),
    }
    technique_rows = pd.DataFrame(
        {**common, "target": "", "techniques": techniques.ravel(), "stance": ""}
    )
    stance_rows = pd.DataFrame(
        {**common, "target": "keir-starmer", "techniques": "", "stance": stances.ravel()}
    )
    return pd.concat([technique_rows, stance_rows], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", default="1000,10000", help="comma-separated class sizes")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(size) for size in args.learners.split(",")]

    print(
        f"Krippendorff's alpha, nominal binary, {UNITS} units, 20% missing (best of {args.repeat})"
    )
    for coders in sizes:
        table = binary_table(coders)
        ours, ours_value = best_time(lambda t=table: krippendorff_alpha(t), args.repeat)
        theirs, their_value = best_time(
            lambda t=table: krippendorff.alpha(reliability_data=t, level_of_measurement="nominal"),
            args.repeat,
        )
        print(
            f"  {coders:>6} x {UNITS}: widgets.analysis.agreement {ours * 1000:7.1f} ms   "
            f"krippendorff {theirs * 1000:7.1f} ms   (alpha {ours_value:.6f} vs {their_value:.6f})"
        )

    print("Class views on a synthetic class (each learner labels every sentence, one target)")
    for learners in sizes:
        start = time.perf_counter()
        labels = synthetic_class(learners)
        built = time.perf_counter() - start
        print(f"  {learners} learners: {len(labels):,} label rows (built in {built:.1f} s)")
        total, prepared = best_time(lambda frame=labels: prepare_labels(frame), 1)
        print(f"    {'prepare_labels':<22} {total:6.2f} s")
        views = {
            "technique_alpha": lambda p=prepared: technique_alpha(p, TECHNIQUES),
            "technique_set_alpha": lambda p=prepared: technique_set_alpha(p),
            "stance_alpha": lambda p=prepared: stance_alpha(p),
            "sentence_disagreement": lambda p=prepared: sentence_disagreement(p),
            "learner_vs_key": lambda p=prepared: learner_vs_key(p, technique_ids=TECHNIQUES),
        }
        for name, view in views.items():
            seconds, _ = best_time(view, 1)
            total += seconds
            print(f"    {name:<22} {seconds:6.2f} s")
        print(f"    {'prepare + all five':<22} {total:6.2f} s")
        seconds, _ = best_time(lambda frame=labels: technique_alpha(frame, TECHNIQUES), 1)
        print(f"    {'technique_alpha on the DataFrame (prepares itself)':<22} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
