"""Does `rhetoric-lab lessons` give learners the learner lessons, update the ones they did
not edit, keep the ones they did, and refuse bad folders without losing anything?"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from widgets.classroom.learner_lessons import (
    MANIFEST_NAME,
    copy_lessons,
    sources_fingerprint,
)
from widgets.cli import main
from widgets.paths import REPO_ROOT


def notebook(*sources: str) -> dict:
    return {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": s,
                "outputs": [],
                "execution_count": None,
            }
            for s in sources
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write(folder: Path, name: str, nb: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def run_lesson(path: Path) -> None:
    """What running a lesson does to its file: outputs, counts, metadata; no source edit."""
    nb = read(path)
    for number, cell in enumerate(nb["cells"], start=1):
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "ran"}]
        cell["execution_count"] = number
        cell["metadata"]["scrolled"] = True
    nb["metadata"]["widgets"] = {"state": {}}
    path.write_text(json.dumps(nb), encoding="utf-8")


@pytest.fixture
def kit_v1(tmp_path):
    source = tmp_path / "kit-v1"
    write(source, "01-one.ipynb", notebook("import widgets", "print(1)"))
    write(source, "02-two.ipynb", notebook("print(2)"))
    write(source, "03-three.ipynb", notebook("print(3)"))
    return source


def test_outputs_and_counts_do_not_change_the_fingerprint_but_sources_do():
    nb = notebook("a = 1")
    ran = json.loads(json.dumps(nb))
    ran["cells"][0].update(outputs=[{"output_type": "stream", "text": "x"}], execution_count=7)
    ran["metadata"]["kernelspec"] = {"name": "python3"}
    assert sources_fingerprint(ran) == sources_fingerprint(nb)
    assert sources_fingerprint(notebook("a = 2")) != sources_fingerprint(nb)
    as_lines = notebook("a = 1\n", "b")
    as_lines["cells"][0]["source"] = ["a = 1\n"]
    assert sources_fingerprint(as_lines) == sources_fingerprint(notebook("a = 1\n", "b"))


def test_first_copy_adds_every_lesson_and_writes_a_manifest(tmp_path, kit_v1):
    dest = tmp_path / "home" / "rhetoric-lab" / "lessons"
    result = copy_lessons(dest, source=kit_v1, version="1.0")
    assert [a.action for a in result.actions] == ["added"] * 3
    assert sorted(p.name for p in dest.glob("*.ipynb")) == [
        "01-one.ipynb",
        "02-two.ipynb",
        "03-three.ipynb",
    ]
    manifest = json.loads((dest / MANIFEST_NAME).read_text())
    assert manifest["version"] == "1.0"
    assert manifest["lessons"]["02-two.ipynb"]["sources"] == sources_fingerprint(
        read(kit_v1 / "02-two.ipynb")
    )
    assert stat.S_IMODE((dest / "01-one.ipynb").stat().st_mode) & 0o044  # readable, not 0600
    assert not list(dest.glob(".*.tmp"))


def test_a_second_run_updates_run_lessons_keeps_edited_ones_and_adds_new(tmp_path, kit_v1):
    dest = tmp_path / "lessons"
    copy_lessons(dest, source=kit_v1, version="1.0")
    run_lesson(dest / "01-one.ipynb")  # ran, not edited: may be replaced by a fix
    edited = read(dest / "02-two.ipynb")
    edited["cells"][0]["source"] = "print(2)  # my own note"
    (dest / "02-two.ipynb").write_text(json.dumps(edited))
    (dest / "03-three.ipynb").unlink()  # deleted by mistake

    kit_v2 = tmp_path / "kit-v2"
    write(kit_v2, "01-one.ipynb", notebook("import widgets", "print('fixed')"))
    write(kit_v2, "02-two.ipynb", notebook("print('two, fixed')"))
    write(kit_v2, "03-three.ipynb", notebook("print(3)"))
    write(kit_v2, "04-four.ipynb", notebook("print(4)"))
    result = copy_lessons(dest, source=kit_v2, version="2.0")

    actions = {a.lesson: (a.action, a.beside) for a in result.actions}
    assert actions == {
        "01-one.ipynb": ("updated", None),
        "02-two.ipynb": ("kept", "02-two.kit-2.0.ipynb"),
        "03-three.ipynb": ("restored", None),
        "04-four.ipynb": ("added", None),
    }
    assert read(dest / "01-one.ipynb")["cells"][1]["source"] == "print('fixed')"
    assert read(dest / "02-two.ipynb")["cells"][0]["source"] == "print(2)  # my own note"
    assert read(dest / "02-two.kit-2.0.ipynb")["cells"][0]["source"] == "print('two, fixed')"
    text = result.describe()
    assert "kept      02-two.ipynb: you edited it" in text and "02-two.kit-2.0.ipynb" in text

    # Run again: nothing new, the learner's edit still kept, no second copy beside it.
    again = copy_lessons(dest, source=kit_v2, version="2.0")
    assert {a.lesson: a.action for a in again.actions}["02-two.ipynb"] == "kept"
    assert len(list(dest.glob("02-two*.ipynb"))) == 2
    assert read(dest / "02-two.ipynb")["cells"][0]["source"] == "print(2)  # my own note"


def test_a_run_lesson_at_the_same_version_is_left_alone_with_its_outputs(tmp_path, kit_v1):
    dest = tmp_path / "lessons"
    copy_lessons(dest, source=kit_v1, version="1.0")
    run_lesson(dest / "01-one.ipynb")
    before = (dest / "01-one.ipynb").read_bytes()
    result = copy_lessons(dest, source=kit_v1, version="1.0")
    assert {a.action for a in result.actions} == {"unchanged"}
    assert (dest / "01-one.ipynb").read_bytes() == before


def test_a_file_of_the_same_name_without_a_manifest_is_the_learners(tmp_path, kit_v1):
    dest = tmp_path / "lessons"
    mine = write(dest, "01-one.ipynb", notebook("my own work"))
    result = copy_lessons(dest, source=kit_v1, version="1.0")
    assert result.actions[0].action == "kept"
    assert read(mine)["cells"][0]["source"] == "my own work"
    assert (dest / "01-one.kit-1.0.ipynb").exists()


def test_a_damaged_manifest_is_reported_and_every_existing_lesson_kept(tmp_path, kit_v1):
    dest = tmp_path / "lessons"
    copy_lessons(dest, source=kit_v1, version="1.0")
    (dest / MANIFEST_NAME).write_text("{not json")
    kit_v2 = tmp_path / "kit-v2"
    write(kit_v2, "01-one.ipynb", notebook("changed"))
    result = copy_lessons(dest, source=kit_v2, version="2.0")
    assert "could not be read" in result.describe()
    assert read(dest / "01-one.ipynb")["cells"][0]["source"] == "import widgets"
    assert (dest / "01-one.kit-2.0.ipynb").exists()
    assert json.loads((dest / MANIFEST_NAME).read_text())["version"] == "2.0"


# -- bad input, through the command ---------------------------------------------------


def test_lessons_into_a_file_path_is_refused_and_the_file_kept(tmp_path, capsys):
    target = tmp_path / "notes.ipynb"
    target.write_text("my notes")
    assert main(["lessons", str(target)]) == 2
    error = capsys.readouterr().err
    assert f"{target} is a file, not a folder" in error and "nothing was changed" in error
    assert target.read_text() == "my notes"
    assert main(["lessons", str(target / "inside")]) == 2
    assert "is a file" in capsys.readouterr().err


def _read_only_run(dest: Path) -> subprocess.CompletedProcess:
    """Run the command into ``dest`` as a user who cannot write there. As root the
    permission bits are ignored, so the command runs as ``nobody`` instead."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HOME": str(dest.parent)}
    command = [sys.executable, "-m", "widgets.cli", "lessons", str(dest)]
    if os.geteuid() == 0:
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_lessons_into_a_read_only_folder_says_so_and_changes_nothing():
    if os.geteuid() == 0:
        assert shutil.which("setpriv"), "setpriv (util-linux) runs the command as nobody"
    # Not pytest's tmp_path: as root it is private to root, and nobody must reach it.
    scratch = Path(tempfile.mkdtemp(prefix="rhetoric-lab-readonly-"))
    try:
        scratch.chmod(0o755)
        dest = scratch / "lessons"
        dest.mkdir()
        mine = write(dest, "01-opinion-essay.ipynb", notebook("my edited copy"))
        dest.chmod(0o555)
        before = sorted(p.name for p in dest.iterdir())
        done = _read_only_run(dest)
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"cannot write lessons into {dest}" in done.stderr
        assert "Permission denied" in done.stderr and "nothing was changed" in done.stderr
        assert sorted(p.name for p in dest.iterdir()) == before
        assert read(mine)["cells"][0]["source"] == "my edited copy"
    finally:
        (scratch / "lessons").chmod(0o755)
        shutil.rmtree(scratch)


