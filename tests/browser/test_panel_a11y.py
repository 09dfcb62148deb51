"""Can a learner label with the keyboard alone, and could a screen reader tell what is
chosen, in JupyterLab and Notebook 7? Does the panel fit one school-laptop screen, reflow
at 200% zoom, and pass axe-core at WCAG 2.2 A/AA?

Each test opens its own small notebook (the panel for one article, as a learner of its
own), so labels from other tests never decide what the panel shows.
"""

from __future__ import annotations

import re
from collections import Counter

import nbformat
import pytest

from tests.browser import lab
from tests.browser import panel_ui as ui
from tests.browser.conftest import update_readme_image
from widgets.content.codebook import load_codebook
from widgets.content.corpus import load_corpus

pytestmark = pytest.mark.browser

CORPUS = load_corpus()
CODEBOOK = load_codebook(corpus=CORPUS)
SHORT = "ceasefire-coalition-momentum"  # 20 sentences, the lesson 00 article
LESSON_01 = "when-will-starmer-talk-to-putin"  # its paragraph 17 is the longest
SAVED = r"saved \d\d:\d\d:\d\d"


def _longest_paragraph_end(article_id: str) -> int:
    """Index of the last sentence of the article's longest paragraph (by characters)."""
    sentences = CORPUS.article(article_id).sentences
    lengths = Counter()
    for sentence in sentences:
        lengths[sentence.paragraph] += len(sentence.text)
    paragraph = lengths.most_common(1)[0][0]
    return max(i for i, s in enumerate(sentences) if s.paragraph == paragraph)


def _notebook(
    server, name: str, panels: list[tuple[str, int | None]], learner: str, *, label=False
) -> str:
    """A notebook with one panel cell per (article, sentence index); returns its path.

    ``label=True`` saves a technique and a stance on that sentence first, so the status
    line shows its longest everyday text ("Against toward …: saved …").
    """
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell(f"# {name}")]
    for number, (article, index) in enumerate(panels):
        move = f"panel_{number}.move({index})\n" if index is not None else ""
        if label:
            move += (
                f"panel_{number}.choose_technique('loaded-language', on=True)\n"
                f"panel_{number}.set_stance('against')\n"
            )
        notebook.cells.append(
            nbformat.v4.new_code_cell(
                "from widgets import AnnotationPanel\n"
                f"panel_{number} = AnnotationPanel({article!r}, learner={learner!r})\n"
                f"{move}panel_{number}"
            )
        )
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = f"{name}.ipynb"
    nbformat.write(notebook, server.root_dir / path)
    return path


def _open(page, server, path: str, ui_name: str) -> None:
    lab.open_notebook(page, server, path, ui=ui_name)
    lab.run_all_cells(page, timeout=180)
    ui.technique_button(page).wait_for(state="visible", timeout=60_000)


def _rows(server, learner: str) -> list[dict]:
    return lab.read_rows(server.annotation_dir / f"{learner}.csv")


def _wait_row(server, learner: str, before: int, match, what: str) -> dict:
    return lab.wait_for_rows(
        server.annotation_dir / f"{learner}.csv", match, after=before, what=what
    )[-1]


_FOCUS = """() => {
  const a = document.activeElement;
  const panel = document.querySelector('section.rl-panel');
  const group = a.closest('[role=radiogroup]');
  // The words a screen reader says: the text without the aria-hidden key hints.
  const clone = a.cloneNode(true);
  clone.querySelectorAll('[aria-hidden=true]').forEach((n) => n.remove());
  return {inside: Boolean(panel && panel.contains(a)), tag: a.tagName,
          type: a.type || '', name: (clone.textContent || '').trim(),
          group: group ? group.textContent.trim() : ''};
}"""


def _focus(page) -> dict:
    return page.evaluate(_FOCUS)


def _tab_into_panel(page, *, limit: int = 8) -> dict:
    """From the notebook in command mode, press Tab until focus is inside the panel."""
    page.keyboard.press("Escape")
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = _focus(page)
        if focused["inside"]:
            return focused
    raise AssertionError(f"{limit} Tabs from the notebook did not reach the panel")


