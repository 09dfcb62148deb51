"""Keyboard shortcuts of the annotation panel, as a pure function.

:func:`handle_key` turns a key (or a browser keydown message) into a
:class:`KeyAction`; the panel then carries the action out. Keeping the mapping here
means every shortcut is unit-tested without a browser. :func:`panel_keys` lists the keys
the browser should stop and send (:class:`widgets.labelling.keyboard.KeyboardArea`), so every other
key keeps its usual meaning.

The technique keys come from the codebook (``Technique.key``); the panel's own keys are
the codebook's ``reserved_keys``: ``x`` no technique, ``f``/``a``/``n`` stance for the
active target, ``t`` next target, ``j``/``k`` and the arrow keys move, ``u`` undo,
``h``/``?`` help, ``s`` the article summary.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "KeyAction",
    "handle_key",
    "panel_keys",
    "key_legend",
    "EDITABLE_TAGS",
    "NAVIGATION",
    "NAVIGATION_KEYS",
]

#: Keys typed into these elements belong to the element, never to the panel.
EDITABLE_TAGS = frozenset({"INPUT", "TEXTAREA", "SELECT"})

#: The panel's own keys (not in the codebook), in legend order: the keys, the action kind
#: they ask for, and how the legend shows them. The one place to change a shortcut.
NAVIGATION: tuple[tuple[tuple[str, ...], str, str, str], ...] = (
    (("t",), "cycle-target", "t", "switch the active target"),
    (("j", "ArrowRight", "ArrowDown"), "next", "j / →", "next sentence"),
    (("k", "ArrowLeft", "ArrowUp"), "previous", "k / ←", "previous sentence"),
    (("s",), "summary", "s", "article summary"),
    (("u",), "undo", "u", "undo the last change"),
    (("h", "?"), "help", "h / ?", "help"),
)

#: Fixed navigation keys: key -> action kind (from :data:`NAVIGATION`).
NAVIGATION_KEYS = {key: kind for keys, kind, _, _ in NAVIGATION for key in keys}


@dataclass(frozen=True)
class KeyAction:
    """What a key press asks for.

    ``kind`` is one of ``toggle`` (``value`` = technique id), ``no-technique``,
    ``stance`` (``value`` = stance id), ``cycle-target``, ``next``, ``previous``,
    ``undo``, ``help``, ``summary`` or ``ignore``.
    """

    kind: str
    value: str = ""


IGNORE = KeyAction("ignore")


def handle_key(model, key) -> KeyAction:
    """The action for one key press.

    Parameters
    ----------
    model : AnnotationModel
        Gives the codebook (technique and stance keys) and whether the summary step is
        showing (technique keys do nothing there).
    key : str or dict
        A ``KeyboardEvent.key`` value (``"q"``, ``"ArrowRight"``), or a keydown message
        (``{"key": ..., "ctrlKey": ..., "target": {"tagName": ...}}``, with optional
        ``"event"``; the keyboard widget's ``{"type": "key", "key": ...}`` fits too).

    Returns
    -------
    KeyAction
        ``ignore`` for keyups, keys held with Ctrl/Alt/Meta (browser and JupyterLab
        shortcuts such as Ctrl+S stay theirs), keys typed in an input or text area, and
        keys the panel does not use.
    """
    if isinstance(key, dict):
        if key.get("event", "keydown") != "keydown":
            return IGNORE
        if key.get("ctrlKey") or key.get("altKey") or key.get("metaKey"):
            return IGNORE
        target = key.get("target") or {}
        if str(target.get("tagName", "")).upper() in EDITABLE_TAGS:
            return IGNORE
        key = key.get("key", "")
    if not isinstance(key, str) or not key:
        return IGNORE
    codebook = model.codebook
    if len(key) == 1:
        lowered = key.lower()
        if lowered == codebook.no_technique_key.lower():
            return IGNORE if model.on_summary else KeyAction("no-technique")
        stance = codebook.stance_by_key(lowered)
        if stance is not None:
            return KeyAction("stance", stance.id)
        if lowered in NAVIGATION_KEYS:
            return KeyAction(NAVIGATION_KEYS[lowered])
        if key in NAVIGATION_KEYS:  # "?"
            return KeyAction(NAVIGATION_KEYS[key])
        technique = codebook.technique_by_key(lowered)
        if technique is not None:
            return IGNORE if model.on_summary else KeyAction("toggle", technique.id)
        return IGNORE
    if key in NAVIGATION_KEYS:
        return KeyAction(NAVIGATION_KEYS[key])
    return IGNORE


def panel_keys(codebook) -> tuple[str, ...]:
    """Every key :func:`handle_key` can act on, sorted (single characters in lower case).

    The browser stops exactly these keys and sends them to Python; the rest (Enter,
    Space on a focused button, Escape …) keep their usual meaning.
    """
    keys = {t.key.lower() for t in codebook.techniques}
    keys.add(codebook.no_technique_key.lower())
    keys.update(s.key.lower() for s in codebook.stances)
    keys.update(NAVIGATION_KEYS)
    return tuple(sorted(keys))


def key_legend(codebook) -> list[tuple[str, str]]:
    """``(key, what it does)`` pairs for the panel's legend, in a stable order."""
    stances = [(s.key, f"stance: {s.name.lower()} (active target)") for s in codebook.stances]
    return [
        *[(t.key, t.name) for t in codebook.techniques],
        (codebook.no_technique_key, "looked, no technique"),
        *stances,
        *[(shown, meaning) for _, _, shown, meaning in NAVIGATION],
    ]
