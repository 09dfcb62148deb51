"""Tests for widgets/content/codebook.py: the real codebook, and every way a hand-edited one can
be wrong (each error must name the entry to fix)."""

from __future__ import annotations

import copy
import dataclasses
import os
import re

import pandas as pd
import pytest
import yaml

from widgets import paths
from widgets.content.codebook import (
    CodebookError,
    load_codebook,
    normalise_whitespace,
    validate_against_corpus,
)
from widgets.content.corpus import load_corpus
from widgets.schema import STANCES

REAL_CODEBOOK = paths.REPO_ROOT / "data" / "codebook.yml"
REAL_DATA = paths.REPO_ROOT / "data"

SEMEVAL_CATEGORIES = {
    "attack-on-reputation",
    "justification",
    "simplification",
    "distraction",
    "call",
    "manipulative-wording",
}
ARTICLE_TARGETS = {
    "keir-starmer",
    "uk-talking-to-russia",
    "coalition-of-the-willing",
    "long-range-missiles-for-ukraine",
    "european-troops-in-ukraine",
    "us-security-backstop",
}


# --- the real codebook ------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_corpus():
    return load_corpus(REAL_DATA)


@pytest.fixture(scope="module")
def real(real_corpus):
    return load_codebook(REAL_CODEBOOK, corpus=real_corpus)


def test_real_codebook_loads_with_a_version_and_sources(real):
    """Does the shipped codebook load, carry a version and cite its grounding?"""
    assert real.version == "2026.2"
    cited = " ".join(real.sources)
    for author in ("Piskorski", "Mohammad", "Semetko"):
        assert author in cited


def test_real_codebook_has_15_to_20_techniques_in_semeval_and_journalistic_categories(real):
    """Are there 15-20 techniques covering all six SemEval families plus journalism?

    2026.1 had 17; 2026.2 adds appeal to popularity and rhetorical question (issue 15)."""
    assert 15 <= len(real.techniques) <= 20
    assert {"appeal-to-popularity", "rhetorical-question"} <= set(real.technique_ids)
    assert real.technique("appeal-to-popularity").category == "justification"
    assert set(real.category_ids) == SEMEVAL_CATEGORIES | {"journalistic-devices"}
    for category in real.category_ids:
        assert real.techniques_in(category), f"category {category} has no techniques"
    journalistic = {t.id for t in real.techniques_in("journalistic-devices")}
    assert {
        "direct-quotation",
        "unnamed-source",
        "hedged-claim",
        "prediction-as-fact",
        "analogy-or-metaphor",
    } <= journalistic


def test_every_example_is_a_verbatim_part_of_one_sentence_of_its_article(real, real_corpus):
    """Is each example copied exactly from a single sentence of the named article?"""
    for technique in real.techniques:
        sentences = real_corpus.article(technique.example_article).sentences
        hits = [s.sentence_id for s in sentences if technique.example in s.text]
        assert hits, f"{technique.id}: example not in any sentence"
    # The same check the loader runs must pass without raising.
    validate_against_corpus(real, real_corpus)


def test_examples_also_match_the_raw_article_files(real, real_corpus):
    """Are the examples faithful to the seed texts as given, not only the cleaned CSVs?

    The raw files keep their non-breaking hyphens (U+2011); the articles and examples
    use ordinary ones since 2026.2, so that one typographic change is undone here."""
    raw = {
        a.article_id: (REAL_DATA / a.source_file).read_text(encoding="utf-8").replace("\u2011", "-")
        for a in real_corpus.articles
    }
    validate_against_corpus(real, raw)


def test_examples_come_from_every_article(real, real_corpus):
    """Does every article supply at least one example (so learners meet all five)?"""
    assert {t.example_article for t in real.techniques} == set(real_corpus.article_ids)


def test_keys_are_single_unique_and_not_reserved(real):
    """Are technique keys one character, unique, and clear of panel and stance keys?"""
    keys = [t.key for t in real.techniques]
    assert all(len(k) == 1 for k in keys)
    assert len({k.lower() for k in keys}) == len(keys)
    reserved = set(real.reserved_keys) | {s.key for s in real.stances} | {real.no_technique_key}
    assert set("fanjkuh?tsx") <= set(real.reserved_keys)
    assert not reserved & {k.lower() for k in keys}


