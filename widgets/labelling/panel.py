"""The annotation panel: where a learner labels an article, sentence by sentence.

``AnnotationPanel("when-will-starmer-talk-to-putin")`` in a notebook cell shows the
article's header and progress, the current sentence in its paragraph, technique toggles
grouped by codebook category, a stance per target, Previous/Next, and (under "More")
confidence, a "why?" note, a jump list and the learner's labels so far; at the end an
article summary (overall stance and main frame). Every change is saved at once through
:class:`widgets.labelling.store.LabelStore`; there is no save button.

The interactive surface is one anywidget, :class:`widgets.labelling.panel_view.PanelView`; this
class is its controller. It holds no labelling logic:
:class:`widgets.labelling.model.AnnotationModel` decides what to show and what to save,
:func:`widgets.labelling.panel_keys.handle_key` maps keys (the codebook's one keymap) to actions.
Every learner action is also a method here (:meth:`choose_technique`,
:meth:`set_stance`, :meth:`move`, :meth:`undo`, :meth:`summary`, :meth:`press` …), so
tests drive the panel without a browser exactly as the browser does.

Keyboard: while focus is anywhere in the panel the codebook's keys act on the current
sentence; keys typed into the note or the jump list stay there, Tab moves on, and
JupyterLab's or Notebook 7's own notebook shortcuts do not run (see ``panel_view.js``).
"""

from __future__ import annotations

import html
import os
import traceback
from collections.abc import Callable

import ipywidgets as widgets

from .. import paths
from .messages import error_html
from .model import AnnotationModel
from .panel_keys import KeyAction, handle_key
from .panel_view import FALLBACK_MESSAGE, MOVES, PanelView, panel_spec, panel_state
from .panel_view import technique_tooltip as technique_tooltip
from .store import LabelStore, SaveError

__all__ = ["AnnotationPanel", "technique_tooltip", "PANEL_CLASS"]

#: CSS class of the panel's box (the view hides the box's "could not load" message).
PANEL_CLASS = "rhetoric-lab-panel"

