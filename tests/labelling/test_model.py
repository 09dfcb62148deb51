"""Does the panel's model save what a learner chooses and find their place again?"""

from __future__ import annotations

import pytest

from widgets.labelling.model import AnnotationModel, labelled_sentence_ids, short_text
from widgets.labelling.store import LabelStore, SaveError, read_label_file
from widgets.schema import SUMMARY_SENTENCE_ID

from ..conftest import TickingClock

ARTICLE = "ceasefire-coalition-momentum"


@pytest.fixture
def store(tmp_path, corpus, codebook):
    return LabelStore(
        tmp_path / "ann", "alice", corpus=corpus, codebook=codebook, clock=TickingClock()
    )


@pytest.fixture
def model(store, corpus, codebook):
    return AnnotationModel(corpus.article(ARTICLE), store=store, codebook=codebook)


def reopen(store, corpus, codebook):
    again = LabelStore(store.directory, store.learner, corpus=corpus, codebook=codebook)
    return AnnotationModel(corpus.article(ARTICLE), store=again, codebook=codebook)


def label_fully(model, techniques=("loaded-language",)):
    model.set_techniques(techniques)
    for target in model.targets:
        model.set_stance("none", target=target)


def test_a_fresh_article_opens_at_its_first_sentence_with_nothing_labelled(model):
    assert model.index == 0
    assert model.sentence_id == f"{ARTICLE}-001"
    assert model.labelled_count == 0
    assert model.progress_text() == f"0 of {model.n_sentences} sentences labelled"
    state = model.state()
    assert state.techniques is None  # not looked at yet, which is not "no technique"
    assert state.stances == {t: None for t in model.targets}


def test_toggling_techniques_saves_the_set_in_codebook_order(model, store):
    model.toggle_technique("loaded-language")
    model.toggle_technique("direct-quotation")
    rows, problems = read_label_file(store.path)
    assert problems == []
    assert rows["techniques"].tolist() == ["loaded-language", "direct-quotation;loaded-language"]
    model.toggle_technique("loaded-language")  # off again
    assert model.state().techniques == ("direct-quotation",)
    with pytest.raises(KeyError, match="unknown technique 'smear'"):
        model.toggle_technique("smear")


def test_no_technique_is_an_explicit_choice_distinct_from_not_looked_at(model, store):
    model.set_no_technique()
    assert model.state().techniques == ()
    assert store.current(ARTICLE, model.sentence_id)["techniques"] == ""
    assert model.state(f"{ARTICLE}-002").techniques is None


def test_a_sentence_counts_as_labelled_only_with_techniques_and_every_stance(model):
    model.set_techniques(["loaded-language"])
    assert model.labelled_count == 0
    model.set_stance("favor", target=model.targets[0])
    assert model.labelled_count == 0
    model.set_stance("none", target=model.targets[1])
    assert model.labelled_count == 1
    assert model.is_complete(0)


def test_stance_keys_move_the_active_target_to_the_next_one_without_a_stance(model):
    assert model.target_id == model.targets[0]
    model.set_stance("against")
    assert model.target_id == model.targets[1]
    model.set_stance("none")
    assert model.state().stances == {model.targets[0]: "against", model.targets[1]: "none"}
    assert model.cycle_target() == model.targets[0]


def test_reopening_restores_every_label_and_opens_at_the_first_unlabelled(
    model, store, corpus, codebook
):
    label_fully(model)
    model.next()
    label_fully(model, techniques=())
    model.go(3)
    model.set_techniques(["appeal-to-fear"])  # sentence 4 only half labelled
    again = reopen(store, corpus, codebook)
    assert again.labelled_count == 2
    assert again.index == 2  # sentence 3: the first not fully labelled
    assert again.state(f"{ARTICLE}-002").techniques == ()
    assert again.state(f"{ARTICLE}-004").techniques == ("appeal-to-fear",)


def test_next_unlabelled_skips_labelled_sentences_and_wraps_to_the_summary(model):
    label_fully(model)
    model.go(1)
    label_fully(model)
    model.go(0)
    assert model.go_next_unlabelled() == 2
    for index in range(model.n_sentences):
        model.go(index)
        if not model.is_complete(index):
            label_fully(model)
    model.go(0)
    assert model.next_unlabelled() == model.summary_index  # only the summary is left
    model.go(model.summary_index)
    model.set_frame("conflict")
    for target in model.targets:
        model.set_stance("favor", target=target)
    assert model.summary_complete()
    assert model.next_unlabelled() is None
    assert model.first_unlabelled() == model.summary_index


