"""Does the self-check compare a learner with the key fairly, and keep the key hidden
until the article is labelled?"""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from widgets import paths
from widgets.content.answers import CONTESTED_COLUMNS, load_contested, load_key, write_key
from widgets.labelling.store import LabelStore
from widgets.lesson.selfcheck import SelfCheck, compare_with_key
from widgets.schema import LABEL_COLUMNS

ARTICLE = "ceasefire-coalition-momentum"


@pytest.fixture
def article(corpus):
    return corpus.article(ARTICLE)


def key_entries(article):
    """A small made-up key: loaded language on sentences 1-4, quotation on even ones,
    stances cycling through favor / against / none."""
    stances = ("favor", "against", "none")
    entries = []
    for index, sentence in enumerate(article.sentences):
        techniques = []
        if index < 4:
            techniques.append("loaded-language")
        if index % 2 == 1:
            techniques.append("direct-quotation")
        entries.append(
            {
                "sentence_id": sentence.sentence_id,
                "techniques": techniques,
                "stances": {
                    target: stances[(index + offset) % 3]
                    for offset, target in enumerate(article.targets)
                },
                "rationale": f"rationale <b>{index + 1}</b> & why",
            }
        )
    return entries


@pytest.fixture
def answers(tmp_path, article, codebook):
    folder = tmp_path / "answers"
    write_key(folder / "key" / f"{ARTICLE}.csv", article, key_entries(article), codebook=codebook)
    contested = folder / "contested"
    contested.mkdir()
    with open(contested / f"{ARTICLE}.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONTESTED_COLUMNS)
        writer.writerow(
            [ARTICLE, article.sentences[5].sentence_id, "", "appeal-to-fear", "", "fear or fact?"]
        )
        writer.writerow(
            [ARTICLE, article.sentences[6].sentence_id, article.targets[0], "", "against", "irony"]
        )
    return folder


@pytest.fixture
def store(tmp_path, corpus, codebook):
    return LabelStore(tmp_path / "ann", "alice", corpus=corpus, codebook=codebook)


def copy_key(store, article, *, skip=()):
    """Label the article exactly as the key does (except sentence indexes in ``skip``)."""
    for index, entry in enumerate(key_entries(article)):
        if index in skip:
            continue
        store.save(ARTICLE, entry["sentence_id"], techniques=entry["techniques"])
        for target, stance in entry["stances"].items():
            store.save(ARTICLE, entry["sentence_id"], stance=stance, target=target)


def compare(store, answers, codebook, article):
    return compare_with_key(
        store.labels(ARTICLE),
        load_key(answers, ARTICLE),
        load_contested(answers, ARTICLE),
        codebook,
        article=article,
    )


def test_labels_equal_to_the_key_agree_everywhere(store, answers, codebook, article):
    copy_key(store, article)
    result = compare(store, answers, codebook, article)
    assert result.n_compared == len(article.sentences) == result.n_agree
    assert result.micro_precision == result.micro_recall == 1.0
    assert result.stance_agreement == 1.0 and result.stance_kappa == pytest.approx(1.0)
    loaded = result.per_technique.set_index("technique_id").loc["loaded-language"]
    assert (loaded.tp, loaded.fp, loaded.fn) == (4, 0, 0)


def test_misses_and_extra_tags_give_precision_and_recall_per_technique(
    store, answers, codebook, article
):
    copy_key(store, article)
    ids = [s.sentence_id for s in article.sentences]
    store.save(ARTICLE, ids[0], techniques=[])  # misses loaded language
    store.save(ARTICLE, ids[8], techniques=["loaded-language"])  # tags it where the key has none
    result = compare(store, answers, codebook, article)
    loaded = result.per_technique.set_index("technique_id").loc["loaded-language"]
    assert (loaded.tp, loaded.fp, loaded.fn) == (3, 1, 1)
    assert loaded.precision == pytest.approx(0.75) and loaded.recall == pytest.approx(0.75)
    said = [ids[i] in {ids[1], ids[2], ids[3], ids[8]} for i in range(len(ids))]
    truth = [i < 4 for i in range(len(ids))]
    assert loaded.kappa == pytest.approx(cohen_kappa_score(said, truth))
    assert result.n_agree == len(ids) - 2
    first, ninth = result.sentences[0], result.sentences[8]
    assert first.techniques_agree is False and ninth.techniques_agree is False
    assert math.isnan(
        result.per_technique.set_index("technique_id").loc["appeal-to-fear"].precision
    )


def test_stance_kappa_matches_scikit_learn(store, answers, codebook, article):
    copy_key(store, article)
    ids = [s.sentence_id for s in article.sentences]
    target = article.targets[1]
    store.save(ARTICLE, ids[0], stance="none", target=target)
    store.save(ARTICLE, ids[1], stance="favor", target=target)
    result = compare(store, answers, codebook, article)
    mine, key = [], []
    for comparison in result.sentences:
        for t in article.targets:
            mine.append(comparison.learner_stances[t])
            key.append(comparison.key_stances[t])
    # sentence 7's first target is contested but the learner kept the key's reading
    assert result.stance_kappa == pytest.approx(cohen_kappa_score(mine, key))
    assert result.stance_agreement == pytest.approx(1 - 2 / len(mine))
    assert result.sentences[0].stances_agree[target] is False


def test_choosing_the_contested_reading_counts_as_agreeing(store, answers, codebook, article):
    copy_key(store, article)
    ids = [s.sentence_id for s in article.sentences]
    store.save(ARTICLE, ids[5], techniques=["appeal-to-fear"])
    store.save(ARTICLE, ids[6], stance="against", target=article.targets[0])
    result = compare(store, answers, codebook, article)
    sixth, seventh = result.sentences[5], result.sentences[6]
    assert sixth.techniques_agree is True and sixth.used_alternative
    assert sixth.alt_techniques == ("appeal-to-fear",)
    assert "fear or fact?" in sixth.contested
    assert seventh.stances_agree[article.targets[0]] is True and seventh.used_alternative
    fear = result.per_technique.set_index("technique_id").loc["appeal-to-fear"]
    assert (fear.tp, fear.fp) == (1, 0)  # the contested reading is the reference there
    assert result.n_agree == len(ids)


def test_unlabelled_sentences_are_left_out_not_counted_as_misses(store, answers, codebook, article):
    copy_key(store, article, skip={0, 1, 2})
    result = compare(store, answers, codebook, article)
    assert result.n_compared == len(article.sentences) - 3
    assert result.sentences[0].techniques_agree is None
    assert result.micro_recall == 1.0


def test_the_key_stays_hidden_until_every_sentence_is_labelled(store, answers, article):
    copy_key(store, article, skip={4, 9})
    check = SelfCheck(ARTICLE, store=store, answers=answers)
    assert "Label 2 more sentences first" in check.message.value
    assert check.output.value == "" and check.result is None
    assert check.reveal_button.layout.display is None
    check.reveal_button.click()
    assert check.result is not None and "<table" in check.output.value
    assert "not labelled 2 sentence(s)" in check.message.value


def test_a_fully_labelled_article_shows_the_tables_with_escaped_rationale(store, answers, article):
    copy_key(store, article, skip={3})
    check = SelfCheck(ARTICLE, store=store, answers=answers)
    assert "Label 1 more sentence first" in check.message.value
    entry = key_entries(article)[3]
    store.save(ARTICLE, entry["sentence_id"], techniques=entry["techniques"])
    for target, stance in entry["stances"].items():
        store.save(ARTICLE, entry["sentence_id"], stance=stance, target=target)
    check.refresh_button.click()
    page = check.output.value
    assert check.result.n_agree == len(article.sentences)
    assert "rationale &lt;b&gt;1&lt;/b&gt; &amp; why" in page and "<b>1</b>" not in page
    assert "Cohen's κ" in page and "Loaded language" in page
    assert check.reveal_button.layout.display == "none"


def test_without_answers_the_self_check_says_so_kindly(tmp_path, store):
    check = SelfCheck(ARTICLE, store=store, answers=tmp_path / "no-answers-here")
    assert "The answer key is with your instructor" in check.message.value
    assert check.error_area.value == "" and check.output.value == ""
    assert check.reveal_button.layout.display == "none"


def test_an_unknown_article_gives_a_message_not_a_traceback(store, answers):
    check = SelfCheck("no-such-article", store=store, answers=answers)
    assert "unknown article" in check.message.value
    assert "no-such-article" in check.message.value and ARTICLE in check.message.value
    assert check.error_area.value == ""


def test_the_real_key_agrees_with_itself(tmp_path, corpus, codebook):
    """The kit's own answers/ folder: labels copied from it agree everywhere."""
    key = load_key(paths.answers_dir(), ARTICLE)
    store = LabelStore(tmp_path / "ann", "erin", corpus=corpus, codebook=codebook)
    for row in key.to_dict("records"):
        if row["target"]:
            store.save(ARTICLE, row["sentence_id"], stance=row["stance"], target=row["target"])
        else:
            store.save(
                ARTICLE,
                row["sentence_id"],
                techniques=row["techniques"].split(";") if row["techniques"] else [],
            )
    check = SelfCheck(ARTICLE, store=store)
    assert check.result is not None
    assert check.result.n_agree == check.result.n_compared == len(corpus.article(ARTICLE).sentences)
    assert check.result.stance_agreement == 1.0


def test_history_rows_and_cleared_labels_are_read_as_the_latest_state(codebook, article):
    sentence_id = article.sentences[0].sentence_id
    base = dict.fromkeys(LABEL_COLUMNS, "")
    rows = [
        {
            **base,
            "article_id": ARTICLE,
            "sentence_id": sentence_id,
            "techniques": "loaded-language",
            "status": "set",
            "saved_at": "2026-01-01T00:00:01+00:00",
        },
        {
            **base,
            "article_id": ARTICLE,
            "sentence_id": sentence_id,
            "status": "cleared",
            "saved_at": "2026-01-01T00:00:02+00:00",
        },
    ]
    key = pd.DataFrame(
        [
            {
                **base,
                "article_id": ARTICLE,
                "sentence_id": sentence_id,
                "techniques": "loaded-language",
                "status": "set",
                "saved_at": "2026-01-01T00:00:00+00:00",
            }
        ]
    )
    result = compare_with_key(pd.DataFrame(rows), key, None, codebook, article=article)
    assert result.sentences[0].learner_techniques is None and result.n_compared == 0
