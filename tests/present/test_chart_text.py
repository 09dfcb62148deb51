"""Does every chart come with its description in words and its data as a table?"""

from __future__ import annotations

import altair as alt
import pandas as pd

from widgets.present.chart_text import MAX_TABLE_ROWS, chart_alternative_html, chart_rows
from widgets.present.charts import offline_html


def _chart(rows: int = 3):
    frame = pd.DataFrame(
        {"technique": [f"<b>t{i}</b>" for i in range(rows)], "share": [i / 7 for i in range(rows)]}
    )
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(x="share:Q", y="technique:N")
        .properties(title="Shares", description="Bars of the share of each technique.")
    )


def test_the_table_holds_the_rows_the_chart_draws_escaped():
    spec = _chart().to_dict()
    assert len(chart_rows(spec)) == 3
    text = chart_alternative_html(spec, chart_id="shares")
    assert "Bars of the share of each technique." in text
    assert '<a href="#rl-data-shares">Data table for this chart</a>' in text
    assert '<table id="rl-data-shares"' in text and "<caption>Data of the chart: Shares" in text
    assert '<th scope="col">technique</th><th scope="col">share</th>' in text
    assert "&lt;b&gt;t2&lt;/b&gt;" in text and "<b>t2</b>" not in text
    assert "<td>0.286</td>" in text  # 2/7 to three significant digits


def test_a_long_table_says_how_many_rows_it_leaves_out():
    spec = _chart(MAX_TABLE_ROWS + 5).to_dict()
    text = chart_alternative_html(spec)
    assert text.count("<tr>") == MAX_TABLE_ROWS + 1  # the header row, then the rows shown
    assert f"The first {MAX_TABLE_ROWS} of {MAX_TABLE_ROWS + 5} rows are shown." in text


def test_every_offline_chart_carries_its_text_alternative():
    spec = _chart().to_dict()
    drawn = offline_html(spec)
    assert "Bars of the share of each technique." in drawn
    assert "Data table for this chart" in drawn
