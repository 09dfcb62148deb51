"""Collect a class's label files into one checked table of current labels.

An instructor downloads the learners' CSVs (a folder, a Moodle/Canvas zip, nbgrader's
``submitted/<student>/<assignment>/`` tree or single files) and calls::

    result = collect(["downloads/"], corpus=corpus, codebook=codebook)
    result.labels      # current labels: one row per (learner, article, sentence, target)
    result.history     # every valid row, with source_file: how minds changed
    result.rejects     # file, row, reason, raw_line: what was set aside, and why
    result.counts      # the accounting below
    result.files       # one row per file read (provenance, rows, problem)

or ``rhetoric-lab collect downloads/ --out class.csv`` (see
:mod:`widgets.commands.collect`), which also writes ``class.history.csv`` and
``class.rejects.csv`` beside ``class.csv``.

Published API (stable): :func:`collect`, :class:`CollectResult`, :func:`write_outputs`,
:func:`find_inputs`, :func:`is_collect_output`, :class:`InputError`, :data:`REJECT_COLUMNS`, :data:`HISTORY_COLUMNS`,
:data:`FILE_COLUMNS`.

Frames
------
``labels`` has exactly :data:`~widgets.schema.LABEL_COLUMNS`, one row per key whose
latest row has status ``set``, sorted by learner, article (corpus order), sentence
(reading order, summary last) and target. Values are the text as saved, except that
``techniques`` is normalised (sorted, de-duplicated ids) and, in files read by the
tolerant reader, spaces around ids are stripped. To keep 10,000 learners in memory the
repetitive columns are pandas ``category`` dtype (compare and filter them like text;
``.astype(str)`` gives plain text); ``note`` and ``saved_at`` are ``str``.
``history`` has the same columns plus ``source_file``, file by file (each file's rows
together, in the order it was saved; files read the same way come together, so sort by
``source_file`` for the files' own order).

What is checked (a failing row goes to ``rejects``; the first failing check names it)
--------------------------------------------------------------------------------------
learner id (:func:`widgets.paths.validate_learner_id`); status; article; sentence in that
article (or ``summary``); target allowed for the article; ``saved_at`` ISO 8601 with a
time zone and not more than :data:`CLOCK_SKEW` in the future; technique ids (technique
rows only), stance (stance rows only; cleared rows carry none), frame (summary technique
row only), confidence; note length (:data:`widgets.labelling.store.MAX_NOTE_LENGTH`); and
``text_sha1`` against the sentence's current text.

Decisions:

* **Text drift is rejected** (reason ``text drift``): a label given to different wording
  may not fit the sentence as it now reads, and mixing both into agreement would blur it.
  An empty ``text_sha1`` (hand-made files) is not checked, and a hash of an earlier
  wording kept in ``articles/text-history.csv`` (a typographic fix) is accepted.
* **Codebook version**: a row saved under another ``codebook_version`` is kept when
  every technique and frame it uses is still in the codebook; otherwise it is rejected
  as an unknown technique/frame and the reason names the version it was made with.
* **Exact duplicates** (the same row twice, e.g. a file in a folder and in a zip) are
  counted once; later copies are counted as ``duplicate``.
* **Conflicting rows** (same key and the same ``saved_at`` instant, different values) are
  all rejected (reason ``conflicting rows``): neither can be trusted to be the last word.

Accounting (exact, checked on every call)
-----------------------------------------
``rows_read`` counts every data record of every file that could be read (blank lines
excepted). Each record lands in exactly one bucket::

    rows_read == kept + superseded + cleared + duplicate + rejected + revealed

``revealed`` = rows recording a look at the key (status ``revealed``, see
:mod:`widgets.analysis.reveals`; in ``history``, never in ``labels``, and never superseding a label);
``kept`` = rows of ``labels`` (the current label of a key); ``superseded`` = valid rows a
later save of the same key replaced (in ``history``); ``cleared`` = a key's latest row
withdraws it (status ``cleared``; in ``history``, not in ``labels``); ``duplicate`` =
exact repeats; ``rejected`` = records set aside (``rejects`` rows with ``row >= 1``).
A file rejected as a whole (empty, binary, too large, unreadable, missing columns)
contributes no rows: it appears in ``rejects`` once with ``row == 0`` and in
``counts["files_rejected"]``.

Collect's own outputs found while searching a folder (``rhetoric-lab collect . --out
class.csv`` run twice) are not label files: they are left unread, listed in ``files``
with the note ``skipped: collect's own ... output``, named in
:attr:`CollectResult.skipped` and not counted in ``counts["files"]`` (see
:func:`is_collect_output`). A file named on the command line is always read.

``row`` in ``rejects`` is the spreadsheet row: the header is row 1, the first record
row 2 (a note with a line break is still one row). ``raw_line`` is the record as read,
re-joined with its delimiter (at most :data:`MAX_RAW_LINE` characters). ``reason`` is
``"<kind>: <detail>"``; :attr:`CollectResult.rejected_by_reason` counts the kinds.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import os
import re
import sys
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from . import paths
from .labelling.handin import is_hand_in_name, named_learner, restore_learner_id
from .labelling.reflections import is_reflection_file
from .labelling.store import MAX_NOTE_LENGTH
from .schema import (
    CONFIDENCE_LEVELS,
    LABEL_COLUMNS,
    REVEAL_WHOLE_ARTICLE,
    STANCES,
    STATUS_CLEARED,
    STATUS_REVEALED,
    STATUS_SET,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
    join_techniques,
)

__all__ = [
    "CollectResult",
    "collect",
    "write_outputs",
    "read_class_csv",
    "find_inputs",
    "InputError",
    "REJECT_COLUMNS",
    "HISTORY_COLUMNS",
    "FILE_COLUMNS",
    "COUNT_KEYS",
    "COLUMN_ALIASES",
    "REQUIRED_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_RAW_LINE",
    "CLOCK_SKEW",
    "output_paths",
    "is_collect_output",
]

REJECT_COLUMNS: tuple[str, ...] = ("file", "row", "reason", "raw_line")
HISTORY_COLUMNS: tuple[str, ...] = (*LABEL_COLUMNS, "source_file")
#: One row per file found: where it came from and what became of it.
FILE_COLUMNS: tuple[str, ...] = (
    "file",
    "provenance",
    "encoding",
    "rows_read",
    "rows_rejected",
    "problem",
    "notes",
)
#: Keys of :attr:`CollectResult.counts`.
COUNT_KEYS: tuple[str, ...] = (
    "files",
    "files_rejected",
    "learners",
    "rows_read",
    "kept",
    "superseded",
    "cleared",
    "duplicate",
    "rejected",
    "revealed",
)
#: A file larger than this is refused unread (a label file is a few hundred KB).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: ``raw_line`` in the rejects is cut to this many characters.
MAX_RAW_LINE = 2000
#: How far in the future a ``saved_at`` may be (a learner's clock running fast).
CLOCK_SKEW = timedelta(minutes=5)

#: Columns without which a file cannot be read; the others default to "".
REQUIRED_COLUMNS: tuple[str, ...] = (
    "learner",
    "article_id",
    "sentence_id",
    "target",
    "techniques",
    "stance",
    "status",
    "saved_at",
)

#: Header names understood besides the schema's own (compared lower-case, with spaces and
#: hyphens read as underscores), e.g. "Learner", "sentence id", "Sentence-ID".
COLUMN_ALIASES: dict[str, str] = {
    "learner_id": "learner",
    "student": "learner",
    "student_id": "learner",
    "user": "learner",
    "username": "learner",
    "annotator": "learner",
    "coder": "learner",
    "article": "article_id",
    "sentence": "sentence_id",
    "stance_target": "target",
    "technique": "techniques",
    "tags": "techniques",
    "notes": "note",
    "comment": "note",
    "why": "note",
    "rationale": "note",
    "main_frame": "frame",
    "timestamp": "saved_at",
    "time": "saved_at",
    "saved": "saved_at",
    "version": "codebook_version",
    "codebook": "codebook_version",
    "sha1": "text_sha1",
    "text_hash": "text_sha1",
}

_HEADER_BYTES = (",".join(LABEL_COLUMNS) + "\n").encode("ascii")
# Columns kept dictionary-encoded (pandas category): few distinct values, many rows.
_TEXT_COLUMNS = ("note", "saved_at")
_DICT_COLUMNS = tuple(c for c in LABEL_COLUMNS if c not in _TEXT_COLUMNS)
_DICT_TYPE = pa.dictionary(pa.int32(), pa.string())
_SCHEMA = pa.schema(
    [(c, pa.string() if c in _TEXT_COLUMNS else _DICT_TYPE) for c in LABEL_COLUMNS]
    + [("_file", pa.int32()), ("_row", pa.int32()), ("_raw", pa.string()), ("_tail", pa.bool_())]
)
# Measured: a 16 MB buffer is quicker to make than a larger one and parses as fast, in
# two blocks (one per core).
_BATCH_BYTES = 16 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MOODLE = re.compile(r"^(.+?)_(\d+)_assignsubmission_")
_CANVAS = re.compile(r"^([a-z]+)_(?:late_)?(\d+)_\d+_", re.IGNORECASE)


class InputError(ValueError):
    """An input path that does not exist (a usage error, exit code 2)."""


class _FileProblem(Exception):
    """The file as a whole cannot be read; the message is the reject reason."""


@dataclass(frozen=True)
class _Source:
    name: str
    provenance: str
    size: int
    read: Callable[[], bytes] = field(repr=False, compare=False)
    #: found by searching a folder (not named by the user): collect's own outputs skipped
    scanned: bool = False
    #: a file on disk (read straight into the batch buffer), not a zip member
    path: str | None = None


@dataclass(frozen=True)
class CollectResult:
    """What :func:`collect` found. See the module docstring for columns and accounting.

    Attributes
    ----------
    labels : DataFrame
        Current labels (:data:`~widgets.schema.LABEL_COLUMNS`).
    history : DataFrame
        Every valid row (:data:`HISTORY_COLUMNS`), superseded and cleared included.
    rejects : DataFrame
        :data:`REJECT_COLUMNS`; ``row == 0`` for a file rejected as a whole.
    counts : dict
        :data:`COUNT_KEYS` -> int.
    files : DataFrame
        :data:`FILE_COLUMNS`, one row per file found.
    """

    labels: pd.DataFrame
    history: pd.DataFrame
    rejects: pd.DataFrame
    counts: dict[str, int]
    files: pd.DataFrame
    #: Files in the input folders that collect itself wrote (``class.csv``,
    #: ``class.history.csv``, ``class.rejects.csv``): left unread, listed in ``files``.
    skipped: tuple[str, ...] = ()

    @property
    def learners(self) -> tuple[str, ...]:
        """Learner ids with at least one valid row, sorted."""
        column = self.history["learner"]
        if isinstance(column.dtype, pd.CategoricalDtype):
            # from the categories some row uses: one string per learner, not per row
            # (10,000 learners' history has millions of rows)
            codes = column.cat.codes.to_numpy()
            used = _category_counts(codes, len(column.cat.categories)) > 0
            values = column.cat.categories[used]
        else:
            values = column.unique()
        return tuple(sorted({str(v) for v in values}))

    @property
    def simulated(self) -> bool:
        """True when every learner is simulated (ids ``sim-...``, see :mod:`widgets.classroom.simulate`)."""
        from .classroom.simulate import SIMULATED_PREFIX

        learners = self.learners
        return bool(learners) and all(x.startswith(SIMULATED_PREFIX) for x in learners)

    @property
    def rejected_by_reason(self) -> dict[str, int]:
        """Rejected rows per kind of reason (file-level rejects not included), largest first."""
        rows = self.rejects[self.rejects["row"] > 0]
        kinds = rows["reason"].astype(str).str.split(":", n=1).str[0]
        return {str(k): int(v) for k, v in kinds.value_counts().items()}

    @property
    def files_rejected_by_reason(self) -> dict[str, int]:
        """Files rejected as a whole per kind of reason."""
        rows = self.rejects[self.rejects["row"] == 0]
        kinds = rows["reason"].astype(str).str.split(":", n=1).str[0]
        return {str(k): int(v) for k, v in kinds.value_counts().items()}


# -- finding the files -----------------------------------------------------------------


def _hidden(parts: Iterable[str]) -> bool:
    # .ipynb_checkpoints holds stale copies of CSVs opened in JupyterLab; __MACOSX and
    # ._name files are resource forks a Mac adds to zips.
    # ("." and ".." are path steps, not hidden names: a zip member "../x.csv" is read in
    # memory like any other, never extracted.)
    return any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)


def _provenance(parts: Sequence[str]) -> str:
    """Who handed the file in, as the platform recorded it (the learner column counts)."""
    parts = list(parts)
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


def _zip_sources(path: Path, display: str) -> list[_Source]:
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        return [_Source(display, "", 0, _failing(f"unreadable zip file: {error}"))]
    sources = []
    for info in sorted(infos, key=lambda i: i.filename):
        # zips made on Windows may separate folders with "\\"
        member = PurePosixPath(info.filename.replace("\\", "/"))
        if info.is_dir() or _hidden(member.parts):
            continue
        suffix = member.suffix.lower()
        name = f"{display}:{info.filename}"
        if suffix == ".zip" and is_hand_in_name(member.name):
            # a hand-in zip in a platform's "download all submissions" zip
            sources.extend(_hand_in_sources(path, info, name, member))
            continue
        if suffix == ".zip":
            # a learner uploaded a zip: say so rather than skip their labels silently
            problem = "zip inside a zip: unzip it and collect the folder it holds"
            sources.append(_Source(name, _provenance(member.parts), 0, _failing(problem)))
            continue
        if suffix != ".csv":
            continue
        if info.flag_bits & 0x1:
            problem = "unreadable zip member: it is password-protected (encrypted)"
            sources.append(_Source(name, _provenance(member.parts), 0, _failing(problem)))
            continue

        def read(info=info):
            try:
                with zipfile.ZipFile(path) as again:
                    return again.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
                raise _FileProblem(f"unreadable zip member: {error}") from None

        sources.append(
            _Source(f"{display}:{info.filename}", _provenance(member.parts), info.file_size, read)
        )
    return sources


def _hand_in_sources(path: Path, info, name: str, member: PurePosixPath) -> list[_Source]:
    """The CSV members of a hand-in zip (:mod:`widgets.labelling.handin`) that is itself a member
    of the zip at ``path``: read into memory, never extracted."""
    try:
        with zipfile.ZipFile(path) as outer:
            inner = zipfile.ZipFile(io.BytesIO(outer.read(info)))
            infos = inner.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as error:
        return [
            _Source(name, _provenance(member.parts), 0, _failing(f"unreadable hand-in: {error}"))
        ]
    sources = []
    for item in sorted(infos, key=lambda i: i.filename):
        if item.is_dir() or not item.filename.lower().endswith(".csv"):
            continue

        def read(item=item, inner=inner):
            try:
                return inner.read(item)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
                raise _FileProblem(f"unreadable zip member: {error}") from None

        sources.append(
            _Source(f"{name}:{item.filename}", _provenance(member.parts), item.file_size, read)
        )
    return sources


def _failing(message: str) -> Callable[[], bytes]:
    def read() -> bytes:
        raise _FileProblem(message)

    return read


def find_inputs(inputs: Iterable[str | os.PathLike]) -> list[_Source]:
    """Every label file in ``inputs`` (folders searched recursively, zips opened).

    Raises
    ------
    InputError
        An input does not exist.
    """
    sources: list[_Source] = []
    for given in inputs:
        path = Path(given)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        if path.is_dir():
            for relative, size in _walk(path):
                found = os.path.join(path, *relative)
                if relative[-1].lower().endswith(".csv"):
                    sources.append(
                        _file_source(found, (path.name, *relative), scanned=True, size=size)
                    )
                else:
                    sources.extend(_zip_sources(Path(found), found))
        elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            sources.extend(_zip_sources(path, str(path)))
        else:
            sources.append(_file_source(path, path.parts))
    return sources


def _walk(folder: Path) -> list[tuple[tuple[str, ...], int | OSError]]:
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
            if _hidden((name,)):
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


def _file_source(
    path: str | Path,
    parts: Sequence[str],
    *,
    scanned: bool = False,
    size: int | OSError | None = None,
) -> _Source:
    name = str(path)
    if size is None:
        try:
            size = os.stat(name).st_size
        except OSError as error:
            size = error
    if isinstance(size, OSError):
        return _Source(name, "", 0, _failing(f"unreadable file: {size.strerror}"))
    return _Source(
        name, _provenance(parts), size, functools.partial(_read_file, name), scanned, name
    )


def _read_file(name: str) -> bytes:
    with open(name, "rb") as file:
        return file.read()


def _first_line(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.readline(4096).removeprefix(codecs.BOM_UTF8).rstrip(b"\r\n")
    except OSError:
        return b""


def _output_kind(first_line: bytes) -> str:
    """Which collect output a header line belongs to ("" when none)."""
    names = [n.strip().strip('"') for n in first_line.decode("utf-8", "replace").split(",")]
    if names == list(HISTORY_COLUMNS):
        return "history"
    if names == list(REJECT_COLUMNS):
        return "rejects"
    if names == list(LABEL_COLUMNS):
        return "labels"
    return ""


def is_collect_output(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a file ``rhetoric-lab collect`` wrote.

    ``class.history.csv`` and ``class.rejects.csv`` are known by their header (with
    ``source_file``; ``file,row,reason,raw_line``); ``class.csv`` has a learner file's
    columns, so it counts only beside a ``class.history.csv`` of the same stem.
    """
    path = Path(path)
    kind = _output_kind(_first_line(path))
    if kind in ("history", "rejects"):
        return True
    if kind == "labels":
        history = output_paths(path)["history"]
        return history.is_file() and _output_kind(_first_line(history)) == "history"
    return False


