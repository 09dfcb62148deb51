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
from widgets.analysis.coding import STANCE_ORDER, prepare_labels
from widgets.analysis.reliability import (
    KeyComparison,
    learner_vs_key,
    sentence_disagreement,
    stance_alpha,
    technique_alpha,
    technique_set_alpha,
)
from widgets.labelling.store import LabelStore
from widgets.schema import LABEL_COLUMNS

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


# -- the class views -----------------------------------------------------------------------


def label_row(learner, sentence_id, target="", techniques="", stance="", **extra):
    row = dict.fromkeys(LABEL_COLUMNS, "")
    row.update(
        learner=learner,
        article_id="a",
        sentence_id=sentence_id,
        target=target,
        techniques=techniques,
        stance=stance,
        status="set",
        saved_at="2026-01-05T09:00:00.000000+00:00",
    )
    row.update(extra)
    return row


def small_class():
    """Three learners and a key on three sentences; hand-computed answers in the tests."""
    rows = [
        label_row("ann", "a-001", techniques="fear;loaded"),
        label_row("bob", "a-001", techniques="fear"),
        label_row("cat", "a-001", techniques="fear"),
        label_row("ann", "a-002", techniques=""),
        label_row("bob", "a-002", techniques=""),
        label_row("cat", "a-002", techniques="loaded"),
        label_row("ann", "a-003", techniques="loaded"),
        # withdrawn, and article-level summary rows: never counted
        label_row("bob", "a-003", techniques="fear", status="cleared"),
        label_row("ann", "summary", techniques="fear", frame="conflict"),
        label_row("bob", "summary", techniques="", frame="strategy"),
        label_row("ann", "summary", target="keir-starmer", stance="against"),
        label_row("bob", "summary", target="keir-starmer", stance="favor"),
        # stances
        label_row("ann", "a-001", target="keir-starmer", stance="favor"),
        label_row("bob", "a-001", target="keir-starmer", stance="favor"),
        label_row("cat", "a-001", target="keir-starmer", stance="against"),
        label_row("ann", "a-002", target="keir-starmer", stance="none"),
        label_row("bob", "a-002", target="keir-starmer", stance="none"),
        label_row("cat", "a-002", target="keir-starmer", stance="none"),
        label_row("ann", "a-001", target="issue", stance="against"),
        label_row("bob", "a-001", target="issue", stance="against"),
        label_row("ann", "a-002", target="issue", stance="favor"),
        # the answer key
        label_row("key", "a-001", techniques="fear"),
        label_row("key", "a-002", techniques="loaded"),
        label_row("key", "a-003", techniques="loaded"),
        label_row("key", "a-001", target="keir-starmer", stance="favor"),
        label_row("key", "a-002", target="keir-starmer", stance="against"),
        label_row("key", "a-001", target="issue", stance="against"),
    ]
    return pd.DataFrame(rows, columns=list(LABEL_COLUMNS), dtype=object)


def test_technique_alpha_by_hand():
    """fear: everyone agrees on both shared sentences (alpha 1); loaded: o_01 = 2,
    n_0 = 4, n_1 = 2, n = 6, so alpha = 1 - 5 * 2 / 8 = -0.25."""
    result = technique_alpha(small_class(), ["fear", "loaded", "whataboutism"])
    assert list(result.columns) == ["technique_id", "alpha", "n_units", "n_coders", "n_marked"]
    assert list(result["technique_id"]) == ["fear", "loaded", "whataboutism"]
    assert result["alpha"].iloc[0] == pytest.approx(1.0)
    assert result["alpha"].iloc[1] == pytest.approx(-0.25)
    assert math.isnan(result["alpha"].iloc[2])  # nobody used it: no variation
    assert list(result["n_units"]) == [2, 2, 2]  # a-003 has one coder only
    assert list(result["n_coders"]) == [3, 3, 3]
    assert list(result["n_marked"]) == [3, 3, 0]


def test_technique_alpha_equals_alpha_on_the_present_absent_table():
    """Is a learner without a row missing (not absent) in the per-technique table?"""
    labels = small_class()
    rows = labels[(labels.target == "") & (labels.learner != "key")]
    rows = rows[(rows.status == "set") & (rows.sentence_id != "summary")]
    table = rows.pivot(index="learner", columns="sentence_id", values="techniques")
    present = table.map(lambda v: nan if pd.isna(v) else float("loaded" in v.split(";")))
    result = technique_alpha(labels, ["loaded"])
    assert result["alpha"].iloc[0] == pytest.approx(krippendorff_alpha(present))


