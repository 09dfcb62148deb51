"""Agreement statistics: Krippendorff's alpha (values and sets), Fleiss' and Cohen's kappa.

These take plain tables (NumPy arrays or DataFrames) and are the kit's public API for
users' own data. The class views built on them are in :mod:`widgets.analysis.reliability`.

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
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..schema import (
    split_techniques,
)

__all__ = [
    "LEVELS",
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
    "kappa_from_confusion",
]

#: Levels of measurement understood by :func:`krippendorff_alpha`.
LEVELS: tuple[str, ...] = ("nominal", "ordinal", "interval", "ratio")

#: The ``learner`` id of the answer key's labels.

#: Stances from most negative to most positive, for ordinal alpha on stance.

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


def kappa_from_confusion(confusion: np.ndarray) -> np.ndarray:
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
    return float(kappa_from_confusion(confusion.reshape(size, size)))
