"""Tests for widgets/content/corpus.py: the text history that keeps earlier wordings' labels."""

from __future__ import annotations

import csv
import shutil

from widgets import paths
from widgets.content.corpus import TEXT_HISTORY_COLUMNS, load_corpus, text_sha1

REAL_DATA = paths.REPO_ROOT / "data"


def test_article_r_reads_with_ordinary_hyphens_and_remembers_the_old_wording():
    """Are article R's non-breaking hyphens gone from the corpus, kept in the raw file,
    and is every changed sentence's earlier hash accepted?"""
    corpus = load_corpus(REAL_DATA)
    article = corpus.article("starmer-rejects-answering-to-putin")
    raw = (REAL_DATA / article.source_file).read_text(encoding="utf-8")
    assert "Face\u2011to\u2011Face" in raw  # provenance: the raw file is untouched
    assert all("\u2011" not in s.text for a in corpus.articles for s in a.sentences)
    changed = [s for s in article.sentences if s.previous_text_sha1]
    assert len(changed) == 11
    for sentence in changed:
        (previous,) = sentence.previous_text_sha1
        assert previous != sentence.text_sha1
        assert sentence.accepts(sentence.text_sha1) and sentence.accepts(previous)
        assert not sentence.accepts("0" * 40)
    face = article.sentence_index["starmer-rejects-answering-to-putin-002"]
    assert face.previous_text_sha1 == (text_sha1(face.text.replace("-", "\u2011")),)


def test_text_history_is_optional_and_read_again_when_edited(tmp_path):
    """Without text-history.csv no earlier wording is accepted; adding one is seen."""
    data = tmp_path / "data"
    shutil.copytree(REAL_DATA / "articles", data / "articles")
    (data / "articles" / "text-history.csv").unlink()
    sentence = load_corpus(data).sentence_index["when-will-starmer-talk-to-putin-001"]
    assert sentence.previous_text_sha1 == ()
    with open(data / "articles" / "text-history.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(TEXT_HISTORY_COLUMNS)
        writer.writerow([sentence.sentence_id, "a" * 40, "a test"])
    again = load_corpus(data).sentence_index[sentence.sentence_id]
    assert again.accepts("a" * 40)
