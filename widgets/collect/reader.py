"""Reading sources into one frame: canonical files parsed together by Arrow (the fast
path), the rest by the tolerant reader."""

from __future__ import annotations

import codecs
import csv
import functools
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..labelling.reflections import is_reflection_file
from ..schema import (
    LABEL_COLUMNS,
    OPTIONAL_COLUMNS,
)
from .columns import DICT_TYPE, TEXT_COLUMNS, column_series
from .outputs import output_kind
from .sources import MAX_FILE_BYTES, FileProblem, Source
from .tolerant import MAX_RAW_LINE, table_from_parsed, tolerant_read

_BATCH_BYTES = 16 * 1024 * 1024


# which the check notices. (Joining the files' bytes instead costs a copy of the class.)
_MARKER_PREFIX = "\x01"
# A marker's other fields are empty, but for a valid saved_at, so the batch's timestamps
# parse in one go before the markers are dropped.
_MARKER_STAMP = b"1970-01-01T00:00:00+00:00"
#: Columns a file must have for the fast path (it may lack the optional ones).
_REQUIRED = frozenset(LABEL_COLUMNS) - frozenset(OPTIONAL_COLUMNS)


def _marker(number: int, length: int, columns: tuple[str, ...]) -> tuple[bytes, str] | None:
    """A marker record of exactly ``length`` bytes (newline included) in the file's column
    order, and its learner value ("\x01<n>" padded with spaces); None if it cannot fit."""
    fields = [_MARKER_STAMP if c == "saved_at" else b"" for c in columns]
    learner = columns.index("learner")
    fields[learner] = b"%s%d" % (_MARKER_PREFIX.encode(), number)
    filler = length - len(b",".join(fields)) - 1
    if filler < 0:
        return None
    fields[learner] += b" " * filler
    return b",".join(fields) + b"\n", fields[learner].decode("ascii")


# How collect's history and rejects outputs start (quoted or not, after a BOM or not).
OUTPUT_STARTS = tuple(
    prefix + quote + name
    for prefix in (b"", codecs.BOM_UTF8)
    for quote in (b"", b'"')
    for name in (b"learner", b"file")
)
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


