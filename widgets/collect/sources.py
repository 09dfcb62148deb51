"""Finding label files: folders searched, zips opened, who handed each file in."""

from __future__ import annotations

import functools
import io
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from ..labelling.handin import is_hand_in_name

MAX_FILE_BYTES = 200 * 1024 * 1024
#: ``raw_line`` in the rejects is cut to this many characters.


_MOODLE = re.compile(r"^(.+?)_(\d+)_assignsubmission_")
_CANVAS = re.compile(r"^([a-z]+)_(?:late_)?(\d+)_\d+_", re.IGNORECASE)


class InputError(ValueError):
    """An input path that does not exist (a usage error, exit code 2)."""


class FileProblem(Exception):
    """The file as a whole cannot be read; the message is the reject reason."""


class Source(NamedTuple):
    """A file found (a tuple: a class's folder holds thousands, found in milliseconds)."""

    name: str
    provenance: str
    size: int
    read: Callable[[], bytes]
    #: found by searching a folder (not named by the user): collect's own outputs skipped
    scanned: bool = False
    #: a file on disk (read straight into the batch buffer), not a zip member
    path: str | None = None


# -- finding the files -----------------------------------------------------------------


def hidden(parts: Iterable[str]) -> bool:
    # .ipynb_checkpoints holds stale copies of CSVs opened in JupyterLab; __MACOSX and
    # ._name files are resource forks a Mac adds to zips.
    # ("." and ".." are path steps, not hidden names: a zip member "../x.csv" is read in
    # memory like any other, never extracted.)
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


def provenance(parts: Sequence[str]) -> str:
    """Who handed the file in, as the platform recorded it (the learner column counts)."""
    parts = list(parts)
    if "submitted" not in parts and "_" not in "".join(parts):
        return ""  # (every pattern below needs one of them: most files are named so)
    for i, part in enumerate(parts[:-2]):
        if part == "submitted":  # nbgrader: submitted/<student>/<assignment>/...
            return parts[i + 1]
    name = parts[-1]
    for pattern in (_MOODLE, _CANVAS):
        match = pattern.match(name)
        if match:
            return "_".join(match.groups()) if pattern is _MOODLE else match.group(1)
    for part in reversed(parts[:-1]):
        match = _MOODLE.match(part)  # Moodle's "with folders" download
        if match:
            return "_".join(match.groups())
    return ""


def zip_sources(path: Path, display: str) -> list[Source]:
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        return [Source(display, "", 0, failing(f"unreadable zip file: {error}"))]
    sources = []
    for info in sorted(infos, key=lambda i: i.filename):
        # zips made on Windows may separate folders with "\\"
        member = PurePosixPath(info.filename.replace("\\", "/"))
        if info.is_dir() or hidden(member.parts):
            continue
        suffix = member.suffix.lower()
        name = f"{display}:{info.filename}"
        if suffix == ".zip" and is_hand_in_name(member.name):
            # a hand-in zip in a platform's "download all submissions" zip
            sources.extend(hand_in_sources(path, info, name, member))
            continue
        if suffix == ".zip":
            # a learner uploaded a zip: say so rather than skip their labels silently
            problem = "zip inside a zip: unzip it and collect the folder it holds"
            sources.append(Source(name, provenance(member.parts), 0, failing(problem)))
            continue
        if suffix != ".csv":
            continue
        if info.flag_bits & 0x1:
            problem = "unreadable zip member: it is password-protected (encrypted)"
            sources.append(Source(name, provenance(member.parts), 0, failing(problem)))
            continue

        def read(info=info):
            try:
                again = zipfile.ZipFile(path)  # (the zip may have changed since it was listed)
            except zipfile.BadZipFile as error:
                raise FileProblem(f"unreadable zip member: {error}") from None
            with again:
                return read_member(again, info)

        sources.append(
            Source(f"{display}:{info.filename}", provenance(member.parts), info.file_size, read)
        )
    return sources


def read_member(archive: zipfile.ZipFile, info) -> bytes:
    """A zip member's bytes; a damaged member is the file's problem, not a crash."""
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise FileProblem(f"unreadable zip member: {error}") from None


