"""Tests for widgets/lesson/: the helpers the lesson notebooks call."""

from __future__ import annotations

import dataclasses
import html
import json
import tempfile
import zipfile

import pandas as pd
import pytest

import widgets.lesson as lesson
from widgets import paths
from widgets.labelling.store import LabelStore, read_label_file
from widgets.schema import LABEL_COLUMNS


@pytest.fixture(autouse=True)
def no_learner_env(monkeypatch):
    """Each test decides the learner id itself: nothing leaks in from the environment."""
    for name in (
        "RHETORIC_LAB_LEARNER",
        "JUPYTERHUB_USER",
        "RHETORIC_LAB_DIR",
        lesson.CLASS_DIR_ENV,
    ):
        monkeypatch.delenv(name, raising=False)


def _store(directory, learner, corpus, codebook):
    return LabelStore(directory, learner, corpus=corpus, codebook=codebook)


def _label_first(store, article_id, count, *, techniques=("loaded-language",), stance="favor"):
    article = store.corpus.article(article_id)
    for sentence in article.sentences[:count]:
        store.save(article_id, sentence.sentence_id, techniques=list(techniques), stance=stance)


# -- LearnerSetup ------------------------------------------------------------------------


def test_learner_setup_asks_when_no_id_is_known(tmp_path):
    """With no id anywhere, does the widget show the text box and say what to do?"""
    setup = lesson.LearnerSetup(directory=tmp_path)
    assert setup.learner is None
    assert setup._form.layout.display is None
    assert "Save my id" in setup.status.value


def test_learner_setup_remembers_a_valid_id(tmp_path):
    """Does saving an id remember it in the annotation folder and show where labels go?"""
    setup = lesson.LearnerSetup(directory=tmp_path)
    setup.text.value = "  ana-42 "
    setup.save_button.click()
    assert setup.learner == "ana-42"
    assert (tmp_path / paths.LEARNER_FILE).read_text(encoding="utf-8").strip() == "ana-42"
    assert "ana-42.csv" in setup.status.value
    assert setup._form.layout.display == "none"
    # A second notebook finds the remembered id without asking.
    again = lesson.LearnerSetup(directory=tmp_path)
    assert again.learner == "ana-42"
    assert again.change_button.layout.display is None


@pytest.mark.parametrize(
    "bad, words",
    [("", "empty"), ("a/b", "not allowed"), (".hidden", "dot"), ("x" * 80, "at most 64")],
)
def test_learner_setup_explains_invalid_ids_in_words(tmp_path, bad, words):
    """Is an invalid id refused with a message saying what is wrong, and nothing saved?"""
    setup = lesson.LearnerSetup(directory=tmp_path)
    setup.text.value = bad
    setup.save_button.click()
    assert setup.learner is None
    assert words in setup.error
    assert "cannot be used" in setup.status.value
    assert not (tmp_path / paths.LEARNER_FILE).exists()


def test_learner_setup_shows_an_id_from_the_environment(tmp_path, monkeypatch):
    """Is an id set by JupyterHub shown, with no offer to change it (it would not apply)?"""
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-user")
    setup = lesson.LearnerSetup(directory=tmp_path)
    assert setup.learner == "hub-user"
    assert "JupyterHub" in setup.status.value
    assert setup.change_button.layout.display == "none"


def test_learner_setup_reports_an_invalid_environment_id(tmp_path, monkeypatch):
    """Does a broken RHETORIC_LAB_LEARNER produce a readable error instead of a traceback?"""
    monkeypatch.setenv("RHETORIC_LAB_LEARNER", "bad:id")
    setup = lesson.LearnerSetup(directory=tmp_path)
    assert setup.learner is None
    assert "RHETORIC_LAB_LEARNER" in setup.error and "not allowed" in setup.error


def test_learner_setup_change_button_offers_the_form(tmp_path):
    """Can a remembered id be changed to another one?"""
    paths.remember_learner("first", tmp_path)
    setup = lesson.LearnerSetup(directory=tmp_path)
    setup.change_button.click()
    assert setup._form.layout.display is None and setup.text.value == "first"
    setup.text.value = "second"
    setup.save_button.click()
    assert setup.learner == "second"
    assert paths.resolve_learner(None, tmp_path) == "second"


