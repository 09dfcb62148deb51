"""``rhetoric-lab check-key``: does the answer key keep the codebook's rules?

Reads the articles, the codebook and ``answers/`` (key and contested readings), runs
:func:`widgets.content.keycheck.check_key` and prints a short table: every problem, then the hint
cues the key tags in some sentences and not in others. Exit code 0 when every check
passes, 1 when a rule is broken, 2 when the files cannot be read.
"""

from __future__ import annotations

import sys

HELP = "check the answer key against the codebook's rules (examples, coverage, version, cues)"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--data-dir", help="data folder with codebook.yml and articles/ (default: data/)"
    )
    parser.add_argument(
        "--answers-dir", help="answer folder with key/ and contested/ (default: answers/)"
    )
    parser.add_argument(
        "--cues",
        choices=("mixed", "all", "none"),
        default="mixed",
        help="hint cues to list: tagged only sometimes (default), every cue found, or none",
    )


def run(args) -> int:
    from .. import paths
    from ..content import answers
    from ..content.codebook import CodebookError, load_codebook
    from ..content.corpus import load_corpus
    from ..content.keycheck import check_key, render_key_check

    data_dir = paths.data_dir(args.data_dir)
    try:
        corpus = load_corpus(data_dir)
        codebook = load_codebook(data_dir / "codebook.yml", corpus=corpus)
        key = answers.load_key(args.answers_dir)
        contested = answers.load_contested(args.answers_dir)
    except (OSError, ValueError, CodebookError) as error:
        print(f"rhetoric-lab check-key: {error}", file=sys.stderr)
        return 2
    result = check_key(key, contested, corpus, codebook)
    print(render_key_check(result, cues=args.cues))
    return 0 if result.ok else 1
