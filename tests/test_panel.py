"""Can a learner label an article in the panel, and is every change in their CSV at once?

The panel is driven as a learner would: toggling buttons (setting ``.value`` is what a
click does in the browser), clicking buttons, and key presses delivered to the panel's
:class:`~widgets.keyboard.KeyboardArea` as the comm message the browser sends.
"""

from __future__ import annotations

import csv
import dataclasses

import ipywidgets as widgets
import pytest

from widgets.corpus import ARTICLE_COLUMNS, SENTENCE_COLUMNS, load_corpus, text_sha1
from widgets.keyboard import PANEL_CLASS, KeyboardArea
from widgets.keys import panel_keys
from widgets.panel import AnnotationPanel, render_paragraph
from widgets.schema import SUMMARY_SENTENCE_ID
from widgets.store import LabelStore, read_label_file

ARTICLE = "when-will-starmer-talk-to-putin"


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


def press(panel, key, *, shift=False):
    """Press a key the way the browser reports it: the keyboard widget's message."""
    send(panel.keyboard, {"type": "key", "key": key, "shift": shift})


def saved_rows(panel):
    rows, problems = read_label_file(panel.store.path)
    assert problems == []
    return rows


def all_widgets(root):
    yield root
    for child in getattr(root, "children", ()):
        yield from all_widgets(child)


def test_the_panel_shows_the_article_its_first_sentence_and_progress(panel, corpus):
    article = corpus.article(ARTICLE)
    assert article.title in panel.header.value
    assert "James C. Pearce" in panel.header.value
    assert panel.sentence_index == 0
    assert f"sentence 1 of {len(article.sentences)}, paragraph 1" in panel.position_label.value
    assert "<mark" in panel.sentence_html.value
    assert panel.progress.max == len(article.sentences) and panel.progress.value == 0
    assert f"0 of {len(article.sentences)} sentences labelled" in panel.progress_text.value
    assert set(panel.stance_buttons) == set(article.targets)
    assert panel.technique_buttons["loaded-language"].description.startswith("Loaded language")


def test_toggling_a_technique_saves_it_at_once_and_marks_the_button(panel):
    button = panel.technique_buttons["loaded-language"]
    button.value = True
    rows = saved_rows(panel)
    assert rows["techniques"].tolist() == ["loaded-language"]
    assert rows["sentence_id"].tolist() == [f"{ARTICLE}-001"]
    assert button.icon == "check"  # selection is shown by more than colour
    assert "saved" in panel.save_status.value and "NOT SAVED" not in panel.save_status.value
    panel.technique_buttons["appeal-to-fear"].value = True
    button.value = False
    assert saved_rows(panel)["techniques"].tolist()[-1] == "appeal-to-fear"
    assert button.icon == ""


def test_keys_label_a_sentence_and_move_on(panel, codebook):
    press(panel, codebook.technique("direct-quotation").key)
    press(panel, "n")  # stance toward the first target; the second becomes active
    assert panel.stance_buttons["uk-talking-to-russia"].description.startswith("▶")
    press(panel, "f")
    rows = saved_rows(panel)
    assert rows["techniques"].tolist()[0] == "direct-quotation"
    assert dict(zip(rows["target"][1:], rows["stance"][1:], strict=True)) == {
        "keir-starmer": "none",
        "uk-talking-to-russia": "favor",
    }
    assert panel.stance_buttons["keir-starmer"].value == "none"
    assert "1 of 59 sentences labelled" in panel.progress_text.value
    press(panel, "j")
    assert panel.sentence_index == 1
    press(panel, "x")
    assert panel.store.current(ARTICLE, f"{ARTICLE}-002")["techniques"] == ""
    assert panel.no_technique_button.value is True
    press(panel, "ArrowLeft")
    assert panel.sentence_index == 0
    press(panel, "t")
    assert panel.stance_buttons["uk-talking-to-russia"].description.startswith("▶")


def test_the_keyboard_region_is_the_whole_panel_and_watches_exactly_the_panel_keys(panel, codebook):
    assert PANEL_CLASS in panel._dom_classes  # the browser side finds the panel by it
    assert isinstance(panel.keyboard, KeyboardArea)
    assert panel.keyboard in panel.key_area.children
    assert panel.keyboard.container_class == PANEL_CLASS
    assert set(panel.keyboard.watched_keys) == set(panel_keys(codebook))
    assert "Tab" not in panel.keyboard.watched_keys
    assert "Enter" not in panel.keyboard.watched_keys


