"""Compare a learner's labels of an article with the instructor's answer key.

:func:`compare_with_key` is the pure comparison (DataFrames in, a frozen
:class:`SelfCheckResult` out); :class:`SelfCheck` is the widget a lesson shows after the
labelling exercise. The key is read with :func:`widgets.content.answers.load_key` and the
contested readings with :func:`widgets.content.answers.load_contested` (``answers/key/`` and
``answers/contested/``). A reading listed as contested counts as agreeing when the
learner chose it, and the table says why careful readers differ.

The widget keeps the key hidden until every sentence of the article is labelled, unless
the learner clicks "Reveal anyway". In a learner release (no ``answers/``) the key comes
from :mod:`widgets.classroom.locked_keys`: the widget asks for the teacher's four-word code (or, in
a self-study bundle, unlocks by itself once the article or its core set is labelled), and
says kindly that the key is with the instructor when there is no locked key either.

Once a key is available the learner can check one sentence as they go
(:meth:`SelfCheck.check_sentence`): the key's label, rationale and any contested reading
for that sentence only. Every look at the key (one sentence, or the whole article through
"Reveal anyway") is a ``status=revealed`` row in the learner's file
(:meth:`widgets.labelling.store.LabelStore.reveal`), so class agreement can use the labels given
before it (:mod:`widgets.analysis.reveals`).
"""

from __future__ import annotations

import functools
import html
import math
import os
from pathlib import Path

import ipywidgets as widgets

from ..labelling.messages import ERROR_COLOUR, error_html
from ..labelling.model import labelled_sentence_ids, short_text
from ..schema import (
    REVEAL_WHOLE_ARTICLE,
)
from ..templating import template_environment
from .key_comparison import SelfCheckResult, SentenceComparison, compare_with_key

__all__ = [
    "SentenceComparison",
    "SelfCheckResult",
    "compare_with_key",
    "render_result",
    "render_sentence",
    "SelfCheck",
]

_ERROR = ERROR_COLOUR


# -- rendering -------------------------------------------------------------------------


def _number(value: float, *, percent: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.0%}" if percent else f"{value:.2f}"


def _tag_names(techniques, codebook) -> str:
    if techniques is None:
        return "—"
    if not techniques:
        return "no technique"
    names = []
    for technique_id in techniques:
        try:
            names.append(codebook.technique(technique_id).name)
        except KeyError:
            names.append(technique_id)
    return ", ".join(names)


def _verdict(agree: bool | None) -> str:
    # Words as well as symbols: agreement is never shown by colour alone.
    if agree is None:
        return "—"
    return "✓ yes" if agree else "✗ no"


_TEMPLATES = Path(__file__).with_name("templates")


@functools.cache
def _template(name: str = "selfcheck.html.j2"):
    return template_environment(_TEMPLATES).get_template(name)


def _sentence_view(s, targets, codebook) -> dict:
    """One row of the per-sentence table, as text (the template escapes it)."""
    rationale = s.rationale
    extra = {r for r in s.stance_rationale.values() if r and r != rationale}
    if extra:
        rationale = " ".join([rationale, *sorted(extra)]).strip()
    contested = s.contested
    if s.used_alternative:
        contested = "You chose the contested reading. " + contested
    return {
        "position": s.position,
        "text": short_text(s.text, 90),
        "yours": _tag_names(s.learner_techniques, codebook),
        "key": _tag_names(s.key_techniques, codebook),
        "alternative": None if s.alt_techniques is None else _tag_names(s.alt_techniques, codebook),
        "verdict": _verdict(s.techniques_agree),
        "stances": [
            (
                s.learner_stances.get(t) or "—",
                s.key_stances.get(t) or "—",
                _verdict(s.stances_agree.get(t)),
            )
            for t in targets
        ],
        "rationale": rationale,
        "contested": contested,
    }


def render_result(result: SelfCheckResult, codebook, targets) -> str:
    """The self-check as HTML (``templates/selfcheck.html.j2``): overview, per-technique
    table, per-sentence table."""
    return _template().render(
        css=(_TEMPLATES / "selfcheck.css").read_text(encoding="utf-8"),
        r=result,
        technique_agreement=_number(result.technique_agreement, percent=True),
        precision=_number(result.micro_precision),
        recall=_number(result.micro_recall),
        stance_agreement=_number(result.stance_agreement, percent=True),
        stance_kappa=_number(result.stance_kappa),
        techniques=[
            (
                row.name,
                row.tp,
                row.fp,
                row.fn,
                _number(row.precision),
                _number(row.recall),
                _number(row.kappa),
            )
            for row in result.per_technique.itertuples(index=False)
            if row.tp + row.fp + row.fn
        ],  # fmt: skip
        target_names=[codebook.target(t).name if t in codebook.target_ids else t for t in targets],
        sentences=[_sentence_view(s, targets, codebook) for s in result.sentences],
    )


