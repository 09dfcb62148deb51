"""The lesson notebooks are examples, so they are tests: every one executes headless, is
committed clean, follows the lesson template, and has model answers for its questions."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from widgets import paths
from widgets.classroom.release import leaked_answer_text
from widgets.classroom.solutions import has_solutions
from widgets.content.codebook import normalise_whitespace
from widgets.content.corpus import load_corpus

LESSONS_DIR = paths.REPO_ROOT / "lessons"
ANSWERS_FILE = paths.REPO_ROOT / "answers" / "model-answers.yml"
NOTEBOOKS = sorted(LESSONS_DIR.glob("*.ipynb"))
QUESTION = re.compile(r"^\*\*Q(\d+)\.\*\*\s+(.+)$")
ARTICLE_CALL = re.compile(r'(AnnotationPanel|SelfCheck)\("([a-z0-9-]+)"')
#: The lines a lesson's code cell may hold at most: import, call, maybe a name.
MAX_CODE_LINES = 4


def _load(path: Path):
    return nbformat.read(path, as_version=4)


def _is_instructor(notebook) -> bool:
    return notebook.metadata.get("rhetoric_lab", {}).get("audience") == "instructor"


def _reflect_questions(notebook) -> list[str]:
    """Questions of the notebook's "### Reflect" cell, in order (numbered Q1, Q2, ...)."""
    questions = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("### Reflect"):
            for line in cell.source.splitlines():
                match = QUESTION.match(line.strip())
                if match:
                    assert int(match.group(1)) == len(questions) + 1, (
                        "questions numbered Q1, Q2, ..."
                    )
                    questions.append(match.group(2).strip())
    return questions


def _ids(paths_):
    return [p.stem for p in paths_]


def test_lessons_exist_in_an_explicit_order():
    """Are the lessons numbered 00, 01, ... with unique numbers, starting at 00?"""
    names = [p.name for p in NOTEBOOKS]
    assert names, "no notebooks in lessons/"
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+\.ipynb", n) for n in names), names
    numbers = [n[:2] for n in names]
    assert len(set(numbers)) == len(numbers)
    assert names[0] == "00-start-here.ipynb"
    assert {f"{i:02d}" for i in range(8)} <= set(numbers)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_is_clean(path):
    """Is the notebook valid nbformat 4.5 with cell ids, a python3 kernel and no outputs?"""
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["nbformat"] == 4 and raw["nbformat_minor"] >= 5
    notebook = _load(path)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    ids = [cell.get("id") for cell in raw["cells"]]
    assert all(ids) and len(set(ids)) == len(ids)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: outputs committed"
            assert cell.execution_count is None, f"{path.name}: execution count committed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_lesson_follows_the_template(path):
    """Does the lesson open with Questions and Objectives and end with Key points?"""
    notebook = _load(path)
    first = notebook.cells[0].source
    assert first.startswith("# "), "the first cell is the lesson's title"
    assert "## Questions" in first and "## Objectives" in first
    last = notebook.cells[-1].source
    assert last.startswith("## Key points") and last.count("\n- ") >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_code_cells_are_thin(path):
    """Do code cells only import and call: a few lines, no functions, classes or loops?"""
    for cell in _load(path).cells:
        if cell.cell_type != "code":
            continue
        lines = [line for line in cell.source.splitlines() if line.strip()]
        assert 1 <= len(lines) <= MAX_CODE_LINES, f"{path.name}: {cell.source!r}"
        for line in lines:
            assert not re.match(r"\s*(def|class|for|while|with|if|try)\b", line), line
            assert "lambda" not in line, line
            assert line == line.lstrip(), f"{path.name}: indented code {line!r}"


