"""Can a learner label an article in the panel, and is every change in their CSV at once?

The panel is driven as the browser drives it: the view's messages (an intent for a click,
``{"type": "key"}`` for a key press), delivered as ipykernel's comm delivers them, and
the panel's intent methods (``choose_technique``, ``set_stance``, ``move``, ``undo``,
``summary``). Assertions read what the view is told to show (``panel.view.state``) and
the learner's CSV.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from pathlib import Path

import pytest

from widgets.content.corpus import ARTICLE_COLUMNS, SENTENCE_COLUMNS, load_corpus, text_sha1
from widgets.labelling import panel_view
from widgets.labelling.panel import PANEL_CLASS, AnnotationPanel
from widgets.labelling.panel_keys import watched_keys
from widgets.labelling.panel_view import CSS_PATH, ESM_PATH, FALLBACK_MESSAGE, PanelView
from widgets.labelling.store import LabelStore, read_label_file
from widgets.schema import SUMMARY_SENTENCE_ID

ARTICLE = "when-will-starmer-talk-to-putin"
VIEW_JS = ESM_PATH


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "annotations"


@pytest.fixture
def panel(folder, corpus, codebook):
    made = AnnotationPanel(
        ARTICLE, learner="alice", directory=folder, corpus=corpus, codebook=codebook
    )
    assert made.ready, made.message
    return made


def send(widget, content):
    """Deliver a custom comm message from the browser, as ipykernel's comm does."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


def press(panel, key):
    """Press a key the way the browser reports it."""
    send(panel.view, {"type": "key", "key": key})


def click(panel, action, value=None, target=None):
    """Click a control the way the browser reports it: an intent message."""
    send(panel.view, {"type": "intent", "action": action, "value": value, "target": target})


def shown(panel) -> dict:
    return panel.view.state


def saved_rows(panel):
    rows, problems = read_label_file(panel.store.path)
    assert problems == []
    return rows


def test_the_panel_shows_the_article_its_first_sentence_and_progress(panel, corpus, codebook):
    article = corpus.article(ARTICLE)
    spec, state = panel.view.spec, shown(panel)
    assert spec["title"] == article.title and "James C. Pearce" in spec["meta"]
    assert panel.sentence_index == 0
    assert state["position"] == f"sentence 1 of {len(article.sentences)}, paragraph 1"
    assert [p["current"] for p in state["paragraph"]].count(True) == 1
    assert state["labelled"] == 0 and spec["total"] == len(article.sentences)
    assert f"0 of {len(article.sentences)} sentences labelled" in state["progress"]
    assert [t["id"] for t in spec["targets"]] == list(article.targets)
    names = [t["name"] for c in spec["categories"] for t in c["techniques"]]
    by_category = [
        t.name for c in codebook.categories for t in codebook.techniques if t.category == c.id
    ]
    assert names == by_category  # every toggle, in category order
    assert state["techniques"] is None  # not looked at yet


def test_the_view_is_one_anywidget_with_its_module_beside_it(panel):
    """Is the interactive surface one anywidget whose ES module and CSS sit beside it,
    with a plain message in the cell until the module runs?"""
    assert isinstance(panel.view, PanelView)
    # (last, the switch between the core set and all sentences: this article has one)
    assert panel.children[-1] is panel.scope_button
    assert [type(c).__name__ for c in panel.children[:-1]] == ["HTML", "PanelView", "HTML"]
    assert PANEL_CLASS in panel._dom_classes  # the view finds its fallback message by it
    assert "rl-fallback" in panel.fallback._dom_classes
    assert "did not load" in panel.fallback.value and "reload the page" in FALLBACK_MESSAGE
    assert ESM_PATH.parent == CSS_PATH.parent == Path(panel_view.__file__).parent
    assert "export default" in ESM_PATH.read_text(encoding="utf-8")
    assert "prefers-reduced-motion" in CSS_PATH.read_text(encoding="utf-8")