def _tab_to(page, name: str, *, backwards: bool = False, limit: int = 40) -> None:
    """Press Tab (or Shift+Tab) until the focused control is called ``name``."""
    for _ in range(limit):
        if _stop_name(_focus(page)) == name:
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{limit} presses of Tab did not reach {name!r}")


def _expected_tab_stops(targets: int) -> list[str]:
    stops = ["No technique"]
    stops += [t.name for c in CODEBOOK.categories for t in CODEBOOK.techniques_in(c.id)]
    stops.append("What do they mean?")  # what favor, against and none mean per target
    stops += ["radio"] * targets
    stops += ["◀ Previous", "Next ▶", "Next unlabelled", "Summary", "Undo", "Help"]
    stops.append("More: confidence, a note, jump to a sentence, my labels")
    return stops


def _stop_name(focused: dict) -> str:
    return "radio" if focused["type"] == "radio" else focused["name"]


def test_keyboard_only_in_jupyterlab(page, lab_server, shots):
    """With the keyboard alone in JupyterLab: Tab into the panel, walk the documented Tab
    order and out again (no trap), toggle with Space and with keys, choose a stance with
    Space and the arrow keys (the arrows stay in the radio group), move with j and ←/→
    outside a radio group, undo, reach the summary and choose a frame; is every change in
    the CSV, announced in the live region, and readable as a role and state, while
    JupyterLab's own shortcuts never run?"""
    learner = "keyboard-lab"
    page.set_viewport_size({"width": 1366, "height": 768})
    path = _notebook(lab_server, "keyboard-lab", [(SHORT, None)], learner)
    _open(page, lab_server, path, "lab")
    ui.watch_kernel_restarts(page)
    cells_before = ui.cell_state(page)
    article = CORPUS.article(SHORT)
    total = len(article.sentences)

    # Tab order, once round: every stop in the documented order, then out of the panel.
    first = _tab_into_panel(page)
    stops = [_stop_name(first)]
    for _ in range(len(_expected_tab_stops(len(article.targets))) - 1):
        page.keyboard.press("Tab")
        stops.append(_stop_name(_focus(page)))
    assert stops == _expected_tab_stops(len(article.targets))
    page.keyboard.press("Tab")
    assert not _focus(page)["inside"], "Tab after the last control must leave the panel"
    page.keyboard.press("Shift+Tab")
    assert _focus(page)["inside"], "Shift+Tab must come back into the panel"

    # Back to the first toggle: Space presses the focused toggle (a click by keyboard).
    first_technique = CODEBOOK.techniques[0]
    _tab_to(page, first_technique.name, backwards=True)
    before = len(_rows(lab_server, learner))
    page.keyboard.press("Space")
    row = _wait_row(
        lab_server,
        learner,
        before,
        lambda r: r["techniques"] == first_technique.id,
        "the first technique's row after Space",
    )
    assert row["sentence_id"] == f"{SHORT}-001"
    ui.panel(page).get_by_role(
        "button", name=first_technique.name, pressed=True, exact=True
    ).wait_for()
    ui.wait_live(page, rf"^{re.escape(first_technique.name)} on: {SAVED}\. 0 of {total}")

    # A technique key; then undo it.
    before = len(_rows(lab_server, learner))
    page.keyboard.press("0")
    _wait_row(
        lab_server,
        learner,
        before,
        lambda r: "loaded-language" in r["techniques"].split(";"),
        "loaded language after the key 0",
    )
    ui.panel(page).get_by_role("button", name="Loaded language", pressed=True).wait_for()
    page.keyboard.press("u")
    text = ui.wait_live(page, rf"^Undone, {SAVED}: now sentence 1 of {total}")
    assert text.endswith(f"0 of {total} sentences labelled.")
    ui.panel(page).get_by_role("button", name="Loaded language", pressed=False).wait_for()

    # Tab to the first stance group (one stop), Space chooses, → moves the choice.
    for _ in range(len(CODEBOOK.techniques) + 2):
        if _focus(page)["type"] == "radio":
            break
        page.keyboard.press("Tab")
    focused = _focus(page)
    assert focused["type"] == "radio" and "Keir Starmer" in focused["group"], focused
    position = ui.panel(page).locator(".rl-position").text_content()
    before = len(_rows(lab_server, learner))
    page.keyboard.press("Space")
    _wait_row(lab_server, learner, before, lambda r: r["stance"] == "favor", "favor by Space")
    page.keyboard.press("ArrowRight")
    _wait_row(lab_server, learner, before, lambda r: r["stance"] == "against", "against by →")
    group = ui.stance_group(page, 0)
    group.get_by_role("radio", name="Against", checked=True).wait_for()
    assert group.get_by_role("radio", checked=True).count() == 1
    ui.wait_live(page, rf"^Against toward Keir Starmer: {SAVED}\.")
    assert ui.panel(page).locator(".rl-position").text_content() == position, (
        "→ inside a radio group must move the choice, not the sentence"
    )

    # The stance key for the active (second) target completes the sentence.
    before = len(_rows(lab_server, learner))
    page.keyboard.press("n")
    _wait_row(
        lab_server,
        learner,
        before,
        lambda r: r["target"] == article.targets[1] and r["stance"] == "none",
        "none for the second target",
    )
    ui.wait_live(page, rf"1 of {total} sentences labelled\.$")
    ui.stance_group(page, 1).get_by_role("radio", name="None", checked=True).wait_for()

    # j moves on; the live region says where we are.
    page.keyboard.press("j")
    ui.wait_live(page, rf"^Sentence 2 of {total}, paragraph \d+\. 1 of {total}")
    assert ui.stance_group(page, 0).get_by_role("radio", checked=True).count() == 0
    # Outside a radio group ← and → move between sentences.
    page.keyboard.press("Tab")  # second stance group
    page.keyboard.press("Tab")  # Previous
    assert _stop_name(_focus(page)) == "◀ Previous"
    page.keyboard.press("ArrowLeft")
    ui.wait_live(page, rf"^Sentence 1 of {total}, paragraph 1\.")
    page.keyboard.press("ArrowRight")
    ui.wait_live(page, rf"^Sentence 2 of {total},")
    page.keyboard.press("Enter")  # Enter presses the focused Previous button
    ui.wait_live(page, rf"^Sentence 1 of {total}, paragraph 1\.")

    # The summary: focus stays in the panel; Shift+Tab reaches the frame group.
    page.keyboard.press("s")
    ui.wait_live(page, r"^Article summary")
    assert _focus(page)["inside"]
    # Previous → stance groups → "What do they mean?" → the frame group.
    for _ in range(4):
        page.keyboard.press("Shift+Tab")
    focused = _focus(page)
    assert focused["type"] == "radio" and "Main frame" in focused["group"], focused
    before = len(_rows(lab_server, learner))
    page.keyboard.press("Space")
    frame = _wait_row(lab_server, learner, before, lambda r: r["frame"] != "", "a frame row")
    assert frame["sentence_id"] == "summary" and frame["frame"] == CODEBOOK.frames[0].id
    ui.panel(page).get_by_role("radio", name=CODEBOOK.frames[0].name, checked=True).wait_for()
    shots("keyboard-summary")

    # None of it reached JupyterLab: no cell changed, ran, or restarted the kernel.
    page.keyboard.press("Shift+Enter")
    for key in ["a", "b", "m", "d", "d", "0", "0"]:
        page.keyboard.press(key)
    lab.wait_kernel_idle(page)
    assert ui.kernel_calls(page) == {"restart": 0, "interrupt": 0, "dialogs": 0}
    assert ui.cell_state(page)["cells"] == cells_before["cells"]
    assert not page.console_errors, page.console_errors