def test_every_reflection_question_has_a_model_answer():
    """Does answers/model-answers.yml answer exactly the questions each lesson asks?"""
    answers = yaml.safe_load(ANSWERS_FILE.read_text(encoding="utf-8"))
    asked = {}
    for path in NOTEBOOKS:
        questions = _reflect_questions(_load(path))
        if questions:
            asked[path.stem] = questions
    assert set(asked) >= {p.stem for p in NOTEBOOKS if p.name[:2] in {f"{i:02d}" for i in range(8)}}
    assert set(answers) == set(asked), "model answers keyed by lesson file stem"
    for stem, questions in asked.items():
        assert 3 <= len(questions) <= 5, f"{stem}: 3-5 reflection questions"
        entries = answers[stem]
        assert [normalise_whitespace(e["question"]) for e in entries] == [
            normalise_whitespace(q) for q in questions
        ], f"{stem}: questions in the YAML differ from the lesson's"
        for entry in entries:
            assert len(entry["answer"].split()) >= 60, f"{stem}: answer too thin: {entry}"


def test_article_lessons_cover_every_article_with_panel_and_selfcheck():
    """Does each of lessons 01-05 label and self-check one article, all five covered?"""
    corpus = load_corpus()
    covered = []
    for path in NOTEBOOKS:
        if not "01" <= path.name[:2] <= "05":
            continue
        calls = {
            (kind, article)
            for kind, article in ARTICLE_CALL.findall(
                "\n".join(c.source for c in _load(path).cells if c.cell_type == "code")
            )
        }
        articles = {article for _, article in calls}
        assert len(articles) == 1, f"{path.name}: {calls}"
        (article,) = articles
        assert {kind for kind, _ in calls} == {"AnnotationPanel", "SelfCheck"}
        corpus.article(article)  # raises for an unknown id
        covered.append(article)
    assert sorted(covered) == sorted(a.article_id for a in corpus.articles)


def _quotes(markdown: str) -> list[str]:
    """Long quotations in straight double quotes (pairs taken left to right)."""
    return [q for q in re.findall(r'"([^"\n]*)"', markdown) if len(q) >= 30]


def test_examples_in_what_to_look_for_are_quoted_exactly():
    """Is every long quotation in a lesson's "What to look for" found in its article?"""
    corpus = load_corpus()
    for path in NOTEBOOKS:
        if not "01" <= path.name[:2] <= "05":
            continue
        notebook = _load(path)
        (article_id,) = {
            a
            for _, a in ARTICLE_CALL.findall(
                "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
            )
        }
        text = normalise_whitespace(" ".join(s.text for s in corpus.article(article_id).sentences))
        cell = next(c for c in notebook.cells if c.source.startswith("## What to look for"))
        quotes = _quotes(cell.source)
        assert len(quotes) >= 5, f"{path.name}: a mini-lesson quotes its text"
        for quote in quotes:
            for piece in re.split(r"\s*(?:\[\.\.\.\]|\.\.\.)\s*", quote):
                if len(piece) >= 12:
                    assert normalise_whitespace(piece) in text, f"{path.name}: {piece!r}"


def test_learner_release_leaves_out_the_guide_solutions_and_answers(tmp_path):
    """Does the real learner release leave out the instructor guide, strip the solution
    regions, and succeed (it refuses to write when any model answer would leak)?"""
    from widgets.classroom.release import release

    guide = _load(LESSONS_DIR / "90-instructor-guide.ipynb")
    assert _is_instructor(guide)
    assert not any(_is_instructor(_load(p)) for p in NOTEBOOKS if p.name != guide_name())
    result = release(tmp_path / "learners")
    assert result.left_out_notebooks == ["lessons/90-instructor-guide.ipynb"]
    with_solutions = [
        f"lessons/{p.name}"
        for p in NOTEBOOKS
        if p.name != guide_name() and has_solutions(json.loads(p.read_text("utf-8")))
    ]
    assert with_solutions and sorted(result.stripped_notebooks) == sorted(with_solutions)
    released = tmp_path / "learners" / "lessons" / "04-reliability-and-verification.ipynb"
    assert "Instructor's notes" not in released.read_text(encoding="utf-8")
    assert not (tmp_path / "learners" / "answers" / "model-answers.yml").exists()
    assert leaked_answer_text(tmp_path / "learners", paths.REPO_ROOT / "answers") == []


