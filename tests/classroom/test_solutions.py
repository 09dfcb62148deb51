"""Are solution regions correctly replaced, and are unbalanced markers caught?"""

from __future__ import annotations

import pytest

from widgets.classroom.solutions import SolutionMarkerError, has_solutions, strip_solutions


def notebook(*cells):
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def code(source, outputs=None):
    return {
        "cell_type": "code",
        "source": source,
        "outputs": outputs or [],
        "execution_count": 3,
        "metadata": {},
    }


def markdown(source):
    return {"cell_type": "markdown", "source": source, "metadata": {}}


def test_code_and_markdown_solutions_are_replaced_and_outputs_cleared():
    original = notebook(
        code(
            "x = 1\n### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\nprint(x)",
            outputs=[{"output_type": "stream", "text": "42"}],
        ),
        markdown(
            "**Q1.** Why?\n<!-- BEGIN SOLUTION -->\nBecause the source is anonymous.\n<!-- END SOLUTION -->"
        ),
    )
    stripped = strip_solutions(original, name="lesson.ipynb")
    assert stripped["cells"][0]["source"] == "x = 1\n# YOUR ANSWER HERE\nprint(x)"
    assert stripped["cells"][0]["outputs"] == [] and stripped["cells"][0]["execution_count"] is None
    assert "anonymous" not in stripped["cells"][1]["source"]
    assert "*Your answer here.*" in stripped["cells"][1]["source"]
    assert has_solutions(original) and not has_solutions(stripped)
    assert "answer = 42" in original["cells"][0]["source"]  # the input is not modified


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (code("### BEGIN SOLUTION\nsecret = 1"), "never closed"),
        (code("secret = 1\n### END SOLUTION"), "without"),
        (code("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"), "nested"),
        (markdown("<!-- BEGIN SOLUTION -->\nsecret"), "never closed"),
        (markdown("### BEGIN SOLUTION\nsecret\n### END SOLUTION"), "belongs in a code cell"),
    ],
)
def test_unbalanced_or_misplaced_markers_name_the_notebook_and_cell(cell, message):
    with pytest.raises(SolutionMarkerError, match=message) as caught:
        strip_solutions(notebook(markdown("intro"), cell), name="lessons/01.ipynb")
    assert "lessons/01.ipynb: cell 2" in str(caught.value)
