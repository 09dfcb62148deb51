"""One module per ``rhetoric-lab`` sub-command (see :mod:`widgets.cli`)."""

from __future__ import annotations

from pathlib import Path


def load_data(data_dir):
    """The corpus and codebook from ``data_dir`` (default: the kit's ``data/``).

    Raises ``OSError`` or ``ValueError`` with a message a command prints as it is."""
    from ..content.codebook import load_codebook
    from ..content.corpus import load_corpus

    corpus = load_corpus(data_dir)
    codebook = load_codebook(Path(data_dir) / "codebook.yml" if data_dir else None, corpus=corpus)
    return corpus, codebook
