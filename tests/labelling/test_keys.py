"""Does each key ask for the right action, and leave typing and browser shortcuts alone?"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from widgets.content.codebook import load_codebook
from widgets.labelling.keys import NAVIGATION_KEYS, KeyAction, handle_key, key_legend, panel_keys


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
        ("ArrowRight", KeyAction("next")),
        ("ArrowDown", KeyAction("next")),
        ("k", KeyAction("previous")),
        ("ArrowLeft", KeyAction("previous")),
        ("u", KeyAction("undo")),
        ("h", KeyAction("help")),
        ("?", KeyAction("help")),
        ("s", KeyAction("summary")),
        ("Enter", KeyAction("ignore")),
        ("Shift", KeyAction("ignore")),
        ("z", KeyAction("ignore")),
        ("", KeyAction("ignore")),
    ],
)
def test_panel_keys(model, key, action):
    assert handle_key(model, key) == action


def test_keydown_messages_are_read_and_editing_or_modified_keys_ignored(model):
    assert handle_key(model, {"type": "key", "key": "f", "shift": False}).kind == "stance"
    message = {"event": "keydown", "key": "f", "target": {"tagName": "DIV"}}
    assert handle_key(model, message) == KeyAction("stance", "favor")
    assert handle_key(model, {**message, "event": "keyup"}).kind == "ignore"
    for modifier in ("ctrlKey", "altKey", "metaKey"):
        assert handle_key(model, {**message, modifier: True}).kind == "ignore"
    for tag in ("INPUT", "TEXTAREA", "select"):
        assert handle_key(model, {**message, "target": {"tagName": tag}}).kind == "ignore"
    assert handle_key(model, {**message, "shiftKey": True, "key": "?"}) == KeyAction("help")


def test_technique_keys_do_nothing_on_the_summary_but_stance_keys_do(model, codebook):
    model.on_summary = True
    assert handle_key(model, codebook.techniques[0].key).kind == "ignore"
    assert handle_key(model, "x").kind == "ignore"
    assert handle_key(model, "a") == KeyAction("stance", "against")


def test_the_legend_lists_every_technique_key_and_the_panel_keys(codebook):
    legend = dict(key_legend(codebook))
    assert {t.key for t in codebook.techniques} <= set(legend)
    assert legend["x"] == "looked, no technique"
    assert "u" in legend and "t" in legend


def test_panel_keys_are_exactly_the_keys_the_panel_acts_on(model, codebook):
    """The browser stops only these keys: any other key must mean nothing to the panel."""
    watched = set(panel_keys(codebook))
    candidates = {chr(c) for c in range(32, 127)} | set(NAVIGATION_KEYS)
    candidates |= {"Enter", "Tab", "Escape", "Backspace", "Home", "PageDown", "F5"}
    for key in candidates:
        acts = handle_key(model, key).kind != "ignore"
        assert acts == (key.lower() in watched or key in watched), key
    assert "Tab" not in watched and "Enter" not in watched and " " not in watched
    assert list(panel_keys(codebook)) == sorted(watched)