def test_clicking_a_technique_saves_it_at_once_and_marks_it_chosen(panel):
    click(panel, "toggle", "loaded-language")
    rows = saved_rows(panel)
    assert rows["techniques"].tolist() == ["loaded-language"]
    assert rows["sentence_id"].tolist() == [f"{ARTICLE}-001"]
    assert shown(panel)["techniques"] == ["loaded-language"]
    assert shown(panel)["save_kind"] == "ok"
    assert re.match(r"Loaded language on: saved \d\d:\d\d:\d\d\. 0 of 59", panel.live_text)
    click(panel, "toggle", "appeal-to-fear")
    click(panel, "toggle", "loaded-language")
    assert saved_rows(panel)["techniques"].tolist()[-1] == "appeal-to-fear"
    assert shown(panel)["techniques"] == ["appeal-to-fear"]
    assert panel.live_text.startswith("Loaded language off: saved")


def test_intent_methods_drive_the_panel_without_a_browser(panel):
    """Can a test (or a notebook) do everything through methods: choose, stance, move,
    undo, summary?"""
    panel.choose_technique("loaded-language")
    panel.choose_technique("loaded-language", on=True)  # already on: stays on
    panel.set_stance("against", target="uk-talking-to-russia")
    panel.set_stance("favor")  # the active target: keir-starmer
    assert shown(panel)["stances"] == {"keir-starmer": "favor", "uk-talking-to-russia": "against"}
    assert shown(panel)["labelled"] == 1
    panel.move("next")
    assert panel.sentence_index == 1
    panel.move(5)
    assert panel.sentence_index == 5
    panel.summary()
    assert shown(panel)["on_summary"] and not shown(panel)["enabled"]["next"]
    panel.set_frame("morality")
    panel.undo()
    assert panel.store.current(ARTICLE, SUMMARY_SENTENCE_ID) is None
    with pytest.raises(ValueError, match="move to one of"):
        panel.move("sideways")


def test_keys_label_a_sentence_and_move_on(panel, codebook):
    press(panel, codebook.technique("direct-quotation").key)
    press(panel, "n")  # stance toward the first target; the second becomes active
    assert shown(panel)["active_target"] == "uk-talking-to-russia"
    press(panel, "f")
    rows = saved_rows(panel)
    assert rows["techniques"].tolist()[0] == "direct-quotation"
    assert dict(zip(rows["target"][1:], rows["stance"][1:], strict=True)) == {
        "keir-starmer": "none",
        "uk-talking-to-russia": "favor",
    }
    assert shown(panel)["stances"]["keir-starmer"] == "none"
    assert "1 of 59 sentences labelled" in shown(panel)["progress"]
    press(panel, "j")
    assert panel.sentence_index == 1
    press(panel, "x")
    assert panel.store.current(ARTICLE, f"{ARTICLE}-002")["techniques"] == ""
    assert shown(panel)["techniques"] == []
    press(panel, "ArrowLeft")
    assert panel.sentence_index == 0
    press(panel, "t")
    assert shown(panel)["active_target"] == "uk-talking-to-russia"
    assert panel.live_text == "Stance keys now for UK talking to Russia."


def test_the_view_watches_exactly_the_keys_the_panel_acts_on(panel, codebook):
    watched = panel.view.spec["watched"]
    assert set(watched) == set(watched_keys(codebook))
    assert {"ArrowLeft", "ArrowRight", "j", "k", "x", "f", "a", "n"} <= set(watched)
    for key in ("Tab", "Enter", " ", "Escape", "ArrowUp", "ArrowDown"):
        assert key not in watched


