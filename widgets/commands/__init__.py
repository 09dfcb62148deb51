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


def package_data_refusal(data_dir, command: str) -> str | None:
    """Why ``command`` may not write to the data folder, or ``None`` when it may.

    An installed kit's data lives inside the package (site-packages): a command that
    writes articles must be pointed at a copy (``--data-dir`` or ``RHETORIC_LAB_DATA``)."""
    from .. import paths

    located = paths.locate_data(data_dir)
    if paths.kit_layout() == "installed" and paths.PACKAGED_DIR in located.path.parents:
        return (
            f"rhetoric-lab {command}: the installed kit's data ({located.path}) is inside "
            "the package and is not changed; copy it to a folder of your own and pass "
            "--data-dir (or set RHETORIC_LAB_DATA)"
        )
    return None
