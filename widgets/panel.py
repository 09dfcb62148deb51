"""The annotation panel: where a learner labels an article, sentence by sentence.

``AnnotationPanel("when-will-starmer-talk-to-putin")`` in a notebook cell shows the
article's header and progress, the current sentence in its paragraph, technique toggles
grouped by codebook category, a stance per target, confidence and a "why?" note, and at
the end an article summary (overall stance and main frame). Every change is saved at
once through :class:`widgets.store.LabelStore`; there is no save button.

The panel holds no labelling logic: :class:`widgets.annotation_model.AnnotationModel`
decides what to show and what to save, :func:`widgets.keys.handle_key` maps keys to
actions. The panel builds widgets once and, on each change, updates only the widgets
whose value changed (the "my labels" table and the help text only while shown).

Keyboard: a :class:`widgets.keyboard.KeyboardArea` (a small anywidget) at the top of
the panel makes the whole panel one keyboard region. Once the learner clicks the panel
(or a button in it) or tabs into it, the codebook's keys act on the current sentence,
whatever the mouse pointer does; keys typed into the note or the jump list stay there,
Tab moves on, and JupyterLab's or Notebook 7's own notebook shortcuts (``a``, ``b``,
``m``, ``d d``, Shift+Enter …) do not run while focus is in the panel.
"""

from __future__ import annotations

import html
import os
import traceback
from collections.abc import Callable

import ipywidgets as widgets

from . import paths
from .annotation_model import AnnotationModel, LabelRow
from .keyboard import PANEL_CLASS, KeyboardArea
from .keys import KeyAction, handle_key, key_legend, panel_keys
from .schema import CONFIDENCE_LEVELS
from .store import LabelStore, SaveError

__all__ = ["AnnotationPanel", "render_paragraph", "render_labels_table", "technique_tooltip"]

_MUTED = "#6b6b6b"
_ERROR = "#b00020"
_OK = "#1b5e20"
_CONFIDENCE_TIPS = {
    "low": "Low: I am unsure about these labels",
    "medium": "Medium: I am fairly sure",
    "high": "High: I am sure",
}


def technique_tooltip(technique) -> str:
    """Plain-text tooltip of a technique toggle: key, definition, hint and example."""
    return (
        f"{technique.name} (key {technique.key})\n"
        f"Definition: {technique.definition}\n"
        f"Hint: {technique.hint}\n"
        f"Example: {technique.example}"
    )


def render_paragraph(paragraph, current_sentence_id: str) -> str:
    """HTML of a paragraph with the current sentence highlighted and the others dimmed.

    All article text is escaped; the highlight is bold and underlined as well as
    coloured, so it does not rely on colour alone.
    """
    parts = []
    for sentence in paragraph:
        text = html.escape(sentence.text)
        if sentence.sentence_id == current_sentence_id:
            parts.append(
                '<mark style="background:#fff3b0;color:#000;font-weight:600;'
                f'text-decoration:underline;padding:0 2px">{text}</mark>'
            )
        else:
            parts.append(f'<span style="color:{_MUTED}">{text}</span>')
    return (
        '<div style="font-size:1.15em;line-height:1.6;max-width:70em;padding:6px 0">'
        + " ".join(parts)
        + "</div>"
    )


def _tags(techniques, codebook) -> str:
    if techniques is None:
        return "—"
    if not techniques:
        return "no technique"
    return ", ".join(codebook.technique(t).name for t in techniques)


def render_labels_table(rows: list[LabelRow], codebook, targets, current_index: int = -1) -> str:
    """The "my labels so far" table as HTML (every cell escaped)."""
    head = "".join(
        f"<th style='text-align:left;padding:2px 6px'>{html.escape(codebook.target(t).name)}</th>"
        for t in targets
    )
    body = []
    for index, row in enumerate(rows):
        stances = "".join(
            f"<td style='padding:2px 6px'>{html.escape(row.stances[t] or '—')}</td>"
            for t in targets
        )
        marker = "▶ " if index == current_index else ""
        body.append(
            "<tr>"
            f"<td style='padding:2px 6px'>{marker}{row.position}</td>"
            f"<td style='padding:2px 6px'>{html.escape(row.text)}</td>"
            f"<td style='padding:2px 6px'>{html.escape(_tags(row.techniques, codebook))}</td>"
            f"{stances}"
            f"<td style='padding:2px 6px'>{html.escape(row.note)}</td>"
            "</tr>"
        )
    return (
        "<table style='border-collapse:collapse;font-size:0.9em'>"
        "<thead><tr><th style='text-align:left;padding:2px 6px'>#</th>"
        "<th style='text-align:left;padding:2px 6px'>sentence</th>"
        "<th style='text-align:left;padding:2px 6px'>techniques</th>"
        f"{head}<th style='text-align:left;padding:2px 6px'>note</th></tr></thead>"
        "<tbody>" + "".join(body) + "</tbody></table>"
    )


