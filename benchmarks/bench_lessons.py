"""How long the lessons take to run headless, and how soon lesson 01 shows its panel.

    .venv/bin/python benchmarks/bench_lessons.py [--cells] [LESSON ...]

For each notebook in lessons/ (or the ones named): the time from starting a fresh
kernel to the last cell finished, in a temporary copy with an empty annotation folder
and learner ``bench-learner`` (as tests/test_lessons.py runs them). For lesson 01, also
the time from kernel start until the cell that displays the annotation panel finished.
``--cells`` prints every code cell's own time, slowest first.

Targets: all lessons together <= 60 s; panel in lesson 01 <= 3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
TOTAL_TARGET_S = 60.0
PANEL_TARGET_S = 3.0
PANEL_LESSON = "01-"


def _stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def run(path: Path, scratch: Path) -> dict:
    """Execute one notebook in a fresh kernel; return timings in seconds."""
    workdir = scratch / path.stem
    (workdir / "lessons").mkdir(parents=True)
    copy = workdir / "lessons" / path.name
    shutil.copyfile(path, copy)
    os.environ["RHETORIC_LAB_DIR"] = str(workdir / "annotations")
    notebook = nbformat.read(copy, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir / "lessons")}},
        record_timing=True,
    )
    start = time.perf_counter()
    wall_start = datetime.now().astimezone()
    with client.setup_kernel():
        kernel_ready = time.perf_counter()
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
    total = time.perf_counter() - start
    cells = []
    panel = None
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        timing = cell.metadata.get("execution", {})
        began = timing.get("iopub.execute_input")
        ended = timing.get("shell.execute_reply")
        if not (began and ended):
            continue
        seconds = (_stamp(ended) - _stamp(began)).total_seconds()
        cells.append((seconds, cell.source.splitlines()[-1]))
        if panel is None and "AnnotationPanel(" in cell.source:
            panel = (_stamp(ended) - wall_start).total_seconds()
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise RuntimeError(f"{path.name}: {output.get('ename')}: {output.get('evalue')}")
    return {
        "total": total,
        "kernel_start": kernel_ready - start,
        "panel": panel,
        "cells": sorted(cells, reverse=True),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson file names or stems (default: all)")
    parser.add_argument("--cells", action="store_true", help="print each cell's time")
    args = parser.parse_args(argv)
    paths = sorted(LESSONS.glob("*.ipynb"))
    if args.lessons:
        paths = [p for p in paths if any(p.name.startswith(name) for name in args.lessons)]
    os.environ["RHETORIC_LAB_LEARNER"] = "bench-learner"
    os.environ.pop("RHETORIC_LAB_CLASS_DIR", None)
    os.environ.pop("JUPYTERHUB_USER", None)
    os.environ.pop("PYTHONPATH", None)  # kernels import the installed kit, as under make lab
    grand = 0.0
    panel = None
    with tempfile.TemporaryDirectory(prefix="rhetoric-lab-bench-") as scratch:
        for path in paths:
            result = run(path, Path(scratch))
            grand += result["total"]
            print(
                f"{path.name:<45} {result['total']:6.2f} s"
                f"  (kernel start {result['kernel_start']:.2f} s)"
            )
            if args.cells:
                for seconds, line in result["cells"]:
                    print(f"      {seconds:6.2f} s  {line}")
            if path.name.startswith(PANEL_LESSON) and result["panel"] is not None:
                panel = result["panel"]
    print(f"{'all lessons':<45} {grand:6.2f} s  (target <= {TOTAL_TARGET_S:.0f} s)")
    if panel is not None:
        print(
            f"{'kernel start -> panel shown, lesson 01':<45} {panel:6.2f} s"
            f"  (target <= {PANEL_TARGET_S:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