# -- the widget ------------------------------------------------------------------------


class SelfCheck(widgets.VBox):
    """Compare the learner's labels of one article with the answer key.

    Parameters
    ----------
    article_id : str
    learner : str, optional
        Default :func:`widgets.paths.resolve_learner`.
    store : LabelStore, optional
        The learner's labels; default ``LabelStore(directory, learner)``.
    directory : path, optional
        Folder of learner CSVs (unlocked keys are kept there too).
    answers : path, optional
        The answers folder (default :func:`widgets.paths.answers_dir`).
    keys : path, optional
        Folder of locked keys (default :func:`widgets.paths.locked_keys_dirs`).
    corpus, codebook : optional
        Loaded from ``data/`` when not given.

    Attributes
    ----------
    result : SelfCheckResult or None
        Set once the comparison is shown.
    reveal_button, refresh_button : Button
    code_box, unlock_button : Text, Button
        Shown while the article's key is locked.
    sentence_picker, check_button, sentence_output : Dropdown, Button, HTML
        Check one labelled sentence against the key (shown once a key is available).
    message : HTML
        What the learner reads when the key is not (yet) shown.
    """

    def __init__(
        self,
        article_id: str,
        *,
        learner: str | None = None,
        store=None,
        directory: str | os.PathLike | None = None,
        answers: str | os.PathLike | None = None,
        keys: str | os.PathLike | None = None,
        corpus=None,
        codebook=None,
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%", max_width="1180px"))
        self.article_id = article_id
        self.result: SelfCheckResult | None = None
        self.revealed = False
        self.store = store
        self._learner, self._directory, self._answers = learner, directory, answers
        self._keys = keys
        self._corpus, self._codebook = corpus, codebook
        self._key = None  # the UnlockedKey in use, once available
        self.message = widgets.HTML()
        self.output = widgets.HTML()
        self.error_area = widgets.HTML()
        self.reveal_button = widgets.Button(
            description="Reveal anyway",
            tooltip="Show the answer key now, before you have labelled every sentence",
            layout=widgets.Layout(display="none", width="auto"),
        )
        self.refresh_button = widgets.Button(
            description="Check again",
            tooltip="Read your latest labels and compare again",
            icon="refresh",
        )
        self.code_box = widgets.Text(
            description="Unlock code",
            placeholder="four words, e.g. apple river stone lamp",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="28em"),
        )
        self.unlock_button = widgets.Button(
            description="Unlock",
            tooltip="Unlock this article's key with the code your teacher gave you",
            icon="unlock",
        )
        self.unlock_row = widgets.HBox(
            [self.code_box, self.unlock_button], layout=widgets.Layout(display="none")
        )
        self.sentence_picker = widgets.Dropdown(
            description="Check sentence",
            style={"description_width": "initial"},
            layout=widgets.Layout(width="40em"),
        )
        self.check_button = widgets.Button(
            description="Check this sentence",
            tooltip="Show the key's label and rationale for this sentence only",
            layout=widgets.Layout(width="auto"),
        )
        self.sentence_output = widgets.HTML()
        self.sentence_row = widgets.VBox(
            [widgets.HBox([self.sentence_picker, self.check_button]), self.sentence_output],
            layout=widgets.Layout(display="none"),
        )
        self.reveal_button.on_click(self._guard(self._on_reveal))
        self.refresh_button.on_click(self._guard(lambda _b: self.update()))
        self.unlock_button.on_click(self._guard(lambda _b: self.unlock(self.code_box.value)))
        self.check_button.on_click(
            self._guard(lambda _b: self.check_sentence(self.sentence_picker.value))
        )
        self.children = [
            self.message,
            self.unlock_row,
            widgets.HBox([self.refresh_button, self.reveal_button]),
            self.sentence_row,
            self.error_area,
            self.output,
        ]
        self._guard(lambda: self.update())()

    def _guard(self, callback):
        def guarded(*args, **kwargs):
            try:
                return callback(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - shown in the cell, never swallowed
                self.error_area.value = error_html(error)
                return None

        return guarded

    def _say(self, text: str, *, error: bool = False) -> None:
        colour = f"color:{_ERROR};" if error else ""
        role = " role='alert'" if error else " role='status'"
        self.message.value = (
            f"<div{role} style='{colour}white-space:pre-wrap'>{html.escape(text)}</div>"
        )

    def _on_reveal(self, _button=None) -> None:
        self.store.reveal(self.article_id)  # the whole article: recorded before it shows
        self.revealed = True
        self.update()

    @property
    def _annotation_dir(self):
        return self.store.directory if self.store is not None else self._directory

    def _prepare(self):
        """Corpus, codebook, the article and the store (the key is looked up apart)."""
        if self._corpus is None:
            if self.store is not None:
                self._corpus = self.store.corpus
            else:
                from ..content.corpus import load_corpus

                self._corpus = load_corpus()
        if self._codebook is None:
            if self.store is not None:
                self._codebook = self.store.codebook
            else:
                from ..content.codebook import load_codebook

                self._codebook = load_codebook(corpus=self._corpus)
        article = self._corpus.article(self.article_id)
        if self.store is None:
            from ..labelling.store import LabelStore

            self.store = LabelStore(
                self._directory, self._learner, corpus=self._corpus, codebook=self._codebook
            )
        return article

    def unlock(self, code: str) -> bool:
        """Unlock the article's key with ``code``; show the outcome. True on success."""
        from ..classroom.locked_keys import UnlockError, unlock

        try:
            self._key = unlock(
                self.article_id, code, keys_dir=self._keys, directory=self._annotation_dir
            )
        except UnlockError as error:
            self._say(str(error), error=True)
            return False
        self.code_box.value = ""
        self.update()
        return True

    def _hide_key_controls(self) -> None:
        self.output.value = ""
        self.reveal_button.layout.display = "none"
        self.sentence_row.layout.display = "none"

    def _key_or_explain(self, article, labels):
        """The available key, or ``None`` after saying why not (and how to unlock)."""
        from ..classroom.locked_keys import KeyLocked, available_key, self_study_unlock

        self.unlock_row.layout.display = "none"
        try:
            return available_key(
                self.article_id,
                answers=self._answers,
                directory=self._annotation_dir,
                keys_dir=self._keys,
            )
        except KeyLocked as locked:
            if locked.locked is None:
                self._say(str(locked))
                self.refresh_button.layout.display = "none"
                return None
            if locked.self_study:
                remaining = _self_study_remaining(labels, article)
                if not remaining:
                    return self_study_unlock(
                        self.article_id, keys_dir=locked.locked.parent,
                        directory=self._annotation_dir,
                    )  # fmt: skip
                self._say(
                    f"{locked} Label {remaining} more sentence{'s' if remaining != 1 else ''} "
                    "to unlock it."
                )
                return None
            self.unlock_row.layout.display = None
            self._say(str(locked))
            return None

    def update(self) -> None:
        """Read the labels again and show the comparison (or why it is not shown)."""
        self.error_area.value = ""
        try:
            article = self._prepare()
        except KeyError as error:
            self._say(str(error.args[0] if error.args else error), error=True)
            return
        except ValueError as error:
            self._say(f"The self-check could not start: {error}", error=True)
            return
        self.store.refresh()
        labels = self.store.labels(self.article_id)
        try:
            self._key = self._key_or_explain(article, labels)
        except ValueError as error:  # a damaged self-study key, a broken answers/ file
            self._key = None
            self._say(f"The self-check could not read the key: {error}", error=True)
        if self._key is None:
            self._hide_key_controls()
            self.result = None
            return
        self._offer_sentence_check(article, labels)
        done = labelled_sentence_ids(labels, article)
        remaining = len(article.sentences) - len(done)
        self.revealed = self.revealed or any(
            r["sentence_id"] == REVEAL_WHOLE_ARTICLE for r in self.store.reveals(self.article_id)
        )
        if remaining and not self.revealed:
            self.result = None
            self.output.value = ""
            self._say(
                f"Label {remaining} more sentence{'s' if remaining != 1 else ''} first: "
                f"you have labelled {len(done)} of {len(article.sentences)} (techniques and "
                "a stance toward every target). The whole key stays hidden until then, so "
                "that it does not steer your reading; you can check a sentence you have "
                "labelled below. Click “Reveal anyway” if your instructor asks you to look now."
            )
            self.reveal_button.layout.display = None
            return
        self.reveal_button.layout.display = "none"
        self.result = compare_with_key(
            labels, self._key.key, self._key.contested, self._codebook, article=article
        )
        note = (
            f" You have not labelled {remaining} sentence(s); they are left out of the scores."
            if remaining
            else ""
        )
        self._say(f"Your labels of “{article.title}” against the answer key.{note}")
        self.output.value = render_result(self.result, self._codebook, article.targets)

    def _offer_sentence_check(self, article, labels) -> None:
        """Fill the picker with the labelled sentences, the latest labelled first."""
        mine = labels[labels["sentence_id"].isin(list(article.sentence_index))]
        latest = mine.sort_values("saved_at", kind="stable")["sentence_id"].tolist()
        order = list(dict.fromkeys(reversed(latest)))
        options = [
            (
                f"{article.sentence_index[s].position}. {short_text(article.sentence_index[s].text, 70)}",
                s,
            )
            for s in order
        ]
        self.sentence_row.layout.display = None if options else "none"
        current = self.sentence_picker.value
        self.sentence_picker.options = options
        if options:
            self.sentence_picker.value = current if current in order else order[0]

    def check_sentence(self, sentence_id: str | None) -> SentenceComparison | None:
        """Show the key for one sentence the learner has labelled, recording the reveal.

        Returns the comparison shown, or ``None`` (no key yet, nothing picked, or the
        sentence is not labelled: the key is not shown for a sentence before it is)."""
        if self._key is None or not sentence_id:
            return None
        article = self._corpus.article(self.article_id)
        labels = self.store.labels(self.article_id)
        if sentence_id not in set(labels["sentence_id"]):
            self.sentence_output.value = (
                "<div role='status'>Label this sentence first; then check it.</div>"
            )
            return None
        self.store.reveal(self.article_id, sentence_id)  # recorded before it shows
        result = compare_with_key(
            labels, self._key.key, self._key.contested, self._codebook, article=article
        )
        comparison = next(s for s in result.sentences if s.sentence_id == sentence_id)
        self.sentence_output.value = render_sentence(comparison, self._codebook, article.targets)
        return comparison


def _self_study_remaining(labels, article) -> int:
    """Sentences still to label before a self-study key unlocks: of the core set when
    one is listed, else of the whole article."""
    from ..content.core_sets import core_sentence_ids

    done = labelled_sentence_ids(labels, article)
    core = core_sentence_ids(article.article_id)
    needed = set(core) if core else {s.sentence_id for s in article.sentences}
    return len(needed - done)


def render_sentence(comparison: SentenceComparison, codebook, targets) -> str:
    """One sentence's check as HTML: your label, the key's, its rationale and any
    contested reading (every text escaped)."""
    e = html.escape
    rows = [
        ("your techniques", _tag_names(comparison.learner_techniques, codebook)),
        ("key techniques", _tag_names(comparison.key_techniques, codebook)),
        ("agree?", _verdict(comparison.techniques_agree)),
    ]
    for target in targets:
        name = codebook.target(target).name if target in codebook.target_ids else target
        rows.append(
            (
                f"stance toward {name} (you / key)",
                f"{comparison.learner_stances.get(target) or '—'} / "
                f"{comparison.key_stances.get(target) or '—'} "
                f"{_verdict(comparison.stances_agree.get(target))}",
            )
        )
    rationale = " ".join(
        [comparison.rationale]
        + sorted({r for r in comparison.stance_rationale.values() if r != comparison.rationale})
    ).strip()
    rows.append(("rationale", rationale or "—"))
    if comparison.contested:
        rows.append(("contested", comparison.contested))
    body = "".join(
        f"<tr><th scope='row' style='text-align:left;padding:2px 6px'>{e(k)}</th>"
        f"<td style='padding:2px 6px'>{e(v)}</td></tr>"
        for k, v in rows
    )
    return (
        f"<div role='region' aria-label='Key for sentence {comparison.position}'>"
        f"<p><b>Sentence {comparison.position}:</b> {e(comparison.text)}</p>"
        f"<table style='border-collapse:collapse'>{body}</table></div>"
    )