# -- reading one file ------------------------------------------------------------------


@dataclass
class _Parsed:
    """Rows of one file read by the tolerant reader."""

    columns: dict[str, list[str]]
    rows: list[int]
    raw: list[str]
    tail: list[bool]
    rejects: list[tuple[int, str, str]]
    records: int
    encoding: str
    notes: list[str]


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise _FileProblem(f"unreadable text: broken UTF-16 ({error.reason})") from None
    if b"\x00" in data:
        sample = data[:4096] if len(data) >= 16 else b""
        for offset, codec in ((1, "utf-16-le"), (0, "utf-16-be")):
            if sample[offset::2].count(0) > 0.9 * len(sample[offset::2]):
                try:
                    return data.decode(codec), codec
                except UnicodeDecodeError:
                    break
        # A stray NUL or two (a torn write, a pasted control character) is left to the row
        # checks, so the good rows around it are kept; many NULs mean a binary file.
        if data[:65536].count(0) >= max(2, len(data[:65536]) // 1000):
            raise _FileProblem("binary file: it holds NUL bytes, so it is not a label CSV")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few broken bytes (a torn write) stays UTF-8; text without any
    # valid multi-byte sequence is what Excel saves on Windows: cp1252.
    replaced = data.decode("utf-8-sig", errors="replace")
    broken = replaced.count("\ufffd")
    if sum(1 for ch in replaced if ord(ch) > 127) - broken > broken:
        return replaced, "utf-8 (invalid bytes replaced)"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _column_name(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().strip('"').lstrip("\ufeff").strip().lower())
    return key if key in LABEL_COLUMNS else COLUMN_ALIASES.get(key, "")


def _join(record: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(record)
    return buffer.getvalue()[:MAX_RAW_LINE]


def _records(lines: list[str], delimiter: str, offset: int = 0) -> list[tuple[list[str], int, int]]:
    """The CSV records in ``lines``, each with the lines it spans: (record, first, end),
    numbered from ``offset``."""
    reader = csv.reader(lines, delimiter=delimiter)
    spans, start = [], 0
    for record in reader:
        spans.append((record, start + offset, reader.line_num + offset))
        start = reader.line_num
    return spans


def _tolerant_read(data: bytes) -> _Parsed:
    """Read a damaged or non-canonical file; raise _FileProblem if it is not usable."""
    text, encoding = _decode(data)
    notes = [] if encoding == "utf-8" else [f"decoded as {encoding}"]
    if not text.strip():
        raise _FileProblem("empty file: no header and no rows")
    sample = text[:65536]
    if len(_CONTROL.findall(sample)) >= max(1, len(sample) // 100):
        raise _FileProblem("binary file: control characters, so it is not a label CSV")
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    if delimiter != ",":
        notes.append(f"delimiter {delimiter!r}")
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_FILE_BYTES + 1))
    lines = io.StringIO(text, newline="").readlines()
    try:
        records = _records(lines, delimiter)
    except csv.Error as error:
        raise _FileProblem(f"unreadable CSV: {error}") from None
    finally:
        csv.field_size_limit(limit)
    header = records[0][0] if records else []
    mapped = [_column_name(n) for n in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(mapped):
        if name and name not in positions:
            positions[name] = index
        elif name:
            notes.append(f"column {header[index]!r} repeats {name!r}; the first is used")
    body = records[1:]
    first_row = 2
    if not all(c in positions for c in REQUIRED_COLUMNS):
        if len(positions) >= 3:
            missing = [c for c in REQUIRED_COLUMNS if c not in positions]
            raise _FileProblem(
                f"missing columns: {', '.join(missing)} (the header has: {', '.join(header)})"
            )
        if len(header) != len(LABEL_COLUMNS):
            raise _FileProblem(
                "no header: the first line does not name the label columns "
                f"(expected {','.join(LABEL_COLUMNS)})"
            )
        notes.append("no header line: columns read in the standard order")
        positions = {c: i for i, c in enumerate(LABEL_COLUMNS)}
        body, first_row, header = records, 1, list(LABEL_COLUMNS)
    extra = [h for h, m in zip(header, mapped, strict=False) if not m]
    if extra and first_row == 2:
        notes.append(f"ignored columns: {', '.join(extra)}")
    ends_cleanly = text.endswith(("\n", "\r"))
    parsed = _Parsed(
        columns={c: [] for c in LABEL_COLUMNS},
        rows=[],
        raw=[],
        tail=[],
        rejects=[],
        records=0,
        encoding=encoding,
        notes=notes,
    )
    width = len(header)
    pending = list(body)
    number = -1
    while number + 1 < len(pending):
        number += 1
        record, first, end = pending[number]
        if not record or not any(v.strip() for v in record):
            continue  # a blank line is not a record
        row = number + first_row
        parsed.records += 1
        tail = end == len(lines) and not ends_cleanly
        if len(record) != width and end - first > 1:
            # A quote that never closes runs the lines after it into this record (until
            # the next quote): if the rest of the file, read again from the next line,
            # holds good records, only this line is set aside.
            try:
                rest = _records(lines[first + 1 :], delimiter, offset=first + 1)
            except csv.Error:
                rest = []
            if any(len(r) == width for r, _, _ in rest):
                parsed.rejects.append(
                    (
                        row,
                        f"wrong number of fields: expected {width}; a quote opens a field "
                        "in this line and never closes (the lines after it are read on "
                        "their own)",
                        lines[first].rstrip("\r\n")[:MAX_RAW_LINE],
                    )
                )
                pending[number + 1 :] = rest
                continue
        if len(record) != width:
            reason = f"wrong number of fields: expected {width}, found {len(record)}"
            if tail:
                reason = f"truncated last line: {reason}"
            parsed.rejects.append((row, reason, _join(record, delimiter)))
            continue
        for column in LABEL_COLUMNS:
            index = positions.get(column)
            value = record[index] if index is not None else ""
            parsed.columns[column].append(value if column == "note" else value.strip())
        parsed.rows.append(row)
        parsed.raw.append(_join(record, delimiter))
        parsed.tail.append(tail)
    if parsed.records == 0:
        raise _FileProblem("no label rows: the file has a header only")
    return parsed


def _table_from_parsed(parsed: _Parsed, file_index: int) -> pa.Table:
    n = len(parsed.rows)
    arrays = {
        c: (
            pa.array(parsed.columns[c], pa.string())
            if c in _TEXT_COLUMNS
            else pa.array(parsed.columns[c], pa.string()).dictionary_encode()
        )
        for c in LABEL_COLUMNS
    }
    arrays["_file"] = pa.array(np.full(n, file_index, dtype=np.int32))
    arrays["_row"] = pa.array(np.asarray(parsed.rows, dtype=np.int32))
    arrays["_raw"] = pa.array(parsed.raw, pa.string())
    arrays["_tail"] = pa.array(parsed.tail, pa.bool_())
    return pa.table(arrays, schema=_SCHEMA)


# Canonical files are parsed together, many to one Arrow call (one call per file costs
# about 1 ms, more than parsing it). They are read straight into one buffer, and each
# file's header line is overwritten, in place, by a marker record of the same length
# whose learner is "\x01<n>" padded with spaces: where the markers land says which file
# each row came from, and a file whose quotes do not balance swallows the next marker,
# which the check notices. (Joining the files' bytes instead costs a copy of the class.)
_MARKER_PREFIX = "\x01"
# A marker's fields after its learner: empty, but for a valid saved_at, so the batch's
# timestamps parse in one go before the markers are dropped.
_MARKER_FIELDS = b",".join(
    b"1970-01-01T00:00:00+00:00" if column == "saved_at" else b"" for column in LABEL_COLUMNS[1:]
)
_HEADERS = (_HEADER_BYTES, _HEADER_BYTES[:-1] + b"\r\n")
# How collect's history and rejects outputs start (quoted or not, after a BOM or not).
_OUTPUT_STARTS = tuple(
    prefix + quote + name
    for prefix in (b"", codecs.BOM_UTF8)
    for quote in (b"", b'"')
    for name in (b"learner", b"file")
)
_READ = pacsv.ReadOptions(column_names=list(LABEL_COLUMNS), block_size=_BATCH_BYTES // 2)
# ignore_empty_lines=False: a blank line is then a record without a learner, so a file
# with one goes to the tolerant reader, which skips it but keeps the row numbers right
# (Arrow would silently renumber the rows after it). Batches are parsed without
# newlines_in_values, which is faster in parallel blocks and still reads quoted line
# breaks inside a block; one that falls on a block boundary fails the batch, whose files
# are then parsed one by one with it.
_PARSE = {
    quoted: pacsv.ParseOptions(newlines_in_values=quoted, ignore_empty_lines=False)
    for quoted in (False, True)
}
_CONVERT = pacsv.ConvertOptions(
    column_types={c: (pa.string() if c in _TEXT_COLUMNS else _DICT_TYPE) for c in LABEL_COLUMNS},
    strings_can_be_null=False,
    quoted_strings_can_be_null=False,
)


def _canonical_body(data: bytearray, begin: int, end: int) -> int | None:
    """Where the records start in ``data[begin:end]`` if the fast path can read them,
    else None.

    The fast path takes UTF-8 files with the schema's header (LF or CRLF), ending with a
    line break, without NUL bytes; Arrow refuses the rest of what it cannot read exactly
    (wrong field counts, blank lines, invalid UTF-8), and those go to the tolerant reader.
    Bytes are searched in place: copying a 200 MB class would cost seconds."""
    start = begin + len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8, begin, end) else begin
    for header in _HEADERS:
        if data.startswith(header, start, end):
            start += len(header)
            break
    else:
        return None
    if end == start or data[end - 1] != ord("\n") or data.find(b"\x00", start, end) >= 0:
        return None
    return start


def _parse_fast(data, quoted: bool) -> pa.Table:
    return pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=_READ,
        parse_options=_PARSE[quoted],
        convert_options=_CONVERT,
    )


def _marker_rows(learners: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of marker records and of records without a learner (a blank line reads
    as one), from the learner column's dictionary codes."""
    found: dict[bool, list[np.ndarray]] = {True: [], False: []}
    offset = 0
    for chunk in learners.chunks:
        dictionary = chunk.dictionary.to_pylist()
        for marker in (True, False):
            codes = [
                i
                for i, v in enumerate(dictionary)
                if (v.startswith(_MARKER_PREFIX) if marker else v == "")
            ]
            if codes:
                indices = chunk.indices.to_numpy(zero_copy_only=False)
                found[marker].append(np.flatnonzero(np.isin(indices, codes)) + offset)
        offset += len(chunk)
    return tuple(
        np.concatenate(found[m]) if found[m] else np.zeros(0, dtype=np.int64) for m in (True, False)
    )


#: ``_file`` of a record that is not a row: a file marker, or a row read again elsewhere
_DROPPED = -1


def _with_provenance(table: pa.Table, files: np.ndarray, rows: np.ndarray) -> pa.Table:
    n = table.num_rows
    return (
        table.append_column("_file", pa.array(files.astype(np.int32)))
        .append_column("_row", pa.array(rows.astype(np.int32)))
        .append_column("_raw", pa.nulls(n, pa.string()))
        .append_column("_tail", pa.array(np.zeros(n, dtype=bool)))
    )


@dataclass
class _Batch:
    """Canonical files read into one buffer, headers replaced by markers."""

    buffer: bytearray
    used: int = 0
    #: per file: source index, where its bytes start, its records start, its end
    files: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: per file: the marker's learner value, and the header line it replaced
    markers: list[str] = field(default_factory=list)
    headers: list[bytes] = field(default_factory=list)

    def room(self) -> int:
        return len(self.buffer) - self.used


class _Reader:
    """Reads sources into Arrow tables: canonical files in big batches, others one by one."""

    def __init__(self, total_bytes: int = 0) -> None:
        self.tables: list[pa.Table] = []
        self.rejects: list[tuple[int, int, str, str]] = []
        self.file_rows: list[dict] = []
        self.skipped: list[int] = []
        #: reflection files (widgets.labelling.reflections reads them): not label files, not counted
        self.reflections: list[int] = []
        #: scanned file name -> kind, for collect outputs known before reading
        self.outputs: dict[str, str] = {}
        self._batch: _Batch | None = None
        # A parsed batch's buffer is used again for the next (Arrow copies what it
        # parses, tested): a fresh one is zeroed and costs a page fault per 4 KB.
        self._spare: bytearray | None = None
        #: bytes still to come (the sources' sizes): sizes the next buffer
        self._remaining = total_bytes

    def add(self, index: int, source: _Source) -> None:
        record = {
            "file": source.name,
            "provenance": source.provenance,
            "encoding": "utf-8",
            "rows_read": 0,
            "rows_rejected": 0,
            "problem": "",
            "notes": "",
        }
        self.file_rows.append(record)
        self._remaining -= source.size
        if is_reflection_file(source.name):
            record["notes"] = "reflections: read by collect_reflections, not a label file"
            self.reflections.append(index)
            return
        if source.scanned and source.name in self.outputs:
            self._skip(index, self.outputs[source.name])
            return
        try:
            if source.size > MAX_FILE_BYTES:
                raise _FileProblem(
                    f"file too large: {source.size / 1024**2:.0f} MB "
                    f"(at most {MAX_FILE_BYTES // 1024**2} MB; a label file is a few hundred KB)"
                )
            batch, begin, end = self._read(source)
            body = _canonical_body(batch.buffer, begin, end)
            if body is not None:
                batch.headers.append(bytes(batch.buffer[begin:body]))
                marker = b"%s%d" % (_MARKER_PREFIX.encode(), len(batch.files))
                filler = body - begin - len(marker) - len(_MARKER_FIELDS) - 2
                record = marker + b" " * filler + b"," + _MARKER_FIELDS + b"\n"
                batch.buffer[begin:body] = record  # the same length: nothing moves
                batch.files.append((index, begin, body, end))
                batch.markers.append((marker + b" " * filler).decode("ascii"))
                batch.used = end
                return
            data = bytes(batch.buffer[begin:end])
            if source.scanned and data.startswith(_OUTPUT_STARTS):
                kind = _output_kind(data[:4096].split(b"\n", 1)[0].rstrip(b"\r"))
                if kind in ("history", "rejects"):
                    self._skip(index, kind)
                    return
            if not data.strip():
                raise _FileProblem("empty file: no header and no rows")
            self._slow(index, data)
        except _FileProblem as problem:
            self._reject_file(index, problem)

    def _room(self, size: int) -> _Batch:
        """The batch, with room for ``size`` more bytes (parsing a full one first)."""
        if self._batch is None or self._batch.room() < size:
            self.flush()
            spare, self._spare = self._spare, None
            if spare is None or len(spare) < size:
                spare = bytearray(max(size, min(_BATCH_BYTES, self._remaining + size)))
            self._batch = _Batch(spare)
        return self._batch

    def _read(self, source: _Source) -> tuple[_Batch, int, int]:
        """Read a source to the end of the batch's buffer: (batch, start, end)."""
        if source.path is None:
            data = source.read()
        else:
            # One byte more than its size: a file that grew since it was listed is seen.
            batch = self._room(source.size + 1)
            begin = batch.used
            try:
                with open(source.path, "rb") as file:
                    got = file.readinto(memoryview(batch.buffer)[begin : begin + source.size + 1])
                    if got <= source.size:
                        return batch, begin, begin + got
                    data = bytes(batch.buffer[begin : begin + got]) + file.read(MAX_FILE_BYTES)
            except OSError as error:
                raise _FileProblem(f"unreadable file: {error.strerror or error}") from None
        if len(data) > MAX_FILE_BYTES:
            raise _FileProblem(f"file too large: more than {MAX_FILE_BYTES // 1024**2} MB")
        batch = self._room(len(data))
        batch.buffer[batch.used : batch.used + len(data)] = data
        return batch, batch.used, batch.used + len(data)

    def _skip(self, index: int, kind: str) -> None:
        self.file_rows[index]["notes"] = f"skipped: collect's own {kind} output"
        self.skipped.append(index)

    def _reject_file(self, index: int, problem: _FileProblem) -> None:
        self.file_rows[index]["problem"] = str(problem)
        self.rejects.append((index, 0, str(problem), ""))

    def _slow(self, index: int, data: bytes) -> None:
        record = self.file_rows[index]
        parsed = _tolerant_read(data)
        record["encoding"] = parsed.encoding
        record["rows_read"] = parsed.records
        record["notes"] = "; ".join(parsed.notes)
        for row, reason, raw in parsed.rejects:
            self.rejects.append((index, row, reason, raw))
        if parsed.rows:
            self.tables.append(_table_from_parsed(parsed, index))

    def flush(self) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            if batch.files:
                self._parse_batch(batch)
            self._spare = batch.buffer

    def _parse_batch(self, batch: _Batch) -> None:
        try:
            table = _parse_fast(memoryview(batch.buffer)[: batch.used], quoted=False)
            markers, unnamed = _marker_rows(table.column("learner"))
            if (
                len(markers) != len(batch.files)
                or markers[0] != 0
                or (
                    table.column("learner").take(pa.array(markers)).cast(pa.string()).to_pylist()
                    != batch.markers
                )
            ):
                raise ValueError("markers out of place")
        except (pa.ArrowInvalid, ValueError):
            # One damaged file spoils a batch: parse the files one by one instead.
            for number in range(len(batch.files)):
                self._parse_one(batch, number)
            return
        counts = np.diff(np.r_[markers, table.num_rows]) - 1
        keep = np.ones(table.num_rows, dtype=bool)
        keep[markers] = False
        # Blank lines read as records without a learner: such files go to the tolerant
        # reader, which skips blank lines and keeps the row numbers of the rest right.
        tolerant = np.zeros(len(batch.files), dtype=bool)
        tolerant[np.searchsorted(markers, unnamed, side="right") - 1] = True
        if tolerant.any():
            keep &= ~np.repeat(tolerant, counts + 1)
        for number, count, slow in zip(range(len(batch.files)), counts, tolerant, strict=True):
            if slow:
                self._parse_one(batch, number, fast=False)
            else:
                self.file_rows[batch.files[number][0]]["rows_read"] = int(count)
        counts = np.where(tolerant, 0, counts)
        # Markers (and the rows of files sent to the tolerant reader) stay in the table
        # with file -1: _to_frame drops them column by column, in parallel, which costs
        # less than filtering the table here.
        files = np.full(table.num_rows, _DROPPED, dtype=np.int32)
        files[keep] = np.repeat(np.array([index for index, *_ in batch.files]), counts)
        rows = np.zeros(table.num_rows, dtype=np.int32)
        rows[keep] = (
            np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts) + 2
        )
        self.tables.append(_with_provenance(table, files, rows))

    def _parse_one(self, batch: _Batch, number: int, *, fast: bool = True) -> None:
        """Parse one file of a batch on its own (with the tolerant reader if not ``fast``
        or if Arrow refuses it)."""
        index, _begin, body, end = batch.files[number]
        records = memoryview(batch.buffer)[body:end]
        try:
            if not fast:
                raise ValueError("a blank line")
            table = _parse_fast(records, quoted=True)
            if len(_marker_rows(table.column("learner"))[1]):
                raise ValueError("a blank line")
        except (pa.ArrowInvalid, ValueError):
            try:
                self._slow(index, batch.headers[number] + records.tobytes())
            except _FileProblem as problem:
                self._reject_file(index, problem)
            return
        count = table.num_rows
        self.file_rows[index]["rows_read"] = count
        self.tables.append(_with_provenance(table, np.full(count, index), np.arange(2, count + 2)))


def _column_series(chunked: pa.ChunkedArray, keep: np.ndarray | None = None) -> pd.Series:
    """One column of the tables read, in pandas, only the ``keep`` rows (all if None):
    dictionary columns become categories straight from Arrow's indices (a third of the
    time ``to_pandas`` takes), the rest as ``to_pandas`` gives them."""
    if not pa.types.is_dictionary(chunked.type):
        if keep is None:
            return chunked.to_pandas()
        if pa.types.is_primitive(chunked.type):
            return pd.Series(chunked.to_numpy()[keep])
        return chunked.filter(pa.array(keep)).to_pandas()
    unified = chunked.unify_dictionaries()
    dictionary = unified.chunk(0).dictionary if unified.num_chunks else pa.array([], pa.string())
    codes = np.empty(len(unified), np.min_scalar_type(-max(len(dictionary), 1)))
    offset = 0
    for chunk in unified.chunks:
        codes[offset : offset + len(chunk)] = chunk.indices.to_numpy(zero_copy_only=False)
        offset += len(chunk)
    if keep is not None:
        codes = codes[keep]
    categories = pd.Index(dictionary.to_pandas())
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories, validate=False))


