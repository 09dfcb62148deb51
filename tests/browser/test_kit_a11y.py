"""Do the self-check, the class dashboard and the report pass axe-core at WCAG 2.2 A/AA,
with tables that have headers and charts that have a description and a data table?"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.browser import lab
from tests.browser import panel_ui as ui
from tests.browser.conftest import VIEWPORT

pytestmark = pytest.mark.browser

ARTICLE = "ceasefire-coalition-momentum"


def _run_cell(page, server, name: str, source: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, server.root_dir / name)
    lab.open_notebook(page, server, name)
    lab.run_all_cells(page, timeout=180)


def _mark_output(page, has) -> str:
    """Mark the output area holding ``has`` so axe can be pointed at it; its selector."""
    output = page.locator(".jp-OutputArea-output").filter(has=has).first
    output.wait_for()
    output.evaluate("el => el.setAttribute('data-axe-target', '')")
    return ".jp-OutputArea-output[data-axe-target]"


def test_self_check_tables_have_headers_and_pass_axe(page, lab_server, shots):
    """After "Reveal anyway", are the comparison tables captioned with column and row
    headers, and does axe find nothing in the self-check?"""
    _run_cell(
        page,
        lab_server,
        "a11y-selfcheck.ipynb",
        f"from widgets import SelfCheck\nSelfCheck({ARTICLE!r}, learner='a11y-selfcheck')",
    )
    reveal = page.get_by_role("button", name="Reveal anyway")
    selector = _mark_output(page, reveal)
    reveal.click()
    output = page.locator(selector)
    per_sentence = output.get_by_role("table", name="Per sentence")
    per_sentence.wait_for()
    headers = [h.strip() for h in per_sentence.get_by_role("columnheader").all_inner_texts()]
    assert headers[:4] == ["sentence", "your tags", "key tags", "agree?"]
    assert per_sentence.get_by_role("rowheader").count() >= 20
    assert output.get_by_role("table", name="Per technique").count() == 1
    shots("self-check")
    assert ui.axe_violations(page, selector) == []


def test_dashboard_chart_has_a_description_and_a_data_table_and_passes_axe(
    page, lab_server, tmp_path, shots
):
    """Does the class dashboard's chart come with its description in words and a link
    to its data table (with column headers), and does axe find nothing?"""
    class_csv = tmp_path / "class.csv"
    lab.rhetoric_lab("collect", lab_server.env["RHETORIC_LAB_CLASS_DIR"], "--out", str(class_csv))
    _run_cell(
        page,
        lab_server,
        "a11y-dashboard.ipynb",
        f"from widgets import ClassDashboard\nClassDashboard(class_csv={str(class_csv)!r})",
    )
    link = page.get_by_role("link", name="Data table for this chart")
    selector = _mark_output(page, page.get_by_role("combobox", name="Chart"))
    link.wait_for(timeout=60_000)
    output = page.locator(selector)
    page.wait_for_function(
        "(el) => [...el.querySelectorAll('svg, canvas')].some(m => m.getBoundingClientRect().width > 50)",
        arg=output.element_handle(),
        timeout=60_000,
    )
    table_id = link.get_attribute("href").lstrip("#")
    table = output.locator(f"table#{table_id}")
    assert table.get_by_role("columnheader", include_hidden=True).count() >= 2
    assert table.locator("tbody tr").count() >= 1
    description = output.locator(".rl-chart-text p").first.inner_text()
    assert len(description) > 40, description
    shots("dashboard")
    assert ui.axe_violations(page, selector) == []


def test_report_passes_axe_with_table_headers_and_chart_text(browser, tmp_path, screenshot_dir):
    """Does the offline report pass axe at WCAG 2.2 A/AA, and does every chart have its
    description and a working link to its data table?"""
    lab.rhetoric_lab("simulate", "--learners", "5", "--out", "class", "--seed", "3", cwd=tmp_path)
    lab.rhetoric_lab("collect", "class", "--out", "class.csv", cwd=tmp_path)
    lab.rhetoric_lab("report", "class.csv", "--out", "report.html", cwd=tmp_path)
    context = browser.new_context(viewport=VIEWPORT)
    context.set_offline(True)
    page = context.new_page()
    try:
        page.goto((tmp_path / "report.html").as_uri(), wait_until="load")
        charts = page.locator("div.chart")
        links = page.get_by_role("link", name="Data table for this chart")
        assert charts.count() >= 3 and links.count() == charts.count()
        for index in range(links.count()):
            target = links.nth(index).get_attribute("href").lstrip("#")
            table = page.locator(f"table#{target}")
            assert table.get_by_role("columnheader", include_hidden=True).count() >= 2, target
        # Following a link opens the closed disclosure that holds its table.
        links.first.click()
        page.locator(f"table#{links.first.get_attribute('href').lstrip('#')}").wait_for(
            state="visible"
        )
        for table in page.locator("section table:not(.rl-chart-data)").all():
            assert table.get_by_role("columnheader").count() >= 1
        page.wait_for_function(
            "() => Object.keys(window.rhetoricLabViews || {}).length"
            " === document.querySelectorAll('div.chart').length",
            timeout=60_000,
        )
        page.screenshot(path=str(screenshot_dir / "report-a11y.png"))
        page.add_script_tag(path=str(ui.AXE_JS))
        violations = page.evaluate(
            """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))
                 .violations.map(v => ({id: v.id, help: v.help,
                   nodes: v.nodes.slice(0, 3).map(n => n.html.slice(0, 200))}))""",
            ui.AXE_TAGS,
        )
        assert violations == [], "\n".join(map(str, violations))
        assert re.search(r"Data table", page.content())
    finally:
        context.close()