def test_the_keyboard_bar_says_what_the_last_key_did(panel, codebook):
    press(panel, codebook.technique("loaded-language").key)
    assert "Loaded language on" in panel.keyboard.status
    press(panel, "n")
    assert "None toward Keir Starmer" in panel.keyboard.status
    press(panel, "ArrowRight")
    assert "sentence 2 of 59" in panel.keyboard.status
    panel.next_button.click()  # moving by mouse: the last key's news is stale
    assert panel.keyboard.status == ""
    press(panel, "z")
    assert "not a panel key" in panel.keyboard.status


def test_malformed_or_unknown_key_messages_change_nothing(panel):
    for content in (
        {"type": "key", "key": "z"},
        {"type": "key", "key": ""},
        {"type": "key", "key": 7},
        {"type": "key", "key": "q" * 50},
        {"type": "keyup", "key": "x"},
        {"key": "x"},
        ["x"],
        "x",
    ):
        send(panel.keyboard, content)
    assert not panel.store.path.exists()
    assert panel.sentence_index == 0
    assert panel.error_area.layout.display == "none"


def test_a_panel_without_keyboard_has_no_keyboard_widget(folder, corpus, codebook):
    panel = AnnotationPanel(
        ARTICLE,
        learner="alice",
        directory=folder,
        corpus=corpus,
        codebook=codebook,
        keyboard=False,
    )
    assert panel.ready and panel.keyboard is None
    assert not any(isinstance(w, KeyboardArea) for w in all_widgets(panel))
    panel.handle_key("x")  # the keys still work from Python
    assert panel.no_technique_button.value is True


