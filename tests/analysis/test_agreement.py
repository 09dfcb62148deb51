"""Do the agreement statistics match the published examples, the reference packages, and
hand computation on small classes?"""

from __future__ import annotations

import itertools
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss_kappa

from widgets.analysis.agreement import (
    LEVELS,
    alpha_from_coincidences,
    cohen_kappa,
    coincidence_matrix,
    distance_matrix,
    fleiss_kappa,
    jaccard_distance,
    krippendorff_alpha,
    krippendorff_alpha_sets,
    masi_distance,
    set_distance_matrix,
    unit_value_counts,
)
from widgets.analysis.coding import STANCE_ORDER

nan = math.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# four observers, twelve units, missing values.
PUBLISHED_4x12 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
PUBLISHED_ALPHAS = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Section A: two coders, ten units, binary values.
PUBLISHED_BINARY = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


# -- Krippendorff's alpha ----------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_published_four_coder_example_at_every_level(level):
    """Does alpha reproduce the 2011 paper's values for the 4 x 12 example?"""
    result = krippendorff_alpha(PUBLISHED_4x12, level)
    assert round(result, 3) == PUBLISHED_ALPHAS[level]
    reference = krippendorff.alpha(reliability_data=PUBLISHED_4x12, level_of_measurement=level)
    assert result == pytest.approx(reference, abs=1e-12)


def test_published_example_coincidences_count_the_forty_pairable_values():
    """Is the lone value of unit 12 left out, leaving the paper's n = 40?"""
    table = np.array(PUBLISHED_4x12)
    present = ~np.isnan(table)
    codes = table[present].astype(int) - 1
    counts = unit_value_counts(np.nonzero(present)[1], codes, 12, 5)
    coincidences = coincidence_matrix(counts)
    assert coincidences.sum() == pytest.approx(40)
    assert np.allclose(coincidences, coincidences.T)
    # The paper's value marginals n_c for values 1..5.
    assert np.allclose(coincidences.sum(axis=1), [9, 13, 10, 5, 3])


def test_published_binary_example():
    """Does the two-coder binary example give the paper's alpha = 0.095?"""
    assert round(krippendorff_alpha(PUBLISHED_BINARY), 3) == 0.095


def test_dataframe_and_string_labels_give_the_same_alpha():
    """Are a DataFrame and a table of string labels read like the numeric array?"""
    frame = pd.DataFrame(PUBLISHED_4x12)
    assert krippendorff_alpha(frame) == pytest.approx(0.743421052631579)
    names = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
    words = [[None if v != v else names[int(v)] for v in row] for row in PUBLISHED_4x12]
    assert krippendorff_alpha(words) == pytest.approx(krippendorff_alpha(PUBLISHED_4x12))
    order = ["one", "two", "three", "four", "five"]
    assert krippendorff_alpha(words, "ordinal", value_order=order) == pytest.approx(
        krippendorff_alpha(PUBLISHED_4x12, "ordinal")
    )
    # strings that look like numbers stay labels
    quoted = [[None if v != v else str(int(v)) for v in row] for row in PUBLISHED_4x12]
    with pytest.raises(ValueError, match="needs numbers"):
        krippendorff_alpha(quoted, "interval")
    assert krippendorff_alpha(quoted) == pytest.approx(0.743421052631579)
    # value_order on numbers gives the interval values themselves
    assert krippendorff_alpha(
        PUBLISHED_4x12, "interval", value_order=[1, 2, 3, 4, 5]
    ) == pytest.approx(krippendorff_alpha(PUBLISHED_4x12, "interval"))


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(
    ("coders", "units", "n_values", "missing", "seed"),
    [
        (2, 10, 2, 0.0, 1),
        (3, 40, 3, 0.2, 2),
        (7, 25, 5, 0.4, 3),
        (30, 60, 4, 0.5, 4),
        (200, 12, 9, 0.1, 5),
        (5, 80, 20, 0.3, 6),  # a domain wide enough for the bincount path
    ],
)
def test_matches_the_krippendorff_package_on_random_tables(
    level, coders, units, n_values, missing, seed
):
    """Does alpha agree with the reference package on random data with missing values?"""
    rng = np.random.default_rng(seed)
    table = rng.integers(0, n_values, size=(coders, units)).astype(float)
    table[rng.random(table.shape) < missing] = np.nan
    expected = krippendorff.alpha(reliability_data=table, level_of_measurement=level)
    assert krippendorff_alpha(table, level) == pytest.approx(expected, abs=1e-10)
    # Scaled, shifted non-integer values take the sorting path: same alpha up to the
    # level's invariances (ratio is only scale invariant).
    shift = 0.0 if level == "ratio" else 0.25
    assert krippendorff_alpha(table * 0.37 + shift, level) == pytest.approx(expected, abs=1e-10)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=6, max_size=6),
        min_size=2,
        max_size=6,
    ),
    st.sampled_from(LEVELS),
)
def test_matches_the_krippendorff_package_on_any_small_table(rows, level):
    """Is alpha equal to the reference wherever the reference is defined?"""
    table = np.array([[nan if v is None else v for v in row] for row in rows], dtype=float)
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = krippendorff.alpha(reliability_data=table, level_of_measurement=level)
    except ValueError:  # the package refuses a single-value domain; we return nan
        assert math.isnan(krippendorff_alpha(table, level))
        return
    result = krippendorff_alpha(table, level)
    if math.isnan(expected):
        assert math.isnan(result)
    else:
        assert result == pytest.approx(expected, abs=1e-9)


