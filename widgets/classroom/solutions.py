"""Solution regions in lesson notebooks, nbgrader style, and how to strip them.

A lesson keeps one source. Anything between the markers below is instructor content:
``rhetoric-lab release`` replaces it with a prompt for the learner.

* code cells: ``### BEGIN SOLUTION`` … ``### END SOLUTION``
* markdown cells: ``<!-- BEGIN SOLUTION -->`` … ``<!-- END SOLUTION -->``
"""

from __future__ import annotations

import copy

__all__ = ["SolutionMarkerError", "strip_solutions", "has_solutions", "MARKERS"]

MARKERS = {
    "code": ("### BEGIN SOLUTION", "### END SOLUTION", "# YOUR ANSWER HERE"),
    "markdown": ("<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->", "*Your answer here.*"),
}


class SolutionMarkerError(ValueError):
    """A BEGIN without END (or the reverse, or nested) in a notebook cell."""


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _strip_cell_source(source: str, kind: str, where: str) -> tuple[str, bool]:
    begin, end, placeholder = MARKERS[kind]
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    inside = False
    changed = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if stripped == begin:
            if inside:
                raise SolutionMarkerError(f"{where}, line {number}: nested {begin!r}")
            inside, changed = True, True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}{placeholder}\n")
        elif stripped == end:
            if not inside:
                raise SolutionMarkerError(f"{where}, line {number}: {end!r} without {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkerError(f"{where}: {begin!r} is never closed by {end!r}")
    return "".join(out).rstrip("\n") if changed else source, changed


def strip_solutions(notebook: dict, *, name: str = "notebook") -> dict:
    """A copy of ``notebook`` (nbformat JSON as a dict) with solution regions replaced
    and every output cleared.

    Raises
    ------
    SolutionMarkerError
        Unbalanced or nested markers, naming the notebook and cell.
    """
    result = copy.deepcopy(notebook)
    for index, cell in enumerate(result.get("cells", []), start=1):
        kind = cell.get("cell_type")
        if kind not in MARKERS:
            continue
        where = f"{name}: cell {index}"
        source, _ = _strip_cell_source(_source(cell), kind, where)
        # Markers of the other cell kind are a mistake a teacher can make; check both.
        other = "markdown" if kind == "code" else "code"
        for marker in MARKERS[other][:2]:
            if marker in source:
                raise SolutionMarkerError(
                    f"{where}: {marker!r} belongs in a {other} cell, not a {kind} cell"
                )
        cell["source"] = source
        if kind == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return result


def has_solutions(notebook: dict) -> bool:
    """True if any cell holds a solution marker."""
    return any(
        marker in _source(cell)
        for cell in notebook.get("cells", [])
        for begin, end, _ in MARKERS.values()
        for marker in (begin, end)
    )