def test_technique_set_alpha_by_hand():
    """MASI alpha on {f,l},{f},{f} and {},{},{l}: D_o = 5/9, D_e = 4/5, alpha = 11/36."""
    assert technique_set_alpha(small_class()) == pytest.approx(11 / 36)


def test_stance_alpha_by_hand():
    """keir-starmer: nominal 6/11, ordinal -1/8; issue has one pairable unit with one
    value only, so alpha is undefined."""
    result = stance_alpha(small_class())
    assert list(result.columns) == ["target", "alpha", "alpha_ordinal", "n_units", "n_coders"]
    by_target = result.set_index("target")
    assert by_target.loc["keir-starmer", "alpha"] == pytest.approx(6 / 11)
    assert by_target.loc["keir-starmer", "alpha_ordinal"] == pytest.approx(-0.125)
    assert math.isnan(by_target.loc["issue", "alpha"])
    assert by_target.loc["keir-starmer", "n_units"] == 2
    assert by_target.loc["issue", "n_units"] == 1
    assert by_target.loc["issue", "n_coders"] == 2
    # the ordinal value also agrees with the reference package on rank codes
    codes = [[2, 1], [2, 1], [0, 1]]  # ann, bob, cat over a-001, a-002
    expected = krippendorff.alpha(reliability_data=codes, level_of_measurement="ordinal")
    assert by_target.loc["keir-starmer", "alpha_ordinal"] == pytest.approx(expected)
    assert "alpha_ordinal" not in stance_alpha(small_class(), ordinal=False)


def test_unknown_stances_are_reported_and_left_out():
    labels = pd.concat(
        [small_class(), pd.DataFrame([label_row("dan", "a-001", "keir-starmer", stance="meh")])]
    )
    with pytest.warns(UserWarning, match="learner dan, a-001, target keir-starmer: 'meh'"):
        result = stance_alpha(labels)
    assert result.set_index("target").loc["keir-starmer", "alpha"] == pytest.approx(6 / 11)


def test_sentence_disagreement_by_hand():
    """a-001: techniques 4/9, stance (2/3 + 0)/2; a-002: techniques 2/3, stance 0;
    a-003: one learner, undefined, sorted last."""
    result = sentence_disagreement(small_class())
    assert list(result["sentence_id"]) == ["a-001", "a-002", "a-003"]
    first, second, third = (result.iloc[i] for i in range(3))
    assert first["technique_disagreement"] == pytest.approx(4 / 9)
    assert first["stance_disagreement"] == pytest.approx(1 / 3)
    assert first["disagreement"] == pytest.approx(7 / 18)
    assert second["technique_disagreement"] == pytest.approx(2 / 3)
    assert second["stance_disagreement"] == pytest.approx(0.0)
    assert second["disagreement"] == pytest.approx(1 / 3)
    assert math.isnan(third["disagreement"])
    assert list(result["n_coders"]) == [3, 3, 1]
    assert list(result["n_stance_coders"]) == [3, 3, 0]
    assert result["disagreement"].dropna().between(0, 1).all()


def test_learner_vs_key_by_hand():
    comparison = learner_vs_key(small_class(), technique_ids=["fear", "loaded"])
    assert isinstance(comparison, KeyComparison)
    table = comparison.per_technique.set_index(["learner", "technique_id"])
    assert "key" not in comparison.per_learner["learner"].to_list()
    ann_loaded = table.loc[("ann", "loaded")]
    assert (ann_loaded.tp, ann_loaded.fp, ann_loaded.fn) == (1, 1, 1)
    assert ann_loaded.precision == pytest.approx(0.5)
    assert ann_loaded.f1 == pytest.approx(0.5)
    bob_loaded = table.loc[("bob", "loaded")]
    assert math.isnan(bob_loaded.precision)  # bob never marked it
    assert bob_loaded.recall == 0.0
    assert bob_loaded.f1 == 0.0
    assert (table["f1"].loc["cat"] == 1.0).all()

    learners = comparison.per_learner.set_index("learner")
    assert list(learners["n_sentences"]) == [3, 2, 2]  # bob's a-003 was cleared
    assert learners.loc["ann", "micro_f1"] == pytest.approx(2 / 3)
    assert learners.loc["bob", "micro_precision"] == 1.0
    assert learners.loc["bob", "micro_recall"] == 0.5
    assert learners.loc["ann", "stance_kappa"] == pytest.approx(0.5)
    assert learners.loc["cat", "stance_kappa"] == pytest.approx(-1 / 3)
    assert list(learners["n_stances"]) == [3, 3, 2]


