"""Collecting learners' reflections, with the label collect's accounting::

    rows_read == kept + superseded + duplicate + rejected

The reflection files among collect's inputs (folders, zips, hand-ins; see
:mod:`widgets.labelling.reflections` for the file a learner's box writes) are read, checked
and merged to the current answer per ``(learner, question_id)``, written as
``class.reflections.csv`` (:data:`~widgets.labelling.reflections.CLASS_COLUMNS`).

The rows stay in Arrow from the parse to the answers: files in the kit's own format are
parsed in one ``read_csv`` call, every check is a compute kernel over a whole column, and
only the current answers become a DataFrame. So reflections add a few hundredths of a
second to a class of 1,000 (``benchmarks/bench_learning_loop.py``). Files a spreadsheet
saved again are read the careful way, record by record.
"""

from __future__ import annotations

import functools
import io
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..labelling.handin import named_learner, restore_learner_id
from ..labelling.reflections import (
    CLASS_COLUMNS,
    CLOCK_SKEW,
    MAX_REFLECTION_LENGTH,
    REFLECTION_COLUMNS,
    REFLECTION_STATUS,
    REFLECTIONS_SUFFIX,
    csv_records,
    is_reflection_file,
    load_questions,
)
from ..paths import validate_learner_id
from .columns import REJECT_COLUMNS
from .merge import sort_by_key_then_time
from .sources import MAX_FILE_BYTES, find_inputs

__all__ = [
    "ReflectionResult",
    "collect_reflections",
    "write_class_reflections",
    "read_class_reflections",
]

_HEADER = (",".join(REFLECTION_COLUMNS) + "\n").encode("utf-8")
_WIDTH = len(REFLECTION_COLUMNS)
_TEXT = pd.StringDtype("pyarrow")
_STAMP = pa.timestamp("us", tz="UTC")
_EPOCH = pa.scalar("1970-01-01T00:00:00+00:00")
_ZONED = re.compile(r"(?:[+-]\d\d:?\d\d|Z)$")
#: the columns a row carries besides the file's: its file (index into the names), its
#: place among the file's records, and for a row read the careful way its line and text
_SCHEMA = pa.schema(
    [(c, pa.string()) for c in REFLECTION_COLUMNS]
    + [("_file", pa.int32()), ("_ordinal", pa.int64()), ("_line", pa.int64()),
       ("_raw", pa.string())]
)  # fmt: skip


class ReflectionResult:
    """What :func:`collect_reflections` found.

    ``reflections``: current answers (:data:`CLASS_COLUMNS`), by learner then question;
    ``history``: every valid row with ``source_file``, in reading order (built when asked
    for: collect writes only the answers); ``rejects``: ``file, row, reason, raw_line`` (as
    collect's); ``counts``: ``files, rows_read, kept, superseded, duplicate, rejected``;
    ``notes``: learner ids put back as their hand-in names them (one per file and id).
    """

    def __init__(self, *, reflections, rejects, counts, notes=(), history=None) -> None:
        self.reflections: pd.DataFrame = reflections
        self.rejects: pd.DataFrame = rejects
        self.counts: dict = counts
        self.notes: tuple[str, ...] = tuple(notes)
        self._history = history

    @functools.cached_property
    def history(self) -> pd.DataFrame:
        return self._history()


# -- reading ---------------------------------------------------------------------------------


def _own_name(name: str) -> str | None:
    """``ann`` for ``.../ann.reflections.csv`` (a path, or a zip member after ``:``)."""
    base = name[max(name.rfind("/"), name.rfind("\\"), name.rfind(":")) + 1 :]
    return base[: -len(REFLECTIONS_SUFFIX)] or None  # (a reflections file: the suffix is there)


