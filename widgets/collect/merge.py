"""Resolving the valid rows: the latest save per key wins, exact duplicates count once,
conflicting rows are set aside; then the history and the labels are cut out."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from ..labelling.current import last_of_each_key
from ..schema import (
    LABEL_COLUMNS,
    LABEL_STATUSES,
    STATUS_SET,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
)
from .columns import DICT_COLUMNS, categorical, category_counts, codes_of


def sort_ranks(values: list[str], order: dict[str, int]) -> np.ndarray:
    """Sort rank per category: known values in ``order``, the rest after them, sorted."""
    keyed = sorted(range(len(values)), key=lambda i: (order.get(values[i], len(order)), values[i]))
    ranks = np.empty(len(values) + 1, dtype=np.int64)
    ranks[np.array(keyed, dtype=np.int64)] = np.arange(len(values))
    ranks[-1] = len(values)
    return ranks


def sort_by_key_then_time(key: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """``np.lexsort((stamps, key))``, faster: keys are mostly unique and files arrive
    nearly in key order, so a stable sort on the key alone (timsort on sorted runs) does
    most of the work and only runs of a repeated key are re-sorted by time."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    repeat = np.flatnonzero(ordered[1:] == ordered[:-1])
    if len(repeat):
        # whole runs of equal keys, in order (a mask, not union1d: no sort of the runs)
        run = np.zeros(len(key), dtype=bool)
        run[repeat] = True
        run[repeat + 1] = True
        involved = np.flatnonzero(run)
        rows = order[involved]
        order[involved] = rows[np.lexsort((stamps[rows], key[rows]))]
    return order


