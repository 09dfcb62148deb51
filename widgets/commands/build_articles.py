"""``rhetoric-lab build-articles``: rebuild the article and sentence CSVs."""

from __future__ import annotations

import sys

from ..articles.build import ArticleError, build_articles

HELP = "Clean and segment the raw articles listed in sources.yml into articles/*.csv."


def add_arguments(parser) -> None:
    parser.add_argument(
        "--data-dir",
        default=None,
        help="data folder holding raw/ and articles/ (default: the repo's data/)",
    )


def run(args) -> int:
    from . import package_data_refusal

    refusal = package_data_refusal(args.data_dir, "build-articles")
    if refusal:
        print(refusal, file=sys.stderr)
        return 2
    try:
        result = build_articles(args.data_dir)
    except ArticleError as error:
        print(f"rhetoric-lab build-articles: {error}", file=sys.stderr)
        return 1
    print(
        f"wrote {result.articles_csv} ({len(result.articles)} articles) and "
        f"{result.sentences_csv} ({result.sentence_count} sentences)"
    )
    for article in result.articles:
        print(f"  {article.entry.article_id}: {len(article.sentences)} sentences")
    return 0
