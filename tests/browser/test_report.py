"""Does the class report open offline in a real browser with every chart drawn?"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser import lab
from tests.browser.conftest import VIEWPORT, Shots, update_readme_image

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    """simulate → collect → report, through the command line, as an instructor would."""
    folder = tmp_path_factory.mktemp("report")
    lab.rhetoric_lab("simulate", "--learners", "6", "--out", "class", "--seed", "7", cwd=folder)
    lab.rhetoric_lab("collect", "class", "--out", "class.csv", cwd=folder)
    lab.rhetoric_lab("report", "class.csv", "--out", "report.html", cwd=folder)
    return folder / "report.html"


def test_report_draws_every_chart_offline(browser, report_html, screenshot_dir, request):
    """With the network off, does every chart in report.html draw, with no failed
    request and no console error?"""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_offline(True)
    outside: list[str] = []

    def refuse_network(route):
        # Only the file itself may load; anything else means the report is not offline.
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", refuse_network)
    page = context.new_page()
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    shots = Shots(page, screenshot_dir, request.node.name)
    try:
        page.goto(report_html.as_uri(), wait_until="load")
        specs = page.locator('script[type="application/json"][id^="spec-"]')
        chart_count = specs.count()
        assert chart_count >= 3, f"expected the report's charts, found {chart_count} specs"
        # Each spec must be valid JSON naming a Vega-Lite schema.
        for index in range(chart_count):
            spec = json.loads(specs.nth(index).text_content())
            assert "vega-lite" in spec.get("$schema", ""), spec.get("$schema")
        charts = page.locator("div.chart")
        assert charts.count() == chart_count
        # A chart has drawn when its container holds an <svg> or <canvas> with a size.
        page.wait_for_function(
            """(n) => {
                 const drawn = [...document.querySelectorAll('div.chart')].filter(div => {
                   const mark = div.querySelector('svg, canvas');
                   if (!mark) return false;
                   const box = mark.getBoundingClientRect();
                   return box.width > 50 && box.height > 50;
                 });
                 return drawn.length === n;
               }""",
            arg=chart_count,
            timeout=30_000,
        )
        # Marks drawn, not just an empty frame: each SVG chart has graphical marks.
        empty = page.evaluate(
            """() => [...document.querySelectorAll('div.chart')]
                 .filter(div => div.querySelector('svg')
                                && div.querySelectorAll('svg path, svg rect, svg line,'
                                                        + ' svg circle, svg text').length < 5)
                 .map(div => div.id)"""
        )
        assert not empty, f"charts with no marks: {empty}"
        shots("top")
        for index in range(chart_count):
            section = charts.nth(index).locator("xpath=..")
            section.evaluate("el => el.scrollIntoView({block: 'start'})")
            shots(f"chart-{index + 1}")
        # The README's picture of a report: the technique heat map, its heading on top.
        readme_section = page.locator("section#chart-techniques")
        if readme_section.count() == 0:
            readme_section = charts.nth(min(1, chart_count - 1)).locator("xpath=..")
        readme_section.evaluate("el => el.scrollIntoView({block: 'start'})")
        update_readme_image(shots("readme"), "report.png")
        assert not outside, f"the report asked the network for: {outside}"
        assert not failed, f"failed requests: {failed}"
        assert not errors, f"console errors: {errors}"
    finally:
        context.close()