def test_the_live_region_says_what_was_saved_where_we_are_and_what_was_undone(panel):
    """After a save, a move and an undo, what does the polite live region say?"""
    press(panel, "0")
    assert re.fullmatch(
        r"Loaded language on: saved \d\d:\d\d:\d\d\. 0 of 59 sentences labelled\.",
        panel.live_text,
    )
    press(panel, "j")
    assert panel.live_text == "Sentence 2 of 59, paragraph 2. 0 of 59 sentences labelled."
    press(panel, "u")
    assert re.fullmatch(
        r"Undone, saved \d\d:\d\d:\d\d: now sentence 1 of 59, paragraph 1\. "
        r"0 of 59 sentences labelled\.",
        panel.live_text,
    )
    press(panel, "u")
    assert panel.live_text == "Nothing to undo in this session."


def test_malformed_or_unknown_messages_change_nothing(panel):
    for content in (
        {"type": "key", "key": "z"},
        {"type": "key", "key": ""},
        {"type": "key", "key": 7},
        {"type": "key", "key": "q" * 50},
        {"type": "keyup", "key": "x"},
        {"type": "intent", "action": "delete-everything"},
        {"type": "intent", "action": "toggle", "value": ["loaded-language"]},
        {"type": "intent", "action": "stance", "value": "favor", "target": 3},
        {"type": "intent", "action": "note", "value": "x" * 30_000},
        {"key": "x"},
        ["x"],
        "x",
    ):
        send(panel.view, content)
    assert not panel.store.path.exists()
    assert panel.sentence_index == 0
    assert panel.error_area.layout.display == "none"


def test_a_bad_intent_value_shows_an_error_not_a_traceback(panel):
    click(panel, "toggle", "no-such-technique")
    assert panel.error_area.layout.display is None
    assert "no-such-technique" in panel.error_area.value
    click(panel, "stance", "favor", target="not-a-target")
    assert "not a target of this panel" in panel.error_area.value
    assert not panel.store.path.exists()


