"""What the lesson notebooks call: thin helpers over the rest of the kit.

Learners' notebooks import these names as ``from widgets.lesson import ...``; keep them
resolving here whichever module they live in (tests/test_lesson_imports.py checks).
"""

from __future__ import annotations

from . import helpers
from .helpers import *  # noqa: F403 - every helper, under the name notebooks import

__all__ = list(helpers.__all__)