@functools.cache
def _options(columns: tuple[str, ...]) -> tuple[pacsv.ReadOptions, pacsv.ConvertOptions]:
    """Arrow's options for files whose header names ``columns`` (in that order)."""
    read = pacsv.ReadOptions(column_names=list(columns), block_size=_BATCH_BYTES // 2)
    convert = pacsv.ConvertOptions(
        column_types={c: (pa.string() if c in TEXT_COLUMNS else DICT_TYPE) for c in columns},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    return read, convert


def _fast_header(data: bytearray, begin: int, end: int) -> tuple[int, tuple[str, ...]] | None:
    """Where the records start in ``data[begin:end]`` and the columns its header names,
    if the fast path can read the file, else None.

    The fast path takes UTF-8 files whose header names the schema's columns, in any order
    (the optional ones may be missing), plainly (LF or CRLF), ending with a line break,
    without NUL bytes; Arrow refuses the rest of what it cannot read exactly (wrong field
    counts, blank lines, invalid UTF-8), and those go to the tolerant reader. Bytes are
    searched in place: copying a 200 MB class would cost seconds."""
    start = begin + len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8, begin, end) else begin
    line_end = data.find(b"\n", start, min(end, start + 4096))
    if line_end < 0 or end == line_end + 1 or data[end - 1] != ord("\n"):
        return None
    names = bytes(data[start:line_end]).removesuffix(b"\r").split(b",")
    try:
        columns = tuple(name.decode("ascii") for name in names)
    except UnicodeDecodeError:
        return None
    if len(set(columns)) != len(columns) or not _REQUIRED <= set(columns) <= set(LABEL_COLUMNS):
        return None
    if data.find(b"\x00", line_end, end) >= 0:
        return None
    return line_end + 1, columns


def _parse_fast(data, quoted: bool, columns: tuple[str, ...]) -> pa.Table:
    """Arrow's reading of records in ``columns`` order, as a table in the schema's order
    (a column the file lacks, an optional one, is empty)."""
    read, convert = _options(columns)
    table = pacsv.read_csv(
        pa.BufferReader(pa.py_buffer(data)),
        read_options=read,
        parse_options=_PARSE[quoted],
        convert_options=convert,
    )
    if columns == LABEL_COLUMNS:
        return table
    empty = pa.array([""] * table.num_rows, pa.string())
    return pa.table(
        {
            c: table.column(c)
            if c in columns
            else (empty if c in TEXT_COLUMNS else empty.dictionary_encode())
            for c in LABEL_COLUMNS
        }
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
    #: the column order of every file in the batch (the first file's)
    columns: tuple[str, ...] | None = None
    #: per file: source index, where its bytes start, its records start, its end
    files: list[tuple[int, int, int, int]] = field(default_factory=list)
    #: per file: the marker's learner value, and the header line it replaced
    markers: list[str] = field(default_factory=list)
    headers: list[bytes] = field(default_factory=list)

    def room(self) -> int:
        return len(self.buffer) - self.used


class Reader:
    """Reads sources into Arrow tables: canonical files in big batches, others one by one."""

    def __init__(self, total_bytes: int = 0) -> None:
        self.tables: list[pa.Table] = []
        self.rejects: list[tuple[int, int, str, str]] = []
        self.file_rows: list[dict] = []
        self.skipped: list[int] = []
        #: reflection files (widgets.labelling.reflections reads them): not label files,
        #: not counted
        self.reflections: list[int] = []
        #: scanned file name -> kind, for collect outputs known before reading
        self.outputs: dict[str, str] = {}
        self._batch: _Batch | None = None
        # A parsed batch's buffer is used again for the next (Arrow copies what it
        # parses, tested): a fresh one is zeroed and costs a page fault per 4 KB.
        self._spare: bytearray | None = None
        #: bytes still to come (the sources' sizes): sizes the next buffer
        self._remaining = total_bytes

    def add(self, index: int, source: Source) -> None:
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
                raise FileProblem(
                    f"file too large: {source.size / 1024**2:.0f} MB "
                    f"(at most {MAX_FILE_BYTES // 1024**2} MB; a label file is a few hundred KB)"
                )
            batch, begin, end = self._read(source)
            found = _fast_header(batch.buffer, begin, end)
            if found is not None:
                body, columns = found
                marker = _marker(len(batch.files), body - begin, columns)
                if batch.columns in (None, columns) and marker is not None:
                    batch.columns = columns
                    batch.headers.append(bytes(batch.buffer[begin:body]))
                    batch.buffer[begin:body] = marker[0]  # the same length: nothing moves
                    batch.files.append((index, begin, body, end))
                    batch.markers.append(marker[1])
                    batch.used = end
                    return
                # another column order than the batch's: this file alone, still by Arrow
                header = bytes(batch.buffer[begin:body])
                self._parse_file(index, header, bytes(batch.buffer[body:end]), columns)
                return
            data = bytes(batch.buffer[begin:end])
            if source.scanned and data.startswith(OUTPUT_STARTS):
                kind = output_kind(data[:4096].split(b"\n", 1)[0].rstrip(b"\r"))
                if kind in ("history", "rejects"):
                    self._skip(index, kind)
                    return
            if not data.strip():
                raise FileProblem("empty file: no header and no rows")
            self._slow(index, data)
        except FileProblem as problem:
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

    def _read(self, source: Source) -> tuple[_Batch, int, int]:
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
                raise FileProblem(f"unreadable file: {error.strerror or error}") from None
        if len(data) > MAX_FILE_BYTES:
            raise FileProblem(f"file too large: more than {MAX_FILE_BYTES // 1024**2} MB")
        batch = self._room(len(data))
        batch.buffer[batch.used : batch.used + len(data)] = data
        return batch, batch.used, batch.used + len(data)

    def _skip(self, index: int, kind: str) -> None:
        self.file_rows[index]["notes"] = f"skipped: collect's own {kind} output"
        self.skipped.append(index)

    def _reject_file(self, index: int, problem: FileProblem) -> None:
        self.file_rows[index]["problem"] = str(problem)
        self.rejects.append((index, 0, str(problem), ""))

    def _slow(self, index: int, data: bytes) -> None:
        record = self.file_rows[index]
        parsed = tolerant_read(data)
        record["encoding"] = parsed.encoding
        record["rows_read"] = parsed.records
        record["notes"] = "; ".join(parsed.notes)
        for row, reason, raw in parsed.rejects:
            self.rejects.append((index, row, reason, raw))
        if parsed.rows:
            self.tables.append(table_from_parsed(parsed, index))

    def flush(self) -> None:
        batch, self._batch = self._batch, None
        if batch is not None:
            if batch.files:
                self._parse_batch(batch)
            self._spare = batch.buffer

    def _parse_batch(self, batch: _Batch) -> None:
        try:
            table = _parse_fast(
                memoryview(batch.buffer)[: batch.used], quoted=False, columns=batch.columns
            )
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
        # with file -1: to_frame drops them column by column, in parallel, which costs
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
        self._parse_file(index, batch.headers[number], records, batch.columns, fast=fast)

    def _parse_file(self, index, header: bytes, records, columns, *, fast: bool = True) -> None:
        """Parse one file's ``records`` with Arrow (its ``header`` names ``columns``), or
        with the tolerant reader if not ``fast`` or if Arrow refuses them."""
        try:
            if not fast:
                raise ValueError("a blank line")
            table = _parse_fast(records, quoted=True, columns=columns)
            if len(_marker_rows(table.column("learner"))[1]):
                raise ValueError("a blank line")
        except (pa.ArrowInvalid, ValueError):
            try:
                self._slow(index, header + bytes(records))
            except FileProblem as problem:
                self._reject_file(index, problem)
            return
        count = table.num_rows
        self.file_rows[index]["rows_read"] = count
        self.tables.append(_with_provenance(table, np.full(count, index), np.arange(2, count + 2)))


def to_frame(tables: list[pa.Table]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The tables read as one frame, and their timestamps (:func:`parse_stamps`).

    Columns convert two at a time, the timestamps alongside: Arrow and NumPy let go of
    the GIL. Each column's Arrow memory goes as soon as it is converted, so 10,000
    learners fit in 2 GB."""
    table = pa.concat_tables(tables)
    columns = {name: table.column(name) for name in table.column_names}
    del table
    keep = columns["_file"].to_numpy() != _DROPPED
    keep = None if keep.all() else keep

    def convert(name: str) -> pd.Series:
        return column_series(columns.pop(name), keep).rename(name)

    with ThreadPoolExecutor(max_workers=2) as pool:
        parsing = pool.submit(parse_stamps, columns["saved_at"])
        names = list(columns)
        series = list(pool.map(convert, names))
        stamps, stamp_ok = parsing.result()
    if keep is not None:  # (markers carry a valid time: parsed in one go, then dropped)
        stamps, stamp_ok = stamps[keep], stamp_ok[keep]
    return pd.DataFrame(dict(zip(names, series, strict=True)), copy=False), stamps, stamp_ok


def parse_stamps(values: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
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


def serialise(frame: pd.DataFrame, positions: np.ndarray) -> list[str]:
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
