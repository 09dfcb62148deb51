"""Gathering every learner's label CSV into one checked class table.

``collect`` finds the files, reads them (fast path, tolerant reader as the reference),
checks each row against the rules, and keeps the latest save per label.
"""

from __future__ import annotations

from .columns import (
    COLUMN_ALIASES,
    COUNT_KEYS,
    FILE_COLUMNS,
    HISTORY_COLUMNS,
    REJECT_COLUMNS,
    REQUIRED_COLUMNS,
    ROW_BUCKETS,
)
from .outputs import (
    arrow_copy_path,
    is_collect_output,
    output_paths,
    read_class_csv,
    write_outputs,
)
from .pipeline import CLOCK_SKEW, CollectResult, collect
from .sources import MAX_FILE_BYTES, InputError, find_inputs
from .tolerant import MAX_RAW_LINE

__all__ = [
    "CollectResult",
    "collect",
    "write_outputs",
    "read_class_csv",
    "arrow_copy_path",
    "find_inputs",
    "InputError",
    "REJECT_COLUMNS",
    "HISTORY_COLUMNS",
    "FILE_COLUMNS",
    "COUNT_KEYS",
    "COLUMN_ALIASES",
    "REQUIRED_COLUMNS",
    "ROW_BUCKETS",
    "MAX_FILE_BYTES",
    "MAX_RAW_LINE",
    "CLOCK_SKEW",
    "output_paths",
    "is_collect_output",
]
