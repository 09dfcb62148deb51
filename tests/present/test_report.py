"""``rhetoric-lab report``: one offline HTML file, escaped text, pseudonyms, images."""

from __future__ import annotations

import csv
import html
import json
import re

import pandas as pd
import pytest

from widgets.analysis.reliability import sentence_disagreement, technique_set_alpha
from widgets.analysis.views import changed_minds
from widgets.classroom.simulate import pseudo_key, simulate_class
from widgets.cli import main
from widgets.present.pseudonyms import SALT_ENV, SALT_FILE, pseudonym_map
from widgets.present.registry import CLASS_CHARTS
from widgets.schema import LABEL_COLUMNS

CHART_HEADINGS = {name: entry.heading for name, entry in CLASS_CHARTS.items()}

HOSTILE = "<script>alert(1)</script>"
AMPERSAND = 'Tom & "Jerry" <b>bold</b>'


@pytest.fixture(scope="module")
def classroom(tmp_path_factory, corpus, codebook):
    """A simulated class of 15 with hostile notes on the most disputed sentence,
    collected into class.csv (+ history), and an answer key folder."""
    root = tmp_path_factory.mktemp("classroom")
    learners = root / "learners"
    simulate_class(learners, learners=15, seed=7, corpus=corpus, codebook=codebook)
    assert main(["collect", str(learners), "--out", str(root / "class.csv"), "--quiet"]) == 0
    labels = pd.read_csv(root / "class.csv", dtype=str, keep_default_na=False)
    top = sentence_disagreement(labels).iloc[0]
    rows = labels[(labels["sentence_id"] == top["sentence_id"]) & (labels["target"] == "")].head(2)
    assert len(rows) == 2
    # A later save with the same techniques: the note changes, the label does not.
    for (_, row), note in zip(rows.iterrows(), [HOSTILE, AMPERSAND], strict=True):
        changed = row.to_dict() | {"note": note, "saved_at": "2026-02-01T10:00:00.000000+00:00"}
        with open(learners / f"{row['learner']}.csv", "a", encoding="utf-8", newline="") as f:
            csv.DictWriter(f, fieldnames=list(LABEL_COLUMNS), lineterminator="\n").writerow(changed)
    assert main(["collect", str(learners), "--out", str(root / "class.csv"), "--quiet"]) == 0
    answers = root / "answers"
    (answers / "key").mkdir(parents=True)
    pseudo_key(corpus, codebook).to_csv(answers / "key" / "all.csv", index=False)
    return {
        "root": root,
        "class_csv": root / "class.csv",
        "answers": answers,
        "top_sentence": top["sentence_id"],
        "learners": sorted(labels["learner"].unique()),
    }


@pytest.fixture(scope="module")
def report(classroom, tmp_path_factory):
    """The default report (pseudonyms, with key and history)."""
    out = tmp_path_factory.mktemp("out") / "report.html"
    code = main(
        [
            "report",
            str(classroom["class_csv"]),
            "--out",
            str(out),
            "--answers-dir",
            str(classroom["answers"]),
        ]
    )
    assert code == 0
    return out.read_text(encoding="utf-8")


def test_report_needs_no_network(report):
    """Does the report load nothing from the network: no script src, no CDN, no links out?"""
    assert not re.search(r"<script[^>]*\bsrc\s*=", report, flags=re.IGNORECASE)
    assert not re.search(r"<link[^>]*\bhref\s*=", report, flags=re.IGNORECASE)
    lowered = report.lower()
    for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs", "cdn."):
        assert cdn not in lowered
    assert not re.search(r"(src|href)\s*=\s*[\"']?https?:", report, flags=re.IGNORECASE)
    # the libraries are inline
    assert "window.vegaEmbed=" in report
    assert '"editor": false' in report  # no "open in the Vega editor" link


def test_report_embeds_every_chart(report):
    """Is each chart in the report, with a spec that parses and a description?"""
    for name in CHART_HEADINGS:
        assert f'id="vis-{name}"' in report, name
        match = re.search(
            rf'<script type="application/json" id="spec-{name}">(.*?)</script>', report, re.S
        )
        assert match, name
        spec = json.loads(match.group(1))
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert spec["description"]
        assert "Simulated class" in json.dumps(spec["title"])
        assert f">{html.escape(CHART_HEADINGS[name])}</h2>" in report


