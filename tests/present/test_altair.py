"""Does the kit import Altair without jsonschema's URI grammars, and do charts still
validate exactly as before?"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# In a fresh process (this one has imported Altair already): the kit's charts module,
# one of its charts, a broken chart, and rfc3987_syntax imported by "user code" after.
_PROBE = """
import json, sys
import pandas as pd
from widgets.present import charts
from widgets.present._altair import alt

found = {
    "grammars_loaded": "rfc3987_syntax" in sys.modules,
    "duration_loaded": "isoduration" in sys.modules,
    "widget_loaded": "anywidget" in sys.modules or "ipywidgets" in sys.modules,
}
chart = alt.Chart(pd.DataFrame({"a": [1.0], "b": ["x"]})).mark_point().encode(x="a:Q", y="b:N")
found["valid_spec_schema"] = chart.to_dict()["$schema"]
try:  # Altair validates as the chart is built, or at to_dict()
    chart.properties(width="wide").to_dict()
    found["invalid_rejected"] = None
except Exception as error:
    found["invalid_rejected"] = type(error).__name__
found["offline_chart"] = sorted(charts.OfflineChart(chart).to_dict())
import rfc3987_syntax  # the block lasted only while jsonschema was imported
found["later_import_works"] = rfc3987_syntax.is_valid_syntax("iri", "https://example.org/a")
import isoduration
found["later_duration_works"] = str(isoduration.parse_duration("P1D"))
print(json.dumps(found))
"""


def _probe(code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_charts_validate_without_the_uri_grammars():
    """Does ``widgets.present.charts`` load Altair without building rfc3987_syntax's grammars
    (or importing isoduration),
    while ``to_dict()`` still validates (a bad chart is still rejected), and can other
    code still import rfc3987_syntax afterwards?"""
    found = _probe(_PROBE)
    assert found["grammars_loaded"] is False
    assert found["duration_loaded"] is False
    assert found["widget_loaded"] is False  # no kernel: no anywidget, no ipywidgets
    assert "vega-lite" in found["valid_spec_schema"]
    assert "ValidationError" in found["invalid_rejected"]
    assert "mark" in found["offline_chart"]
    assert found["later_import_works"] is True
    assert found["later_duration_works"] == "P1D"


def test_in_a_notebook_altair_keeps_its_jupyter_chart():
    """With IPython loaded (a kernel), is ``alt.JupyterChart`` Altair's real widget?"""
    found = _probe(
        "import json, sys, IPython\n"
        "from widgets.present._altair import alt\n"
        "print(json.dumps([alt.JupyterChart.__module__, 'anywidget' in sys.modules]))"
    )
    assert found == ["altair.jupyter.jupyter_chart", True]