def test_learner_vs_key_stance_kappa_equals_cohen_kappa_per_learner():
    """Is the vectorised per-learner kappa the same as cohen_kappa (and sklearn)?"""
    rng = np.random.default_rng(7)
    rows = []
    for position in range(1, 41):
        sentence = f"a-{position:03d}"
        truth = STANCE_ORDER[rng.integers(0, 3)]
        rows.append(label_row("key", sentence, "keir-starmer", stance=truth))
        for learner in ("ann", "bob", "cat", "dan"):
            if rng.random() < 0.8:
                said = truth if rng.random() < 0.5 else STANCE_ORDER[rng.integers(0, 3)]
                rows.append(label_row(learner, sentence, "keir-starmer", stance=said))
    labels = pd.DataFrame(rows)
    key = labels[labels.learner == "key"]
    learners = labels[labels.learner != "key"]
    comparison = learner_vs_key(learners, key_labels=key)
    for learner, group in learners.groupby("learner"):
        paired = group.merge(key, on="sentence_id", suffixes=("", "_key"))
        expected = cohen_kappa_score(paired["stance"], paired["stance_key"])
        got = comparison.per_learner.set_index("learner").loc[learner, "stance_kappa"]
        assert got == pytest.approx(expected)
        assert got == pytest.approx(cohen_kappa(paired["stance"], paired["stance_key"]))


def test_class_views_read_real_label_files(tmp_path, tiny_corpus, stub_codebook, clock):
    """From LabelStore files on disk, through read_csv (where "" becomes NaN), to alpha."""
    directory = tmp_path / "labels"
    plan = {
        "alice": ["loaded-language", "appeal-to-fear;loaded-language", ""],
        "bilal": ["loaded-language", "appeal-to-fear", ""],
        "chen": ["", "appeal-to-fear", "direct-quotation"],
    }
    for learner, sets in plan.items():
        store = LabelStore(
            directory, learner, corpus=tiny_corpus, codebook=stub_codebook, clock=clock
        )
        for position, techniques in enumerate(sets, start=1):
            store.save(
                "tiny-one",
                f"tiny-one-{position:03d}",
                techniques=[t for t in techniques.split(";") if t],
            )
        if learner == "chen":  # a label saved and withdrawn again: not counted
            store.save("tiny-two", "tiny-two-001", techniques=["appeal-to-fear"])
            store.undo()
    from_csv = pd.concat(
        [pd.read_csv(directory / f"{learner}.csv") for learner in plan], ignore_index=True
    )
    assert from_csv["target"].isna().all()  # the technique target "" reads back as NaN
    current = pd.concat(
        [
            LabelStore(directory, learner, corpus=tiny_corpus, codebook=stub_codebook).labels()
            for learner in plan
        ],
        ignore_index=True,
    )
    ids = list(stub_codebook.technique_ids)
    table = [[frozenset(s.split(";")) - {""} for s in sets] for sets in plan.values()]
    expected_sets = krippendorff_alpha_sets(table)
    for frame in (from_csv, current):  # history with a cleared key, and current labels
        assert technique_set_alpha(frame) == pytest.approx(expected_sets)
        per_technique = technique_alpha(frame, ids).set_index("technique_id")
        for technique in ids:
            present = [[float(technique in s) for s in row] for row in table]
            assert per_technique.loc[technique, "alpha"] == pytest.approx(
                krippendorff_alpha(present), nan_ok=True
            )
        assert set(per_technique["n_units"]) == {3}


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="lacks column"):
        technique_alpha(pd.DataFrame({"learner": ["ann"], "sentence_id": ["a-001"]}))


