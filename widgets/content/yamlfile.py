"""YAML read the safe way, with libyaml's parser when PyYAML has it.

``yaml.safe_load`` uses PyYAML's pure-Python parser even where libyaml is installed (as
in PyYAML's wheels): about five times slower. Reading the model answers alone took 50 ms
of every ``rhetoric-lab report`` that way. The C loader is as safe (no Python objects
from the file) and returns the same data.
"""

from __future__ import annotations

import yaml

__all__ = ["Loader", "safe_load"]

#: libyaml's safe loader when PyYAML was built with it, else PyYAML's own.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str | bytes):
    """What ``yaml.safe_load(text)`` returns, parsed by :data:`Loader`."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 - a safe loader
