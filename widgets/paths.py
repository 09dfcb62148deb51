"""Where things live: data, lessons, answers and annotations, and who the learner is.

Every default is resolved here, in one place; everything else takes paths as arguments.
The kit runs in three layouts (:func:`kit_layout`): a checkout and a release bundle keep
their files beside ``widgets/`` and save labels in ``annotations/`` there; an installed
package reads its data from inside itself and saves each learner's files under
``~/rhetoric-lab/``, never inside ``site-packages``.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "REPO_ROOT",
    "PACKAGE_DIR",
    "PACKAGED_DIR",
    "KIT_FOLDER",
    "Located",
    "kit_layout",
    "kit_home",
    "data_dir",
    "answers_dir",
    "annotation_dir",
    "class_dir",
    "kit_lessons_dir",
    "learner_lessons_dir",
    "locate_data",
    "locate_answers",
    "locate_annotations",
    "locate_learner",
    "display_path",
    "validate_learner_id",
    "resolve_learner",
    "remember_learner",
    "LEARNER_FILE",
    "KEYS_FOLDER",
    "locked_keys_dirs",
]

#: The installed package itself (``widgets/``).
PACKAGE_DIR = Path(__file__).resolve().parent

#: The folder that holds ``widgets/``. In a checkout or a release bundle it also holds
#: ``data/``, ``lessons/`` and (in a checkout) ``answers/``; once installed it is
#: ``site-packages``, where nothing of ours may be looked up or written.
REPO_ROOT = PACKAGE_DIR.parent

#: Inside the installed package, the build puts ``data/`` and the learner lessons here
#: (``widgets/build_hooks.py``); a checkout has no such folder.
PACKAGED_DIR = PACKAGE_DIR / "_kit"

#: An installed kit keeps each learner's files under ``~/rhetoric-lab/``.
KIT_FOLDER = "rhetoric-lab"

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


@dataclass(frozen=True)
class Located:
    """A folder (or value) in use and what chose it, for ``rhetoric-lab where``."""

    path: Path | None
    source: str


def kit_layout() -> str:
    """How this copy of the kit is laid out: ``"checkout"``, ``"release bundle"`` or
    ``"installed"``.

    A checkout and a release bundle keep ``data/`` and ``lessons/`` beside ``widgets/``
    (with ``pyproject.toml``); only a checkout has the answer key. Anything else is an
    installed package, whose data lives inside it (:data:`PACKAGED_DIR`).
    """
    root = REPO_ROOT
    if (
        (root / "pyproject.toml").is_file()
        and (root / "data").is_dir()
        and (root / "lessons").is_dir()
    ):
        return "checkout" if (root / "answers" / "key").is_dir() else "release bundle"
    return "installed"


def kit_home() -> Path:
    """``~/rhetoric-lab``: where an installed kit keeps a learner's lessons and labels."""
    return Path.home() / KIT_FOLDER


def display_path(path: str | os.PathLike) -> str:
    """``path`` as a learner would type it: ``~/…`` when it is inside their home."""
    path = Path(path)
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def locate_data(path: str | os.PathLike | None = None) -> Located:
    """The data folder and what chose it: ``path``, ``$RHETORIC_LAB_DATA``, ``data/``
    beside the package (checkout, bundle), or the installed package's own copy."""
    if path is not None:
        return Located(Path(path), "given")
    env = os.environ.get("RHETORIC_LAB_DATA")
    if env:
        return Located(Path(env), "set by RHETORIC_LAB_DATA")
    if kit_layout() == "installed":
        return Located(PACKAGED_DIR / "data", "inside the installed package (read-only)")
    return Located(REPO_ROOT / "data", f"data/ in the {kit_layout()}")


def locate_answers(path: str | os.PathLike | None = None) -> Located:
    """The answer folder and what chose it: ``path``, ``$RHETORIC_LAB_ANSWERS``,
    ``answers/`` in a checkout or bundle, else ``~/rhetoric-lab/answers`` (an installed
    kit carries no answers: an instructor puts them there or sets the variable)."""
    if path is not None:
        return Located(Path(path), "given")
    env = os.environ.get("RHETORIC_LAB_ANSWERS")
    if env:
        return Located(Path(env), "set by RHETORIC_LAB_ANSWERS")
    if kit_layout() == "installed":
        return Located(kit_home() / "answers", "default for an installed kit")
    return Located(REPO_ROOT / "answers", f"answers/ in the {kit_layout()}")