def test_an_error_while_handling_a_key_shows_in_the_panel(panel, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk <gremlin> & co")

    monkeypatch.setattr(panel.store, "save", broken)
    press(panel, "x")
    assert panel.error_area.layout.display is None
    assert "RuntimeError" in panel.error_area.value
    assert "disk &lt;gremlin&gt; &amp; co" in panel.error_area.value  # escaped
    assert shown(panel)["techniques"] is None  # shows what is saved
    monkeypatch.undo()
    press(panel, "x")
    assert panel.error_area.layout.display == "none"


def test_restarting_restores_labels_and_opens_at_the_first_unlabelled(
    panel, folder, corpus, codebook
):
    for _ in range(3):
        press(panel, "x")
        press(panel, "n")
        press(panel, "a")
        press(panel, "j")
    click(panel, "toggle", "loaded-language")  # sentence 4: half labelled
    again = AnnotationPanel(
        ARTICLE, learner="alice", directory=folder, corpus=corpus, codebook=codebook
    )
    assert again.sentence_index == 3
    assert again.view.state["techniques"] == ["loaded-language"]
    assert "3 of 59 sentences labelled" in again.view.state["progress"]
    click(again, "move", 1)  # the jump list
    assert again.sentence_index == 1
    assert again.view.state["techniques"] == []
    assert again.view.state["stances"]["uk-talking-to-russia"] == "against"


def test_next_unlabelled_and_the_buttons_navigate(panel):
    press(panel, "x")
    press(panel, "n")
    press(panel, "n")
    click(panel, "move", "next")
    assert panel.sentence_index == 1
    click(panel, "move", "previous")
    assert panel.sentence_index == 0 and not shown(panel)["enabled"]["previous"]
    click(panel, "move", "next-unlabelled")
    assert panel.sentence_index == 1


def test_undo_button_and_key_take_back_the_last_changes(panel):
    click(panel, "toggle", "loaded-language")
    click(panel, "move", "next")
    press(panel, "x")
    click(panel, "move", "previous")
    click(panel, "undo")
    assert panel.sentence_index == 1  # undo shows the sentence it changed
    assert shown(panel)["techniques"] is None
    assert panel.store.current(ARTICLE, f"{ARTICLE}-002") is None
    press(panel, "u")
    assert panel.sentence_index == 0
    assert shown(panel)["techniques"] is None  # back to "not looked at yet"
    assert not shown(panel)["enabled"]["undo"]
    assert saved_rows(panel)["status"].tolist() == ["set", "set", "cleared", "cleared"]


def test_note_and_confidence_are_saved_with_the_sentence(panel):
    click(panel, "note", "the title asks a loaded question")  # typed before any label
    assert panel.live_text.startswith("Note kept")
    click(panel, "stance", "against", target="keir-starmer")
    click(panel, "confidence", "medium")
    row = panel.store.current(ARTICLE, f"{ARTICLE}-001", "keir-starmer")
    assert row["stance"] == "against"
    assert row["note"] == "the title asks a loaded question"
    assert row["confidence"] == "medium"
    assert shown(panel)["confidence"] == "medium"
    click(panel, "move", "next")
    assert shown(panel)["note"] == "" and shown(panel)["confidence"] == ""
    click(panel, "move", "previous")
    assert shown(panel)["note"] == "the title asks a loaded question"


def test_the_summary_step_saves_frame_and_overall_stance(panel):
    press(panel, "s")
    assert panel.sentence_index == panel.model.summary_index
    assert shown(panel)["on_summary"] and shown(panel)["paragraph"] == []
    press(panel, "x")  # no techniques on the summary: the key does nothing
    click(panel, "frame", "morality")
    press(panel, "f")
    click(panel, "stance", "favor", target="uk-talking-to-russia")
    rows = saved_rows(panel)
    assert set(rows["sentence_id"]) == {SUMMARY_SENTENCE_ID}
    assert rows.loc[0, "frame"] == "morality"
    assert dict(zip(rows["target"][1:], rows["stance"][1:], strict=True)) == {
        "keir-starmer": "favor",
        "uk-talking-to-russia": "favor",
    }
    assert "summary done" in shown(panel)["progress"]


def test_an_unwritable_folder_says_not_saved_keeps_the_label_and_retries(
    tmp_path, corpus, codebook
):
    folder = tmp_path / "annotations"
    folder.write_text("a file where the folder should be")
    panel = AnnotationPanel(
        ARTICLE, learner="bob", directory=folder, corpus=corpus, codebook=codebook
    )
    click(panel, "toggle", "loaded-language")
    assert panel.live_text.startswith("NOT SAVED") and "could not save" in panel.live_text
    assert shown(panel)["save_kind"] == "error"
    assert shown(panel)["techniques"] == ["loaded-language"]  # kept in memory
    folder.unlink()
    press(panel, "n")
    assert "NOT SAVED" not in panel.live_text and shown(panel)["save_kind"] == "ok"
    rows = saved_rows(panel)
    assert rows["techniques"].tolist()[0] == "loaded-language"
    assert len(rows) == 2


def test_an_unknown_article_gives_a_message_with_the_known_ids(folder, corpus, codebook):
    panel = AnnotationPanel(
        "no-such-article", learner="alice", directory=folder, corpus=corpus, codebook=codebook
    )
    assert not panel.ready
    text = panel.children[0].value
    assert "no-such-article" in text
    assert all(article_id in text for article_id in corpus.article_ids)


def test_a_codebook_without_the_articles_targets_gives_a_clear_message(folder, corpus, codebook):
    narrow = dataclasses.replace(
        codebook, targets=tuple(t for t in codebook.targets if t.id != "uk-talking-to-russia")
    )
    panel = AnnotationPanel(
        ARTICLE, learner="alice", directory=folder, corpus=corpus, codebook=narrow
    )
    assert not panel.ready
    assert "does not match" in panel.message and "uk-talking-to-russia" in panel.message


def test_without_a_learner_id_the_panel_asks_once_and_remembers(
    monkeypatch, folder, corpus, codebook
):
    monkeypatch.delenv("RHETORIC_LAB_LEARNER", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    panel = AnnotationPanel(ARTICLE, directory=folder, corpus=corpus, codebook=codebook)
    assert not panel.ready
    panel.learner_text.value = "../evil"
    panel.learner_button.click()
    assert "cannot be used" in panel.learner_message.value and not panel.ready
    panel.learner_text.value = "carol"
    panel.learner_button.click()
    assert panel.ready
    assert (folder / ".learner").read_text(encoding="utf-8").strip() == "carol"
    press(panel, "x")
    assert (folder / "carol.csv").exists()
    again = AnnotationPanel(ARTICLE, directory=folder, corpus=corpus, codebook=codebook)
    assert again.ready and again.store.learner == "carol"


def test_help_shows_the_keys_the_arrow_rule_and_the_touched_definitions(panel, codebook):
    spec = panel.view.spec
    assert "radio group" in spec["arrow_help"] and "← and →" in spec["arrow_help"]
    assert "no keyboard trap" in spec["tab_help"]
    legend = {keys: what for keys, what in spec["keys"]}
    assert legend["j / →"] == "next sentence" and legend["k / ←"] == "previous sentence"
    assert all(t.key in legend for t in codebook.techniques)
    click(panel, "toggle", "appeal-to-fear")
    press(panel, "h")
    assert shown(panel)["help_open"]
    titles = [item["title"] for item in shown(panel)["help"]]
    assert titles[0] == "Appeal to fear (key 4)"
    lines = dict(shown(panel)["help"][0]["lines"])
    assert lines["Definition"] == codebook.technique("appeal-to-fear").definition
    targets = dict(shown(panel)["help"][-1]["lines"])
    assert targets["Keir Starmer"] == codebook.target("keir-starmer").description
    press(panel, "?")
    assert not shown(panel)["help_open"]


def test_help_shows_non_examples_and_tell_apart_notes_when_the_codebook_has_them(
    folder, corpus, codebook
):
    """Issue 15's codebook fields (non_example, tell_apart_for) show when present."""

    @dataclasses.dataclass(frozen=True)
    class Pair:
        techniques: tuple
        note: str

    class Richer:
        def __init__(self, base):
            self._base = base

        def __getattr__(self, name):
            return getattr(self._base, name)

        def tell_apart_for(self, technique_id):
            if technique_id == "appeal-to-fear":
                return (Pair(("appeal-to-fear", "loaded-language"), "Fear is about a threat."),)
            return ()

        def technique(self, technique_id):
            found = self._base.technique(technique_id)
            return _WithNonExample(found)

    class _WithNonExample:
        def __init__(self, technique):
            self._technique = technique
            self.non_example = "A calm forecast."

        def __getattr__(self, name):
            return getattr(self._technique, name)

    panel = AnnotationPanel(
        ARTICLE, learner="erin", directory=folder, corpus=corpus, codebook=Richer(codebook)
    )
    assert panel.ready, panel.message
    panel.choose_technique("appeal-to-fear")
    panel.toggle_help(True)
    lines = shown(panel)["help"][0]["lines"]
    assert ["Not an example", "“A calm forecast.”"] in lines
    assert ["Tell apart", "Fear is about a threat."] in lines


def test_my_labels_table_is_current_while_shown(panel):
    click(panel, "toggle", "appeal-to-fear")
    click(panel, "labels")
    rows = shown(panel)["labels"]
    assert len(rows) == 59 and rows[0]["techniques"] == "Appeal to fear" and rows[0]["current"]
    press(panel, "j")
    press(panel, "x")
    assert shown(panel)["labels"][1]["techniques"] == "no technique"
    click(panel, "labels")
    assert shown(panel)["labels"] == []


def test_the_view_sets_text_only_as_text(panel):
    """Does the ES module put every text in with textContent (never innerHTML), so an
    article or a note can never become markup?"""
    source = VIEW_JS.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink


def test_the_view_declares_roles_states_and_names(panel):
    """Are the roles and states the browser tests check written into the module?"""
    source = VIEW_JS.read_text(encoding="utf-8")
    for needed in (
        '"aria-pressed"',
        'role: "group"',
        'role: "radiogroup"',
        'type: "radio"',
        'role: "status"',
        '"aria-live": "polite"',
        '"aria-keyshortcuts"',
        "data-lm-suppress-shortcuts",
    ):
        assert needed in source, needed


def write_hostile_corpus(folder):
    texts = ["<script>alert('x')</script> & “quotes”", "Plain <b>bold</b> sentence."]
    articles = folder / "articles"
    articles.mkdir(parents=True)
    with open(articles / "articles.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ARTICLE_COLUMNS)
        writer.writerow(
            [
                "hostile",
                "<i>Title</i> & co",
                "A <b>writer</b>",
                "Outlet",
                "2025-01-01",
                "opinion",
                "keir-starmer;uk-talking-to-russia",
                "x.txt",
                "9",
                "",
            ]
        )
    with open(articles / "sentences.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SENTENCE_COLUMNS)
        for position, text in enumerate(texts, start=1):
            writer.writerow(
                ["hostile", f"hostile-{position:03d}", 1, position, text, text_sha1(text)]
            )
    return load_corpus(folder)


def test_article_text_and_notes_stay_plain_text_in_the_view(tmp_path, codebook):
    corpus = write_hostile_corpus(tmp_path / "data")
    panel = AnnotationPanel(
        "hostile", learner="alice", directory=tmp_path / "ann", corpus=corpus, codebook=codebook
    )
    assert panel.view.spec["title"] == "<i>Title</i> & co"  # text, drawn with textContent
    assert shown(panel)["paragraph"][0]["text"] == "<script>alert('x')</script> & “quotes”"
    press(panel, "x")
    click(panel, "note", "<img src=x onerror=alert(1)>")
    click(panel, "labels")
    assert shown(panel)["labels"][0]["note"] == "<img src=x onerror=alert(1)>"
    assert panel.store.current("hostile", "hostile-001")["note"] == "<img src=x onerror=alert(1)>"


def test_an_injected_store_is_used_as_it_is(tmp_path, corpus, codebook):
    store = LabelStore(tmp_path / "ann", "dave", corpus=corpus, codebook=codebook)
    panel = AnnotationPanel(ARTICLE, store=store, targets=["keir-starmer"])
    assert panel.store is store
    assert [t["id"] for t in panel.view.spec["targets"]] == ["keir-starmer"]
    press(panel, "x")
    press(panel, "n")
    assert "1 of 59" in shown(panel)["progress"]


def test_the_panel_says_where_it_saves(panel):
    """Learners hand their file in: does the panel name it?"""
    assert panel.view.spec["save_path"].endswith("alice.csv")


def test_help_carries_the_glossary_and_says_so_when_it_cannot_be_read(
    panel, folder, corpus, codebook, tmp_path, monkeypatch
):
    from widgets.content.glossary import load_glossary

    glossary = dict(panel.view.spec["glossary"])
    terms = {entry.term: entry.definition for entry in load_glossary()}
    assert glossary == terms and "hedge" in {t.casefold() for t in glossary}
    assert panel.view.spec["glossary_problem"] == ""

    data = tmp_path / "data"
    data.mkdir()
    (data / "glossary.yml").write_text("terms: [{term: hedge}]\n", encoding="utf-8")
    monkeypatch.setenv("RHETORIC_LAB_DATA", str(data))
    damaged = AnnotationPanel(
        ARTICLE, learner="bob", directory=folder, corpus=corpus, codebook=codebook
    )
    assert damaged.ready, damaged.message  # labelling goes on
    assert damaged.view.spec["glossary"] == []
    problem = damaged.view.spec["glossary_problem"]
    assert "glossary could not be read" in problem and "glossary.yml" in problem
