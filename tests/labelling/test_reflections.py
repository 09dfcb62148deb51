"""Are reflections saved like labels, restored after a restart, handed in and collected?"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from widgets.cli import main
from widgets.labelling.reflection_widget import Reflection, reflect
from widgets.labelling.reflections import (
    MAX_REFLECTION_LENGTH,
    REFLECTION_COLUMNS,
    ReflectionStore,
    load_questions,
    model_answer_for,
    read_reflection_file,
)
from widgets.labelling.store import LabelStore

QUESTION = "kit-ask-press-looked"
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def test_question_ids_are_unique_slugs_and_match_the_model_answers():
    from widgets.content.answers import load_model_answers

    questions = load_questions()
    assert len({q.id for q in questions}) == len(questions) >= 30
    answers = load_model_answers()
    missing = [q.id for q in questions if not model_answer_for(q, answers)]
    assert missing == [], "every question's text must match answers/model-answers.yml"
    # Ids do not carry lesson numbers.
    assert not any(q.id[:2].isdigit() for q in questions)


def test_the_store_appends_and_the_latest_answer_wins(tmp_path, clock):
    store = ReflectionStore(tmp_path, "ann", clock=clock)
    store.save(QUESTION, "first thought")
    store.save(QUESTION, 'second, with a comma and "quotes"\nand a new line')
    assert store.save(QUESTION, 'second, with a comma and "quotes"\nand a new line') is None
    store.save("two-careful-readers-may", "it depends")
    rows, problems = read_reflection_file(store.path)
    assert problems == [] and len(rows) == 3 and tuple(rows.columns) == REFLECTION_COLUMNS
    again = ReflectionStore(tmp_path, "ann", clock=clock)
    assert again.current(QUESTION).endswith("and a new line")
    assert again.answers()["two-careful-readers-may"] == "it depends"


def test_text_over_the_limit_is_refused_not_cut(tmp_path):
    store = ReflectionStore(tmp_path, "ann")
    store.save(QUESTION, "short")
    with pytest.raises(ValueError, match="at most 10,000 are saved.*nothing was cut"):
        store.save(QUESTION, "x" * (MAX_REFLECTION_LENGTH + 1))
    assert ReflectionStore(tmp_path, "ann").current(QUESTION) == "short"


def test_a_torn_last_line_is_set_aside_and_the_next_save_starts_clean(tmp_path):
    store = ReflectionStore(tmp_path, "ann")
    store.save(QUESTION, "kept")
    with open(store.path, "a", encoding="utf-8") as handle:
        handle.write('ann,two-careful-readers-may,"half a tho')  # a kernel killed mid-write
    again = ReflectionStore(tmp_path, "ann")
    assert any("torn" in p for p in again.problems)
    again.save("two-careful-readers-may", "whole thought")
    rows, problems = read_reflection_file(store.path)
    assert list(rows["text"]) == ["kept", "whole thought"]
    assert len(problems) == 1 and "set aside" in problems[0]


def test_the_widget_saves_after_the_debounce_and_restores_after_a_restart(tmp_path):
    box = Reflection(QUESTION, directory=tmp_path, learner="ann", debounce=0.05)
    assert box.text.value == "" and "not answered yet" in box.status.value
    box.text.value = "Because skipping"
    box.text.value = "Because skipping hides <b>nothing</b>"  # the timer restarts
    assert "typing" in box.status.value
    deadline = time.monotonic() + 5
    while box.saved_text != box.text.value and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "saved at" in box.status.value
    rows, _ = read_reflection_file(tmp_path / "ann.reflections.csv")
    assert list(rows["text"]) == ["Because skipping hides <b>nothing</b>"]  # one save
    # A restart: a new widget shows the saved answer; markup stays text.
    restarted = Reflection(QUESTION, directory=tmp_path, learner="ann", debounce=0.05)
    assert restarted.text.value == "Because skipping hides <b>nothing</b>"
    assert "<b>nothing" not in restarted.prompt.value + restarted.status.value


def test_the_widget_refuses_too_long_text_with_a_message(tmp_path):
    box = Reflection(QUESTION, directory=tmp_path, learner="ann", debounce=0)
    box.text.value = "fine"
    box.text.value = "y" * (MAX_REFLECTION_LENGTH + 5)
    assert "NOT SAVED" in box.status.value and "role='alert'" in box.status.value
    assert ReflectionStore(tmp_path, "ann").current(QUESTION) == "fine"
    with pytest.raises(ValueError, match="unknown reflection question"):
        Reflection("no-such-question", directory=tmp_path, learner="ann")


def test_reflect_lays_out_a_lessons_questions(tmp_path):
    column = reflect("07-class-results", directory=tmp_path, learner="ann")
    ids = [box.question.id for box in column.children]
    assert ids == [q.id for q in load_questions() if q.lesson == "07-class-results"]
    with pytest.raises(ValueError, match="no reflection questions"):
        reflect("99-nothing", directory=tmp_path, learner="ann")


def _learner(folder, learner, corpus, codebook, text):
    store = LabelStore(folder, learner, corpus=corpus, codebook=codebook)
    article = corpus.article("starmer-defies-putin")
    store.save(article.article_id, article.sentences[0].sentence_id, techniques=[])
    ReflectionStore(folder, learner).save(QUESTION, text)


def test_collect_command_writes_class_reflections_and_report_shows_them(
    tmp_path, corpus, codebook, capsys
):
    folder = tmp_path / "class"
    _learner(folder, "ann", corpus, codebook, 'I think "loaded" <script>alert(1)</script>')
    _learner(folder, "bob", corpus, codebook, "Because & so")
    out = tmp_path / "out" / "class.csv"
    assert main(["collect", str(folder), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "reflections from 2 file(s)" in printed
    written = (tmp_path / "out" / "class.reflections.csv").read_text(encoding="utf-8")
    assert "Because & so" in written
    report = tmp_path / "report.html"
    assert main(["report", str(out), "--out", str(report), "--salt", "pepper"]) == 0
    page = report.read_text(encoding="utf-8")
    assert 'id="reflections"' in page and "Model answer" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert "<b>ann</b>" not in page and "<b>bob</b>" not in page  # pseudonymised


def test_export_per_learner_sheet_and_simulated_reflections(tmp_path, capsys):
    sim = tmp_path / "sim"
    assert main(["simulate", "--learners", "3", "--out", str(sim)]) == 0
    files = sorted(sim.glob("*.reflections.csv"))
    assert [f.name for f in files] == [f"sim-000{i}.reflections.csv" for i in (1, 2, 3)]
    rows, problems = read_reflection_file(files[0])
    assert problems == [] and rows["text"].str.startswith("[simulated answer]").all()
    out = tmp_path / "out" / "class.csv"
    assert main(["collect", str(sim), "--out", str(out), "--quiet"]) == 0
    sheet = tmp_path / "sheet.csv"
    assert main(["export", str(out.with_name("class.reflections.csv")), "--per-learner",
                 str(sheet)]) == 0  # fmt: skip
    import pandas as pd

    table = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(table["learner"]) == ["sim-0001", "sim-0002", "sim-0003"]
    assert table.columns[-2:].tolist() == ["grade", "feedback"]
    assert (table["labels"].astype(int) > 0).all()
    first = read_reflection_file(files[0])[0].drop_duplicates("question_id", keep="last")
    for row in first.itertuples():
        assert table.loc[0, row.question_id] == row.text
    assert main(["export", str(out), "--per-learner", str(tmp_path / "x.csv")]) == 2
    assert "is not class.reflections.csv" in capsys.readouterr().err


def test_lesson_07_shows_classmates_reflections_only_where_allowed(
    tmp_path, corpus, codebook, monkeypatch
):
    from widgets.lesson.class_reflections import SHOW_ENV, classmates_reflections

    folder = tmp_path / "class"
    _learner(folder, "ann", corpus, codebook, "mine <b>bold</b>")
    monkeypatch.delenv(SHOW_ENV, raising=False)
    hidden = classmates_reflections(folder, answers=tmp_path / "no-answers")._repr_html_()
    assert "when your instructor turns them on" in hidden and "mine" not in hidden
    monkeypatch.setenv(SHOW_ENV, "1")
    shown = classmates_reflections(folder, answers=tmp_path / "no-answers")._repr_html_()
    assert "mine &lt;b&gt;bold&lt;/b&gt;" in shown and "No model answer here" in shown
    assert ">ann<" not in shown  # pseudonymised
    monkeypatch.delenv(SHOW_ENV)
    instructor = classmates_reflections(folder)._repr_html_()  # the checkout has answers/
    assert "Model answer" in instructor and "mine" in instructor
