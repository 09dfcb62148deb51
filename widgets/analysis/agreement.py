"""Agreement statistics: Krippendorff's alpha, Fleiss' and Cohen's kappa, and the class views.

The general statistics take plain tables (NumPy arrays or DataFrames). The class views take
the tidy current-labels frame (:data:`widgets.schema.LABEL_COLUMNS`, as produced by
``collect`` or :meth:`widgets.store.LabelStore.labels`) and answer the instructor's
questions: which techniques does the class apply consistently, which sentences should we
discuss, and how close is each learner to the answer key.

Conventions shared by every function here:

* Missing is not a value. In a coders x units table a missing cell is ``NaN``/``None``;
  in a label frame a learner who has no row for a sentence did not look at it, which is
  missing, whereas a technique row with ``techniques == ""`` ("looked, no technique") is
  the legitimate value "the empty set" (absent for every technique).
* Undefined is ``nan``, never an exception: alpha with no pairable values (every unit has
  fewer than two values), alpha or a kappa when there is no variation at all (expected
  disagreement 0, i.e. expected agreement 1), precision/recall/F1 with a zero
  denominator. ``nan`` is what :func:`sklearn.metrics.cohen_kappa_score` returns in the
  degenerate case too, so the cross-checks agree.
* Computations are vectorised: values are integer-coded once, per-unit value counts are
  built with :func:`numpy.bincount`, and a coincidence matrix is one matrix product; no
  Python loop runs per unit, per coder or per learner.

The class views leave out summary rows (``sentence_id == "summary"``), keys whose current
row is ``cleared`` and, unless asked, the answer key (learner ``"key"``). Coding a large
class's labels is the expensive step, so :func:`prepare_labels` does it once and returns
a :class:`ClassLabels` that every view also accepts::

    prepared = prepare_labels(labels)
    technique_alpha(prepared, codebook.technique_ids)
    sentence_disagreement(prepared).head(10)  # the sentences to discuss
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..labelling.current import current_labels
from ..schema import (
    KEY_LEARNER,
    STANCES,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
    split_techniques,
)

__all__ = [
    "LEVELS",
    "KEY_LEARNER",
    "STANCE_ORDER",
    "krippendorff_alpha",
    "krippendorff_alpha_sets",
    "alpha_from_coincidences",
    "coincidence_matrix",
    "unit_value_counts",
    "distance_matrix",
    "set_distance_matrix",
    "masi_distance",
    "jaccard_distance",
    "fleiss_kappa",
    "cohen_kappa",
    "technique_alpha",
    "technique_set_alpha",
    "stance_alpha",
    "sentence_disagreement",
    "learner_vs_key",
    "KeyComparison",
    "ClassLabels",
    "prepare_labels",
]

#: Levels of measurement understood by :func:`krippendorff_alpha`.
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

#: The ``learner`` id of the answer key's labels.

#: Stances from most negative to most positive, for ordinal alpha on stance.
STANCE_ORDER: tuple[str, ...] = ("against", "none", "favor")

_UNIT_COLUMNS = ["article_id", "sentence_id"]


# -- the general machinery -------------------------------------------------------------


def unit_value_counts(
    unit_codes: np.ndarray, value_codes: np.ndarray, n_units: int, n_values: int
) -> np.ndarray:
    """Count how often each value was given in each unit.

    Parameters
    ----------
    unit_codes, value_codes : 1-D integer arrays of equal length
        One entry per value given (one coder's value for one unit), as codes
        ``0 <= unit < n_units`` and ``0 <= value < n_values``. Missing values must be left
        out, not coded.
    n_units, n_values : int
        Sizes of the two code ranges.

    Returns
    -------
    numpy.ndarray
        ``n_units x n_values`` integer array ``n_uc``.
    """
    unit_codes = np.asarray(unit_codes, dtype=np.intp)
    value_codes = np.asarray(value_codes, dtype=np.intp)
    flat = np.bincount(unit_codes * n_values + value_codes, minlength=n_units * n_values)
    return flat.reshape(n_units, n_values)


def coincidence_matrix(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidence matrix from per-unit value counts.

    ``o_ck = sum_u (n_uc * n_uk - [c == k] * n_uc) / (m_u - 1)`` over the pairable units
    (``m_u >= 2`` values); units with fewer than two values contribute nothing.

    Parameters
    ----------
    counts : array-like, units x values
        ``n_uc``, as from :func:`unit_value_counts`.

    Returns
    -------
    numpy.ndarray
        ``values x values`` float array; its total is the number of pairable values ``n``.
    """
    counts = np.asarray(counts, dtype=float)
    per_unit = counts.sum(axis=1)
    pairable = per_unit >= 2
    counts = counts[pairable]
    weighted = counts / (per_unit[pairable] - 1)[:, None]
    coincidences = weighted.T @ counts
    coincidences[np.diag_indices_from(coincidences)] -= weighted.sum(axis=0)
    return coincidences


def alpha_from_coincidences(coincidences: np.ndarray, distance: np.ndarray) -> float:
    """Krippendorff's alpha ``1 - D_o / D_e`` from a coincidence matrix and a distance matrix.

    Parameters
    ----------
    coincidences : array-like, values x values
        ``o_ck``, as from :func:`coincidence_matrix`.
    distance : array-like, values x values
        The difference function ``delta_ck`` used in both disagreements, zero on the
        diagonal. For the standard levels this is the *squared* difference of
        :func:`distance_matrix`; for sets it is a set distance such as MASI
        (:func:`set_distance_matrix`).

    Returns
    -------
    float
        Alpha; ``nan`` when there are fewer than two pairable values or no expected
        disagreement (every pairable value is the same, so agreement is not measurable).
    """
    coincidences = np.asarray(coincidences, dtype=float)
    distance = np.asarray(distance, dtype=float)
    if coincidences.shape != distance.shape or coincidences.ndim != 2:
        raise ValueError(
            f"coincidences {coincidences.shape} and distance {distance.shape} must be "
            "square matrices of the same shape"
        )
    marginals = coincidences.sum(axis=1)
    total = marginals.sum()
    if total < 2:
        return float("nan")
    observed = (coincidences * distance).sum() / total
    expected = (np.outer(marginals, marginals) * distance).sum() / (total * (total - 1))
    if not expected > 0:
        return float("nan")
    return float(1.0 - observed / expected)


def distance_matrix(
    level: str, values: Sequence[float] | np.ndarray, marginals: np.ndarray | None = None
) -> np.ndarray:
    """The squared difference ``delta^2_ck`` of a level of measurement, as a matrix.

    Parameters
    ----------
    level : {"nominal", "ordinal", "interval", "ratio"}
    values : sequence
        The value domain in order (numbers for interval and ratio; only the order matters
        for ordinal, only the count for nominal).
    marginals : array-like, optional
        ``n_c``, the coincidence marginals of the values; required for ordinal, whose
        distance between two ranks grows with how many values lie between them:
        ``(sum_{g=c..k} n_g - (n_c + n_k) / 2) ** 2``.

    Returns
    -------
    numpy.ndarray
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    size = len(values)
    if level == "nominal":
        return 1.0 - np.eye(size)
    if level == "ordinal":
        if marginals is None:
            raise ValueError("ordinal distance needs the value marginals")
        marginals = np.asarray(marginals, dtype=float)
        # sum_{g=c..k} n_g - (n_c + n_k)/2 == mid_k - mid_c with mid_g = cumsum_g - n_g/2
        middle = np.cumsum(marginals) - marginals / 2
        return (middle[None, :] - middle[:, None]) ** 2
    numbers = np.asarray(values, dtype=float)
    difference = numbers[None, :] - numbers[:, None]
    if level == "interval":
        return difference**2
    total = numbers[None, :] + numbers[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total != 0, difference / total, 0.0)
    return ratio**2


def _table_counts(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Units x values counts of a coders x units table of codes, ``-1`` = missing.

    Every column is shifted into its own block of ``n_values + 1`` bins (the last one
    collects the missing cells), so one :func:`numpy.bincount` counts all units."""
    n_units = codes.shape[1]
    width = n_values + 1
    shifted = np.where(codes >= 0, codes, n_values) + (np.arange(n_units) * width)[None, :]
    flat = np.bincount(shifted.ravel(), minlength=n_units * width)
    return flat.reshape(n_units, width)[:, :n_values]


#: Up to this many distinct integers, one comparison pass per value beats a bincount.
_COMPARE_LIMIT = 8


def _numeric_counts(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Units x values counts and the sorted value domain of a float table (NaN = missing).

    The common case, a few integer codes (0/1, category numbers, Likert points), avoids
    sorting and masking the whole table."""
    finite = ~np.isnan(table)
    n_finite = int(np.count_nonzero(finite))
    if n_finite == 0:
        return np.zeros((table.shape[1], 0), dtype=np.intp), np.zeros(0)
    low, high = float(np.nanmin(table)), float(np.nanmax(table))
    span = high - low
    counts = None
    if span < _COMPARE_LIMIT:
        values = low + np.arange(int(span) + 1)
        counts = np.stack([np.count_nonzero(table == v, axis=0) for v in values], axis=1)
        if counts.sum() != n_finite:  # some values lie between the integers
            counts = None
    elif span <= 4 * table.size + 1024 and np.nanmax(table - np.floor(table)) == 0:
        values = low + np.arange(int(span) + 1)
        codes = np.where(finite, table - low, -1).astype(np.intp)
        counts = _table_counts(codes, len(values))
    if counts is None:
        values, inverse = np.unique(table[finite], return_inverse=True)
        codes = np.full(table.shape, -1, dtype=np.intp)
        codes[finite] = inverse.ravel()
        counts = _table_counts(codes, len(values))
    used = counts.sum(axis=0) > 0
    return counts[:, used], values[used]


_NUMBER_KINDS = ("integer", "floating", "mixed-integer-float", "decimal", "boolean", "empty")


def _as_table(data) -> tuple[np.ndarray, bool]:
    """A 2-D array (float if every present value is a number) and whether it is numeric.

    Strings stay labels even when they look like numbers ("1" is not 1)."""
    if isinstance(data, pd.DataFrame):
        if all(pd.api.types.is_numeric_dtype(dtype) for dtype in data.dtypes):
            return data.to_numpy(dtype=float, na_value=np.nan), True
        table = data.to_numpy(dtype=object)
    elif isinstance(data, np.ndarray):
        table = data
    else:
        table = np.asarray(data)  # numbers become a numeric array here, fast
    if table.ndim != 2:
        raise ValueError(
            f"reliability data must be a 2-D coders x units table; got {table.ndim} dimension(s)"
        )
    if table.dtype.kind in "biuf":
        return table.astype(float, copy=False), True
    table = table.astype(object, copy=False)
    if pd.api.types.infer_dtype(table.ravel(), skipna=True) in _NUMBER_KINDS:
        return pd.DataFrame(table).to_numpy(dtype=float, na_value=np.nan), True
    return table, False


def krippendorff_alpha(
    data, level: str = "nominal", *, value_order: Sequence[Hashable] | None = None
) -> float:
    """Krippendorff's alpha for a coders x units table with missing values.

    Parameters
    ----------
    data : 2-D array-like or DataFrame
        Rows are coders, columns are units; ``NaN``/``None`` marks a missing value. Values
        may be numbers, or any hashable labels (strings) for nominal, and for ordinal when
        ``value_order`` is given.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement. Interval and ratio need numbers; ratio needs numbers >= 0.
    value_order : sequence, optional
        The value domain from lowest to highest. Needed for ordinal alpha on labels that
        are not numbers (e.g. ``STANCE_ORDER``); a value outside it is an error.

    Returns
    -------
    float
        Alpha (1 = perfect agreement, 0 = chance, negative = systematic disagreement).
        ``nan`` when no unit has two values (e.g. a single coder) or when every pairable
        value is the same (no variation: expected disagreement is 0).

    Examples
    --------
    The binary example of Krippendorff (2011), two coders and ten units:

    >>> round(krippendorff_alpha([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    ...                           [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]), 3)
    0.095
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
    table, numeric = _as_table(data)
    if value_order is not None:
        codes_table, _ = _codes_in_order(table, value_order)
        counts = _table_counts(codes_table, len(value_order))
        domain = np.asarray(value_order, dtype=object)
        if level in ("interval", "ratio"):
            domain = np.asarray(value_order, dtype=float)
    elif numeric:
        counts, domain = _numeric_counts(table)
    else:
        if level != "nominal":
            raise ValueError(
                f"{level} alpha needs numbers, or value_order for labels such as strings"
            )
        codes_flat, domain = pd.factorize(table.ravel(), sort=False)
        counts = _table_counts(codes_flat.reshape(table.shape), len(domain))
    if level == "ratio" and np.any(np.asarray(domain, dtype=float) < 0):
        raise ValueError("ratio alpha needs values >= 0 (a ratio scale has an absolute zero)")
    coincidences = coincidence_matrix(counts)
    distance = distance_matrix(level, domain, coincidences.sum(axis=1))
    return alpha_from_coincidences(coincidences, distance)


def _codes_in_order(table: np.ndarray, value_order: Sequence[Hashable], name: str = "value_order"):
    """Codes of ``table`` cells as positions in ``value_order``; -1 marks missing."""
    flat = table.ravel()
    missing = pd.isna(flat)
    position = {value: index for index, value in enumerate(value_order)}
    if len(position) != len(value_order):
        raise ValueError(f"{name} has repeated values")
    codes, uniques = pd.factorize(flat)
    lookup = np.empty(len(uniques), dtype=np.intp)
    for index, value in enumerate(uniques):
        found = position.get(value)
        if found is None and isinstance(value, float) and value.is_integer():
            found = position.get(int(value))
        if found is None:
            raise ValueError(f"value {value!r} is not in {name} {tuple(value_order)!r}")
        lookup[index] = found
    result = np.where(codes >= 0, lookup[np.maximum(codes, 0)], -1)
    return result.reshape(table.shape), missing.reshape(table.shape)


# -- sets: MASI and Jaccard ------------------------------------------------------------


def jaccard_distance(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """``1 - |a & b| / |a | b|``; two empty sets are identical (distance 0)."""
    a, b = frozenset(a), frozenset(b)
    union = len(a | b)
    return 0.0 if union == 0 else 1.0 - len(a & b) / union


def masi_distance(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """MASI distance (Passonneau 2006) between two sets of labels.

    ``1 - J * M`` where ``J`` is the Jaccard similarity and ``M`` is 1 for identical sets,
    2/3 when one is a subset of the other, 1/3 when they overlap otherwise, 0 when they
    are disjoint.

    The empty set ("looked, no technique") is an ordinary value: two empty sets are
    identical, ``masi_distance(set(), set()) == 0``; the empty set and any non-empty set
    share nothing, ``J == 0``, so their distance is 1 (maximal), just as for disjoint sets.
    """
    a, b = frozenset(a), frozenset(b)
    if a == b:
        return 0.0
    common = len(a & b)
    if common == 0:
        return 1.0
    monotonicity = 2 / 3 if (a <= b or b <= a) else 1 / 3
    return 1.0 - common / len(a | b) * monotonicity


def set_distance_matrix(membership: np.ndarray, distance: str = "masi") -> np.ndarray:
    """Pairwise set distances between the rows of a boolean membership matrix.

    Parameters
    ----------
    membership : array-like of bool, sets x items
        Row ``i`` marks the items in set ``i``; an all-false row is the empty set.
    distance : {"masi", "jaccard"}
        See :func:`masi_distance` and :func:`jaccard_distance`; computed for all pairs at
        once with matrix products.

    Returns
    -------
    numpy.ndarray
        ``sets x sets`` float array with zeros on the diagonal.
    """
    if distance not in ("masi", "jaccard"):
        raise ValueError(f"unknown set distance {distance!r}; expected 'masi' or 'jaccard'")
    member = np.asarray(membership, dtype=float)
    common = member @ member.T
    size = member.sum(axis=1)
    if len(size) and np.all((member == 0) | (member == 1)):
        # A pair's distance depends only on (|a|, |b|, |a & b|), small integers: compute it
        # once per combination and look it up (a class's sets x sets is a million pairs).
        grid = np.arange(int(size.max()) + 1, dtype=float)
        table = _distances_from_sizes(grid[:, None, None], grid[None, :, None], grid, distance)
        sizes = size.astype(np.intp)
        return table[sizes[:, None], sizes[None, :], common.astype(np.intp)]
    return _distances_from_sizes(size[:, None], size[None, :], common, distance)


def _distances_from_sizes(size_a, size_b, common, distance: str) -> np.ndarray:
    """Set distances from set sizes and the sizes of their intersections (broadcast)."""
    union = size_a + size_b - common
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = np.where(union > 0, common / union, 1.0)  # two empty sets are equal
    if distance == "jaccard":
        return 1.0 - jaccard
    equal = (common == size_a) & (common == size_b)
    nested = common == np.minimum(size_a, size_b)
    monotonicity = np.select([equal, nested, common > 0], [1.0, 2 / 3, 1 / 3], 0.0)
    return 1.0 - jaccard * monotonicity


def _as_set(cell) -> frozenset | None:
    """A table cell as a frozenset; ``None`` for missing. A string is the CSV form."""
    if cell is None or (isinstance(cell, float) and cell != cell) or cell is pd.NA:
        return None
    if isinstance(cell, str):
        return frozenset(split_techniques(cell))
    return frozenset(cell)


def _sets_to_membership(sets: Sequence[frozenset]) -> np.ndarray:
    items = sorted({item for s in sets for item in s}, key=repr)
    column = {item: index for index, item in enumerate(items)}
    membership = np.zeros((len(sets), len(items)), dtype=bool)
    for row, s in enumerate(sets):
        membership[row, [column[item] for item in s]] = True
    return membership


def krippendorff_alpha_sets(
    data, distance: str | Callable[[frozenset, frozenset], float] = "masi"
) -> float:
    """Krippendorff's alpha for set-valued codes (several techniques per sentence).

    Parameters
    ----------
    data : 2-D array-like or DataFrame, coders x units
        Each cell is a set of labels (any iterable of hashables; a string is read as the
        CSV form ``"a;b"``), or ``None``/``NaN`` for missing. The empty set is a value:
        "looked, and chose no label".
    distance : "masi", "jaccard" or callable
        The difference function between two sets, used as ``delta`` directly (not
        squared), as in Passonneau (2006). With MASI, ``delta(∅, ∅) = 0`` and
        ``delta(∅, S) = 1`` for non-empty ``S``. A callable ``f(a, b)`` on frozensets is
        called once per pair of distinct sets that occur.

    Returns
    -------
    float
        Alpha, or ``nan`` as in :func:`krippendorff_alpha`. With only singleton sets the
        result equals nominal alpha on the single labels.

    Notes
    -----
    Cells that are frozensets or strings are coded in bulk; lists and sets are unhashable
    and are converted cell by cell, at Python speed.
    """
    if isinstance(data, pd.DataFrame):
        table = data.to_numpy(dtype=object)
    elif isinstance(data, np.ndarray) and data.dtype == object:
        table = data
    else:
        # Cells are themselves iterables, so let NumPy not descend into them.
        rows = [list(row) for row in data]
        widths = {len(row) for row in rows}
        if len(widths) > 1:
            raise ValueError(f"reliability data rows differ in length: {sorted(widths)}")
        table = np.empty((len(rows), widths.pop() if widths else 0), dtype=object)
        for row_index, row in enumerate(rows):
            for column_index, cell in enumerate(row):
                table[row_index, column_index] = cell
    if table.ndim != 2:
        raise ValueError("reliability data must be a 2-D coders x units table")
    flat = table.ravel()
    try:
        raw_codes, raw_uniques = pd.factorize(flat)
    except TypeError:  # unhashable cells (lists, sets): convert every cell
        flat = np.array([_as_set(cell) for cell in flat] + [None], dtype=object)[:-1]
        raw_codes, raw_uniques = pd.factorize(flat)
    # Distinct raw cells can be the same set ("a;b" and ("b", "a")): merge them.
    as_sets = [_as_set(value) for value in raw_uniques]
    domain: list[frozenset] = []
    position: dict[frozenset, int] = {}
    lookup = np.full(len(as_sets) + 1, -1, dtype=np.intp)
    for index, value in enumerate(as_sets):
        if value is None:
            continue
        lookup[index] = position.setdefault(value, len(domain))
        if lookup[index] == len(domain):
            domain.append(value)
    codes = lookup[raw_codes].reshape(table.shape)  # raw code -1 hits the trailing -1
    present = codes >= 0
    counts = unit_value_counts(np.nonzero(present)[1], codes[present], table.shape[1], len(domain))
    if callable(distance):
        delta = np.array([[distance(a, b) if a != b else 0.0 for b in domain] for a in domain])
        delta = delta.reshape(len(domain), len(domain))
    else:
        delta = set_distance_matrix(_sets_to_membership(domain), distance)
    return alpha_from_coincidences(coincidence_matrix(counts), delta)


# -- kappas ----------------------------------------------------------------------------


def fleiss_kappa(counts) -> float:
    """Fleiss' kappa on a subjects x categories count table.

    Parameters
    ----------
    counts : 2-D array-like of non-negative integers
        ``counts[i, j]`` raters put subject ``i`` in category ``j``; every subject must
        have the same number of raters (at least 2).

    Returns
    -------
    float
        Kappa; ``nan`` when expected agreement is 1 (every rating in one category).
    """
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or table.shape[0] == 0:
        raise ValueError("fleiss_kappa needs a non-empty 2-D subjects x categories table")
    if np.any(table < 0) or np.any(table != np.floor(table)):
        row = int(np.nonzero(np.any((table < 0) | (table != np.floor(table)), axis=1))[0][0])
        raise ValueError(f"fleiss_kappa: row {row} has a negative or fractional count")
    raters = table.sum(axis=1)
    if np.any(raters != raters[0]):
        row = int(np.nonzero(raters != raters[0])[0][0])
        raise ValueError(
            f"fleiss_kappa: every subject needs the same number of raters; row 0 has "
            f"{raters[0]:g}, row {row} has {raters[row]:g}"
        )
    per_subject = raters[0]
    if per_subject < 2:
        raise ValueError("fleiss_kappa needs at least 2 raters per subject")
    shares = table.sum(axis=0) / table.sum()
    observed = ((table**2).sum(axis=1) - per_subject) / (per_subject * (per_subject - 1))
    expected = float((shares**2).sum())
    if np.isclose(expected, 1.0, rtol=0, atol=1e-12):
        return float("nan")
    return float((observed.mean() - expected) / (1.0 - expected))


def _kappa_from_confusion(confusion: np.ndarray) -> np.ndarray:
    """Cohen's kappa for one (K x K) or many (L x K x K) confusion tables, in integers
    so that the degenerate case (expected agreement exactly 1) is detected exactly."""
    confusion = np.asarray(confusion, dtype=np.int64)
    total = confusion.sum(axis=(-2, -1))
    agree = np.trace(confusion, axis1=-2, axis2=-1)
    chance = (confusion.sum(axis=-1) * confusion.sum(axis=-2)).sum(axis=-1)
    numerator = (total * agree - chance).astype(float)
    denominator = (total * total - chance).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan
        )


def cohen_kappa(a, b, *, labels: Sequence[Hashable] | None = None) -> float:
    """Cohen's kappa between two raters' labels.

    Parameters
    ----------
    a, b : 1-D array-like of equal length
        Labels of any hashable kind (strings welcome). A pair where either side is
        missing (``None``/``NaN``) is dropped.
    labels : sequence, optional
        The label set; a value outside it is an error. By default, the labels seen.

    Returns
    -------
    float
        Kappa; ``nan`` when no pair remains, or when expected agreement is 1 (both raters
        used one and the same label throughout), matching
        :func:`sklearn.metrics.cohen_kappa_score`'s default.
    """
    first = pd.Series(list(a) if not isinstance(a, pd.Series) else a.to_list(), dtype=object)
    second = pd.Series(list(b) if not isinstance(b, pd.Series) else b.to_list(), dtype=object)
    if len(first) != len(second):
        raise ValueError(f"cohen_kappa: {len(first)} labels against {len(second)}")
    keep = (~first.isna() & ~second.isna()).to_numpy()
    first, second = first[keep].to_numpy(), second[keep].to_numpy()
    if labels is None:
        codes, uniques = pd.factorize(np.concatenate([first, second]))
        size = len(uniques)
    else:
        codes, _ = _codes_in_order(
            np.concatenate([first, second])[None, :].astype(object), labels, "labels"
        )
        codes, size = codes.ravel(), len(labels)
    pairs = len(first)
    if pairs == 0:
        return float("nan")
    confusion = np.bincount(codes[:pairs] * size + codes[pairs:], minlength=size * size)
    return float(_kappa_from_confusion(confusion.reshape(size, size)))


# -- the class views -------------------------------------------------------------------


@dataclass(frozen=True)
class ClassLabels:
    """A class's current labels, integer-coded once so that every view is array work.

    Build it with :func:`prepare_labels`; every class view accepts it in place of the
    labels DataFrame, so a report that draws several views codes the labels once.

    Attributes
    ----------
    learners : numpy.ndarray
        Learner ids, sorted (including ``"key"`` if the key's rows were given).
    units : DataFrame
        ``article_id``, ``sentence_id`` of every labelled sentence, sorted.
    targets : numpy.ndarray
        Stance target ids, sorted.
    technique_sets : tuple of frozenset
        The distinct technique sets chosen (the empty set included if chosen).
    technique_learner, technique_unit, technique_set : numpy.ndarray
        One entry per technique row: codes into the tables above.
    stance_learner, stance_unit, stance_target, stance_value : numpy.ndarray
        One entry per stance row that has a stance; ``stance_value`` indexes
        :data:`STANCE_ORDER`.
    """

    learners: np.ndarray
    units: pd.DataFrame
    targets: np.ndarray
    technique_sets: tuple[frozenset, ...]
    technique_learner: np.ndarray
    technique_unit: np.ndarray
    technique_set: np.ndarray
    stance_learner: np.ndarray
    stance_unit: np.ndarray
    stance_target: np.ndarray
    stance_value: np.ndarray
    # set distance matrices by distance name: technique_set_alpha and
    # sentence_disagreement both need one, and it is sets x sets (hundreds squared)
    _set_distances: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # units x sets counts by include_key: technique_alpha, technique_set_alpha and
    # sentence_disagreement all start from them
    _set_counts: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def set_distances(self, distance: str) -> np.ndarray:
        """:func:`set_distance_matrix` of :attr:`technique_sets`, computed once."""
        if distance not in self._set_distances:
            items = sorted({t for s in self.technique_sets for t in s})
            matrix = set_distance_matrix(_membership(self.technique_sets, items), distance)
            matrix.flags.writeable = False  # shared by every caller
            self._set_distances[distance] = matrix
        return self._set_distances[distance]

    def set_counts(self, *, include_key: bool) -> np.ndarray:
        """Units x :attr:`technique_sets`: technique labels per sentence and set (as
        :func:`unit_value_counts`), computed once."""
        if include_key not in self._set_counts:
            _, unit, set_code = self.technique_rows(include_key=include_key)
            counts = unit_value_counts(unit, set_code, len(self.units), len(self.technique_sets))
            counts.flags.writeable = False  # shared by every caller
            self._set_counts[include_key] = counts
        return self._set_counts[include_key]

    @property
    def key_code(self) -> int:
        """Code of the answer key in :attr:`learners`, or -1 when it has no labels."""
        found = np.flatnonzero(self.learners == KEY_LEARNER)
        return int(found[0]) if found.size else -1

    def technique_rows(self, *, include_key: bool) -> tuple[np.ndarray, ...]:
        """(learner, unit, set) codes of technique rows, with or without the key
        (read-only arrays)."""
        columns = (self.technique_learner, self.technique_unit, self.technique_set)
        return self._rows(columns, include_key)

    def stance_rows(self, *, include_key: bool) -> tuple[np.ndarray, ...]:
        """(learner, unit, target, value) codes of stance rows, with or without the key
        (read-only arrays)."""
        columns = (self.stance_learner, self.stance_unit, self.stance_target, self.stance_value)
        return self._rows(columns, include_key)

    def _rows(self, columns: tuple[np.ndarray, ...], include_key: bool) -> tuple[np.ndarray, ...]:
        """The columns without the key's rows, unless included. With no rows to leave out
        they are views of the stored arrays (hence read-only): for 10,000 learners, copying
        millions of codes would be much of a view's time."""
        key_code = -1 if include_key else self.key_code
        if key_code >= 0 and (columns[0] == key_code).any():
            keep = columns[0] != key_code
            columns = tuple(np.compress(keep, column) for column in columns)
        else:
            columns = tuple(column.view() for column in columns)
        for column in columns:
            column.flags.writeable = False
        return columns


def _factorize(column: pd.Series, *, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Codes and uniques of a text column; NaN (an empty CSV field) is the string "".

    A categorical column (as ``collect`` returns) is coded by its own codes: no string is
    hashed, which for 10,000 learners saves seconds, and the codes keep their small integer
    type (int8, int16), which halves the memory every later pass reads, so widen them before
    arithmetic (:func:`_combine` does). Its uniques may then include categories no row uses;
    callers compact the codes they keep."""
    categorical = isinstance(column.dtype, pd.CategoricalDtype)
    # text categories need no conversion (10,000 learner ids: converting is milliseconds
    # that every view would pay)
    text = categorical and isinstance(column.cat.categories.dtype, pd.StringDtype)
    if categorical:
        codes = column.cat.codes.to_numpy()
        uniques = column.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(column, sort=sort)
        uniques = np.asarray(uniques, dtype=object)
    appended = False
    if len(codes) and codes.min() < 0:
        codes = codes.astype(np.intp)  # a copy, with room for one more code
        empty = np.flatnonzero(uniques == "")
        if empty.size:
            codes[codes < 0] = empty[0]
        else:
            codes[codes < 0] = len(uniques)
            uniques = np.append(uniques, "")
            appended = True
    if not text:
        uniques = uniques.astype(str).astype(object)
    if sort and (categorical or appended):
        rank = _string_rank(uniques)
        order = np.empty_like(rank)
        order[rank] = np.arange(len(rank))
        codes, uniques = rank[codes], uniques[order]
    return codes, uniques


def _string_rank(uniques: np.ndarray) -> np.ndarray:
    """Each of the text ``uniques``' position in sorted order."""
    order = np.argsort(uniques.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank


def _factorize_ranked(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, uniques and ``rank`` (each unique's position in sorted order), the same order
    as ``_factorize(column, sort=True)`` but without renumbering a categorical's codes, a
    pass over every row: :func:`_renumbering` applies ``rank`` to the codes kept."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = _factorize(column)
        return codes, uniques, _string_rank(uniques)
    codes, uniques = _factorize(column, sort=True)
    return codes, uniques, np.arange(len(uniques))


def _combine(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """One code per row for several code columns, ``0 <= codes[i] < sizes[i]`` (mixed
    radix, the first column varying slowest). int32 when the codes fit (half the memory
    traffic of int64 on millions of rows), else int64."""
    space = 1
    for size in sizes:
        space *= max(int(size), 1)
    combined = np.asarray(codes[0]).astype(np.int32 if space < 2**31 else np.int64)
    for column, size in zip(codes[1:], sizes[1:], strict=True):
        combined *= size
        combined += column
    return combined


def _code_of(uniques: np.ndarray, value: str) -> int:
    """The code of ``value`` among factorised ``uniques``, or -1 if it does not occur."""
    found = np.flatnonzero(uniques == value)
    return int(found[0]) if found.size else -1


def _distinct(keys: np.ndarray, space: int) -> np.ndarray:
    """The distinct non-negative integer ``keys`` below ``space``, sorted (marked in a
    bitmap of the space, or sorted)."""
    if space <= 8 * len(keys) + 1_000_000:
        return np.flatnonzero(_occurs(space, keys))
    ordered = np.sort(keys)
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def _has_duplicates(keys: np.ndarray, space: int) -> bool:
    """Whether non-negative integer ``keys`` below ``space`` repeat (bitmap or sort)."""
    if space <= 8 * len(keys) + 1_000_000:
        return np.count_nonzero(_occurs(space, keys)) < len(keys)
    ordered = np.sort(keys)
    return bool((ordered[1:] == ordered[:-1]).any())


def _occurs(size: int, *codes: np.ndarray) -> np.ndarray:
    """Which codes ``0 <= code < size`` occur in any of the arrays."""
    present = np.zeros(size, dtype=bool)  # a byte per code, where counting takes eight
    for part in codes:
        present[part] = True
    return present


def _renumbering(
    present: np.ndarray, rank: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """New codes 0..k-1 for the ``present`` old codes, in code order or in the order of
    ``rank[code]`` if given; returns (old -> new lookup, old codes in new order)."""
    used = np.flatnonzero(present)
    if rank is not None:
        used = used[np.argsort(rank[used], kind="stable")]
    remap = np.zeros(len(present), dtype=np.intp)
    remap[used] = np.arange(len(used))
    return remap, used


def _compact(
    codes: np.ndarray, size: int, rank: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Renumber codes ``0 <= code < size`` to 0..k-1 (see :func:`_renumbering`); returns
    (codes, used), ``used`` the old codes in new order."""
    remap, used = _renumbering(_occurs(size, codes), rank)
    return remap[codes], used


def prepare_labels(labels: pd.DataFrame | ClassLabels) -> ClassLabels:
    """Code a labels frame for the class views (done by every view if not done before).

    Parameters
    ----------
    labels : DataFrame
        Labels with at least ``learner``, ``article_id``, ``sentence_id``, ``target``,
        ``techniques`` and ``stance`` (:data:`widgets.schema.LABEL_COLUMNS`), as from
        ``collect`` or :meth:`widgets.store.LabelStore.labels`. Empty CSV fields read as
        NaN are taken as ``""``. Summary rows are left out. If several rows share a key
        (a history rather than current labels), the latest ``saved_at`` wins; keys whose
        current row is ``cleared`` are left out. A stance outside
        :data:`widgets.schema.STANCES` is left out with a warning naming the rows.

    Returns
    -------
    ClassLabels
    """
    if isinstance(labels, ClassLabels):
        return labels
    needed = ["learner", "article_id", "sentence_id", "target", "techniques", "stance"]
    absent = [column for column in needed if column not in labels.columns]
    if absent:
        raise ValueError(f"labels frame lacks column(s) {', '.join(absent)}")
    frame = current_labels(labels)
    # Codes stay in the categories' numbering (sorted order is applied when the codes kept
    # are renumbered), and technique and stance rows are picked once and every column is
    # taken at them: for 10,000 learners each pass over every row costs tens of ms.
    sentence_codes, sentence_ids, sentence_rank = _factorize_ranked(frame["sentence_id"])
    learner_codes, learners, learner_rank = _factorize_ranked(frame["learner"])
    article_codes, article_ids, article_rank = _factorize_ranked(frame["article_id"])
    target_codes, target_ids, target_rank = _factorize_ranked(frame["target"])
    n_sentences, n_units = len(sentence_ids), len(article_ids) * len(sentence_ids)
    unit_rank = (article_rank[:, None] * n_sentences + sentence_rank[None, :]).ravel()
    unit_codes = _combine([article_codes, sentence_codes], [len(article_ids), n_sentences])
    is_technique = target_codes == _code_of(target_ids, TECHNIQUE_TARGET)

    def split(keep: np.ndarray) -> tuple[np.ndarray, ...]:
        """Technique and stance rows kept, and their (learner, unit[, target]) codes."""
        technique_rows = np.flatnonzero(keep & is_technique)
        stance_rows = np.flatnonzero(keep & ~is_technique)
        technique = (learner_codes[technique_rows], unit_codes[technique_rows])
        stance = (learner_codes[stance_rows], unit_codes[stance_rows], target_codes[stance_rows])
        return technique_rows, stance_rows, technique, stance

    keep = sentence_codes != _code_of(sentence_ids, SUMMARY_SENTENCE_ID)
    technique_rows, stance_rows, technique, stance = split(keep)

    (learner_t, unit_t), (learner_s, unit_s, target_s) = technique, stance
    remap, used_learners = _renumbering(_occurs(len(learners), learner_t, learner_s), learner_rank)
    learners = learners[used_learners]
    learner_t, learner_s = remap[learner_t], remap[learner_s]
    remap, used_units = _renumbering(_occurs(n_units, unit_t, unit_s), unit_rank)
    units = pd.DataFrame(
        {
            "article_id": article_ids[used_units // n_sentences],
            "sentence_id": sentence_ids[used_units % n_sentences],
        }
    )
    unit_t, unit_s = remap[unit_t], remap[unit_s]

    technique_codes, technique_strings = _factorize(frame["techniques"])
    set_codes, sets = _set_codes(technique_codes[technique_rows], technique_strings)

    stance_raw, stance_names = _factorize(frame["stance"])
    stance_raw = stance_raw[stance_rows]
    lookup = np.array(
        [STANCE_ORDER.index(s) if s in STANCE_ORDER else -1 for s in stance_names], dtype=np.intp
    )
    stance_values = lookup[stance_raw] if len(stance_raw) else np.zeros(0, dtype=np.intp)
    unknown = (stance_values < 0) & (stance_raw != _code_of(stance_names, ""))
    if unknown.any():
        shown = frame.take(stance_rows[unknown][:5])
        where = "; ".join(
            f"row {index}: learner {r.learner}, {r.sentence_id}, target {r.target}: {r.stance!r}"
            for index, r in zip(stance_rows[unknown][:5], shown.itertuples(), strict=True)
        )
        warnings.warn(
            f"{int(unknown.sum())} stance label(s) not in {STANCES} were left out ({where})",
            UserWarning,
            stacklevel=3,
        )
    with_stance = stance_values >= 0
    if not with_stance.all():
        learner_s, unit_s, target_s, stance_values = (
            np.compress(with_stance, codes)
            for codes in (learner_s, unit_s, target_s, stance_values)
        )
    stance_targets, used_targets = _compact(target_s, len(target_ids), target_rank)
    return ClassLabels(
        learners=learners,
        units=units,
        targets=target_ids[used_targets],
        technique_sets=tuple(sets),
        technique_learner=learner_t,
        technique_unit=unit_t,
        technique_set=set_codes,
        stance_learner=learner_s,
        stance_unit=unit_s,
        stance_target=stance_targets,
        stance_value=stance_values,
    )


def _set_codes(
    raw_codes: np.ndarray, raw_uniques: np.ndarray
) -> tuple[np.ndarray, list[frozenset]]:
    """Codes of technique sets given coded ``techniques`` strings, and the distinct sets.

    Working on the string codes keeps the Python work to one parse per distinct string
    that occurs; differently written strings of one set ("b;a", "a;b") share a code."""
    domain: list[frozenset] = []
    position: dict[frozenset, int] = {}
    lookup = np.zeros(len(raw_uniques), dtype=np.intp)
    for index in np.flatnonzero(_occurs(len(raw_uniques), raw_codes)):
        parsed = frozenset(split_techniques(raw_uniques[index]))
        lookup[index] = position.setdefault(parsed, len(domain))
        if lookup[index] == len(domain):
            domain.append(parsed)
    return lookup[raw_codes], domain


def _membership(domain: Sequence[frozenset], items: Sequence[str]) -> np.ndarray:
    column = {item: index for index, item in enumerate(items)}
    membership = np.zeros((len(domain), len(items)), dtype=bool)
    for row, techniques in enumerate(domain):
        membership[row, [column[t] for t in techniques if t in column]] = True
    return membership


def _coders_in_pairable_units(learner: np.ndarray, unit: np.ndarray, per_unit: np.ndarray) -> int:
    # learner codes are small non-negative integers: counting beats np.unique's sort
    return int(np.count_nonzero(np.bincount(learner[per_unit[unit] >= 2])))


def _binary_alpha(present: np.ndarray, per_unit: np.ndarray) -> np.ndarray:
    """Nominal alpha of several binary variables at once.

    ``present`` is units x variables (coders who said 1), ``per_unit`` the coders per
    unit. With the 2 x 2 coincidences ``o``, alpha = 1 - (n - 1) o_01 / (n_0 n_1)."""
    pairable = per_unit >= 2
    present, per_unit = present[pairable], per_unit[pairable]
    absent = per_unit[:, None] - present
    weight = (1.0 / (per_unit - 1))[:, None]
    mixed = (present * absent * weight).sum(axis=0)
    both_present = ((present**2 - present) * weight).sum(axis=0)
    both_absent = ((absent**2 - absent) * weight).sum(axis=0)
    n_present = both_present + mixed
    n_absent = both_absent + mixed
    return 1.0 - (n_present + n_absent - 1) * _ratio(mixed, n_present * n_absent)


def _ratio(numerator, denominator) -> np.ndarray:
    """``numerator / denominator`` elementwise, ``nan`` where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, np.nan)


def technique_alpha(
    labels: pd.DataFrame | ClassLabels,
    technique_ids: Sequence[str] | None = None,
    *,
    include_key: bool = False,
) -> pd.DataFrame:
    """Per technique, nominal alpha of present/absent over the sentences learners looked at.

    Each learner's technique row for a sentence codes every technique as present (in the
    set) or absent (not in it, including "looked, no technique"); a learner with no row
    for a sentence is missing for it, not "absent".

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels (see :func:`prepare_labels`: summary rows, cleared keys and
        superseded rows are left out). The answer key's rows (learner ``"key"``) are left
        out unless ``include_key``.
    technique_ids : sequence of str, optional
        The techniques to report, in this order (e.g. ``codebook.technique_ids``); by
        default every id that occurs, sorted. Ids in the labels but not listed are ignored.
    include_key : bool
        Count the answer key as one more coder.

    Returns
    -------
    DataFrame
        Columns ``technique_id``, ``alpha`` (``nan`` when nobody, or everybody, marked
        the technique on the pairable sentences), ``n_units`` (sentences with at least two
        coders), ``n_coders`` (learners with a label on those sentences) and ``n_marked``
        (technique labels that include it).
    """
    prepared = prepare_labels(labels)
    learner, unit, _ = prepared.technique_rows(include_key=include_key)
    domain = prepared.technique_sets
    if technique_ids is None:
        technique_ids = sorted({t for s in domain for t in s})
    technique_ids = list(technique_ids)
    counts = prepared.set_counts(include_key=include_key)
    marked = counts @ _membership(domain, technique_ids).astype(float)
    per_unit = counts.sum(axis=1).astype(float)
    return pd.DataFrame(
        {
            "technique_id": pd.Series(technique_ids, dtype=object),
            "alpha": _binary_alpha(marked, per_unit),
            "n_units": int((per_unit >= 2).sum()),
            "n_coders": _coders_in_pairable_units(learner, unit, per_unit),
            "n_marked": marked.sum(axis=0).astype(int),
        }
    )


def _technique_set_counts(prepared: ClassLabels, include_key: bool, distance: str):
    """Units x sets counts and the sets x sets distance matrix."""
    return prepared.set_counts(include_key=include_key), prepared.set_distances(distance)


def technique_set_alpha(
    labels: pd.DataFrame | ClassLabels, *, distance: str = "masi", include_key: bool = False
) -> float:
    """Alpha on whole technique sets per sentence, with the MASI (or Jaccard) distance.

    The empty set ("looked, no technique") is a value: two learners who both saw no
    technique agree fully; one empty set against any non-empty set is distance 1.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels; filtered as in :func:`technique_alpha`.
    distance : {"masi", "jaccard"}
    include_key : bool
        Count the answer key as one more coder.

    Returns
    -------
    float
        Alpha, ``nan`` when no sentence has two learners or every set is the same.
    """
    counts, delta = _technique_set_counts(prepare_labels(labels), include_key, distance)
    return alpha_from_coincidences(coincidence_matrix(counts), delta)


def stance_alpha(
    labels: pd.DataFrame | ClassLabels, *, ordinal: bool = True, include_key: bool = False
) -> pd.DataFrame:
    """Per stance target, alpha of the learners' stances over the sentences.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels; stance rows (``target != ""``) with an empty stance are missing;
        otherwise filtered as in :func:`technique_alpha`.
    ordinal : bool
        Also report ordinal alpha with ``against < none < favor``, which counts
        favor-vs-against as a bigger disagreement than favor-vs-none.
    include_key : bool
        Count the answer key as one more coder.

    Returns
    -------
    DataFrame
        Columns ``target``, ``alpha`` (nominal), ``alpha_ordinal`` (if asked),
        ``n_units``, ``n_coders``; one row per target, sorted by target.
    """
    prepared = prepare_labels(labels)
    learner, unit, target, value = prepared.stance_rows(include_key=include_key)
    n_units, n_values = len(prepared.units), len(STANCE_ORDER)
    n_targets, n_learners = len(prepared.targets), len(prepared.learners)
    # All targets at once: a (unit, target) pair is a unit of its own target's table.
    pair = _combine([target, unit], [n_targets, n_units])
    counts = unit_value_counts(pair, value, n_targets * n_units, n_values)
    # Coders per target: distinct (target, learner) among rows of pairable pairs.
    pairable = counts.sum(axis=1)[pair] >= 2
    coders = _distinct(
        np.compress(pairable, _combine([target, learner], [n_targets, n_learners])),
        n_targets * n_learners,
    )
    coders = np.diff(np.searchsorted(coders, np.arange(n_targets + 1) * n_learners))
    counts = counts.reshape(n_targets, n_units, n_values)
    nominal = distance_matrix("nominal", STANCE_ORDER)
    records = []
    for index, target_id in enumerate(prepared.targets):
        coincidences = coincidence_matrix(counts[index])
        per_unit = counts[index].sum(axis=1)
        record = {"target": target_id, "alpha": alpha_from_coincidences(coincidences, nominal)}
        if ordinal:
            delta = distance_matrix("ordinal", STANCE_ORDER, coincidences.sum(axis=1))
            record["alpha_ordinal"] = alpha_from_coincidences(coincidences, delta)
        record["n_units"] = int((per_unit >= 2).sum())
        record["n_coders"] = int(coders[index])
        records.append(record)
    columns = ["target", "alpha", *(["alpha_ordinal"] if ordinal else []), "n_units", "n_coders"]
    return pd.DataFrame.from_records(records, columns=columns)


def _pairwise_disagreement(counts: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Mean distance over all pairs of coders within each unit (nan below two coders)."""
    counts = np.asarray(counts, dtype=float)
    per_unit = counts.sum(axis=1)
    # the sum over unordered pairs of coders is half the sum over ordered pairs of values
    total = 0.5 * ((counts @ delta) * counts).sum(axis=1)
    return _ratio(total, per_unit * (per_unit - 1) / 2)


def sentence_disagreement(
    labels: pd.DataFrame | ClassLabels, *, distance: str = "masi", include_key: bool = False
) -> pd.DataFrame:
    """Per sentence, how much learners disagree: a score in [0, 1] for "discuss these".

    ``technique_disagreement`` is the mean MASI distance between the technique sets of
    all pairs of learners who labelled the sentence (0 = everyone chose the same set,
    including everyone choosing none). ``stance_disagreement`` is, per target, the share
    of learner pairs with different stances, averaged over the targets with at least two
    stances. ``disagreement`` is the mean of the two parts that exist. A part is ``nan``
    when fewer than two learners gave it.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels; filtered as in :func:`technique_alpha`.
    distance : {"masi", "jaccard"}
    include_key : bool
        Count the answer key as one more learner.

    Returns
    -------
    DataFrame
        Columns ``article_id``, ``sentence_id``, ``disagreement``,
        ``technique_disagreement``, ``stance_disagreement``, ``n_coders`` (learners with
        a technique label), ``n_stance_coders`` (learners with a stance label); one row per
        labelled sentence, most disputed first, ``nan`` last.
    """
    prepared = prepare_labels(labels)
    n_units, n_targets = len(prepared.units), len(prepared.targets)
    counts, delta = _technique_set_counts(prepared, include_key, distance)
    technique_part = _pairwise_disagreement(counts, delta)

    learner, unit, target, value = prepared.stance_rows(include_key=include_key)
    stance_counts = unit_value_counts(
        unit * n_targets + target, value, n_units * n_targets, len(STANCE_ORDER)
    )
    per_target = _pairwise_disagreement(
        stance_counts, distance_matrix("nominal", STANCE_ORDER)
    ).reshape(n_units, n_targets)
    defined = ~np.isnan(per_target)
    stance_part = _ratio(np.where(defined, per_target, 0.0).sum(axis=1), defined.sum(axis=1))
    # learners with a stance per unit: the distinct (unit, learner) pairs, sorted by unit
    n_learners = len(prepared.learners)
    pairs = _distinct(_combine([unit, learner], [n_units, n_learners]), n_units * n_learners)
    stance_coders = np.diff(np.searchsorted(pairs, np.arange(n_units + 1) * n_learners))

    parts = np.stack([technique_part, stance_part], axis=1)
    present = ~np.isnan(parts)
    result = prepared.units.assign(
        disagreement=_ratio(np.where(present, parts, 0.0).sum(axis=1), present.sum(axis=1)),
        technique_disagreement=technique_part,
        stance_disagreement=stance_part,
        n_coders=counts.sum(axis=1),
        n_stance_coders=stance_coders,
    )
    return result.sort_values(
        ["disagreement", *_UNIT_COLUMNS], ascending=[False, True, True], na_position="last"
    ).reset_index(drop=True)


@dataclass(frozen=True)
class KeyComparison:
    """Each learner against the answer key.

    Attributes
    ----------
    per_technique : DataFrame
        One row per learner and technique: ``learner``, ``technique_id``, ``tp``, ``fp``,
        ``fn``, ``precision``, ``recall``, ``f1``.
    per_learner : DataFrame
        One row per learner: ``learner``, ``n_sentences`` (technique labels compared),
        ``tp``, ``fp``, ``fn``, ``micro_precision``, ``micro_recall``, ``micro_f1``,
        ``n_stances`` (stance labels compared), ``stance_kappa``.
    """

    per_technique: pd.DataFrame
    per_learner: pd.DataFrame


def _key_tables(prepared: ClassLabels, key: ClassLabels):
    """The key's set per class unit (-1 = none), its stance per (unit, target) (-1 = none),
    and the key's set domain; units and targets matched by id."""
    unit_lookup = pd.MultiIndex.from_frame(prepared.units).get_indexer(
        pd.MultiIndex.from_frame(key.units)
    )
    target_lookup = pd.Index(prepared.targets).get_indexer(pd.Index(key.targets))
    key_code = key.key_code
    set_by_unit = np.full(len(prepared.units), -1, dtype=np.intp)
    mine = key.technique_learner == key_code
    units = unit_lookup[key.technique_unit[mine]]
    found = units >= 0
    set_by_unit[units[found]] = key.technique_set[mine][found]
    stance_by_pair = np.full((len(prepared.units), len(prepared.targets)), -1, dtype=np.intp)
    mine = key.stance_learner == key_code
    units = unit_lookup[key.stance_unit[mine]]
    targets = target_lookup[key.stance_target[mine]]
    found = (units >= 0) & (targets >= 0)
    stance_by_pair[units[found], targets[found]] = key.stance_value[mine][found]
    return set_by_unit, stance_by_pair, key.technique_sets


def _count_items(
    group: np.ndarray, set_codes: np.ndarray, membership: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Per group and item, how many rows' sets hold the item.

    Each row's set is expanded to its items (CSR style: the membership matrix is small),
    so the work grows with the total set size, never with rows x items."""
    sizes = membership.sum(axis=1)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    items = np.nonzero(membership)[1]
    per_row = sizes[set_codes]
    row = np.repeat(np.arange(len(set_codes)), per_row)
    within = np.arange(len(row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    item = items[starts[set_codes][row] + within]
    counts = np.bincount(group[row] * shape[1] + item, minlength=shape[0] * shape[1])
    return counts.reshape(shape)


def learner_vs_key(
    labels: pd.DataFrame | ClassLabels,
    key_labels: pd.DataFrame | None = None,
    technique_ids: Sequence[str] | None = None,
) -> KeyComparison:
    """Precision, recall and F1 per learner and technique, and stance kappa, against the key.

    Only sentences both the learner and the key labelled are compared (a sentence the
    learner did not look at is not a miss). A technique in the key's set and the
    learner's is a true positive, in the learner's only a false positive, in the key's
    only a false negative.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels of the class. Rows of learner ``"key"`` are the key unless
        ``key_labels`` is given; they are never scored as a learner.
    key_labels : DataFrame, optional
        The answer key's labels (whatever their ``learner`` column says).
    technique_ids : sequence of str, optional
        Techniques to score, in order; by default every id in the key or the labels.
        Micro scores sum over these techniques only.

    Returns
    -------
    KeyComparison
        ``precision`` is ``nan`` when the learner never marked the technique on compared
        sentences, ``recall`` when the key never did, ``f1 = 2tp / (2tp + fp + fn)`` when
        neither did. ``stance_kappa`` is Cohen's kappa (as :func:`cohen_kappa`) on the
        (sentence, target) pairs both gave a stance; ``nan`` with no pairs or no variation.
    """
    prepared = prepare_labels(labels)
    if key_labels is None:
        key = prepared
    else:
        key = prepare_labels(key_labels.assign(learner=KEY_LEARNER))
    set_by_unit, stance_by_pair, key_sets = _key_tables(prepared, key)
    if technique_ids is None:
        technique_ids = sorted({t for s in (*prepared.technique_sets, *key_sets) for t in s})
    technique_ids = list(technique_ids)

    learner_names = prepared.learners
    is_learner = learner_names != KEY_LEARNER
    n_learners, n_techniques = len(learner_names), len(technique_ids)

    learner, unit, said = prepared.technique_rows(include_key=False)
    truth = set_by_unit[unit]
    compared = truth >= 0
    learner, said, truth = learner[compared], said[compared], truth[compared]
    said_member = _membership(prepared.technique_sets, technique_ids)
    truth_member = _membership(key_sets, technique_ids)
    # tp needs the pair (learner's set, key's set); code the pairs that occur.
    pair = said.astype(np.int64) * max(len(key_sets), 1) + truth
    pair_codes, pairs = pd.factorize(pair) if len(pair) else (pair.astype(np.intp), pair)
    pairs = np.asarray(pairs, dtype=np.int64)
    both_member = (
        said_member[pairs // max(len(key_sets), 1)] & truth_member[pairs % max(len(key_sets), 1)]
    )
    shape = (n_learners, n_techniques)
    said_count = _count_items(learner, said, said_member, shape)
    truth_count = _count_items(learner, truth, truth_member, shape)
    tp = _count_items(learner, pair_codes, both_member, shape)[is_learner]
    fp = said_count[is_learner] - tp
    fn = truth_count[is_learner] - tp
    names = learner_names[is_learner]
    per_technique = pd.DataFrame(
        {
            "learner": np.repeat(names, n_techniques),
            "technique_id": np.tile(np.array(technique_ids, dtype=object), len(names)),
            "tp": tp.ravel(),
            "fp": fp.ravel(),
            "fn": fn.ravel(),
            "precision": _ratio(tp, tp + fp).ravel(),
            "recall": _ratio(tp, tp + fn).ravel(),
            "f1": _ratio(2 * tp, 2 * tp + fp + fn).ravel(),
        }
    )
    micro_tp, micro_fp, micro_fn = tp.sum(axis=1), fp.sum(axis=1), fn.sum(axis=1)
    per_learner_frame = pd.DataFrame(
        {
            "learner": names,
            "n_sentences": np.bincount(learner, minlength=n_learners)[is_learner],
            "tp": micro_tp,
            "fp": micro_fp,
            "fn": micro_fn,
            "micro_precision": _ratio(micro_tp, micro_tp + micro_fp),
            "micro_recall": _ratio(micro_tp, micro_tp + micro_fn),
            "micro_f1": _ratio(2 * micro_tp, 2 * micro_tp + micro_fp + micro_fn),
        }
    )

    learner, unit, target, value = prepared.stance_rows(include_key=False)
    truth = stance_by_pair[unit, target] if len(unit) else np.zeros(0, dtype=np.intp)
    compared = truth >= 0
    size = len(STANCE_ORDER)
    confusion = np.bincount(
        (learner[compared] * size + value[compared]) * size + truth[compared],
        minlength=n_learners * size * size,
    ).reshape(n_learners, size, size)[is_learner]
    per_learner_frame["n_stances"] = confusion.sum(axis=(1, 2))
    per_learner_frame["stance_kappa"] = _kappa_from_confusion(confusion)
    return KeyComparison(per_technique=per_technique, per_learner=per_learner_frame)
