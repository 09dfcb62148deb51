"""ClassDashboard, headless: do the drop-downs choose the chart that is shown?"""

from __future__ import annotations

import dataclasses
import html
import json
import re

import pandas as pd
import pytest

from widgets.classroom.simulate import pseudo_key, simulate_class
from widgets.collect import collect, write_outputs
from widgets.present import registry
from widgets.present.dashboard import VEGALITE_MIME_TYPE, VIEWS, ClassDashboard


@pytest.fixture(scope="module")
def class_csv(tmp_path_factory, corpus, codebook):
    root = tmp_path_factory.mktemp("dashboard")
    simulate_class(root / "learners", learners=8, seed=11, corpus=corpus, codebook=codebook)
    result = collect([root / "learners"], corpus=corpus, codebook=codebook)
    write_outputs(result, root / "class.csv")
    return root / "class.csv"


@pytest.fixture
def dashboard(class_csv, corpus, codebook):
    return ClassDashboard(
        class_csv=class_csv, corpus=corpus, codebook=codebook, key=pseudo_key(corpus, codebook)
    )


def _rows(chart) -> pd.DataFrame:
    spec = chart.to_dict()
    return pd.DataFrame([row for rows in spec["datasets"].values() for row in rows])


def test_starts_on_stance_toward_keir_starmer(dashboard):
    """Is the first chart the stance chart, with only the target drop-down enabled?"""
    spec = dashboard.current_chart.to_dict()
    assert "Stance toward Keir Starmer" in json.dumps(spec["title"])  # the name, not the id
    assert "Simulated class" in json.dumps(spec["title"])
    assert not dashboard.target.disabled
    assert dashboard.article.disabled and dashboard.technique.disabled
    assert dashboard.error == ""


def test_target_dropdown_changes_the_stance_chart(dashboard):
    """Does choosing another target redraw the stance chart for it?"""
    dashboard.target.value = "coalition-of-the-willing"
    rows = _rows(dashboard.current_chart)
    assert set(rows["target"]) == {"coalition-of-the-willing"}
    # only the article that has this target has stances toward it
    counted = rows.groupby("article_id")["count"].sum()
    assert counted.loc["ceasefire-coalition-momentum"] > 0
    assert counted.drop("ceasefire-coalition-momentum").sum() == 0


def test_article_dropdown_filters_hot_spots(dashboard, corpus):
    """Do hot spots show one article when one is chosen, and all when "All" is?"""
    dashboard.view.value = "hotspots"
    assert not dashboard.article.disabled and dashboard.target.disabled
    assert set(_rows(dashboard.current_chart)["article_id"]) == set(corpus.article_ids)
    chosen = corpus.articles[2]
    dashboard.article.value = chosen.article_id
    rows = _rows(dashboard.current_chart)
    assert set(rows["article_id"]) == {chosen.article_id}
    assert len(rows) == len(chosen.sentences)
    dashboard.article.value = ""
    assert set(_rows(dashboard.current_chart)["article_id"]) == set(corpus.article_ids)


def test_technique_dropdown_filters_the_technique_chart(dashboard, corpus):
    """Does choosing a technique turn the heat map into one bar per article for it?"""
    dashboard.view.value = "techniques"
    assert len(set(_rows(dashboard.current_chart)["technique_id"])) > 1
    dashboard.technique.value = "hedged-claim"
    rows = _rows(dashboard.current_chart)
    assert set(rows["technique_id"]) == {"hedged-claim"}
    assert len(rows) == len(corpus.articles)
    assert dashboard.current_chart.to_dict()["mark"]["type"] == "bar"


def test_key_view_highlights_the_chosen_technique(dashboard):
    """With a key, does the key view exist and highlight the chosen technique?"""
    assert "techniques_vs_key" in [value for _, value in dashboard.view.options]
    dashboard.view.value = "techniques_vs_key"
    dashboard.technique.value = "direct-quotation"
    rows = _rows(dashboard.current_chart)
    assert rows.loc[rows["selected"], "technique_id"].tolist() == ["direct-quotation"]


def test_every_view_draws_a_valid_chart(dashboard):
    """Does every view in the menu draw a chart that validates?"""
    for _, value in VIEWS:
        dashboard.view.value = value
        assert dashboard.error == "", value
        assert dashboard.current_chart.to_dict()["description"]


def test_without_key_there_is_no_key_view(class_csv, corpus, codebook, monkeypatch, tmp_path):
    """Without an answer key, are the key views left out of the menu?"""
    monkeypatch.setenv("RHETORIC_LAB_ANSWERS", str(tmp_path / "no-answers"))
    labels = pd.read_csv(class_csv, dtype=str, keep_default_na=False)
    board = ClassDashboard(labels, corpus=corpus, codebook=codebook)
    offered = [value for _, value in board.view.options]
    assert "learners_vs_key" not in offered and "techniques_vs_key" not in offered
    assert "stance" in offered
    assert board.key is None


def test_a_failing_chart_shows_its_error(dashboard, monkeypatch):
    """Does a chart that cannot be drawn say so in the output instead of vanishing?"""

    def broken(*args, **kwargs):
        raise RuntimeError("the chart broke")

    entry = registry.CLASS_CHARTS["agreement"]
    monkeypatch.setitem(
        registry.CLASS_CHARTS, "agreement", dataclasses.replace(entry, build=broken)
    )
    dashboard.view.value = "agreement"
    assert dashboard.current_chart is None
    assert "the chart broke" in dashboard.error
    shown = "".join(o.get("text", "") for o in dashboard.output.outputs)
    assert "the chart broke" in shown


def test_output_shows_the_chart_without_network(dashboard):
    """Is the chart on screen drawn by Vega inlined in the page (no script fetched), from
    the very spec of the chart, which rides along as Vega-Lite?"""
    (output,) = dashboard.output.outputs
    data = output["data"]
    spec = dashboard.current_chart.to_dict()
    assert data[VEGALITE_MIME_TYPE] == spec
    page = data["text/html"]
    embedded = re.search(
        r'<div data-rhetoric-lab-chart="([^"]*)" data-rhetoric-lab-draw="1">', page
    )
    assert json.loads(html.unescape(embedded.group(1))) == spec
    assert '<script type="module">' in page and "div[data-rhetoric-lab-chart]" in page
    assert not re.search(r"<script[^>]*\bsrc=", page), "no script may be fetched"
    dashboard.view.value = "cooccurrence"
    (output,) = dashboard.output.outputs  # replaced, not appended
    assert "Techniques named together" in output["data"]["text/plain"]
    # each drawing is numbered, so a page can wait for this chart, not the one before
    assert dashboard.draws == 2
    assert 'data-rhetoric-lab-draw="2"' in output["data"]["text/html"]


def test_needs_labels_or_a_file():
    """Does the constructor say what it needs?"""
    with pytest.raises(ValueError, match="labels or class_csv"):
        ClassDashboard()
