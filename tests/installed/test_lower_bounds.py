"""Does the kit still work with every dependency at the lowest version its ranges allow
(what a hub image from a year ago has)? The smoke steps of the wheel test, run in a
venv installed with ``-c lower-bounds.txt``."""

from __future__ import annotations

import re

import pytest

from tests.installed.conftest import user_dirs
from tests.installed.smoke import LEARNER, run_smoke
from widgets.paths import REPO_ROOT

pytestmark = pytest.mark.slow


def _pins(text: str) -> dict[str, str]:
    pins = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==(\S+)$", line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def test_the_kit_runs_its_smoke_steps_at_the_lower_bounds(lower_bounds_venv, tmp_path):
    home, cwd = user_dirs(tmp_path)
    wanted = _pins((REPO_ROOT / "lower-bounds.txt").read_text(encoding="utf-8"))
    freeze = lower_bounds_venv.run("python", "-m", "pip", "freeze", home=home, cwd=cwd).stdout
    installed = _pins(freeze)
    assert {name: installed.get(name) for name in wanted} == wanted

    result = run_smoke(lower_bounds_venv, home, cwd)
    assert f"SAVE-PATH {home / 'rhetoric-lab' / 'annotations' / f'{LEARNER}.csv'}" in (
        result.label_output
    )
    assert len(result.class_learners) == 5
    assert "5 learners" in result.report_output
    assert (cwd / "report.html").stat().st_size > 100_000
