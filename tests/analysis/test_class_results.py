"""Are the class-result tables right on a small hand-made class, and small for a big one?"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from widgets.analysis.class_results import (
    changed_minds,
    coverage,
    frame_counts,
    hotspots,
    payload_bytes,
    stance_counts,
    technique_counts,
)
from widgets.classroom.simulate import simulate_class
from widgets.collect import collect
from widgets.schema import LABEL_COLUMNS


def label(learner, sentence_id, target="", techniques="", stance="", **extra):
    row = dict.fromkeys(LABEL_COLUMNS, "")
    row.update(
        learner=learner,
        article_id=sentence_id.rsplit("-", 1)[0] if sentence_id != "summary" else "tiny-one",
        sentence_id=sentence_id,
        target=target,
        techniques=techniques,
        stance=stance,
        status="set",
        saved_at="2026-01-05T09:00:00.000000+00:00",
    )
    row.update(extra)
    return row


@pytest.fixture
def labels():
    rows = [
        label("ana", "tiny-one-001", techniques="appeal-to-fear;loaded-language"),
        label("ben", "tiny-one-001", techniques="loaded-language"),
        label("cy", "tiny-one-001", techniques=""),
        label("key", "tiny-one-001", techniques="loaded-language"),  # the key is left out
        label("ana", "tiny-one-002", techniques="direct-quotation"),
        label("ben", "tiny-one-002", techniques="direct-quotation"),
        label("ana", "tiny-one-001", target="keir-starmer", stance="against"),
        label("ben", "tiny-one-001", target="keir-starmer", stance="against"),
        label("cy", "tiny-one-001", target="keir-starmer", stance="favor"),
        label("ana", "tiny-two-001", techniques="loaded-language"),
        label("ana", "summary", frame="conflict"),
        label("ben", "summary", frame="conflict"),
        label("cy", "summary", frame="strategy"),
        label("ana", "summary", target="issue", stance="none"),
    ]
    return pd.DataFrame(rows, columns=list(LABEL_COLUMNS))


@pytest.mark.parametrize("categorical", [False, True])
def test_technique_counts(labels, categorical):
    """Are techniques counted per article over learners' technique labels, key excluded?"""
    if categorical:
        labels = labels.astype("category")
    table = technique_counts(labels, ["loaded-language", "appeal-to-fear", "direct-quotation"])
    one = table[table["article_id"] == "tiny-one"].set_index("technique_id")
    assert one.loc["loaded-language", "count"] == 2
    assert one.loc["appeal-to-fear", "count"] == 1
    assert one.loc["direct-quotation", "count"] == 2
    assert (one["labels"] == 5).all()
    assert one.loc["direct-quotation", "share"] == pytest.approx(0.4)
    two = table[table["article_id"] == "tiny-two"].set_index("technique_id")
    assert two.loc["appeal-to-fear", "count"] == 0 and two.loc["loaded-language", "share"] == 1


def test_stance_counts(labels, tiny_corpus):
    """Is every article x target x stance listed, with shares within article and target?"""
    table = stance_counts(labels, tiny_corpus)
    assert len(table) == 2 * 2 * 3
    row = table.set_index(["article_id", "target", "stance"])
    assert row.loc[("tiny-one", "keir-starmer", "against"), "count"] == 2
    assert row.loc[("tiny-one", "keir-starmer", "favor"), "share"] == pytest.approx(1 / 3, abs=1e-4)
    assert row.loc[("tiny-one", "issue", "none"), "count"] == 0  # summary is separate
    summary = stance_counts(labels, tiny_corpus, summary=True).set_index(
        ["article_id", "target", "stance"]
    )
    assert summary.loc[("tiny-one", "issue", "none"), "count"] == 1
    assert summary["count"].sum() == 1


def test_frame_counts(labels):
    table = frame_counts(labels, ["conflict", "strategy", "morality"]).set_index(
        ["article_id", "frame"]
    )
    assert table.loc[("tiny-one", "conflict"), "count"] == 2
    assert table.loc[("tiny-one", "morality"), "count"] == 0
    assert table.loc[("tiny-one", "strategy"), "share"] == pytest.approx(1 / 3, abs=1e-4)


def test_hotspots(labels, tiny_corpus):
    """Is the most disputed sentence first, with its text and most marked technique?"""
    table = hotspots(labels, tiny_corpus)
    first = table.iloc[0]
    assert first["sentence_id"] == "tiny-one-001"
    assert first["text"] == tiny_corpus.sentence_index["tiny-one-001"].text
    assert first["top_technique"] == "loaded-language"
    assert first["top_share"] == pytest.approx(2 / 3, abs=1e-4)
    agreed = table.set_index("sentence_id").loc["tiny-one-002"]
    assert agreed["technique_disagreement"] == 0
    assert len(hotspots(labels, tiny_corpus, top=1)) == 1


def test_coverage(labels, tiny_corpus):
    table = coverage(labels, tiny_corpus).set_index("article_id")
    assert table.loc["tiny-one", "learners"] == 3
    assert table.loc["tiny-one", "finished"] == 0  # three sentences, at most two labelled
    assert table.loc["tiny-one", "median_share"] == pytest.approx(2 / 3, abs=1e-4)
    assert table.loc["tiny-two", "learners"] == 1


def test_changed_minds():
    """Are only changes of value counted, per sentence, with how many learners changed?"""
    rows = [
        label("ana", "tiny-one-001", techniques="a", saved_at="2026-01-05T09:00:00+00:00"),
        label("ana", "tiny-one-001", techniques="b", saved_at="2026-01-05T09:00:02+00:00"),
        label("ana", "tiny-one-001", techniques="b", saved_at="2026-01-05T09:00:03+00:00"),
        label("ben", "tiny-one-001", techniques="a", saved_at="2026-01-05T09:00:05+00:00"),
        label(
            "ben",
            "tiny-one-001",
            techniques="",
            status="cleared",
            saved_at="2026-01-05T09:00:06+00:00",
        ),  # fmt: skip
        label("ben", "tiny-one-002", techniques="a", saved_at="2026-01-05T09:00:00+00:00"),
    ]
    history = pd.DataFrame(rows[::-1], columns=list(LABEL_COLUMNS))  # order must not matter
    table = changed_minds(history)
    assert table.to_dict("records") == [
        {"article_id": "tiny-one", "sentence_id": "tiny-one-001", "changes": 2, "learners": 2}
    ]
    assert "target" in changed_minds(history, by_target=True)


def test_big_class_tables_stay_small(tmp_path, tiny_corpus, stub_codebook):
    """Does chart data stay the same size whether 20 or 400 learners took part?"""
    sizes = []
    for learners in (20, 400):
        folder = tmp_path / str(learners)
        simulate_class(
            folder,
            learners=learners,
            seed=1,
            corpus=tiny_corpus,
            codebook=stub_codebook,
            answers_dir=tmp_path / "none",
        )
        result = collect([folder], corpus=tiny_corpus, codebook=stub_codebook)
        tables = [
            technique_counts(result.labels, stub_codebook.technique_ids),
            stance_counts(result.labels, tiny_corpus),
            hotspots(result.labels, tiny_corpus),
            coverage(result.labels, tiny_corpus),
        ]
        sizes.append([len(t) for t in tables])
        assert payload_bytes(*tables) < 20_000
        assert not math.isnan(tables[2]["disagreement"].iloc[0])
    assert sizes[0] == sizes[1]
