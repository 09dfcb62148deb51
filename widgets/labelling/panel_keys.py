"""The annotation panel's keys, as pure functions of the codebook.

:func:`handle_key` turns a key (or the panel's key message) into a :class:`KeyAction`;
the panel then carries the action out. Every key comes from the codebook: technique keys
from ``Technique.key``, stance keys from ``Stance.key``, and the panel's own actions from
the codebook's one ``keymap`` (``data/codebook.yml``). :func:`watched_keys` lists the
keys the browser stops and sends to Python; :func:`key_legend` is the help's table.

Arrow keys (decided here and shown in the panel's help, :data:`ARROW_KEYS_HELP`): ← and →
move between sentences wherever focus is in the panel, except in a radio group (stance,
main frame, confidence), where every arrow key moves the choice, as in any radio group;
↑ and ↓ are never panel keys. The browser (``panel_view.js``) leaves arrows inside a
radio group to the radio group and never sends them here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "KeyAction",
    "handle_key",
    "watched_keys",
    "key_legend",
    "ARROW_KEYS_HELP",
    "TAB_ORDER_HELP",
    "EDITABLE_TAGS",
]

#: Keys typed into these elements belong to the element, never to the panel.
EDITABLE_TAGS = frozenset({"INPUT", "TEXTAREA", "SELECT"})

#: How the arrow keys work, as the help says it.
ARROW_KEYS_HELP = (
    "Arrow keys: ← and → move to the previous and next sentence wherever you are in the "
    "panel, except in a radio group (a stance, the main frame, confidence): there all four "
    "arrow keys move the choice, as in any radio group. ↑ and ↓ scroll the notebook."
)

#: The documented Tab order, as the help says it.
TAB_ORDER_HELP = (
    "Tab order: “No technique”, then the technique buttons, category by category; “What do "
    "they mean?” (what favor, against and none mean for each target); one stop per stance "
    "group (arrow keys choose inside it); Previous, Next, Next unlabelled, "
    "Summary, Undo, Help; then “More” (confidence, note, jump to a sentence, my labels). "
    "Tab and Shift+Tab always leave the panel: there is no keyboard trap."
)

_ACTION_WORDS = {
    "no-technique": "looked, no technique",
    "cycle-target": "switch the stance target",
    "next": "next sentence",
    "previous": "previous sentence",
    "summary": "article summary",
    "undo": "undo the last change",
    "help": "show or hide help",
}
_KEY_SYMBOLS = {"ArrowLeft": "←", "ArrowRight": "→"}


@dataclass(frozen=True)
class KeyAction:
    """What a key press asks for.

    ``kind`` is ``toggle`` (``value`` = technique id), ``stance`` (``value`` = stance
    id), one of the keymap's actions (``no-technique``, ``cycle-target``, ``next``,
    ``previous``, ``summary``, ``undo``, ``help``) or ``ignore``.
    """

    kind: str
    value: str = ""


IGNORE = KeyAction("ignore")


def _action_by_key(codebook) -> dict[str, str]:
    return {
        (key.lower() if len(key) == 1 else key): action
        for action, keys in codebook.keymap
        for key in keys
    }


def handle_key(model, key) -> KeyAction:
    """The action for one key press.

    Parameters
    ----------
    model : AnnotationModel
        Gives the codebook and whether the summary step is showing (technique keys do
        nothing there).
    key : str or dict
        A ``KeyboardEvent.key`` value (``"q"``, ``"ArrowRight"``), or a message with
        ``"key"`` (and optionally ``"event"``, ``"ctrlKey"``/``"altKey"``/``"metaKey"``,
        ``"target": {"tagName": ...}``).

    Returns
    -------
    KeyAction
        ``ignore`` for keyups, keys held with Ctrl/Alt/Meta, keys typed in a text box,
        and keys the panel does not use.
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
    lowered = key.lower() if len(key) == 1 else key
    action = _action_by_key(codebook).get(lowered)
    if action is not None:
        if action == "no-technique" and model.on_summary:
            return IGNORE
        return KeyAction(action)
    if len(key) != 1:
        return IGNORE
    stance = codebook.stance_by_key(lowered)
    if stance is not None:
        return KeyAction("stance", stance.id)
    technique = codebook.technique_by_key(lowered)
    if technique is not None:
        return IGNORE if model.on_summary else KeyAction("toggle", technique.id)
    return IGNORE


def watched_keys(codebook) -> tuple[str, ...]:
    """Every key :func:`handle_key` can act on, sorted (single characters in lower case).

    The browser stops exactly these keys and sends them to Python; the rest (Enter, Space
    on a focused button, Escape …) keep their usual meaning.
    """
    keys = {t.key.lower() for t in codebook.techniques}
    keys.update(s.key.lower() for s in codebook.stances)
    keys.update(_action_by_key(codebook))
    return tuple(sorted(keys))


def _shown(keys) -> str:
    return " / ".join(_KEY_SYMBOLS.get(k, k) for k in keys)


def key_legend(codebook) -> list[tuple[str, str]]:
    """``(keys, what they do)`` for the help's key table, in a stable order."""
    return [
        *[(t.key, t.name) for t in codebook.techniques],
        *[(s.key, f"stance {s.name.lower()} (for the active target)") for s in codebook.stances],
        *[(_shown(keys), _ACTION_WORDS[action]) for action, keys in codebook.keymap],
    ]