def test_perfect_agreement_within_every_unit_is_one():
    assert krippendorff_alpha([[1, 2, 3, nan], [1, 2, 3, 4], [1, nan, 3, 4]]) == 1.0
    assert krippendorff_alpha([[1, 2, 3], [1, 2, 3]], "interval") == 1.0


def test_undefined_cases_are_nan():
    """No pairable values, no variation, a single coder: nan, never an exception."""
    assert math.isnan(krippendorff_alpha([[1, 2, 3, 4]]))  # one coder
    assert math.isnan(krippendorff_alpha([[1, nan], [nan, 2]]))  # nothing pairable
    assert math.isnan(krippendorff_alpha([[nan, nan], [nan, nan]]))  # nothing at all
    assert math.isnan(krippendorff_alpha([[3, 3, 3], [3, 3, 3]]))  # one value only


def test_one_unit_with_disagreement_is_defined():
    """A single unit with different values has alpha 0 (observed = expected), as in the
    package: within one unit there is nothing to tell agreement from chance."""
    expected = krippendorff.alpha(reliability_data=[[1], [2], [2]], level_of_measurement="nominal")
    assert krippendorff_alpha([[1], [2], [2]]) == pytest.approx(expected)
    assert krippendorff_alpha([[1], [2], [2]]) == pytest.approx(0.0)


def test_bad_input_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(PUBLISHED_BINARY, "cardinal")
    with pytest.raises(ValueError, match="2-D"):
        krippendorff_alpha([1, 2, 3])
    with pytest.raises(ValueError, match=">= 0"):
        krippendorff_alpha([[-1, 2], [1, 2]], "ratio")
    with pytest.raises(ValueError, match="value_order"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], "ordinal")
    with pytest.raises(ValueError, match="'maybe' is not in value_order"):
        krippendorff_alpha([["favor", "maybe"]], "ordinal", value_order=STANCE_ORDER)


def test_alpha_from_coincidences_checks_shapes():
    with pytest.raises(ValueError, match="same shape"):
        alpha_from_coincidences(np.ones((2, 2)), np.ones((3, 3)))


def test_ordinal_distance_follows_the_paper_formula():
    """delta^2_ck = (sum_{g=c..k} n_g - (n_c + n_k)/2)^2, checked term by term."""
    marginals = np.array([9.0, 13.0, 10.0, 5.0, 3.0])
    matrix = distance_matrix("ordinal", [1, 2, 3, 4, 5], marginals)
    for c, k in itertools.product(range(5), repeat=2):
        low, high = min(c, k), max(c, k)
        expected = (marginals[low : high + 1].sum() - (marginals[c] + marginals[k]) / 2) ** 2
        assert matrix[c, k] == pytest.approx(expected)


