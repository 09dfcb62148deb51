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
  An empty ``text_sha1`` (hand-made files) is not checked.
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

    rows_read == kept + superseded + cleared + revealed + duplicate + rejected

``kept`` = rows of ``labels`` (the current label of a key); ``superseded`` = valid rows a
later save of the same key replaced (in ``history``); ``cleared`` = a key's latest row
withdraws it (status ``cleared``; in ``history``, not in ``labels``); ``revealed`` =
rows recording a look at the key (status ``revealed``, format version 2: see
:mod:`widgets.analysis.reveals`), the one kind of row that is not a label (a ``status`` in
:data:`widgets.schema.STATUSES` but not in ``LABEL_STATUSES``): in ``history``, never a
label, never superseding one; ``duplicate`` =
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

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa

from ..schema import (
    SIMULATED_PREFIX,
    join_techniques,
)
from .columns import (
    DICT_COLUMNS,
    FILE_COLUMNS,
    REJECT_COLUMNS,
    ROW_BUCKETS,
    TEXT_COLUMNS,
    category_counts,
    codes_of,
)
from .handins import restore_named_learners
from .merge import history_and_labels, merge_saves
from .outputs import is_collect_output
from .reader import Reader, serialise, to_frame
from .rules import Rows, check_rows
from .sources import find_inputs

__all__ = ["CollectResult", "collect", "CLOCK_SKEW"]

#: A file larger than this is refused unread (a label file is a few hundred KB).
CLOCK_SKEW = timedelta(minutes=5)


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
            used = category_counts(codes, len(column.cat.categories)) > 0
            values = column.cat.categories[used]
        else:
            values = column.unique()
        return tuple(sorted({str(v) for v in values}))

    @property
    def simulated(self) -> bool:
        """True when every learner is simulated (ids ``sim-...``, see :mod:`widgets.classroom.simulate`)."""
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


# -- validation --------------------------------------------------------------------------


# -- merging -----------------------------------------------------------------------------


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