def test_report_has_the_agreement_table(report, classroom, codebook):
    """Does the agreement table list every technique, the set alpha and each target?"""
    section = report[report.index('<section id="agreement-table">') :]
    section = section[: section.index("</section>")]
    for technique in codebook.techniques:
        assert f"<td>{html.escape(technique.name)}</td>" in section
    labels = pd.read_csv(classroom["class_csv"], dtype=str, keep_default_na=False)
    assert f"{technique_set_alpha(labels):.3f}" in section
    for target in ("Keir Starmer", "keir-starmer"):
        if target in section:
            break
    else:
        pytest.fail("the stance table does not name keir-starmer")


def test_hostile_notes_appear_only_escaped(report, classroom):
    """Is a note holding <script> shown as text, never as markup?"""
    assert HOSTILE not in report
    assert "alert(1)</script>" not in report
    assert html.escape(HOSTILE) in report  # shown in the discussion list
    assert html.escape(AMPERSAND, quote=True) in report
    assert "<b>bold</b>" not in report
    discuss = report[report.index('<section id="discuss">') :]
    assert f'id="discuss-{classroom["top_sentence"]}"' in discuss


def test_learner_ids_are_pseudonymised_by_default(report, classroom):
    """Are learner ids replaced by stable pseudonyms kept with a salt in the class folder?"""
    for learner in classroom["learners"]:
        assert learner not in report
    salt = (classroom["root"] / SALT_FILE).read_text(encoding="utf-8").strip()
    names = pseudonym_map(classroom["learners"], salt)
    shown = [name for name in names.values() if name in report]
    assert len(shown) == len(classroom["learners"])
    assert all(re.fullmatch(r"learner-[0-9a-f]{4,}", name) for name in shown)


def test_show_names_and_salts(classroom, tmp_path, monkeypatch):
    """Does --show-names show ids, and do --salt and the environment set the pseudonyms?"""
    named = tmp_path / "named.html"
    args = ["report", str(classroom["class_csv"]), "--answers-dir", str(classroom["answers"])]
    assert main([*args, "--out", str(named), "--show-names"]) == 0
    text = named.read_text(encoding="utf-8")
    assert all(learner in text for learner in classroom["learners"])
    assert "learner-" not in text.replace("learners", "")

    salted = tmp_path / "salted.html"
    assert main([*args, "--out", str(salted), "--salt", "pepper"]) == 0
    expected = pseudonym_map(classroom["learners"], "pepper")
    assert all(name in salted.read_text(encoding="utf-8") for name in expected.values())

    monkeypatch.setenv(SALT_ENV, "from-the-environment")
    from_env = tmp_path / "env.html"
    assert main([*args, "--out", str(from_env)]) == 0
    expected = pseudonym_map(classroom["learners"], "from-the-environment")
    assert all(name in from_env.read_text(encoding="utf-8") for name in expected.values())


def test_report_has_changed_minds_from_the_history(report):
    """Does the history beside class.csv give the "changed minds" table?"""
    section = report[report.index('<section id="changed-minds">') :]
    section = section[: section.index("</section>")]
    assert "when-will-starmer-talk-to-putin" in section


@pytest.mark.parametrize("as_categories", [False, True])
def test_changed_minds_counts_keys_saved_more_than_once(corpus, as_categories):
    """Per article, are the labels (learner, sentence, target) and those saved more than
    once counted, leaving out the key, the summaries and articles not in the corpus?"""
    import random
    from collections import Counter

    rng = random.Random(5)
    articles = [*corpus.article_ids[:3], "not-in-the-corpus"]
    rows = [
        {
            "learner": rng.choice(["ann", "bo", "cy", "key"]),
            "article_id": (article := rng.choice(articles)),
            "sentence_id": rng.choice([f"{article}-00{i}" for i in range(1, 5)] + ["summary"]),
            "target": rng.choice(["", "keir-starmer"]),
        }
        for _ in range(400)
    ]
    history = pd.DataFrame(rows)
    if as_categories:
        history = history.astype("category")
    saves = Counter(
        tuple(r.values()) for r in rows if r["learner"] != "key" and r["sentence_id"] != "summary"
    )
    result = changed_minds(history, corpus=corpus).set_index("article_id")
    assert list(result.index) == list(corpus.article_ids)
    for article in corpus.article_ids:
        keys = [k for k in saves if k[1] == article]
        assert result.loc[article, "labels"] == len(keys)
        assert result.loc[article, "changed"] == sum(saves[k] > 1 for k in keys)
    assert result.loc[corpus.article_ids[0], "changed"] > 0
    assert (result.loc[list(corpus.article_ids[3:]), "labels"] == 0).all()