def test_keyboard_only_in_notebook_7(page, lab_server, shots):
    """The same panel in Notebook 7, keyboard only: Tab in, Space, a technique key, a
    stance key, j, u; are the rows in the CSV and the announcements right, and do
    Notebook 7's capture-phase shortcuts stay quiet?"""
    learner = "keyboard-nb7"
    path = _notebook(lab_server, "keyboard-nb7", [(SHORT, None)], learner)
    _open(page, lab_server, path, "notebook")
    cells_before = ui.cell_state(page)
    total = len(CORPUS.article(SHORT).sentences)
    assert _stop_name(_tab_into_panel(page)) == "No technique"  # the first Tab stop
    before = len(_rows(lab_server, learner))
    page.keyboard.press("Space")
    _wait_row(
        lab_server,
        learner,
        before,
        lambda r: r["target"] == "" and r["techniques"] == "" and r["status"] == "set",
        "no technique by Space",
    )
    ui.panel(page).get_by_role("button", name="No technique", pressed=True).wait_for()
    page.keyboard.press("q")
    _wait_row(
        lab_server,
        learner,
        before,
        lambda r: "direct-quotation" in r["techniques"].split(";"),
        "direct quotation by q",
    )
    ui.panel(page).get_by_role(
        "button", name="Direct or partial quotation", pressed=True
    ).wait_for()
    page.keyboard.press("f")
    _wait_row(lab_server, learner, before, lambda r: r["stance"] == "favor", "favor by f")
    ui.stance_group(page, 0).get_by_role("radio", name="Favor", checked=True).wait_for()
    ui.wait_live(page, rf"^Favor toward Keir Starmer: {SAVED}\.")
    page.keyboard.press("j")
    ui.wait_live(page, rf"^Sentence 2 of {total},")
    page.keyboard.press("u")
    ui.wait_live(page, rf"^Undone, {SAVED}: now sentence 1 of {total}")
    ui.stance_group(page, 0).get_by_role("radio", checked=True).wait_for(state="detached")
    for key in ["a", "b", "m", "y", "c", "v", "z", "d", "d"]:
        page.keyboard.press(key)
    page.keyboard.press("Shift+Enter")
    lab.wait_kernel_idle(page)
    shots("notebook7-keyboard")
    assert ui.cell_state(page)["cells"] == cells_before["cells"]


