"""Charts of a class: do they validate, stay small at any class size, read without colour,
and say what they show?"""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest

from widgets.analysis.model import ClassModel
from widgets.analysis.reliability import learner_vs_key, sentence_disagreement, technique_alpha
from widgets.analysis.views import is_simulated
from widgets.classroom.simulate import pseudo_key, simulate_class
from widgets.collect import collect
from widgets.present import charts, registry
from widgets.schema import LABEL_COLUMNS


@pytest.fixture(scope="module")
def key(corpus, codebook):
    return pseudo_key(corpus, codebook)


def _simulated_labels(folder, learners, corpus, codebook, seed=3):
    simulate_class(folder, learners=learners, seed=seed, corpus=corpus, codebook=codebook)
    return collect([folder], corpus=corpus, codebook=codebook).labels


@pytest.fixture(scope="module")
def small_class(tmp_path_factory, corpus, codebook):
    return _simulated_labels(tmp_path_factory.mktemp("small"), 10, corpus, codebook)


@pytest.fixture(scope="module")
def larger_class(tmp_path_factory, corpus, codebook):
    return _simulated_labels(tmp_path_factory.mktemp("larger"), 200, corpus, codebook)


def model(labels, corpus, codebook, **options) -> ClassModel:
    return ClassModel(labels, corpus=corpus, codebook=codebook, **options)


def _all_charts(labels, corpus, codebook, key):
    """Every chart the registry makes, including the variants a dashboard asks for."""
    everything = model(labels, corpus, codebook, key=key, simulated=True)
    made = {e.name: e.build(everything) for e in registry.available(everything)}
    first_article = corpus.articles[0].article_id
    made |= {
        "stance_second_target": charts.stance_chart(everything, target="coalition-of-the-willing"),
        "one_technique": charts.technique_heatmap(everything, technique="loaded-language"),
        "one_article_hotspots": charts.hotspots_chart(everything, article_id=first_article),
        "one_article_cooccurrence": charts.cooccurrence_chart(everything, article_id=first_article),
        "technique_highlighted": charts.technique_f1_chart(everything, technique="hedged-claim"),
    }
    return made


def _data_rows(spec: dict) -> int:
    """Rows of data embedded in a Vega-Lite spec (inline and consolidated datasets)."""
    total = sum(len(rows) for rows in spec.get("datasets", {}).values())

    def walk(node):
        nonlocal total
        if isinstance(node, dict):
            values = (
                node.get("data", {}).get("values") if isinstance(node.get("data"), dict) else None
            )
            if isinstance(values, list):
                total += len(values)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk({k: v for k, v in spec.items() if k != "datasets"})
    return total


def test_every_chart_validates_on_a_small_class(small_class, corpus, codebook, key):
    """Does every chart produce a Vega-Lite spec that passes Altair's schema check?"""
    made = _all_charts(small_class, corpus, codebook, key)
    assert {"stance", "techniques", "hotspots", "agreement", "cooccurrence"} <= set(made)
    assert {"learners_vs_key", "techniques_vs_key"} <= set(made)
    for name, chart in made.items():
        spec = chart.to_dict()  # validates against the schema, raises if invalid
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6"), name
        assert _data_rows(spec) > 0, name


def test_my_charts_validate_and_count_my_labels(small_class, corpus, codebook):
    """Do the "my labels" charts show one learner's own counts?"""
    mine = small_class[small_class["learner"] == "sim-0001"]
    stance = charts.my_stance_chart(model(mine, corpus, codebook))
    techniques = charts.my_techniques_chart(model(mine, corpus, codebook))
    stance_spec, technique_spec = stance.to_dict(), techniques.to_dict()
    assert "My stance toward keir-starmer" in json.dumps(stance_spec["title"])
    rows = pd.DataFrame(next(iter(technique_spec["datasets"].values())))
    # the chart's count for one (article, technique) equals a direct count of the CSV rows
    technique_rows = mine[(mine["target"] == "") & (mine["sentence_id"] != "summary")]
    article = corpus.articles[0].article_id
    expected = (
        technique_rows[technique_rows["article_id"] == article]["techniques"]
        .astype(str)
        .str.split(";")
        .apply(lambda ids: "prediction-as-fact" in ids)
        .sum()
    )
    got = rows[(rows["article_id"] == article) & (rows["technique_id"] == "prediction-as-fact")]
    assert int(got["marked"].iloc[0]) == expected
    stance_rows = pd.DataFrame(next(iter(stance_spec["datasets"].values())))
    my_stances = mine[(mine["target"] == "keir-starmer") & (mine["sentence_id"] != "summary")]
    assert stance_rows["count"].sum() == (my_stances["stance"] != "").sum()


