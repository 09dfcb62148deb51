"""The columns collect reads and writes, and the Arrow/pandas forms it keeps them in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ..schema import (
    LABEL_COLUMNS,
)

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
#: The buckets every row read lands in, exactly one each: they add up to ``rows_read``.
ROW_BUCKETS: tuple[str, ...] = (
    "kept",
    "superseded",
    "cleared",
    "revealed",
    "duplicate",
    "rejected",
)
#: Keys of :attr:`CollectResult.counts`.
COUNT_KEYS: tuple[str, ...] = ("files", "files_rejected", "learners", "rows_read", *ROW_BUCKETS)


#: Columns without which a file cannot be read; the others default to "".
_OPTIONAL_IN_FILES = ("confidence", "note", "frame", "codebook_version", "text_sha1")
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c for c in LABEL_COLUMNS if c not in _OPTIONAL_IN_FILES)

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

HEADER_BYTES = (",".join(LABEL_COLUMNS) + "\n").encode("ascii")
# Columns kept dictionary-encoded (pandas category): few distinct values, many rows.
TEXT_COLUMNS = ("note", "saved_at")
DICT_COLUMNS = tuple(c for c in LABEL_COLUMNS if c not in TEXT_COLUMNS)
DICT_TYPE = pa.dictionary(pa.int32(), pa.string())
ARROW_SCHEMA = pa.schema(
    [(c, pa.string() if c in TEXT_COLUMNS else DICT_TYPE) for c in LABEL_COLUMNS]
    + [("_file", pa.int32()), ("_row", pa.int32()), ("_raw", pa.string()), ("_tail", pa.bool_())]
)
# Measured: a 16 MB buffer is quicker to make than a larger one and parses as fast, in
# two blocks (one per core).


def column_series(chunked: pa.ChunkedArray, keep: np.ndarray | None = None) -> pd.Series:
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


def codes_of(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list[str]]:
    series = frame[column]
    return series.cat.codes.to_numpy(), [str(c) for c in series.cat.categories]


def category_counts(codes: np.ndarray, size: int) -> np.ndarray:
    """Rows per category, from category codes (-1, no value, is not counted)."""
    if len(codes) and codes.min() < 0:
        codes = codes[codes >= 0]
    return np.bincount(codes, minlength=size)


def categorical(codes: np.ndarray, categories: pd.Index, used: np.ndarray, name: str) -> pd.Series:
    """A category series of ``codes`` with only the ``used`` categories (rejected rows'
    values and the reader's file markers go)."""
    if not used.all():
        remap = np.full(len(categories) + 1, -1, dtype=codes.dtype)  # [-1]: no value
        remap[np.flatnonzero(used)] = np.arange(int(used.sum()), dtype=codes.dtype)
        codes, categories = remap[codes], categories[used]
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=categories, validate=False), name=name
    )
