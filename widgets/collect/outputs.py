"""collect's own files: the paths, writing them all-or-nothing, reading them back, and
knowing them when a folder is searched again."""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

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
                    name: pa.string() if name in TEXT_COLUMNS else DICT_TYPE for name in names
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
    frame = pd.DataFrame({name: column_series(read.pop(name)) for name in list(read)}, copy=False)
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
