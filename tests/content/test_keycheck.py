"""Tests for widgets/keycheck.py and ``rhetoric-lab check-key``: does the checker pass the
real key, and does it catch each way a key can break the codebook's rules?"""

from __future__ import annotations

import dataclasses
import shutil

import pandas as pd
import pytest

from widgets import paths
from widgets.cli import main
from widgets.content.answers import load_contested, load_key
from widgets.content.codebook import load_codebook
from widgets.content.corpus import load_corpus
from widgets.content.keycheck import check_key, cue_pattern, hint_cues, render_key_check

REAL_ANSWERS = paths.REPO_ROOT / "answers"


@pytest.fixture(scope="module")
def real():
    corpus = load_corpus()
    codebook = load_codebook(corpus=corpus)
    return load_key(), load_contested(), corpus, codebook


def _checks(result):
    return {(p.check, p.where) for p in result.problems}


def _row(key, sentence_id, target=""):
    (index,) = key.index[(key["sentence_id"] == sentence_id) & (key["target"] == target)]
    return index


def test_the_real_key_keeps_every_rule(real):
    """Does the shipped key pass every check (what `check-key` runs in CI)?"""
    key, contested, corpus, codebook = real
    result = check_key(key, contested, corpus, codebook)
    assert result.ok, render_key_check(result)
    assert result.n_sentences == 227
    assert result.version == codebook.version


def test_check_key_command_prints_a_table_and_exits_zero(capsys):
    """Does the command an editor runs pass on the repo and print the cue table?"""
    assert main(["check-key"]) == 0
    out = capsys.readouterr().out
    assert "All checks pass" in out
    assert "Cues (hint cues the key tags only sometimes" in out
    assert "A = when-will-starmer-talk-to-putin" in out


def test_check_key_command_fails_on_a_broken_key(tmp_path, capsys):
    """Does the command exit 1 and name the sentence when a key row is missing?"""
    answers = tmp_path / "answers"
    shutil.copytree(REAL_ANSWERS / "key", answers / "key")
    shutil.copytree(REAL_ANSWERS / "contested", answers / "contested")
    path = answers / "key" / "ceasefire-coalition-momentum.csv"
    key = pd.read_csv(path, dtype=str, keep_default_na=False)
    key = key[key["sentence_id"] != "ceasefire-coalition-momentum-012"]
    key.to_csv(path, index=False)
    assert main(["check-key", "--answers-dir", str(answers), "--cues", "none"]) == 1
    out = capsys.readouterr().out
    assert "coverage  ceasefire-coalition-momentum-012" in out
    assert "Cues" not in out


def test_check_key_command_reports_unreadable_answers(tmp_path, capsys):
    """Does a missing key folder give a clear message and exit 2?"""
    assert main(["check-key", "--answers-dir", str(tmp_path)]) == 2
    assert "answer key" in capsys.readouterr().err


def test_an_untagged_codebook_example_is_named(real):
    """Is the example sentence of a technique that the key does not tag reported?"""
    key, contested, corpus, codebook = real
    key = key.copy()
    # W-016 is the example of prediction-as-fact.
    key.loc[_row(key, "when-will-starmer-talk-to-putin-016"), "techniques"] = ""
    result = check_key(key, contested, corpus, codebook)
    assert ("example", "when-will-starmer-talk-to-putin-016") in _checks(result)


def test_missing_rows_old_versions_and_bare_stances_are_named(real):
    """Are a missing stance row, an old codebook version and a favor with no rationale
    each reported, all in one result?"""
    key, contested, corpus, codebook = real
    key = key.copy()
    key = key.drop(_row(key, "starmer-defies-putin-010", "keir-starmer"))
    key.loc[_row(key, "starmer-defies-putin-011"), "codebook_version"] = "2026.1"
    key.loc[_row(key, "starmer-defies-putin-002", "keir-starmer"), "note"] = ""
    result = check_key(key, contested, corpus, codebook)
    checks = _checks(result)
    assert ("coverage", "starmer-defies-putin-010") in checks
    assert ("version", "starmer-defies-putin-011") in checks
    assert ("rationale", "starmer-defies-putin-002") in checks
    assert not result.ok
    text = render_key_check(result, cues="none")
    assert "problem(s)" in text and "1 version" in text


