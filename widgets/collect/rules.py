"""The row checks: a table of rules, applied in order by one loop; a row's first failing
rule is its reject reason."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import paths
from ..labelling.store import MAX_NOTE_LENGTH
from ..schema import (
    CONFIDENCE_LEVELS,
    STANCES,
    STATUS_CLEARED,
    STATUS_SET,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
)
from .columns import category_counts, codes_of


def learner_problem(value: str) -> str | None:
    try:
        cleaned = paths.validate_learner_id(value)
    except ValueError as error:
        return f"invalid learner id: {error}"
    if cleaned != value:
        return f"invalid learner id: {value!r} has spaces around it"
    return None


def text_lengths(series: pd.Series) -> np.ndarray | None:
    """Characters per value, or None when no value can exceed MAX_NOTE_LENGTH (Arrow's
    byte lengths say so without counting characters: a character is at least a byte)."""
    if hasattr(series.array, "__arrow_array__") and len(series):
        longest = pc.max(pc.binary_length(pa.array(series.array))).as_py()
        if longest is None or longest <= MAX_NOTE_LENGTH:
            return None
    return series.str.len().to_numpy(dtype=np.int64, na_value=0)


class Validator:
    """Assigns each row its first failing check, working per distinct value."""

    def __init__(self, frame: pd.DataFrame, corpus, codebook, stamps, stamp_ok, limit) -> None:
        self.frame = frame
        self.n = len(frame)
        self.reason = np.full(self.n, None, dtype=object)
        self.open = np.ones(self.n, dtype=bool)  # rows without a reason yet
        self.corpus = corpus
        self.codebook = codebook
        self.stamps, self.stamp_ok, self.limit = stamps, stamp_ok, limit

    def _set(self, mask: np.ndarray | None, messages) -> None:
        """Give rows in ``mask`` without a reason yet the reason ``messages`` (array or callable)."""
        if mask is None:  # no row can fail
            return
        todo = mask & self.open
        if not todo.any():
            return
        where = np.flatnonzero(todo)
        self.reason[where] = messages(where) if callable(messages) else messages[where]
        self.open[where] = False

    def _per_value(self, column: str, check: Callable[[str], str | None]) -> None:
        codes, values = codes_of(self.frame, column)
        # Many values (learner ids, with the reader's file markers): check only those
        # some row has; one count costs less than a check per marker.
        used = category_counts(codes, len(values)) > 0 if len(values) > 64 else None
        problems = [check(v) if used is None or used[i] else None for i, v in enumerate(values)]
        bad = np.array([p is not None for p in problems] + [False])  # code -1: no value
        if bad.any():
            self._set(
                bad[codes],
                lambda where: np.array([problems[c] for c in codes[where]], dtype=object),
            )

    def run(self) -> np.ndarray:
        frame, corpus, codebook = self.frame, self.corpus, self.codebook
        self._per_value("learner", learner_problem)
        self._per_value(
            "status",
            lambda v: (
                None
                if v in (STATUS_SET, STATUS_CLEARED)
                else f"unknown status: {v!r} (expected {STATUS_SET!r} or {STATUS_CLEARED!r})"
            ),
        )
        article_codes, articles = codes_of(frame, "article_id")
        known = set(corpus.article_ids)
        self._per_value(
            "article_id",
            lambda v: None if v in known else f"unknown article: {v!r}",
        )
        sentence_codes, sentences = codes_of(frame, "sentence_id")
        article_position = {a: i for i, a in enumerate(articles)}
        index = corpus.sentence_index
        # per sentence category: the article category it belongs to (-1 summary, -2 unknown)
        owner = np.array(
            [
                -1
                if s == SUMMARY_SENTENCE_ID
                else article_position.get(index[s].article_id, -3)
                if s in index
                else -2
                for s in sentences
            ],
            dtype=np.int64,
        )
        row_owner = owner[sentence_codes]
        bad_sentence = (
            (row_owner == -2)
            | (row_owner == -3)
            | ((row_owner >= 0) & (row_owner != article_codes))
        )
        self._set(
            bad_sentence,
            lambda where: np.array(
                [
                    f"unknown sentence: {sentences[sentence_codes[i]]!r} in article "
                    f"{articles[article_codes[i]]!r}"
                    for i in where
                ],
                dtype=object,
            ),
        )
        target_codes, targets = codes_of(frame, "target")
        allowed = np.zeros((len(articles), len(targets)), dtype=bool)
        for a, article_id in enumerate(articles):
            article = corpus.by_id.get(article_id)
            names = set(article.targets) if article is not None else set()
            for t, target in enumerate(targets):
                allowed[a, t] = target == TECHNIQUE_TARGET or target in names
        self._set(
            ~allowed[article_codes, target_codes],
            lambda where: np.array(
                [
                    f"unknown target: {targets[target_codes[i]]!r} for article "
                    f"{articles[article_codes[i]]!r}"
                    for i in where
                ],
                dtype=object,
            ),
        )
        saved = frame["saved_at"]
        # (checks no row can fail are skipped: each costs passes over millions of rows)
        self._set(
            None if self.stamp_ok.all() else ~self.stamp_ok,
            lambda where: np.array(
                [
                    f"bad saved_at: {str(saved.iat[i])[:60]!r} is not an ISO 8601 time "
                    "with a time zone"
                    for i in where
                ],
                dtype=object,
            ),
        )
        future = self.stamps > self.limit
        self._set(
            self.stamp_ok & future if future.any() else None,
            lambda where: np.array(
                [f"saved_at in the future: {saved.iat[i]!r}" for i in where], dtype=object
            ),
        )
        status_codes, statuses = codes_of(frame, "status")
        is_set = np.array([s == STATUS_SET for s in statuses] + [False])[status_codes]
        technique_target = np.array([t == TECHNIQUE_TARGET for t in targets] + [False])[
            target_codes
        ]
        version_codes, versions = codes_of(frame, "codebook_version")
        current = str(codebook.version)

        def version_note(i: int) -> str:
            version = versions[version_codes[i]]
            if version and version != current:
                return f" (labelled with codebook version {version!r}; current is {current!r})"
            return ""

        technique_codes, techniques = codes_of(frame, "techniques")
        known_techniques = set(codebook.technique_ids)
        unknown = [sorted({t for t in v.split(";") if t} - known_techniques) for v in techniques]
        self._set(
            is_set
            & technique_target
            & np.array([bool(u) for u in unknown] + [False])[technique_codes]
            if any(unknown)
            else None,
            lambda where: np.array(
                [
                    "unknown technique: "
                    + ", ".join(map(repr, unknown[technique_codes[i]]))
                    + version_note(i)
                    for i in where
                ],
                dtype=object,
            ),
        )
        nonempty_techniques = np.array([v != "" for v in techniques] + [False])[technique_codes]
        self._set(
            ~technique_target & nonempty_techniques,
            lambda where: np.array(
                [
                    f"techniques on a stance row: target {targets[target_codes[i]]!r} "
                    f"has techniques {techniques[technique_codes[i]]!r}"
                    for i in where
                ],
                dtype=object,
            ),
        )
        stance_codes, stances = codes_of(frame, "stance")
        stance_empty = np.array([v == "" for v in stances] + [True])[stance_codes]
        stance_known = np.array([v in STANCES for v in stances] + [False])
        self._set(
            technique_target & ~stance_empty,
            lambda where: np.array(
                [f"stance on a technique row: {stances[stance_codes[i]]!r}" for i in where],
                dtype=object,
            ),
        )
        self._set(
            is_set & ~technique_target & ~stance_known[stance_codes]
            if not stance_known[:-1].all()
            else None,
            lambda where: np.array(
                [
                    f"unknown stance: {stances[stance_codes[i]]!r} (expected {', '.join(STANCES)})"
                    for i in where
                ],
                dtype=object,
            ),
        )
        frame_codes, frames = codes_of(frame, "frame")
        known_frames = set(codebook.frame_ids)
        frame_known = np.array([v == "" or v in known_frames for v in frames] + [True])
        self._set(
            None if frame_known.all() else ~frame_known[frame_codes],
            lambda where: np.array(
                [f"unknown frame: {frames[frame_codes[i]]!r}" + version_note(i) for i in where],
                dtype=object,
            ),
        )
        frame_given = np.array([v != "" for v in frames] + [False])
        is_summary = np.array([s == SUMMARY_SENTENCE_ID for s in sentences] + [False])
        self._set(
            frame_given[frame_codes] & ~(is_summary[sentence_codes] & technique_target)
            if frame_given.any()
            else None,
            lambda where: np.array(
                [
                    f"frame outside the summary: {frames[frame_codes[i]]!r} on "
                    f"{sentences[sentence_codes[i]]!r}"
                    for i in where
                ],
                dtype=object,
            ),
        )
        self._per_value(
            "confidence",
            lambda v: (
                None
                if v in ("", *CONFIDENCE_LEVELS)
                else f"unknown confidence: {v!r} (expected {', '.join(CONFIDENCE_LEVELS)} or empty)"
            ),
        )
        lengths = text_lengths(frame["note"])
        self._set(
            lengths > MAX_NOTE_LENGTH if lengths is not None else None,
            lambda where: np.array(
                [
                    f"note too long: {lengths[i]} characters (at most {MAX_NOTE_LENGTH})"
                    for i in where
                ],
                dtype=object,
            ),
        )
        sha_codes, hashes = codes_of(frame, "text_sha1")
        # Compared as category codes: per sentence, the code its current hash has among
        # the hashes given (-2: none gave it), so no row's text is touched.
        expected_text = [index[s].text_sha1 if s in index else "" for s in sentences]
        hash_code = {h: i for i, h in enumerate(hashes)}
        expected = np.array([hash_code.get(h, -2) for h in expected_text] + [-2])
        checked = np.array([h != "" for h in expected_text] + [False])[sentence_codes]
        given = np.array([h != "" for h in hashes] + [False])[sha_codes]
        drift = checked & given & (sha_codes != expected[sentence_codes])
        self._set(
            drift,
            lambda where: np.array(
                [
                    f"text drift: {sentences[sentence_codes[i]]!r} was labelled for other "
                    f"wording (text_sha1 {hashes[sha_codes[i]][:12]}…, "
                    f"now {expected_text[sentence_codes[i]][:12]}…)"
                    for i in where
                ],
                dtype=object,
            ),
        )
        tail = frame["_tail"].to_numpy(dtype=bool)
        if tail.any():
            marked = tail & ~self.open
            self.reason[marked] = [f"truncated last line: {r}" for r in self.reason[marked]]
        return self.reason