def test_embedded_data_does_not_grow_with_the_class(
    small_class, larger_class, corpus, codebook, key
):
    """Is a chart of 200 learners as small as a chart of 10 (aggregated in pandas first)?"""
    small = _all_charts(small_class, corpus, codebook, key)
    large = _all_charts(larger_class, corpus, codebook, key)
    assert small_class["learner"].nunique() == 10
    assert larger_class["learner"].nunique() == 200
    for name in small:
        small_spec, large_spec = small[name].to_dict(), large[name].to_dict()
        assert _data_rows(small_spec) == _data_rows(large_spec), name
        small_size, large_size = len(json.dumps(small_spec)), len(json.dumps(large_spec))
        assert large_size < 1.15 * small_size, (name, small_size, large_size)
        # far below Altair's 5,000-row limit: MaxRowsError cannot happen
        assert _data_rows(large_spec) < alt.data_transformers.options.get("max_rows", 5000)


def test_colour_schemes_are_colour_blind_safe(small_class, corpus, codebook, key):
    """Quantitative colour is viridis; stances use Okabe–Ito and also differ by position
    or shape, never by colour alone."""
    made = _all_charts(small_class, corpus, codebook, key)
    for name in ("techniques", "cooccurrence"):
        color = made[name].to_dict()["encoding"]["color"]
        assert color["scale"]["scheme"] == charts.QUANTITATIVE_SCHEME == "viridis"
    assert set(charts.STANCE_COLORS.values()) <= set(charts.OKABE_ITO) | {"#999999"}
    stance = made["stance"].to_dict()
    assert stance["facet"]["column"]["field"] == "stance"  # one panel per stance
    assert stance["facet"]["column"]["sort"] == ["favor", "against", "none"]
    mine = small_class[small_class["learner"] == "sim-0002"]
    my_spec = charts.my_stance_chart(model(mine, corpus, codebook)).to_dict()
    assert my_spec["spec"]["encoding"]["shape"]["field"] == "stance"
    shapes = my_spec["spec"]["encoding"]["shape"]["scale"]["range"]
    assert len(set(shapes)) == 3


def test_every_chart_has_a_title_and_a_description(small_class, corpus, codebook, key):
    """Can a screen reader say what each chart shows?"""
    for name, chart in _all_charts(small_class, corpus, codebook, key).items():
        spec = chart.to_dict()
        assert spec.get("description", "").strip(), name
        assert spec["title"]["text"], name


def test_simulated_classes_are_marked_and_real_ones_are_not(small_class, corpus, codebook):
    """Does a simulated class say so, and does a class of real ids not?"""
    assert is_simulated(small_class)
    simulated = charts.technique_heatmap(model(small_class, corpus, codebook)).to_dict()
    assert "Simulated class" in " ".join(simulated["title"]["subtitle"])
    assert simulated["description"].startswith("Simulated class")
    real = small_class.assign(learner=small_class["learner"].astype(str).str.replace("sim-", "p"))
    assert not is_simulated(real)
    plain = charts.technique_heatmap(model(real, corpus, codebook)).to_dict()
    assert "Simulated" not in json.dumps(plain.get("title", {}))


def _hand_made(rows):
    frame = pd.DataFrame(
        rows, columns=["learner", "article_id", "sentence_id", "target", "techniques", "stance"]
    )
    for column in LABEL_COLUMNS:
        if column not in frame:
            frame[column] = ""
    frame["status"] = "set"
    frame["saved_at"] = "2026-01-05T09:00:00.000000+00:00"
    return frame[list(LABEL_COLUMNS)]


