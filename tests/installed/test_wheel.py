"""Is the wheel the whole kit, with no answers in it, and does it work from a fresh venv
for a user with an empty home, writing nothing inside the environment?"""

from __future__ import annotations

import json
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.installed.conftest import snapshot, user_dirs
from tests.installed.smoke import LEARNER, manifest_lessons, run_smoke
from widgets import __version__
from widgets.classroom.release import leaked_answer_text
from widgets.paths import REPO_ROOT

pytestmark = pytest.mark.slow

# The instructor's files: never in anything a learner installs.
_INSTRUCTOR_ONLY = ("answers/", "90-instructor-guide.ipynb", "model-answers.yml")


def _extract_wheel(wheel: Path, into: Path) -> Path:
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(into)
    return into


def _extract_sdist(sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist) as archive:
        archive.extractall(into, filter="data")
    return into


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_the_wheel_and_sdist_carry_every_sub_package_data_file_and_learner_lesson(
    built_kit, tmp_path
):
    wheel = _extract_wheel(built_kit.wheel, tmp_path / "wheel")
    sdist = next(_extract_sdist(built_kit.sdist, tmp_path / "sdist").iterdir())
    for tree in (wheel, sdist):
        files = _files(tree)
        # Every sub-package, and every ES module and stylesheet beside a widget.
        for init in (REPO_ROOT / "widgets").rglob("__init__.py"):
            assert str(init.relative_to(REPO_ROOT)) in files, init
        for asset in [
            *(REPO_ROOT / "widgets").rglob("*.js"),
            *(REPO_ROOT / "widgets").rglob("*.css"),
        ]:
            assert str(asset.relative_to(REPO_ROOT)) in files, asset
        # Every data file (codebook, articles, raw texts, any *.yml added later).
        for data in (REPO_ROOT / "data").rglob("*"):
            if data.is_file():
                assert f"widgets/_kit/{data.relative_to(REPO_ROOT)}" in files, data
        lessons = sorted(f for f in files if f.startswith("widgets/_kit/lessons/"))
        expected = sorted(
            f"widgets/_kit/lessons/{p.name}"
            for p in (REPO_ROOT / "lessons").glob("*.ipynb")
            if json.loads(p.read_text(encoding="utf-8"))
            .get("metadata", {})
            .get("rhetoric_lab", {})
            .get("audience")
            != "instructor"
        )
        assert lessons == expected and len(lessons) >= 8
        assert not [f for f in files if any(marker in f for marker in _INSTRUCTOR_ONLY)]


def test_no_answer_text_is_in_any_file_of_the_wheel_or_the_sdist(built_kit, tmp_path):
    wheel = _extract_wheel(built_kit.wheel, tmp_path / "wheel")
    sdist = _extract_sdist(built_kit.sdist, tmp_path / "sdist")
    answers = REPO_ROOT / "answers"
    assert (answers / "key").is_dir(), "the checkout's answer key is what is searched for"
    assert leaked_answer_text(wheel, answers) == []
    assert leaked_answer_text(sdist, answers) == []
    for tree in (wheel, sdist):
        for path in tree.rglob("*.ipynb"):
            text = path.read_text(encoding="utf-8")
            assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, path


def test_the_installed_kit_works_from_an_empty_home_and_writes_only_there(kit_venv, tmp_path):
    home, cwd = user_dirs(tmp_path)
    site = kit_venv.site_packages()
    before = snapshot(kit_venv.root)

    version = kit_venv.run("rhetoric-lab", "--version", home=home, cwd=cwd).stdout
    assert version.strip() == f"rhetoric-lab {__version__}"
    result = run_smoke(kit_venv, home, cwd)

    # rhetoric-lab lessons: the learner lessons, in the learner's home, with a manifest.
    assert "added     01-opinion-essay.ipynb" in result.lessons_output
    copied = manifest_lessons(home)
    assert "00-start-here.ipynb" in copied and "90-instructor-guide.ipynb" not in copied
    # rhetoric-lab where: the installed layout, data inside the package, files in ~.
    assert result.where.startswith(f"rhetoric-lab {__version__} (installed: {site / 'widgets'})")
    assert f"data          {site / 'widgets' / '_kit' / 'data'}" in result.where
    assert "annotations   ~/rhetoric-lab/annotations  [default for an installed kit" in result.where
    assert f"learner       {LEARNER}  [set by RHETORIC_LAB_LEARNER]" in result.where
    assert "codebook      version " in result.where
    # Lesson 01 ran headless; its panel saved the label in ~/rhetoric-lab/annotations.
    label_file = home / "rhetoric-lab" / "annotations" / f"{LEARNER}.csv"
    assert f"SAVE-PATH {label_file}" in result.label_output
    assert f"~/rhetoric-lab/annotations/{LEARNER}.csv" in result.label_output  # shown
    assert len(label_file.read_text(encoding="utf-8").splitlines()) >= 2  # header + label
    # The instructor's commands on the learner plus four simulated ones.
    assert result.class_learners == {LEARNER, "sim-0001", "sim-0002", "sim-0003", "sim-0004"}
    assert "5 learners" in result.report_output
    assert (cwd / "report.html").stat().st_size > 100_000

    # Commands that would write into the package, or need the answer key, refuse.
    for command, says in (
        (["build-articles"], "is inside the package and is not changed"),
        (["release", "learners.zip"], "run it from a checkout"),
    ):
        done = subprocess.run(
            [str(kit_venv.bin / "rhetoric-lab"), *command],
            cwd=cwd,
            env=kit_venv.env(home),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2 and says in done.stderr, (command, done.stderr)

    # Nothing written inside the environment (site-packages included).
    assert snapshot(kit_venv.root) == before
    written = {str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()}
    assert all(
        w.startswith(("rhetoric-lab/", ".local/", ".ipython/", ".cache/")) for w in written
    ), written
