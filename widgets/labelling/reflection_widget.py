"""The reflection box: a text area that saves as the learner types.

``Reflection(question_id)`` shows one question (from ``data/reflection-questions.yml``) and
a text area holding the learner's latest saved answer, so it is restored after a kernel
restart. Typing starts a short timer; when the learner pauses for ``debounce`` seconds
the text is saved (:class:`widgets.labelling.reflections.ReflectionStore`). ``reflect(lesson)``
lays out every question one lesson asks.

The answer is data, never markup: it lives in the text area's value and every message
about it is escaped.
"""

from __future__ import annotations

import html
import threading
import traceback

import ipywidgets as widgets
import traitlets

from .reflections import MAX_REFLECTION_LENGTH, ReflectionStore, load_questions

__all__ = ["Reflection", "reflect"]


class Reflection(widgets.VBox):
    """One reflection question and the learner's answer, saved as they type.

    Parameters
    ----------
    question_id : str
        A stable id from ``data/reflection-questions.yml``.
    store : ReflectionStore, optional
        Default ``ReflectionStore(directory, learner)``.
    directory, learner : optional
        Where and whose (see :class:`~widgets.labelling.reflections.ReflectionStore`).
    questions : sequence of Question, optional
        Default :func:`~widgets.labelling.reflections.load_questions`.
    debounce : float
        Seconds of no typing before the answer is saved (0 saves at once).
    """

    debounce = traitlets.Float(1.0, help="seconds of quiet before saving").tag(sync=False)
    saved_text = traitlets.Unicode("", help="the text as last saved").tag(sync=False)

    def __init__(
        self,
        question_id: str,
        *,
        store: ReflectionStore | None = None,
        directory=None,
        learner: str | None = None,
        questions=None,
        debounce: float = 1.0,
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%", max_width="900px"))
        by_id = {q.id: q for q in (questions if questions is not None else load_questions())}
        if question_id not in by_id:
            raise ValueError(
                f"unknown reflection question {question_id!r}; known: {', '.join(sorted(by_id))}"
            )
        self.question = by_id[question_id]
        self.store = store if store is not None else ReflectionStore(directory, learner)
        self.debounce = debounce
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self.prompt = widgets.HTML(
            f"<p id='q-{html.escape(question_id)}'><b>{html.escape(self.question.question)}</b></p>"
        )
        self.text = widgets.Textarea(
            value=self.store.current(question_id),
            placeholder="Write your answer here; it is saved as you type.",
            continuous_update=True,
            layout=widgets.Layout(width="100%", height="8em"),
        )
        # The question is the text area's accessible name.
        self.text.description = "Your answer"
        self.text.description_allow_html = False
        self.text.style.description_width = "initial"
        self.status = widgets.HTML()
        self.saved_text = self.text.value
        self._show_status("saved" if self.saved_text else "not answered yet")
        self.text.observe(self._on_type, names="value")
        self.children = [self.prompt, self.text, self.status]

    def _show_status(self, text: str, *, error: bool = False) -> None:
        colour = "color:#b00020;" if error else "color:#555;"
        role = "alert" if error else "status"
        self.status.value = (
            f"<div role='{role}' aria-live='polite' style='{colour}font-size:0.9em'>"
            f"{html.escape(text)}</div>"
        )

    def _on_type(self, _change=None) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if self.debounce <= 0:
                self._timer = None
            else:
                self._timer = threading.Timer(self.debounce, self.flush)
                self._timer.daemon = True
                self._timer.start()
                self._show_status("typing…")
                return
        self.flush()

    def flush(self) -> bool:
        """Save the text now (what the debounce timer calls). True when it is saved."""
        with self._lock:
            self._timer = None
        value = self.text.value
        if len(value) > MAX_REFLECTION_LENGTH:
            self._show_status(
                f"NOT SAVED: this answer is {len(value):,} characters; at most "
                f"{MAX_REFLECTION_LENGTH:,} are kept. Shorten it; the last saved version "
                "is kept until then.",
                error=True,
            )
            return False
        try:
            row = self.store.save(self.question.id, value)
        except (OSError, ValueError) as error:
            self._show_status(f"NOT SAVED: {error}", error=True)
            return False
        except Exception as error:  # noqa: BLE001 - shown, never lost in a thread
            self._show_status(
                f"NOT SAVED: {type(error).__name__}: {error}\n{traceback.format_exc(limit=2)}",
                error=True,
            )
            return False
        self.saved_text = value
        if row is not None:
            self._show_status(f"saved at {row['saved_at'][11:19]} UTC")
        return True


def reflect(lesson: str, *, directory=None, learner: str | None = None, debounce: float = 1.0):
    """Every reflection question of ``lesson`` (the notebook's stem, e.g.
    ``"03-loaded-language-and-framing"``), one :class:`Reflection` each, in a column."""
    questions = load_questions()
    mine = [q for q in questions if q.lesson == lesson]
    if not mine:
        raise ValueError(f"no reflection questions for lesson {lesson!r}")
    store = ReflectionStore(directory, learner)
    boxes = [Reflection(q.id, store=store, questions=questions, debounce=debounce) for q in mine]
    return widgets.VBox(boxes, layout=widgets.Layout(width="100%"))