def random_class(seed, learners=25, sentences=30, techniques=("a", "b", "c", "d")):
    """A random class with gaps: each learner looks at ~70% of the sentences."""
    rng = np.random.default_rng(seed)
    rows = []
    for learner in [f"l{i:02d}" for i in range(learners)] + ["key"]:
        for position in range(1, sentences + 1):
            if learner != "key" and rng.random() < 0.3:
                continue
            chosen = [t for t in techniques if rng.random() < 0.25]
            sentence = f"a-{position:03d}"
            rows.append(label_row(learner, sentence, techniques=";".join(chosen)))
            for target in ("keir-starmer", "issue"):
                if rng.random() < 0.8:
                    stance = STANCE_ORDER[rng.integers(0, 3)]
                    rows.append(label_row(learner, sentence, target, stance=stance))
    return pd.DataFrame(rows, columns=list(LABEL_COLUMNS))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_class_views_equal_the_general_functions_on_pivoted_tables(seed):
    """On a random class with gaps, do the vectorised views equal alpha on the
    learners x sentences tables built the slow, obvious way?"""
    labels = random_class(seed)
    learners = labels[labels.learner != "key"]
    techniques = learners[learners.target == ""].pivot(
        index="learner", columns="sentence_id", values="techniques"
    )
    per_technique = technique_alpha(labels, ["a", "b", "c", "d"]).set_index("technique_id")
    for technique in "abcd":
        present = techniques.map(
            lambda v, t=technique: nan if pd.isna(v) else float(t in v.split(";"))
        )
        expected = krippendorff.alpha(reliability_data=present, level_of_measurement="nominal")
        assert per_technique.loc[technique, "alpha"] == pytest.approx(expected)
    assert technique_set_alpha(labels) == pytest.approx(krippendorff_alpha_sets(techniques))

    stances = stance_alpha(labels).set_index("target")
    for target in ("keir-starmer", "issue"):
        table = learners[learners.target == target].pivot(
            index="learner", columns="sentence_id", values="stance"
        )
        codes = table.map(lambda v: nan if pd.isna(v) else STANCE_ORDER.index(v))
        for column, level in (("alpha", "nominal"), ("alpha_ordinal", "ordinal")):
            expected = krippendorff.alpha(reliability_data=codes, level_of_measurement=level)
            assert stances.loc[target, column] == pytest.approx(expected)


def test_per_sentence_disagreement_equals_mean_pairwise_distance():
    labels = random_class(4, learners=6, sentences=8)
    learners = labels[labels.learner != "key"]
    result = sentence_disagreement(labels).set_index("sentence_id")
    for sentence, group in learners[learners.target == ""].groupby("sentence_id"):
        sets = [frozenset(v.split(";")) - {""} for v in group["techniques"]]
        pairs = list(itertools.combinations(sets, 2))
        expected = np.mean([masi_distance(a, b) for a, b in pairs]) if pairs else nan
        got = result.loc[sentence, "technique_disagreement"]
        assert got == pytest.approx(expected, nan_ok=True)
        assert result.loc[sentence, "n_coders"] == len(sets)


def test_learner_vs_key_equals_sklearn_scores_per_learner():
    from sklearn.metrics import f1_score, precision_score, recall_score

    labels = random_class(5, learners=8, sentences=25)
    comparison = learner_vs_key(labels, technique_ids=["a", "b", "c", "d"])
    table = comparison.per_technique.set_index(["learner", "technique_id"])
    rows = labels[labels.target == ""]
    key = rows[rows.learner == "key"].set_index("sentence_id")["techniques"]
    for learner, group in rows[rows.learner != "key"].groupby("learner"):
        truth_sets = [set(key[s].split(";")) for s in group["sentence_id"]]
        said_sets = [set(v.split(";")) for v in group["techniques"]]
        for technique in "abcd":
            truth = [technique in s for s in truth_sets]
            said = [technique in s for s in said_sets]
            got = table.loc[(learner, technique)]
            options = {"zero_division": np.nan}
            assert got.precision == pytest.approx(
                precision_score(truth, said, **options), nan_ok=True
            )
            assert got.recall == pytest.approx(recall_score(truth, said, **options), nan_ok=True)
            assert got.f1 == pytest.approx(f1_score(truth, said, **options), nan_ok=True)


def test_prepared_labels_and_separate_key_give_the_same_answers():
    """Does coding the labels once (prepare_labels) or passing the key apart change nothing?"""
    labels = random_class(6, learners=10, sentences=12)
    prepared = prepare_labels(labels)
    assert prepare_labels(prepared) is prepared
    pd.testing.assert_frame_equal(technique_alpha(prepared), technique_alpha(labels))
    pd.testing.assert_frame_equal(stance_alpha(prepared), stance_alpha(labels))
    pd.testing.assert_frame_equal(sentence_disagreement(prepared), sentence_disagreement(labels))
    together = learner_vs_key(labels)
    key = labels[labels.learner == "key"].assign(learner="teacher")
    apart = learner_vs_key(labels[labels.learner != "key"], key_labels=key)
    pd.testing.assert_frame_equal(together.per_learner, apart.per_learner)
    pd.testing.assert_frame_equal(together.per_technique, apart.per_technique)
    # the key counted as one more coder changes the pairable units' coders
    with_key = technique_alpha(labels, include_key=True)
    assert (with_key["n_coders"] == technique_alpha(labels)["n_coders"] + 1).all()


