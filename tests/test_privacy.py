"""Do learners' labels stay out of git and out of the learner release, and does the
release carry no answer content however it is encoded?"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from widgets import paths
from widgets.classroom.release import ReleaseError, release
from widgets.labelling.store import LabelStore

GIT = shutil.which("git")


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GIT, "-C", str(paths.REPO_ROOT), *args], capture_output=True, text=True, timeout=30
    )


def _in_git_checkout() -> bool:
    return GIT is not None and _git("rev-parse", "--is-inside-work-tree").stdout.strip() == "true"


def test_default_annotation_dir_is_git_ignored(monkeypatch):
    """Is the default folder for learner CSVs ``annotations/`` at the repo root, ignored by
    git (so ``git pull``/nbgitpuller never touch it) and holding no tracked file?"""
    monkeypatch.delenv("RHETORIC_LAB_DIR", raising=False)
    assert paths.annotation_dir() == paths.REPO_ROOT / "annotations"
    ignore_lines = (paths.REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "annotations/" in [line.strip() for line in ignore_lines]
    if _in_git_checkout():  # a release unpacked from a zip has no git: the line above holds
        for name in ("annotations/anyone.csv", "annotations/.learner", "annotations/x.csv.lock"):
            assert _git("check-ignore", "-q", name).returncode == 0, name
        assert _git("ls-files", "annotations").stdout == ""
        tracked = _git("ls-files").stdout.splitlines()
        assert not [t for t in tracked if t.endswith("/.learner") or t == ".learner"]


def test_store_default_writes_only_into_the_ignored_folder(
    tmp_path, monkeypatch, tiny_corpus, stub_codebook, clock
):
    """With no folder given, does a learner's store write under <repo>/annotations/ and
    nowhere else in the repo?"""
    root = tmp_path / "repo"
    # A checkout (what kit_layout recognises); an installed kit writes in ~ instead.
    for folder in ("lessons", "data", "answers/key"):
        (root / folder).mkdir(parents=True)
    (root / "pyproject.toml").write_text("")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(paths, "REPO_ROOT", root)
    for name in ("RHETORIC_LAB_DIR", "RHETORIC_LAB_LEARNER", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(root / "lessons")  # notebooks run here
    paths.remember_learner("ana")
    store = LabelStore(corpus=tiny_corpus, codebook=stub_codebook, clock=clock)
    store.save("tiny-one", "tiny-one-001", techniques=["loaded-language"], note="mine")
    written = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    written.remove("pyproject.toml")
    assert all(w.startswith("annotations/") for w in written), written
    assert "annotations/ana.csv" in written


def _fake_repo(root, lesson_text: str, rationale: str):
    (root / "widgets").mkdir(parents=True)
    (root / "widgets" / "__init__.py").write_text("")
    (root / "data").mkdir()
    (root / "data" / "codebook.yml").write_text("version: '1'\n")
    (root / "lessons").mkdir()
    notebook = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": lesson_text}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "lessons" / "01-lesson.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (root / "answers" / "key").mkdir(parents=True)
    escaped = rationale.replace('"', '""')
    (root / "answers" / "key" / "a.csv").write_text(
        f'learner,article_id,note\nkey,a,"{escaped}"\n', encoding="utf-8"
    )
    return root


RATIONALE = 'Loaded: "contemptuous" judges Putin\'s reply rather than reporting it.'


def test_release_leaves_out_learner_files(tmp_path):
    """Are annotations/, the remembered learner id and checkpoint copies left out?"""
    root = _fake_repo(tmp_path / "repo", "Read the article.", RATIONALE)
    (root / "annotations").mkdir()
    (root / "annotations" / "ana.csv").write_text("learner,note\nana,my private note\n")
    (root / "annotations" / ".learner").write_text("ana\n")
    checkpoints = root / "lessons" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    (checkpoints / "01-lesson-checkpoint.ipynb").write_text(
        (root / "lessons" / "01-lesson.ipynb").read_text()
    )
    out = tmp_path / "out"
    release(out, root=root)
    shipped = [p for p in out.rglob("*") if p.is_file()]
    assert not [p for p in shipped if "annotations" in p.parts or p.name == ".learner"]
    assert not [p for p in shipped if ".ipynb_checkpoints" in p.parts]
    assert not any("my private note" in p.read_text(errors="replace") for p in shipped)


@pytest.mark.parametrize("where", ["markdown", "code"])
def test_release_catches_a_rationale_with_quotes_inside_a_notebook(tmp_path, where):
    """A notebook is JSON, where a rationale's straight quotes appear as \\" : is the leak
    still caught? (Over a hundred key rationales contain straight quotes.)"""
    root = _fake_repo(tmp_path / "repo", "Read the article.", RATIONALE)
    notebook = json.loads((root / "lessons" / "01-lesson.ipynb").read_text())
    if where == "markdown":
        notebook["cells"].append(
            {"cell_type": "markdown", "metadata": {}, "source": f"Hint: {RATIONALE}"}
        )
    else:
        notebook["cells"].append(
            {
                "cell_type": "code",
                "metadata": {},
                "execution_count": None,
                "source": "print(hint)",
                "outputs": [],
                "attachments": {},
            }
        )
        notebook["cells"][-1]["source"] = f"hint = '''{RATIONALE}'''"
    (root / "lessons" / "02-leaky.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    assert '\\"contemptuous\\"' in (root / "lessons" / "02-leaky.ipynb").read_text()
    with pytest.raises(ReleaseError, match="leak"):
        release(tmp_path / "out", root=root)
    assert not (tmp_path / "out").exists()


def test_release_catches_a_rationale_in_an_html_file(tmp_path):
    """An exported report or a saved page in lessons/ is HTML: is a leak there caught?"""
    root = _fake_repo(tmp_path / "repo", "Read the article.", RATIONALE)
    plain = RATIONALE.replace('"', "")
    (root / "answers" / "key" / "b.csv").write_text(
        f'learner,article_id,note\nkey,b,"{plain} It is long enough."\n', encoding="utf-8"
    )
    (root / "lessons" / "class-report.html").write_text(
        f"<html><body><p>{plain} It is long enough.</p></body></html>", encoding="utf-8"
    )
    with pytest.raises(ReleaseError, match="leak"):
        release(tmp_path / "out", root=root)
