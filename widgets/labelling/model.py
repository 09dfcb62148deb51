"""What the annotation panel shows and does, without any widget.

:class:`AnnotationModel` holds one learner's place in one article (the current sentence,
the active stance target, a note typed before any label) and turns a learner's choices
into :meth:`widgets.labelling.store.LabelStore.save` calls. The panel (:mod:`widgets.labelling.panel`) only
shows this model and forwards clicks and keys to it, so everything a learner can do is
testable here without a browser.

A sentence is *labelled* when its techniques were decided (``()`` = "looked, no
technique") and it has a stance toward every target of the article. The article summary
(``sentence_id == "summary"``) is the step after the last sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import STANCES, SUMMARY_SENTENCE_ID, TECHNIQUE_TARGET, split_techniques

__all__ = [
    "AnnotationModel",
    "SentenceState",
    "LabelRow",
    "labelled_sentence_ids",
    "short_text",
]


def short_text(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters at a word boundary, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut + "…"


def labelled_sentence_ids(labels, article) -> set[str]:
    """Ids of the article's sentences that are fully labelled in ``labels``.

    Parameters
    ----------
    labels : DataFrame
        Current labels (as :meth:`LabelStore.labels` returns them), any articles.
    article : widgets.content.corpus.Article

    Returns
    -------
    set of str
        Sentences with a technique row and a stance row for every target.
    """
    mine = labels[labels["article_id"] == article.article_id]
    keys = set(zip(mine["sentence_id"], mine["target"], strict=True))
    needed = (TECHNIQUE_TARGET, *article.targets)
    return {
        s.sentence_id
        for s in article.sentences
        if all((s.sentence_id, target) in keys for target in needed)
    }


@dataclass(frozen=True)
class SentenceState:
    """What a learner has said about one sentence (or the summary).

    ``techniques`` is ``None`` when the sentence was never looked at, ``()`` for "looked,
    no technique". ``stances`` maps each target to its stance or ``None``.
    """

    sentence_id: str
    techniques: tuple[str, ...] | None
    stances: dict[str, str | None]
    confidence: str
    note: str
    frame: str

    @property
    def complete(self) -> bool:
        return self.techniques is not None and all(v is not None for v in self.stances.values())


@dataclass(frozen=True)
class LabelRow:
    """One line of the "my labels so far" table."""

    position: int
    sentence_id: str
    text: str
    techniques: tuple[str, ...] | None
    stances: dict[str, str | None]
    note: str


class AnnotationModel:
    """One learner's place in one article, and the actions they can take.

    Parameters
    ----------
    article : widgets.content.corpus.Article
    store : widgets.labelling.store.LabelStore
        Where every change is saved at once.
    codebook : widgets.content.codebook.Codebook
    targets : sequence of str, optional
        The stance targets to ask about (default: all of the article's targets); each
        must be one of the article's targets.

    Notes
    -----
    Index ``0 .. n_sentences - 1`` are the sentences; index ``n_sentences`` is the
    article summary. Action methods return the rows the store wrote; they let
    ``ValueError`` and :class:`widgets.labelling.store.SaveError` through for the view to show.
    """

    def __init__(self, article, *, store, codebook, targets=None, sentence_ids=None) -> None:
        self.article = article
        self.store = store
        self.codebook = codebook
        self.targets: tuple[str, ...] = tuple(article.targets if targets is None else targets)
        unknown = [t for t in self.targets if t not in article.targets]
        if unknown or not self.targets:
            raise ValueError(
                f"targets {', '.join(unknown) or '(none)'} are not targets of article "
                f"{article.article_id!r}; its targets are {', '.join(article.targets)}"
            )
        self.sentences = article.sentences
        #: True when only a set of the sentences is in view (the core set); progress and
        #: "next unlabelled" count that set.
        self.subset = sentence_ids is not None
        if sentence_ids is not None:
            wanted = set(sentence_ids)
            unknown = sorted(wanted - set(article.sentence_index))
            if unknown or not wanted:
                raise ValueError(
                    f"sentences {', '.join(unknown) or '(none)'} are not in article "
                    f"{article.article_id!r}"
                )
            self.sentences = tuple(s for s in article.sentences if s.sentence_id in wanted)
        self.n_sentences = len(self.sentences)
        self.summary_index = self.n_sentences
        self.active_target = 0
        # A note or confidence given before any label of its sentence: it is saved with
        # the sentence's first label (the CSV has no row for "a note and nothing else").
        self._pending: dict[str, dict[str, str]] = {}
        self._complete = {
            i for i, s in enumerate(self.sentences) if self.state(s.sentence_id).complete
        }
        self.index = 0
        self.go(self.first_unlabelled())

    # -- reading -----------------------------------------------------------------------

    @property
    def sentence_id(self) -> str:
        """Id of the current sentence, or ``"summary"`` on the summary step."""
        if self.on_summary:
            return SUMMARY_SENTENCE_ID
        return self.sentences[self.index].sentence_id

    @property
    def sentence(self):
        """The current :class:`~widgets.content.corpus.Sentence` (``None`` on the summary)."""
        return None if self.on_summary else self.sentences[self.index]

    @property
    def on_summary(self) -> bool:
        return self.index == self.summary_index

    @property
    def labelled_count(self) -> int:
        return len(self._complete)

    @property
    def target_id(self) -> str:
        """The target the stance keys currently apply to."""
        return self.targets[self.active_target]

    def is_complete(self, index: int) -> bool:
        return index in self._complete

    def summary_complete(self) -> bool:
        state = self.state(SUMMARY_SENTENCE_ID)
        return bool(state.frame) and all(v is not None for v in state.stances.values())

    def state(self, sentence_id: str | None = None) -> SentenceState:
        """What is saved for a sentence (default: the current one)."""
        sentence_id = self.sentence_id if sentence_id is None else sentence_id
        article_id = self.article.article_id
        technique_row = self.store.current(article_id, sentence_id, TECHNIQUE_TARGET)
        stance_rows = {t: self.store.current(article_id, sentence_id, t) for t in self.targets}
        rows = [r for r in (technique_row, *stance_rows.values()) if r is not None]
        latest = max(rows, key=lambda r: r["saved_at"]) if rows else None
        pending = self._pending.get(sentence_id, {})
        if sentence_id == SUMMARY_SENTENCE_ID:
            techniques = None
        else:
            techniques = (
                None if technique_row is None else split_techniques(technique_row["techniques"])
            )
        return SentenceState(
            sentence_id=sentence_id,
            techniques=techniques,
            stances={t: (r["stance"] if r else None) for t, r in stance_rows.items()},
            confidence=pending.get("confidence", latest["confidence"] if latest else ""),
            note=pending.get("note", latest["note"] if latest else ""),
            frame=technique_row["frame"] if technique_row else "",
        )

    def first_unlabelled(self) -> int:
        """Index of the first sentence not fully labelled; else the summary."""
        for index in range(self.n_sentences):
            if index not in self._complete:
                return index
        return self.summary_index

    def next_unlabelled(self) -> int | None:
        """The next index after the current one (wrapping) that still needs a label.

        The summary counts when it lacks a frame or a stance; ``None`` when all is done.
        """
        total = self.n_sentences + 1
        for step in range(1, total + 1):
            index = (self.index + step) % total
            if index == self.summary_index:
                if not self.summary_complete():
                    return index
            elif index not in self._complete:
                return index
        return None

    def position_text(self) -> str:
        """``"sentence 12 of 48, paragraph 4"`` (or the summary's equivalent)."""
        if self.on_summary:
            return f"article summary (after sentence {self.n_sentences} of {self.n_sentences})"
        sentence = self.sentence
        if self.subset:
            return (
                f"sentence {self.index + 1} of {self.n_sentences} in the core set "
                f"(sentence {sentence.position} of the article), paragraph {sentence.paragraph}"
            )
        return f"sentence {sentence.position} of {self.n_sentences}, paragraph {sentence.paragraph}"

    def progress_text(self) -> str:
        return f"{self.labelled_count} of {self.n_sentences} sentences labelled"

    def paragraph(self):
        """The sentences of the current sentence's paragraph (``[]`` on the summary)."""
        if self.on_summary:
            return []
        number = self.sentence.paragraph
        return [s for s in self.sentences if s.paragraph == number]

    def rows(self) -> list[LabelRow]:
        """One row per sentence for the "my labels so far" table, in reading order."""
        result = []
        for sentence in self.sentences:
            state = self.state(sentence.sentence_id)
            result.append(
                LabelRow(
                    position=sentence.position,
                    sentence_id=sentence.sentence_id,
                    text=short_text(sentence.text),
                    techniques=state.techniques,
                    stances=state.stances,
                    note=state.note,
                )
            )
        return result

    # -- navigation --------------------------------------------------------------------

    def go(self, index: int) -> int:
        """Move to ``index`` (clamped to the sentences and the summary); return it."""
        self.index = max(0, min(int(index), self.summary_index))
        # Stance keys start with the first target this sentence still lacks a stance for.
        stances = self.state().stances
        self.active_target = next((i for i, t in enumerate(self.targets) if stances[t] is None), 0)
        return self.index

    def next(self) -> int:
        return self.go(self.index + 1)

    def previous(self) -> int:
        return self.go(self.index - 1)

    def go_next_unlabelled(self) -> int | None:
        index = self.next_unlabelled()
        if index is not None:
            self.go(index)
        return index

    def cycle_target(self) -> str:
        """Make the next target active (wrapping); return its id."""
        self.active_target = (self.active_target + 1) % len(self.targets)
        return self.target_id

    # -- changing labels ---------------------------------------------------------------

    def _extras(self, sentence_id: str) -> dict[str, str]:
        state = self.state(sentence_id)
        return {"confidence": state.confidence, "note": state.note}

    def _after_save(self, sentence_id: str) -> None:
        self._pending.pop(sentence_id, None)
        self._recount(sentence_id)

    def _recount(self, sentence_id: str) -> None:
        if sentence_id == SUMMARY_SENTENCE_ID:
            return
        index = self.sentences.index(self.article.sentence_index[sentence_id])
        if self.state(sentence_id).complete:
            self._complete.add(index)
        else:
            self._complete.discard(index)

    def _save(self, sentence_id: str, **fields) -> list[dict[str, str]]:
        try:
            return self.store.save(
                self.article.article_id, sentence_id, **fields, **self._extras(sentence_id)
            )
        finally:
            # The store keeps a label in memory even when the disk write fails: count it.
            self._after_save(sentence_id)

    def set_techniques(self, technique_ids) -> list[dict[str, str]]:
        """Save the current sentence's technique set (empty = "looked, no technique")."""
        if self.on_summary:
            raise ValueError("the article summary has no techniques; choose a frame instead")
        ordered = [t for t in self.codebook.technique_ids if t in set(technique_ids)]
        return self._save(self.sentence_id, techniques=ordered)

    def toggle_technique(self, technique_id: str, on: bool | None = None) -> list[dict[str, str]]:
        """Switch one technique on or off (``on=None`` flips it) for the current sentence."""
        self.codebook.technique(technique_id)  # KeyError naming the known ids
        current = set(self.state().techniques or ())
        if on is None:
            on = technique_id not in current
        if on:
            current.add(technique_id)
        else:
            current.discard(technique_id)
        return self.set_techniques(current)

    def set_no_technique(self) -> list[dict[str, str]]:
        """Say "looked, no technique" for the current sentence."""
        return self.set_techniques(())

    def set_stance(self, stance: str, target: str | None = None) -> list[dict[str, str]]:
        """Save a stance toward ``target`` (default: the active target).

        After a stance set through the active target, the next target that still has no
        stance becomes active, so ``n n`` labels both targets of a sentence.
        """
        if stance not in STANCES:
            raise ValueError(f"unknown stance {stance!r}; allowed: {', '.join(STANCES)}")
        use_active = target is None
        target = self.target_id if use_active else target
        rows = self._save(self.sentence_id, stance=stance, target=target)
        if use_active:
            stances = self.state().stances
            for step in range(1, len(self.targets)):
                candidate = (self.active_target + step) % len(self.targets)
                if stances[self.targets[candidate]] is None:
                    self.active_target = candidate
                    break
        return rows

    def set_frame(self, frame_id: str) -> list[dict[str, str]]:
        """Save the main frame of the article (the summary step's technique-target row)."""
        return self._save(SUMMARY_SENTENCE_ID, frame=frame_id)

    def set_note(self, note: str, confidence: str | None = None) -> list[dict[str, str]]:
        """Save the current sentence's note (and confidence, if given).

        The note is written on a copy of the sentence's latest label. A sentence with no
        label yet keeps the note in memory until its first label; returns ``[]`` then.
        """
        sentence_id = self.sentence_id
        state = self.state(sentence_id)
        confidence = state.confidence if confidence is None else confidence
        if note == state.note and confidence == state.confidence:
            return []
        extras = {"note": note, "confidence": confidence}
        article_id = self.article.article_id
        if sentence_id == SUMMARY_SENTENCE_ID:
            row = self.store.current(article_id, sentence_id)
            if row is not None and row["frame"]:
                fields = {"frame": row["frame"]}
            else:
                fields = self._first_stance_fields(state)
        elif state.techniques is not None:
            fields = {"techniques": list(state.techniques)}
        else:
            fields = self._first_stance_fields(state)
        if fields is None:
            self._pending[sentence_id] = extras
            return []
        self._pending[sentence_id] = extras
        return self._save(sentence_id, **fields)

    def set_confidence(self, confidence: str) -> list[dict[str, str]]:
        """Save the current sentence's confidence (``""`` = none given)."""
        return self.set_note(self.state().note, confidence=confidence or "")

    @staticmethod
    def _first_stance_fields(state: SentenceState) -> dict[str, str] | None:
        for target, stance in state.stances.items():
            if stance is not None:
                return {"stance": stance, "target": target}
        return None

    def has_pending_note(self, sentence_id: str | None = None) -> bool:
        """Is a note waiting for this sentence's first label (not yet in the file)?"""
        return (self.sentence_id if sentence_id is None else sentence_id) in self._pending

    def undo(self) -> str | None:
        """Undo the learner's last change; move to its sentence and return that id."""
        if not self.store.can_undo:
            return None
        try:
            rows = self.store.undo()
        except Exception:
            # A failed write still changed the labels in memory: recount them all.
            self._complete = {
                i for i, s in enumerate(self.sentences) if self.state(s.sentence_id).complete
            }
            raise
        if not rows:
            return None
        sentence_id = rows[0]["sentence_id"]
        for row in rows:
            if row["article_id"] == self.article.article_id:
                self._recount(row["sentence_id"])
        if rows[0]["article_id"] != self.article.article_id:
            return sentence_id
        if sentence_id == SUMMARY_SENTENCE_ID:
            self.go(self.summary_index)
        elif sentence_id in self.article.sentence_index:
            self.go(self.sentences.index(self.article.sentence_index[sentence_id]))
        return sentence_id