def test_report_without_key_leaves_key_charts_out(classroom, tmp_path):
    """Without an answer key, does the report say so and leave the key charts out?"""
    out = tmp_path / "nokey.html"
    empty = tmp_path / "no-answers"
    empty.mkdir()
    assert (
        main(
            ["report", str(classroom["class_csv"]), "--out", str(out), "--answers-dir", str(empty)]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "No answer key was found" in text
    assert 'id="vis-learners_vs_key"' not in text
    assert 'id="vis-stance"' in text


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_image_export(classroom, tmp_path, fmt):
    """Does --format png|svg write one valid image per chart in a folder named after --out?"""
    out = tmp_path / "charts.html"
    args = ["report", str(classroom["class_csv"]), "--out", str(out), "--format", fmt]
    assert main([*args, "--answers-dir", str(classroom["answers"])]) == 0
    folder = tmp_path / "charts"
    files = sorted(folder.iterdir())
    assert [f.name for f in files] == sorted(f"{name}.{fmt}" for name in CHART_HEADINGS)
    for file in files:
        if fmt == "png":
            assert file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert file.read_text(encoding="utf-8").lstrip().startswith("<svg")


def test_usage_errors_exit_2_with_a_message(tmp_path, capsys):
    """Are a missing file, a binary file and a CSV that is not labels refused clearly?"""
    missing = tmp_path / "missing.csv"
    assert main(["report", str(missing), "--out", str(tmp_path / "r.html")]) == 2
    assert str(missing) in capsys.readouterr().err

    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81\x00garbage\x00")
    assert main(["report", str(binary), "--out", str(tmp_path / "r.html")]) == 2
    assert str(binary) in capsys.readouterr().err

    other = tmp_path / "other.csv"
    other.write_text("name,score\nann,3\n", encoding="utf-8")
    assert main(["report", str(other), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert str(other) in err and "learner" in err
    assert not (tmp_path / "r.html").exists()


def test_no_labels_exits_1(tmp_path, capsys):
    """Does a class file with no labels exit 1 and write nothing?"""
    empty = tmp_path / "class.csv"
    empty.write_text(",".join(LABEL_COLUMNS) + "\n", encoding="utf-8")
    assert main(["report", str(empty), "--out", str(tmp_path / "r.html")]) == 1
    assert "no learner labels" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.browser
def test_report_renders_offline_in_chromium_with_escaped_tooltips(classroom, tmp_path, browser):
    """In a real browser with the network blocked, do all charts draw, and does a tooltip
    show HTML in the data as text?"""
    out = tmp_path / "report.html"
    assert (
        main(
            [
                "report",
                str(classroom["class_csv"]),
                "--out",
                str(out),
                "--answers-dir",
                str(classroom["answers"]),
            ]
        )
        == 0
    )
    context = browser.new_context()
    try:
        page = context.new_page()
        outside = []

        def block(route):
            outside.append(route.request.url)
            route.abort()

        page.route(re.compile(r"^(?!file:).*"), block)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(out.as_uri())
        page.wait_for_function(
            "Object.keys(window.rhetoricLabViews || {}).length === "
            "document.querySelectorAll('.chart').length",
            timeout=60_000,
        )
        drawn = page.evaluate("document.querySelectorAll('.chart svg.marks').length")
        assert drawn == len(CHART_HEADINGS)
        # Call the tooltip handler vega-embed installed, with HTML in the value.
        inner = page.evaluate(
            """() => {
              const view = window.rhetoricLabViews['hotspots'];
              const handler = view.tooltip();
              const event = new MouseEvent('mousemove', {clientX: 50, clientY: 50});
              handler.call(view._handler, view._handler, event, {},
                           {Text: '<img id="pwned" src="x"><b>bold</b>'});
              const tip = document.getElementById('vg-tooltip-element');
              return {html: tip.innerHTML, pwned: document.getElementById('pwned') !== null};
            }"""
        )
        assert not inner["pwned"]
        assert "&lt;img" in inner["html"] and "<b>" not in inner["html"]
        assert outside == [] and errors == []
    finally:
        context.close()
