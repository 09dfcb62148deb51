"""Do the lessons work for a learner in a real JupyterLab: labelling with the mouse and the
keyboard saves to the CSV, notebook shortcuts stay quiet while the panel has the keys,
labels come back after a kernel restart, and Notebook 7 works too?"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from tests.browser import lab
from tests.browser import panel_ui as ui

pytestmark = pytest.mark.browser

START_HERE = "00-start-here.ipynb"
LOADED_LANGUAGE = "loaded-language"
DIRECT_QUOTATION = "direct-quotation"  # codebook key "q"


def _panel_article(notebook: Path) -> str | None:
    """The article id of the notebook's first ``AnnotationPanel("...")`` call."""
    for cell in nbformat.read(notebook, as_version=4).cells:
        found = re.search(r"AnnotationPanel\(\s*[\"']([^\"']+)[\"']", cell.source)
        if cell.cell_type == "code" and found:
            return found.group(1)
    return None


def _article_lesson() -> tuple[str, str]:
    """(file name, article id) of the first article lesson (01–05) with a panel."""
    for notebook in sorted((lab.REPO_ROOT / "lessons").glob("0[1-5]-*.ipynb")):
        article = _panel_article(notebook)
        if article:
            return notebook.name, article
    raise AssertionError("no lesson 01–05 calls AnnotationPanel(...)")


ARTICLE_LESSON, ARTICLE = _article_lesson()


def _techniques(row: dict) -> set[str]:
    return set(filter(None, row["techniques"].split(";")))


def _open_and_run(page, server, notebook: str, *, ui_name: str = "lab") -> None:
    lab.open_notebook(page, server, notebook, ui=ui_name)
    lab.run_all_cells(page, timeout=180)
    ui.technique_button(page).wait_for(state="visible", timeout=60_000)


def _click_technique_and_expect_row(page, server, article: str) -> dict:
    """Click "Loaded language"; the CSV gains a technique row that has (or, if it was
    pressed, no longer has) loaded-language, and the toggle flips."""
    button = ui.technique_button(page)
    was_pressed = ui.is_pressed(button)
    before = len(lab.read_rows(server.label_file))
    button.click()
    (row,) = lab.wait_for_rows(
        server.label_file,
        lambda r: (
            r["article_id"] == article
            and r["target"] == ""
            and (LOADED_LANGUAGE in _techniques(r)) != was_pressed
        ),
        after=before,
        what=f"technique row for {article} after clicking Loaded language",
    )[-1:]
    assert row["learner"] == lab.LEARNER
    assert row["status"] == "set"
    ui.wait_pressed(page, button, not was_pressed)
    return row


def _click_stance_and_expect_row(page, server, article: str) -> dict:
    """Click a stance of the first target that is not already chosen; expect its row."""
    for stance in ("Against", "Favor", "None"):
        button = ui.stance_button(page, stance)
        if not ui.is_pressed(button):
            break
    before = len(lab.read_rows(server.label_file))
    button.click()
    (row,) = lab.wait_for_rows(
        server.label_file,
        lambda r: (
            r["article_id"] == article and r["target"] != "" and r["stance"] == stance.lower()
        ),
        after=before,
        what=f"stance row '{stance}' for {article}",
    )[-1:]
    ui.wait_pressed(page, button, True)
    return row


def test_start_here_labels_with_the_mouse(page, lab_server, shots):
    """In lesson 00, does the learner see their id, and do clicks on a technique and a
    stance each save a row to their CSV?"""
    _open_and_run(page, lab_server, START_HERE)
    article = _panel_article(lab_server.root_dir / START_HERE)
    assert page.get_by_text(lab.LEARNER).first.is_visible(), "learner id not shown"
    shots("lesson-00-run")
    ui.panel(page).scroll_into_view_if_needed()
    technique_row = _click_technique_and_expect_row(page, lab_server, article)
    stance_row = _click_stance_and_expect_row(page, lab_server, article)
    assert stance_row["sentence_id"] == technique_row["sentence_id"]
    shots("panel-mid-labelling")
    assert not page.outside_requests, page.outside_requests