def test_summary_rows_use_the_summary_id_with_frame_and_overall_stance(model, store):
    model.go(model.summary_index)
    assert model.on_summary and model.sentence_id == SUMMARY_SENTENCE_ID
    model.set_frame("strategy-game")
    model.set_stance("favor", target=model.targets[0])
    rows, _ = read_label_file(store.path)
    assert set(rows["sentence_id"]) == {SUMMARY_SENTENCE_ID}
    assert rows.loc[0, "frame"] == "strategy-game"
    assert rows.loc[1, "stance"] == "favor" and rows.loc[1, "target"] == model.targets[0]
    with pytest.raises(ValueError, match="summary has no techniques"):
        model.set_no_technique()


def test_a_note_before_any_label_waits_for_the_first_label(model, store):
    assert model.set_note("the verb 'insists' matters") == []
    assert model.has_pending_note()
    assert not store.path.exists()
    assert model.state().note == "the verb 'insists' matters"
    model.set_techniques([])
    row = store.current(ARTICLE, model.sentence_id)
    assert row["note"] == "the verb 'insists' matters"
    assert not model.has_pending_note()


def test_note_and_confidence_on_a_labelled_sentence_are_saved_at_once(model, store):
    model.set_techniques(["direct-quotation"])
    model.set_note("quoted from the call")
    model.set_confidence("high")
    row = store.current(ARTICLE, model.sentence_id)
    assert (row["techniques"], row["note"], row["confidence"]) == (
        "direct-quotation",
        "quoted from the call",
        "high",
    )
    assert model.set_note("quoted from the call") == []  # unchanged: nothing written


def test_undo_reverts_the_last_change_and_returns_to_its_sentence(model, store):
    model.set_techniques(["loaded-language"])
    model.go(5)
    model.set_techniques(["appeal-to-fear"])
    model.go(0)
    assert model.undo() == f"{ARTICLE}-006"
    assert model.index == 5
    assert model.state().techniques is None  # back to "not looked at"
    assert store.current(ARTICLE, f"{ARTICLE}-006") is None
    assert model.undo() == f"{ARTICLE}-001"
    assert model.undo() is None


def test_a_failed_write_keeps_the_label_and_counts_it(model, store):
    store.directory.parent.mkdir(parents=True, exist_ok=True)
    store.directory.write_text("not a folder")  # the annotation folder cannot be made
    with pytest.raises(SaveError):
        model.set_techniques([])
    with pytest.raises(SaveError):
        model.set_stance("none", target=model.targets[0])
    assert model.state().techniques == ()
    assert model.state().stances[model.targets[0]] == "none"
    store.directory.unlink()
    model.set_stance("none", target=model.targets[1])  # the retry writes what was owed
    rows, _ = read_label_file(store.path)
    assert len(rows) == 3
    assert model.labelled_count == 1


def test_positions_paragraphs_and_rows_describe_the_article(model, corpus):
    article = corpus.article(ARTICLE)
    model.go(3)
    sentence = article.sentences[3]
    assert model.position_text() == (
        f"sentence {sentence.position} of {len(article.sentences)}, paragraph {sentence.paragraph}"
    )
    assert sentence in model.paragraph()
    assert all(s.paragraph == sentence.paragraph for s in model.paragraph())
    model.set_techniques(["loaded-language"])
    rows = model.rows()
    assert len(rows) == len(article.sentences)
    assert rows[3].techniques == ("loaded-language",) and rows[0].techniques is None
    assert model.go(999) == model.summary_index and model.go(-4) == 0


def test_labelled_sentence_ids_reads_a_label_frame(model, store, corpus):
    label_fully(model)
    model.go(4)
    model.set_techniques([])
    assert labelled_sentence_ids(store.labels(), corpus.article(ARTICLE)) == {f"{ARTICLE}-001"}


def test_targets_must_belong_to_the_article(store, corpus, codebook):
    with pytest.raises(ValueError, match="not targets of article"):
        AnnotationModel(
            corpus.article(ARTICLE),
            store=store,
            codebook=codebook,
            targets=["us-security-backstop"],
        )
    one = AnnotationModel(
        corpus.article(ARTICLE), store=store, codebook=codebook, targets=["keir-starmer"]
    )
    one.set_techniques([])
    one.set_stance("none")
    assert one.labelled_count == 1


def test_short_text_cuts_at_a_word_with_an_ellipsis():
    assert short_text("one two three", 60) == "one two three"
    assert short_text("alpha beta gamma delta", 12) == "alpha beta…"
    assert len(short_text("x" * 100, 10)) == 10
