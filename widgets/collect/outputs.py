"""collect's own files: the paths, writing them all-or-nothing, reading them back, and
knowing them when a folder is searched again."""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import json
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.ipc as paipc

from ..schema import (
    LABEL_COLUMNS,
)
from .columns import DICT_TYPE, HISTORY_COLUMNS, REJECT_COLUMNS, TEXT_COLUMNS, column_series

if TYPE_CHECKING:
    from .pipeline import CollectResult


def _first_line(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.readline(4096).removeprefix(codecs.BOM_UTF8).rstrip(b"\r\n")
    except OSError:
        return b""


def output_kind(first_line: bytes) -> str:
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
    kind = output_kind(_first_line(path))
    if kind in ("history", "rejects"):
        return True
    if kind == "labels":
        history = output_paths(path)["history"]
        return history.is_file() and output_kind(_first_line(history)) == "history"
    return False


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


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as the Arrow table written to CSV (categories stay dictionaries)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    # Category columns are written as they are: Arrow's writer decodes them a batch at a
    # time, where casting them to text first would hold the whole file's text in memory
    # (measured at 10,000 learners: 0.8 GB more, and seconds slower).
    return table.cast(
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


def _write_csv(frame: pd.DataFrame, path: Path, copy: Path | None = None) -> None:
    """Write ``frame`` to ``path``: quoted CSV, UTF-8; and its Arrow copy to ``copy``
    (see :func:`arrow_copy_path`), when given and the frame has no missing values."""
    table = _arrow_table(frame)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    if copy is not None and not any(column.null_count for column in table.columns):
        _write_arrow_copy(table, path, copy)


# -- the Arrow copy ----------------------------------------------------------------------
#
# Reading a 100 MB class.csv back took the report half a second at 1,000 learners (of
# about 1.7 s). collect therefore also writes the same table in Arrow's own file format,
# which is read in milliseconds (memory-mapped, only the columns asked for). The CSV stays
# the file of record: the copy is used only while the CSV is byte for byte the one it was
# written with, by the rule Python uses for .pyc files (the source's size and modification
# time), with the first and last 64 KiB's digests besides. A CSV edited in a spreadsheet,
# copied or replaced is read as CSV, and the copy is ignored.

_STAMP_KEY = b"rhetoric_lab.csv"
_STAMP_BYTES = 64 * 1024


def arrow_copy_path(path: str | os.PathLike) -> Path:
    """Where collect keeps the Arrow copy of its CSV ``path``: ``.class.csv.arrow`` beside
    it (hidden, like the pseudonym salt: a cache, not a file to open)."""
    path = Path(path)
    return path.with_name(f".{path.name}.arrow")


def _stamp(path: Path) -> bytes:
    """What identifies the CSV at ``path`` as written: size, modification time, and the
    digests of its first and last 64 KiB."""
    status = os.stat(path)
    with open(path, "rb") as file:
        head = hashlib.sha1(file.read(_STAMP_BYTES)).hexdigest()
        file.seek(max(status.st_size - _STAMP_BYTES, 0))
        tail = hashlib.sha1(file.read(_STAMP_BYTES)).hexdigest()
    return json.dumps(
        {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "head": head, "tail": tail}
    ).encode()


def _first_seen(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary column with its dictionary in order of first appearance and without
    unused values: the categories reading the CSV gives, so both reads are identical."""
    if not pa.types.is_dictionary(column.type):
        return column
    column = column.unify_dictionaries().combine_chunks()
    codes, used = pd.factorize(column.indices.to_numpy(zero_copy_only=False))
    return pa.chunked_array(
        [
            pa.DictionaryArray.from_arrays(
                pa.array(codes.astype(column.indices.type.to_pandas_dtype(), copy=False)),
                column.dictionary.take(pa.array(used)).cast(pa.string()),
            )
        ]
    )


def _write_arrow_copy(table: pa.Table, csv_path: Path, copy: Path) -> None:
    table = pa.table({name: _first_seen(table.column(name)) for name in table.column_names})
    schema = table.schema.with_metadata({_STAMP_KEY: _stamp(csv_path)})
    # Uncompressed: about a third of the CSV's size (the category columns are dictionaries),
    # written in a hundredth of a second and read back by mapping it, without a copy;
    # LZ4 made it a tenth of the CSV but cost collect 0.1 s of CPU at 1,000 learners.
    with paipc.new_file(str(copy), schema) as writer:
        writer.write_table(table.replace_schema_metadata(schema.metadata))


def _read_arrow_copy(path: Path, columns: Sequence[str] | None) -> pa.Table | None:
    """The Arrow copy of the CSV ``path`` when it is still that CSV's, else None."""
    copy = arrow_copy_path(path)
    try:
        reader = paipc.open_file(pa.memory_map(str(copy)))
        stamp = (reader.schema.metadata or {}).get(_STAMP_KEY)
        if stamp is None or stamp != _stamp(path):
            return None
        table = reader.read_all()
    except (OSError, pa.ArrowException):  # none, or unreadable: the CSV it is
        return None
    return table.select([n for n in table.column_names if columns is None or n in columns])


def read_class_csv(
    path: str | os.PathLike, *, columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A CSV that :func:`write_outputs` wrote (``class.csv`` or ``class.history.csv``),
    or any label CSV, as text columns: all of them, or those of ``columns`` it has.

    From the Arrow copy collect wrote beside it (:func:`arrow_copy_path`) while the CSV
    is the one it was written with: the same frame, in milliseconds.

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
    table = _read_arrow_copy(path, columns)
    if table is not None:
        return _frame(table)
    if not first.strip():
        raise ValueError(f"{path} is empty (no header row)")
    try:
        names = next(csv.reader([first.removeprefix(codecs.BOM_UTF8).decode("utf-8")]))
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    name: pa.string() if name in TEXT_COLUMNS else DICT_TYPE for name in names
                },
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                include_columns=[n for n in names if columns is None or n in columns],
            ),
        )
    except (UnicodeDecodeError, csv.Error, pa.ArrowInvalid) as error:
        raise ValueError(f"cannot read {path}: {error}") from None
    return _frame(table)


def _frame(table: pa.Table) -> pd.DataFrame:
    read = {name: table.column(name) for name in table.column_names}
    del table
    frame = pd.DataFrame({name: column_series(read.pop(name)) for name in list(read)}, copy=False)
    pa.default_memory_pool().release_unused()  # Arrow's copy of a large class: hand it back
    return frame


def write_outputs(result: CollectResult, out: str | os.PathLike) -> dict[str, Path]:
    """Write ``class.csv`` (labels), ``class.history.csv`` and ``class.rejects.csv``,
    and the Arrow copies of the first two that :func:`read_class_csv` reads back quickly.

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
    # the Arrow copies of class.csv and its history (not of the rejects: never read back)
    copies = [arrow_copy_path(path) for _, path in jobs[:2]]
    copy_temporaries = [copy.with_name(copy.name + ".tmp") for copy in copies]
    try:
        # Two files at a time: Arrow's writer lets go of the GIL. Leaving the block waits
        # for both, so nothing is still writing when the temporaries are removed.
        with ThreadPoolExecutor(max_workers=2) as pool:
            writes = [
                pool.submit(_write_csv, frame, temporary, copy)
                for (frame, _), temporary, copy in zip(
                    jobs, temporaries, [*copy_temporaries, None], strict=True
                )
            ]
            for write in writes:
                write.result()  # the first failure, raised
    except BaseException:  # a full disk, or Ctrl-C: leave no half-written file behind
        for temporary in [*temporaries, *copy_temporaries]:
            with contextlib.suppress(OSError):
                temporary.unlink()
        raise
    for (_, path), temporary in zip(jobs, temporaries, strict=True):
        os.replace(temporary, path)
    for copy, temporary in zip(copies, copy_temporaries, strict=True):
        if temporary.exists():
            os.replace(temporary, copy)  # its stamp is the CSV's: the rename keeps both
        else:  # not written (a missing value): an older copy would not match; tidy it
            with contextlib.suppress(OSError):
                copy.unlink()
    return targets
