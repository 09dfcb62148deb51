"""Is text typed by learners (or pasted into an article) always shown as text, never run?

Notes such as ``<script>alert(1)</script>`` travel from the panel to the label CSV, the
class table, the charts and the HTML report. Each place they are shown is checked here:
escaped in HTML, plain data in Vega specs.
"""

from __future__ import annotations

import csv
import html
import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from widgets.analysis.model import ClassModel
from widgets.cli import main
from widgets.content.codebook import load_codebook
from widgets.content.corpus import ARTICLE_COLUMNS, SENTENCE_COLUMNS, load_corpus, text_sha1
from widgets.present import charts, registry
from widgets.present.report import render_html
from widgets.schema import LABEL_COLUMNS

EVIL = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><b>bold</b>',
    "</script><script>alert(2)</script>",
)
BUNDLE = "/* vega bundle stand-in */"


class _Page(HTMLParser):
    """Every start tag with its attributes, and every script's type and content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._script: dict | None = None
        self._content: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._content = dict(attrs), []

    def handle_data(self, data):
        if self._script is not None:
            self._content.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._content)))
            self._script = None


def assert_html_shows_as_text(
    page_html: str, strings=EVIL, bundle: str = BUNDLE, require_all: bool = True
) -> None:
    """No hostile string became markup: no event-handler attribute, no ``<script>`` except
    the report's own, each string present in escaped form, and script JSON holds it as data."""
    page = _Page()
    page.feed(page_html)
    page.close()
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.lower().startswith("on")], (tag, attrs)
        assert not (tag == "img" and attrs.get("src") == "x"), attrs
    assert "<script>alert" not in page_html
    for attrs, content in page.scripts:
        if attrs.get("type") == "application/json":
            json.loads(content)  # data, and it parses: nothing broke out of it
            assert "<" not in content and ">" not in content
        else:
            assert not any(s in content for s in strings), "a hostile string inside a script"
            assert content == bundle or "alert(" not in content
    outside = page_html
    for _, content in page.scripts:
        outside = outside.replace(content, "")
    assert "onerror=" not in outside.replace(html.escape("<img src=x onerror=alert(1)>"), "")
    shown = [
        html.escape(s) in page_html or html.escape(s, quote=False) in page_html for s in strings
    ]
    assert all(shown) if require_all else any(shown), dict(zip(strings, shown, strict=True))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A corpus whose title, author and sentences hold markup, and four learners who
    disagree, with hostile notes on every sentence."""
    folder = tmp_path_factory.mktemp("hostile") / "data"
    (folder / "articles").mkdir(parents=True)
    with open(folder / "articles" / "articles.csv", "w", encoding="utf-8", newline="") as h:
        writer = csv.writer(h)
        writer.writerow(ARTICLE_COLUMNS)
        writer.writerow(
            ["evil-article", f"Title {EVIL[1]}", "A <b>writer</b>", "Outlet", "2025-01-01",
             "opinion", "keir-starmer", "x.txt", "10", ""]
        )  # fmt: skip
    sentences = ["Plain start.", f"He wrote {EVIL[0]} here.", f"Quote {EVIL[2]} end.", EVIL[3]]
    with open(folder / "articles" / "sentences.csv", "w", encoding="utf-8", newline="") as h:
        writer = csv.writer(h)
        writer.writerow(SENTENCE_COLUMNS)
        for i, text in enumerate(sentences, start=1):
            writer.writerow(["evil-article", f"evil-article-{i:03d}", 1, i, text, text_sha1(text)])
    corpus = load_corpus(folder)
    codebook = load_codebook()
    techniques = ["loaded-language", "vagueness", "appeal-to-fear", ""]
    rows = []
    for n, learner in enumerate(["ana", "ben", "cy", "di"]):
        for i, sentence in enumerate(corpus.sentence_index.values(), start=1):
            base = dict.fromkeys(LABEL_COLUMNS, "")
            base.update(
                learner=learner,
                article_id="evil-article",
                sentence_id=sentence.sentence_id,
                status="set",
                saved_at=f"2026-01-05T09:{n:02d}:{i:02d}.000000+00:00",
                codebook_version=codebook.version,
                text_sha1=sentence.text_sha1,
            )
            rows.append(
                base | {"techniques": techniques[(n + i) % 4], "note": f"{EVIL[(n + i) % 4]} #{n}"}
            )
            rows.append(
                base
                | {"target": "keir-starmer", "stance": ("favor", "against", "none")[(n + i) % 3]}
            )
    labels = pd.DataFrame(rows, columns=list(LABEL_COLUMNS))
    return corpus, codebook, labels


def _walk(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))
    elif isinstance(value, str):
        yield path, value


def test_chart_specs_carry_hostile_text_as_data(hostile):
    """In every class chart, is markup only ever a data value (or a plain title string that
    Vega draws as text), with no HTML tooltip or sanitiser switched off?"""
    corpus, codebook, labels = hostile
    model = ClassModel(labels, corpus=corpus, codebook=codebook)
    chart_objects = {e.name: e.build(model) for e in registry.available(model)}
    seen_in_data = set()
    for name, chart in chart_objects.items():
        spec = chart.to_dict()
        text = json.dumps(spec)
        assert "sanitize" not in text and '"html"' not in text, name
        for path, value in _walk(spec):
            if "<" not in value:
                continue
            # (a facet's sort list holds data values too: Vega compares them and draws
            # the header as SVG text, never as markup)
            as_data = path[0] == "datasets" or "sort" in path
            assert as_data or "title" in path or "description" in path, (
                name,
                path,
                value,
            )
            if path[0] == "datasets":
                seen_in_data.add(value)
    hotspots = charts.hotspots_chart(model, article_id="evil-article").to_dict()
    texts = {v for p, v in _walk(hotspots) if p[0] == "datasets"}
    assert f"He wrote {EVIL[0]} here." in texts, "the sentence is in the tooltip data, raw"
    assert any(EVIL[0] in v for v in seen_in_data)


def test_report_escapes_notes_titles_and_sentences(hostile):
    """Does the report show every hostile note, title and sentence as escaped text?"""
    corpus, codebook, labels = hostile
    page, _ = render_html(
        labels, corpus=corpus, codebook=codebook, show_names=True, bundle=BUNDLE, discuss=4
    )
    assert_html_shows_as_text(page)
    assert html.escape(f"{EVIL[0]} #") in page, "learners' notes are in the report, escaped"


def test_report_cli_writes_a_safe_file(tmp_path):
    """End to end on the real corpus: class.csv with hostile notes -> report.html."""
    corpus = load_corpus()
    codebook = load_codebook(corpus=corpus)
    article = corpus.articles[0]
    rows = []
    for n, learner in enumerate(["ana", "ben", "cy", "di"]):
        for i, sentence in enumerate(article.sentences[:4], start=1):
            row = dict.fromkeys(LABEL_COLUMNS, "")
            row.update(
                learner=learner,
                article_id=article.article_id,
                sentence_id=sentence.sentence_id,
                techniques=["loaded-language", "vagueness", "appeal-to-fear", ""][(n + i) % 4],
                note=f"{EVIL[(n + i) % 4]} #{n}",
                status="set",
                saved_at=f"2026-01-05T09:{n:02d}:{i:02d}.000000+00:00",
                codebook_version=codebook.version,
                text_sha1=sentence.text_sha1,
            )
            rows.append(row)
    class_csv = tmp_path / "class.csv"
    pd.DataFrame(rows, columns=list(LABEL_COLUMNS)).to_csv(class_csv, index=False)
    out = tmp_path / "report.html"
    answers = tmp_path / "no-answers"
    answers.mkdir()
    code = main(["report", str(class_csv), "--out", str(out), "--answers-dir", str(answers)])
    assert code == 0
    from widgets.present.vega import vega_bundle as javascript_bundle

    page = out.read_text(encoding="utf-8")
    # the report discusses the most disputed sentences, so not every note need appear
    assert_html_shows_as_text(page, bundle=javascript_bundle(), require_all=False)


def test_collect_keeps_hostile_notes_byte_exact(tmp_path):
    """The tidy CSV is data, not a page: class.csv keeps the notes exactly as typed."""
    source = Path(__file__).parent / "data" / "bad" / "hostile_notes.csv"
    out = tmp_path / "class.csv"
    assert main(["collect", str(source), "--out", str(out), "--quiet"]) == 0
    notes = set(pd.read_csv(out, dtype=str, keep_default_na=False)["note"])
    assert {"<script>alert(1)</script>", '<img src=x onerror=alert(1)>"><b>'} <= notes


def _html_values(widget) -> list[str]:
    """The ``value`` of every HTML widget inside ``widget`` (what the browser renders)."""
    import ipywidgets

    found = []
    if isinstance(widget, ipywidgets.HTML | ipywidgets.HTMLMath):
        found.append(widget.value)
    for child in getattr(widget, "children", ()):
        found.extend(_html_values(child))
    return found


def _assert_widget_html_safe(values: list[str]) -> str:
    joined = "\n".join(values)
    assert "<script" not in joined.lower()
    assert "onerror=" not in joined.replace(html.escape("<img src=x onerror=alert(1)>"), "")
    assert "<img" not in joined.lower()
    return joined


def test_panel_shows_hostile_notes_and_text_escaped(hostile, tmp_path, clock):
    """In the annotation panel (header, sentence, "my labels" table), are a hostile title,
    sentence and the learner's own hostile notes shown as text?"""
    from widgets.labelling.panel import AnnotationPanel
    from widgets.labelling.store import LabelStore

    corpus, codebook, _ = hostile
    store = LabelStore(tmp_path, "ana", corpus=corpus, codebook=codebook, clock=clock)
    for i, sentence in enumerate(corpus.sentence_index.values()):
        store.save(
            "evil-article", sentence.sentence_id, techniques=["loaded-language"], note=EVIL[i]
        )
    panel = AnnotationPanel(
        "evil-article", learner="ana", store=store, corpus=corpus, codebook=codebook
    )
    assert panel.ready, panel.message
    panel.move(1)  # the sentence that holds <script>
    panel.toggle_labels(True)  # the table of every note
    _assert_widget_html_safe(_html_values(panel))  # the HTML widgets around the view
    # The view draws spec and state with textContent only (tests/test_panel.py checks the
    # module): hostile strings arrive there as the very text the learner sees.
    state, spec = panel.view.state, panel.view.spec
    assert spec["title"] == f"Title {EVIL[1]}"
    assert [row["note"] for row in state["labels"]] == list(EVIL[: len(state["labels"])])
    assert state["note"] == EVIL[1], "the note box shows the note as typed (plain text)"
    (current,) = [part for part in state["paragraph"] if part["current"]]
    assert current["text"] == panel.model.sentence.text and "<" in current["text"]


