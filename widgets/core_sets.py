"""The core set of sentences per article (``data/core-sets.yml``), when a kit has one.

The file maps an article id to its sentence ids, either as a list or as a mapping with a
``sentences`` list. A kit without the file has no core sets: :func:`core_sentence_ids`
returns ``None`` and callers fall back to the whole article.
"""

from __future__ import annotations

import os

from . import paths

__all__ = ["CORE_SETS_FILE", "core_sentence_ids"]

CORE_SETS_FILE = "core-sets.yml"


def core_sentence_ids(
    article_id: str, data_dir: str | os.PathLike | None = None
) -> tuple[str, ...] | None:
    """The article's core sentence ids in file order, or ``None`` when the kit lists
    no core set for it (no ``core-sets.yml``, or no entry)."""
    import yaml

    path = paths.data_dir(data_dir) / CORE_SETS_FILE
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return None
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a mapping of article id -> sentence ids")
    entry = document.get("core_sets", document).get(article_id)
    if isinstance(entry, dict):
        entry = entry.get("sentences")
    if not entry:
        return None
    if not isinstance(entry, list) or not all(isinstance(s, str) for s in entry):
        raise ValueError(f"{path}: {article_id}: expected a list of sentence ids")
    return tuple(entry)