def test_a_history_keeps_the_latest_row_per_key():
    """Passed a history, do the views use the latest saved row and drop cleared keys?"""
    rows = [
        label_row("ann", "a-001", techniques="fear", saved_at="2026-01-05T09:00:01.000000+00:00"),
        label_row("ann", "a-001", techniques="", saved_at="2026-01-05T09:00:03.000000+00:00"),
        label_row("bob", "a-001", techniques="", saved_at="2026-01-05T09:00:02.000000+00:00"),
        label_row("ann", "a-002", techniques="fear", saved_at="2026-01-05T09:00:04.000000+00:00"),
        label_row("bob", "a-002", techniques="fear", saved_at="2026-01-05T09:00:05.000000+00:00"),
        label_row("bob", "a-003", techniques="x", saved_at="2026-01-05T09:00:06.000000+00:00"),
        label_row("ann", "a-003", techniques="", saved_at="2026-01-05T09:00:07.000000+00:00"),
        label_row(
            "ann",
            "a-003",
            techniques="",
            status="cleared",
            saved_at="2026-01-05T09:00:08.000000+00:00",
        ),
    ]
    history = pd.DataFrame(rows)
    result = sentence_disagreement(history).set_index("sentence_id")
    assert result.loc["a-001", "technique_disagreement"] == 0.0  # ann changed to "none"
    assert result.loc["a-003", "n_coders"] == 1  # ann's label was withdrawn
    assert technique_set_alpha(history) == 1.0
    with pytest.raises(ValueError, match="no saved_at column"):
        technique_alpha(history.drop(columns="saved_at"))


def test_views_on_empty_or_one_sided_labels_are_empty_or_nan():
    empty = pd.DataFrame(columns=list(LABEL_COLUMNS))
    assert math.isnan(technique_alpha(empty, ["fear"])["alpha"].iloc[0])
    assert math.isnan(technique_set_alpha(empty))
    assert stance_alpha(empty).empty
    assert sentence_disagreement(empty).empty
    assert learner_vs_key(empty).per_learner.empty
    no_key = small_class()
    no_key = no_key[no_key.learner != "key"]
    learners = learner_vs_key(no_key, technique_ids=["fear"]).per_learner
    assert (learners["n_sentences"] == 0).all()
    assert learners["micro_f1"].isna().all() and learners["stance_kappa"].isna().all()


def test_categorical_labels_give_the_same_views_as_text():
    """Does coding categorical columns (as collect returns them, with unused categories,
    unsorted categories and missing values) give exactly what text columns give?"""
    text = small_class()
    text.loc[3, "techniques"] = np.nan  # an empty CSV field read as NaN
    categorical = text.copy()
    for column in ("learner", "article_id", "sentence_id", "target", "techniques", "stance"):
        values = sorted(set(text[column].dropna()))
        categorical[column] = pd.Categorical(
            text[column], categories=[*values[::-1], "never-used-value"]
        )
    for frame in (text, categorical):
        prepared = prepare_labels(frame)
        assert set(prepared.technique_sets) == {
            frozenset(),
            frozenset({"fear"}),
            frozenset({"fear", "loaded"}),
            frozenset({"loaded"}),
        }
    pd.testing.assert_frame_equal(
        technique_alpha(categorical, ["fear", "loaded"]), technique_alpha(text, ["fear", "loaded"])
    )
    pd.testing.assert_frame_equal(stance_alpha(categorical), stance_alpha(text))
    assert technique_set_alpha(categorical) == pytest.approx(technique_set_alpha(text))
    pd.testing.assert_frame_equal(
        sentence_disagreement(categorical).astype({"article_id": object, "sentence_id": object}),
        sentence_disagreement(text).astype({"article_id": object, "sentence_id": object}),
    )
    pd.testing.assert_frame_equal(
        learner_vs_key(categorical).per_learner, learner_vs_key(text).per_learner
    )