def test_roles_names_states_and_axe_on_the_panel(page, lab_server, shots):
    """Do role queries find a named group per category, a radio group per target, the
    polite status region, pressed toggles and checked radios; and does axe-core find
    no WCAG 2.2 A/AA violation in the panel, with help and "More" open and on the
    summary step?"""
    learner = "roles"
    path = _notebook(lab_server, "roles", [(LESSON_01, None)], learner)
    _open(page, lab_server, path, "lab")
    panel = ui.panel(page)
    assert (
        panel.get_attribute("aria-label") == f"Annotation panel: {CORPUS.article(LESSON_01).title}"
    )
    for category in CODEBOOK.categories:
        group = panel.get_by_role("group", name=category.name, exact=True)
        assert group.count() == 1, category.name
        for technique in CODEBOOK.techniques_in(category.id):
            button = group.get_by_role("button", name=technique.name, exact=True)
            assert button.get_attribute("aria-pressed") == "false"
            assert button.get_attribute("aria-keyshortcuts") == technique.key.upper()
    assert panel.get_by_role("group", name="None of these:").count() == 1
    groups = panel.get_by_role("radiogroup", name=re.compile("^Stance toward"))
    assert groups.count() == len(CORPUS.article(LESSON_01).targets)
    assert "(the stance keys apply here)" in groups.nth(0).evaluate(
        "el => el.querySelector('legend').textContent"
    )
    assert groups.nth(0).get_by_role("radio").count() == 3
    status = ui.live_region(panel.page)
    assert status.get_attribute("aria-live") == "polite"
    assert panel.get_by_role("progressbar", name="Sentences labelled").count() == 1

    ui.technique_button(page, "Appeal to fear").click()
    panel.get_by_role("button", name="Appeal to fear", pressed=True).wait_for()
    ui.stance_button(page, "None").click()
    ui.wait_pressed(page, ui.stance_button(page, "None"))
    assert groups.nth(0).get_by_role("radio", checked=True).count() == 1
    assert ui.axe_violations(page, "section.rl-panel") == []

    ui.nav_button(page, "Help").click()
    help_region = panel.get_by_role("region", name="Help")
    help_region.wait_for()
    assert ui.nav_button(page, "Help").get_attribute("aria-expanded") == "true"
    assert "radio group" in help_region.text_content()
    help_region.get_by_role("heading", name="Appeal to fear (key 4)").wait_for()
    glossary = help_region.locator("details.rl-glossary")
    glossary.locator("summary").click()  # the glossary, a keyboard-reachable disclosure
    assert glossary.get_attribute("open") is not None
    assert glossary.locator("dt").count() >= 8
    assert glossary.get_by_text("hedge", exact=False).first.is_visible()
    panel.locator("details.rl-more > summary").click()
    panel.get_by_role("button", name="Show my labels so far").click()
    table = panel.get_by_role("table", name="My labels so far")
    table.wait_for()
    assert table.get_by_role("columnheader").count() == 3 + 2 + 1
    shots("help-and-more-open")
    assert ui.axe_violations(page, "section.rl-panel") == []

    ui.nav_button(page, "Summary").click()
    panel.get_by_role("radiogroup", name="Main frame of the article").wait_for()
    assert ui.nav_button(page, "Next").get_attribute("aria-disabled") == "true"
    assert ui.axe_violations(page, "section.rl-panel") == []
    # Contrast of the chosen state and the focus ring, which axe does not measure.
    ui.nav_button(page, "Previous").focus()
    page.keyboard.press("Tab")  # a keyboard focus: :focus-visible applies
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.outlineColor]; }"
    )
    assert ring == ["solid", "3px", "rgb(29, 78, 216)"]  # #1d4ed8: 6.7:1 on white
    assert not page.console_errors, page.console_errors