# -- sets and MASI -------------------------------------------------------------------------


def test_masi_distance_values_including_the_empty_set():
    """Identical 0; subset 1 - J*2/3; overlap 1 - J/3; disjoint 1; the empty set is a value."""
    assert masi_distance(set(), set()) == 0.0
    assert masi_distance(set(), {"fear"}) == 1.0
    assert masi_distance({"a", "b"}, {"b", "a"}) == 0.0
    assert masi_distance({"a"}, {"a", "b"}) == pytest.approx(1 - 0.5 * 2 / 3)
    assert masi_distance({"a", "b"}, {"b", "c"}) == pytest.approx(1 - (1 / 3) / 3)
    assert masi_distance({"a"}, {"b"}) == 1.0
    assert jaccard_distance(set(), set()) == 0.0
    assert jaccard_distance({"a", "b"}, {"b", "c"}) == pytest.approx(2 / 3)


@pytest.mark.parametrize("kind", ["masi", "jaccard"])
def test_set_distance_matrix_equals_the_pairwise_functions(kind):
    items = ["a", "b", "c", "d"]
    sets = [frozenset(s) for r in range(len(items) + 1) for s in itertools.combinations(items, r)]
    membership = np.array([[item in s for item in items] for s in sets])
    matrix = set_distance_matrix(membership, kind)
    function = masi_distance if kind == "masi" else jaccard_distance
    expected = np.array([[function(a, b) for b in sets] for a in sets])
    assert np.allclose(matrix, expected)


def _reference_set_alpha(table, distance):
    """Alpha straight from the definition, pair by pair with loops; nan when undefined."""
    pairable = []
    for column in zip(*table, strict=True):
        values = [frozenset(v) for v in column if v is not None]
        if len(values) >= 2:
            pairable.append(values)
    n = sum(len(values) for values in pairable)
    observed = sum(
        distance(a, b) / (len(values) - 1)
        for values in pairable
        for a, b in itertools.permutations(values, 2)
    )
    everything = [v for values in pairable for v in values]
    expected = sum(distance(a, b) for a, b in itertools.permutations(everything, 2))
    if n < 2 or expected == 0:
        return nan
    return 1 - (n - 1) * observed / expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.frozensets(st.sampled_from("abc"), max_size=3)),
            min_size=5,
            max_size=5,
        ),
        min_size=2,
        max_size=5,
    )
)
def test_set_alpha_equals_the_definition(table):
    """Does the vectorised MASI alpha equal alpha computed pair by pair?"""
    expected = _reference_set_alpha(table, masi_distance)
    assert krippendorff_alpha_sets(table) == pytest.approx(expected, abs=1e-9, nan_ok=True)
    assert krippendorff_alpha_sets(table, distance=masi_distance) == pytest.approx(
        expected, abs=1e-9, nan_ok=True
    )
    jaccard = _reference_set_alpha(table, jaccard_distance)
    assert krippendorff_alpha_sets(table, distance="jaccard") == pytest.approx(
        jaccard, abs=1e-9, nan_ok=True
    )


def test_singleton_sets_give_nominal_alpha():
    """With one label per cell, MASI is the nominal distance, so alpha is nominal alpha."""
    sets = [[None if v != v else {int(v)} for v in row] for row in PUBLISHED_4x12]
    assert krippendorff_alpha_sets(sets) == pytest.approx(0.743421052631579)


def test_set_cells_may_be_csv_strings_lists_or_frozensets():
    as_frozensets = [
        [frozenset({"a", "b"}), frozenset(), frozenset({"c"})],
        [frozenset({"a"}), frozenset(), None],
        [frozenset({"b", "a"}), frozenset({"c"}), frozenset({"c"})],
    ]
    as_strings = [["a;b", "", "c"], ["a", "", nan], ["a;b", "c", "c"]]
    as_lists = [[["b", "a"], [], ["c"]], [["a"], [], None], [("a", "b"), ["c"], {"c"}]]
    expected = krippendorff_alpha_sets(as_frozensets)
    assert not math.isnan(expected)
    assert krippendorff_alpha_sets(as_strings) == pytest.approx(expected)
    assert krippendorff_alpha_sets(as_lists) == pytest.approx(expected)
    assert krippendorff_alpha_sets(pd.DataFrame(as_strings)) == pytest.approx(expected)


