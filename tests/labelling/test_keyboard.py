"""Does the keyboard widget hand the browser's key presses to Python, and only real keys?

Messages are delivered through ``Widget._handle_msg``, the method ipykernel's comm calls
with the browser's ``model.send(...)``: the same path a key press takes in JupyterLab.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import traitlets

from widgets.labelling.keyboard import MAX_KEY_LENGTH, PANEL_CLASS, KeyboardArea

JS = Path(__file__).resolve().parents[2] / "widgets" / "labelling" / "keyboard.js"


def send(widget, content):
    """Deliver a custom comm message from the browser."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


@pytest.fixture
def keyboard():
    return KeyboardArea(keys=["q", "j", "ArrowRight", "?"])


def test_a_key_message_reaches_every_handler_in_order(keyboard):
    heard = []
    keyboard.on_key(lambda key: heard.append(("first", key)))
    keyboard.on_key(lambda key: heard.append(("second", key)))
    send(keyboard, {"type": "key", "key": "q", "shift": False})
    send(keyboard, {"type": "key", "key": "ArrowRight"})
    assert heard == [
        ("first", "q"),
        ("second", "q"),
        ("first", "ArrowRight"),
        ("second", "ArrowRight"),
    ]


def test_a_removed_handler_hears_nothing_more(keyboard):
    heard = []
    keyboard.on_key(heard.append)
    send(keyboard, {"type": "key", "key": "j"})
    keyboard.on_key(heard.append, remove=True)
    send(keyboard, {"type": "key", "key": "j"})
    assert heard == ["j"]


@pytest.mark.parametrize(
    "content",
    [
        {"type": "key"},
        {"type": "key", "key": ""},
        {"type": "key", "key": None},
        {"type": "key", "key": ["q"]},
        {"type": "key", "key": "x" * (MAX_KEY_LENGTH + 1)},
        {"type": "click", "key": "q"},
        {"key": "q"},
        "q",
        None,
    ],
)
def test_anything_but_a_well_formed_key_message_is_dropped(keyboard, content):
    heard = []
    keyboard.on_key(heard.append)
    send(keyboard, content)
    assert heard == []


def test_the_watched_keys_are_synced_and_checked(keyboard):
    state = keyboard.get_state()
    assert state["watched_keys"] == ["q", "j", "ArrowRight", "?"]
    assert state["container_class"] == PANEL_CLASS
    assert state["status"] == "" and state["mode"] == ""
    with pytest.raises(traitlets.TraitError, match="watched_keys"):
        keyboard.watched_keys = ["q", ""]
    with pytest.raises(traitlets.TraitError, match="watched_keys"):
        keyboard.watched_keys = ["x" * (MAX_KEY_LENGTH + 1)]
    assert keyboard.watched_keys == ["q", "j", "ArrowRight", "?"]


def test_the_front_end_is_the_module_beside_the_class_and_needs_no_network(keyboard):
    source = JS.read_text(encoding="utf-8")
    assert keyboard.get_state()["_esm"] == source
    assert "export default" in source
    # No import at all: nothing to fetch from a CDN, nothing to build.
    assert "import " not in source and "http" not in source
    # The promises the browser tests rely on are in the module.
    assert "data-lm-suppress-shortcuts" in source
    assert "Annotation panel keyboard area: press keys to label; Tab leaves" in source


def test_every_public_trait_has_help():
    for name in ("watched_keys", "container_class", "status", "mode"):
        assert KeyboardArea.class_traits()[name].help, name


def test_the_browser_reports_which_region_it_found(keyboard):
    # The front end sets ``mode`` through an ordinary state update.
    keyboard._handle_msg(
        {"content": {"data": {"method": "update", "state": {"mode": "panel"}}}, "buffers": []}
    )
    assert keyboard.mode == "panel"