def test_selfcheck_shows_hostile_text_escaped(hostile, tmp_path, clock):
    """In the self-check, are a hostile title, sentence, key rationale and contested
    reason shown as text?"""
    from widgets.labelling.store import LabelStore
    from widgets.lesson.selfcheck import SelfCheck

    corpus, codebook, _ = hostile
    store = LabelStore(
        tmp_path / "annotations", "ana", corpus=corpus, codebook=codebook, clock=clock
    )
    answers = tmp_path / "answers"
    (answers / "key").mkdir(parents=True)
    (answers / "contested").mkdir()
    key_rows = []
    for i, sentence in enumerate(corpus.sentence_index.values()):
        store.save(
            "evil-article",
            sentence.sentence_id,
            techniques=["loaded-language"],
            stance="against",
            target="keir-starmer",
            note=EVIL[i],
        )
        row = dict.fromkeys(LABEL_COLUMNS, "")
        row.update(
            learner="key",
            article_id="evil-article",
            sentence_id=sentence.sentence_id,
            techniques="vagueness",
            note=f"Rationale {EVIL[(i + 1) % 4]}",
            status="set",
            saved_at="2026-01-01T00:00:00.000000+00:00",
            codebook_version=codebook.version,
            text_sha1=sentence.text_sha1,
        )
        key_rows.append(row)
        key_rows.append(row | {"target": "keir-starmer", "techniques": "", "stance": "favor"})
    pd.DataFrame(key_rows, columns=list(LABEL_COLUMNS)).to_csv(
        answers / "key" / "evil-article.csv", index=False
    )
    pd.DataFrame(
        [["evil-article", "evil-article-002", "", "loaded-language", "", f"Why {EVIL[2]}"]],
        columns=["article_id", "sentence_id", "target", "alt_techniques", "alt_stance", "why"],
    ).to_csv(answers / "contested" / "evil-article.csv", index=False)

    check = SelfCheck(
        "evil-article", store=store, answers=answers, corpus=corpus, codebook=codebook
    )
    assert check.error_area.value == "", check.error_area.value
    assert check.result is not None, check.message.value
    joined = _assert_widget_html_safe(_html_values(check))
    assert html.escape(f"Rationale {EVIL[1]}") in joined, "the key's rationale, escaped"
    assert html.escape(f"Why {EVIL[2]}") in joined, "the contested reason, escaped"
    assert (
        html.escape(f"Title {EVIL[1]}", quote=False) in joined
        or html.escape(f"Title {EVIL[1]}") in joined
    )
