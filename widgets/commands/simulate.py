"""``rhetoric-lab simulate --learners N --out DIR``: write a simulated class's label files."""

from __future__ import annotations

import sys
from pathlib import Path

HELP = "write one label CSV per simulated learner (sim-0001.csv ...) for demos and tests"


def add_arguments(parser) -> None:
    parser.add_argument("--learners", type=int, required=True, help="how many learners")
    parser.add_argument("--out", required=True, help="folder for the CSVs and SIMULATED.txt")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same files)")
    parser.add_argument("--data-dir", help="folder with articles/ and codebook.yml")
    parser.add_argument("--answers-dir", help="answer folder whose key the learners aim at")


def run(args) -> int:
    from ..classroom.simulate import simulate_class
    from . import load_data

    if args.learners < 1:
        print("rhetoric-lab simulate: --learners must be at least 1", file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"rhetoric-lab simulate: --out {out} is a file, not a folder", file=sys.stderr)
        return 2
    try:
        corpus, codebook = load_data(args.data_dir)
    except (OSError, ValueError) as error:
        print(f"rhetoric-lab simulate: {error}", file=sys.stderr)
        return 2
    try:
        result = simulate_class(
            out,
            learners=args.learners,
            seed=args.seed,
            corpus=corpus,
            codebook=codebook,
            answers_dir=args.answers_dir,
        )
        from ..classroom.simulate_reflections import simulate_reflections

        reflections = simulate_reflections(
            out, [str(x) for x in result.learners["learner"]], seed=args.seed
        )
    except OSError as error:
        print(f"rhetoric-lab simulate: cannot write {out}: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(reflections)} simulated reflection files (answers marked as simulated)")
    print(
        f"wrote {len(result.files)} simulated learner files ({result.rows:,} rows, truth: "
        f"{result.truth_source}, seed {result.seed}) to {out}; see {out / 'SIMULATED.txt'}"
    )
    return 0