def test_lessons_from_the_checkout_are_the_learner_lessons(tmp_path, capsys):
    dest = tmp_path / "lessons"
    assert main(["lessons", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "added     01-opinion-essay.ipynb" in out and "00-start-here.ipynb" in out
    copied = sorted(p.name for p in dest.glob("*.ipynb"))
    sources = sorted(p.name for p in (REPO_ROOT / "lessons").glob("*.ipynb"))
    assert copied == [n for n in sources if n != "90-instructor-guide.ipynb"]
    assert "BEGIN SOLUTION" not in (dest / "04-reliability-and-verification.ipynb").read_text()


def test_lessons_into_a_folder_with_an_edited_copy_keeps_it(tmp_path, capsys):
    dest = tmp_path / "lessons"
    assert main(["lessons", str(dest)]) == 0
    lesson = dest / "01-opinion-essay.ipynb"
    edited = read(lesson)
    edited["cells"][0]["source"] = "My answer: the writer uses an analogy."
    lesson.write_text(json.dumps(edited))
    manifest = json.loads((dest / MANIFEST_NAME).read_text())
    manifest["lessons"]["01-opinion-essay.ipynb"]["sources"] = "an older kit's lesson"
    (dest / MANIFEST_NAME).write_text(json.dumps(manifest))
    capsys.readouterr()
    assert main(["lessons", str(dest)]) == 0
    out = capsys.readouterr().out
    assert "kept      01-opinion-essay.ipynb: you edited it, so it stays as yours" in out
    assert read(lesson)["cells"][0]["source"] == "My answer: the writer uses an analogy."
    beside = list(dest.glob("01-opinion-essay.kit-*.ipynb"))
    assert len(beside) == 1 and beside[0].name in out
