"""Tests for widgets/diagnostic.py: the diagnostic data and first-versus-now answers."""

from __future__ import annotations

import pandas as pd
import pytest

from widgets.content.diagnostic import Diagnostic, diagnostic_progress, load_diagnostic
from widgets.schema import LABEL_COLUMNS


def _row(sentence_id, target, saved_at, *, techniques="", stance="", status="set"):
    row = dict.fromkeys(LABEL_COLUMNS, "")
    row.update(
        learner="ana",
        article_id="a",
        sentence_id=sentence_id,
        target=target,
        techniques=techniques,
        stance=stance,
        status=status,
        saved_at=saved_at,
    )
    return row


def test_the_real_diagnostic_has_six_sentences_of_one_article():
    test = load_diagnostic()
    assert len(test.sentence_ids) == 6 and len(test.probes) == 6
    assert all(test.probes)
    assert test.targets == ("keir-starmer", "coalition-of-the-willing")


def test_first_answer_now_and_key_line_up():
    """Is the first saved answer kept apart from the latest, and compared with the key?"""
    test = Diagnostic("a", ("a-001", "a-002"), ("p1", "p2"), ("t",))
    history = pd.DataFrame(
        [
            _row("a-001", "", "2026-01-01T10:00:00+00:00", techniques="loaded-language"),
            _row("a-001", "t", "2026-01-01T10:00:01+00:00", stance="favor"),
            _row("a-001", "", "2026-02-01T10:00:00+00:00", techniques=""),
            _row("a-001", "t", "2026-02-01T10:00:01+00:00", stance="none"),
            _row("a-002", "", "2026-01-01T10:01:00+00:00", techniques="hedged-claim"),
        ]
    )
    key = pd.DataFrame(
        [
            _row("a-001", "", "", techniques=""),
            _row("a-001", "t", "", stance="none"),
            _row("a-002", "", "", techniques="hedged-claim"),
            _row("a-002", "t", "", stance="none"),
        ]
    )
    table = diagnostic_progress(history, test, key=key).set_index(["sentence_id", "decision"])
    assert table.loc[("a-001", "techniques"), "first"] == "loaded-language"
    assert table.loc[("a-001", "techniques"), "now"] == "no technique"
    assert table.loc[("a-001", "stance: t"), ["first", "now", "key"]].tolist() == [
        "favor",
        "none",
        "none",
    ]
    assert not table.loc[("a-001", "stance: t"), "first_agrees"]
    assert table.loc[("a-001", "stance: t"), "now_agrees"]
    assert table.loc[("a-002", "techniques"), "first_agrees"]
    assert table.loc[("a-002", "stance: t"), "first"] == ""  # never labelled
    assert not table.loc[("a-002", "stance: t"), "now_agrees"]


def test_looking_at_the_key_is_no_answer():
    """A reveal row (status revealed, after the learner's labels) changes neither the
    first answer nor the answer now: the current-labels rule skips it."""
    test = Diagnostic("a", ("a-001",), ("p",), ())
    history = pd.DataFrame(
        [
            _row("a-001", "", "2026-01-01T10:00:00+00:00", techniques="loaded-language"),
            _row("a-001", "", "2026-01-02T10:00:00+00:00", status="revealed"),
        ]
    )
    table = diagnostic_progress(history, test).set_index(["sentence_id", "decision"])
    assert table.loc[("a-001", "techniques"), ["first", "now"]].tolist() == [
        "loaded-language",
        "loaded-language",
    ]


def test_without_a_key_only_first_and_now_are_shown():
    test = Diagnostic("a", ("a-001",), ("p",), ())
    history = pd.DataFrame([_row("a-001", "", "2026-01-01T10:00:00+00:00", techniques="")])
    table = diagnostic_progress(history, test)
    assert list(table.columns) == ["sentence_id", "decision", "first", "now"]


def test_a_bad_diagnostic_file_names_the_problem(tmp_path):
    path = tmp_path / "diagnostic.yml"
    path.write_text(
        "article_id: ceasefire-coalition-momentum\nsentences:\n  - sentence_id: nope\n",
        encoding="utf-8",
    )
    from widgets.content.corpus import load_corpus

    with pytest.raises(ValueError, match="sentence #1 is not a sentence"):
        load_diagnostic(path, corpus=load_corpus())