def test_aggregates_on_a_hand_made_class(corpus, codebook):
    """Are the numbers in the charts the ones a person would count by hand?"""
    article = corpus.articles[0]
    s1, s2 = (s.sentence_id for s in article.sentences[:2])
    aid = article.article_id
    labels = _hand_made(
        [
            ("ann", aid, s1, "", "loaded-language;appeal-to-fear", ""),
            ("bob", aid, s1, "", "loaded-language", ""),
            ("cat", aid, s1, "", "", ""),
            ("ann", aid, s2, "", "hedged-claim", ""),
            ("bob", aid, s2, "", "hedged-claim", ""),
            ("ann", aid, s1, "keir-starmer", "", "favor"),
            ("bob", aid, s1, "keir-starmer", "", "against"),
            ("cat", aid, s1, "keir-starmer", "", "favor"),
        ]
    )
    hand = model(labels, corpus, codebook)
    heat = pd.DataFrame(next(iter(charts.technique_heatmap(hand).to_dict()["datasets"].values())))
    loaded = heat[(heat["article_id"] == aid) & (heat["technique_id"] == "loaded-language")].iloc[0]
    assert (loaded["marked"], loaded["labelled"]) == (2, 5)
    assert loaded["share"] == pytest.approx(0.4)
    # every (article, technique) pair is there, zeros included
    assert len(heat) == len(corpus.articles) * len(codebook.technique_ids)

    stance = pd.DataFrame(next(iter(charts.stance_chart(hand).to_dict()["datasets"].values())))
    mine = stance[stance["article_id"] == aid].set_index("stance")
    assert mine.loc["favor", "count"] == 2 and mine.loc["against", "count"] == 1
    assert mine.loc["favor", "share"] == pytest.approx(2 / 3, abs=1e-4)

    together = pd.DataFrame(
        next(iter(charts.cooccurrence_chart(hand).to_dict()["datasets"].values()))
    ).set_index(["technique_a", "technique_b"])["labels"]
    assert together[("loaded-language", "appeal-to-fear")] == 1
    assert together[("appeal-to-fear", "loaded-language")] == 1
    assert together[("loaded-language", "loaded-language")] == 2
    assert together[("hedged-claim", "hedged-claim")] == 2

    spots = pd.DataFrame(
        next(iter(charts.hotspots_chart(hand, article_id=aid).to_dict()["datasets"].values()))
    )
    expected = sentence_disagreement(labels).set_index("sentence_id")["disagreement"]
    first = spots[spots["position"] == 1].iloc[0]
    assert first["disagreement"] == pytest.approx(expected[s1], abs=1e-4)
    assert first["text"] == article.sentences[0].text
    assert first["top_techniques"].startswith("Loaded language 67%")
    assert spots[spots["position"] == 3].iloc[0]["top_techniques"] == "not labelled"


def test_agreement_chart_marks_undefined_alpha(corpus, codebook):
    """Is a technique nobody used shown as "n/a", not as alpha 0?"""
    article = corpus.articles[0]
    aid = article.article_id
    labels = _hand_made(
        [
            (learner, aid, sentence.sentence_id, "", "hedged-claim" if (i + j) % 2 else "", "")
            for i, learner in enumerate(["ann", "bob", "cat"])
            for j, sentence in enumerate(article.sentences[:6])
        ]
    )
    alphas = technique_alpha(labels, list(codebook.technique_ids))
    chart = charts.agreement_chart(model(labels, corpus, codebook))
    data = pd.DataFrame(next(iter(chart.to_dict()["datasets"].values()))).set_index("technique_id")
    assert data.loc["loaded-language", "alpha_text"] == "n/a"
    hedged = alphas.set_index("technique_id").loc["hedged-claim"]
    assert (
        data.loc["hedged-claim", "alpha_text"]
        == f"{hedged['alpha']:.2f} (n={int(hedged['n_marked'])})"
    )


def test_f1_histogram_counts_every_learner_once(small_class, key, corpus, codebook):
    """Does the key chart's histogram hold every learner who has an F1?"""
    comparison = learner_vs_key(small_class, key, list(codebook.technique_ids))
    spec = charts.learner_f1_chart(model(small_class, corpus, codebook, key=key)).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert sum(r["learners"] for r in rows) == comparison.per_learner["micro_f1"].notna().sum()
    assert len(rows) == 10
    assert np.isclose(rows[0]["f1_from"], 0.0) and np.isclose(rows[-1]["f1_to"], 1.0)


def test_unknown_choices_are_refused_with_their_name(small_class, corpus, codebook):
    """Does asking for a technique or article that does not exist say which?"""
    with pytest.raises(ValueError, match="no-such-technique"):
        charts.technique_heatmap(
            model(small_class, corpus, codebook), technique="no-such-technique"
        )
    with pytest.raises(KeyError, match="no-such-article"):
        charts.hotspots_chart(model(small_class, corpus, codebook), article_id="no-such-article")


def test_offline_chart_inlines_vega_and_needs_no_network():
    """Does a chart shown in a notebook draw without the internet (no CDN script), in a
    module script so that two charts on one page cannot clash?"""
    import html as html_module

    import altair as alt
    import pandas as pd

    from widgets.present.charts import OfflineChart

    chart = (
        alt.Chart(pd.DataFrame({"a": ["x", "<b>"], "b": [1, 2]})).mark_bar().encode(x="a", y="b")
    )
    page = OfflineChart(chart)._repr_mimebundle_()["text/html"]
    assert '<script type="module">' in page and "div[data-rhetoric-lab-chart]" in page
    assert "cdn.jsdelivr" not in page and 'src="http' not in page
    assert page.count("</script>") == 1  # nothing in the bundle closes the tag early
    spec = page.split('data-rhetoric-lab-chart="', 1)[1].split('"', 1)[0]
    assert json.loads(html_module.unescape(spec)) == chart.to_dict()
    assert "<b>" not in spec  # data is escaped inside the attribute
    assert OfflineChart(chart).to_dict() == chart.to_dict()