def _decode(data: bytes) -> tuple[str, str]:
    """Text and delimiter of a reflections file as a spreadsheet may have saved it:
    UTF-8 (with or without a BOM) or Windows-1252, commas or semicolons."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return text, delimiter


class ReflectionFiles:
    """The files read: their names and bytes, those in the kit's own format (parsed
    together later), the rows of the others, and what was set aside."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.data: list[bytes] = []
        self.fast: list[int] = []
        self.rows: list[list] = [[] for _ in _SCHEMA.names]  # rows read the careful way
        self.wrong: list[tuple] = []  # (file, line, raw, count): the wrong field count
        self.rejects: list[tuple] = []
        self.rows_read = 0

    def add(self, source) -> None:
        if source.size > MAX_FILE_BYTES:  # refused unread, as a label file is
            self.rejects.append(
                (source.name, 0, f"file too large: {source.size / 1024**2:.0f} MB (at most "
                 f"{MAX_FILE_BYTES // 1024**2} MB)", "")
            )  # fmt: skip
            return
        try:
            data = source.read()
        except Exception as error:  # noqa: BLE001 - collect's FileProblem and OSError alike
            self.rejects.append((source.name, 0, f"unreadable file: {error}", ""))
            return
        if data.startswith(_HEADER):  # the kit's own format (not class.reflections.csv)
            self.fast.append(self._file(source.name, data))
            return
        text, delimiter = _decode(data)
        if tuple(text.split("\n", 1)[0].strip().split(delimiter)) == CLASS_COLUMNS:
            return  # collect's own output
        self.careful(self._file(source.name, data), text, delimiter)

    def _file(self, name: str, data: bytes) -> int:
        self.names.append(name)
        self.data.append(data)
        return len(self.names) - 1

    def wanted(self) -> list[str | None]:
        """The id each file is named for: its hand-in's, else its own name's (the kit
        names every reflections file ``<learner>.reflections.csv``)."""
        return [named_learner(name) or _own_name(name) for name in self.names]

    def careful(self, index: int, text: str, delimiter: str) -> None:
        """A file read record by record (a spreadsheet's, or one Arrow could not parse)."""
        name = self.names[index]
        records, problems = csv_records(text, name, tail_torn=False, delimiter=delimiter)
        if not records or tuple(records[0][1]) != REFLECTION_COLUMNS:
            got = ",".join(records[0][1]) if records else ""
            self.rejects.append(
                (name, 0, f"missing columns: header is {got[:200]!r}, expected "
                 f"{','.join(REFLECTION_COLUMNS)!r}", "")
            )  # fmt: skip
            return
        for problem in problems:  # csv could not read on: the rest is one record set aside
            self.rows_read += 1
            self.rejects.append((name, records[-1][0] + 1, f"unreadable: {problem}", ""))
        ordinal = 0
        for line, fields, raw in records[1:]:
            if not fields:
                continue
            self.rows_read += 1
            if len(fields) != _WIDTH:
                self.wrong.append((name, line, raw, len(fields)))
                continue
            for column, value in zip(self.rows, (*fields, index, ordinal, line, raw), strict=True):
                column.append(value)
            ordinal += 1

    @functools.cached_property
    def table(self) -> pa.Table:
        """Every row read, as one table of :data:`_SCHEMA`, with the files' marker records
        (``_ordinal`` -1) among them. Parsed once (it counts ``rows_read``)."""
        tables = []
        # (memoryviews: the rows are copied once, into the buffer Arrow parses)
        fast = _parse_fast([(i, memoryview(self.data[i])[len(_HEADER) :]) for i in self.fast])
        if fast is None:  # a record Arrow could not parse: each file the careful way
            for index in self.fast:
                self.careful(index, *_decode(self.data[index]))
        else:
            self.rows_read += fast.num_rows - len(self.fast)
            tables.append(fast)
        if self.rows[0]:
            tables.append(pa.table(self.rows, schema=_SCHEMA))
        if not tables:
            return _SCHEMA.empty_table()
        # One chunk per column: a take from a chunked column joins its chunks first, every
        # time; joined once here (if need be), each take copies only the rows it picks.
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        return table.combine_chunks() if table.column(0).num_chunks > 1 else table

    def line_of(self, index: int, ordinal: int, cache: dict) -> tuple[int, str]:
        """The line and text of a file's ``ordinal``-th record (a rejected fast row)."""
        if index not in cache:
            records = csv_records(_decode(self.data[index])[0], "", tail_torn=False)[0][1:]
            cache[index] = [r for r in records if r[1]]
        line, _fields, raw = cache[index][ordinal]
        return line, raw


