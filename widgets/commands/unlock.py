"""``rhetoric-lab unlock ARTICLE CODE``: unlock one article's answer key for this learner."""

from __future__ import annotations

import sys

HELP = "unlock an article's answer key with the code your teacher gave you"


def add_arguments(parser) -> None:
    parser.add_argument("article", help="article id, e.g. starmer-defies-putin")
    parser.add_argument("code", nargs="+", help="the four words (quoted or not)")
    parser.add_argument("--keys", default=None, help="folder of locked keys (default: searched)")
    parser.add_argument(
        "--dir", default=None, help="your annotation folder (default: where labels are saved)"
    )


def run(args) -> int:
    from ..classroom.locked_keys import UnlockError, unlock

    try:
        unlocked = unlock(args.article, " ".join(args.code), keys_dir=args.keys, directory=args.dir)
    except UnlockError as error:
        print(f"rhetoric-lab unlock: {error}", file=sys.stderr)
        return 1
    print(
        f"unlocked the key of {unlocked.article_id} ({len(unlocked.key)} key rows); the "
        "self-check now shows it, and you will not need the code again"
    )
    return 0
