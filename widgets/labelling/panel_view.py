"""The annotation panel's one front end: an anywidget and what it is told to show.

:class:`PanelView` is traits plus an ES module beside this file (``panel_view.js``, with
``panel_view.css``): no npm build, no lab extension, no network. It draws the panel from
two plain dicts, :func:`panel_spec` (what never changes while an article is open: the
techniques by category, stances, targets, frames, keys) and :func:`panel_state` (the
current sentence, what is chosen, progress, the live-region text), and sends every click
and key back as a message (``{"type": "intent", "action": ...}`` or ``{"type": "key",
"key": ...}``). The panel (:mod:`widgets.labelling.panel`) turns those into calls on its
:class:`~widgets.labelling.model.AnnotationModel`, so the view holds no labelling logic.
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable

import anywidget
import traitlets

from ..schema import CONFIDENCE_LEVELS
from .model import short_text
from .panel_keys import ARROW_KEYS_HELP, TAB_ORDER_HELP, key_legend, watched_keys

__all__ = [
    "PanelView",
    "ESM_PATH",
    "CSS_PATH",
    "INTENTS",
    "MOVES",
    "panel_spec",
    "panel_state",
    "technique_tooltip",
    "FALLBACK_MESSAGE",
]

#: The view's ES module and style sheet, beside this file (no build step).
ESM_PATH = pathlib.Path(__file__).with_name("panel_view.js")
CSS_PATH = pathlib.Path(__file__).with_name("panel_view.css")

#: What the browser may ask for; anything else is dropped.
INTENTS = frozenset(
    {
        "toggle",
        "no-technique",
        "stance",
        "frame",
        "confidence",
        "note",
        "move",
        "undo",
        "help",
        "labels",
    }
)
#: Named moves (a number moves to that index).
MOVES = ("previous", "next", "next-unlabelled", "summary")
#: The longest text a message may carry (a note); longer messages are dropped.
MAX_TEXT = 20_000

#: Shown in the cell until the view's script runs (hidden by it): an old front end or a
#: blocked script leaves this message instead of an empty cell.
FALLBACK_MESSAGE = (
    "The labelling panel did not load in this page: its script (an anywidget) could not "
    "run. Labels are not being saved. Try: reload the page; make sure the notebook is "
    "trusted and scripts are not blocked; use JupyterLab 4 or Notebook 7 with the kit "
    "installed (`make lab`). Your labels saved so far are safe."
)

_CONFIDENCE_TIPS = {
    "low": "Low: I am unsure about these labels",
    "medium": "Medium: I am fairly sure",
    "high": "High: I am sure",
}
_KEYBOARD_HELP = (
    "Keys work while focus is anywhere in the panel (click it, or Tab into it); keys you "
    "type in the note or the jump list stay there. JupyterLab's own shortcuts do not run "
    "while focus is in the panel."
)


def technique_tooltip(technique) -> str:
    """Plain-text tooltip of a technique toggle: key, definition, hint and example."""
    return (
        f"{technique.name} (key {technique.key})\n"
        f"Definition: {technique.definition}\n"
        f"Hint: {technique.hint}\n"
        f"Example: {technique.example}"
    )


def _tell_apart(codebook, technique_id: str) -> list[str]:
    """The codebook's "how to tell apart" notes for a technique (none in older codebooks)."""
    finder = getattr(codebook, "tell_apart_for", None)
    if finder is None:
        return []
    return [str(getattr(item, "note", "")) for item in finder(technique_id) or ()]


