"""The hand-in: one zip a learner uploads, holding their labels and their reflections.

Format (``rhetoric-lab-handin-<learner>.zip``)::

    <learner>.csv              the label file, byte for byte (schema: widgets.schema)
    <learner>.reflections.csv  the reflections file, byte for byte (if any)
    handin.json                {"format", "version", "learner", "made_at",
                                "files": {name: {"rows", "sha256"}}}

Why a zip of the learner's own files rather than one merged CSV: each member keeps the
schema collect already reads (an old collect still reads the labels, and the label and
reflection accounting stay separate); learning platforms take one zip upload as readily
as one CSV; and the learner id is written three times where no spreadsheet rewrites it
(the zip's name, the members' names, ``handin.json``), so collect can tell when the id
inside the rows was mangled by a spreadsheet (:func:`restore_learner_id`). Collect reads
a hand-in zip also inside a platform's "download all submissions" zip.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from .. import paths
from .reflections import REFLECTIONS_SUFFIX

__all__ = [
    "HANDIN_PREFIX",
    "MANIFEST_NAME",
    "write_hand_in",
    "is_hand_in_name",
    "named_learner",
    "restore_learner_id",
]

HANDIN_PREFIX = "rhetoric-lab-handin-"
MANIFEST_NAME = "handin.json"
_FORMAT = "rhetoric-lab-hand-in"
# The learner id a file name gives: a hand-in zip (also renamed by Moodle or Canvas, which
# put the student's name first) or the older single-CSV hand-in.
_NAMED = re.compile(r"rhetoric-lab-(?:handin|labels)-([^/\\:]+?)\.(?:zip|csv)(?::|$)", re.I)
_SCIENTIFIC = re.compile(r"[0-9](?:[.,][0-9]+)?[eE][+-]?[0-9]+")


def is_hand_in_name(name: str) -> bool:
    """True when ``name`` (a path or zip member) is a hand-in zip."""
    return bool(re.search(rf"{HANDIN_PREFIX}[^/\\]+\.zip$", str(name), re.I))


def named_learner(source_name: str) -> str | None:
    """The learner id a hand-in names for a file (``rhetoric-lab-handin-<id>.zip:<id>.csv``
    or ``rhetoric-lab-labels-<id>.csv``), or ``None`` for any other file."""
    name = str(source_name)
    if "rhetoric-lab-" not in name.lower():  # (a quick no for the many files named otherwise)
        return None
    match = _NAMED.search(name)
    return match.group(1) if match else None


def restore_learner_id(found: str, named: str) -> tuple[str | None, str]:
    """Decide what to do with rows whose learner id ``found`` differs from ``named``.

    Returns
    -------
    (str or None, str)
        ``(named, note)`` when ``found`` is ``named`` as a spreadsheet rewrites it
        (leading zeros lost, or scientific notation of the same number): keep the rows
        under ``named``. ``(None, reason)`` when they differ otherwise: reject the rows.
    """
    if found == named:
        return named, ""
    if found.isdigit() and named.isdigit() and int(found) == int(named):
        return named, (
            f"learner id {found!r} in the rows restored to {named!r}, the id the hand-in "
            "names (leading zeros lost, as a spreadsheet does)"
        )
    if _SCIENTIFIC.fullmatch(found.strip()):
        try:
            same = named.isdigit() and float(found.replace(",", ".")) == float(named)
        except ValueError:
            same = False
        if same:
            return named, (
                f"learner id {found!r} in the rows restored to {named!r}, the id the "
                "hand-in names (a spreadsheet wrote it in scientific notation)"
            )
        return None, (
            f"learner id mangled: {found!r} is scientific notation (a spreadsheet rewrote "
            f"the id) and does not give {named!r}, the id the hand-in names"
        )
    return None, f"learner id mismatch: the rows say {found!r}, the hand-in names {named!r}"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_hand_in(target: str | Path, learner: str, directory=None) -> tuple[Path, dict]:
    """Write the hand-in zip for ``learner`` to ``target``; returns it and its manifest.

    Raises ``FileNotFoundError`` when the learner has no label file yet."""
    from .reflections import read_reflection_file
    from .store import read_label_file

    folder = paths.annotation_dir(directory)
    labels = folder / f"{learner}.csv"
    reflections = folder / f"{learner}{REFLECTIONS_SUFFIX}"
    if not labels.exists():
        raise FileNotFoundError(f"{labels} does not exist")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    files = {}
    temporary = target.with_name(target.name + ".tmp")
    # Each store's lock: a save in another tab cannot land half-way through the copy.
    with FileLock(str(labels) + ".lock", timeout=10):
        with FileLock(str(reflections) + ".lock", timeout=10):
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
                for path, reader in (
                    (labels, read_label_file),
                    (reflections, read_reflection_file),
                ):
                    if not path.exists():
                        continue
                    rows, _problems = reader(path)
                    archive.write(path, path.name)
                    files[path.name] = {"rows": len(rows), "sha256": _digest(path)}
                manifest = {
                    "format": _FORMAT,
                    "version": 1,
                    "learner": learner,
                    "made_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "files": files,
                }
                archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")
    temporary.replace(target)
    return target, manifest
