"""Which saved row is a learner's current label: the one rule, written once.

A label file is a log: every save appends a row. The current label of a key
``(learner, article_id, sentence_id, target)`` is its row with the latest ``saved_at``
(of two rows saved at the same instant, the later row); a key whose current row is
``cleared`` has no label; rows whose ``status`` is neither ``set`` nor ``cleared`` are
another kind of row (not a label) and are skipped. See :mod:`widgets.schema`.

Everything that needs current labels calls :func:`current_labels` (a frame of rows) or,
for one row at a time as the label store reads its file, :func:`supersedes` and
:func:`is_label_row`; collect's merge uses :func:`last_of_each_key` on rows it has
already sorted by key and time.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..schema import KEY_COLUMNS, LABEL_STATUSES, STATUS_CLEARED, STATUS_SET

__all__ = ["current_labels", "supersedes", "is_label_row", "last_of_each_key"]


def is_label_row(row: Mapping[str, str]) -> bool:
    """Whether a row is a label (``set`` or ``cleared``), not another kind of row."""
    return row.get("status", STATUS_SET) in LABEL_STATUSES


def supersedes(row: Mapping[str, str], previous: Mapping[str, str] | None) -> bool:
    """Whether label ``row``, read after ``previous`` (the key's current row so far, or
    None), becomes the key's current row: the latest ``saved_at`` wins, ties go to the
    row read later."""
    return previous is None or row["saved_at"] >= previous["saved_at"]


def last_of_each_key(sorted_keys: np.ndarray) -> np.ndarray:
    """For rows sorted by key, then by time (ties in reading order): True at the last row
    of each key, the key's current row."""
    if not len(sorted_keys):
        return np.zeros(0, dtype=bool)
    return np.r_[sorted_keys[1:] != sorted_keys[:-1], True]


def _codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a column and how many values there are (a categorical's own
    codes: no string is hashed, which matters for 10,000 learners)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        return codes + 1, len(column.cat.categories) + 1  # -1 (no value) becomes 0
    codes, uniques = pd.factorize(column.astype(object).where(column.notna(), ""))
    return codes.astype(np.int64), max(len(uniques), 1)


def _key_codes(frame: pd.DataFrame) -> tuple[np.ndarray, int]:
    """One integer per row for its key, and how many distinct keys there are.

    The key columns' codes are combined one column at a time (mixed radix), the learner
    last, and renumbered to the combinations that occur whenever the space grows past the
    row count, so every bitmap is at most a few times the rows; the last step only counts
    (renumbering every row is needed only when a key repeats). For 10,000 learners' labels
    this costs milliseconds, where sorting the keys costs half a second."""
    key, space = np.zeros(len(frame), dtype=np.int64), 1
    # the learner last: (article, sentence, target) combinations are few
    for column in sorted(KEY_COLUMNS, key=lambda c: c == "learner"):
        codes, size = _codes(frame[column])
        if space * size > len(frame) + 1024 and space > 1:
            present = np.zeros(space, dtype=bool)
            present[key] = True
            key = (np.cumsum(present) - 1)[key]
            space = int(np.count_nonzero(present))
        key = key * size + codes
        space *= size
    present = np.zeros(space, dtype=bool)
    present[key] = True
    return key, int(np.count_nonzero(present))


def _values(column: pd.Series) -> set:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return set(column.cat.categories[np.unique(column.cat.codes[column.cat.codes >= 0])])
    return set(column.dropna().unique())


def current_labels(rows: pd.DataFrame) -> pd.DataFrame:
    """The current labels in ``rows``: one row per key, its latest save, cleared keys
    and rows that are not labels left out.

    Parameters
    ----------
    rows : DataFrame
        Rows with the key columns (:data:`widgets.schema.KEY_COLUMNS`); ``saved_at`` is
        needed only when a key has several rows, ``status`` is optional (every row a
        label). A learner's file, a class history, or labels that are current already
        (``collect``'s: then nothing is sorted and the frame's rows come back as they were).

    Returns
    -------
    DataFrame
        The same columns, index reset. With several rows per key, in ``saved_at`` order.

    Raises
    ------
    ValueError
        A key has several rows and there is no ``saved_at`` to choose between them.
    """
    frame = rows
    statuses = _values(frame["status"]) if "status" in frame.columns else {STATUS_SET}
    if statuses - set(LABEL_STATUSES):
        frame = frame[frame["status"].isin(LABEL_STATUSES)]
    key, distinct = _key_codes(frame)
    if distinct < len(frame):  # a key has several rows: its latest save is the label
        if "saved_at" not in frame.columns:
            raise ValueError(
                "labels have several rows for one (learner, article_id, sentence_id, "
                "target) and no saved_at column to pick the current one"
            )
        stamps = frame["saved_at"].astype(str).to_numpy()
        by_time = np.argsort(stamps, kind="stable")
        order = by_time[np.argsort(key[by_time], kind="stable")]
        latest = np.sort(order[last_of_each_key(key[order])])
        frame = frame.iloc[latest[np.argsort(stamps[latest], kind="stable")]]
    if STATUS_CLEARED in statuses:
        frame = frame[frame["status"] != STATUS_CLEARED]
    return frame.reset_index(drop=True)
