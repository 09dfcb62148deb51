"""``rhetoric-lab keys lock --out DIR``: lock each article's answer key with a code."""

from __future__ import annotations

import sys

HELP = "lock each article's answer key; print the unlock codes (one per article)"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    lock = sub.add_parser(
        "lock",
        help="write DIR/<article>.locked and DIR-unlock-codes.txt beside DIR",
        description="Lock every article's key in answers/ with a new four-word code per "
        "article. The codes are printed and written to DIR-unlock-codes.txt beside DIR "
        "(never inside): copy DIR to learners, keep the codes.",
    )
    lock.add_argument("--out", required=True, help="folder for the locked keys")
    lock.add_argument("--answers", default=None, help="answers folder (default: answers/)")
    lock.add_argument(
        "--self-study",
        action="store_true",
        help="no codes: each key unlocks once the learner has labelled its article",
    )
    lock.add_argument("--force", action="store_true", help="replace locked keys in DIR")


def run(args) -> int:
    from ..classroom.locked_keys import lock_keys
    from ..content.answers import AnswersMissing

    try:
        result = lock_keys(
            args.out, answers=args.answers, self_study=args.self_study, force=args.force
        )
    except (AnswersMissing, FileExistsError, ValueError) as error:
        print(f"rhetoric-lab keys lock: {error}", file=sys.stderr)
        return 2
    print(f"locked {len(result.codes)} article key(s) in {result.out} (class {result.class_id})")
    if result.self_study:
        print("self-study: each key unlocks once its article is labelled; no codes to give out")
        return 0
    for article_id, code in result.codes.items():
        print(f"{article_id}: {code}")
    print(f"codes written to {result.codes_file} (keep it; do not hand it out)")
    return 0
