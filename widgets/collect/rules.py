"""The row checks: a table of rules, applied in order by one loop.

Each :class:`Rule` names what it checks and gives, for the rows read, which rows fail
and the message for a failing row; :func:`check_rows` applies :data:`RULES` in order
and a row's first failing rule is its reject reason (the shape of a pandera schema:
the rules are declared apart from the loop that applies them). To add a check, add a
rule to the table.

Rules work per distinct value where they can (the columns are pandas categories): for
10,000 learners a check per row would cost seconds, a check per value costs nothing.
A rule whose rows cannot fail returns ``None`` for the mask (it would still cost passes
over millions of rows).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import paths
from ..labelling.store import MAX_NOTE_LENGTH
from ..schema import (
    CONFIDENCE_LEVELS,
    REVEAL_WHOLE_ARTICLE,
    STANCES,
    STATUS_REVEALED,
    STATUS_SET,
    STATUSES,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
)
from .columns import category_counts, codes_of

__all__ = ["Rule", "Rows", "RULES", "check_rows"]

#: What a rule gives: the failing rows (None: no row can fail) and a row's message.
Failing = tuple[np.ndarray | None, Callable[[int], str]]


@dataclass(frozen=True)
class Rule:
    """One row check: its name (the column it is about) and how to find failing rows."""

    name: str
    check: Callable[[Rows], Failing]


class Rows:
    """The rows being checked, with what the rules read: category codes per column
    (computed once), the corpus, the codebook and the parsed ``saved_at`` times."""

    def __init__(self, frame: pd.DataFrame, *, corpus, codebook, stamps, stamp_ok, limit):
        self.frame, self.corpus, self.codebook = frame, corpus, codebook
        self.stamps, self.stamp_ok, self.limit = stamps, stamp_ok, limit
        self._codes: dict[str, tuple[np.ndarray, list[str]]] = {}

    def codes(self, column: str) -> tuple[np.ndarray, list[str]]:
        """(per-row category code, the category values) of ``column``, computed once
        (kept on this object, so they go with it: a class's frame is hundreds of MB)."""
        if column not in self._codes:
            self._codes[column] = codes_of(self.frame, column)
        return self._codes[column]

    def where(self, column: str, predicate: Callable[[str], bool], missing=False) -> np.ndarray:
        """Per row: ``predicate`` of its value in ``column`` (``missing`` for no value),
        evaluated once per distinct value."""
        codes, values = self.codes(column)
        return np.array([bool(predicate(v)) for v in values] + [missing])[codes]

    @functools.cached_property
    def technique_row(self) -> np.ndarray:
        """Per row: a technique row (target ""), not a stance row."""
        return self.where("target", lambda t: t == TECHNIQUE_TARGET)

    @functools.cached_property
    def is_set(self) -> np.ndarray:
        """Per row: status ``set`` (not a withdrawal or another kind of row)."""
        return self.where("status", lambda s: s == STATUS_SET)

    def value(self, column: str, row: int) -> str:
        codes, values = self.codes(column)
        return values[codes[row]]


def per_value(column: str, problem: Callable[[str, Rows], str | None]) -> Rule:
    """A rule on one column's values alone: ``problem(value, rows)`` is the message, or
    None for a good value."""

    def check(rows: Rows) -> Failing:
        codes, values = rows.codes(column)
        # Many values (learner ids, with the reader's file markers): check only those
        # some row has; one count costs less than a check per marker.
        used = category_counts(codes, len(values)) > 0 if len(values) > 64 else None
        found = [
            problem(v, rows) if used is None or used[i] else None for i, v in enumerate(values)
        ]
        bad = np.array([p is not None for p in found] + [False])  # code -1: no value
        return (bad[codes] if bad.any() else None), lambda i: found[codes[i]]

    return Rule(column, check)


def _learner(value: str, rows: Rows) -> str | None:
    try:
        cleaned = paths.validate_learner_id(value)
    except ValueError as error:
        return f"invalid learner id: {error}"
    if cleaned != value:
        return f"invalid learner id: {value!r} has spaces around it"
    return None


def _status(value: str, rows: Rows) -> str | None:
    if value in STATUSES:
        return None
    return f"unknown status: {value!r} (expected {' or '.join(map(repr, STATUSES))})"


def _article(value: str, rows: Rows) -> str | None:
    return None if value in rows.corpus.by_id else f"unknown article: {value!r}"


def _confidence(value: str, rows: Rows) -> str | None:
    if value in ("", *CONFIDENCE_LEVELS):
        return None
    return f"unknown confidence: {value!r} (expected {', '.join(CONFIDENCE_LEVELS)} or empty)"


def _sentence_in_article(rows: Rows) -> Failing:
    article_codes, articles = rows.codes("article_id")
    sentence_codes, sentences = rows.codes("sentence_id")
    position = {a: i for i, a in enumerate(articles)}
    index = rows.corpus.sentence_index
    # per sentence category: the article category it belongs to (-1 summary, -2 unknown)
    owner = np.array(
        [
            -1
            if s in (SUMMARY_SENTENCE_ID, REVEAL_WHOLE_ARTICLE)
            else position.get(index[s].article_id, -3)
            if s in index
            else -2
            for s in sentences
        ],
        dtype=np.int64,
    )[sentence_codes]
    bad = (owner == -2) | (owner == -3) | ((owner >= 0) & (owner != article_codes))
    return (
        bad,
        lambda i: (
            f"unknown sentence: {rows.value('sentence_id', i)!r} in article "
            f"{rows.value('article_id', i)!r}"
        ),
    )


def _whole_article_on_reveals_only(rows: Rows) -> Failing:
    # "*" names a whole article, and only a reveal row ("Reveal anyway") may use it.
    whole = rows.where("sentence_id", lambda s: s == REVEAL_WHOLE_ARTICLE)
    reveal = rows.where("status", lambda s: s == STATUS_REVEALED)
    return (
        whole & ~reveal,
        lambda i: f"unknown sentence: {REVEAL_WHOLE_ARTICLE!r} on a label row",
    )


def _target_for_article(rows: Rows) -> Failing:
    article_codes, articles = rows.codes("article_id")
    target_codes, targets = rows.codes("target")
    allowed = np.zeros((len(articles), len(targets)), dtype=bool)
    for a, article_id in enumerate(articles):
        article = rows.corpus.by_id.get(article_id)
        names = set(article.targets) if article is not None else set()
        for t, target in enumerate(targets):
            allowed[a, t] = target == TECHNIQUE_TARGET or target in names
    return (
        ~allowed[article_codes, target_codes],
        lambda i: (
            f"unknown target: {rows.value('target', i)!r} for article {rows.value('article_id', i)!r}"
        ),
    )


def _saved_at_format(rows: Rows) -> Failing:
    saved = rows.frame["saved_at"]
    return (
        None if rows.stamp_ok.all() else ~rows.stamp_ok,
        lambda i: (
            f"bad saved_at: {str(saved.iat[i])[:60]!r} is not an ISO 8601 time with a time zone"
        ),
    )


def _saved_at_future(rows: Rows) -> Failing:
    future = rows.stamps > rows.limit
    saved = rows.frame["saved_at"]
    return (
        rows.stamp_ok & future if future.any() else None
    ), lambda i: f"saved_at in the future: {saved.iat[i]!r}"


def _version_note(rows: Rows, i: int) -> str:
    """Why an id may be unknown: the row was made with another codebook version."""
    version, current = rows.value("codebook_version", i), str(rows.codebook.version)
    if version and version != current:
        return f" (labelled with codebook version {version!r}; current is {current!r})"
    return ""


def _unknown_techniques(rows: Rows) -> Failing:
    known = set(rows.codebook.technique_ids)

    def unknown(value: str) -> list[str]:
        return sorted({t for t in value.split(";") if t} - known)

    if not any(unknown(v) for v in rows.codes("techniques")[1]):
        return None, str
    bad = rows.is_set & rows.technique_row & rows.where("techniques", unknown)
    return (
        bad,
        lambda i: (
            "unknown technique: "
            + ", ".join(map(repr, unknown(rows.value("techniques", i))))
            + _version_note(rows, i)
        ),
    )


def _techniques_on_stance_row(rows: Rows) -> Failing:
    bad = ~rows.technique_row & rows.where("techniques", lambda v: v != "")
    return (
        bad,
        lambda i: (
            f"techniques on a stance row: target {rows.value('target', i)!r} "
            f"has techniques {rows.value('techniques', i)!r}"
        ),
    )


def _stance_on_technique_row(rows: Rows) -> Failing:
    bad = rows.technique_row & ~rows.where("stance", lambda v: v == "", missing=True)
    return bad, lambda i: f"stance on a technique row: {rows.value('stance', i)!r}"


def _unknown_stance(rows: Rows) -> Failing:
    if all(v in STANCES for v in rows.codes("stance")[1]):
        return None, str
    bad = rows.is_set & ~rows.technique_row & ~rows.where("stance", lambda v: v in STANCES)
    return (
        bad,
        lambda i: f"unknown stance: {rows.value('stance', i)!r} (expected {', '.join(STANCES)})",
    )


def _unknown_frame(rows: Rows) -> Failing:
    known = set(rows.codebook.frame_ids)
    if all(v == "" or v in known for v in rows.codes("frame")[1]):
        return None, str
    bad = ~rows.where("frame", lambda v: v == "" or v in known, missing=True)
    return bad, lambda i: f"unknown frame: {rows.value('frame', i)!r}" + _version_note(rows, i)


def _frame_outside_summary(rows: Rows) -> Failing:
    if not any(v != "" for v in rows.codes("frame")[1]):
        return None, str
    summary = rows.where("sentence_id", lambda s: s == SUMMARY_SENTENCE_ID)
    bad = rows.where("frame", lambda v: v != "") & ~(summary & rows.technique_row)
    return (
        bad,
        lambda i: (
            f"frame outside the summary: {rows.value('frame', i)!r} on "
            f"{rows.value('sentence_id', i)!r}"
        ),
    )


def _text_lengths(series: pd.Series) -> np.ndarray | None:
    """Characters per value, or None when no value can exceed MAX_NOTE_LENGTH (Arrow's
    byte lengths say so without counting characters: a character is at least a byte)."""
    if hasattr(series.array, "__arrow_array__") and len(series):
        longest = pc.max(pc.binary_length(pa.array(series.array))).as_py()
        if longest is None or longest <= MAX_NOTE_LENGTH:
            return None
    return series.str.len().to_numpy(dtype=np.int64, na_value=0)


def _note_length(rows: Rows) -> Failing:
    lengths = _text_lengths(rows.frame["note"])
    return (
        lengths > MAX_NOTE_LENGTH if lengths is not None else None
    ), lambda i: f"note too long: {lengths[i]} characters (at most {MAX_NOTE_LENGTH})"


def _text_drift(rows: Rows) -> Failing:
    # Compared as category codes: per sentence, the code its current hash has among the
    # hashes given (-2: none gave it), so no row's text is touched.
    sentence_codes, sentences = rows.codes("sentence_id")
    sha_codes, hashes = rows.codes("text_sha1")
    index = rows.corpus.sentence_index
    expected_text = [index[s].text_sha1 if s in index else "" for s in sentences]
    hash_code = {h: i for i, h in enumerate(hashes)}
    expected = np.array([hash_code.get(h, -2) for h in expected_text] + [-2])
    checked = np.array([h != "" for h in expected_text] + [False])[sentence_codes]
    given = rows.where("text_sha1", lambda h: h != "")
    bad = checked & given & (sha_codes != expected[sentence_codes])
    if bad.any():
        # An earlier wording kept in the text history (a typographic fix) still counts.
        earlier = np.flatnonzero(bad)
        accepted = [
            index[sentences[sentence_codes[i]]].accepts(hashes[sha_codes[i]]) for i in earlier
        ]
        bad[earlier[np.array(accepted, dtype=bool)]] = False
    return (
        bad,
        lambda i: (
            f"text drift: {sentences[sentence_codes[i]]!r} was labelled for other wording "
            f"(text_sha1 {hashes[sha_codes[i]][:12]}…, now {expected_text[sentence_codes[i]][:12]}…)"
        ),
    )


#: The checks, in the order a row meets them (its reason is the first that fails).
RULES: tuple[Rule, ...] = (
    per_value("learner", _learner),
    per_value("status", _status),
    per_value("article_id", _article),
    Rule("sentence_id", _sentence_in_article),
    Rule("sentence_id", _whole_article_on_reveals_only),
    Rule("target", _target_for_article),
    Rule("saved_at", _saved_at_format),
    Rule("saved_at", _saved_at_future),
    Rule("techniques", _unknown_techniques),
    Rule("techniques", _techniques_on_stance_row),
    Rule("stance", _stance_on_technique_row),
    Rule("stance", _unknown_stance),
    Rule("frame", _unknown_frame),
    Rule("frame", _frame_outside_summary),
    per_value("confidence", _confidence),
    Rule("note", _note_length),
    Rule("text_sha1", _text_drift),
)


def check_rows(rows: Rows, rules: tuple[Rule, ...] = RULES) -> np.ndarray:
    """Each row's reject reason (None for a good row): its first failing rule's message;
    a row that is a file's torn last line says so."""
    reason = np.full(len(rows.frame), None, dtype=object)
    open_rows = np.ones(len(rows.frame), dtype=bool)  # rows without a reason yet
    for rule in rules:
        mask, message = rule.check(rows)
        if mask is None:
            continue
        failing = np.flatnonzero(mask & open_rows)
        if len(failing):
            reason[failing] = [message(i) for i in failing]
            open_rows[failing] = False
    tail = rows.frame["_tail"].to_numpy(dtype=bool)
    if tail.any():
        marked = tail & ~open_rows
        reason[marked] = [f"truncated last line: {r}" for r in reason[marked]]
    return reason
