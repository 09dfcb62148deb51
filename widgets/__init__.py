"""Rhetoric Lab: annotate news and opinion sentences for rhetorical techniques and stance.

The public names are imported lazily, so ``import widgets`` stays fast and a notebook
only pays for the parts it uses.
"""

from __future__ import annotations

import importlib

__version__ = "0.2.0"

_PUBLIC = {
    "LabelStore": "widgets.labelling.store",
    "load_corpus": "widgets.content.corpus",
    "load_codebook": "widgets.content.codebook",
    "AnnotationPanel": "widgets.labelling.panel",
    "SelfCheck": "widgets.lesson.selfcheck",
    "ClassDashboard": "widgets.present.dashboard",
    "Reflection": "widgets.labelling.reflection_widget",
    "reflect": "widgets.labelling.reflection_widget",
}

__all__ = [*_PUBLIC, "__version__"]


def __getattr__(name: str):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'widgets' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