def locate_annotations(path: str | os.PathLike | None = None) -> Located:
    """Where learner CSVs go and what chose it: ``path``, ``$RHETORIC_LAB_DIR``,
    ``annotations/`` in a checkout or bundle, else ``~/rhetoric-lab/annotations``.

    An installed kit never writes inside its package: each learner gets a folder in
    their own home. ``annotations/`` in a checkout is git-ignored, so a ``git pull`` or
    nbgitpuller never touches learners' files.
    """
    if path is not None:
        return Located(Path(path), "given")
    env = os.environ.get("RHETORIC_LAB_DIR")
    if env:
        return Located(Path(env), "set by RHETORIC_LAB_DIR")
    if kit_layout() == "installed":
        return Located(kit_home() / "annotations", "default for an installed kit")
    return Located(REPO_ROOT / "annotations", f"annotations/ in the {kit_layout()}")


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data folder (see :func:`locate_data`)."""
    return locate_data(path).path


def answers_dir(path: str | os.PathLike | None = None) -> Path:
    """The answer folder (see :func:`locate_answers`)."""
    return locate_answers(path).path


def annotation_dir(path: str | os.PathLike | None = None) -> Path:
    """Where learner CSVs go (see :func:`locate_annotations`)."""
    return locate_annotations(path).path


def class_dir() -> Path:
    """The default folder for a class's collected files: ``class/`` in a checkout or
    bundle, ``~/rhetoric-lab/class`` for an installed kit."""
    return kit_home() / "class" if kit_layout() == "installed" else REPO_ROOT / "class"


def kit_lessons_dir() -> Path:
    """The lessons this copy of the kit carries. Installed, they are the learner lessons
    (filtered by the build); in a checkout they are the sources, which
    ``rhetoric-lab lessons`` filters as the release does before copying."""
    return PACKAGED_DIR / "lessons" if kit_layout() == "installed" else REPO_ROOT / "lessons"


def learner_lessons_dir(path: str | os.PathLike | None = None) -> Path:
    """Where ``rhetoric-lab lessons`` copies the lessons: ``path``, else
    ``~/rhetoric-lab/lessons``."""
    return Path(path).expanduser() if path is not None else kit_home() / "lessons"


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


def locate_learner(
    learner: str | None = None, directory: str | os.PathLike | None = None
) -> tuple[str | None, str]:
    """The learner id and what set it: ``learner``, else ``$RHETORIC_LAB_LEARNER``, else
    ``$JUPYTERHUB_USER``, else the id remembered in ``<directory>/.learner``; ``None``
    (with the reason) if none is known yet."""
    for candidate, source in (
        (learner, "given"),
        (os.environ.get("RHETORIC_LAB_LEARNER"), "set by RHETORIC_LAB_LEARNER"),
        (os.environ.get("JUPYTERHUB_USER"), "set by JUPYTERHUB_USER"),
    ):
        if candidate:
            return validate_learner_id(candidate), source
    remembered = annotation_dir(directory) / LEARNER_FILE
    try:
        text = remembered.read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None, "not set yet: lesson 00 asks for it once"
    if not text:
        return None, f"{remembered} is empty"
    return validate_learner_id(text), f"remembered in {remembered}"


def resolve_learner(
    learner: str | None = None, directory: str | os.PathLike | None = None
) -> str | None:
    """The learner id: ``learner``, else ``$RHETORIC_LAB_LEARNER``, else
    ``$JUPYTERHUB_USER``, else the id remembered in ``<directory>/.learner``; ``None`` if
    none is known yet (the notebook then asks once and calls :func:`remember_learner`)."""
    return locate_learner(learner, directory)[0]


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


def require_learner(learner: str | None, directory) -> str:
    """:func:`resolve_learner`, or a ValueError saying how to give a learner id."""
    resolved = resolve_learner(learner, directory)
    if resolved is None:
        raise ValueError(
            "no learner id: pass learner=..., set RHETORIC_LAB_LEARNER, or set it once in lesson 00"
        )
    return resolved


def append_durably(path: Path, payload: str) -> int:
    """Append ``payload`` (UTF-8) to ``path`` in one write and fsync it; the file's size
    after. Raises OSError when the disk took only part of it (the caller's lock held)."""
    data = payload.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(f"only {written} of {len(data)} bytes were written")
        os.fsync(fd)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)