def history_and_labels(
    frame: pd.DataFrame, live_rows: np.ndarray | None, label_rows: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history (``frame``'s ``live_rows``, all if None) and the labels (the history's
    ``label_rows``), each category column with only the categories it uses.

    Categories are counted once, over the history; the labels' counts are the history's
    less those of the few rows the labels leave out (superseded and cleared), so the
    labels cost a gather per column and no second count."""
    n = len(frame) if live_rows is None else len(live_rows)
    left_out = np.ones(n, dtype=bool)
    left_out[label_rows] = False
    left_out = np.flatnonzero(left_out)

    def split(column: str) -> tuple[pd.Series, pd.Series]:
        series = frame[column]
        if column not in DICT_COLUMNS:
            if live_rows is not None:
                series = pd.Series(series.array.take(live_rows), name=column)
            return series.reset_index(drop=True), pd.Series(
                series.array.take(label_rows), name=column
            )
        codes = series.cat.codes.to_numpy()
        categories = series.cat.categories
        if live_rows is not None:
            codes = codes[live_rows]
        counts = category_counts(codes, len(categories))
        history = categorical(codes, categories, counts > 0, column)
        counts -= category_counts(codes[left_out], len(categories))
        return history, categorical(codes[label_rows], categories, counts > 0, column)

    # NumPy and Arrow let go of the GIL here: two columns at a time, the text ones first.
    columns = sorted(LABEL_COLUMNS, key=lambda c: c in DICT_COLUMNS)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = dict(zip(columns, pool.map(split, columns), strict=True))
    history = {c: parts[c][0] for c in LABEL_COLUMNS}
    labels = {c: parts[c][1] for c in LABEL_COLUMNS}
    return pd.DataFrame(history, copy=False), pd.DataFrame(labels, copy=False)


# longer than 80 lines: one function so that its key and order arrays (tens of MB each
# at 10,000 learners) are freed when it returns, before the labels are copied out.
def merge_saves(
    frame: pd.DataFrame,
    reason: np.ndarray,
    stamps: np.ndarray,
    corpus,
    names: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Resolve the valid rows (``reason`` None): the latest row per key wins, exact
    duplicates are counted once and conflicting rows get a reason in ``reason``.

    Returns the rows that live on (in key order), those of them that are current labels,
    and the ``superseded``, ``cleared`` and ``duplicate`` counts. A function of its own
    so that its key and order arrays (tens of MB each at 10,000 learners) are freed
    before the labels are copied out."""
    valid = pd.isna(reason)

    # Order the valid rows by key (learner, article, sentence, target) then time; ties
    # keep reading order, so "first" below means first read.
    valid_idx = np.flatnonzero(valid)
    learner_codes, learners = codes_of(frame, "learner")
    article_codes, articles = codes_of(frame, "article_id")
    sentence_codes, sentences = codes_of(frame, "sentence_id")
    target_codes, targets = codes_of(frame, "target")
    article_order = {a: i for i, a in enumerate(corpus.article_ids)}
    sentence_order = {s: i for i, s in enumerate(corpus.sentence_index)}
    sentence_order[SUMMARY_SENTENCE_ID] = len(sentence_order)
    target_order = {TECHNIQUE_TARGET: 0}
    for article in corpus.articles:
        for target in article.targets:
            target_order.setdefault(target, len(target_order))
    parts = [
        (sort_ranks(learners, {}), learner_codes),
        (sort_ranks(articles, article_order), article_codes),
        (sort_ranks(sentences, sentence_order), sentence_codes),
        (sort_ranks(targets, target_order), target_codes),
    ]
    every = len(valid_idx) == len(valid)  # (then no row needs picking out)
    key = np.zeros(len(valid_idx), dtype=np.int64)
    for ranks, codes in parts:
        key *= len(ranks)
        key += ranks[codes if every else codes[valid_idx]]
    order = sort_by_key_then_time(key, stamps if every else stamps[valid_idx])
    sorted_idx = valid_idx[order]
    key, stamp_sorted = key[order], stamps[sorted_idx]

    # Same key and the same instant: identical rows are duplicates, different ones conflict.
    same = np.r_[False, (key[1:] == key[:-1]) & (stamp_sorted[1:] == stamp_sorted[:-1])]
    duplicate = np.zeros(len(sorted_idx), dtype=bool)
    conflict = np.zeros(len(sorted_idx), dtype=bool)
    conflict_reason: dict[int, str] = {}
    if same.any():
        group = np.cumsum(~same) - 1
        content = [
            c
            for c in LABEL_COLUMNS
            if c not in ("learner", "article_id", "sentence_id", "target", "saved_at")
        ]
        first_of_group = np.flatnonzero(~same)[group]
        pairs = np.flatnonzero(same)
        equal = np.ones(len(pairs), dtype=bool)
        for column in content:
            series = frame[column]
            values = (
                series.cat.codes.to_numpy()
                if column in DICT_COLUMNS
                else series.to_numpy(dtype=object)
            )
            equal &= values[sorted_idx[pairs]] == values[sorted_idx[first_of_group[pairs]]]
        bad_groups = np.unique(group[pairs[~equal]])
        in_bad = np.isin(group, bad_groups)
        conflict = in_bad
        duplicate = same & ~in_bad
        file_codes, row_numbers = frame["_file"].to_numpy(), frame["_row"].to_numpy()
        for position in np.flatnonzero(in_bad):
            other = first_of_group[position]
            if other == position:
                other = position + 1
            source = sorted_idx[other]
            conflict_reason[sorted_idx[position]] = (
                "conflicting rows: same learner, sentence, target and saved_at as "
                f"{names[file_codes[source]]} row {row_numbers[source]}, with different values"
            )
    for position, message in conflict_reason.items():
        reason[position] = message  # (in place: the caller's reasons)

    live = ~(duplicate | conflict)
    live_idx = sorted_idx[live]
    # Which rows are labels, and which of those are current: one rule each
    # (widgets.labelling.current). Rows of another kind stay in the history, counted apart.
    status_codes, statuses = codes_of(frame, "status")
    label_status = np.array([s in LABEL_STATUSES for s in statuses] + [False])
    if label_status[:-1].all():  # (no reveal rows: every live row is a label)
        labelled, revealed = live, 0
    else:  # one mask in key order, so the keys and rows are gathered once
        is_label = label_status[status_codes[sorted_idx]]
        labelled = live & is_label
        revealed = int((live & ~is_label).sum())
    label_idx = sorted_idx[labelled]
    latest = last_of_each_key(key[labelled])
    set_code = statuses.index(STATUS_SET) if STATUS_SET in statuses else -9
    is_set = status_codes[label_idx] == set_code
    kept_idx = label_idx[latest & is_set]

    return (
        live_idx,
        kept_idx,
        {
            "superseded": int((~latest).sum()),
            "cleared": int((latest & ~is_set).sum()),
            "revealed": revealed,
            "duplicate": int(duplicate.sum()),
        },
    )