def hand_in_sources(path: Path, info, name: str, member: PurePosixPath) -> list[Source]:
    """The CSV members of a hand-in zip (:mod:`widgets.labelling.handin`) that is itself a member
    of the zip at ``path``: read into memory, never extracted."""
    try:
        with zipfile.ZipFile(path) as outer:
            inner = zipfile.ZipFile(io.BytesIO(outer.read(info)))
            infos = inner.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as error:
        return [Source(name, provenance(member.parts), 0, failing(f"unreadable hand-in: {error}"))]
    sources = []
    for item in sorted(infos, key=lambda i: i.filename):
        if item.is_dir() or not item.filename.lower().endswith(".csv"):
            continue

        def read(item=item, inner=inner):
            return read_member(inner, item)

        sources.append(
            Source(f"{name}:{item.filename}", provenance(member.parts), item.file_size, read)
        )
    return sources


def failing(message: str) -> Callable[[], bytes]:
    def read() -> bytes:
        raise FileProblem(message)

    return read


def find_inputs(inputs: Iterable[str | os.PathLike]) -> list[Source]:
    """Every label file in ``inputs`` (folders searched recursively, zips opened).

    Raises
    ------
    InputError
        An input does not exist.
    """
    sources: list[Source] = []
    for given in inputs:
        path = Path(given)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            prefix = os.path.join(path, "")  # (a join per file costs more than its search)
            for relative, size in walk(path):
                found = prefix + os.sep.join(relative)
                if relative[-1].lower().endswith(".csv"):
                    sources.append(
                        file_source(found, (path.name, *relative), scanned=True, size=size)
                    )
                else:
                    sources.extend(zip_sources(Path(found), found))
        elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            sources.extend(zip_sources(path, str(path)))
        else:
            sources.append(file_source(path, path.parts))
    return sources


def walk(folder: Path) -> list[tuple[tuple[str, ...], int | OSError]]:
    """Relative parts and size (or why it could not be read) of the ``.csv`` and ``.zip``
    files under ``folder``, hidden ones left out, in the order
    ``sorted(folder.rglob("*"))`` gives. os.scandir tells files from folders without a
    stat call, and one stat gives the size: several times faster than rglob and Paths
    on a folder of 10,000 files."""
    found = []
    pending = [()]
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(os.path.join(folder, *relative)) as entries:
                entries = list(entries)
        except OSError:
            continue  # os.walk skips folders it cannot list, too
        for entry in entries:
            name = entry.name
            if name[0] == "." or name == "__MACOSX":  # hidden(), inlined: once per file
                continue
            try:
                is_folder = entry.is_dir(follow_symlinks=False)  # as os.walk: no loops
                is_file = not is_folder and entry.is_file()
            except OSError:
                continue
            if is_folder:
                pending.append((*relative, name))
            elif is_file and name.lower().endswith((".csv", ".zip")):
                try:
                    size: int | OSError = entry.stat().st_size
                except OSError as error:
                    size = error
                found.append(((*relative, name), size))
    return sorted(found, key=lambda item: item[0])  # parts order as the Paths do


def file_source(
    path: str | Path,
    parts: Sequence[str],
    *,
    scanned: bool = False,
    size: int | OSError | None = None,
) -> Source:
    name = str(path)
    if size is None:
        try:
            size = os.stat(name).st_size
        except OSError as error:
            size = error
    if isinstance(size, OSError):
        return Source(name, "", 0, failing(f"unreadable file: {size.strerror}"))
    read = functools.partial(read_file, name, size)
    return Source(name, provenance(parts), size, read, scanned, name)


def read_file(name: str, size: int = 0) -> bytes:
    """The file's bytes. ``os.read`` without a buffered file object around it: 40% less
    time on a class's thousand small reflection files (``size``, the listed size, is read
    in one call; a file that grew since is read to its end)."""
    handle = os.open(name, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        data = os.read(handle, size + 1)  # (a regular file reads short only at its end)
        if len(data) <= size:
            return data
        parts = [data]
        while chunk := os.read(handle, 1 << 20):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(handle)