def test_learner_setup_html_escapes_the_id(tmp_path):
    """Is the id escaped when shown (it is typed by a person)?"""
    setup = lesson.LearnerSetup(learner="<b>amp&", directory=tmp_path)
    assert "&lt;b&gt;amp&amp;" in setup.status.value
    assert "<b>amp&" not in setup.status.value


# -- codebook tour -------------------------------------------------------------------------


def test_codebook_rows_group_every_technique_by_category(codebook):
    """Does the tour list every technique once, in category order, plus x and stances?"""
    rows = lesson.codebook_rows(codebook)
    techniques = rows[rows["id"].isin(codebook.technique_ids)]
    assert sorted(techniques["id"]) == sorted(codebook.technique_ids)
    order = [c.name for c in codebook.categories]
    seen = list(dict.fromkeys(techniques["category"]))
    assert seen == [name for name in order if name in seen]
    assert codebook.no_technique_key in set(rows["key"])
    assert set(codebook.stance_ids) <= set(rows["id"])


def test_codebook_tour_shows_fields_and_escapes_text(codebook):
    """Are name, definition, hint, example and key shown, with markup escaped?"""
    first = codebook.techniques[0]
    evil = dataclasses.replace(first, definition="<script>alert(1)</script> & more")
    tampered = dataclasses.replace(codebook, techniques=(evil, *codebook.techniques[1:]))
    page = lesson.codebook_tour(tampered).html
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    for technique in codebook.techniques[1:]:
        assert html.escape(technique.name) in page
        assert html.escape(technique.example) in page
        assert f"<kbd>{html.escape(technique.key)}</kbd>" in page
    for category in codebook.categories:
        assert html.escape(category.name) in page
    for rule in codebook.coding_rules:
        assert f"<li>{html.escape(rule)}</li>" in page


def test_codebook_tour_shows_non_examples_tell_apart_targets_frames_and_left_out(codebook):
    """Does the tour show what learners need at the moment of deciding: non-examples,
    how to tell techniques apart, what each stance means per target, the frames with an
    example each, and what was left out and why?"""
    escape = html.escape
    page = lesson.codebook_tour(codebook).html
    for technique in codebook.techniques:
        assert escape(technique.non_example) in page
    assert "How to tell them apart" in page
    for note in codebook.tell_apart:
        assert escape(note.note) in page
    for target in codebook.targets:
        assert escape(target.description) in page
    for frame in codebook.frames:
        assert escape(frame.definition) in page and escape(frame.example) in page
    assert "Left out on purpose" in page and escape(codebook.left_out[0].reason) in page


def test_codebook_tour_escapes_tell_apart_and_target_text(codebook):
    notes = tuple(dataclasses.replace(n, note="<i>x</i>") for n in codebook.tell_apart)
    targets = tuple(dataclasses.replace(t, description="<img src=x>") for t in codebook.targets)
    page = lesson.codebook_tour(
        dataclasses.replace(codebook, tell_apart=notes, targets=targets)
    ).html
    assert "<i>x</i>" not in page and "&lt;i&gt;x&lt;/i&gt;" in page
    assert "<img" not in page


def test_glossary_lists_every_term_escaped():
    from widgets.content.glossary import load_glossary

    page = lesson.glossary().html
    for entry in load_glossary():
        assert html.escape(entry.term) in page
    assert "standfirst" in page and "α" in page


# -- where are my labels / hand in --------------------------------------------------------


def test_where_are_my_labels_without_id_or_file(tmp_path):
    """Without an id, or before the first label, is the message kind and specific?"""
    summary = lesson.where_are_my_labels(directory=tmp_path)
    assert summary.path is None and "lesson 00" in summary._repr_html_()
    summary = lesson.where_are_my_labels(learner="ana", directory=tmp_path)
    assert summary.path == tmp_path / "ana.csv"
    assert summary.rows == 0 and "Nothing is saved yet" in summary._repr_html_()


