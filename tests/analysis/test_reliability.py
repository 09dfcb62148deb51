"""Do the class views (alpha per technique, set and target, disagreement per sentence,
learners against the key) match hand computation and the general measures?"""

from __future__ import annotations

import itertools
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from widgets.analysis.agreement import (
    cohen_kappa,
    krippendorff_alpha,
    krippendorff_alpha_sets,
    masi_distance,
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
nan = math.nan


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