# longer than 80 lines with its docstring: the body is the stages, in order, each a call.
def collect(
    inputs: Iterable[str | os.PathLike],
    *,
    corpus=None,
    codebook=None,
    now: datetime | None = None,
    progress: bool = False,
    sources=None,
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
    sources : list of Source, optional
        The files :func:`find_inputs` already found in ``inputs`` (then ``inputs`` is not
        searched again: the collect command shares one search with the reflections).

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
        from ..content.corpus import load_corpus

        corpus = load_corpus()
    if codebook is None:
        from ..content.codebook import load_codebook

        codebook = load_codebook()
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    limit = (now + CLOCK_SKEW - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    if sources is None:
        sources = find_inputs(inputs)
    bar = _Progress(len(sources), shown=progress)
    reader = _read(sources, bar)
    names = np.array([s.name for s in sources] + [""], dtype=object)
    frame, stamps, stamp_ok = _frame_of(reader)
    bar.stage("checking rows")  # (seconds on a large class, after the last file is read)
    mangled = restore_named_learners(frame, names, reader.file_rows)
    reason = check_rows(
        Rows(frame, corpus=corpus, codebook=codebook, stamps=stamps, stamp_ok=stamp_ok, limit=limit)
    )
    if mangled is not None:  # rows whose id differs from the one their hand-in names
        where = mangled[0] & pd.isna(reason)
        reason[where] = mangled[1][where]
    bar.stage("merging saves")
    live_idx, kept_idx, merge_counts = merge_saves(frame, reason, stamps, corpus, names)
    del stamps, stamp_ok
    _normalise_techniques(frame)
    rejects, per_file = _rejects(frame, reason, reader, names)
    # What the labels no longer need goes before they are copied out (10,000 learners
    # must fit in 2 GB).
    del reason
    bar.stage("building labels and history")
    history, labels = _cut_out(frame, live_idx, kept_idx, names)
    del frame, live_idx
    files = pd.DataFrame(reader.file_rows, columns=list(FILE_COLUMNS))
    for index, row, _message, _line in reader.rejects:
        if row > 0:
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
    if sum(counts[k] for k in ROW_BUCKETS) != counts["rows_read"]:  # pragma: no cover
        raise RuntimeError(f"collect lost track of rows: {counts}")  # a bug, never bad input
    bar.close()
    return CollectResult(
        labels=labels,
        history=history,
        rejects=rejects,
        counts=counts,
        files=files,
        skipped=tuple(str(names[i]) for i in reader.skipped),
    )


def _read(sources: list, bar: _Progress) -> Reader:
    """Every source read (canonical files in batches); collect's own outputs skipped."""
    reader = Reader(total_bytes=sum(s.size for s in sources))
    # class.csv has a learner file's columns: it is known as collect's own output by the
    # class.history.csv beside it (the history and rejects files by their headers).
    scanned = {s.name for s in sources if s.scanned}
    if not any(name.endswith(".history.csv") for name in scanned):
        scanned = set()  # no history file: no output to look for (a string op less per file)
    for source in sources if scanned else ():
        # (string work, not output_paths: 10,000 Path objects cost a third of a second)
        history = os.path.splitext(source.name)[0] + ".history.csv"
        if source.scanned and history in scanned and is_collect_output(source.name):
            reader.outputs[source.name] = "labels"
    for index, source in enumerate(sources):
        reader.add(index, source)
        bar.advance()
    reader.flush()
    return reader


def _frame_of(reader: Reader) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The rows read as one frame (category columns), and their parsed times."""
    if reader.tables:
        frame, stamps, stamp_ok = to_frame(reader.tables)
        reader.tables.clear()
        # Hand the parse buffers back: Arrow's allocator keeps freed memory otherwise,
        # and 10,000 learners must fit in 2 GB.
        pa.default_memory_pool().release_unused()
    else:
        frame = pd.DataFrame({c: pd.Categorical([]) for c in DICT_COLUMNS})
        for c in TEXT_COLUMNS:
            frame[c] = pd.Series(dtype="str")
        for c, dtype in (
            ("_file", np.int32),
            ("_row", np.int32),
            ("_raw", object),
            ("_tail", bool),
        ):
            frame[c] = pd.Series(dtype=dtype)
        stamps, stamp_ok = np.zeros(0, np.int64), np.zeros(0, bool)
    for column in DICT_COLUMNS:
        if not isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype("category")
    return frame, stamps, stamp_ok


def _normalise_techniques(frame: pd.DataFrame) -> None:
    """Technique strings sorted and de-duplicated ("b;a" -> "a;b"), once per distinct value."""
    technique_codes, techniques = codes_of(frame, "techniques")
    normalised = [join_techniques(t for t in v.split(";") if t) for v in techniques]
    if normalised != techniques:
        uniques = list(dict.fromkeys(normalised))
        remap = np.array([uniques.index(v) for v in normalised] + [-1], dtype=np.int32)
        frame["techniques"] = pd.Categorical.from_codes(remap[technique_codes], categories=uniques)


def _rejects(
    frame: pd.DataFrame, reason: np.ndarray, reader: Reader, names: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rejects (the reader's, then failed checks and conflicts), and per file how many
    rows failed a check."""
    file_codes = frame["_file"].to_numpy(dtype=np.int64)
    rejected_idx = np.flatnonzero(~pd.isna(reason))
    raw_lines = frame["_raw"].iloc[rejected_idx].to_numpy(dtype=object)
    missing_raw = np.flatnonzero(pd.isna(raw_lines))
    for position, line in zip(
        missing_raw, serialise(frame, rejected_idx[missing_raw]), strict=True
    ):
        raw_lines[position] = line
    reject_rows = [(names[i], row, message, line) for i, row, message, line in reader.rejects]
    reject_rows += zip(
        names[file_codes[rejected_idx]],
        frame["_row"].to_numpy(dtype=np.int64)[rejected_idx],
        reason[rejected_idx],
        raw_lines,
        strict=True,
    )
    rejects = pd.DataFrame(reject_rows, columns=list(REJECT_COLUMNS))
    rejects["row"] = rejects["row"].astype(np.int64)
    if len(rejects):
        rejects = rejects.sort_values(["file", "row"], kind="stable").reset_index(drop=True)
    for column in ("file", "reason", "raw_line"):
        rejects[column] = rejects[column].astype("str")
    return rejects, np.bincount(file_codes[rejected_idx], minlength=len(names) - 1)


def _cut_out(
    frame: pd.DataFrame, live_idx: np.ndarray, kept_idx: np.ndarray, names: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history (valid rows, in reading order, with ``source_file``) and the labels.

    When nothing was set aside the history is the frame itself (no copy), so 10,000
    learners fit in memory; the labels are the one copy, in key order."""
    file_codes = frame["_file"].to_numpy(dtype=np.int64)
    live_mask = np.zeros(len(file_codes), dtype=bool)
    live_mask[live_idx] = True
    live_rows = None
    if len(live_idx) == len(live_mask):  # the history is the frame
        history, labels = history_and_labels(frame, None, kept_idx)
    else:
        live_rows = np.flatnonzero(live_mask)
        position = np.cumsum(live_mask) - 1
        history, labels = history_and_labels(frame, live_rows, position[kept_idx])
    unique_names, name_codes = np.unique(names[:-1].astype(str), return_inverse=True)
    history["source_file"] = pd.Categorical.from_codes(
        name_codes.astype(np.int32)[file_codes if live_rows is None else file_codes[live_rows]],
        categories=list(unique_names),
        validate=False,
    )
    return history, labels
