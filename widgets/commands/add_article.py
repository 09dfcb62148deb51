"""``rhetoric-lab add-article``: add an instructor's article through the same pipeline."""

from __future__ import annotations

import re
import sys

from ..articles.build import DEFAULT_TARGETS, ArticleError, add_article

HELP = "Add a new article (a UTF-8 .txt copied from a web page) to the corpus."


def add_arguments(parser) -> None:
    parser.add_argument("file", help="the article text, UTF-8")
    parser.add_argument("--title", required=True, help="the headline as the text gives it")
    parser.add_argument("--author", default="", help="author as the text names them")
    parser.add_argument("--outlet", default="", help="outlet as the text names it")
    parser.add_argument("--published", default="", help="publication date, YYYY-MM-DD")
    parser.add_argument("--genre", default="", help="opinion, reporting, blog, …")
    parser.add_argument(
        "--targets",
        nargs="+",
        default=None,
        help=f"stance target ids (default: {' '.join(DEFAULT_TARGETS)})",
    )
    parser.add_argument("--notes", default="", help="provenance; mark inferred metadata")
    parser.add_argument(
        "--article-id", default=None, help="the slug (default: derived from the title)"
    )
    parser.add_argument(
        "--drop-line",
        action="append",
        default=None,
        dest="drop_lines",
        metavar="LINE",
        help="a line of the text to drop as clutter (repeatable)",
    )
    parser.add_argument(
        "--hard-wrapped",
        action="store_true",
        help="paragraphs are blank-line-separated blocks, not single lines",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="data folder holding raw/ and articles/ (default: the repo's data/)",
    )


def run(args) -> int:
    from . import package_data_refusal

    refusal = package_data_refusal(args.data_dir, "add-article")
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    targets = None
    if args.targets:
        # Accept "a b", "a;b" and "a,b" alike.
        targets = [t for value in args.targets for t in re.split(r"[;,\s]+", value) if t]
    try:
        built = add_article(
            args.file,
            title=args.title,
            author=args.author,
            outlet=args.outlet,
            published=args.published,
            genre=args.genre,
            targets=targets,
            notes=args.notes,
            article_id=args.article_id,
            drop_lines=tuple(args.drop_lines or ()),
            paragraphs="blocks" if args.hard_wrapped else "lines",
            data_dir=args.data_dir,
        )
    except ArticleError as error:
        print(f"rhetoric-lab add-article: {error}", file=sys.stderr)
        return 1
    print(
        f"added {built.entry.article_id} ({len(built.sentences)} sentences, "
        f"{built.word_count} words) from {built.entry.source_file}"
    )
    return 0
