"""Kept for notebooks that import ``widgets.content.answers``: the answer key lives in
:mod:`widgets.content.answers`."""

from __future__ import annotations

from .content import answers as _moved
from .content.answers import *  # noqa: F403 - the same names, where lesson 90 imports them

__all__ = list(_moved.__all__)