_ONE_SCREEN = """
(panel) => {
  // The notebook's scrolling area: the nearest ancestor that scrolls and has more to
  // scroll (ipywidgets boxes are overflow:auto too, but never taller than their content).
  let scroller = panel.parentElement;
  while (scroller && !(['auto', 'scroll'].includes(getComputedStyle(scroller).overflowY)
                       && scroller.scrollHeight > scroller.clientHeight + 1)) {
    scroller = scroller.parentElement;
  }
  const box = scroller ? scroller.getBoundingClientRect()
                       : {top: 0, left: 0, bottom: innerHeight, right: innerWidth};
  const view = {top: Math.max(box.top, 0), left: Math.max(box.left, 0),
                bottom: Math.min(box.bottom, innerHeight), right: Math.min(box.right, innerWidth)};
  const need = [['the current sentence', panel.querySelector('mark.rl-current')],
                ['its paragraph', panel.querySelector('.rl-paragraph')]];
  for (const button of panel.querySelectorAll('.rl-techniques button')) {
    need.push(['toggle ' + button.textContent, button]);
  }
  need.push(['the stance of the active target', panel.querySelector('.rl-radios.rl-active')]);
  need.push(['Previous', panel.querySelector('.rl-nav-previous')]);
  need.push(['Next', panel.querySelector('.rl-nav-next')]);
  const outside = [];
  for (const [name, el] of need) {
    if (!el) { outside.push(name + ': missing'); continue; }
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.top < view.top - 0.5 || r.bottom > view.bottom + 0.5
        || r.left < view.left - 0.5 || r.right > view.right + 0.5) {
      outside.push(`${name}: ${Math.round(r.left)},${Math.round(r.top)}..` +
                   `${Math.round(r.right)},${Math.round(r.bottom)}`);
    }
  }
  return {outside, checked: need.length,
          view: [view.left, view.top, view.right, view.bottom].map(Math.round),
          scroller: scroller ? scroller.className : 'the window'};
}
"""


def _every_longest_paragraph() -> list[tuple[str, int]]:
    """Each article at the last sentence of its longest paragraph, lesson 01's first."""
    articles = [LESSON_01] + [a for a in CORPUS.article_ids if a != LESSON_01]
    return [(a, _longest_paragraph_end(a)) for a in articles]


