"""Does every name a lesson notebook imports from the kit still resolve?

Learners keep the notebooks they were given; when a module moves inside ``widgets``
their ``from widgets.x import y`` lines must keep working. Each notebook's code cells are
parsed (not run) and every import of ``widgets`` is checked, name by name."""

from __future__ import annotations

import ast
import importlib

import nbformat
import pytest

from widgets import paths

NOTEBOOKS = sorted((paths.REPO_ROOT / "lessons").glob("*.ipynb"))


def kit_imports(notebook_path) -> list[tuple[str, str | None]]:
    """(module, name) for every ``widgets`` import in the notebook; name None for
    ``import widgets.x``."""
    notebook = nbformat.read(notebook_path, as_version=4)
    found = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        # IPython magics and shell lines are not Python; they import nothing from the kit
        source = "\n".join(
            line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))
        )
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "widgets":
                found.extend((node.module, alias.name) for alias in node.names)
            elif isinstance(node, ast.Import):
                found.extend(
                    (alias.name, None)
                    for alias in node.names
                    if alias.name.split(".")[0] == "widgets"
                )
    return found


def test_the_lessons_import_from_the_kit():
    """Is the check looking at something? (Every lesson but none would pass vacuously.)"""
    imports = [item for path in NOTEBOOKS for item in kit_imports(path)]
    assert len(NOTEBOOKS) >= 8
    assert ("widgets.lesson", "class_results") in imports
    assert ("widgets", "AnnotationPanel") in imports


@pytest.mark.parametrize("notebook_path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_name_a_notebook_imports_resolves(notebook_path):
    missing = []
    for module_name, name in kit_imports(notebook_path):
        module = importlib.import_module(module_name)
        if name is not None and not hasattr(module, name):
            try:  # ``from package import submodule`` is also a valid import
                importlib.import_module(f"{module_name}.{name}")
            except ModuleNotFoundError:
                missing.append(f"from {module_name} import {name}")
    assert not missing, f"{notebook_path.name}: {missing}"


def test_a_missing_name_is_reported(tmp_path):
    """Would the check fail for a notebook importing a name that does not exist?"""
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("from widgets.lesson import no_such_helper"))
    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(AssertionError, match="no_such_helper"):
        test_every_name_a_notebook_imports_resolves(path)