def test_keyboard_labels_and_notebook_shortcuts_stay_quiet(page, lab_server, shots):
    """Once the panel has the keys, do codebook keys, f and j label and move, while
    JupyterLab's command-mode keys (a, b, m, y, x, c, v, z, d d, 0 0, i i, Shift+Enter)
    neither change any cell nor restart or interrupt the kernel?"""
    _open_and_run(page, lab_server, ARTICLE_LESSON)
    panel = ui.panel(page)
    panel.scroll_into_view_if_needed()
    ui.watch_kernel_restarts(page)
    cells_before = ui.cell_state(page)
    # Keys go to the panel once the learner has clicked it (its keyboard bar).
    ui.focus_keys(page)
    button = ui.technique_button(page)
    was_pressed = ui.is_pressed(button)
    before = len(lab.read_rows(lab_server.label_file))
    page.keyboard.press("0")  # Loaded language
    lab.wait_for_rows(
        lab_server.label_file,
        lambda r: (
            r["article_id"] == ARTICLE
            and r["target"] == ""
            and (LOADED_LANGUAGE in _techniques(r)) != was_pressed
        ),
        after=before,
        what="technique row after pressing 0",
    )
    ui.wait_pressed(page, button, not was_pressed)
    before = len(lab.read_rows(lab_server.label_file))
    page.keyboard.press("f")  # favor, first target
    lab.wait_for_rows(
        lab_server.label_file,
        lambda r: r["article_id"] == ARTICLE and r["target"] != "" and r["stance"] == "favor",
        after=before,
        what="stance row 'favor' after pressing f",
    )
    shots("keyboard-labelled")
    text_before = ui.panel_text(page)
    page.keyboard.press("j")  # next sentence
    page.wait_for_function(
        "([el, old]) => el.innerText !== old",
        arg=[panel.element_handle(), text_before],
        timeout=15_000,
    )
    before = len(lab.read_rows(lab_server.label_file))
    page.keyboard.press("q")  # Direct or partial quotation, on the new sentence
    (quoted,) = lab.wait_for_rows(
        lab_server.label_file,
        lambda r: r["article_id"] == ARTICLE and r["target"] == "",
        after=before,
        what="technique row after j then q",
    )[-1:]
    assert DIRECT_QUOTATION in _techniques(quoted) or quoted["techniques"] == ""

    # Keys JupyterLab binds in command mode; some are also codebook keys (m, v, x, 0, i)
    # and may label, but none may reach the notebook.
    for key in ["a", "b", "m", "y", "x", "c", "v", "z", "d", "d", "0", "0", "i", "i"]:
        page.keyboard.press(key)
    page.keyboard.press("Shift+Enter")
    # Let the panel's own key handling settle before comparing (labels saved, idle).
    lab.wait_kernel_idle(page)
    shots("after-shortcut-keys")
    assert ui.kernel_calls(page) == {"restart": 0, "interrupt": 0, "dialogs": 0}
    after = ui.cell_state(page)
    assert after["cells"] == cells_before["cells"], "a shortcut key changed the notebook"
    assert len(after["cells"]) == len(cells_before["cells"])


def test_keys_after_clicking_a_panel_button_and_moving_away(page, lab_server, shots):
    """After clicking a panel button and moving the mouse off the panel (focus stays on
    the button), do command-mode keys still leave the notebook's cells alone?"""
    _open_and_run(page, lab_server, ARTICLE_LESSON)
    ui.panel(page).scroll_into_view_if_needed()
    _click_technique_and_expect_row(page, lab_server, ARTICLE)
    ui.watch_kernel_restarts(page)
    cells_before = ui.cell_state(page)
    # Move to the notebook's toolbar row: off the panel, nothing to click.
    toolbar = page.locator(".jp-NotebookPanel-toolbar").first.bounding_box()
    page.mouse.move(toolbar["x"] + toolbar["width"] * 0.6, toolbar["y"] + toolbar["height"] / 2)
    focused = page.evaluate("document.activeElement.outerHTML.slice(0, 160)")
    for key in ["a", "b", "m", "x", "d", "d"]:
        page.keyboard.press(key)
    lab.wait_kernel_idle(page)
    shots("keys-with-mouse-away")
    after = ui.cell_state(page)
    assert after["cells"] == cells_before["cells"], (
        f"with focus on {focused} and the mouse off the panel, command-mode keys changed "
        f"the notebook: {len(cells_before['cells'])} cells before, {len(after['cells'])} after"
    )
    assert ui.kernel_calls(page) == {"restart": 0, "interrupt": 0, "dialogs": 0}