def _assert_one_screen(page, shots, label: str) -> None:
    panels = page.locator("section.rl-panel")
    assert panels.count() == len(CORPUS.article_ids)
    for number, (article, index) in enumerate(_every_longest_paragraph()):
        panel = panels.nth(number)
        panel.evaluate("el => el.scrollIntoView({block: 'start'})")
        page.wait_for_function(
            "(el) => el.getBoundingClientRect().height > 0", arg=panel.element_handle()
        )
        result = panel.evaluate(_ONE_SCREEN)
        if number == 0:
            shots(f"{label}-lesson-01-paragraph-17")
        assert result["outside"] == [], (
            f"{label}, {article} sentence {index + 1}: outside the notebook's visible area "
            f"{result['view']} ({result['scroller']}): {result['outside']}"
        )
        assert result["checked"] == len(CODEBOOK.techniques) + 6
        assert "jp-WindowedPanel-outer" in result["scroller"], result["scroller"]


def test_one_screen_in_jupyterlab_at_1366x768_with_the_file_browser(page, lab_server, shots):
    """In JupyterLab at 1366×768 with the file browser open, once a panel is scrolled into
    view, are the current sentence with its whole paragraph, every technique toggle, the
    active target's stance and Previous/Next inside the notebook's visible area, for
    every article's longest paragraph (lesson 01's paragraph 17 the longest)? Also takes
    the README's picture."""
    page.set_viewport_size({"width": 1366, "height": 768})
    learner = "screen-lab"
    path = _notebook(lab_server, "screen-lab", _every_longest_paragraph(), learner, label=True)
    _open(page, lab_server, path, "lab")
    page.evaluate("window.jupyterapp.shell.activateById('filebrowser')")
    page.locator("#filebrowser").wait_for(state="visible")
    assert page.locator("#filebrowser").bounding_box()["width"] > 150
    _assert_one_screen(page, shots, "lab-1366x768")

    # The README's picture: lesson 01's long paragraph, mid-labelling, at 1366×768.
    panel = ui.panel(page)
    panel.evaluate("el => el.scrollIntoView({block: 'start'})")
    panel.get_by_role("button", name="Appeal to fear").click()
    panel.get_by_role("button", name="Appeal to fear", pressed=True).wait_for()
    ui.stance_button(page, "None", target_index=1).click()
    ui.wait_live(page, rf"^None toward UK talking to Russia: {SAVED}")
    assert panel.evaluate(_ONE_SCREEN)["outside"] == []
    page.mouse.move(683, 760)  # onto the status bar: no hover on a toggle
    update_readme_image(shots("readme-panel"), "panel.png")


# Nine more techniques, with the keys issue 15 gives its new techniques (b c d g l o r y
# z): room for a growing codebook is part of the layout's promise.
_MORE_TECHNIQUES = """import dataclasses
from widgets import AnnotationPanel
from widgets.content.codebook import load_codebook
codebook = load_codebook()
# Up to 26 techniques, on the keys the codebook leaves free (2026.2 has 19).
extra = [("Guilt by association", "attack-on-reputation", "c"),
         ("Whataboutism", "distraction", "d"), ("Straw man", "distraction", "g"),
         ("Red herring", "distraction", "l"), ("Repetition", "manipulative-wording", "o"),
         ("Slogans", "call", "y"), ("Conversation killer", "call", "z")]
model = codebook.techniques[0]
more = tuple(dataclasses.replace(model, id=name.lower().replace(" ", "-"), name=name,
                                 category=category, key=key) for name, category, key in extra)
order = {c.id: i for i, c in enumerate(codebook.categories)}
bigger = dataclasses.replace(codebook, techniques=tuple(
    sorted(codebook.techniques + more, key=lambda t: order[t.category])))
panel = AnnotationPanel(ARTICLE, learner="more-techniques", codebook=bigger)
panel.move(INDEX)
panel.choose_technique("loaded-language", on=True)
panel.set_stance("against")
panel"""