def _parse_fast(chunks: list[tuple[int, memoryview]]) -> pa.Table | None:
    """Every chunk (a file's rows in the kit's own format, header removed) parsed in one
    ``read_csv`` call, or ``None`` when any record does not parse (then each file is read
    the careful way). Each file's rows follow a marker record naming it, as in collect's
    reader; the markers stay in the table (``_ordinal`` -1), left out by the checks."""
    if not chunks:
        return _SCHEMA.empty_table()
    parts = []
    for number, (_index, body) in enumerate(chunks):
        parts.append(b"\x01%d,,,,\n" % number)
        parts.append(body)
        if len(body) and body[-1:] != b"\n":
            parts.append(b"\n")
    data = b"".join(parts)
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            # one block: the table comes out in one chunk per column, as the takes below
            # want it (a class's few MB parse no slower than in blocks)
            read_options=pacsv.ReadOptions(
                column_names=list(REFLECTION_COLUMNS), block_size=min(len(data) + 1, 1 << 30)
            ),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in REFLECTION_COLUMNS},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    marker = pc.starts_with(table.column("learner"), "\x01").to_numpy(zero_copy_only=False)
    if not len(marker) or not marker[0] or int(marker.sum()) != len(chunks):
        return None
    number = np.cumsum(marker) - 1
    files = np.array([index for index, _body in chunks], dtype=np.int32)
    ordinal = np.arange(len(marker)) - np.flatnonzero(marker)[number] - 1
    ordinal[marker] = -1  # a marker record, not a row (no copy of the table without them)
    return pa.table(
        [*table.columns, files[number], ordinal, np.full(len(marker), -1, np.int64),
         pa.nulls(len(marker), pa.string())],
        schema=_SCHEMA,
    )  # fmt: skip


# -- checking --------------------------------------------------------------------------------


def _learner_problem(value: str) -> str | None:
    try:
        validate_learner_id(value)
    except ValueError as error:
        return f"bad learner id: {error}"
    return None


