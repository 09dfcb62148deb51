"""``rhetoric-lab release OUT``: the learner bundle without answer content."""

from __future__ import annotations

import sys

from ..release import ReleaseError, release

HELP = "write the learner release (folder, or .zip) with no answer content"


def add_arguments(parser) -> None:
    parser.add_argument("out", help="folder to create, or a path ending in .zip")
    parser.add_argument("--zip", action="store_true", help="write a zip even without .zip")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")


def run(args) -> int:
    from .. import paths

    if paths.kit_layout() != "checkout":
        print(
            f"rhetoric-lab release: this is a {paths.kit_layout()}, which has no answer key to "
            "check the release against; run it from a checkout of the repository",
            file=sys.stderr,
        )
        return 2
    try:
        result = release(args.out, as_zip=True if args.zip else None, force=args.force)
    except ReleaseError as error:
        print(f"rhetoric-lab release: {error}", file=sys.stderr)
        return 2
    print(
        f"wrote {result.out}: {len(result.files)} files; left out "
        f"{len(result.left_out_notebooks)} instructor notebook(s) and answers/; "
        f"stripped solutions from {len(result.stripped_notebooks)} notebook(s)"
    )
    return 0
