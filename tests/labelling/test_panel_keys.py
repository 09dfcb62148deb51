"""Does each key ask for the right action, from the codebook's one keymap, and leave
typing and browser shortcuts alone?"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from widgets.content.codebook import load_codebook
from widgets.labelling.panel_keys import KeyAction, handle_key, key_legend, watched_keys


@dataclass
class FakeModel:
    codebook: object
    on_summary: bool = False


@pytest.fixture(scope="module")
def codebook():
    return load_codebook()


@pytest.fixture
def model(codebook):
    return FakeModel(codebook)


def test_every_technique_key_in_the_codebook_toggles_its_technique(model, codebook):
    for technique in codebook.techniques:
        assert handle_key(model, technique.key) == KeyAction("toggle", technique.id)
        assert handle_key(model, technique.key.upper()) == KeyAction("toggle", technique.id)


@pytest.mark.parametrize(
    ("key", "action"),
    [
        ("x", KeyAction("no-technique")),
        ("f", KeyAction("stance", "favor")),
        ("a", KeyAction("stance", "against")),
        ("n", KeyAction("stance", "none")),
        ("t", KeyAction("cycle-target")),
        ("j", KeyAction("next")),
        ("J", KeyAction("next")),
        ("ArrowRight", KeyAction("next")),
        ("k", KeyAction("previous")),
        ("ArrowLeft", KeyAction("previous")),
        ("u", KeyAction("undo")),
        ("h", KeyAction("help")),
        ("?", KeyAction("help")),
        ("s", KeyAction("summary")),
        # ↑ and ↓ are never panel keys: they scroll, and move inside radio groups.
        ("ArrowUp", KeyAction("ignore")),
        ("ArrowDown", KeyAction("ignore")),
        ("Enter", KeyAction("ignore")),
        ("Shift", KeyAction("ignore")),
        ("z", KeyAction("ignore")),
        ("", KeyAction("ignore")),
    ],
)
def test_panel_keys(model, key, action):
    assert handle_key(model, key) == action


def test_key_messages_with_modifiers_or_from_text_boxes_are_ignored(model):
    message = {"key": "f", "event": "keydown", "target": {"tagName": "BUTTON"}}
    assert handle_key(model, message) == KeyAction("stance", "favor")
    assert handle_key(model, {**message, "event": "keyup"}).kind == "ignore"
    for modifier in ("ctrlKey", "altKey", "metaKey"):
        assert handle_key(model, {**message, modifier: True}).kind == "ignore"
    for tag in ("input", "TEXTAREA", "select"):
        assert handle_key(model, {**message, "target": {"tagName": tag}}).kind == "ignore"


def test_on_the_summary_technique_and_no_technique_keys_do_nothing(model, codebook):
    model.on_summary = True
    assert handle_key(model, codebook.techniques[0].key).kind == "ignore"
    assert handle_key(model, "x").kind == "ignore"
    assert handle_key(model, "a") == KeyAction("stance", "against")
    assert handle_key(model, "j") == KeyAction("next")  # moves still work
    assert handle_key(model, "k") == KeyAction("previous")


def test_a_new_keymap_in_the_codebook_changes_the_keys(model, codebook):
    """Is the codebook's keymap the one source: rebinding "next" rebinds the panel?"""
    keymap = tuple(
        (action, ("PageDown",) if action == "next" else keys) for action, keys in codebook.keymap
    )
    rebound = FakeModel(dataclasses.replace(codebook, keymap=keymap))
    assert handle_key(rebound, "PageDown") == KeyAction("next")
    assert handle_key(rebound, "j").kind == "ignore"
    assert "PageDown" in watched_keys(rebound.codebook)


def test_the_legend_lists_every_technique_stance_and_keymap_key(codebook):
    legend = dict(key_legend(codebook))
    for technique in codebook.techniques:
        assert legend[technique.key] == technique.name
    assert legend["x"] == "looked, no technique"
    assert legend["j / →"] == "next sentence"
    assert legend["h / ?"] == "show or hide help"
    assert legend["f"].startswith("stance favor")


def test_watched_keys_are_exactly_the_keys_the_panel_acts_on(model, codebook):
    watched = set(watched_keys(codebook))
    candidates = {chr(c) for c in range(32, 127)} | {
        "ArrowLeft",
        "ArrowRight",
        "ArrowUp",
        "ArrowDown",
        "Enter",
        "Tab",
        "Escape",
        "PageDown",
    }
    for key in candidates:
        acts = handle_key(model, key).kind != "ignore"
        in_watched = (key.lower() if len(key) == 1 else key) in watched
        assert acts == in_watched, key
    assert list(watched_keys(codebook)) == sorted(watched)