def guide_name() -> str:
    return "90-instructor-guide.ipynb"


# -- execution --------------------------------------------------------------------------


def _execute(path: Path, workdir: Path, monkeypatch):
    from nbclient import NotebookClient

    annotations = workdir / "annotations"
    monkeypatch.setenv("RHETORIC_LAB_DIR", str(annotations))
    monkeypatch.setenv("RHETORIC_LAB_LEARNER", "test-learner")
    monkeypatch.delenv("RHETORIC_LAB_CLASS_DIR", raising=False)
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    # The kernel imports `widgets` through the kit's install, as under `make lab`.
    monkeypatch.delenv("PYTHONPATH", raising=False)
    # A copy, so that nothing the lesson writes (hand-in files, checkpoints) lands in the repo.
    lessons = workdir / "lessons"
    lessons.mkdir()
    copy = lessons / path.name
    shutil.copyfile(path, copy)
    notebook = _load(copy)
    client = NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(lessons)}},
    )
    client.execute()
    return notebook


def _text_outputs(notebook) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                parts.append(output.get("text", ""))
            for kind in ("text/html", "text/plain"):
                value = output.get("data", {}).get(kind)
                if value:
                    parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes_headless(path, tmp_path, monkeypatch):
    """Does every cell run without error in a fresh kernel, for a learner with no labels?"""
    notebook = _execute(path, tmp_path, monkeypatch)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", (
                f"{path.name}: {output.get('ename')}: {output.get('evalue')}"
            )
            if output.get("output_type") == "stream":
                assert output.get("name") != "stderr" or "Warning" not in output.get("text", ""), (
                    f"{path.name}: {output.get('text')}"
                )
    shown = _text_outputs(notebook)
    if path.name.startswith("00-"):
        assert "test-learner.csv" in shown
        assert "nothing to hand in yet" in shown
    if path.name.startswith("06-"):
        assert "not saved any labels yet" in shown
    if path.name.startswith("07-") and not (paths.REPO_ROOT / "class").is_dir():
        assert "SIMULATED CLASS" in shown
        assert "Simulated class" in shown
    # Nothing was written next to the lesson except by design.
    assert sorted(p.name for p in (tmp_path / "lessons").iterdir()) == [path.name]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_a_lesson_with_questions_keeps_its_learners_answers(path):
    """Does every lesson that asks reflection questions lay out their answer boxes with
    ``reflect(<its own name>)``, right after the questions, so answers are saved and handed
    in, and does the data file list the same questions for it?"""
    from widgets.labelling.reflections import lesson_questions

    notebook = _load(path)
    questions = _reflect_questions(notebook)
    calls = [
        (index, cell.source)
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and "reflect(" in cell.source
    ]
    if not questions:
        assert calls == [], f"{path.name}: reflect() without questions"
        return
    assert [normalise_whitespace(q.question) for q in lesson_questions(path.stem)] == [
        normalise_whitespace(q) for q in questions
    ], f"{path.name}: data/reflection-questions.yml differs from the lesson's questions"
    assert len(calls) == 1, f"{path.name}: one reflect() cell"
    index, source = calls[0]
    assert f'reflect("{path.stem}")' in source
    previous = notebook.cells[index - 1]
    assert previous.cell_type == "markdown" and previous.source.lstrip().startswith("### Reflect")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_a_lesson_labels_the_core_set_where_its_article_has_one(path):
    """Does a lesson's panel open on the article's core set (data/core-sets.yml), so the
    labelling fits the lesson's time, with the rest of the article one click away?"""
    from widgets.content.core_sets import core_sentence_ids

    for cell in _load(path).cells:
        if cell.cell_type != "code":
            continue
        for found in re.finditer(r'AnnotationPanel\("([a-z0-9-]+)"([^)]*)\)', cell.source):
            article_id, rest = found.groups()
            if path.name.startswith("00-"):
                continue  # the tour labels a few sentences of its own choosing
            if core_sentence_ids(article_id):
                assert 'sentences="core"' in rest, f"{path.name}: {found.group(0)}"
