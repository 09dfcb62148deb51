"""Text alternatives for charts: the chart's description and its data as a table.

Every chart the kit draws (lessons, the class dashboard, the HTML report) carries a
Vega-Lite ``description`` (:mod:`widgets.present.charts`). :func:`chart_alternative_html` puts
that description in words under the chart, with a link to a data table holding the very
rows the chart draws, so a learner who cannot see the chart, or would rather read
numbers, gets the same information (WCAG 1.1.1 and 1.3.1). HTML is built with every
value escaped.
"""

from __future__ import annotations

import hashlib
import html
import json
import math

__all__ = ["chart_rows", "data_table_html", "chart_alternative_html", "MAX_TABLE_ROWS"]

#: Rows shown in a chart's data table; a longer table says how many it leaves out.
MAX_TABLE_ROWS = 300


def chart_rows(spec: dict) -> list[dict]:
    """The data rows a Vega-Lite spec draws (its named datasets, else inline values)."""
    datasets = spec.get("datasets")
    if isinstance(datasets, dict) and datasets:
        rows: list[dict] = []
        for values in datasets.values():
            rows.extend(row for row in values if isinstance(row, dict))
        return rows
    data = spec.get("data")
    if isinstance(data, dict) and isinstance(data.get("values"), list):
        return [row for row in data["values"] if isinstance(row, dict)]
    return []


def _cell(value) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    if value is None:
        return "—"
    return str(value)


def _header(field: str) -> str:
    return field.replace("_", " ")


def data_table_html(spec: dict, *, table_id: str, caption: str) -> str:
    """The chart's rows as a ``<table>`` with a caption and column headers."""
    rows = chart_rows(spec)
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns and not key.startswith("__"):
                columns.append(key)
    shown = rows[:MAX_TABLE_ROWS]
    head = "".join(f'<th scope="col">{html.escape(_header(c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in shown
    )
    more = (
        f"<p>The first {len(shown)} of {len(rows)} rows are shown.</p>"
        if len(rows) > len(shown)
        else ""
    )
    return (
        f'<table id="{html.escape(table_id)}" class="rl-chart-data">'
        f"<caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"
    )


def _title(spec: dict) -> str:
    title = spec.get("title", "")
    if isinstance(title, dict):
        title = title.get("text", "")
    if isinstance(title, list):
        title = " ".join(str(part) for part in title)
    return str(title or "this chart")


def chart_alternative_html(spec: dict, *, chart_id: str | None = None) -> str:
    """The description in words and a link to the data table, to put under a chart.

    ``chart_id`` makes the table's id (default: from the spec's content, so the same
    chart gets the same id and two charts different ones).
    """
    if chart_id is None:
        digest = hashlib.sha1(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
        chart_id = digest[:12]
    table_id = f"rl-data-{chart_id}"
    title = _title(spec)
    description = spec.get("description") or f"A chart: {title}."
    return (
        '<div class="rl-chart-text" style="font-size:0.9em;color:#1a1a1a">'
        f"<p>{html.escape(description)} "
        f'<a href="#{html.escape(table_id)}">Data table for this chart</a></p>'
        f"<details><summary>Data table: {html.escape(title)}</summary>"
        + data_table_html(spec, table_id=table_id, caption=f"Data of the chart: {title}")
        + "</details></div>"
    )
