"""Does the learner release carry the lessons, data and package but no answer content?"""

from __future__ import annotations

import json
import zipfile

import pytest

from widgets.classroom.release import ReleaseError, release
from widgets.cli import main

RATIONALE = "Loaded label: 'contemptuous' judges Putin's reply rather than reporting it."


def make_repo(root):
    (root / "widgets").mkdir(parents=True)
    (root / "widgets" / "__init__.py").write_text("")
    (root / "data" / "articles").mkdir(parents=True)
    (root / "data" / "codebook.yml").write_text("version: '1'\n")
    (root / "lessons").mkdir()
    lesson = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "Q1. What is the source?\n<!-- BEGIN SOLUTION -->\nAn embassy source, unnamed.\n<!-- END SOLUTION -->",
            },
            {
                "cell_type": "code",
                "metadata": {},
                "source": "import widgets",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": "hi"}],
                "execution_count": 1,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "lessons" / "01-lesson.ipynb").write_text(json.dumps(lesson))
    guide = {**lesson, "metadata": {"rhetoric_lab": {"audience": "instructor"}}}
    (root / "lessons" / "90-instructor-guide.ipynb").write_text(json.dumps(guide))
    (root / "answers").mkdir()
    (root / "answers" / "key.csv").write_text(f'learner,note\nkey,"{RATIONALE}"\n')
    (root / "README.md").write_text("# Kit\n")
    return root


def test_folder_release_has_lessons_data_package_and_no_answers(tmp_path):
    root = make_repo(tmp_path / "repo")
    result = release(tmp_path / "out", root=root)
    out = tmp_path / "out"
    assert (out / "widgets" / "__init__.py").exists() and (out / "data" / "codebook.yml").exists()
    assert not (out / "answers" / "key.csv").exists()
    assert "instructor" in (out / "answers" / "README.md").read_text()
    assert not (out / "lessons" / "90-instructor-guide.ipynb").exists()
    assert result.left_out_notebooks == ["lessons/90-instructor-guide.ipynb"]
    lesson = json.loads((out / "lessons" / "01-lesson.ipynb").read_text())
    assert "embassy" not in json.dumps(lesson)
    assert lesson["cells"][1]["outputs"] == []


def test_zip_release_via_the_cli_contains_no_rationale_text(tmp_path, monkeypatch):
    out = tmp_path / "learners.zip"
    assert main(["release", str(out)]) == 0
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "rhetoric-lab/lessons/00-start-here.ipynb" in names
        assert not any(n.startswith("rhetoric-lab/answers/") and n.endswith(".csv") for n in names)
        from widgets.classroom.release import _answer_texts
        from widgets.paths import REPO_ROOT

        texts = _answer_texts(REPO_ROOT / "answers")
        assert texts, "the real answer key should hold rationales"
        for name in names:
            content = archive.read(name).decode("utf-8", errors="replace")
            assert not any(t in content for t in texts), name


def test_a_leaking_lesson_stops_the_release(tmp_path):
    root = make_repo(tmp_path / "repo")
    leaky = json.loads((root / "lessons" / "01-lesson.ipynb").read_text())
    leaky["cells"].append({"cell_type": "markdown", "metadata": {}, "source": f"Hint: {RATIONALE}"})
    (root / "lessons" / "02-leaky.ipynb").write_text(json.dumps(leaky))
    with pytest.raises(ReleaseError, match="leak"):
        release(tmp_path / "out", root=root)
    assert not (tmp_path / "out").exists()


def test_unbalanced_markers_and_existing_output_are_refused(tmp_path):
    root = make_repo(tmp_path / "repo")
    (root / "lessons" / "03-bad.ipynb").write_text(
        json.dumps(
            {
                "cells": [
                    {"cell_type": "markdown", "metadata": {}, "source": "<!-- BEGIN SOLUTION -->"}
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    with pytest.raises(ReleaseError, match="03-bad.ipynb: cell 1"):
        release(tmp_path / "out", root=root)
    (tmp_path / "exists").mkdir()
    with pytest.raises(ReleaseError, match="already exists"):
        release(tmp_path / "exists", root=make_repo(tmp_path / "repo2"))


def test_a_model_answer_pasted_into_a_lesson_is_caught_but_shared_quotes_are_not(tmp_path):
    root = make_repo(tmp_path / "repo")
    answer = (
        "The embassy source is unnamed, so a reader cannot check who said it or why; "
        "the writer asks us to trust him. Quoting “crickets” is the article's own image."
    )
    (root / "answers" / "model-answers.yml").write_text(
        "01-lesson:\n- question: Who is the source?\n  answer: " + json.dumps(answer) + "\n"
    )
    quoting = json.loads((root / "lessons" / "01-lesson.ipynb").read_text())
    quoting["cells"].append(
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": "Who is the source? Quoting “crickets” is the article's own image.",
        }
    )
    (root / "lessons" / "01-lesson.ipynb").write_text(json.dumps(quoting))
    release(tmp_path / "ok", root=root)  # the question and a quotation are not answers
    quoting["cells"].append({"cell_type": "markdown", "metadata": {}, "source": answer})
    (root / "lessons" / "01-lesson.ipynb").write_text(json.dumps(quoting))
    with pytest.raises(ReleaseError, match="01-lesson.ipynb"):
        release(tmp_path / "leaky", root=root)


def test_the_build_hook_stages_the_kit_with_only_the_build_requirements(tmp_path):
    """pip builds the wheel in an environment holding only setuptools and PyYAML: staging
    the learner files must not import pandas, numpy or cryptography (it did once, through
    the locked keys, and every wheel build failed)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (
        "import sys\n"
        "for name in ('pandas', 'numpy', 'cryptography', 'altair', 'ipywidgets'):\n"
        "    sys.modules[name] = None  # importing any of them now fails\n"
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('hooks', {str(root / 'widgets' / 'build_hooks.py')!r})\n"
        "hooks = importlib.util.module_from_spec(spec); spec.loader.exec_module(hooks)\n"
        "from pathlib import Path\n"
        f"files = hooks.stage_kit_files(Path({str(root)!r}), Path(sys.argv[1]))\n"
        "print(len(files))\n"
    )
    target = tmp_path / "_kit"
    done = subprocess.run(
        [sys.executable, "-c", script, str(target)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 10
    assert (target / "data" / "codebook.yml").is_file()
    assert not (target / "keys").exists() and not (target / "answers").exists()
