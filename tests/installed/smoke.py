"""What a new user does with an installed kit, run in a fresh venv: get the lessons,
check where things are, label in lesson 01 headless, and (as instructor) simulate,
collect and report on a class of five. Shared by the wheel test and the lower-bounds
smoke test, so both environments are held to the same steps."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from tests.installed.conftest import Venv

LEARNER = "learner-01"

# Appended to a copy of lesson 01 after its own cells: finds the panel the lesson
# displayed and chooses a technique, as a click in the browser would.
_LABEL_CELL = """
from widgets import AnnotationPanel
panel = next(v for v in Out.values() if isinstance(v, AnnotationPanel))
panel.choose_technique(panel.codebook.techniques[0].id, on=True)
print("SAVE-PATH", panel.store.path)
print("SHOWN", panel.view.spec["save_path"])
"""

_EXECUTE = """
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

lesson = Path(sys.argv[1])
notebook = nbformat.read(lesson, as_version=4)
notebook.cells.append(nbformat.v4.new_code_cell(sys.argv[2]))
NotebookClient(
    notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(lesson.parent)}}
).execute()
for cell in notebook.cells:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            sys.exit(f"{lesson.name}: {output['ename']}: {output['evalue']}")
print(notebook.cells[-1].outputs[0]["text"])
"""


@dataclass(frozen=True)
class SmokeResult:
    where: str
    lessons_output: str
    label_output: str
    collect_output: str
    report_output: str
    class_learners: set[str]


def run_smoke(venv: Venv, home: Path, cwd: Path) -> SmokeResult:
    env = {"RHETORIC_LAB_LEARNER": LEARNER}
    lessons = venv.run("rhetoric-lab", "lessons", home=home, cwd=cwd).stdout
    where = venv.run("rhetoric-lab", "where", home=home, cwd=cwd, **env).stdout
    lesson = home / "rhetoric-lab" / "lessons" / "01-opinion-essay.ipynb"
    label = venv.run(
        "python", "-c", _EXECUTE, str(lesson), _LABEL_CELL, home=home, cwd=cwd, timeout=600, **env
    ).stdout
    venv.run(
        "rhetoric-lab", "simulate", "--learners", "4", "--out", "sims", "--seed", "3",
        home=home, cwd=cwd,
    )  # fmt: skip
    annotations = home / "rhetoric-lab" / "annotations"
    collect = venv.run(
        "rhetoric-lab", "collect", str(annotations), "sims", "--out", "class.csv", "--quiet",
        home=home, cwd=cwd,
    ).stdout  # fmt: skip
    report = venv.run(
        "rhetoric-lab", "report", "class.csv", "--out", "report.html", "--show-names",
        home=home, cwd=cwd, timeout=600,
    ).stdout  # fmt: skip
    with open(cwd / "class.csv", encoding="utf-8", newline="") as handle:
        learners = {row["learner"] for row in csv.DictReader(handle)}
    return SmokeResult(where, lessons, label, collect, report, learners)


def manifest_lessons(home: Path) -> list[str]:
    manifest = home / "rhetoric-lab" / "lessons" / ".rhetoric-lab-lessons.json"
    return sorted(json.loads(manifest.read_text(encoding="utf-8"))["lessons"])
