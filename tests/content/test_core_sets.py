"""Tests for widgets/core_sets.py: the real core sets, and a faulty file named by entry."""

from __future__ import annotations

import pytest

from widgets import paths
from widgets.content.answers import load_key
from widgets.content.core_sets import CoreSetError, core_sentence_ids, load_core_sets
from widgets.content.corpus import load_corpus


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_every_article_has_a_core_set_of_12_to_18_with_reasons(corpus):
    sets = load_core_sets(corpus=corpus)
    assert set(sets) == set(corpus.article_ids)
    for article_id, chosen in sets.items():
        assert 12 <= len(chosen) <= 18, article_id
        positions = [
            corpus.article(article_id).sentence_index[c.sentence_id].position for c in chosen
        ]
        assert positions == sorted(positions)
        assert all(len(c.reason) > 15 for c in chosen)


def test_core_set_reasons_give_away_no_key_rationale(corpus):
    """Learners receive data/: does any reason repeat a key rationale?"""
    rationales = set(load_key()["note"])
    for chosen in load_core_sets(corpus=corpus).values():
        assert not {c.reason for c in chosen} & rationales


def test_core_sentence_ids_and_unknown_article(corpus):
    ids = core_sentence_ids("press-trump-security-guarantees", corpus=corpus)
    assert "press-trump-security-guarantees-002" in ids  # the standfirst
    assert core_sentence_ids("nope", corpus=corpus) is None  # the whole article, then


def _write(tmp_path, text):
    path = tmp_path / "core-sets.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_faulty_core_set_names_every_problem(tmp_path, corpus):
    entries = "".join(
        f"    - {{sentence_id: ceasefire-coalition-momentum-{n:03d}, reason: r{n}}}\n"
        for n in range(1, 12)
    )
    text = (
        "articles:\n  ceasefire-coalition-momentum:\n"
        + entries
        + "    - {sentence_id: ceasefire-coalition-momentum-099, reason: gone}\n"
        + "    - {sentence_id: ceasefire-coalition-momentum-001, reason: again}\n"
        + "  no-such-article: []\n"
    )
    with pytest.raises(CoreSetError) as caught:
        load_core_sets(_write(tmp_path, text), corpus=corpus)
    message = str(caught.value)
    assert "'ceasefire-coalition-momentum-099' is not a sentence" in message
    assert "listed twice" in message
    assert "11 sentences; a core set has 12-18" in message
    assert "unknown article 'no-such-article'" in message


def test_the_default_file_is_in_the_data_folder():
    assert (paths.data_dir() / "core-sets.yml").exists()


def test_without_a_core_sets_file_there_is_no_core_set(tmp_path, monkeypatch):
    monkeypatch.setenv("RHETORIC_LAB_DATA", str(tmp_path))
    assert core_sentence_ids("when-will-starmer-talk-to-putin") is None


def test_the_core_panel_shows_the_set_and_counts_it(tmp_path, corpus):
    """Does AnnotationPanel(article, sentences="core") show the core set, count progress
    over it, and keep all sentences one click away?"""
    from widgets.content.codebook import load_codebook
    from widgets.labelling.panel import AnnotationPanel

    article_id = "when-will-starmer-talk-to-putin"
    core = core_sentence_ids(article_id, corpus=corpus)
    panel = AnnotationPanel(
        article_id,
        learner="ann",
        directory=tmp_path / "ann",
        corpus=corpus,
        codebook=load_codebook(),
        sentences="core",
    )
    assert panel.ready, panel.message
    assert tuple(s.sentence_id for s in panel.model.sentences) == core
    state = panel.view.state
    assert f"0 of {len(core)} sentences labelled" in state["progress"]
    first = corpus.article(article_id).sentence_index[core[0]]
    assert (
        f"sentence 1 of {len(core)} in the core set (sentence {first.position} "
        in (state["position"])
    )
    panel.choose_technique("loaded-language")
    assert panel.store.current(article_id, core[0])["techniques"] == "loaded-language"
    assert panel.scope_button.description == "Show all sentences"
    panel.scope_button.click()
    assert panel.model.n_sentences == len(corpus.article(article_id).sentences)
    assert panel.scope_button.description == f"Show the core set ({len(core)} sentences)"
    panel.scope_button.click()
    assert panel.model.subset and panel.model.n_sentences == len(core)


def test_an_unknown_sentences_choice_is_refused(tmp_path, corpus):
    from widgets.labelling.panel import AnnotationPanel

    with pytest.raises(ValueError, match="'all' or 'core'"):
        AnnotationPanel("when-will-starmer-talk-to-putin", learner="ann",
                        directory=tmp_path, corpus=corpus, sentences="some")  # fmt: skip
