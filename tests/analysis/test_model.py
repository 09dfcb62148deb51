"""Is a class prepared once, and do the tables its views read stay small at any size?"""

from __future__ import annotations

import math

import pandas as pd

from widgets.analysis import model as model_module
from widgets.analysis.model import ClassModel
from widgets.classroom.simulate import pseudo_key, simulate_class
from widgets.collect import collect


def _class(tmp_path, learners, corpus, codebook):
    folder = tmp_path / str(learners)
    simulate_class(
        folder, learners=learners, seed=1, corpus=corpus, codebook=codebook,
        answers_dir=tmp_path / "none",
    )  # fmt: skip
    return collect([folder], corpus=corpus, codebook=codebook)


def test_big_class_tables_stay_small(tmp_path, tiny_corpus, stub_codebook):
    """Does chart data stay the same size whether 20 or 400 learners took part?"""
    sizes = []
    for learners in (20, 400):
        result = _class(tmp_path, learners, tiny_corpus, stub_codebook)
        model = ClassModel(
            result.labels, corpus=tiny_corpus, codebook=stub_codebook, history=result.history
        )
        tables = [
            model.technique_by_article,
            model.stance_by_article("keir-starmer"),
            model.sentences,
            model.cooccurrence(),
            model.changed_minds,
        ]
        sizes.append([len(t) for t in tables])
        payload = sum(len(t.to_json(orient="records").encode()) for t in tables)
        assert payload < 30_000
        assert not math.isnan(model.disputed_sentences["disagreement"].iloc[0])
    assert sizes[0] == sizes[1]


def test_the_labels_are_coded_once_and_each_view_computed_once(
    tmp_path, tiny_corpus, stub_codebook, monkeypatch
):
    """Reading every view twice: are the labels prepared once and each view built once?"""
    result = _class(tmp_path, 12, tiny_corpus, stub_codebook)
    calls = []
    real = model_module.prepare_labels
    monkeypatch.setattr(model_module, "prepare_labels", lambda f: calls.append(1) or real(f))
    model = ClassModel(result.labels, corpus=tiny_corpus, codebook=stub_codebook)
    for _ in range(2):
        views = (model.technique_alpha, model.stance_alpha, model.sentences,
                 model.disputed_sentences, model.technique_by_article)  # fmt: skip
    assert len(calls) == 1
    assert model.technique_alpha is views[0] and model.sentences is views[2]
    assert model.key_comparison is None and model.changed_minds is None


def test_disputed_sentences_are_the_most_disputed_first(tmp_path, tiny_corpus, stub_codebook):
    """Is there one list of disputed sentences, in sentence_disagreement's order, with the
    sentence's text, position and most chosen technique?"""
    result = _class(tmp_path, 15, tiny_corpus, stub_codebook)
    model = ClassModel(result.labels, corpus=tiny_corpus, codebook=stub_codebook)
    disputed = model.disputed_sentences
    scores = model.sentence_disagreement.dropna(subset=["disagreement"])
    assert disputed["sentence_id"].tolist() == scores["sentence_id"].tolist()
    assert disputed["disagreement"].is_monotonic_decreasing
    index = tiny_corpus.sentence_index
    for row in disputed.itertuples():
        assert row.text == index[row.sentence_id].text
        assert row.position == index[row.sentence_id].position
        assert row.top_technique == "" or row.top_technique in stub_codebook.technique_ids


def test_key_rows_in_the_labels_are_the_key(tmp_path, corpus, codebook):
    """Are rows of learner "key" taken as the answer key, not as a learner?"""
    result = _class(tmp_path, 6, corpus, codebook)
    key = pseudo_key(corpus, codebook).assign(learner="key")
    both = pd.concat([result.labels.astype(str), key.astype(str)], ignore_index=True)
    model = ClassModel(both, corpus=corpus, codebook=codebook)
    assert "key" not in model.learners and model.key is not None
    assert set(model.key_comparison.per_learner["learner"]) == set(model.learners)