def test_digit_keys_come_first_then_letters(real):
    """Do the first ten techniques take 1-9 and 0, in order, and the rest letters?"""
    keys = [t.key for t in real.techniques]
    assert keys[:10] == list("1234567890")
    assert all(k.isalpha() for k in keys[10:])


def test_new_techniques_take_keys_that_were_free(real):
    """Do the techniques added in 2026.2 use letters free in 2026.1 (b c d g l o r y z)?"""
    assert real.technique("appeal-to-popularity").key in set("bcdglorz")
    assert real.technique("rhetorical-question").key in set("bcdglorz")


def test_every_technique_has_a_non_example(real):
    """Does every technique show a non-example (a look-alike and why it is not one)?"""
    for technique in real.techniques:
        assert len(technique.non_example) > 30, technique.id


def test_tell_apart_groups_cover_the_confusions_named_in_issue_15(real):
    """Is there a tell-apart note for each group learners confuse most?"""
    groups = {frozenset(g.techniques) for g in real.tell_apart}
    for group in (
        {"loaded-language", "exaggeration-minimisation"},
        {"hedged-claim", "unnamed-source", "vagueness"},
        {"appeal-to-authority", "unnamed-source"},
        {"name-calling", "loaded-language", "casting-doubt"},
        {"prediction-as-fact", "hedged-claim", "appeal-to-fear"},
        {"call-to-action", "appeal-to-values", "appeal-to-popularity"},
    ):
        assert frozenset(group) in groups, group
    notes = real.tell_apart_for("unnamed-source")
    assert {frozenset(n.techniques) for n in notes} >= {
        frozenset({"hedged-claim", "unnamed-source", "vagueness"}),
        frozenset({"appeal-to-authority", "unnamed-source"}),
    }
    assert all("unnamed-source" in n.techniques for n in notes)
    with pytest.raises(KeyError):
        real.tell_apart_for("repetition")


def test_left_out_techniques_say_why(real):
    """Is repetition left out with a reason, and not offered as a technique?"""
    (repetition,) = [entry for entry in real.left_out if entry.id == "repetition"]
    assert "sentence" in repetition.reason
    assert "repetition" not in real.technique_ids


def test_the_coding_rules_state_each_rule_of_issue_15_once(real):
    """Are the decided rules written in the codebook (stance, responsibility, labels,
    sources, quotations, authority, cues, the technique set)?"""
    rules = " ".join(real.coding_rules)
    for phrase in (
        "Stance is the text's own stance",
        "counts toward Keir Starmer when the text makes him or his government responsible",
        "even when it is accurate",
        "Agentless passives",
        "Techniques inside quotations are tagged",
        "An unnamed source alone is not one",
        "every word a hint names as a cue belongs to one technique",
        "repetition is left out",
    ):
        assert rules.count(phrase) == 1, phrase
    # The stance definitions say the same, no longer "in words it quotes".
    for stance in real.stances:
        assert "in words it quotes" not in stance.definition
    assert "aggressor" in real.technique("name-calling").coding_note


def test_frames_have_definitions_and_examples_from_the_articles(real, real_corpus):
    """Does each of the seven frames carry an example copied from an article?"""
    assert len(real.frames) == 7
    for frame in real.frames:
        text = " ".join(s.text for s in real_corpus.article(frame.example_article).sentences)
        assert frame.example in text, frame.id


def test_stances_targets_and_frames(real, real_corpus):
    """Are the three stances keyed f/a/n, every article target defined, frames present?"""
    assert real.stance_ids == STANCES
    assert [s.key for s in real.stances] == ["f", "a", "n"]
    assert real.no_technique_key == "x"
    assert set(real.target_ids) == ARTICLE_TARGETS
    for article in real_corpus.articles:
        assert "keir-starmer" in article.targets
        assert set(article.targets) <= set(real.target_ids)
    for target in real.targets:
        assert "Favor =" in target.description and "against =" in target.description
    assert {
        "conflict",
        "responsibility",
        "economic-consequences",
        "human-interest",
        "morality",
        "strategy-game",
        "security-threat",
    } <= set(real.frame_ids)