def _progress(page) -> str:
    found = re.search(r"\d+ of \d+ sentences labelled", ui.panel_text(page))
    assert found, "the panel shows no progress text"
    return found.group(0)


def test_labels_come_back_after_a_kernel_restart(page, lab_server, shots):
    """After a kernel restart and a fresh run, does the new panel show the labels saved
    before (same progress text, the labelled toggle in the same state)?"""
    _open_and_run(page, lab_server, ARTICLE_LESSON)
    ui.panel(page).scroll_into_view_if_needed()
    row = _click_technique_and_expect_row(page, lab_server, ARTICLE)
    pressed = LOADED_LANGUAGE in _techniques(row)
    progress_before = _progress(page)
    lab.restart_kernel(page)
    lab.run_all_cells(page, timeout=180)
    ui.technique_button(page).wait_for(state="visible", timeout=60_000)
    ui.panel(page).scroll_into_view_if_needed()
    shots("after-restart")
    assert _progress(page) == progress_before
    # The new panel may open at another sentence; walk to the labelled one.
    wanted = _position(row["sentence_id"])
    panel = ui.panel(page)
    for _step in range(200):
        shown = _shown_position(page)
        if shown == wanted:
            break
        old = panel.inner_text()
        ui.nav_button(page, "Previous" if wanted < shown else "Next").click()
        page.wait_for_function(
            "([el, old]) => el.innerText !== old", arg=[panel.element_handle(), old]
        )
    else:
        raise AssertionError(f"could not reach sentence {row['sentence_id']} in the panel")
    ui.wait_pressed(page, ui.technique_button(page), pressed)
    shots("label-restored")


def _position(sentence_id: str) -> int:
    return int(sentence_id.rsplit("-", 1)[1])


def _shown_position(page) -> int:
    """The article's sentence number the panel shows ("sentence 3 of 51", "3 / 51")."""
    text = ui.panel_text(page)
    # In the core set the panel says both: "sentence 2 of 18 in the core set (sentence 5
    # of the article)"; the article's number is the one sentence ids carry.
    found = re.search(r"sentence (\d+) of the article", text)
    found = (
        found
        or re.search(r"[Ss]entence\s+(\d+)\s*(?:of|/)\s*\d+", text)
        or re.search(r"(\d+)\s*/\s*\d+", text)
    )
    assert found, f"the panel does not say which sentence it shows: {text[:300]!r}"
    return int(found.group(1))


def test_notebook_7_labels_a_sentence(page, lab_server, shots):
    """Does the same lesson work in Notebook 7 (/notebooks/...): one click, one row; one
    key, one row; and Notebook 7's command-mode keys (which it matches in the capture
    phase) leave the cells alone?"""
    _open_and_run(page, lab_server, START_HERE, ui_name="notebook")
    article = _panel_article(lab_server.root_dir / START_HERE)
    ui.panel(page).scroll_into_view_if_needed()
    _click_technique_and_expect_row(page, lab_server, article)
    shots("notebook7-clicked")
    ui.focus_keys(page)
    button = ui.technique_button(page)
    was_pressed = ui.is_pressed(button)
    cells_before = ui.cell_state(page)
    before = len(lab.read_rows(lab_server.label_file))
    page.keyboard.press("0")
    lab.wait_for_rows(
        lab_server.label_file,
        lambda r: (
            r["article_id"] == article
            and r["target"] == ""
            and (LOADED_LANGUAGE in _techniques(r)) != was_pressed
        ),
        after=before,
        what="technique row after pressing 0 in Notebook 7",
    )
    for key in ["a", "b", "m", "y", "c", "v", "z", "d", "d"]:
        page.keyboard.press(key)
    page.keyboard.press("Shift+Enter")
    lab.wait_kernel_idle(page)
    shots("notebook7-after-keys")
    assert ui.cell_state(page)["cells"] == cells_before["cells"], (
        "a command-mode key changed the notebook in Notebook 7"
    )
    assert not page.outside_requests, page.outside_requests