def _message_html(title: str, detail: str = "", *, error: bool = True) -> str:
    colour = _ERROR if error else "inherit"
    return (
        f"<div style='color:{colour};white-space:pre-wrap'><b>{html.escape(title)}</b>"
        + (f"<br>{html.escape(detail)}" if detail else "")
        + "</div>"
    )


class AnnotationPanel(widgets.VBox):
    """Label one article: techniques and stance per sentence, then a summary.

    Parameters
    ----------
    article_id : str
        An article of the corpus (``data/articles/articles.csv``).
    learner : str, optional
        Learner id; default :func:`widgets.paths.resolve_learner`. If none is known the
        panel first asks for one and remembers it.
    store : LabelStore, optional
        Where labels go; default ``LabelStore(directory, learner)``.
    directory : path, optional
        Folder of learner CSVs (default :func:`widgets.paths.annotation_dir`).
    targets : sequence of str, optional
        Stance targets to ask about (default: all of the article's targets).
    corpus, codebook : optional
        Loaded from ``data/`` when not given.
    keyboard : bool
        Add the keyboard region (:attr:`keyboard`); default ``True``.

    Notes
    -----
    An unknown article, an unreadable codebook or corpus, or a codebook that lacks one
    of the article's targets gives a message in the cell instead of a traceback;
    :attr:`ready` is then ``False`` and :attr:`message` holds the text.
    """

    def __init__(
        self,
        article_id: str,
        *,
        learner: str | None = None,
        store: LabelStore | None = None,
        directory: str | os.PathLike | None = None,
        targets=None,
        corpus=None,
        codebook=None,
        keyboard: bool = True,
        sentences: str = "all",
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%", max_width="1180px"))
        if sentences not in ("all", "core"):
            raise ValueError(f"sentences must be 'all' or 'core', not {sentences!r}")
        #: "core": the article's core set (data/core-sets.yml), "all" sentences a click away
        self.sentences = sentences
        # The keyboard widget finds the panel's element by this class.
        self.add_class(PANEL_CLASS)
        self.article_id = article_id
        self.ready = False
        self.message = ""
        self.store = store
        self.model: AnnotationModel | None = None
        self.keyboard: KeyboardArea | None = None
        self._directory = directory
        self._targets = targets
        self._keyboard = keyboard
        self._syncing = False
        self._last_touched: str | None = None
        self.error_area = widgets.HTML(layout=widgets.Layout(display="none"))
        self.error_area.add_class("rhetoric-lab-error")
        try:
            self._setup(learner, corpus, codebook)
        except Exception as error:  # noqa: BLE001 - shown in the cell, never swallowed
            self._show_message(
                "The panel could not start.",
                f"{type(error).__name__}: {error}\n\n{traceback.format_exc()}",
            )

    # -- setting up --------------------------------------------------------------------

    def _setup(self, learner, corpus, codebook) -> None:
        try:
            if corpus is None:
                corpus = self.store.corpus if self.store is not None else None
            if corpus is None:
                from .corpus import load_corpus

                corpus = load_corpus()
            if codebook is None:
                codebook = self.store.codebook if self.store is not None else None
            if codebook is None:
                from .codebook import load_codebook

                codebook = load_codebook(corpus=corpus)
        except (OSError, ValueError) as error:
            self._show_message("The articles or the codebook could not be read.", str(error))
            return
        self.corpus, self.codebook = corpus, codebook
        try:
            self.article = corpus.article(self.article_id)
        except KeyError as error:
            self._show_message(
                f"There is no article {self.article_id!r}.",
                "Known articles: " + (", ".join(corpus.article_ids) or "(none)") + f"\n{error}",
            )
            return
        missing = [t for t in self.article.targets if t not in codebook.target_ids]
        if missing:
            self._show_message(
                "The codebook does not match this article.",
                f"Article {self.article_id!r} names the target(s) {', '.join(missing)}, "
                f"which codebook version {codebook.version} does not define. "
                f"Codebook targets: {', '.join(codebook.target_ids)}. "
                "Ask your instructor to update data/codebook.yml or the article list.",
            )
            return
        if not self.article.sentences:
            self._show_message(
                f"Article {self.article_id!r} has no sentences.",
                "Run `rhetoric-lab build-articles` to rebuild data/articles/sentences.csv.",
            )
            return
        if self.store is not None:
            self._start(self.store)
            return
        try:
            resolved = paths.resolve_learner(learner, self._directory)
        except ValueError as error:
            self._ask_learner(str(error))
            return
        if resolved is None:
            self._ask_learner()
            return
        self._start_for(resolved)

    def _start_for(self, learner: str) -> None:
        store = LabelStore(self._directory, learner, corpus=self.corpus, codebook=self.codebook)
        self._start(store)

    def _show_message(self, title: str, detail: str = "") -> None:
        self.ready = False
        self.message = f"{title}\n{detail}".strip()
        self.message_html = widgets.HTML(_message_html(title, detail))
        self.children = [self.message_html]

    def _ask_learner(self, problem: str = "") -> None:
        self.learner_text = widgets.Text(
            description="Your learner id",
            placeholder="a name or student number",
            tooltip="Your labels are saved in a file with this name",
            style={"description_width": "initial"},
        )
        self.learner_button = widgets.Button(
            description="Start labelling",
            tooltip="Remember this learner id and open the panel",
            button_style="primary",
        )
        self.learner_message = widgets.HTML(
            _message_html("That learner id cannot be used.", problem) if problem else ""
        )
        intro = widgets.HTML(
            "<div>Before you start: type the learner id your instructor gave you (or your "
            "name). It is asked once and remembered on this computer.</div>"
        )
        self.learner_button.on_click(self._guard(self._on_learner))
        self.message = "no learner id yet"
        self.children = [
            intro,
            widgets.HBox([self.learner_text, self.learner_button]),
            self.learner_message,
            self.error_area,
        ]

    def _on_learner(self, _button=None) -> None:
        try:
            learner = paths.remember_learner(self.learner_text.value, self._directory)
        except ValueError as error:
            self.learner_message.value = _message_html(
                "That learner id cannot be used.", str(error)
            )
            return
        except OSError as error:
            self.learner_message.value = _message_html(
                "Your learner id could not be remembered.", str(error)
            )
            return
        self.learner_message.value = ""
        self._start_for(learner)

    def _start(self, store: LabelStore) -> None:
        from .core_sets import core_sentence_ids

        self.store = store
        core = core_sentence_ids(self.article_id)
        self.model = AnnotationModel(
            self.article,
            store=store,
            codebook=self.codebook,
            targets=self._targets,
            sentence_ids=core if self.sentences == "core" else None,
        )
        self._build()
        if core:  # the other view, one click away
            self.scope_button = widgets.Button(
                description="Show all sentences"
                if self.model.subset
                else f"Show the core set ({len(core)} sentences)",
                tooltip="Switch between the article's core sentences and all of them",
                layout=widgets.Layout(width="auto"),
            )
            self.scope_button.on_click(self._guard(self._switch_scope))
            self.children = [self.children[0], self.scope_button, *self.children[1:]]
        self.ready = True
        self.message = ""
        self._show_sentence()
        if store.problems:
            self._set_status(
                f"Your label file had {len(store.problems)} damaged line(s), set aside: "
                + "; ".join(store.problems[:3]),
                error=True,
                prefix="CHECK:",
            )

    def _switch_scope(self, _button=None) -> None:
        self.sentences = "all" if self.model.subset else "core"
        self._start(self.store)

    # -- building the widgets ----------------------------------------------------------

    def _build(self) -> None:
        article, codebook, model = self.article, self.codebook, self.model
        meta = " · ".join(
            html.escape(part)
            for part in (
                article.author or "no author named",
                article.outlet,
                article.published or "undated",
                article.genre,
            )
            if part
        )
        self.header = widgets.HTML(
            f"<div><b style='font-size:1.2em'>{html.escape(article.title)}</b><br>"
            f"<span style='color:{_MUTED}'>{meta}</span></div>"
        )
        self.progress = widgets.IntProgress(
            value=0,
            min=0,
            max=model.n_sentences,
            description="Progress",
            tooltip="Sentences with techniques and a stance toward every target",
            layout=widgets.Layout(width="260px"),
        )
        self.progress_text = widgets.HTML(layout=widgets.Layout(margin="0 12px"))
        self.save_status = widgets.HTML(
            "<span>nothing changed yet</span>", layout=widgets.Layout(margin="0 12px")
        )
        status_row = widgets.HBox(
            [self.progress, self.progress_text, self.save_status],
            layout=widgets.Layout(align_items="center", flex_flow="row wrap"),
        )

        self.position_label = widgets.HTML()
        self.sentence_html = widgets.HTML(layout=widgets.Layout(width="100%"))

        self.technique_buttons: dict[str, widgets.ToggleButton] = {}
        rows = []
        for category in codebook.categories:
            buttons = []
            for technique in codebook.techniques_in(category.id):
                button = widgets.ToggleButton(
                    value=False,
                    description=f"{technique.name} [{technique.key}]",
                    tooltip=technique_tooltip(technique),
                    layout=widgets.Layout(width="auto"),
                )
                button.observe(self._guard(self._technique_handler(technique.id)), names="value")
                self.technique_buttons[technique.id] = button
                buttons.append(button)
            if not buttons:
                continue
            label = widgets.HTML(
                f"<span title='{html.escape(category.description)}' "
                f"style='font-weight:600'>{html.escape(category.name)}</span>",
                layout=widgets.Layout(width="170px", min_width="170px"),
            )
            rows.append(
                widgets.HBox(
                    [label, *buttons],
                    layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
                )
            )
        self.no_technique_button = widgets.ToggleButton(
            value=False,
            description=f"No technique [{codebook.no_technique_key}]",
            tooltip="I looked at this sentence and it uses none of the techniques "
            f"(key {codebook.no_technique_key}). Different from not looked at yet.",
            layout=widgets.Layout(width="auto"),
        )
        self.no_technique_button.observe(self._guard(self._on_no_technique), names="value")
        rows.append(
            widgets.HBox(
                [
                    widgets.HTML(
                        "<span style='font-weight:600'>None of these</span>",
                        layout=widgets.Layout(width="170px", min_width="170px"),
                    ),
                    self.no_technique_button,
                ]
            )
        )
        self.technique_box = widgets.VBox(rows)

        stance_options = [(s.name, s.id) for s in codebook.stances]
        stance_tooltips = [f"{s.name} (key {s.key}): {s.definition}" for s in codebook.stances]

        def stance_toggles() -> dict[str, widgets.ToggleButtons]:
            """favor / against / none for each target (one set per sentence step and
            one for the summary step; both save through the same handler)."""
            toggles = {}
            for target_id in model.targets:
                buttons = widgets.ToggleButtons(
                    options=stance_options,
                    value=None,
                    description=codebook.target(target_id).name,
                    tooltips=stance_tooltips,
                    style={"description_width": "220px", "button_width": "90px"},
                )
                buttons.observe(self._guard(self._stance_handler(target_id)), names="value")
                toggles[target_id] = buttons
            return toggles

        self.stance_buttons: dict[str, widgets.ToggleButtons] = stance_toggles()
        self.stance_box = widgets.VBox(
            [widgets.HTML("<b>Stance</b> (toward each target)"), *self.stance_buttons.values()]
        )
        self.summary_stance_buttons: dict[str, widgets.ToggleButtons] = stance_toggles()
        self.frame_buttons = widgets.ToggleButtons(
            options=[(f.name, f.id) for f in codebook.frames],
            value=None,
            description="Main frame",
            tooltips=[f"{f.name}: {f.definition}" for f in codebook.frames],
            style={"description_width": "220px", "button_width": "auto"},
        )
        self.frame_buttons.observe(self._guard(self._on_frame), names="value")
        self.summary_box = widgets.VBox(
            [
                widgets.HTML(
                    "<b>Article summary.</b> Now that you have read the whole article: "
                    "what is the writer's overall stance toward each target, and which "
                    "frame does the article mainly use?"
                ),
                *self.summary_stance_buttons.values(),
                self.frame_buttons,
            ],
            layout=widgets.Layout(display="none"),
        )

        self.prev_button = widgets.Button(
            description="◀ Previous [k]", tooltip="Previous sentence (k or ←)"
        )
        self.next_button = widgets.Button(
            description="Next ▶ [j]", tooltip="Next sentence (j or →)"
        )
        self.next_unlabelled_button = widgets.Button(
            description="Next unlabelled",
            tooltip="Go to the next sentence that still needs techniques or a stance",
        )
        self.summary_button = widgets.Button(
            description="Summary [s]", tooltip="The article summary: overall stance and frame"
        )
        self.undo_button = widgets.Button(
            description="Undo [u]", tooltip="Undo your last change (u)", icon="undo"
        )
        self.help_button = widgets.ToggleButton(
            value=False,
            description="? Help [h]",
            tooltip="Show the definitions of the techniques you chose or last touched (h or ?)",
        )
        self.prev_button.on_click(self._guard(lambda _b: self._navigate(self.model.previous)))
        self.next_button.on_click(self._guard(lambda _b: self._navigate(self.model.next)))
        self.next_unlabelled_button.on_click(
            self._guard(lambda _b: self._navigate(self.model.go_next_unlabelled))
        )
        self.summary_button.on_click(
            self._guard(lambda _b: self._navigate(self.model.go, self.model.summary_index))
        )
        self.undo_button.on_click(self._guard(lambda _b: self._undo()))
        self.help_button.observe(self._guard(lambda _c: self._show_help()), names="value")
        nav = widgets.HBox(
            [
                self.prev_button,
                self.next_button,
                self.next_unlabelled_button,
                self.summary_button,
                self.undo_button,
                self.help_button,
            ],
            layout=widgets.Layout(flex_flow="row wrap"),
        )
        legend_rows = "".join(
            f"<tr><td style='padding:0 8px'><kbd>{html.escape(k)}</kbd></td>"
            f"<td>{html.escape(v)}</td></tr>"
            for k, v in key_legend(codebook)
        )
        self.legend = widgets.HTML(
            "<details><summary>Keyboard keys (they work once you click the panel or "
            "tab into it; Tab leaves)</summary><table style='font-size:0.9em'>"
            f"{legend_rows}</table></details>"
        )
        if self._keyboard:
            self.keyboard = KeyboardArea(keys=panel_keys(codebook))
            self.keyboard.on_key(self._guard(self.handle_key))
        self.key_area = widgets.VBox(
            [
                *([self.keyboard] if self.keyboard is not None else []),
                self.position_label,
                self.sentence_html,
                self.technique_box,
                self.stance_box,
                self.summary_box,
                nav,
                self.legend,
            ],
            layout=widgets.Layout(border="1px solid #d0d0d0", padding="6px"),
        )

        self.confidence = widgets.ToggleButtons(
            options=[(level.capitalize(), level) for level in CONFIDENCE_LEVELS],
            value=None,
            description="Confidence (optional)",
            tooltips=[_CONFIDENCE_TIPS.get(level, level) for level in CONFIDENCE_LEVELS],
            style={"description_width": "160px", "button_width": "80px"},
        )
        self.confidence.observe(self._guard(self._on_confidence), names="value")
        self.note = widgets.Textarea(
            description="Why?",
            placeholder="Optional: what made you choose these labels (saved when you "
            "click outside the box)",
            tooltip="Your reasons for this sentence's labels; saved when you leave the box",
            continuous_update=False,
            layout=widgets.Layout(width="95%", height="3.5em"),
        )
        self.note.observe(self._guard(self._on_note), names="value")
        self.jump = widgets.Dropdown(
            options=[
                (f"{s.position}. {_short(s.text)}", index)
                for index, s in enumerate(model.sentences)
            ]
            + [("Article summary", model.summary_index)],
            value=model.index,
            description="Jump to",
            tooltip="Go to any sentence of the article, or to the summary",
            layout=widgets.Layout(width="95%"),
        )
        self.jump.observe(self._guard(self._on_jump), names="value")
        details = widgets.VBox([self.confidence, self.note, self.jump])

        self.help_area = widgets.HTML(layout=widgets.Layout(display="none"))
        self.labels_button = widgets.ToggleButton(
            value=False,
            description="My labels so far",
            tooltip="Show a table of every sentence and what you said about it",
        )
        self.labels_table = widgets.HTML(layout=widgets.Layout(display="none"))
        self.labels_button.observe(self._guard(lambda _c: self._show_labels()), names="value")

        self.children = [
            self.header,
            status_row,
            self.error_area,
            self.key_area,
            details,
            self.help_area,
            self.labels_button,
            self.labels_table,
        ]

    # -- callbacks ---------------------------------------------------------------------

    def _guard(self, callback: Callable) -> Callable:
        """Wrap a callback so an error shows in the panel (escaped) instead of vanishing."""

        def guarded(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - shown to the learner, not swallowed
                self._show_error(error)
                return None

        return guarded

    def _show_error(self, error: BaseException) -> None:
        detail = "".join(traceback.format_exception(error))
        self.error_area.value = (
            f"<div style='color:{_ERROR}'><b>Something went wrong:</b> "
            f"{html.escape(type(error).__name__)}: {html.escape(str(error))}"
            "<details><summary>details for your instructor</summary>"
            f"<pre style='white-space:pre-wrap'>{html.escape(detail)}</pre></details></div>"
        )
        self.error_area.layout.display = None
        if self.model is not None:
            self._syncing = False
            try:
                self._refresh()
            except Exception:  # noqa: BLE001 - the first error is the one to show
                pass

    def _clear_error(self) -> None:
        if self.error_area.layout.display != "none":
            self.error_area.value = ""
            self.error_area.layout.display = "none"

    def _technique_handler(self, technique_id: str):
        def on_change(change):
            if self._syncing:
                return
            self._last_touched = technique_id
            self._change(lambda: self.model.toggle_technique(technique_id, on=change["new"]))

        return on_change

    def _stance_handler(self, target_id: str):
        def on_change(change):
            if self._syncing or change["new"] is None:
                return
            self._change(lambda: self.model.set_stance(change["new"], target=target_id))

        return on_change

    def _on_no_technique(self, change) -> None:
        if self._syncing:
            return
        if change["new"]:
            self._change(self.model.set_no_technique)
        else:
            # "Not looked at yet" cannot be chosen again; undo takes a label back.
            self._refresh()

    def _on_frame(self, change) -> None:
        if self._syncing or change["new"] is None:
            return
        self._change(lambda: self.model.set_frame(change["new"]))

    def _on_confidence(self, change) -> None:
        if self._syncing:
            return
        self._change(lambda: self.model.set_confidence(change["new"] or ""))

    def _on_note(self, change) -> None:
        if self._syncing:
            return
        self._change(lambda: self.model.set_note(change["new"]))

    def _on_jump(self, change) -> None:
        if self._syncing or change["new"] is None:
            return
        self._navigate(self.model.go, change["new"])

    # -- actions -----------------------------------------------------------------------

    def handle_key(self, key) -> KeyAction:
        """Carry out a key press (a key name or a keydown message); return the action."""
        action = handle_key(self.model, key)
        target_id = self.model.target_id
        kind = action.kind
        if kind == "toggle":
            self._last_touched = action.value
            self._change(lambda: self.model.toggle_technique(action.value))
        elif kind == "no-technique":
            self._change(self.model.set_no_technique)
        elif kind == "stance":
            self._change(lambda: self.model.set_stance(action.value))
        elif kind == "cycle-target":
            self.model.cycle_target()
            self._refresh_targets()
        elif kind == "next":
            self._navigate(self.model.next)
        elif kind == "previous":
            self._navigate(self.model.previous)
        elif kind == "summary":
            self._navigate(self.model.go, self.model.summary_index)
        elif kind == "undo":
            self._undo()
        elif kind == "help":
            self.help_button.value = not self.help_button.value
        self._show_key_status(key, action, target_id)
        return action

    def _show_key_status(self, key, action: KeyAction, target_id: str) -> None:
        """Say on the keyboard bar what the last key did (read out by screen readers)."""
        if self.keyboard is None:
            return
        name = key.get("key", "") if isinstance(key, dict) else str(key)
        kind = action.kind
        if kind == "toggle":
            on = action.value in (self.model.state().techniques or ())
            done = f"{self.codebook.technique(action.value).name} {'on' if on else 'off'}"
        elif kind == "no-technique":
            done = "no technique"
        elif kind == "stance":
            stance = next(s.name for s in self.codebook.stances if s.id == action.value)
            done = f"{stance} toward {self.codebook.target(target_id).name}"
        elif kind == "cycle-target":
            done = f"stance keys now for {self.codebook.target(self.model.target_id).name}"
        elif kind == "ignore":
            done = "not a panel key here"
        elif kind in ("next", "previous", "summary"):
            done = f"{kind}: now {self.model.position_text()}"
        else:
            done = kind
        self.keyboard.status = f"last key {name}: {done}"

    @property
    def sentence_index(self) -> int:
        """Index of the current sentence (0-based; the summary is ``n_sentences``)."""
        return self.model.index

    def _change(self, action: Callable[[], list]) -> None:
        """Run a saving action; show what was saved, or why it was not."""
        try:
            rows = action()
        except SaveError as error:
            self._set_status(
                f"{error}. Your label is kept in memory and is written with your next "
                "change: keep this notebook open.",
                error=True,
            )
            self._refresh()
            return
        except ValueError:
            self._refresh()
            raise
        self._clear_error()
        if rows:
            self._set_saved()
        elif self.model.has_pending_note():
            self._set_status("note kept: it is saved with this sentence's first label", error=False)
        self._refresh()

    def _set_saved(self) -> None:
        stamp = self.store.last_saved_at
        when = stamp.astimezone().strftime("%H:%M:%S") if stamp else ""
        self.save_status.value = (
            f"<span style='color:{_OK}' title='{html.escape(str(self.store.path))}'>"
            f"✓ saved {when}</span>"
        )

    def _set_status(self, text: str, *, error: bool, prefix: str = "NOT SAVED:") -> None:
        if error:
            self.save_status.value = (
                f"<span style='color:{_ERROR};font-weight:600'>⚠ {html.escape(prefix)} "
                f"{html.escape(text)}</span>"
            )
        else:
            self.save_status.value = f"<span>{html.escape(text)}</span>"

    def _navigate(self, move: Callable, *args) -> None:
        self._flush_note()
        move(*args)
        self._show_sentence()

    def _flush_note(self) -> None:
        """Save a note the browser synced but no observer saved yet (never lose text)."""
        if self.note.value != self.model.state().note:
            self._change(lambda: self.model.set_note(self.note.value))

    def _undo(self) -> None:
        self._flush_note()
        try:
            undone = self.model.undo()
        except SaveError as error:
            self._set_status(f"{error}. The undo is kept in memory.", error=True)
            self._show_sentence()
            return
        if undone is None:
            self._set_status("nothing to undo in this session", error=False)
        else:
            self._set_saved()
        self._show_sentence()

    # -- showing the model -------------------------------------------------------------

    def _show_sentence(self) -> None:
        """Show the current sentence (or the summary) after a move."""
        model = self.model
        self._syncing = True
        try:
            on_summary = model.on_summary
            self.position_label.value = (
                f"<span style='color:{_MUTED}'>{html.escape(model.position_text())}</span>"
            )
            if on_summary:
                done = model.labelled_count == model.n_sentences
                self.sentence_html.value = (
                    "<div style='font-size:1.1em;padding:6px 0'>"
                    + (
                        "Every sentence is labelled."
                        if done
                        else f"{model.n_sentences - model.labelled_count} sentence(s) still "
                        "need a label: use “Next unlabelled”."
                    )
                    + "</div>"
                )
            else:
                self.sentence_html.value = render_paragraph(model.paragraph(), model.sentence_id)
            self.technique_box.layout.display = "none" if on_summary else None
            self.stance_box.layout.display = "none" if on_summary else None
            self.summary_box.layout.display = None if on_summary else "none"
            self.prev_button.disabled = model.index == 0
            self.next_button.disabled = on_summary
            self.summary_button.disabled = on_summary
            self.jump.value = model.index
            if self.keyboard is not None:
                self.keyboard.status = ""  # the last key's news belonged to another sentence
        finally:
            self._syncing = False
        self._refresh()

    def _refresh(self) -> None:
        """Bring every value widget in line with what is saved for the current sentence."""
        model = self.model
        state = model.state()
        self._syncing = True
        try:
            if not model.on_summary:
                chosen = set(state.techniques or ())
                for technique_id, button in self.technique_buttons.items():
                    on = technique_id in chosen
                    if button.value != on:
                        button.value = on
                    style, icon = ("info", "check") if on else ("", "")
                    if button.icon != icon:
                        button.icon = icon
                        button.button_style = style
                none = state.techniques == ()
                if self.no_technique_button.value != none:
                    self.no_technique_button.value = none
                icon = "check" if none else ""
                if self.no_technique_button.icon != icon:
                    self.no_technique_button.icon = icon
                    self.no_technique_button.button_style = "info" if none else ""
                stance_widgets = self.stance_buttons
            else:
                if self.frame_buttons.value != (state.frame or None):
                    self.frame_buttons.value = state.frame or None
                _mark_selected(self.frame_buttons)
                stance_widgets = self.summary_stance_buttons
            for target_id, buttons in stance_widgets.items():
                value = state.stances[target_id]
                if buttons.value != value:
                    buttons.value = value
                _mark_selected(buttons)
            confidence = state.confidence or None
            if self.confidence.value != confidence:
                self.confidence.value = confidence
            _mark_selected(self.confidence)
            if self.note.value != state.note:
                self.note.value = state.note
        finally:
            self._syncing = False
        self._refresh_targets()
        self.progress.value = model.labelled_count
        summary = " · summary done" if model.summary_complete() else ""
        self.progress_text.value = f"<span>{html.escape(model.progress_text())}{summary}</span>"
        self.undo_button.disabled = not self.store.can_undo
        if self.help_button.value:
            self._show_help()
        if self.labels_button.value:
            self._show_labels()

    def _refresh_targets(self) -> None:
        model = self.model
        widgets_by_target = self.summary_stance_buttons if model.on_summary else self.stance_buttons
        for target_id, buttons in widgets_by_target.items():
            name = self.codebook.target(target_id).name
            label = f"▶ {name}" if target_id == model.target_id else name
            if buttons.description != label:
                buttons.description = label

    def _show_help(self) -> None:
        if not self.help_button.value:
            self.help_area.layout.display = "none"
            return
        self.help_area.layout.display = None
        state = self.model.state()
        shown = list(state.techniques or ())
        if self._last_touched and self._last_touched not in shown:
            shown.append(self._last_touched)
        parts = []
        for technique_id in shown:
            technique = self.codebook.technique(technique_id)
            parts.append(
                f"<p><b>{html.escape(technique.name)}</b> (key <kbd>"
                f"{html.escape(technique.key)}</kbd>)<br>{html.escape(technique.definition)}"
                f"<br><i>Hint:</i> {html.escape(technique.hint)}"
                f"<br><i>Example:</i> “{html.escape(technique.example)}”</p>"
            )
        if not parts:
            parts.append(
                "<p>Choose or touch a technique to see its definition here; hover over "
                "any button for its definition, hint and example.</p>"
            )
        stances = "".join(
            f"<li><b>{html.escape(s.name)}</b> (key <kbd>{html.escape(s.key)}</kbd>): "
            f"{html.escape(s.definition)}</li>"
            for s in self.codebook.stances
        )
        self.help_area.value = (
            "<div style='border-left:4px solid #8aa;padding-left:8px;max-width:70em'>"
            + "".join(parts)
            + f"<p><b>Stance</b></p><ul>{stances}</ul></div>"
        )

    def _show_labels(self) -> None:
        if not self.labels_button.value:
            self.labels_table.layout.display = "none"
            return
        self.labels_table.layout.display = None
        self.labels_table.value = render_labels_table(
            self.model.rows(), self.codebook, self.model.targets, self.model.index
        )


def _short(text: str) -> str:
    from .annotation_model import short_text

    return short_text(text, 70)


def _mark_selected(buttons: widgets.ToggleButtons) -> None:
    """Put a check mark icon on the selected option, so selection is not colour alone."""
    icons = ["check" if value == buttons.value else "" for _label, value in buttons.options]
    if list(buttons.icons) != icons:
        buttons.icons = icons