def test_empty_set_is_a_value_not_missing():
    """Two coders who both looked and saw nothing agree; that raises alpha."""
    looked = [[frozenset(), frozenset({"a"}), frozenset()], [frozenset(), frozenset({"a"}), None]]
    assert krippendorff_alpha_sets(looked) == 1.0
    mixed = [[frozenset(), frozenset({"a"})], [frozenset({"a"}), frozenset({"a"})]]
    assert krippendorff_alpha_sets(mixed) < 1.0


# -- kappas --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subjects", "raters", "categories", "seed"),
    [(10, 2, 2, 1), (50, 5, 3, 2), (200, 12, 6, 3), (7, 3, 4, 4)],
)
def test_fleiss_kappa_matches_statsmodels(subjects, raters, categories, seed):
    rng = np.random.default_rng(seed)
    choices = rng.integers(0, categories, size=(subjects, raters))
    # Skew the choices so that kappa is not always near zero.
    choices[: subjects // 2] = choices[: subjects // 2, :1]
    counts = np.stack([(choices == c).sum(axis=1) for c in range(categories)], axis=1)
    assert fleiss_kappa(counts) == pytest.approx(statsmodels_fleiss_kappa(counts), abs=1e-12)


def test_fleiss_kappa_refuses_unequal_raters_and_is_nan_without_variation():
    with pytest.raises(ValueError, match="row 1 has 3"):
        fleiss_kappa([[2, 2], [1, 2]])
    with pytest.raises(ValueError, match="row 0 has a negative"):
        fleiss_kappa([[-1, 3], [1, 1]])
    assert math.isnan(fleiss_kappa([[3, 0], [3, 0]]))
    assert fleiss_kappa([[3, 0], [0, 3]]) == 1.0


@pytest.mark.parametrize(("size", "seed"), [(5, 1), (40, 2), (300, 3)])
def test_cohen_kappa_matches_sklearn_on_string_labels_with_missing_pairs(size, seed):
    rng = np.random.default_rng(seed)
    labels = np.array(["favor", "against", "none"], dtype=object)
    first = labels[rng.integers(0, 3, size)]
    second = np.where(rng.random(size) < 0.6, first, labels[rng.integers(0, 3, size)])
    first_with_gaps = first.copy()
    second_with_gaps = second.copy()
    first_with_gaps[rng.random(size) < 0.2] = None
    second_with_gaps[rng.random(size) < 0.2] = np.nan
    keep = pd.notna(first_with_gaps) & pd.notna(second_with_gaps)
    expected = cohen_kappa_score(list(first_with_gaps[keep]), list(second_with_gaps[keep]))
    assert cohen_kappa(first_with_gaps, second_with_gaps) == pytest.approx(expected, abs=1e-12)
    assert cohen_kappa(
        pd.Series(first), pd.Series(second), labels=["favor", "against", "none"]
    ) == pytest.approx(cohen_kappa_score(first, second))


def test_cohen_kappa_degenerate_and_bad_cases():
    """Expected agreement 1 gives nan, as sklearn does; no pairs gives nan."""
    assert math.isnan(cohen_kappa(["none", "none"], ["none", "none"]))
    assert math.isnan(cohen_kappa([None, "a"], ["a", None]))
    assert cohen_kappa(["a", "b"], ["a", "b"]) == 1.0
    with pytest.raises(ValueError, match="3 labels against 2"):
        cohen_kappa(["a", "b", "c"], ["a", "b"])
    with pytest.raises(ValueError, match="'zzz' is not in labels"):
        cohen_kappa(["a", "zzz"], ["a", "b"], labels=["a", "b"])