def test_where_are_my_labels_counts_rows_and_progress(tmp_path, corpus, codebook):
    """Are the saved rows, the current labels and per-article progress counted right?"""
    store = _store(tmp_path, "ana", corpus, codebook)
    _label_first(store, "ceasefire-coalition-momentum", 3)
    first = corpus.article("ceasefire-coalition-momentum").sentences[0].sentence_id
    store.save("ceasefire-coalition-momentum", first, techniques=[])  # changed her mind
    summary = lesson.where_are_my_labels(learner="ana", directory=tmp_path, corpus=corpus)
    assert summary.rows == 7  # 3 x (technique + stance) + 1 change
    assert summary.current == 6
    progress = summary.progress.set_index("article")
    assert progress.loc["ceasefire-coalition-momentum", "sentences labelled"] == 3
    assert progress.loc["ceasefire-coalition-momentum", "sentences"] == 20
    assert progress.loc["press-trump-security-guarantees", "sentences labelled"] == 0
    assert str(tmp_path / "ana.csv") in summary._repr_html_()


def test_current_labels_takes_the_latest_row_and_drops_cleared(tmp_path, corpus, codebook):
    """Does current_labels agree with the store's own view after an undo?"""
    store = _store(tmp_path, "ben", corpus, codebook)
    _label_first(store, "starmer-defies-putin", 2)
    store.undo()
    history, problems = read_label_file(store.path)
    assert not problems
    mine = lesson.current_labels(history)
    theirs = store.labels()
    key = ["article_id", "sentence_id", "target"]
    assert sorted(map(tuple, mine[key].values)) == sorted(map(tuple, theirs[key].values))


def test_hand_in_copies_the_file_into_the_current_folder(tmp_path, corpus, codebook, monkeypatch):
    """Does hand_in write rhetoric-lab-labels-<id>.csv, byte for byte, where we are?"""
    labels = tmp_path / "annotations"
    store = _store(labels, "cara", corpus, codebook)
    _label_first(store, "press-trump-security-guarantees", 4)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    result = lesson.hand_in(learner="cara", directory=labels)
    assert result.path == here / "rhetoric-lab-handin-cara.zip"
    with zipfile.ZipFile(result.path) as archive:
        assert archive.read("cara.csv") == store.path.read_bytes()
        assert json.loads(archive.read("handin.json"))["learner"] == "cara"
    assert result.rows == 8 and not result.problems and result.reflections == 0
    assert "Upload" in result._repr_html_() and "8" in str(result)
    plain = lesson.hand_in(here / "rhetoric-lab-labels-cara.csv", learner="cara", directory=labels)
    assert plain.path.read_bytes() == store.path.read_bytes()
    assert "labels only" in plain._repr_html_()


def test_hand_in_to_a_zip_and_to_a_folder(tmp_path, corpus, codebook):
    """Can the copy go into a zip (for platforms that want one) or a given folder?"""
    labels = tmp_path / "annotations"
    store = _store(labels, "dev", corpus, codebook)
    _label_first(store, "when-will-starmer-talk-to-putin", 2)
    zipped = lesson.hand_in(tmp_path / "out" / "mine.zip", learner="dev", directory=labels)
    with zipfile.ZipFile(zipped.path) as archive:
        assert archive.namelist() == ["dev.csv", "handin.json"]
        assert archive.read("dev.csv") == store.path.read_bytes()
    assert zipped.rows == 4
    folder = tmp_path / "uploads"
    folder.mkdir()
    copied = lesson.hand_in(folder, learner="dev", directory=labels)
    assert copied.path == folder / "rhetoric-lab-handin-dev.zip"


def test_hand_in_with_nothing_saved_or_onto_itself(tmp_path, corpus, codebook):
    """Is "nothing to hand in" a message, and copying a file onto itself refused?"""
    result = lesson.hand_in(tmp_path / "x.csv", learner="eve", directory=tmp_path)
    assert result.path is None and "nothing to hand in" in result.message
    assert not (tmp_path / "x.csv").exists()
    assert lesson.hand_in(directory=tmp_path).path is None  # no id at all
    store = _store(tmp_path, "eve", corpus, codebook)
    _label_first(store, "starmer-defies-putin", 1)
    with pytest.raises(ValueError, match="label file itself"):
        lesson.hand_in(store.path, learner="eve", directory=tmp_path)


# -- my charts ------------------------------------------------------------------------------


