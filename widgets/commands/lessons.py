"""``rhetoric-lab lessons [DEST]``: copy the learner lessons into a learner's folder."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HELP = "copy the learner lessons into your folder (default ~/rhetoric-lab/lessons), or update them"


def add_arguments(parser) -> None:
    parser.add_argument(
        "dest",
        nargs="?",
        help="folder for the lessons (default ~/rhetoric-lab/lessons); made if missing",
    )


def run(args) -> int:
    from .. import __version__, paths
    from ..classroom.learner_lessons import LessonsError, copy_lessons, learner_lessons_source

    dest = paths.learner_lessons_dir(args.dest)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            source = learner_lessons_source(Path(scratch))
            result = copy_lessons(dest, source=source, version=__version__)
    except LessonsError as error:
        print(f"rhetoric-lab lessons: {error}", file=sys.stderr)
        return 2
    print(f"rhetoric-lab lessons {__version__} in {paths.display_path(dest)}:")
    print(result.describe())
    print(f"Open {paths.display_path(dest / '00-start-here.ipynb')} to begin.")
    return 0
