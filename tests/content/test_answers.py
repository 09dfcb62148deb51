"""Does the answer key cover every sentence with valid codebook ids?"""

from __future__ import annotations

import pytest

from widgets.content.answers import (
    CONTESTED_COLUMNS,
    KEY_LEARNER,
    AnswersMissing,
    key_problems,
    load_contested,
    load_key,
    write_key,
)
from widgets.content.codebook import load_codebook
from widgets.content.corpus import load_corpus
from widgets.schema import LABEL_COLUMNS, STANCES, split_techniques


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


def test_the_key_covers_every_sentence_and_target_with_valid_ids(corpus, codebook):
    key = load_key()
    assert list(key.columns) == list(LABEL_COLUMNS)
    assert set(key["learner"]) == {KEY_LEARNER}
    assert key_problems(key, corpus, codebook) == []
    # A technique row and a stance row per target for every sentence, and the same for
    # each article's summary (main frame, overall stance per target).
    expected_rows = sum((len(a.sentences) + 1) * (1 + len(a.targets)) for a in corpus.articles)
    assert len(key) == expected_rows  # no duplicates either
    assert set(key["codebook_version"]) == {str(codebook.version)}


def test_rationales_are_one_line_and_short(corpus):
    notes = load_key()["note"]
    assert not notes.str.contains("\n").any()
    assert notes.str.len().max() <= 200


def test_every_codebook_example_is_tagged_with_its_technique_in_the_key(corpus, codebook):
    key = load_key()
    techniques = key[key["target"] == ""].set_index("sentence_id")["techniques"]
    for technique in codebook.techniques:
        article = corpus.article(technique.example_article)
        sentences = [s for s in article.sentences if technique.example in s.text]
        assert sentences, technique.id
        assert any(
            technique.id in split_techniques(techniques[s.sentence_id]) for s in sentences
        ), f"{technique.id}: its own example is not tagged with it in the key"


def test_contested_readings_name_real_sentences_and_valid_alternatives(corpus, codebook):
    contested = load_contested()
    assert list(contested.columns) == list(CONTESTED_COLUMNS)
    assert 0.05 <= contested["sentence_id"].nunique() / len(corpus.sentence_index) <= 0.3
    for row in contested.itertuples(index=False):
        article = corpus.article(row.article_id)
        assert row.sentence_id in article.sentence_index
        assert row.why.strip()
        if row.target:
            assert row.target in article.targets and row.alt_stance in STANCES
        else:
            assert set(split_techniques(row.alt_techniques)) <= set(codebook.technique_ids)


def test_a_learner_release_without_answers_gets_a_kind_message(tmp_path):
    with pytest.raises(AnswersMissing, match="with your instructor"):
        load_key(tmp_path / "answers")
    assert load_contested(tmp_path / "answers").empty


def test_write_key_round_trips_through_load_key(tmp_path, corpus, codebook):
    article = corpus.articles[1]
    entries = [
        {
            "sentence_id": s.sentence_id,
            "techniques": ["direct-quotation"] if i % 2 else [],
            "stances": {t: "none" for t in article.targets},
            "rationale": f"reason {i}",
        }
        for i, s in enumerate(article.sentences)
    ]
    rows = write_key(
        tmp_path / "key" / f"{article.article_id}.csv", article, entries, codebook=codebook
    )
    key = load_key(tmp_path, article.article_id)
    assert len(key) == rows == len(article.sentences) * (1 + len(article.targets))
    assert key.loc[1, "text_sha1"] == article.sentences[0].text_sha1  # its stance row