def test_my_charts_is_kind_with_nothing_labelled(tmp_path, corpus, codebook):
    """With no file, or too few labels, are the charts replaced by messages?"""
    empty = lesson.my_charts(learner="fay", directory=tmp_path, corpus=corpus, codebook=codebook)
    assert empty.stance is None and empty.techniques is None
    assert "not saved any labels yet" in empty.messages[0]
    store = _store(tmp_path, "fay", corpus, codebook)
    _label_first(store, "starmer-defies-putin", 2)
    few = lesson.my_charts(learner="fay", directory=tmp_path, corpus=corpus, codebook=codebook)
    assert few.stance is None and few.techniques is None
    assert any("2 sentences" in m for m in few.messages)


def test_my_charts_draws_both_charts_from_the_learners_labels(tmp_path, corpus, codebook):
    """With enough labels in two articles, are both charts valid Vega-Lite with my data?"""
    store = _store(tmp_path, "gus", corpus, codebook)
    _label_first(store, "starmer-defies-putin", 4, stance="favor")
    _label_first(store, "press-trump-security-guarantees", 3, stance="none")
    result = lesson.my_charts(learner="gus", directory=tmp_path, corpus=corpus, codebook=codebook)
    assert result.stance is not None and result.techniques is not None
    assert result.messages == ()
    stance = result.stance.to_dict()
    values = next(iter(stance["datasets"].values()))
    counts = {(v["article_id"], v["stance"]): v["count"] for v in values if v.get("count")}
    assert counts == {
        ("starmer-defies-putin", "favor"): 4,
        ("press-trump-security-guarantees", "none"): 3,
    }
    result.techniques.to_dict()


# -- class folder and results ---------------------------------------------------------------


def test_class_folder_prefers_the_given_folder_then_the_environment(tmp_path, monkeypatch):
    """Is the first folder holding CSVs used, and a missing named folder an error?"""
    given = tmp_path / "given"
    given.mkdir()
    (given / "a.csv").write_text(",".join(LABEL_COLUMNS) + "\n", encoding="utf-8")
    env = tmp_path / "env"
    (env / "submitted" / "s1" / "lesson").mkdir(parents=True)
    (env / "submitted" / "s1" / "lesson" / "s1.csv").write_text("x\n", encoding="utf-8")
    monkeypatch.setenv(lesson.CLASS_DIR_ENV, str(env))
    found = lesson.class_folder(given)
    assert found.folder == given and not found.simulated
    found = lesson.class_folder()
    assert found.folder == env and len(found.files) == 1  # nbgrader tree, searched deeply
    assert lesson.CLASS_DIR_ENV in found.source
    with pytest.raises(FileNotFoundError, match="not a folder"):
        lesson.class_folder(tmp_path / "typo")


def test_class_folder_without_files_is_marked_simulated(tmp_path, monkeypatch):
    """An empty class folder: is the result simulated, with a banner saying why?"""
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)  # no class/ here
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv(lesson.CLASS_DIR_ENV, str(empty))
    found = lesson.class_folder()
    assert found.simulated and found.folder is None
    assert "SIMULATED" in found.banner and "no CSV files yet" in found.banner
    assert "rhetoric-lab-simulated" in found._repr_html_()