def _stamps(saved_at: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds since 1970 (UTC) per ``saved_at`` and whether it is an ISO 8601 time
    with a time zone. Arrow's cast takes exactly those, so it reads every time at once; when
    one fails, each is read by pandas and the zone looked for by hand."""
    try:
        stamps = pc.cast(saved_at, _STAMP)
        values = stamps.cast(pa.int64()).to_numpy()
        return values, np.ones(len(values), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    text = pd.Series(saved_at.to_pylist(), dtype=object)
    parsed = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    zoned = text.map(lambda v: bool(_ZONED.search(v))).to_numpy(dtype=bool)
    ok = parsed.notna().to_numpy() & zoned
    values = np.zeros(len(text), dtype=np.int64)
    values[ok] = parsed[ok].dt.tz_convert(None).to_numpy().astype("datetime64[us]").astype(np.int64)
    return values, ok


def _mask(array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _check(table: pa.Table, read: ReflectionFiles, known: set[str], limit: int):
    """Per row the reason it is rejected (``None`` when valid), the learner ids (put back
    as their hand-in names them), the times and the notes. Each check is one pass over a
    column; messages are written only for failing rows, the first failing check's."""
    n = table.num_rows
    reason = np.full(n, None, dtype=object)
    counted = table.column("_ordinal").to_numpy() >= 0
    reason[~counted] = ""  # the files' markers: neither valid nor rejected
    notes: set[str] = set()
    learner = table.column("learner")
    files = table.column("_file").to_numpy()

    unmarked = counted.copy()  # rows no check has failed yet

    def mark(mask: np.ndarray, message) -> None:
        mask = mask & unmarked
        if mask.any():
            for index in np.flatnonzero(mask):
                reason[index] = message(int(index))
            unmarked[mask] = False

    def value(column: str, index: int) -> str:
        return str(table.column(column)[index].as_py())

    named = read.wanted()
    wanted = pa.array(named, pa.string()).take(pa.array(files))
    differs = _mask(pc.not_equal(learner, wanted)) & counted  # (null: the file names no one)
    if differs.any():
        ids = np.array(learner.to_pylist(), dtype=object)
        for index, found in sorted({(int(files[i]), ids[i]) for i in np.flatnonzero(differs)}):
            restored, message = restore_learner_id(found, named[index])
            rows = differs & (files == index) & (ids == found)
            if restored is None:
                reason[rows] = message
                unmarked[rows] = False
            else:
                ids[rows] = restored
                notes.add(f"{read.names[index]}: {message}")
        learner = pa.chunked_array([pa.array(ids, pa.string())])
    ids = pc.unique(pc.filter(learner, pa.array(counted))).to_pylist()
    problems = {v: _learner_problem(v) for v in ids}
    bad = [v for v, problem in problems.items() if problem]
    if bad:
        mark(
            _mask(pc.is_in(learner, value_set=pa.array(bad, pa.string()))),
            lambda i: problems[str(learner[i].as_py())],
        )
    mark(
        _mask(pc.not_equal(table.column("status"), REFLECTION_STATUS)),
        lambda i: f"unknown status: {value('status', i)!r}",
    )
    mark(
        ~_mask(pc.is_in(table.column("question_id"), value_set=pa.array(sorted(known), pa.string()))),
        lambda i: f"unknown question: {value('question_id', i)!r}",
    )  # fmt: skip
    # (the markers' empty times would send every time to the careful reading)
    saved_at = pc.if_else(pa.array(counted), table.column("saved_at"), _EPOCH)
    stamps, stamp_ok = _stamps(saved_at)
    mark(
        ~stamp_ok,
        lambda i: (
            f"bad saved_at: {value('saved_at', i)[:60]!r} is not an ISO 8601 time with a time zone"
        ),
    )
    mark(stamps > limit, lambda i: f"saved_at in the future: {value('saved_at', i)!r}")
    lengths = pc.utf8_length(table.column("text")).to_numpy()
    mark(
        lengths > MAX_REFLECTION_LENGTH,
        lambda i: f"text too long: {lengths[i]} characters (at most {MAX_REFLECTION_LENGTH})",
    )
    return reason, learner, stamps, notes


# -- merging ---------------------------------------------------------------------------------


def _ranks(column: pa.ChunkedArray) -> np.ndarray:
    """Per row the rank of its value among the column's distinct values (sorted as text)."""
    encoded = pc.dictionary_encode(column).combine_chunks()
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[encoded.indices.to_numpy(zero_copy_only=False)]


def _merge(valid, learner, questions, stamps, texts) -> tuple[np.ndarray, np.ndarray, int]:
    """Of the ``valid`` rows, those in the history (in reading order), those that are
    current answers (by learner, question), and the number of exact duplicates.

    An exact duplicate (same learner, question, time and text) counts once, its first
    reading kept; the latest save per learner and question is the answer, the last read
    among saves at the same time."""
    if not len(valid):
        return valid, valid, 0
    questions = _ranks(questions)[valid]
    key = _ranks(learner)[valid] * (int(questions.max()) + 1) + questions  # learner, question
    stamps = stamps[valid]
    order = sort_by_key_then_time(key, stamps)  # (stable: reading order among equal times)
    k, s = key[order], stamps[order]
    same = (k[1:] == k[:-1]) & (s[1:] == s[:-1])
    duplicate = np.zeros(len(valid), dtype=bool)
    if same.any():  # saves at the same time: those with a text read before are duplicates
        starts = np.flatnonzero(np.diff(np.concatenate(([False], same, [False])).astype(np.int8)))
        for first, last in zip(starts[::2], starts[1::2], strict=True):
            seen: set[str] = set()
            for position in range(first, last + 1):
                text = texts[int(valid[order[position]])].as_py()
                duplicate[order[position]] = text in seen
                seen.add(text)
    kept = order[~duplicate[order]]
    k = key[kept]
    last = np.ones(len(kept), dtype=bool)
    last[:-1] = k[1:] != k[:-1]
    return valid[~duplicate], valid[kept[last]], int(duplicate.sum())


def _frame(columns: dict[str, pa.ChunkedArray | pa.Array]) -> pd.DataFrame:
    """Arrow text columns as pandas ``string[pyarrow]`` columns (no Python string per value)."""
    return pd.DataFrame(
        {name: pd.array(column, dtype=_TEXT) if len(column) else pd.array([], dtype=_TEXT)
         for name, column in columns.items()}
    )  # fmt: skip


def collect_reflections(
    inputs: Iterable[str | os.PathLike] = (),
    *,
    question_ids: Iterable[str] | None = None,
    now: datetime | None = None,
    sources=None,
) -> ReflectionResult:
    """Read, check and merge the reflection files among ``inputs`` (as :func:`collect`
    finds files: folders, zips, hand-ins).

    Parameters
    ----------
    question_ids : iterable of str, optional
        Known question ids (default: :func:`~widgets.labelling.reflections.load_questions`);
        others are rejected.
    now : datetime, optional
        Timezone-aware "now" for the future check.
    sources : list, optional
        The files :func:`widgets.collect.find_inputs` found (the collect command passes
        what it already found, so folders are searched once).

    A file in a hand-in names its learner (:func:`widgets.labelling.handin.named_learner`):
    rows whose id a spreadsheet rewrote are kept under the named id (``notes`` says so),
    rows naming another learner are rejected.
    """
    if sources is None:
        sources = find_inputs(inputs)
    read = ReflectionFiles()
    for source in sources:
        if is_reflection_file(source.name):
            read.add(source)
    return _checked_and_merged(read, question_ids=question_ids, now=now)


# longer than 80 lines: the stages (parse, check, set aside, merge, account), each a call.
def _checked_and_merged(
    read: ReflectionFiles,
    *,
    question_ids: Iterable[str] | None = None,
    now: datetime | None = None,
) -> ReflectionResult:
    """The files' rows parsed, checked and merged (:func:`collect_reflections`'s
    parameters)."""
    known = set(question_ids) if question_ids is not None else {q.id for q in load_questions()}
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    limit = (now + CLOCK_SKEW - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    table = read.table
    reason, learner, stamps, notes = _check(table, read, known, limit)
    rejects = list(read.rejects)
    for name, line, raw, count in read.wrong:
        rejects.append((name, line, f"wrong field count: {count} (expected {_WIDTH})", raw[:2000]))
    failed = (reason != None) & (reason != "")  # noqa: E711 - elementwise
    files = table.column("_file").to_numpy()
    lines = table.column("_line").to_numpy()
    cache: dict = {}
    for index in np.flatnonzero(failed):
        if lines[index] < 0:  # a row parsed with its file's others: its line from the file
            ordinal = int(table.column("_ordinal")[index].as_py())
            line, raw = read.line_of(int(files[index]), ordinal, cache)
        else:
            line, raw = int(lines[index]), str(table.column("_raw")[index].as_py())
        rejects.append((read.names[files[index]], line, reason[index], raw[:2000]))
    valid = np.flatnonzero(reason == None)  # noqa: E711 - elementwise over an object array
    history, current, duplicate = _merge(
        valid, learner, table.column("question_id"), stamps, table.column("text")
    )
    names = pa.array(read.names, pa.string())

    def rows(picked: np.ndarray, columns) -> pd.DataFrame:
        at = pa.array(picked, pa.int64())
        found = {c: learner.take(at) if c == "learner" else table.column(c).take(at)
                 for c in columns if c != "source_file"}  # fmt: skip
        found["source_file"] = names.take(table.column("_file").take(at))
        return _frame({c: found[c] for c in columns})

    reflections = rows(current, CLASS_COLUMNS)
    reject_frame = pd.DataFrame(rejects, columns=list(REJECT_COLUMNS))
    if len(reject_frame):
        reject_frame = reject_frame.sort_values(["file", "row"], kind="stable")
        reject_frame = reject_frame.reset_index(drop=True)
    counts = {
        "files": len(read.names),
        "rows_read": read.rows_read,
        "kept": len(current),
        "superseded": len(history) - len(current),
        "duplicate": duplicate,
        "rejected": int((reject_frame["row"] > 0).sum()) if len(reject_frame) else 0,
    }
    if sum(counts[k] for k in ("kept", "superseded", "duplicate", "rejected")) != read.rows_read:
        raise RuntimeError(f"collect_reflections lost track of rows: {counts}")  # pragma: no cover
    return ReflectionResult(
        reflections=reflections,
        history=lambda: rows(history, (*REFLECTION_COLUMNS, "source_file")),
        rejects=reject_frame,
        counts=counts,
        notes=tuple(sorted(notes)),
    )


# -- the class file --------------------------------------------------------------------------


def write_class_reflections(result: ReflectionResult, out: str | os.PathLike) -> Path:
    """Write ``class.reflections.csv`` beside ``out`` (``class.csv``); returns its path."""
    out = Path(out)
    stem = out.stem if out.suffix else out.name
    path = out.with_name(f"{stem}{REFLECTIONS_SUFFIX}")
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    result.reflections.to_csv(temporary, index=False, lineterminator="\n", encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_class_reflections(path: str | os.PathLike) -> pd.DataFrame:
    """``class.reflections.csv`` as text columns."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