def test_an_error_while_handling_a_key_shows_in_the_panel(panel, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(panel.store, "save", broken)
    press(panel, "x")
    assert panel.error_area.layout.display is None
    assert "disk full" in panel.error_area.value


def test_restarting_restores_labels_and_opens_at_the_first_unlabelled(
    panel, folder, corpus, codebook
):
    for _ in range(3):
        panel.handle_key("x")
        panel.handle_key("n")
        panel.handle_key("a")
        panel.handle_key("j")
    panel.technique_buttons["loaded-language"].value = True  # sentence 4: half labelled
    again = AnnotationPanel(
        ARTICLE, learner="alice", directory=folder, corpus=corpus, codebook=codebook
    )
    assert again.sentence_index == 3
    assert again.technique_buttons["loaded-language"].value is True
    assert "3 of 59 sentences labelled" in again.progress_text.value
    again.jump.value = 1
    assert again.sentence_index == 1
    assert again.no_technique_button.value is True
    assert again.stance_buttons["uk-talking-to-russia"].value == "against"


def test_next_unlabelled_and_the_buttons_navigate(panel):
    panel.handle_key("x")
    panel.handle_key("n")
    panel.handle_key("n")
    panel.next_button.click()
    assert panel.sentence_index == 1
    panel.prev_button.click()
    assert panel.sentence_index == 0 and panel.prev_button.disabled
    panel.next_unlabelled_button.click()
    assert panel.sentence_index == 1


def test_undo_button_and_key_take_back_the_last_changes(panel):
    panel.technique_buttons["loaded-language"].value = True
    panel.next_button.click()
    panel.handle_key("x")
    panel.prev_button.click()
    panel.undo_button.click()
    assert panel.sentence_index == 1  # undo shows the sentence it changed
    assert panel.no_technique_button.value is False
    assert panel.store.current(ARTICLE, f"{ARTICLE}-002") is None
    press(panel, "u")
    assert panel.sentence_index == 0
    assert panel.technique_buttons["loaded-language"].value is False
    assert panel.undo_button.disabled
    assert saved_rows(panel)["status"].tolist() == ["set", "set", "cleared", "cleared"]


def test_note_and_confidence_are_saved_with_the_sentence(panel):
    panel.note.value = "the title asks a loaded question"  # typed before any label
    assert "note kept" in panel.save_status.value
    panel.stance_buttons["keir-starmer"].value = "against"
    panel.confidence.value = "medium"
    row = panel.store.current(ARTICLE, f"{ARTICLE}-001", "keir-starmer")
    assert row["stance"] == "against"
    assert row["note"] == "the title asks a loaded question"
    assert row["confidence"] == "medium"
    assert panel.confidence.icons[1] == "check"
    panel.next_button.click()
    assert panel.note.value == "" and panel.confidence.value is None
    panel.prev_button.click()
    assert panel.note.value == "the title asks a loaded question"


def test_the_summary_step_saves_frame_and_overall_stance(panel):
    panel.handle_key("s")
    assert panel.sentence_index == panel.model.summary_index
    assert panel.summary_box.layout.display is None
    assert panel.technique_box.layout.display == "none"
    panel.frame_buttons.value = "morality"
    panel.handle_key("f")
    panel.summary_stance_buttons["uk-talking-to-russia"].value = "favor"
    rows = saved_rows(panel)
    assert set(rows["sentence_id"]) == {SUMMARY_SENTENCE_ID}
    assert rows.loc[0, "frame"] == "morality"
    assert dict(zip(rows["target"][1:], rows["stance"][1:], strict=True)) == {
        "keir-starmer": "favor",
        "uk-talking-to-russia": "favor",
    }
    assert "summary done" in panel.progress_text.value


def test_an_unwritable_folder_says_not_saved_keeps_the_label_and_retries(
    tmp_path, corpus, codebook
):
    folder = tmp_path / "annotations"
    folder.write_text("a file where the folder should be")
    panel = AnnotationPanel(
        ARTICLE, learner="bob", directory=folder, corpus=corpus, codebook=codebook
    )
    panel.technique_buttons["loaded-language"].value = True
    assert "NOT SAVED" in panel.save_status.value
    assert "could not save" in panel.save_status.value
    assert panel.technique_buttons["loaded-language"].value is True  # kept in memory
    folder.unlink()
    panel.handle_key("n")
    assert "NOT SAVED" not in panel.save_status.value
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
    panel.handle_key("x")
    assert (folder / "carol.csv").exists()
    again = AnnotationPanel(ARTICLE, directory=folder, corpus=corpus, codebook=codebook)
    assert again.ready and again.store.learner == "carol"


def test_a_failing_callback_shows_its_error_in_the_panel(panel, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk <gremlin> & co")

    monkeypatch.setattr(panel.store, "save", broken)
    panel.technique_buttons["loaded-language"].value = True
    assert panel.error_area.layout.display is None
    assert "RuntimeError" in panel.error_area.value
    assert "disk &lt;gremlin&gt; &amp; co" in panel.error_area.value  # escaped
    assert panel.technique_buttons["loaded-language"].value is False  # shows what is saved
    monkeypatch.undo()
    panel.technique_buttons["loaded-language"].value = True
    assert panel.error_area.layout.display == "none"


def test_help_and_my_labels_show_escaped_definitions_and_labels(panel, codebook):
    panel.technique_buttons["appeal-to-fear"].value = True
    panel.handle_key("h")
    assert panel.help_button.value is True
    definition = codebook.technique("appeal-to-fear").definition
    assert definition.split()[0] in panel.help_area.value
    panel.labels_button.value = True
    table = panel.labels_table.value
    assert "Appeal to fear" in table and "<table" in table
    panel.handle_key("j")
    panel.handle_key("x")
    assert "no technique" in panel.labels_table.value  # kept current while shown


def test_every_control_has_a_description_or_tooltip(panel):
    for widget in all_widgets(panel):
        if isinstance(widget, widgets.Button | widgets.ToggleButton):
            assert widget.description and widget.tooltip, widget
        if isinstance(widget, widgets.ToggleButtons):
            assert widget.description and len(widget.tooltips) == len(widget.options)
        if isinstance(widget, widgets.Textarea | widgets.Dropdown | widgets.IntProgress):
            assert widget.description


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


def test_article_text_and_notes_are_escaped(tmp_path, codebook):
    corpus = write_hostile_corpus(tmp_path / "data")
    panel = AnnotationPanel(
        "hostile", learner="alice", directory=tmp_path / "ann", corpus=corpus, codebook=codebook
    )
    assert "<script>" not in panel.sentence_html.value
    assert "&lt;script&gt;" in panel.sentence_html.value
    assert "<b>bold</b>" not in panel.sentence_html.value
    assert "<i>Title</i>" not in panel.header.value and "&lt;i&gt;Title" in panel.header.value
    panel.handle_key("x")
    panel.note.value = "<img src=x onerror=alert(1)>"
    panel.labels_button.value = True
    assert "<img" not in panel.labels_table.value
    assert "&lt;img src=x" in panel.labels_table.value
    assert panel.store.current("hostile", "hostile-001")["note"] == "<img src=x onerror=alert(1)>"


def test_render_paragraph_highlights_only_the_current_sentence(corpus):
    paragraph = corpus.article(ARTICLE).paragraphs()[1]
    current = paragraph[0].sentence_id
    rendered = render_paragraph(paragraph, current)
    assert rendered.count("<mark") == 1
    assert rendered.count("<span") == len(paragraph) - 1


def test_an_injected_store_is_used_as_it_is(tmp_path, corpus, codebook):
    store = LabelStore(tmp_path / "ann", "dave", corpus=corpus, codebook=codebook)
    panel = AnnotationPanel(ARTICLE, store=store, targets=["keir-starmer"])
    assert panel.store is store and list(panel.stance_buttons) == ["keir-starmer"]
    panel.handle_key("x")
    panel.handle_key("n")
    assert "1 of 59" in panel.progress_text.value


def _following_html(box, toggle):
    children = list(box.children)
    after = children[children.index(toggle) + 1]
    assert isinstance(after, widgets.HTML)
    return after.value


def test_each_target_description_sits_beside_its_stance_choice(panel, codebook):
    """Does each stance choice (sentence step and summary) say what favor, against and
    none mean for its target?"""
    import html

    for target_id in panel.model.targets:
        description = html.escape(codebook.target(target_id).description)
        beside = _following_html(panel.stance_box, panel.stance_buttons[target_id])
        assert description in beside
        assert "Favor =" in beside and "against =" in beside and "none =" in beside
        summary = _following_html(panel.summary_box, panel.summary_stance_buttons[target_id])
        assert description in summary


def test_help_shows_the_tell_apart_notes_of_the_chosen_technique(panel, codebook):
    """With unnamed source chosen, does the help say how to tell it from a hedge,
    vagueness and an appeal to authority, and offer the glossary?"""
    import html

    panel.technique_buttons["unnamed-source"].value = True
    panel.handle_key("h")
    shown = panel.help_area.value
    assert "How to tell them apart" in shown
    for note in codebook.tell_apart_for("unnamed-source"):
        assert html.escape(note.note) in shown
    others = [n for n in codebook.tell_apart if "unnamed-source" not in n.techniques]
    assert all(html.escape(n.note) not in shown for n in others)
    assert html.escape(codebook.technique("unnamed-source").non_example) in shown
    assert "Glossary" in shown and "standfirst" in shown
    for target_id in panel.model.targets:
        assert html.escape(codebook.target(target_id).description) in shown


def test_help_without_a_technique_shows_every_tell_apart_group(panel, codebook):
    import html

    panel.handle_key("h")
    for note in codebook.tell_apart:
        assert html.escape(note.note) in panel.help_area.value


def test_target_descriptions_and_notes_are_escaped(folder, corpus, codebook):
    """Is codebook text shown as text, never as markup?"""
    targets = tuple(
        dataclasses.replace(t, description="<script>alert(1)</script> Favor = x")
        for t in codebook.targets
    )
    notes = tuple(dataclasses.replace(n, note="<b>bold</b> & more") for n in codebook.tell_apart)
    tampered = dataclasses.replace(codebook, targets=targets, tell_apart=notes)
    panel = AnnotationPanel(
        ARTICLE, learner="alice", directory=folder, corpus=corpus, codebook=tampered
    )
    panel.handle_key("h")
    assert "<script>" not in panel.help_area.value
    assert "&lt;script&gt;" in panel.help_area.value
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in panel.help_area.value
    beside = _following_html(panel.stance_box, panel.stance_buttons["keir-starmer"])
    assert "&lt;script&gt;" in beside and "<script>" not in beside