def test_lookups(real):
    """Do the lookups the panel uses answer by id and by key, in any case?"""
    loaded = real.technique("loaded-language")
    assert loaded.category == "manipulative-wording"
    assert real.technique_by_key(loaded.key) == loaded
    quotation = real.technique("direct-quotation")
    assert real.technique_by_key(quotation.key.upper()) == quotation
    assert real.technique_by_key("x") is None
    assert real.technique_by_key("f") is None
    assert real.stance_by_key("A").id == "against"
    assert real.target("keir-starmer").name == "Keir Starmer"
    assert real.frame("conflict").name == "Conflict"
    with pytest.raises(KeyError, match="unknown technique 'nope'.*loaded-language"):
        real.technique("nope")
    with pytest.raises(KeyError, match="unknown category"):
        real.techniques_in("nope")
    simplification = real.techniques_in("simplification")
    assert [t.category for t in simplification] == ["simplification"] * len(simplification)


def test_to_frame_lists_every_technique_for_display(real):
    """Does to_frame give one row per technique with its category's name?"""
    frame = real.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["id"]) == list(real.technique_ids)
    assert list(frame.columns[:4]) == ["key", "id", "name", "category"]
    row = frame.set_index("id").loc["appeal-to-fear"]
    assert row["category_name"] == "Justification"
    assert row["example"] == real.technique("appeal-to-fear").example


def test_codebook_is_frozen(real):
    """Can a caller accidentally change the codebook in place?"""
    with pytest.raises(dataclasses.FrozenInstanceError):
        real.version = "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        real.techniques[0].key = "z"


def test_default_path_comes_from_the_data_dir(monkeypatch, tmp_path):
    """Does load_codebook() with no path read <data_dir>/codebook.yml?"""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    write(folder / "codebook.yml", minimal_codebook(version="from-env"))
    monkeypatch.setenv("RHETORIC_LAB_DATA", str(folder))
    assert load_codebook().version == "from-env"


def test_real_codebook_errors_name_the_repo_relative_path(monkeypatch, tmp_path):
    """Run from the repo, does a message name data/codebook.yml as a user would type it?"""
    data = tmp_path / "data"
    data.mkdir()
    broken = yaml.safe_load(REAL_CODEBOOK.read_text(encoding="utf-8"))
    (loaded,) = [t for t in broken["techniques"] if t["id"] == "loaded-language"]
    del loaded["hint"]
    write(data / "codebook.yml", broken)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CodebookError) as caught:
        load_codebook(data / "codebook.yml")
    assert (
        str(caught.value) == "data/codebook.yml: technique 'loaded-language': missing field 'hint'"
    )


# --- a small codebook in tmp_path, broken one way at a time ---------------------------


def minimal_codebook(version="test-1"):
    """A valid codebook whose examples come from the conftest tiny corpus."""
    return {
        "version": version,
        "sources": ["A reference."],
        "keymap": {
            "no-technique": ["x"],
            "cycle-target": ["t"],
            "next": ["j", "ArrowRight"],
            "previous": ["k", "ArrowLeft"],
            "summary": ["s"],
            "undo": ["u"],
            "help": ["h", "?"],
        },
        "categories": [
            {"id": "manipulative-wording", "name": "Wording", "description": "Words."},
            {"id": "journalistic-devices", "name": "Journalism", "description": "Sources."},
        ],
        "techniques": [
            {
                "id": "loaded-language",
                "name": "Loaded language",
                "category": "manipulative-wording",
                "definition": "Emotional words.",
                "hint": "Look for feeling.",
                "example": "It is a disgrace,",
                "example_article": "tiny-one",
                "key": "1",
            },
            {
                "id": "direct-quotation",
                "name": "Direct quotation",
                "category": "journalistic-devices",
                "definition": "Exact words.",
                "hint": "Quotation marks.",
                "example": "“It is a disgrace,” he said.",
                "example_article": "tiny-one",
                "key": "q",
            },
            {
                "id": "hedged-claim",
                "name": "Hedged claim",
                "category": "journalistic-devices",
                "definition": "Not known.",
                "hint": "It is thought.",
                "example": "It is thought that talks will resume.",
                "example_article": "tiny-two",
                "key": "2",
            },
        ],
        "stances": [
            {"id": "favor", "name": "Favor", "key": "f", "definition": "Supports."},
            {"id": "against", "name": "Against", "key": "a", "definition": "Opposes."},
            {"id": "none", "name": "None", "key": "n", "definition": "Neither."},
        ],
        "targets": [
            {"id": "keir-starmer", "name": "Keir Starmer", "description": "The PM."},
            {"id": "issue", "name": "Issue", "description": "An issue."},
        ],
        "frames": [
            {"id": "conflict", "name": "Conflict", "definition": "A clash."},
            {"id": "strategy-game", "name": "Strategy", "definition": "Moves."},
        ],
    }


