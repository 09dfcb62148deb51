"""Shared fixtures: a tiny corpus and codebook on disk, so storage tests do not depend
on the real articles, plus a fixed clock."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from widgets.content.codebook import load_codebook
from widgets.content.corpus import ARTICLE_COLUMNS, SENTENCE_COLUMNS, load_corpus, text_sha1

TINY_SENTENCES = {
    "tiny-one": [
        (1, "Mr. Putin said the U.S. would pay £600 million."),
        (1, "“It is a disgrace,” he said."),
        (2, "Sir Keir — calm as ever — disagreed."),
    ],
    "tiny-two": [
        (1, "It is thought that talks will resume."),
        (1, "Nobody knows."),
    ],
}


@dataclass(frozen=True)
class StubCodebook:
    """The few attributes of widgets.content.codebook.Codebook that the store reads."""

    version: str = "test-1"
    technique_ids: tuple[str, ...] = ("loaded-language", "appeal-to-fear", "direct-quotation")
    frame_ids: tuple[str, ...] = ("conflict", "strategy")


def write_tiny_corpus(folder):
    articles = folder / "articles"
    articles.mkdir(parents=True, exist_ok=True)
    with open(articles / "articles.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(ARTICLE_COLUMNS)
        for article_id in TINY_SENTENCES:
            writer.writerow(
                [
                    article_id,
                    article_id.title(),
                    "A. Writer",
                    "Outlet",
                    "2025-01-01",
                    "opinion",
                    "keir-starmer;issue",
                    f"{article_id}.txt",
                    "10",
                    "",
                ]
            )
    with open(articles / "sentences.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SENTENCE_COLUMNS)
        for article_id, sentences in TINY_SENTENCES.items():
            for position, (paragraph, text) in enumerate(sentences, start=1):
                sentence_id = f"{article_id}-{position:03d}"
                writer.writerow(
                    [article_id, sentence_id, paragraph, position, text, text_sha1(text)]
                )
    return load_corpus(folder)


@pytest.fixture(scope="session")
def corpus():
    """The real articles (data/articles/*.csv), loaded once."""
    return load_corpus()


@pytest.fixture(scope="session")
def codebook(corpus):
    """The real codebook, validated against the real articles."""
    return load_codebook(corpus=corpus)


@pytest.fixture
def tiny_corpus(tmp_path):
    return write_tiny_corpus(tmp_path / "data")


@pytest.fixture
def stub_codebook():
    return StubCodebook()


class TickingClock:
    """A clock that moves one second per call: deterministic saved_at values."""

    def __init__(self, start=datetime(2026, 1, 5, 9, 0, tzinfo=UTC)):
        self.now = start

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def clock():
    return TickingClock()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium under Playwright, one per test session: Playwright's sync API
    allows only one running instance per thread, so every browser test shares it."""
    from playwright.sync_api import sync_playwright

    from .browser import lab

    with sync_playwright() as playwright:
        chromium = lab.launch_chromium(playwright)
        yield chromium
        chromium.close()
