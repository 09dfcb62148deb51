"""Where things live: data, answers and annotations, and who the learner is.

Every default is resolved here, in one place; everything else takes paths as arguments.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

__all__ = [
    "REPO_ROOT",
    "data_dir",
    "answers_dir",
    "annotation_dir",
    "validate_learner_id",
    "resolve_learner",
    "remember_learner",
    "LEARNER_FILE",
    "KEYS_FOLDER",
    "locked_keys_dirs",
]

#: The folder that holds ``widgets/``, ``data/``, ``lessons/`` (a checkout or a release).
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Name of the folder of locked answer keys, in a release bundle or beside the lessons.
KEYS_FOLDER = "keys"

#: File (inside the annotation directory) that remembers the learner id asked for once.
LEARNER_FILE = ".learner"

_FORBIDDEN_IN_ID = set('/\\:*?"<>|')
# Names Windows reserves for devices: "nul.csv" would swallow a learner's labels there.
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)
}
MAX_LEARNER_ID_LENGTH = 64
# Ids made only of these pass every check below but the device-name one: collect checks
# 10,000 learners' ids, and most look like this.
_PLAIN_ID = re.compile(rf"[A-Za-z0-9_@+\-][A-Za-z0-9._@+\-]{{0,{MAX_LEARNER_ID_LENGTH - 1}}}")


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data folder: ``path``, else ``$RHETORIC_LAB_DATA``, else ``data/`` in the repo."""
    if path is not None:
        return Path(path)
    env = os.environ.get("RHETORIC_LAB_DATA")
    return Path(env) if env else REPO_ROOT / "data"


def answers_dir(path: str | os.PathLike | None = None) -> Path:
    """The answer folder: ``path``, else ``$RHETORIC_LAB_ANSWERS``, else ``answers/``."""
    if path is not None:
        return Path(path)
    env = os.environ.get("RHETORIC_LAB_ANSWERS")
    return Path(env) if env else REPO_ROOT / "answers"


def annotation_dir(path: str | os.PathLike | None = None) -> Path:
    """Where learner CSVs go: ``path``, else ``$RHETORIC_LAB_DIR``, else ``annotations/``.

    ``annotations/`` at the repo root is git-ignored, so a ``git pull`` or nbgitpuller
    never touches learners' files.
    """
    if path is not None:
        return Path(path)
    env = os.environ.get("RHETORIC_LAB_DIR")
    return Path(env) if env else REPO_ROOT / "annotations"


def validate_learner_id(learner: object) -> str:
    """Return ``learner`` stripped, or raise ``ValueError`` saying what is wrong.

    A learner id becomes a file name, so it may not hold path separators, characters
    Windows forbids in names, control characters, or be ``.``/``..``; at most 64 characters.
    """
    if not isinstance(learner, str):
        raise ValueError(f"learner id must be text, got {type(learner).__name__}")
    if _PLAIN_ID.fullmatch(learner) and learner.split(".")[0].upper() not in _WINDOWS_DEVICES:
        return learner
    value = learner.strip()
    if not value:
        raise ValueError("learner id is empty: type a name or student number")
    if len(value) > MAX_LEARNER_ID_LENGTH:
        raise ValueError(
            f"learner id {value[:20]!r}… is {len(value)} characters; "
            f"at most {MAX_LEARNER_ID_LENGTH} are allowed"
        )
    bad = sorted({c for c in value if c in _FORBIDDEN_IN_ID})
    if bad:
        raise ValueError(
            f"learner id {value!r} contains {' '.join(bad)}; "
            'path separators and the characters : * ? " < > | are not allowed'
        )
    if value in {".", ".."} or value.startswith("."):
        raise ValueError(f"learner id {value!r} may not start with a dot")
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise ValueError(f"learner id {value!r} contains control characters")
    if value.split(".")[0].upper() in _WINDOWS_DEVICES:
        raise ValueError(
            f"learner id {value!r} is a name Windows reserves for a device; add a letter or number"
        )
    return value


def resolve_learner(
    learner: str | None = None, directory: str | os.PathLike | None = None
) -> str | None:
    """The learner id: ``learner``, else ``$RHETORIC_LAB_LEARNER``, else
    ``$JUPYTERHUB_USER``, else the id remembered in ``<directory>/.learner``; ``None`` if
    none is known yet (the notebook then asks once and calls :func:`remember_learner`)."""
    for candidate in (
        learner,
        os.environ.get("RHETORIC_LAB_LEARNER"),
        os.environ.get("JUPYTERHUB_USER"),
    ):
        if candidate:
            return validate_learner_id(candidate)
    remembered = annotation_dir(directory) / LEARNER_FILE
    try:
        text = remembered.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return validate_learner_id(text) if text else None


def remember_learner(learner: str, directory: str | os.PathLike | None = None) -> str:
    """Validate ``learner`` and remember it in ``<directory>/.learner``; return it."""
    value = validate_learner_id(learner)
    folder = annotation_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LEARNER_FILE).write_text(value + "\n", encoding="utf-8")
    return value


def locked_keys_dirs(path: str | os.PathLike | None = None) -> list[Path]:
    """Folders that may hold locked answer keys, in the order they are searched.

    ``path`` if given (only it); else ``$RHETORIC_LAB_KEYS`` (a read-only shared folder
    on a hub), ``keys/`` in the release bundle or checkout, and ``keys/`` beside the
    learner's lessons (the working folder, or its parent when the notebook runs in
    ``lessons/``). Only folders that exist are listed; the installed package itself never
    carries locked keys, because one wheel serves every class.
    """
    if path is not None:
        return [Path(path)]
    candidates = []
    env = os.environ.get("RHETORIC_LAB_KEYS")
    if env:
        candidates.append(Path(env))
    cwd = Path.cwd()
    candidates += [REPO_ROOT / KEYS_FOLDER, cwd / KEYS_FOLDER, cwd.parent / KEYS_FOLDER]
    found: list[Path] = []
    for candidate in candidates:
        if candidate.is_dir() and all(candidate.resolve() != f.resolve() for f in found):
            found.append(candidate)
    return found
