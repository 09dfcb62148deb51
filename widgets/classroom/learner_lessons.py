"""Copy the kit's learner lessons into a learner's folder, and update them safely.

``rhetoric-lab lessons [DEST]`` (default ``~/rhetoric-lab/lessons``) copies every learner
lesson and writes a manifest (``.rhetoric-lab-lessons.json``) of what it copied. Run
again, it adds new lessons and updates every lesson whose cell sources still match the
manifest: outputs, execution counts and metadata are not changes, cell sources are. A
lesson the learner edited is kept as theirs, and the new version is written beside it as
``<lesson>.kit-<version>.ipynb``. This is how a lesson fix reaches a class mid-course.

Nothing of the learner's is ever overwritten: every file is written to a temporary name
and moved into place, and a lesson is replaced only when it is byte-for-byte a copy the
kit made (by its cell sources).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "MANIFEST_NAME",
    "LessonsError",
    "LessonAction",
    "LessonsResult",
    "copy_lessons",
    "learner_lessons_source",
    "sources_fingerprint",
]

MANIFEST_NAME = ".rhetoric-lab-lessons.json"


class LessonsError(RuntimeError):
    """The lessons could not be copied: the message says why and that nothing was lost."""


@dataclass(frozen=True)
class LessonAction:
    """What happened to one lesson: ``added``, ``restored``, ``updated``, ``unchanged``,
    ``kept`` (the learner's edit; ``beside`` names the new version, if any)."""

    lesson: str
    action: str
    beside: str | None = None


@dataclass
class LessonsResult:
    dest: Path
    version: str
    actions: list[LessonAction] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(a.action == action for a in self.actions)

    def describe(self) -> str:
        """What was done, one line per lesson that changed, for the command to print."""
        lines = [f"  warning   {text}" for text in self.warnings]
        for item in self.actions:
            if item.action == "unchanged":
                continue
            if item.action == "kept" and item.beside:
                lines.append(
                    f"  kept      {item.lesson}: you edited it, so it stays as yours; "
                    f"the new version is {item.beside}"
                )
            elif item.action == "kept":
                lines.append(f"  kept      {item.lesson}: you edited it (no newer version)")
            else:
                lines.append(f"  {item.action:<9} {item.lesson}")
        unchanged = self.count("unchanged")
        if unchanged:
            lines.append(f"  unchanged {unchanged} lesson(s) already up to date")
        return "\n".join(lines)


def _source_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def sources_fingerprint(notebook: dict) -> str:
    """A hash of the notebook's cell types and sources, nothing else: running a lesson
    (outputs, execution counts, widget state, metadata) does not change it."""
    cells = [[cell.get("cell_type", ""), _source_text(cell)] for cell in notebook.get("cells", [])]
    payload = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _fingerprint_file(path: Path) -> str | None:
    """The file's fingerprint, or ``None`` when it is not a notebook we can read (then
    it is treated as the learner's own)."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return sources_fingerprint(notebook) if isinstance(notebook, dict) else None


def _file_mode() -> int:
    """The mode a new file gets under the current umask (e.g. 0644)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, so a
    failure leaves the old file (or none) and never half a lesson."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, _file_mode())  # mkstemp makes 0600; a lesson is a normal file
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def learner_lessons_source(scratch: Path) -> Path:
    """The folder of learner lessons to copy from.

    An installed kit carries them, already filtered by its build. A checkout or bundle
    has the sources; they go through the learner release (instructor notebooks left
    out, solutions stripped, leak check) into ``scratch`` first.
    """
    from .. import paths

    if paths.kit_layout() == "installed":
        return paths.kit_lessons_dir()
    from .release import ReleaseError, release

    bundle = scratch / "release"
    try:
        release(bundle, root=paths.REPO_ROOT)
    except ReleaseError as error:
        raise LessonsError(f"the learner lessons could not be prepared: {error}") from error
    return bundle / "lessons"


def _read_manifest(dest: Path) -> tuple[dict[str, dict], str | None]:
    """The lessons recorded in ``dest``'s manifest, and a warning if it was unreadable
    (then every existing lesson counts as the learner's: nothing is overwritten)."""
    path = dest / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        lessons = manifest["lessons"]
        if not isinstance(lessons, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("sources"), str) for v in lessons.values()
        ):
            raise ValueError("its 'lessons' entry is not a table of lessons")
        return lessons, None
    except FileNotFoundError:
        return {}, None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        return {}, (
            f"{path} could not be read ({error}); every lesson already there is treated as "
            "yours and kept"
        )


