"""The learning loop in a real JupyterLab: a learner in the released bundle labels a
sentence, types the teacher's code, sees that sentence's rationale and writes a
reflection; the teacher's report shows the reflection."""

from __future__ import annotations

import csv
import re
import shutil

import nbformat
import pytest

from tests.browser import lab, panel_ui
from tests.browser.conftest import VIEWPORT, Shots

pytestmark = pytest.mark.browser

ARTICLE = "ceasefire-coalition-momentum"
QUESTION = "two-careful-readers-may"
ANSWER = "Both: the codebook overlaps <here> & readers differ — “irony” cuts both ways."


def _notebook(folder):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Check as you go"),
        nbformat.v4.new_code_cell(
            f'from widgets import AnnotationPanel\nAnnotationPanel("{ARTICLE}")'
        ),
        nbformat.v4.new_code_cell(f'from widgets import SelfCheck\nSelfCheck("{ARTICLE}")'),
        nbformat.v4.new_code_cell(
            f'from widgets import Reflection\nReflection("{QUESTION}", debounce=0.3)'
        ),
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, folder / "loop.ipynb")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The learner release, made with `rhetoric-lab release` as an instructor would."""
    folder = tmp_path_factory.mktemp("release")
    printed = lab.rhetoric_lab("release", str(folder / "bundle"), cwd=folder)
    assert "unlock codes" in printed
    codes = dict(
        line.split(": ", 1)
        for line in (folder / "bundle-unlock-codes.txt").read_text().splitlines()
        if not line.startswith("#")
    )
    _notebook(folder / "bundle" / "lessons")
    return folder / "bundle", codes


@pytest.fixture(scope="module")
def server(tmp_path_factory, bundle):
    root, _codes = bundle
    workdir = tmp_path_factory.mktemp("loop-lab")
    # The bundle's lessons with its keys/ folder beside them, as a learner unzips it;
    # the kernel imports the bundle's own widgets/ (the release's package).
    shutil.copytree(root / "keys", workdir / "keys")
    started = lab.start_lab(workdir, lessons=root / "lessons", extra_env={"PYTHONPATH": str(root)})
    yield started
    started.stop()


def _key_rationale(sentence_id: str) -> str:
    with open(lab.REPO_ROOT / "answers" / "key" / f"{ARTICLE}.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["sentence_id"] == sentence_id and row["target"] == "":
                return row["note"]
    raise AssertionError(f"no key row for {sentence_id}")


def test_label_unlock_check_a_sentence_reflect_and_the_report_shows_it(
    browser, bundle, server, screenshot_dir, request, tmp_path
):
    root, codes = bundle
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    shots = Shots(page, screenshot_dir, request.node.name)
    try:
        lab.open_notebook(page, server, "loop.ipynb")
        lab.run_all_cells(page)
        # 1. Label the first sentence: one technique.
        button = panel_ui.technique_button(page)
        button.click()
        panel_ui.wait_pressed(page, button)
        rows = lab.wait_for_rows(server.label_file, lambda r: r["techniques"] == "loaded-language")
        sentence_id = rows[-1]["sentence_id"]
        shots("labelled")
        # 2. The self-check asks for the code: a wrong one first, then the teacher's.
        code_box = page.get_by_role("textbox", name="Unlock code")
        code_box.scroll_into_view_if_needed()
        assert "locked" in page.get_by_role("status").filter(has_text="locked").first.inner_text()
        code_box.fill("apple apple apple apple")
        page.get_by_role("button", name=re.compile("Unlock")).click()
        page.get_by_role("alert").filter(has_text="does not unlock").wait_for()
        code_box.fill(codes[ARTICLE])
        page.get_by_role("button", name=re.compile("Unlock")).click()
        check = page.get_by_role("button", name="Check this sentence")
        check.wait_for()
        shots("unlocked")
        # 3. Check the sentence just labelled: its rationale, and a reveal row.
        check.click()
        region = page.get_by_role("region", name=re.compile(r"Key for sentence 1"))
        region.wait_for()
        rationale = _key_rationale(sentence_id)
        assert rationale[:60] in region.inner_text()
        region.scroll_into_view_if_needed()
        shots("sentence-rationale")
        lab.wait_for_rows(
            server.label_file,
            lambda r: r["status"] == "revealed" and r["sentence_id"] == sentence_id,
        )
        # 4. A reflection, saved as the learner types.
        answer = page.get_by_role("textbox", name="Your answer")
        answer.scroll_into_view_if_needed()
        answer.fill(ANSWER)
        page.get_by_role("status").filter(has_text="saved at").wait_for()
        shots("reflection-saved")
        reflections = server.annotation_dir / f"{lab.LEARNER}.reflections.csv"
        assert ANSWER in reflections.read_text(encoding="utf-8")
    finally:
        context.close()
        lab.shutdown_sessions(server)

    # 5. The teacher: the learner's hand-in, collect and the report, opened offline.
    teacher = tmp_path / "teacher"
    teacher.mkdir()
    lab.rhetoric_lab("collect", str(server.annotation_dir), "--out", "class.csv", cwd=teacher)
    lab.rhetoric_lab("report", "class.csv", "--out", "report.html", "--salt", "s", cwd=teacher)
    context = browser.new_context(viewport=VIEWPORT)
    context.set_offline(True)
    page = context.new_page()
    shots = Shots(page, screenshot_dir, request.node.name + "-report")
    try:
        page.goto((teacher / "report.html").as_uri(), wait_until="load")
        section = page.locator("#reflections")
        section.scroll_into_view_if_needed()
        assert ANSWER in section.inner_text()  # as text: the markup is escaped
        assert section.locator("here").count() == 0
        assert "Model answer" in section.inner_text()
        assert page.locator("#reveals").count() == 1
        shots("report-reflections")
    finally:
        context.close()