def _self_check(page):
    return (
        page.locator(".jp-OutputArea-output")
        .filter(has=page.get_by_role("button", name=re.compile(r"Check again")))
        .first
    )


def _labelled_count(text: str) -> int:
    found = re.search(r"labelled (\d+) of (\d+)", text)
    assert found, f"the self-check does not say how many sentences are labelled: {text!r}"
    return int(found.group(1))


#: The panel's "sentence 12 of 48, paragraph 4" (or the summary's equivalent).
_POSITION = re.compile(
    r"^(sentence \d+ of \d+( in the core set \(sentence \d+ of the article\))?, paragraph \d+"
    r"|article summary \(after.*\))$"
)


def test_self_check_counts_a_fully_labelled_sentence_and_reveals_the_key(page, lab_server, shots):
    """After labelling one sentence completely (a technique and a stance toward every
    target), does "Check again" count it, and does "Reveal anyway" show the comparison?"""
    _open_and_run(page, lab_server, ARTICLE_LESSON)
    check = _self_check(page)
    check.wait_for(state="visible")
    # The reflection boxes below it leave the self-check off screen after "Run all", and
    # JupyterLab does not lay out text that is off screen: bring it in, then read.
    check.scroll_into_view_if_needed()
    expect(check).to_contain_text(re.compile(r"labelled \d+ of \d+"), timeout=15_000)
    before = _labelled_count(check.text_content())
    ui.panel(page).scroll_into_view_if_needed()
    where = ui.panel(page).get_by_text(_POSITION)
    old = where.inner_text(timeout=15_000)
    ui.nav_button(page, "Next unlabelled").click()
    # The move happens in the kernel: wait for it, or the buttons read below may still be
    # the previous sentence's (which an earlier test may have labelled fully: then nothing
    # is clicked, and "Check again" has nothing new to count).
    expect(where).not_to_have_text(old, timeout=15_000)
    button = ui.technique_button(page)
    if not ui.is_pressed(button):
        button.click()
        ui.wait_pressed(page, button, True)
    targets = ui.panel(page).get_by_role("radiogroup", name=re.compile("Stance toward")).count()
    assert targets >= 1
    rows_before = len(lab.read_rows(lab_server.label_file))
    clicked = 0
    for index in range(targets):
        stance = ui.stance_button(page, "Against", target_index=index)
        if not ui.is_pressed(stance):
            stance.click()
            clicked += 1
            ui.wait_pressed(page, stance, True)
    if clicked:  # wait for every new row, or "Check again" may race the last save
        lab.wait_for_rows(
            lab_server.label_file,
            lambda r: r["article_id"] == ARTICLE and r["stance"] == "against",
            after=rows_before,
            count=clicked,
            what="the stance rows of the fully labelled sentence",
        )
    check.scroll_into_view_if_needed()
    check.get_by_role("button", name=re.compile(r"Check again")).click()
    # The output is redrawn in steps (cleared, then written): wait for the new count
    # itself, not for the first change of text.
    expect(check).to_contain_text(re.compile(rf"labelled {before + 1} of \d+"), timeout=15_000)
    assert _labelled_count(check.text_content()) == before + 1
    check.get_by_role("button", name="Reveal anyway").click()
    check.get_by_text("against the answer key").wait_for(state="visible")
    assert check.locator("table").count() >= 1, "no comparison table after Reveal anyway"
    shots("self-check-revealed")