def write(path, data):
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working folder holding the codebook; messages then name it "codebook.yml"."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load_error(folder, data, corpus=None) -> str:
    path = write(folder / "codebook.yml", data)
    with pytest.raises(CodebookError) as caught:
        load_codebook(path, corpus=corpus)
    return str(caught.value)


def test_minimal_codebook_is_valid(folder, tiny_corpus):
    """Is the fixture itself valid, so each test below breaks exactly one thing?"""
    codebook = load_codebook(write(folder / "codebook.yml", minimal_codebook()), corpus=tiny_corpus)
    assert codebook.technique_ids == ("loaded-language", "direct-quotation", "hedged-claim")
    assert codebook.sources == ("A reference.",)


def test_bad_yaml_reports_the_line(folder):
    """Does a YAML syntax error say which line to look at?"""
    text = yaml.safe_dump(minimal_codebook(), allow_unicode=True, sort_keys=False)
    lines = text.splitlines()
    broken = lines.index("  hint: Look for feeling.")
    lines[broken] = '  hint: "Look for feeling.'  # unclosed quote
    (folder / "codebook.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(folder / "codebook.yml")
    message = str(caught.value)
    assert message.startswith("codebook.yml: not valid YAML at line ")
    reported = int(re.search(r"at line (\d+)", message).group(1))
    # PyYAML notices an unclosed quote where the file ends; the line must be real.
    assert broken + 1 <= reported <= len(lines) + 1


def test_yaml_error_line_points_at_the_fault(folder):
    """A colon inside an unquoted value is a common slip; is its own line reported?"""
    text = 'version: "1"\ncategories:\n  - id: a\n    name: Call: to action\n    description: d\n'
    (folder / "codebook.yml").write_text(text, encoding="utf-8")
    with pytest.raises(
        CodebookError, match=r"not valid YAML at line 4, column \d+: mapping values"
    ):
        load_codebook(folder / "codebook.yml")


def test_tab_indentation_reports_the_line(folder):
    (folder / "codebook.yml").write_text('version: "1"\n\tcategories: []\n', encoding="utf-8")
    with pytest.raises(CodebookError, match="line 2"):
        load_codebook(folder / "codebook.yml")


def test_repeated_field_in_one_entry_is_refused(folder):
    """PyYAML would keep the last of two `hint:` lines; do we refuse instead?"""
    text = yaml.safe_dump(minimal_codebook(), allow_unicode=True, sort_keys=False)
    text = text.replace(
        "  hint: Look for feeling.\n", "  hint: Look for feeling.\n  hint: Again.\n"
    )
    (folder / "codebook.yml").write_text(text, encoding="utf-8")
    with pytest.raises(
        CodebookError, match=r"line \d+.*duplicate key 'hint' \(first on line \d+\)"
    ):
        load_codebook(folder / "codebook.yml")


@pytest.mark.parametrize("content", ["", "- just\n- a list\n"])
def test_file_that_is_not_a_mapping(folder, content):
    (folder / "codebook.yml").write_text(content, encoding="utf-8")
    with pytest.raises(CodebookError, match="codebook.yml: must be a mapping of sections"):
        load_codebook(folder / "codebook.yml")


def test_file_that_is_not_utf8(folder):
    (folder / "codebook.yml").write_bytes('sources: []\nversion: "café"\n'.encode("latin-1"))
    with pytest.raises(CodebookError, match=r"codebook.yml: not UTF-8 text at line 2 \("):
        load_codebook(folder / "codebook.yml")


def test_missing_file_names_the_path(folder):
    with pytest.raises(FileNotFoundError, match="nothere.yml: codebook file not found"):
        load_codebook(folder / "nothere.yml")


def test_missing_version(folder):
    data = minimal_codebook()
    del data["version"]
    assert "codebook.yml: missing 'version'" in load_error(folder, data)


def test_unquoted_numeric_version_is_refused(folder):
    """`version: 2026.10` would silently become 2026.1; is it refused with a fix?"""
    data = minimal_codebook()
    data["version"] = 2026.1
    message = load_error(folder, data)
    assert "'version' must be non-empty text in quotes" in message


@pytest.mark.parametrize(
    "section, singular, entry_id",
    [
        ("techniques", "technique", "loaded-language"),
        ("targets", "target", "keir-starmer"),
        ("frames", "frame", "conflict"),
        ("categories", "category", "manipulative-wording"),
    ],
)
def test_duplicate_ids_name_the_entry(folder, section, singular, entry_id):
    """Is a repeated id reported with the section, the id and the first occurrence?"""
    data = minimal_codebook()
    twin = copy.deepcopy(data[section][0])
    if "key" in twin:
        twin["key"] = "9"
    data[section].append(twin)
    position = len(data[section])
    message = load_error(folder, data)
    assert f"codebook.yml: {singular} #{position}" not in message  # named by id, not number
    assert f"codebook.yml: {singular} '{entry_id}': duplicate id (also {singular} #1)" in message


def test_missing_field_names_the_technique_and_field(folder):
    data = minimal_codebook()
    del data["techniques"][0]["hint"]
    assert load_error(folder, data) == (
        "codebook.yml: technique 'loaded-language': missing field 'hint'"
    )


def test_entry_without_id_is_named_by_position(folder):
    data = minimal_codebook()
    del data["targets"][1]["id"]
    assert "codebook.yml: target #2: missing field 'id'" in load_error(folder, data)


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_field_names_the_entry(folder, value):
    data = minimal_codebook()
    data["frames"][1]["definition"] = value
    message = load_error(folder, data)
    assert "codebook.yml: frame 'strategy-game': field 'definition' is empty" in message


def test_non_text_field_names_the_entry(folder):
    data = minimal_codebook()
    data["techniques"][0]["key"] = 1
    message = load_error(folder, data)
    assert "technique 'loaded-language': field 'key' must be text (put it in quotes)" in message


def test_misspelt_field_is_reported(folder):
    """Would `defintion:` be silently ignored? It must be named as unknown."""
    data = minimal_codebook()
    data["categories"][0]["descripton"] = "typo"
    message = load_error(folder, data)
    assert "category 'manipulative-wording': unknown field 'descripton'" in message


def test_unknown_section_is_reported(folder):
    data = minimal_codebook()
    data["technique"] = []
    assert "codebook.yml: unknown section 'technique'" in load_error(folder, data)


def test_missing_section(folder):
    data = minimal_codebook()
    del data["frames"]
    assert "codebook.yml: missing section 'frames'" in load_error(folder, data)


def test_id_must_be_kebab_case(folder):
    data = minimal_codebook()
    data["techniques"][0]["id"] = "Loaded_Language"
    message = load_error(folder, data)
    assert "technique 'Loaded_Language': id must be kebab-case" in message


def test_unknown_category(folder):
    data = minimal_codebook()
    data["techniques"][2]["category"] = "journalism"
    message = load_error(folder, data)
    assert "codebook.yml: technique 'hedged-claim': unknown category 'journalism'" in message


def test_two_techniques_with_one_key(folder):
    data = minimal_codebook()
    data["techniques"][2]["key"] = "1"
    message = load_error(folder, data)
    assert (
        "codebook.yml: technique 'hedged-claim': key '1' clashes with technique "
        "'loaded-language'" in message
    )


def test_keys_clash_regardless_of_case(folder):
    data = minimal_codebook()
    data["techniques"][2]["key"] = "Q"
    message = load_error(folder, data)
    assert "technique 'hedged-claim': key 'Q' clashes with technique 'direct-quotation'" in message


@pytest.mark.parametrize(
    "key, owner",
    [
        ("j", "the panel's 'next' key"),
        ("?", "the panel's 'help' key"),
        ("x", "the no-technique key"),
        ("a", "stance 'against'"),
    ],
)
def test_technique_key_may_not_take_a_reserved_key(folder, key, owner):
    data = minimal_codebook()
    data["techniques"][1]["key"] = key
    message = load_error(folder, data)
    assert f"technique 'direct-quotation': key '{key}' clashes with {owner}" in message


def test_stance_key_outside_the_reserved_list_still_blocks_techniques(folder):
    data = minimal_codebook()
    data["stances"][2]["key"] = "o"
    data["techniques"][0]["key"] = "o"
    message = load_error(folder, data)
    assert "technique 'loaded-language': key 'o' clashes with stance 'none'" in message


def test_stance_key_may_not_be_the_no_technique_key(folder):
    data = minimal_codebook()
    data["stances"][0]["key"] = "x"
    message = load_error(folder, data)
    assert "stance 'favor': key 'x' clashes with the no-technique key" in message


@pytest.mark.parametrize("key", ["10", "ab"])
def test_key_must_be_one_character(folder, key):
    data = minimal_codebook()
    data["techniques"][0]["key"] = key
    message = load_error(folder, data)
    assert f"technique 'loaded-language': key '{key}' must be exactly one character" in message


def test_keymap_keys_are_one_character_or_a_named_key(folder):
    """Is a keymap key that is neither one character nor a named key (an arrow) refused,
    naming the action and the position?"""
    data = minimal_codebook()
    data["keymap"]["next"] = ["j", "next"]
    data["keymap"]["no-technique"] = ["xx"]
    message = load_error(folder, data)
    assert "keymap 'next' #2: 'next' must be exactly one character" in message
    assert "keymap 'no-technique' #1: 'xx' must be exactly one character" in message


def test_keymap_needs_every_action_once_and_no_key_twice(folder):
    """Does the keymap name a missing action, an unknown one, and a key bound twice?"""
    data = minimal_codebook()
    del data["keymap"]["undo"]
    data["keymap"]["teleport"] = ["z"]
    data["keymap"]["help"] = ["h", "J"]
    message = load_error(folder, data)
    assert "keymap: 'undo' needs a list of one or more keys" in message
    assert "keymap: unknown action 'teleport'" in message
    assert "keymap 'help' #2: key 'J' is already the key of 'next'" in message


def test_a_technique_may_not_take_a_keymap_key(folder):
    data = minimal_codebook()
    data["techniques"][0]["key"] = "u"
    message = load_error(folder, data)
    assert "technique 'loaded-language': key 'u' clashes with the panel's 'undo' key" in message


def test_the_real_keymap_binds_the_arrows_and_derives_the_reserved_keys(real):
    """Is the one keymap the source of the panel's keys (arrows included)?"""
    assert real.keys_for("next") == ("j", "ArrowRight")
    assert real.keys_for("previous") == ("k", "ArrowLeft")
    assert real.no_technique_key == real.keys_for("no-technique")[0] == "x"
    single = {k for _action, keys in real.keymap for k in keys if len(k) == 1}
    assert set(real.reserved_keys) == single | {s.key for s in real.stances}


def test_stances_must_be_favor_against_none(folder):
    data = minimal_codebook()
    data["stances"][2]["id"] = "neutral"
    message = load_error(folder, data)
    assert "stances must be exactly favor, against, none; found favor, against, neutral" in message


def test_example_not_in_its_article_names_the_technique(folder, tiny_corpus):
    data = minimal_codebook()
    data["techniques"][2]["example"] = "It is thought that talks will end."
    message = load_error(folder, data, corpus=tiny_corpus)
    assert message == (
        "codebook.yml: technique 'hedged-claim': example 'It is thought that talks will end.' "
        "not found in article 'tiny-two' (copy it exactly from the article text)"
    )


def test_example_from_the_wrong_article_is_refused(folder, tiny_corpus):
    """The text exists, but in another article: still an error."""
    data = minimal_codebook()
    data["techniques"][2]["example_article"] = "tiny-one"
    message = load_error(folder, data, corpus=tiny_corpus)
    assert "technique 'hedged-claim': example 'It is thought" in message


def test_example_article_must_exist(folder, tiny_corpus):
    data = minimal_codebook()
    data["techniques"][0]["example_article"] = "tiny-three"
    message = load_error(folder, data, corpus=tiny_corpus)
    assert (
        "technique 'loaded-language': example_article 'tiny-three' is not an article "
        "(known: tiny-one, tiny-two)" in message
    )


def test_corpus_target_missing_from_codebook(folder, tiny_corpus):
    data = minimal_codebook()
    del data["targets"][1]
    message = load_error(folder, data, corpus=tiny_corpus)
    assert "article 'tiny-one' lists target 'issue', which is not in the codebook" in message


def test_example_matching_ignores_whitespace_and_may_span_sentences(folder, tiny_corpus):
    """Is a line break in the YAML, or a sentence boundary, just a space?"""
    data = minimal_codebook()
    data["techniques"][1]["example"] = "“It is a disgrace,”\n  he said.   Sir Keir —\tcalm"
    path = write(folder / "codebook.yml", data)
    codebook = load_codebook(path, corpus=tiny_corpus)
    assert codebook.technique("direct-quotation").example.startswith("“It is a disgrace,”")
    assert normalise_whitespace(" a\n\tb\u00a0 c ") == "a b c"


def test_corpus_beside_the_codebook_is_used_automatically(tmp_path, tiny_corpus):
    """With no corpus passed, are examples checked against <folder>/articles/?"""
    data_folder = tmp_path / "data"  # where the tiny_corpus fixture wrote its CSVs
    good = write(data_folder / "codebook.yml", minimal_codebook())
    assert load_codebook(good).version == "test-1"
    data = minimal_codebook()
    data["techniques"][0]["example"] = "Not in any article."
    write(data_folder / "codebook.yml", data)
    with pytest.raises(CodebookError, match="technique 'loaded-language': example"):
        load_codebook(data_folder / "codebook.yml")


def test_without_any_corpus_examples_are_not_checked(folder):
    """Is a codebook with no articles beside it still usable (examples unchecked)?"""
    data = minimal_codebook()
    data["techniques"][0]["example"] = "Not in any article."
    assert load_codebook(write(folder / "codebook.yml", data)).version == "test-1"


def test_mapping_of_texts_works_as_a_corpus(folder):
    data = minimal_codebook()
    path = write(folder / "codebook.yml", data)
    texts = {
        "tiny-one": "“It is a disgrace,” he said.",
        "tiny-two": "It is thought that talks will resume.",
    }
    load_codebook(path, corpus=texts)
    texts["tiny-two"] = "Nothing here."
    with pytest.raises(CodebookError, match="technique 'hedged-claim'"):
        load_codebook(path, corpus=texts)


def test_every_problem_is_reported_at_once(folder):
    """Does one load list all problems, one per line, so a teacher fixes them in one go?"""
    data = minimal_codebook()
    del data["techniques"][0]["hint"]
    data["techniques"][1]["category"] = "nope"
    data["targets"].append(copy.deepcopy(data["targets"][0]))
    error = pytest.raises(CodebookError, load_codebook, write(folder / "codebook.yml", data))
    problems = error.value.problems
    assert len(problems) == 3
    assert str(error.value).splitlines() == list(problems)
    assert all(p.startswith("codebook.yml: ") for p in problems)


def test_codebook_error_is_a_value_error():
    assert issubclass(CodebookError, ValueError)


def test_edited_file_is_read_again(folder):
    """The codebook is cached; does an edit (new mtime) still show up?"""
    path = write(folder / "codebook.yml", minimal_codebook(version="one"))
    first = load_codebook(path)
    assert load_codebook(path) is first
    write(path, minimal_codebook(version="two"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_codebook(path).version == "two"


def test_coding_rules_are_loaded_as_one_line_each():
    """Are the rules for the cases definitions leave open shipped with the codebook?"""
    codebook = load_codebook()
    assert len(codebook.coding_rules) >= 6
    assert all("\n" not in rule and "  " not in rule for rule in codebook.coding_rules)
    assert any("hedged claim" in rule for rule in codebook.coding_rules)


def test_coding_rules_must_be_text(tmp_path):
    text = (paths.data_dir() / "codebook.yml").read_text(encoding="utf-8")
    bad = tmp_path / "codebook.yml"
    bad.write_text(text.replace("coding_rules:\n", "coding_rules:\n  - 42\n", 1), encoding="utf-8")
    with pytest.raises(CodebookError, match="coding_rules"):
        load_codebook(bad)


# --- tell_apart, left_out, non-examples and frame examples -------------------------------


def test_tell_apart_and_left_out_are_loaded(folder, tiny_corpus):
    data = minimal_codebook()
    data["techniques"][0]["non_example"] = "Not this: a plain word."
    data["tell_apart"] = [
        {"techniques": ["loaded-language", "hedged-claim"], "note": "Feeling, or certainty."}
    ]
    data["left_out"] = [{"id": "repetition", "name": "Repetition", "reason": "Across sentences."}]
    codebook = load_codebook(write(folder / "codebook.yml", data), corpus=tiny_corpus)
    assert codebook.technique("loaded-language").non_example == "Not this: a plain word."
    assert codebook.technique("direct-quotation").non_example == ""
    (note,) = codebook.tell_apart_for("hedged-claim")
    assert note.techniques == ("loaded-language", "hedged-claim")
    assert codebook.tell_apart_for("direct-quotation") == ()
    assert codebook.left_out[0].reason == "Across sentences."


@pytest.mark.parametrize(
    ("section", "value", "message"),
    [
        (
            "tell_apart",
            [{"techniques": ["loaded-language", "nope"], "note": "x"}],
            "unknown technique(s) nope",
        ),
        (
            "tell_apart",
            [{"techniques": ["loaded-language"], "note": "x"}],
            "at least two technique ids",
        ),
        ("tell_apart", [{"techniques": ["loaded-language", "hedged-claim"]}], "exactly the fields"),
        ("tell_apart", "loaded-language", "must be a list"),
        (
            "left_out",
            [{"id": "loaded-language", "name": "L", "reason": "r"}],
            "is also a technique",
        ),
        ("left_out", [{"id": "repetition", "name": "R"}], "exactly the fields id, name, reason"),
    ],
)
def test_bad_tell_apart_and_left_out_entries_are_named(folder, section, value, message):
    data = minimal_codebook()
    data[section] = value
    assert message in load_error(folder, data)


def test_an_empty_non_example_is_refused(folder):
    data = minimal_codebook()
    data["techniques"][0]["non_example"] = "  "
    assert "technique 'loaded-language': field 'non_example' must be non-empty text" in load_error(
        folder, data
    )


def test_frame_example_must_come_from_its_article(folder, tiny_corpus):
    data = minimal_codebook()
    data["frames"][0]["example"] = "It is thought that talks will resume."
    data["frames"][0]["example_article"] = "tiny-one"
    message = load_error(folder, data, corpus=tiny_corpus)
    assert "frame 'conflict': example 'It is thought that talks will resume.' not found" in message
    data["frames"][0]["example_article"] = "tiny-two"
    codebook = load_codebook(write(folder / "codebook.yml", data), corpus=tiny_corpus)
    assert codebook.frame("conflict").example_article == "tiny-two"
    del data["frames"][0]["example_article"]
    assert "give both 'example' and 'example_article'" in load_error(folder, data)