# longer than 80 lines: one literal dict, the whole contract with panel_view.js's
# drawing code, kept in one place so the two sides can be read together.
def panel_spec(
    article, codebook, model, *, save_path: str = "", glossary=(), glossary_problem: str = ""
) -> dict:
    """What the view draws once per article: a JSON-ready dict (all text plain).

    ``save_path`` is the learner's file as they would name it (``~/…``): they hand it in.
    ``glossary`` (:class:`~widgets.content.glossary.GlossaryEntry` items) goes in the help; when
    it could not be read, ``glossary_problem`` says why, in the help's place for it.
    """
    meta = " · ".join(
        part
        for part in (
            article.author or "no author named",
            article.outlet,
            article.published or "undated",
            article.genre,
        )
        if part
    )
    keys = dict(codebook.keymap)

    def first(action: str) -> str:
        found = keys.get(action, ())
        return found[0] if found else ""

    categories = []
    for category in codebook.categories:
        techniques = [
            {"id": t.id, "name": t.name, "key": t.key, "tooltip": technique_tooltip(t)}
            for t in codebook.techniques_in(category.id)
        ]
        if techniques:
            categories.append(
                {
                    "id": category.id,
                    "name": category.name,
                    "description": category.description,
                    "techniques": techniques,
                }
            )
    return {
        "title": article.title,
        "meta": meta,
        "save_path": save_path,
        "total": model.n_sentences,
        "categories": categories,
        "no_technique_key": codebook.no_technique_key,
        "stances": [
            {
                "id": s.id,
                "name": s.name,
                "key": s.key,
                "tip": f"{s.name} (key {s.key}): {s.definition}",
            }
            for s in codebook.stances
        ],
        "targets": [
            {
                "id": t,
                "name": codebook.target(t).name,
                "description": codebook.target(t).description,
            }
            for t in model.targets
        ],
        "frames": [{"id": f.id, "name": f.name, "tip": f.definition} for f in codebook.frames],
        "confidence": [
            {"id": level, "name": level.capitalize(), "tip": _CONFIDENCE_TIPS.get(level, level)}
            for level in CONFIDENCE_LEVELS
        ],
        "jump": [
            {"index": i, "label": f"{s.position}. {short_text(s.text, 70)}"}
            for i, s in enumerate(model.sentences)
        ]
        + [{"index": model.summary_index, "label": "Article summary"}],
        # (action, button words, key shown): the move row, in Tab order.
        "nav": [
            ["previous", "◀ Previous", first("previous")],
            ["next", "Next ▶", first("next")],
            ["next-unlabelled", "Next unlabelled", ""],
            ["summary", "Summary", first("summary")],
            ["undo", "Undo", first("undo")],
            ["help", "Help", first("help")],
        ],
        "keys": [list(pair) for pair in key_legend(codebook)],
        "glossary": [[entry.term, entry.definition] for entry in glossary],
        "glossary_problem": glossary_problem,
        "watched": list(watched_keys(codebook)),
        "keyboard_help": _KEYBOARD_HELP,
        "arrow_help": ARROW_KEYS_HELP,
        "tab_help": TAB_ORDER_HELP,
    }


def _technique_help(codebook, technique_id: str) -> dict:
    technique = codebook.technique(technique_id)
    lines = [
        ["Definition", technique.definition],
        ["Hint", technique.hint],
        ["Example", f"“{technique.example}”"],
    ]
    non_example = getattr(technique, "non_example", "")
    if non_example:
        lines.append(["Not an example", f"“{non_example}”"])
    lines.extend(["Tell apart", note] for note in _tell_apart(codebook, technique_id) if note)
    return {"title": f"{technique.name} (key {technique.key})", "lines": lines}


def _tags(techniques, codebook) -> str:
    if techniques is None:
        return "—"
    if not techniques:
        return "no technique"
    return ", ".join(codebook.technique(t).name for t in techniques)