def test_summary_rows_are_required(real):
    """Is an article without its overall stance or main frame reported?"""
    key, contested, corpus, codebook = real
    key = key.copy()
    key = key.drop(_row(key, "summary", "us-security-backstop"))
    key.loc[
        (key["article_id"] == "starmer-defies-putin")
        & (key["sentence_id"] == "summary")
        & (key["target"] == ""),
        "frame",
    ] = "not-a-frame"
    problems = check_key(key, contested, corpus, codebook).problems
    summary = [p for p in problems if p.check == "summary"]
    assert {p.where for p in summary} == {
        "press-trump-security-guarantees summary",
        "starmer-defies-putin summary",
    }


def test_a_contested_reading_equal_to_the_key_is_reported(real):
    """Is a 'contested' reading that is just the key's own answer caught?"""
    key, contested, corpus, codebook = real
    contested = pd.concat(
        [
            contested,
            pd.DataFrame(
                [
                    {
                        "article_id": "press-trump-security-guarantees",
                        "sentence_id": "press-trump-security-guarantees-005",
                        "target": "us-security-backstop",
                        "alt_techniques": "",
                        "alt_stance": "none",
                        "why": "Reported, so none.",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    result = check_key(key, contested, corpus, codebook)
    assert ("contested", "press-trump-security-guarantees-005") in _checks(result)


def test_a_cue_shared_without_a_tell_apart_note_is_reported(real):
    """Rule 7: is a cue named by two techniques' hints that no note separates caught?"""
    key, contested, corpus, codebook = real
    techniques = tuple(
        dataclasses.replace(t, hint=t.hint + ' Also "desperate".')
        if t.id in ("loaded-language", "distraction")
        else t
        for t in codebook.techniques
    )
    broken = dataclasses.replace(codebook, techniques=techniques)
    problems = [p for p in check_key(key, contested, corpus, broken).problems if p.check == "cue"]
    assert [p.where for p in problems] == ["“desperate”"]
    assert "distraction and loaded-language" in problems[0].detail


def test_the_issue_15_cue_clashes_are_gone(real):
    """Are "mere" and "the party of peace" cued for one technique only, and is "could"
    shared only by techniques whose tell-apart note separates them?"""
    _key, _contested, _corpus, codebook = real
    cues = hint_cues(codebook)
    owners = {}
    for technique_id, technique_cues in cues.items():
        for cue in technique_cues:
            owners.setdefault(cue.lower(), set()).add(technique_id)
    assert owners["mere"] == {"casting-doubt"}
    assert owners["the party of peace"] == {"name-calling"}
    assert owners["could"] == {"appeal-to-fear", "hedged-claim"}


def test_cue_uses_list_where_the_key_tags_a_cue_and_where_not(real):
    """Does the cue table show each occurrence with the key's tags?"""
    key, contested, corpus, codebook = real
    result = check_key(key, contested, corpus, codebook)
    (use,) = [u for u in result.cues if u.cue == "could" and u.technique_id == "hedged-claim"]
    assert use.found == len(use.tagged) + len(use.untagged) and use.mixed
    for sentence_id, tags in use.tags:
        assert ("hedged-claim" in tags) == (sentence_id in use.tagged)
    everything = render_key_check(result, cues="all")
    mixed_only = render_key_check(result, cues="mixed")
    assert len(everything) > len(mixed_only)


@pytest.mark.parametrize(
    ("cue", "text", "found"),
    [
        ("could", "It could depend on it.", True),
        ("could", "Couldron is not a word.", False),
        ("either … or", "either the one thing or the other", True),
        ("Their mission? To…", "Their mission? To “derail Trump’s peace initiatives.”", True),
        ("…, right?", "A cocktail, right?", True),
    ],
)
def test_cue_patterns_match_whole_words_and_ellipses(cue, text, found):
    assert bool(cue_pattern(cue).search(text)) is found
