"""Tests for widgets/glossary.py: the real glossary, and a faulty one named entry by entry."""

from __future__ import annotations

import pytest

from widgets.content.glossary import GlossaryError, load_glossary


def test_the_glossary_defines_the_terms_issue_15_names():
    """Are standfirst, hedge, frame, attribution, scare quotes, straw man, whataboutism
    and α all defined?"""
    terms = {entry.term.casefold(): entry for entry in load_glossary()}
    for needed in ("standfirst", "hedge", "frame", "attribution", "scare quotes", "straw man"):
        assert needed in terms
    assert "whataboutism" in terms
    assert any("α" in term for term in terms)
    assert all(len(entry.definition) > 20 for entry in terms.values())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("terms: []\n", "non-empty list"),
        ("terms:\n  - term: a\n", "term #1: needs exactly"),
        ("terms:\n  - {term: a, definition: b}\n  - {term: A, definition: c}\n", "appears twice"),
        ("terms:\n  - {term: a, definition: 3}\n", "must be text"),
        ("terms: [\n", "not valid YAML"),
    ],
)
def test_a_faulty_glossary_names_the_problem(tmp_path, content, message):
    path = tmp_path / "glossary.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GlossaryError, match=message):
        load_glossary(path)