_ERROR = "#991b1b"


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
        sentences: str = "all",
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%"))
        if sentences not in ("all", "core"):
            raise ValueError(f"sentences must be 'all' or 'core', not {sentences!r}")
        #: "core": the article's core set (data/core-sets.yml), "all" sentences a click away
        self.sentences = sentences
        self.add_class(PANEL_CLASS)
        self.article_id = article_id
        self.ready = False
        self.message = ""
        self.store = store
        self.model: AnnotationModel | None = None
        self.view: PanelView | None = None
        self._directory = directory
        self._targets = targets
        self._last_touched: str | None = None
        self._announce = ""
        self._save_kind = ""
        self._help_open = False
        self._labels_open = False
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
                from ..content.corpus import load_corpus

                corpus = load_corpus()
            if codebook is None:
                codebook = self.store.codebook if self.store is not None else None
            if codebook is None:
                from ..content.codebook import load_codebook

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
        from ..content.core_sets import CoreSetError, core_sentence_ids

        self.store = store
        try:
            core = core_sentence_ids(self.article_id, corpus=self.corpus)
        except CoreSetError as error:
            if self.sentences == "core":
                self._show_message("The core set could not be read.", str(error))
                return
            core = None  # the whole article needs no core set
        self.model = AnnotationModel(
            self.article,
            store=store,
            codebook=self.codebook,
            targets=self._targets,
            sentence_ids=core if self.sentences == "core" else None,
        )
        self.view = PanelView(
            spec=panel_spec(
                self.article,
                self.codebook,
                self.model,
                save_path=paths.display_path(store.path),
                **_glossary_for_help(),
            ),
            state=self._state(),
        )
        self.view.on_message(self._guard(self.handle_message))
        # Until the view's script runs (it hides this), the cell says why it is empty.
        self.fallback = widgets.HTML(
            _message_html("The labelling panel did not load.", FALLBACK_MESSAGE)
        )
        self.fallback.add_class("rl-fallback")
        self.children = [self.fallback, self.view, self.error_area]
        if core:  # the other view, one click away
            self.scope_button = widgets.Button(
                description="Show all sentences"
                if self.model.subset
                else f"Show the core set ({len(core)} sentences)",
                tooltip="Switch between the article's core sentences and all of them",
                layout=widgets.Layout(width="auto"),
            )
            self.scope_button.on_click(self._guard(self._switch_scope))
            self.children = [*self.children, self.scope_button]
        self.ready = True
        self.message = ""
        if store.problems:
            self._set_status(
                f"CHECK: your label file had {len(store.problems)} damaged line(s), set "
                "aside: " + "; ".join(store.problems[:3]),
                error=True,
            )
        else:
            self._refresh()

    def _switch_scope(self, _button=None) -> None:
        self.sentences = "all" if self.model.subset else "core"
        self._start(self.store)

    # -- what the learner can do (the browser's messages call these too) ---------------

    def choose_technique(self, technique_id: str, on: bool | None = None) -> None:
        """Switch a technique on or off (``on=None`` flips it) for the current sentence."""
        self._last_touched = technique_id
        self._change(
            lambda: self.model.toggle_technique(technique_id, on=on),
            lambda: self._technique_news(technique_id),
        )

    def choose_no_technique(self) -> None:
        """Say "looked, no technique" for the current sentence."""
        self._change(self.model.set_no_technique, lambda: "No technique")

    def set_stance(self, stance: str, target: str | None = None) -> None:
        """Choose a stance toward ``target`` (default: the active target)."""
        target_id = target or self.model.target_id
        if target is not None and target not in self.model.targets:
            raise ValueError(f"{target!r} is not a target of this panel")
        # A stance for the active target, by key or by its radio group, moves the stance
        # keys on to the next target still without one.
        active = None if target in (None, self.model.target_id) else target
        self._change(
            lambda: self.model.set_stance(stance, target=active),
            lambda: (
                f"{self.codebook.stance(stance).name} toward {self.codebook.target(target_id).name}"
            ),
        )

    def set_frame(self, frame_id: str) -> None:
        """Choose the article's main frame (the summary step)."""
        self._change(
            lambda: self.model.set_frame(frame_id),
            lambda: f"Main frame: {self.codebook.frame(frame_id).name}",
        )

    def set_confidence(self, confidence: str) -> None:
        self._change(lambda: self.model.set_confidence(confidence or ""), lambda: "Confidence")

    def set_note(self, note: str) -> None:
        self._change(lambda: self.model.set_note(note), lambda: "Note")

    def move(self, where) -> None:
        """Go to ``"previous"``, ``"next"``, ``"next-unlabelled"``, ``"summary"`` or an index."""
        model = self.model
        if where == "previous":
            model.previous()
        elif where == "next":
            model.next()
        elif where == "next-unlabelled":
            if model.go_next_unlabelled() is None:
                self._announce = (
                    f"Every sentence and the summary are labelled. {model.progress_text()}."
                )
                self._refresh()
                return
        elif where == "summary":
            model.go(model.summary_index)
        elif isinstance(where, int) and not isinstance(where, bool):
            model.go(where)
        else:
            raise ValueError(
                f"move to one of {', '.join(MOVES)} or a sentence index, not {where!r}"
            )
        self._announce = f"{model.position_text().capitalize()}. {model.progress_text()}."
        self._save_kind = ""
        self._refresh()

    def summary(self) -> None:
        """Go to the article summary step."""
        self.move("summary")

    def undo(self) -> None:
        """Undo the learner's last change (and go to its sentence)."""
        try:
            undone = self.model.undo()
        except SaveError as error:
            self._set_status(f"NOT SAVED: {error}. The undo is kept in memory.", error=True)
            return
        if undone is None:
            self._announce = "Nothing to undo in this session."
            self._save_kind = ""
        else:
            self._announce = (
                f"Undone, {self._saved_words()}: now {self.model.position_text()}. "
                f"{self.model.progress_text()}."
            )
            self._save_kind = "ok"
        self._refresh()

    def toggle_help(self, show: bool | None = None) -> None:
        self._help_open = (not self._help_open) if show is None else bool(show)
        self._refresh()

    def toggle_labels(self, show: bool | None = None) -> None:
        self._labels_open = (not self._labels_open) if show is None else bool(show)
        self._refresh()

    def press(self, key) -> KeyAction:
        """Carry out a key press (a key name or a key message); return the action."""
        action = handle_key(self.model, key)
        kind = action.kind
        if kind == "toggle":
            self.choose_technique(action.value)
        elif kind == "no-technique":
            self.choose_no_technique()
        elif kind == "stance":
            self.set_stance(action.value)
        elif kind == "cycle-target":
            self.model.cycle_target()
            self._announce = (
                f"Stance keys now for {self.codebook.target(self.model.target_id).name}."
            )
            self._refresh()
        elif kind in ("next", "previous", "summary"):
            self.move(kind)
        elif kind == "undo":
            self.undo()
        elif kind == "help":
            self.toggle_help()
        return action

    def handle_message(self, message: dict) -> None:
        """Carry out a checked message from the view (:meth:`PanelView.check`)."""
        if message["type"] == "key":
            self.press(message["key"])
            return
        action, value = message["action"], message["value"]
        if action == "toggle":
            self.choose_technique(str(value))
        elif action == "no-technique":
            self.choose_no_technique()
        elif action == "stance":
            self.set_stance(str(value), target=message["target"])
        elif action == "frame":
            self.set_frame(str(value))
        elif action == "confidence":
            self.set_confidence(str(value or ""))
        elif action == "note":
            self.set_note(str(value or ""))
        elif action == "move":
            self.move(value)
        elif action == "undo":
            self.undo()
        elif action == "help":
            self.toggle_help()
        elif action == "labels":
            self.toggle_labels()

    @property
    def sentence_index(self) -> int:
        """Index of the current sentence (0-based; the summary is ``n_sentences``)."""
        return self.model.index

    @property
    def live_text(self) -> str:
        """What the panel's live region says now (read out by screen readers)."""
        return self.view.state["announce"] if self.view is not None else ""

    # -- saving and showing ------------------------------------------------------------

    def _technique_news(self, technique_id: str) -> str:
        on = technique_id in (self.model.state().techniques or ())
        return f"{self.codebook.technique(technique_id).name} {'on' if on else 'off'}"

    def _saved_words(self) -> str:
        stamp = self.store.last_saved_at
        when = stamp.astimezone().strftime("%H:%M:%S") if stamp else ""
        return f"saved {when}".strip()

    def _change(self, action: Callable[[], list], news: Callable[[], str]) -> None:
        """Run a saving action; say what was saved, or why it was not."""
        try:
            rows = action()
        except SaveError as error:
            self._set_status(
                f"NOT SAVED: {error}. Your label is kept in memory and is written with your "
                "next change: keep this notebook open.",
                error=True,
            )
            return
        except (ValueError, KeyError):
            self._refresh()
            raise
        self._clear_error()
        if rows:
            self._announce = f"{news()}: {self._saved_words()}. {self.model.progress_text()}."
            self._save_kind = "ok"
        elif self.model.has_pending_note():
            self._announce = "Note kept: it is saved with this sentence's first label."
            self._save_kind = ""
        self._refresh()

    def _set_status(self, text: str, *, error: bool) -> None:
        self._announce = text
        self._save_kind = "error" if error else ""
        self._refresh()

    def _state(self) -> dict:
        return panel_state(
            self.model,
            self.codebook,
            announce=self._announce,
            save_kind=self._save_kind,
            help_open=self._help_open,
            labels_open=self._labels_open,
            last_touched=self._last_touched,
        )

    def _refresh(self) -> None:
        if self.view is not None:
            self.view.state = self._state()

    # -- errors ------------------------------------------------------------------------

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
        self.error_area.value = error_html(error)
        self.error_area.layout.display = None
        if self.model is not None:
            try:
                self._refresh()
            except Exception:  # noqa: BLE001 - the first error is the one to show
                pass

    def _clear_error(self) -> None:
        if self.error_area.layout.display != "none":
            self.error_area.value = ""
            self.error_area.layout.display = "none"


def _glossary_for_help() -> dict:
    """The kit's glossary for the panel's help, or why it is missing: a damaged
    ``glossary.yml`` must not keep a learner from labelling."""
    from ..content.glossary import GlossaryError, load_glossary

    try:
        return {"glossary": load_glossary()}
    except (OSError, GlossaryError) as error:
        return {"glossary_problem": f"The glossary could not be read: {error}"}
