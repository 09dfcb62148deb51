"""Does lesson 07 draw the class's charts inside JupyterLab, with no network?"""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser import lab
from widgets.content.corpus import load_corpus

pytestmark = pytest.mark.browser

# Outputs that hold a Vega-Lite chart: Lab's own renderer (a vegalite mimetype) or
# Altair's HTML renderers (a div whose id starts altair-viz).
_CHART_OUTPUTS = """
() => [...document.querySelectorAll('.jp-OutputArea-output')].filter(out =>
  out.matches('[data-mime-type^="application/vnd.vegalite"]')
  || out.querySelector('[id^="altair-viz"], .vega-embed, div[data-rhetoric-lab-chart]'))
"""


def test_class_results_lesson_draws_its_charts(page, lab_server, shots):
    """Do the Altair charts of lesson 07 draw in JupyterLab from the kernel alone, with
    no request beyond the local server (a classroom may have no internet)?"""
    lab.open_notebook(page, lab_server, "07-class-results.ipynb")
    lab.run_all_cells(page, timeout=180)
    charts = page.evaluate(f"({_CHART_OUTPUTS})().length")
    assert charts >= 2, f"lesson 07 should show at least two charts; found {charts}"
    # Wait until every chart has either drawn (an <svg>/<canvas> with a size) or given up
    # (Altair's HTML shows "Error loading script" when Vega cannot be fetched).
    states = f"""() => ({_CHART_OUTPUTS})().map(out => {{
        const drawn = [...out.querySelectorAll('svg, canvas')].some(mark => {{
          const box = mark.getBoundingClientRect();
          return box.width > 50 && box.height > 50;
        }});
        return drawn ? 'drawn' : (/error/i.test(out.innerText) ? out.innerText.slice(0, 200)
                                                                 : 'pending');
      }})"""
    # JupyterLab may skip laying out cells far off screen, so each chart is brought into
    # view before it is judged.
    for index in range(charts):
        page.evaluate(f"({_CHART_OUTPUTS})()[{index}].scrollIntoView()")
        try:
            page.wait_for_function(f"({states})()[{index}] !== 'pending'", timeout=30_000)
        except PlaywrightTimeout:
            pass  # reported below with each chart's state
        shots(f"chart-{index + 1}")
    failed = []
    for index in range(charts):
        page.evaluate(f"({_CHART_OUTPUTS})()[{index}].scrollIntoView()")
        state = page.evaluate(states)[index]
        if state != "drawn":
            failed.append(state)
    assert not failed, (
        f"{len(failed)} of {charts} charts did not draw: {failed}; requests refused beyond "
        f"the local server: {page.outside_requests}; console errors: {page.console_errors}"
    )
    assert not page.outside_requests, (
        f"lesson 07 asked the network for {page.outside_requests}: charts must render "
        "offline (Altair's default html renderer loads Vega from a CDN)"
    )


# The number of the one chart in the dashboard if it is a draw after `after`, titled
# to match the regular expression `title`, and drawn (its points are on screen); else null, and wait_for_function polls on.
_NEW_DRAW = """([board, after, title]) => {
  const charts = [...board.querySelectorAll('div[data-rhetoric-lab-chart]')];
  if (charts.length !== 1) return null;  // the old chart must be gone, not just a new one come
  const draw = Number(charts[0].getAttribute('data-rhetoric-lab-draw'));
  const titles = [...charts[0].querySelectorAll('svg .role-title-text')];
  const drawn = charts[0].querySelectorAll('svg .mark-symbol path').length > 0;
  return draw > after && drawn && titles.some(t => new RegExp(title).test(t.textContent)) ? draw : null;
}"""


def _wait_for_draw(page, board, *, after: int, title: str) -> int:
    """Wait until the dashboard shows a chart drawn after draw number ``after``, with a
    title matching ``title``; its draw number."""
    handle = page.wait_for_function(
        _NEW_DRAW, arg=[board.element_handle(), after, title], timeout=30_000
    )
    return int(handle.json_value())


def test_class_dashboard_follows_its_menu_and_shows_sentences_on_hover(page, lab_server, shots):
    """In lesson 07's dashboard, does choosing "Where the class disagrees" and an article
    redraw the chart in place, and does hovering a point show that sentence's text (an
    instructor leads the discussion from it), all with no network?"""
    lab.open_notebook(page, lab_server, "07-class-results.ipynb")
    lab.run_all_cells(page, timeout=180)
    view = page.locator("select:has(option:text-is('Where the class disagrees'))")
    assert view.count() == 1, "lesson 07 should show one class dashboard"
    board = view.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
    chart = board.locator("div[data-rhetoric-lab-chart]")
    board.scroll_into_view_if_needed()
    chart.locator("svg").first.wait_for(timeout=30_000)  # the first view (stance) drew

    first = int(chart.first.get_attribute("data-rhetoric-lab-draw"))

    view.select_option(label="Where the class disagrees")
    # Each choice draws a new chart, numbered by the dashboard: wait for *that* chart
    # (the next number, alone in the board, drawn), not for whichever chart is there.
    overview = _wait_for_draw(page, board, after=first, title="^Disagreement hot spots along")
    article = board.locator("select:has(option:text-is('All articles'))")
    article.select_option(label=load_corpus().article("starmer-defies-putin").title)
    try:
        # one article's chart is titled "Disagreement hot spots: <its title>"
        draw = _wait_for_draw(
            page, board, after=overview, title="^Disagreement hot spots: .*Starmer defies Putin"
        )
    finally:
        shots("dashboard-hotspots")
    points = board.locator(f'div[data-rhetoric-lab-draw="{draw}"] svg .mark-symbol path')
    count = points.count()
    # one point per sentence that two or more learners labelled
    assert 20 < count <= len(load_corpus().article("starmer-defies-putin").sentences), count
    # Hover the middle point: the tooltip names the sentence and quotes its text.
    points.nth(count // 2).hover(force=True)
    tooltip = page.locator("#vg-tooltip-element.visible")
    tooltip.wait_for(timeout=10_000)
    text = tooltip.inner_text()
    shots("dashboard-hotspots-tooltip")
    assert "Sentence" in text and "Text" in text and "Disagreement" in text, text
    assert len(text) > 80, f"the tooltip should quote the sentence: {text!r}"
    assert not page.outside_requests, f"the dashboard asked the network for {page.outside_requests}"