# longer than 80 lines: one literal dict, everything panel_view.js redraws after an
# intent, kept in one place so the two sides can be read together.
def panel_state(
    model,
    codebook,
    *,
    announce: str = "",
    save_kind: str = "",
    help_open: bool = False,
    labels_open: bool = False,
    last_touched: str | None = None,
) -> dict:
    """What the view shows now: a JSON-ready dict built from the model.

    ``announce`` is the live region's text (save status, progress, the last move);
    ``save_kind`` is ``"ok"``, ``"error"`` or ``""``.
    """
    state = model.state()
    on_summary = model.on_summary
    if on_summary:
        missing = model.n_sentences - model.labelled_count
        summary_text = (
            "Every sentence is labelled."
            if not missing
            else f"{missing} sentence(s) still need a label: use “Next unlabelled”."
        )
        paragraph = []
    else:
        summary_text = ""
        current = model.sentence_id
        paragraph = [
            {"text": s.text, "current": s.sentence_id == current} for s in model.paragraph()
        ]
    progress = model.progress_text() + (" · summary done" if model.summary_complete() else "")
    result = {
        "index": model.index,
        "on_summary": on_summary,
        "position": model.position_text(),
        "paragraph": paragraph,
        "summary_text": summary_text,
        "techniques": None if state.techniques is None else list(state.techniques),
        "stances": dict(state.stances),
        "active_target": model.target_id,
        "frame": state.frame,
        "confidence": state.confidence,
        "note": state.note,
        "labelled": model.labelled_count,
        "progress": progress,
        "announce": announce or progress,
        "save_kind": save_kind,
        "enabled": {
            "previous": model.index > 0,
            "next": not on_summary,
            "next-unlabelled": model.next_unlabelled() is not None,
            "summary": not on_summary,
            "undo": bool(model.store.can_undo),
            "help": True,
        },
        "help_open": help_open,
        "labels_open": labels_open,
        "help": [],
        "labels": [],
    }
    if help_open:
        shown = list(state.techniques or ())
        if last_touched and last_touched not in shown:
            shown.append(last_touched)
        result["help"] = [_technique_help(codebook, t) for t in shown] + [
            {
                "title": "Stance",
                "lines": [[s.name, f"(key {s.key}) {s.definition}"] for s in codebook.stances],
            },
            {
                "title": "Targets",
                "lines": [
                    [codebook.target(t).name, codebook.target(t).description] for t in model.targets
                ],
            },
        ]
    if labels_open:
        result["labels"] = [
            {
                "position": row.position,
                "text": row.text,
                "techniques": _tags(row.techniques, codebook),
                "stances": [row.stances[t] or "—" for t in model.targets],
                "note": row.note,
                "current": index == model.index,
            }
            for index, row in enumerate(model.rows())
        ]
    return result


class PanelView(anywidget.AnyWidget):
    """The panel's interactive surface in the browser (see the module docstring).

    Parameters
    ----------
    spec, state : dict
        From :func:`panel_spec` and :func:`panel_state`.

    Notes
    -----
    Messages from the browser are checked before any handler sees them: an unknown
    type or intent, or a value of the wrong kind, is dropped. :meth:`on_message`
    handlers get the checked message dict.
    """

    _esm = ESM_PATH
    _css = CSS_PATH

    spec = traitlets.Dict(
        help="What the view draws once per article (panel_spec): techniques, stances, keys."
    ).tag(sync=True)
    state = traitlets.Dict(
        help="What the view shows now (panel_state): sentence, choices, live-region text."
    ).tag(sync=True)

    def __init__(self, *, spec: dict, state: dict, **kwargs) -> None:
        super().__init__(spec=spec, state=state, **kwargs)
        self._handlers: list[Callable[[dict], object]] = []
        self.on_msg(self._on_message)

    def on_message(self, handler: Callable[[dict], object], *, remove: bool = False) -> None:
        """Call ``handler(message)`` for each checked message (``remove=True`` to stop)."""
        if remove:
            self._handlers.remove(handler)
        else:
            self._handlers.append(handler)

    @staticmethod
    def check(content) -> dict | None:
        """The message if it is well formed, else ``None`` (messages come from a browser)."""
        if not isinstance(content, dict):
            return None
        kind = content.get("type")
        if kind == "key":
            key = content.get("key")
            if isinstance(key, str) and 0 < len(key) <= 20:
                return {"type": "key", "key": key}
            return None
        if kind != "intent" or content.get("action") not in INTENTS:
            return None
        value = content.get("value")
        if isinstance(value, bool) or not isinstance(value, str | int | type(None)):
            return None
        if isinstance(value, str) and len(value) > MAX_TEXT:
            return None
        target = content.get("target")
        if target is not None and not isinstance(target, str):
            return None
        return {"type": "intent", "action": content["action"], "value": value, "target": target}

    def _on_message(self, _widget, content, _buffers) -> None:
        message = self.check(content)
        if message is None:
            return
        for handler in list(self._handlers):
            handler(message)
