"""Does the panel show an article's core set, with all sentences one click away, and
count progress over the set in view?"""

from __future__ import annotations

import pytest

from widgets.core_sets import core_sentence_ids
from widgets.panel import AnnotationPanel

ARTICLE = "when-will-starmer-talk-to-putin"


@pytest.fixture
def core_data(tmp_path, corpus, monkeypatch):
    """A small core-sets.yml fixture (the kit's own list comes with the key content)."""
    article = corpus.article(ARTICLE)
    core = [article.sentences[i].sentence_id for i in (2, 5, 9)]
    data = tmp_path / "data"
    data.mkdir()
    (data / "core-sets.yml").write_text(
        f"{ARTICLE}:\n  sentences:\n" + "".join(f"    - {s}\n" for s in core), encoding="utf-8"
    )
    monkeypatch.setenv("RHETORIC_LAB_DATA", str(data))
    return core


def test_without_a_core_sets_file_there_is_no_core_set(tmp_path, monkeypatch):
    monkeypatch.setenv("RHETORIC_LAB_DATA", str(tmp_path))
    assert core_sentence_ids(ARTICLE) is None


def test_the_core_panel_shows_the_set_and_counts_it(tmp_path, corpus, codebook, core_data):
    assert core_sentence_ids(ARTICLE) == tuple(core_data)
    panel = AnnotationPanel(ARTICLE, learner="ann", directory=tmp_path / "ann", corpus=corpus,
                            codebook=codebook, sentences="core")  # fmt: skip
    assert panel.ready, panel.message
    assert [s.sentence_id for s in panel.model.sentences] == core_data
    assert panel.progress.max == 3 and "0 of 3 sentences labelled" in panel.progress_text.value
    assert "sentence 1 of 3 in the core set (sentence 3 of the article)" in (
        panel.position_label.value
    )
    panel.technique_buttons["loaded-language"].value = True
    assert panel.store.current(ARTICLE, core_data[0])["techniques"] == "loaded-language"
    # All sentences, one click away, and back.
    assert panel.scope_button.description == "Show all sentences"
    panel.scope_button.click()
    article = corpus.article(ARTICLE)
    assert panel.model.n_sentences == len(article.sentences) and not panel.model.subset
    assert panel.scope_button.description == "Show the core set (3 sentences)"
    panel.scope_button.click()
    assert panel.model.subset and panel.progress.max == 3


def test_a_panel_of_all_sentences_offers_the_core_set_only_when_there_is_one(
    tmp_path, corpus, codebook, monkeypatch
):
    monkeypatch.setenv("RHETORIC_LAB_DATA", str(tmp_path))
    panel = AnnotationPanel(ARTICLE, learner="ann", directory=tmp_path / "ann", corpus=corpus,
                            codebook=codebook, sentences="core")  # fmt: skip
    assert panel.ready and not panel.model.subset  # no list: every sentence
    assert not hasattr(panel, "scope_button")
    with pytest.raises(ValueError, match="'all' or 'core'"):
        AnnotationPanel(ARTICLE, sentences="some")
