"""Is "which save is current" one rule, the same wherever labels are read?

The current label of a key is its latest save; ``cleared`` withdraws it; rows of another
kind (a ``status`` that is not a label's) never count. The label store, self-check, the
lesson helpers, the agreement views and the report all call
:func:`widgets.labelling.current.current_labels` (or, row by row, ``supersedes``)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets.analysis.coding import prepare_labels
from widgets.labelling.current import current_labels, is_label_row, supersedes
from widgets.schema import KEY_COLUMNS, LABEL_COLUMNS


def row(learner="ann", sentence="s1", target="", status="set", saved_at="2026-01-01T10:00", **kw):
    values = dict.fromkeys(LABEL_COLUMNS, "")
    values.update(
        learner=learner,
        article_id="a",
        sentence_id=sentence,
        target=target,
        status=status,
        saved_at=saved_at,
        **kw,
    )
    return values


def test_latest_save_wins_and_cleared_withdraws():
    rows = pd.DataFrame(
        [
            row(techniques="x", saved_at="2026-01-01T10:00"),
            row(techniques="y", saved_at="2026-01-01T11:00"),
            row(sentence="s2", techniques="x", saved_at="2026-01-01T10:00"),
            row(sentence="s2", status="cleared", saved_at="2026-01-01T12:00"),
        ]
    )
    current = current_labels(rows)
    assert current[["sentence_id", "techniques"]].values.tolist() == [["s1", "y"]]


def test_rows_of_another_kind_are_skipped_and_never_supersede_a_label():
    rows = pd.DataFrame(
        [
            row(techniques="x", saved_at="2026-01-01T10:00"),
            row(status="revealed", saved_at="2026-01-01T11:00"),
        ]
    )
    assert current_labels(rows)["techniques"].tolist() == ["x"]
    assert not is_label_row(rows.iloc[1].to_dict())


def test_same_instant_goes_to_the_later_row_as_the_store_reads_it():
    first, second = row(techniques="x"), row(techniques="y")
    assert current_labels(pd.DataFrame([first, second]))["techniques"].tolist() == ["y"]
    assert supersedes(second, first)
    assert not supersedes(row(saved_at="2026-01-01T09:00"), first)


def test_category_columns_give_the_same_labels():
    rows = pd.DataFrame(
        [row(techniques="x"), row(techniques="y", saved_at="2026-01-02T00:00"), row("bo")]
    )
    plain = current_labels(rows)
    coded = current_labels(rows.astype("category"))
    assert coded.astype(str).values.tolist() == plain.values.tolist()


def test_several_rows_for_a_key_need_saved_at():
    rows = pd.DataFrame([row(), row()]).drop(columns="saved_at")
    with pytest.raises(ValueError, match="saved_at"):
        current_labels(rows)


keys = st.tuples(st.sampled_from(["ann", "bo"]), st.sampled_from(["s1", "s2"]))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(keys, st.sampled_from(["set", "cleared", "revealed"]), st.integers(0, 5)),
        max_size=12,
    )
)
def test_agrees_with_replaying_the_log_row_by_row(saves):
    """The frame rule and the store's row-by-row rule give the same current labels."""
    rows = [
        row(learner, sentence, status=status, saved_at=f"2026-01-01T10:0{minute}", note=str(i))
        for i, ((learner, sentence), status, minute) in enumerate(saves)
    ]
    replayed: dict = {}
    for values in rows:
        key = tuple(values[c] for c in KEY_COLUMNS)
        if is_label_row(values) and supersedes(values, replayed.get(key)):
            replayed[key] = values
    expected = sorted(v["note"] for v in replayed.values() if v["status"] == "set")
    frame = pd.DataFrame(rows, columns=list(LABEL_COLUMNS))
    assert sorted(current_labels(frame)["note"]) == expected


def test_the_agreement_views_read_a_history_through_the_same_rule():
    history = pd.DataFrame(
        [
            row("ann", techniques="x"),
            row("ann", techniques="y", saved_at="2026-01-01T11:00"),
            row("bo", techniques="y"),
            row("bo", status="cleared", saved_at="2026-01-01T11:00"),
        ]
    )
    prepared = prepare_labels(history)
    assert list(prepared.learners) == ["ann"]
    assert prepared.technique_sets == (frozenset({"y"}),)
