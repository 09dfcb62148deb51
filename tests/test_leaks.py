"""Does any answer text reach learners in any form: plain, JSON-escaped, HTML-escaped or
base64, in the release folder, its zip, its locked keys or the installed package?"""

from __future__ import annotations

import base64
import html
import json
import zipfile
from pathlib import Path

import pytest

import widgets
from widgets.classroom.release import ReleaseError, _answer_texts, leaked_answer_text, release
from widgets.paths import REPO_ROOT

from .classroom.test_release import RATIONALE, make_repo

ANSWERS = REPO_ROOT / "answers"


def test_the_real_release_zip_and_folder_hold_no_answer_text_in_any_form(tmp_path):
    assert _answer_texts(ANSWERS), "the real answers/ should hold rationales"
    zipped = release(tmp_path / "class.zip")
    assert zipped.locked is not None and zipped.locked.codes
    assert leaked_answer_text(tmp_path / "class.zip", ANSWERS) == []
    with zipfile.ZipFile(tmp_path / "class.zip") as archive:
        names = archive.namelist()
    assert any(n.endswith(".locked") for n in names)
    assert "rhetoric-lab/data/reflection-questions.yml" in names
    folder = tmp_path / "self-study"
    release(folder, self_study=True)
    assert leaked_answer_text(folder, ANSWERS) == []
    assert (folder / "keys" / "manifest.json").exists()


def test_the_installed_package_holds_no_answer_text_and_no_locked_keys():
    package = Path(widgets.__file__).parent
    assert leaked_answer_text(package, ANSWERS) == []
    assert not list(package.rglob("*.locked"))


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda t: t, id="plain"),
        pytest.param(lambda t: json.dumps(t)[1:-1], id="json-ascii-escapes"),
        pytest.param(lambda t: json.dumps(t, ensure_ascii=False)[1:-1], id="json"),
        pytest.param(lambda t: html.escape(t), id="html"),
        pytest.param(
            lambda t: "data:text/plain;base64," + base64.b64encode(t.encode()).decode(),
            id="base64",
        ),
        pytest.param(
            lambda t: base64.b64encode(("xy" + t + " and more").encode()).decode(),
            id="base64-mid-stream",
        ),
    ],
)
def test_an_answer_hidden_in_a_lesson_file_stops_the_release(tmp_path, form):
    root = make_repo(tmp_path / "repo")
    (root / "lessons" / "notes.txt").write_text(f"see: {form(RATIONALE)}\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match="would leak"):
        release(tmp_path / "out", root=root)
    assert not (tmp_path / "out").exists()


def test_an_answer_in_a_notebook_attachment_stops_the_release(tmp_path):
    root = make_repo(tmp_path / "repo")
    path = root / "lessons" / "01-lesson.ipynb"
    notebook = json.loads(path.read_text())
    notebook["cells"][0]["attachments"] = {
        "note.txt": {"text/plain": base64.b64encode(RATIONALE.encode()).decode()}
    }
    path.write_text(json.dumps(notebook))
    with pytest.raises(ReleaseError, match="01-lesson.ipynb"):
        release(tmp_path / "out.zip", root=root)