def test_class_results_simulates_a_labelled_class_when_none_is_collected(
    tmp_path, monkeypatch, corpus, codebook
):
    """Without class files: a simulated class, marked so in the banner, tables and charts?"""
    monkeypatch.setattr(paths, "REPO_ROOT", tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    results = lesson.class_results(simulate_learners=6, seed=3, corpus=corpus, codebook=codebook)
    assert results.simulated and results.learners == 6
    assert results.labels["learner"].str.startswith("sim-").all()
    assert "SIMULATED" in results._repr_html_()
    assert "Simulated class" in results.agreement().html
    assert "Simulated class" in results.discuss(top=3).html
    assert results.discuss(top=3).html.count("<li>") == 3
    spec = results.chart("stance").to_dict()
    assert "Simulated class" in str(spec["title"])
    with pytest.raises(ValueError, match="unknown chart"):
        results.chart("pie")
    assert list(scratch.iterdir()) == []  # the simulated files are cleaned up


def test_class_results_reads_real_files_and_is_not_simulated(tmp_path, corpus, codebook):
    """With learners' CSVs in a folder: are they collected, and nothing called simulated?"""
    folder = tmp_path / "class"
    for learner, stance in (("ana", "favor"), ("ben", "against"), ("cy", "favor")):
        _label_first(
            _store(folder, learner, corpus, codebook),
            "press-trump-security-guarantees",
            5,
            stance=stance,
        )
    results = lesson.class_results(folder, corpus=corpus, codebook=codebook)
    assert not results.simulated and results.learners == 3
    assert len(results.labels) == 30
    page = results._repr_html_()
    assert "SIMULATED" not in page and "3 learners" in page
    table = results.agreement().html
    assert "Stance toward Keir Starmer" in table and "Simulated" not in table
    assert "Simulated" not in str(results.chart("stance").to_dict()["title"])


# -- model answers ----------------------------------------------------------------------------


def test_model_answers_render_escaped_and_filter_by_lesson(tmp_path):
    """Are model answers shown escaped, one lesson at a time, and missing ones explained?"""
    (tmp_path / "model-answers.yml").write_text(
        "01-x:\n  - question: 'Why <b>?'\n    answer: 'Because & so.'\n"
        "02-y:\n  - question: Other\n    answer: More\n",
        encoding="utf-8",
    )
    page = lesson.model_answers("01-x", answers_dir=tmp_path).html
    assert "Why &lt;b&gt;?" in page and "Because &amp; so." in page and "Other" not in page
    assert "02-y" in lesson.model_answers(answers_dir=tmp_path).html
    assert "No model answers for lesson" in lesson.model_answers("9", answers_dir=tmp_path).html
    missing = lesson.model_answers(answers_dir=tmp_path / "nowhere").html
    assert "answer key is with your instructor" in missing


def test_public_names_are_exported():
    """Does __all__ list exactly the names the lessons import?"""
    for name in (
        "LearnerSetup",
        "codebook_tour",
        "glossary",
        "where_are_my_labels",
        "hand_in",
        "my_charts",
        "class_folder",
        "class_results",
        "model_answers",
    ):
        assert name in lesson.__all__
        assert callable(getattr(lesson, name))
    assert isinstance(lesson.codebook_rows(), pd.DataFrame)


# -- core sets, frames and the diagnostic -------------------------------------------------


def test_core_set_lists_the_chosen_sentences_with_reasons(corpus):
    """Does the core-set table show 12-18 sentences of the article, numbered, with why?"""
    from widgets.content.core_sets import load_core_sets

    page = lesson.core_set("starmer-defies-putin", corpus=corpus).html
    chosen = load_core_sets(corpus=corpus)["starmer-defies-putin"]
    assert page.count("<tr style=") == len(chosen)
    article = corpus.article("starmer-defies-putin")
    for entry in chosen:
        assert html.escape(article.sentence_index[entry.sentence_id].text) in page
        assert html.escape(entry.reason) in page
    assert f"{len(chosen)} of 51 sentences" in page and "Jump to" in page


def test_frames_table_shows_every_frame_with_its_example(codebook):
    page = lesson.frames_table(codebook).html
    for frame in codebook.frames:
        assert html.escape(frame.name) in page
        assert html.escape(frame.example) in page


def test_diagnostic_names_the_sentences_to_label(corpus):
    page = lesson.diagnostic(corpus=corpus).html
    assert "Starmer insists ceasefire coalition has momentum" in page
    assert page.count("<li>") == 6


def test_diagnostic_progress_puts_first_answers_beside_answers_now(tmp_path, corpus, codebook):
    """After labelling the diagnostic in lesson 00 and changing one answer later, does
    lesson 07 show both, and agreement with the key?"""
    store = _store(tmp_path, "ana", corpus, codebook)
    article_id = "ceasefire-coalition-momentum"
    for sentence in corpus.article(article_id).sentences[:6]:
        store.save(article_id, sentence.sentence_id, techniques=[], stance="favor")
        store.save(
            article_id, sentence.sentence_id, target="coalition-of-the-willing", stance="favor"
        )
    first = corpus.article(article_id).sentences[0].sentence_id
    store.save(article_id, first, target="coalition-of-the-willing", stance="none")
    page = lesson.diagnostic_progress(learner="ana", directory=tmp_path).html
    assert "Agreement with the key" in page
    assert "in lesson 00" in page and "now." in page
    assert page.count("<tr>") == 6 * 3  # 6 sentences x (techniques + 2 targets)


def test_diagnostic_progress_without_labels_says_so(tmp_path):
    page = lesson.diagnostic_progress(learner="ana", directory=tmp_path).html
    assert "no labels yet" in page
