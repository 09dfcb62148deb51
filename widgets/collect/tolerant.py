"""The tolerant reader: any encoding, delimiter, header spelling or damage, row by row.

It is the reference: the fast path (:mod:`widgets.collect.reader`) must read every file
it takes exactly as this reader would (tests/collect keep proving it)."""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..schema import (
    LABEL_COLUMNS,
)
from .columns import ARROW_SCHEMA, COLUMN_ALIASES, REQUIRED_COLUMNS, TEXT_COLUMNS
from .sources import MAX_FILE_BYTES, FileProblem

MAX_RAW_LINE = 2000
#: How far in the future a ``saved_at`` may be (a learner's clock running fast).


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# -- reading one file ------------------------------------------------------------------


@dataclass
class Parsed:
    """Rows of one file read by the tolerant reader."""

    columns: dict[str, list[str]]
    rows: list[int]
    raw: list[str]
    tail: list[bool]
    rejects: list[tuple[int, str, str]]
    records: int
    encoding: str
    notes: list[str]


def decode(data: bytes) -> tuple[str, str]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise FileProblem(f"unreadable text: broken UTF-16 ({error.reason})") from None
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
            raise FileProblem("binary file: it holds NUL bytes, so it is not a label CSV")
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


def column_name(name: str) -> str:
    key = re.sub(r"[\s\-]+", "_", name.strip().strip('"').lstrip("\ufeff").strip().lower())
    return key if key in LABEL_COLUMNS else COLUMN_ALIASES.get(key, "")


def join_record(record: list[str], delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(record)
    return buffer.getvalue()[:MAX_RAW_LINE]


def csv_records(
    lines: list[str], delimiter: str, offset: int = 0
) -> list[tuple[list[str], int, int]]:
    """The CSV records in ``lines``, each with the lines it spans: (record, first, end),
    numbered from ``offset``."""
    reader = csv.reader(lines, delimiter=delimiter)
    spans, start = [], 0
    for record in reader:
        spans.append((record, start + offset, reader.line_num + offset))
        start = reader.line_num
    return spans


# longer than 80 lines: the reference reader, kept in one place on purpose: each
# decision about a damaged line (quotes, field counts, torn tail) sees the whole record
# and the lines around it.
def tolerant_read(data: bytes) -> Parsed:
    """Read a damaged or non-canonical file; raise FileProblem if it is not usable."""
    text, encoding = decode(data)
    notes = [] if encoding == "utf-8" else [f"decoded as {encoding}"]
    if not text.strip():
        raise FileProblem("empty file: no header and no rows")
    sample = text[:65536]
    if len(_CONTROL.findall(sample)) >= max(1, len(sample) // 100):
        raise FileProblem("binary file: control characters, so it is not a label CSV")
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ","))
    if delimiter != ",":
        notes.append(f"delimiter {delimiter!r}")
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, MAX_FILE_BYTES + 1))
    lines = io.StringIO(text, newline="").readlines()
    try:
        records = csv_records(lines, delimiter)
    except csv.Error as error:
        raise FileProblem(f"unreadable CSV: {error}") from None
    finally:
        csv.field_size_limit(limit)
    header = records[0][0] if records else []
    mapped = [column_name(n) for n in header]
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
            raise FileProblem(
                f"missing columns: {', '.join(missing)} (the header has: {', '.join(header)})"
            )
        if len(header) != len(LABEL_COLUMNS):
            raise FileProblem(
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
    parsed = Parsed(
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
                rest = csv_records(lines[first + 1 :], delimiter, offset=first + 1)
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
            parsed.rejects.append((row, reason, join_record(record, delimiter)))
            continue
        for column in LABEL_COLUMNS:
            index = positions.get(column)
            value = record[index] if index is not None else ""
            parsed.columns[column].append(value if column == "note" else value.strip())
        parsed.rows.append(row)
        parsed.raw.append(join_record(record, delimiter))
        parsed.tail.append(tail)
    if parsed.records == 0:
        raise FileProblem("no label rows: the file has a header only")
    return parsed


def table_from_parsed(parsed: Parsed, file_index: int) -> pa.Table:
    n = len(parsed.rows)
    arrays = {
        c: (
            pa.array(parsed.columns[c], pa.string())
            if c in TEXT_COLUMNS
            else pa.array(parsed.columns[c], pa.string()).dictionary_encode()
        )
        for c in LABEL_COLUMNS
    }
    arrays["_file"] = pa.array(np.full(n, file_index, dtype=np.int32))
    arrays["_row"] = pa.array(np.asarray(parsed.rows, dtype=np.int32))
    arrays["_raw"] = pa.array(parsed.raw, pa.string())
    arrays["_tail"] = pa.array(parsed.tail, pa.bool_())
    return pa.table(arrays, schema=ARROW_SCHEMA)


# Canonical files are parsed together, many to one Arrow call (one call per file costs
# about 1 ms, more than parsing it). They are read straight into one buffer, and each
# file's header line is overwritten, in place, by a marker record of the same length
# whose learner is "\x01<n>" padded with spaces: where the markers land says which file
# each row came from, and a file whose quotes do not balance swallows the next marker,