def _to_frame(tables: list[pa.Table]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The tables read as one frame, and their timestamps (:func:`_parse_stamps`).

    Columns convert two at a time, the timestamps alongside: Arrow and NumPy let go of
    the GIL. Each column's Arrow memory goes as soon as it is converted, so 10,000
    learners fit in 2 GB."""
    table = pa.concat_tables(tables)
    columns = {name: table.column(name) for name in table.column_names}
    del table
    keep = columns["_file"].to_numpy() != _DROPPED
    keep = None if keep.all() else keep

    def convert(name: str) -> pd.Series:
        return _column_series(columns.pop(name), keep).rename(name)

    with ThreadPoolExecutor(max_workers=2) as pool:
        parsing = pool.submit(_parse_stamps, columns["saved_at"])
        names = list(columns)
        series = list(pool.map(convert, names))
        stamps, stamp_ok = parsing.result()
    if keep is not None:  # (markers carry a valid time: parsed in one go, then dropped)
        stamps, stamp_ok = stamps[keep], stamp_ok[keep]
    return pd.DataFrame(dict(zip(names, series, strict=True)), copy=False), stamps, stamp_ok


# -- learner ids a spreadsheet mangled ----------------------------------------------------


def _restore_named_learners(frame: pd.DataFrame, names: np.ndarray, file_rows: list[dict]):
    """Compare each hand-in file's learner ids with the id its hand-in names
    (:func:`widgets.labelling.handin.named_learner`): an id a spreadsheet rewrote (``00123`` read
    back as ``123`` or ``1.23E+02``) is put back, with a note on the file; rows naming
    another id are marked. Returns ``(mask, reasons)`` of the marked rows, or ``None``.
    One pass over the rows, and none when no file is a hand-in."""
    named = {i: n for i, name in enumerate(names[:-1]) if (n := named_learner(str(name)))}
    if not named or not len(frame):
        return None
    files = frame["_file"].to_numpy(dtype=np.int64)
    in_named = np.isin(files, np.fromiter(named, dtype=np.int64))
    if not in_named.any():
        return None
    learner = frame["learner"]
    codes = learner.cat.codes.to_numpy().astype(np.int64)
    categories = list(learner.cat.categories)
    width = len(categories) + 1
    pairs = np.unique(files[in_named] * width + codes[in_named] + 1)
    new_codes, marked, reasons = None, None, None
    for pair in pairs:
        file_index, code = divmod(int(pair), width)
        code -= 1
        found = categories[code] if code >= 0 else ""
        wanted = named[file_index]
        if found == wanted:
            continue
        restored, message = restore_learner_id(found, wanted)
        rows = (files == file_index) & (codes == code)
        notes = file_rows[file_index]["notes"]
        if restored is not None:
            if restored not in categories:
                categories.append(restored)
            if new_codes is None:
                new_codes = codes.copy()
            new_codes[rows] = categories.index(restored)
            file_rows[file_index]["notes"] = f"{notes}; {message}" if notes else message
        else:
            if marked is None:
                marked = np.zeros(len(frame), dtype=bool)
                reasons = np.full(len(frame), None, dtype=object)
            marked |= rows
            reasons[rows] = message
            flag = f"rows rejected: {message}"
            file_rows[file_index]["notes"] = f"{notes}; {flag}" if notes else flag
    if new_codes is not None:
        frame["learner"] = pd.Categorical.from_codes(
            new_codes.astype(np.int32), categories=categories, validate=False
        )
    return None if marked is None else (marked, reasons)


# -- validation --------------------------------------------------------------------------


def _codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str]]:
    series = frame[column]
    return series.cat.codes.to_numpy(), [str(c) for c in series.cat.categories]


def _parse_stamps(values: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """UTC microseconds and a validity mask for ISO 8601 timestamps with a time zone."""
    out = np.zeros(len(values), dtype=np.int64)
    ok = np.zeros(len(values), dtype=bool)
    position = 0
    target = pa.timestamp("us", tz="UTC")
    for chunk in values.chunks:
        for start in range(0, len(chunk), 65536):
            piece = chunk.slice(start, 65536)
            span = slice(position + start, position + start + len(piece))
            try:
                out[span] = piece.cast(target).cast(pa.int64()).to_numpy()
                ok[span] = True
                continue
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
            for offset, text in enumerate(piece.to_pylist()):
                try:
                    stamp = datetime.fromisoformat(text)
                except (TypeError, ValueError):
                    continue
                if stamp.tzinfo is None:
                    continue
                delta = stamp - datetime(1970, 1, 1, tzinfo=UTC)
                out[span.start + offset] = delta // timedelta(microseconds=1)
                ok[span.start + offset] = True
        position += len(chunk)
    return out, ok


def _learner_problem(value: str) -> str | None:
    try:
        cleaned = paths.validate_learner_id(value)
    except ValueError as error:
        return f"invalid learner id: {error}"
    if cleaned != value:
        return f"invalid learner id: {value!r} has spaces around it"
    return None


def _text_lengths(series: pd.Series) -> np.ndarray | None:
    """Characters per value, or None when no value can exceed MAX_NOTE_LENGTH (Arrow's
    byte lengths say so without counting characters: a character is at least a byte)."""
    if hasattr(series.array, "__arrow_array__") and len(series):
        longest = pc.max(pc.binary_length(pa.array(series.array))).as_py()
        if longest is None or longest <= MAX_NOTE_LENGTH:
            return None
    return series.str.len().to_numpy(dtype=np.int64, na_value=0)


class _Validator:
    """Assigns each row its first failing check, working per distinct value."""

    def __init__(self, frame: pd.DataFrame, corpus, codebook, stamps, stamp_ok, limit) -> None:
        self.frame = frame
        self.n = len(frame)
        self.reason = np.full(self.n, None, dtype=object)
        self.open = np.ones(self.n, dtype=bool)  # rows without a reason yet
        self.corpus = corpus
        self.codebook = codebook
        self.stamps, self.stamp_ok, self.limit = stamps, stamp_ok, limit

    def _set(self, mask: np.ndarray | None, messages) -> None:
        """Give rows in ``mask`` without a reason yet the reason ``messages`` (array or callable)."""
        if mask is None:  # no row can fail
            return
        todo = mask & self.open
        if not todo.any():
            return
        where = np.flatnonzero(todo)
        self.reason[where] = messages(where) if callable(messages) else messages[where]
        self.open[where] = False

    def _per_value(self, column: str, check: Callable[[str], str | None]) -> None:
        codes, values = _codes(self.frame, column)
        # Many values (learner ids, with the reader's file markers): check only those
        # some row has; one count costs less than a check per marker.
        used = _category_counts(codes, len(values)) > 0 if len(values) > 64 else None
        problems = [check(v) if used is None or used[i] else None for i, v in enumerate(values)]
        bad = np.array([p is not None for p in problems] + [False])  # code -1: no value
        if bad.any():
            self._set(
                bad[codes],
                lambda where: np.array([problems[c] for c in codes[where]], dtype=object),
            )

    def run(self) -> np.ndarray:
        frame, corpus, codebook = self.frame, self.corpus, self.codebook
        self._per_value("learner", _learner_problem)
        self._per_value(
            "status",
            lambda v: (
                None
                if v in (STATUS_SET, STATUS_CLEARED, STATUS_REVEALED)
                else f"unknown status: {v!r} (expected {STATUS_SET!r}, {STATUS_CLEARED!r} "
                f"or {STATUS_REVEALED!r})"
            ),
        )
        article_codes, articles = _codes(frame, "article_id")
        known = set(corpus.article_ids)
        self._per_value(
            "article_id",
            lambda v: None if v in known else f"unknown article: {v!r}",
        )
        sentence_codes, sentences = _codes(frame, "sentence_id")
        article_position = {a: i for i, a in enumerate(articles)}
        index = corpus.sentence_index
        # per sentence category: the article category it belongs to (-1 summary, -2 unknown)
        owner = np.array(
            [
                -1
                if s in (SUMMARY_SENTENCE_ID, REVEAL_WHOLE_ARTICLE)
                else article_position.get(index[s].article_id, -3)
                if s in index
                else -2
                for s in sentences
            ],
            dtype=np.int64,
        )
        row_owner = owner[sentence_codes]
        bad_sentence = (
            (row_owner == -2)
            | (row_owner == -3)
            | ((row_owner >= 0) & (row_owner != article_codes))
        )
        self._set(
            bad_sentence,
            lambda where: np.array(
                [
                    f"unknown sentence: {sentences[sentence_codes[i]]!r} in article "
                    f"{articles[article_codes[i]]!r}"
                    for i in where
                ],
                dtype=object,
            ),
        )
        target_codes, targets = _codes(frame, "target")
        allowed = np.zeros((len(articles), len(targets)), dtype=bool)
        for a, article_id in enumerate(articles):
            article = corpus.by_id.get(article_id)
            names = set(article.targets) if article is not None else set()
            for t, target in enumerate(targets):
                allowed[a, t] = target == TECHNIQUE_TARGET or target in names
        self._set(
            ~allowed[article_codes, target_codes],
            lambda where: np.array(
                [
                    f"unknown target: {targets[target_codes[i]]!r} for article "
                    f"{articles[article_codes[i]]!r}"
                    for i in where
                ],
                dtype=object,
            ),
        )
        saved = frame["saved_at"]
        # (checks no row can fail are skipped: each costs passes over millions of rows)
        self._set(
            None if self.stamp_ok.all() else ~self.stamp_ok,
            lambda where: np.array(
                [
                    f"bad saved_at: {str(saved.iat[i])[:60]!r} is not an ISO 8601 time "
                    "with a time zone"
                    for i in where
                ],
                dtype=object,
            ),
        )
        future = self.stamps > self.limit
        self._set(
            self.stamp_ok & future if future.any() else None,
            lambda where: np.array(
                [f"saved_at in the future: {saved.iat[i]!r}" for i in where], dtype=object
            ),
        )
        status_codes, statuses = _codes(frame, "status")
        is_set = np.array([s == STATUS_SET for s in statuses] + [False])[status_codes]
        if REVEAL_WHOLE_ARTICLE in sentences:  # "*" names a whole article, on reveals only
            whole = sentences.index(REVEAL_WHOLE_ARTICLE)
            is_reveal = np.array([s == STATUS_REVEALED for s in statuses] + [False])
            self._set(
                (sentence_codes == whole) & ~is_reveal[status_codes],
                lambda where: np.array(
                    [f"unknown sentence: {REVEAL_WHOLE_ARTICLE!r} on a label row" for _ in where],
                    dtype=object,
                ),
            )
        technique_target = np.array([t == TECHNIQUE_TARGET for t in targets] + [False])[
            target_codes
        ]
        version_codes, versions = _codes(frame, "codebook_version")
        current = str(codebook.version)

        def version_note(i: int) -> str:
            version = versions[version_codes[i]]
            if version and version != current:
                return f" (labelled with codebook version {version!r}; current is {current!r})"
            return ""

        technique_codes, techniques = _codes(frame, "techniques")
        known_techniques = set(codebook.technique_ids)
        unknown = [sorted({t for t in v.split(";") if t} - known_techniques) for v in techniques]
        self._set(
            is_set
            & technique_target
            & np.array([bool(u) for u in unknown] + [False])[technique_codes]
            if any(unknown)
            else None,
            lambda where: np.array(
                [
                    "unknown technique: "
                    + ", ".join(map(repr, unknown[technique_codes[i]]))
                    + version_note(i)
                    for i in where
                ],
                dtype=object,
            ),
        )
        nonempty_techniques = np.array([v != "" for v in techniques] + [False])[technique_codes]
        self._set(
            ~technique_target & nonempty_techniques,
            lambda where: np.array(
                [
                    f"techniques on a stance row: target {targets[target_codes[i]]!r} "
                    f"has techniques {techniques[technique_codes[i]]!r}"
                    for i in where
                ],
                dtype=object,
            ),
        )
        stance_codes, stances = _codes(frame, "stance")
        stance_empty = np.array([v == "" for v in stances] + [True])[stance_codes]
        stance_known = np.array([v in STANCES for v in stances] + [False])
        self._set(
            technique_target & ~stance_empty,
            lambda where: np.array(
                [f"stance on a technique row: {stances[stance_codes[i]]!r}" for i in where],
                dtype=object,
            ),
        )
        self._set(
            is_set & ~technique_target & ~stance_known[stance_codes]
            if not stance_known[:-1].all()
            else None,
            lambda where: np.array(
                [
                    f"unknown stance: {stances[stance_codes[i]]!r} (expected {', '.join(STANCES)})"
                    for i in where
                ],
                dtype=object,
            ),
        )
        frame_codes, frames = _codes(frame, "frame")
        known_frames = set(codebook.frame_ids)
        frame_known = np.array([v == "" or v in known_frames for v in frames] + [True])
        self._set(
            None if frame_known.all() else ~frame_known[frame_codes],
            lambda where: np.array(
                [f"unknown frame: {frames[frame_codes[i]]!r}" + version_note(i) for i in where],
                dtype=object,
            ),
        )
        frame_given = np.array([v != "" for v in frames] + [False])
        is_summary = np.array([s == SUMMARY_SENTENCE_ID for s in sentences] + [False])
        self._set(
            frame_given[frame_codes] & ~(is_summary[sentence_codes] & technique_target)
            if frame_given.any()
            else None,
            lambda where: np.array(
                [
                    f"frame outside the summary: {frames[frame_codes[i]]!r} on "
                    f"{sentences[sentence_codes[i]]!r}"
                    for i in where
                ],
                dtype=object,
            ),
        )
        self._per_value(
            "confidence",
            lambda v: (
                None
                if v in ("", *CONFIDENCE_LEVELS)
                else f"unknown confidence: {v!r} (expected {', '.join(CONFIDENCE_LEVELS)} or empty)"
            ),
        )
        lengths = _text_lengths(frame["note"])
        self._set(
            lengths > MAX_NOTE_LENGTH if lengths is not None else None,
            lambda where: np.array(
                [
                    f"note too long: {lengths[i]} characters (at most {MAX_NOTE_LENGTH})"
                    for i in where
                ],
                dtype=object,
            ),
        )
        sha_codes, hashes = _codes(frame, "text_sha1")
        # Compared as category codes: per sentence, the code its current hash has among
        # the hashes given (-2: none gave it), so no row's text is touched.
        expected_text = [index[s].text_sha1 if s in index else "" for s in sentences]
        hash_code = {h: i for i, h in enumerate(hashes)}
        expected = np.array([hash_code.get(h, -2) for h in expected_text] + [-2])
        checked = np.array([h != "" for h in expected_text] + [False])[sentence_codes]
        given = np.array([h != "" for h in hashes] + [False])[sha_codes]
        drift = checked & given & (sha_codes != expected[sentence_codes])
        if drift.any():
            # An earlier wording kept in the text history (a typographic fix) still counts.
            earlier = np.flatnonzero(drift)
            accepted = [
                sentences[sentence_codes[i]] in index
                and index[sentences[sentence_codes[i]]].accepts(hashes[sha_codes[i]])
                for i in earlier
            ]
            drift[earlier[np.array(accepted, dtype=bool)]] = False
        self._set(
            drift,
            lambda where: np.array(
                [
                    f"text drift: {sentences[sentence_codes[i]]!r} was labelled for other "
                    f"wording (text_sha1 {hashes[sha_codes[i]][:12]}…, "
                    f"now {expected_text[sentence_codes[i]][:12]}…)"
                    for i in where
                ],
                dtype=object,
            ),
        )
        tail = frame["_tail"].to_numpy(dtype=bool)
        if tail.any():
            marked = tail & ~self.open
            self.reason[marked] = [f"truncated last line: {r}" for r in self.reason[marked]]
        return self.reason


# -- merging -----------------------------------------------------------------------------


def _ranks(values: list[str], order: dict[str, int]) -> np.ndarray:
    """Sort rank per category: known values in ``order``, the rest after them, sorted."""
    keyed = sorted(range(len(values)), key=lambda i: (order.get(values[i], len(order)), values[i]))
    ranks = np.empty(len(values) + 1, dtype=np.int64)
    ranks[np.array(keyed, dtype=np.int64)] = np.arange(len(values))
    ranks[-1] = len(values)
    return ranks


def _sort_by_key_then_time(key: np.ndarray, stamps: np.ndarray) -> np.ndarray:
    """``np.lexsort((stamps, key))``, faster: keys are mostly unique and files arrive
    nearly in key order, so a stable sort on the key alone (timsort on sorted runs) does
    most of the work and only runs of a repeated key are re-sorted by time."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    repeat = np.flatnonzero(ordered[1:] == ordered[:-1])
    if len(repeat):
        involved = np.union1d(repeat, repeat + 1)  # whole runs of equal keys, in order
        rows = order[involved]
        order[involved] = rows[np.lexsort((stamps[rows], key[rows]))]
    return order


def _serialise(frame: pd.DataFrame, positions: np.ndarray) -> list[str]:
    """Canonical CSV lines for rows read by the fast path (whose raw line was canonical)."""
    if len(positions) == 0:
        return []
    subset = frame.iloc[positions][list(LABEL_COLUMNS)].astype(object)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    lines = []
    for values in subset.itertuples(index=False, name=None):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        lines.append(buffer.getvalue()[:-1][:MAX_RAW_LINE])
    return lines


def _category_counts(codes: np.ndarray, size: int) -> np.ndarray:
    """Rows per category, from category codes (-1, no value, is not counted)."""
    if len(codes) and codes.min() < 0:
        codes = codes[codes >= 0]
    return np.bincount(codes, minlength=size)


def _categorical(codes: np.ndarray, categories: pd.Index, used: np.ndarray, name: str) -> pd.Series:
    """A category series of ``codes`` with only the ``used`` categories (rejected rows'
    values and the reader's file markers go)."""
    if not used.all():
        remap = np.full(len(categories) + 1, -1, dtype=codes.dtype)  # [-1]: no value
        remap[np.flatnonzero(used)] = np.arange(int(used.sum()), dtype=codes.dtype)
        codes, categories = remap[codes], categories[used]
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=categories, validate=False), name=name
    )