@pytest.mark.parametrize("ui_name, viewport", [("lab", (1366, 768)), ("notebook", (1280, 720))])
def test_one_screen_holds_with_26_techniques(page, lab_server, shots, ui_name, viewport):
    """With 26 techniques (seven more than codebook 2026.2's nineteen), does lesson 01's longest
    paragraph still fit one screen in JupyterLab (file browser open) and Notebook 7?"""
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    notebook = nbformat.v4.new_notebook()
    source = _MORE_TECHNIQUES.replace("ARTICLE", repr(LESSON_01)).replace(
        "INDEX", str(_longest_paragraph_end(LESSON_01))
    )
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, lab_server.root_dir / "more-techniques.ipynb")
    _open(page, lab_server, "more-techniques.ipynb", ui_name)
    if ui_name == "lab":
        page.evaluate("window.jupyterapp.shell.activateById('filebrowser')")
        page.locator("#filebrowser").wait_for(state="visible")
    panel = ui.panel(page)
    panel.evaluate("el => el.scrollIntoView({block: 'start'})")
    result = panel.evaluate(_ONE_SCREEN)
    shots(f"{ui_name}-26-techniques")
    assert result["checked"] == 26 + 6
    assert "jp-WindowedPanel-outer" in result["scroller"], result["scroller"]
    assert result["outside"] == [], result


def test_one_screen_in_notebook_7_at_1280x720(page, lab_server, shots):
    """The same in Notebook 7 at 1280×720."""
    learner = "screen-nb7"
    path = _notebook(lab_server, "screen-nb7", _every_longest_paragraph(), learner, label=True)
    _open(page, lab_server, path, "notebook")
    _assert_one_screen(page, shots, "notebook7-1280x720")


def test_reflow_at_200_percent_zoom(page, lab_server, shots):
    """At 200% zoom (a 1280×720 window is 640×360 CSS pixels) in Notebook 7, does the
    panel reflow to one column with nothing cut off and no sideways scrolling?"""
    page.set_viewport_size({"width": 640, "height": 360})
    learner = "reflow"
    path = _notebook(
        lab_server, "reflow", [(LESSON_01, _longest_paragraph_end(LESSON_01))], learner
    )
    _open(page, lab_server, path, "notebook")
    panel = ui.panel(page)
    panel.evaluate("el => el.scrollIntoView({block: 'start'})")
    layout = panel.evaluate(
        """(el) => {
             const box = (s) => el.querySelector(s).getBoundingClientRect();
             const panel = el.getBoundingClientRect();
             const clipped = [...el.querySelectorAll('button, input, .rl-paragraph, legend')]
               .filter(n => n.getClientRects().length > 0)
               .map(n => [n.textContent.trim().slice(0, 30), n.getBoundingClientRect()])
               .filter(([, r]) => r.left < panel.left - 0.5 || r.right > panel.right + 0.5)
               .map(([name]) => name);
             return {overflow: el.scrollWidth - el.clientWidth, clipped,
                     text: [box('.rl-text').left, box('.rl-text').bottom],
                     side: [box('.rl-side').left, box('.rl-side').top],
                     stance: box('.rl-stances').top, nav: box('.rl-nav').top,
                     pageOverflow: document.documentElement.scrollWidth - innerWidth};
           }"""
    )
    shots("reflow-200-percent")
    assert layout["overflow"] <= 0, layout
    assert layout["clipped"] == [], layout
    assert abs(layout["text"][0] - layout["side"][0]) < 1, "one column: techniques under text"
    assert layout["side"][1] >= layout["text"][1] - 1
    assert layout["stance"] > layout["side"][1] and layout["nav"] > layout["stance"]
    for technique in CODEBOOK.techniques:
        assert panel.get_by_role("button", name=technique.name, exact=True).is_visible()


def test_a_script_that_does_not_load_leaves_a_plain_message(page, lab_server, shots):
    """If the panel's ES module cannot run (an old front end, a blocked script), does the
    cell say so in plain words instead of staying empty?"""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from widgets import AnnotationPanel\n"
            f"panel = AnnotationPanel({SHORT!r}, learner='broken-script')\n"
            "panel.view._esm = 'this is not a module ('  # what a blocked script leaves\n"
            "panel"
        )
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, lab_server.root_dir / "broken-script.ipynb")
    lab.open_notebook(page, lab_server, "broken-script.ipynb")
    lab.run_all_cells(page, timeout=180)
    message = page.get_by_text("The labelling panel did not load.")
    message.wait_for(state="visible", timeout=30_000)
    assert page.get_by_text("Labels are not being saved").is_visible()
    assert page.locator("section.rl-panel").count() == 0
    shots("script-did-not-load")