def _beside_name(dest: Path, lesson: str, version: str, fingerprint: str) -> str | None:
    """A free name for the new version next to the learner's copy, or ``None`` when the
    same new version is already there."""
    stem = Path(lesson).stem
    candidates = [f"{stem}.kit-{version}.ipynb"] + [
        f"{stem}.kit-{version}-{n}.ipynb" for n in range(2, 100)
    ]
    for name in candidates:
        path = dest / name
        if not path.exists():
            return name
        if _fingerprint_file(path) == fingerprint:
            return None
    raise LessonsError(f"too many copies of {lesson} in {dest}; tidy the folder and run again")


def _check_dest(dest: Path) -> None:
    """Refuse a destination we cannot use, before anything is written."""
    if dest.exists() and not dest.is_dir():
        raise LessonsError(
            f"{dest} is a file, not a folder; give a folder for the lessons (nothing was changed)"
        )
    for parent in [dest, *dest.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise LessonsError(
                    f"{parent} is a file, so {dest} cannot be made; give another folder "
                    "(nothing was changed)"
                )
            break
    try:
        dest.mkdir(parents=True, exist_ok=True)
        probe, name = tempfile.mkstemp(dir=dest, prefix=".rhetoric-lab-probe-")
        os.close(probe)
        os.unlink(name)
    except OSError as error:
        reason = error.strerror or str(error)
        raise LessonsError(
            f"cannot write lessons into {dest}: {reason}; choose a folder you can write to "
            "(nothing was changed)"
        ) from error


def copy_lessons(dest: str | os.PathLike, *, source: Path, version: str) -> LessonsResult:
    """Copy the learner lessons in ``source`` into ``dest`` and update its manifest.

    Parameters
    ----------
    dest : path
        The learner's lessons folder; made if missing.
    source : path
        A folder of learner lessons (see :func:`learner_lessons_source`).
    version : str
        The kit's version, recorded in the manifest and in the names of new versions
        written beside a learner's edited copy.

    Raises
    ------
    LessonsError
        ``dest`` is a file or cannot be written, or a write failed part way (the message
        says which lessons were done; none of the learner's files is changed).
    """
    dest = Path(dest)
    _check_dest(dest)
    recorded, warning = _read_manifest(dest)
    result = LessonsResult(dest=dest, version=version)
    if warning:
        result.warnings.append(warning)
    manifest = dict(recorded)
    lessons = sorted(source.glob("*.ipynb"))
    if not lessons:
        raise LessonsError(f"the kit has no lessons in {source}; reinstall rhetoric-lab")
    try:
        for lesson_path in lessons:
            name = lesson_path.name
            text = lesson_path.read_text(encoding="utf-8")
            fingerprint = sources_fingerprint(json.loads(text))
            entry = {"sources": fingerprint, "version": version}
            target = dest / name
            known = recorded.get(name, {}).get("sources")
            if not target.exists():
                _write_atomic(target, text)
                action = LessonAction(name, "restored" if known else "added")
            else:
                current = _fingerprint_file(target)
                if current == fingerprint:
                    action = LessonAction(name, "unchanged")
                elif current is not None and current == known:
                    _write_atomic(target, text)  # still the kit's copy: safe to replace
                    action = LessonAction(name, "updated")
                elif known == fingerprint:
                    action = LessonAction(name, "kept")  # edited; nothing newer to offer
                else:
                    beside = _beside_name(dest, name, version, fingerprint)
                    if beside is not None:
                        _write_atomic(dest / beside, text)
                    action = LessonAction(
                        name, "kept", beside or f"{Path(name).stem}.kit-{version}.ipynb"
                    )
            manifest[name] = entry
            result.actions.append(action)
    except OSError as error:
        _save_manifest(dest, manifest, version)
        done = ", ".join(a.lesson for a in result.actions) or "none"
        raise LessonsError(
            f"stopped while writing into {dest}: {error.strerror or error}. Lessons done: "
            f"{done}. None of your files was changed; free some space and run again."
        ) from error
    _save_manifest(dest, manifest, version)
    return result


def _save_manifest(dest: Path, lessons: dict[str, dict], version: str) -> None:
    manifest = {
        "kit": "rhetoric-lab",
        "version": version,
        "updated": datetime.now(UTC).isoformat(timespec="seconds"),
        "about": "What `rhetoric-lab lessons` copied here. A lesson whose cell sources "
        "still match is replaced by a newer version; an edited one is kept.",
        "lessons": dict(sorted(lessons.items())),
    }
    _write_atomic(dest / MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")