def _history_and_labels(
    frame: pd.DataFrame, live_rows: np.ndarray | None, label_rows: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history (``frame``'s ``live_rows``, all if None) and the labels (the history's
    ``label_rows``), each category column with only the categories it uses.

    Categories are counted once, over the history; the labels' counts are the history's
    less those of the few rows the labels leave out (superseded and cleared), so the
    labels cost a gather per column and no second count."""
    n = len(frame) if live_rows is None else len(live_rows)
    left_out = np.ones(n, dtype=bool)
    left_out[label_rows] = False
    left_out = np.flatnonzero(left_out)

    def split(column: str) -> tuple[pd.Series, pd.Series]:
        series = frame[column]
        if column not in _DICT_COLUMNS:
            if live_rows is not None:
                series = pd.Series(series.array.take(live_rows), name=column)
            return series.reset_index(drop=True), pd.Series(
                series.array.take(label_rows), name=column
            )
        codes = series.cat.codes.to_numpy()
        categories = series.cat.categories
        if live_rows is not None:
            codes = codes[live_rows]
        counts = _category_counts(codes, len(categories))
        history = _categorical(codes, categories, counts > 0, column)
        counts -= _category_counts(codes[left_out], len(categories))
        return history, _categorical(codes[label_rows], categories, counts > 0, column)

    # NumPy and Arrow let go of the GIL here: two columns at a time, the text ones first.
    columns = sorted(LABEL_COLUMNS, key=lambda c: c in _DICT_COLUMNS)
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = dict(zip(columns, pool.map(split, columns), strict=True))
    history = {c: parts[c][0] for c in LABEL_COLUMNS}
    labels = {c: parts[c][1] for c in LABEL_COLUMNS}
    return pd.DataFrame(history, copy=False), pd.DataFrame(labels, copy=False)


def _merge(
    frame: pd.DataFrame,
    reason: np.ndarray,
    stamps: np.ndarray,
    corpus,
    names: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Resolve the valid rows (``reason`` None): the latest row per key wins, exact
    duplicates are counted once and conflicting rows get a reason in ``reason``.

    Returns the rows that live on (in key order), those of them that are current labels,
    and the ``superseded``, ``cleared`` and ``duplicate`` counts. A function of its own
    so that its key and order arrays (tens of MB each at 10,000 learners) are freed
    before the labels are copied out."""
    valid = pd.isna(reason)

    # Order the valid rows by key (learner, article, sentence, target) then time; ties
    # keep reading order, so "first" below means first read.
    valid_idx = np.flatnonzero(valid)
    learner_codes, learners = _codes(frame, "learner")
    article_codes, articles = _codes(frame, "article_id")
    sentence_codes, sentences = _codes(frame, "sentence_id")
    target_codes, targets = _codes(frame, "target")
    article_order = {a: i for i, a in enumerate(corpus.article_ids)}
    sentence_order = {s: i for i, s in enumerate(corpus.sentence_index)}
    sentence_order[SUMMARY_SENTENCE_ID] = len(sentence_order)
    target_order = {TECHNIQUE_TARGET: 0}
    for article in corpus.articles:
        for target in article.targets:
            target_order.setdefault(target, len(target_order))
    parts = [
        (_ranks(learners, {}), learner_codes),
        (_ranks(articles, article_order), article_codes),
        (_ranks(sentences, sentence_order), sentence_codes),
        (_ranks(targets, target_order), target_codes),
    ]
    every = len(valid_idx) == len(valid)  # (then no row needs picking out)
    status_codes, statuses = _codes(frame, "status")
    # Reveal rows (a look at the key) are keyed apart from labels: they never supersede a
    # label or become one. No pass at all when no file has any.
    reveal_code = statuses.index(STATUS_REVEALED) if STATUS_REVEALED in statuses else None
    if reveal_code is not None:
        parts.append((np.arange(2, dtype=np.int64), (status_codes == reveal_code).view(np.int8)))
    key = np.zeros(len(valid_idx), dtype=np.int64)
    for ranks, codes in parts:
        key *= len(ranks)
        key += ranks[codes if every else codes[valid_idx]]
    order = _sort_by_key_then_time(key, stamps if every else stamps[valid_idx])
    sorted_idx = valid_idx[order]
    key, stamp_sorted = key[order], stamps[sorted_idx]

    # Same key and the same instant: identical rows are duplicates, different ones conflict.
    same = np.r_[False, (key[1:] == key[:-1]) & (stamp_sorted[1:] == stamp_sorted[:-1])]
    duplicate = np.zeros(len(sorted_idx), dtype=bool)
    conflict = np.zeros(len(sorted_idx), dtype=bool)
    conflict_reason: dict[int, str] = {}
    if same.any():
        group = np.cumsum(~same) - 1
        content = [
            c
            for c in LABEL_COLUMNS
            if c not in ("learner", "article_id", "sentence_id", "target", "saved_at")
        ]
        first_of_group = np.flatnonzero(~same)[group]
        pairs = np.flatnonzero(same)
        equal = np.ones(len(pairs), dtype=bool)
        for column in content:
            series = frame[column]
            values = (
                series.cat.codes.to_numpy()
                if column in _DICT_COLUMNS
                else series.to_numpy(dtype=object)
            )
            equal &= values[sorted_idx[pairs]] == values[sorted_idx[first_of_group[pairs]]]
        bad_groups = np.unique(group[pairs[~equal]])
        in_bad = np.isin(group, bad_groups)
        conflict = in_bad
        duplicate = same & ~in_bad
        file_codes, row_numbers = frame["_file"].to_numpy(), frame["_row"].to_numpy()
        for position in np.flatnonzero(in_bad):
            other = first_of_group[position]
            if other == position:
                other = position + 1
            source = sorted_idx[other]
            conflict_reason[sorted_idx[position]] = (
                "conflicting rows: same learner, sentence, target and saved_at as "
                f"{names[file_codes[source]]} row {row_numbers[source]}, with different values"
            )
    for position, message in conflict_reason.items():
        reason[position] = message  # (in place: the caller's reasons)

    live = ~(duplicate | conflict)
    live_idx = sorted_idx[live]
    live_key = key[live]
    latest = np.r_[live_key[1:] != live_key[:-1], True] if len(live_key) else np.zeros(0, bool)
    set_code = statuses.index(STATUS_SET) if STATUS_SET in statuses else -9
    is_set = status_codes[live_idx] == set_code
    kept_idx = live_idx[latest & is_set]
    revealed = 0
    if reveal_code is not None:
        is_reveal = status_codes[live_idx] == reveal_code
        revealed = int(is_reveal.sum())
        latest &= ~is_reveal  # (counted as revealed, neither superseded nor cleared)
        superseded = int((~latest).sum()) - revealed
    else:
        superseded = int((~latest).sum())

    return (
        live_idx,
        kept_idx,
        {
            "superseded": superseded,
            "cleared": int((latest & ~is_set).sum()),
            "duplicate": int(duplicate.sum()),
            "revealed": revealed,
        },
    )


def _empty_labels(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str") for c in columns})


class _Progress:
    """collect's tqdm bar: a step per file read, then the stage of the work after it;
    does nothing when not ``shown``."""

    def __init__(self, files: int, *, shown: bool) -> None:
        self._bar = None
        if shown:
            from tqdm.auto import tqdm

            self._bar = tqdm(
                total=files,
                desc="collect: reading files",
                unit="file",
                file=sys.stderr,
                leave=False,
            )

    def advance(self) -> None:
        if self._bar is not None:
            self._bar.update()

    def stage(self, name: str) -> None:
        if self._bar is not None:
            self._bar.set_description(f"collect: {name}", refresh=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def collect(
    inputs: Iterable[str | os.PathLike],
    *,
    corpus=None,
    codebook=None,
    now: datetime | None = None,
    progress: bool = False,
) -> CollectResult:
    """Read, check and merge learners' label files.

    Parameters
    ----------
    inputs : iterable of paths
        Folders (searched recursively for ``*.csv`` and ``*.zip``), zip files, CSV files.
    corpus, codebook : optional
        What rows are checked against; loaded from the data folder when not given.
        ``codebook`` needs ``version``, ``technique_ids`` and ``frame_ids``.
    now : datetime, optional
        Timezone-aware "now" for the future check (default: the clock).
    progress : bool
        Show a tqdm progress bar on stderr: a step per file read, then the stage of the
        work that follows (checking rows, merging saves, building labels and history).

    Returns
    -------
    CollectResult

    Raises
    ------
    InputError
        An input path does not exist. Damaged files never raise: they are reported in
        ``rejects``.
    """
    if corpus is None:
        from .content.corpus import load_corpus

        corpus = load_corpus()
    if codebook is None:
        from .content.codebook import load_codebook

        codebook = load_codebook()
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    limit = (now + CLOCK_SKEW - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    sources = find_inputs(inputs)
    reader = _Reader(total_bytes=sum(s.size for s in sources))
    # class.csv has a learner file's columns: it is known as collect's own output by the
    # class.history.csv beside it (the history and rejects files by their headers).
    scanned = {s.name for s in sources if s.scanned}
    for source in sources:
        # (string work, not output_paths: 10,000 Path objects cost a third of a second)
        history = os.path.splitext(source.name)[0] + ".history.csv"
        if source.scanned and history in scanned:
            if is_collect_output(source.name):
                reader.outputs[source.name] = "labels"
    bar = _Progress(len(sources), shown=progress)
    for index, source in enumerate(sources):
        reader.add(index, source)
        bar.advance()
    reader.flush()
    names = np.array([s.name for s in sources] + [""], dtype=object)

    if reader.tables:
        frame, stamps, stamp_ok = _to_frame(reader.tables)
        reader.tables.clear()
        # Hand the parse buffers back: Arrow's allocator keeps freed memory otherwise,
        # and 10,000 learners must fit in 2 GB.
        pa.default_memory_pool().release_unused()
    else:
        frame = pd.DataFrame({c: pd.Categorical([]) for c in _DICT_COLUMNS})
        for c in _TEXT_COLUMNS:
            frame[c] = pd.Series(dtype="str")
        frame["_file"] = pd.Series(dtype=np.int32)
        frame["_row"] = pd.Series(dtype=np.int32)
        frame["_raw"] = pd.Series(dtype=object)
        frame["_tail"] = pd.Series(dtype=bool)
        stamps, stamp_ok = np.zeros(0, np.int64), np.zeros(0, bool)
    for column in _DICT_COLUMNS:
        if not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("category")
    bar.stage("checking rows")  # (seconds on a large class, after the last file is read)
    mangled = _restore_named_learners(frame, names, reader.file_rows)
    reason = _Validator(frame, corpus, codebook, stamps, stamp_ok, limit).run()
    if mangled is not None:  # rows whose id differs from the one their hand-in names
        where = mangled[0] & pd.isna(reason)
        reason[where] = mangled[1][where]
    bar.stage("merging saves")
    live_idx, kept_idx, merge_counts = _merge(frame, reason, stamps, corpus, names)
    del stamps, stamp_ok
    file_codes = frame["_file"].to_numpy(dtype=np.int64)
    row_numbers = frame["_row"].to_numpy(dtype=np.int64)

    # Normalise technique strings ("b;a" -> "a;b") once per distinct value.
    technique_codes, techniques = _codes(frame, "techniques")
    normalised = [join_techniques(t for t in v.split(";") if t) for v in techniques]
    if normalised != techniques:
        uniques = list(dict.fromkeys(normalised))
        remap = np.array([uniques.index(v) for v in normalised] + [-1], dtype=np.int32)
        frame["techniques"] = pd.Categorical.from_codes(remap[technique_codes], categories=uniques)

    # Rejects: parse-level ones from the reader, then failed checks and conflicts.
    rejected_idx = np.flatnonzero(~pd.isna(reason))
    raw_lines = frame["_raw"].iloc[rejected_idx].to_numpy(dtype=object)
    missing_raw = np.flatnonzero(pd.isna(raw_lines))
    for position, line in zip(
        missing_raw, _serialise(frame, rejected_idx[missing_raw]), strict=True
    ):
        raw_lines[position] = line
    reject_rows = [
        (names[i], row, message, line) for i, row, message, line in reader.rejects
    ] + list(
        zip(
            names[file_codes[rejected_idx]],
            row_numbers[rejected_idx],
            reason[rejected_idx],
            raw_lines,
            strict=True,
        )
    )
    rejects = pd.DataFrame(reject_rows, columns=list(REJECT_COLUMNS))
    rejects["row"] = rejects["row"].astype(np.int64)
    if len(rejects):
        rejects = rejects.sort_values(["file", "row"], kind="stable").reset_index(drop=True)
    for column in ("file", "reason", "raw_line"):
        rejects[column] = rejects[column].astype("str")
    per_file = np.bincount(file_codes[rejected_idx], minlength=len(sources))
    # What the labels no longer need goes before they are copied out (10,000 learners
    # must fit in 2 GB).
    del reason, raw_lines, row_numbers, rejected_idx

    bar.stage("building labels and history")
    # The history is the valid rows in reading order: when nothing was set aside it is
    # the frame itself (no copy), so 10,000 learners fit in memory; the labels are the
    # one copy, in key order.
    live_mask = np.zeros(len(file_codes), dtype=bool)
    live_mask[live_idx] = True
    all_live = len(live_idx) == len(live_mask)
    del live_idx
    live_rows = None
    if all_live:  # the history is the frame
        history, labels = _history_and_labels(frame, None, kept_idx)
    else:
        live_rows = np.flatnonzero(live_mask)
        position = np.cumsum(live_mask) - 1
        history, labels = _history_and_labels(frame, live_rows, position[kept_idx])
    del frame
    unique_names, name_codes = np.unique(names[:-1].astype(str), return_inverse=True)
    history["source_file"] = pd.Categorical.from_codes(
        name_codes.astype(np.int32)[file_codes if live_rows is None else file_codes[live_rows]],
        categories=list(unique_names),
        validate=False,
    )
    files = pd.DataFrame(reader.file_rows, columns=list(FILE_COLUMNS))
    for index, _row, _message, _line in reader.rejects:
        if _row > 0:
            per_file[index] += 1
    files["rows_rejected"] = per_file[: len(files)] if len(files) else files["rows_rejected"]

    counts = {
        "files": len(sources) - len(reader.skipped) - len(reader.reflections),
        "files_rejected": int((files["problem"] != "").sum()) if len(files) else 0,
        "learners": int(history["learner"].nunique()),
        "rows_read": int(files["rows_read"].sum()) if len(files) else 0,
        "kept": len(kept_idx),
        **merge_counts,
        "rejected": int((rejects["row"] > 0).sum()),
    }
    total = sum(
        counts[k] for k in ("kept", "superseded", "cleared", "duplicate", "rejected", "revealed")
    )
    if total != counts["rows_read"]:  # pragma: no cover - a bug, never bad input
        raise RuntimeError(f"collect lost track of rows: {counts}")
    bar.close()
    return CollectResult(
        labels=labels,
        history=history,
        rejects=rejects,
        counts=counts,
        files=files,
        skipped=tuple(str(names[i]) for i in reader.skipped),
    )


# -- writing -----------------------------------------------------------------------------


def output_paths(out: str | os.PathLike) -> dict[str, Path]:
    """``labels``, ``history`` and ``rejects`` paths for ``--out class.csv``."""
    out = Path(out)
    stem = out.name[: -len(out.suffix)] if out.suffix else out.name
    return {
        "labels": out,
        "history": out.with_name(f"{stem}.history.csv"),
        "rejects": out.with_name(f"{stem}.rejects.csv"),
    }


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path``: quoted CSV, UTF-8."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # Category columns are written as they are: Arrow's writer decodes them a batch at a
    # time, where casting them to text first would hold the whole file's text in memory
    # (measured at 10,000 learners: 0.8 GB more, and seconds slower).
    table = table.cast(
        pa.schema(
            [
                (
                    field.name,
                    pa.int64()
                    if field.name == "row"
                    else field.type
                    if pa.types.is_dictionary(field.type)
                    or pa.types.is_string(field.type)
                    or pa.types.is_large_string(field.type)
                    else pa.string(),
                )
                for field in table.schema
            ]
        )
    )
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def read_class_csv(
    path: str | os.PathLike, *, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A CSV that :func:`write_outputs` wrote (``class.csv`` or ``class.history.csv``),
    or any label CSV, as text columns: all of them, or those of ``columns`` it has.

    Read as :func:`collect` returns them: every column a pandas ``category`` but ``note``
    and ``saved_at`` (``str``), so 10,000 learners' labels take hundreds of MB, where
    one Python string per value would take gigabytes. Compare and filter the category
    columns like text; ``.astype(str)`` gives plain text.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        The file is empty, not UTF-8, or not CSV (the message names the file and says why).
    """
    path = Path(path)
    with open(path, "rb") as file:  # FileNotFoundError as it is
        first = file.readline(1 << 20)
    if not first.strip():
        raise ValueError(f"{path} is empty (no header row)")
    try:
        names = next(csv.reader([first.removeprefix(codecs.BOM_UTF8).decode("utf-8")]))
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    name: pa.string() if name in _TEXT_COLUMNS else _DICT_TYPE for name in names
                },
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                include_columns=[n for n in names if columns is None or n in columns],
            ),
        )
    except (UnicodeDecodeError, csv.Error, pa.ArrowInvalid) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    read = {name: table.column(name) for name in table.column_names}
    del table
    frame = pd.DataFrame({name: _column_series(read.pop(name)) for name in list(read)}, copy=False)
    pa.default_memory_pool().release_unused()  # Arrow's copy of a large class: hand it back
    return frame


def write_outputs(result: CollectResult, out: str | os.PathLike) -> dict[str, Path]:
    """Write ``class.csv`` (labels), ``class.history.csv`` and ``class.rejects.csv``.

    All three are written to temporary names and moved into place only when every one
    was written, so a full disk or an interrupted run leaves the previous results as they
    were and no half-written file. Values are quoted CSV (UTF-8), read back exactly by
    pandas, :mod:`csv` and :func:`widgets.labelling.store.read_label_file`.
    """
    targets = output_paths(out)
    targets["labels"].parent.mkdir(parents=True, exist_ok=True)
    jobs = [  # the largest first: at 10,000 learners history and labels are 1 GB each
        (result.history, targets["history"]),
        (result.labels, targets["labels"]),
        (result.rejects, targets["rejects"]),
    ]
    temporaries = [path.with_name(path.name + ".tmp") for _, path in jobs]
    try:
        # Two files at a time: Arrow's writer lets go of the GIL. Leaving the block waits
        # for both, so nothing is still writing when the temporaries are removed.
        with ThreadPoolExecutor(max_workers=2) as pool:
            writes = [
                pool.submit(_write_csv, frame, temporary)
                for (frame, _), temporary in zip(jobs, temporaries, strict=True)
            ]
            for write in writes:
                write.result()  # the first failure, raised
    except BaseException:  # a full disk, or Ctrl-C: leave no half-written file behind
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise
    for (_, path), temporary in zip(jobs, temporaries, strict=True):
        os.replace(temporary, path)
    return targets
