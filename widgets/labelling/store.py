"""The label store: one append-only CSV per learner that never loses a label.

Every change is a new line, written in one ``write`` under a file lock, flushed and
fsynced; the file is never rewritten. The latest row for a key (see
:mod:`widgets.schema`) is the current label; earlier rows are history, which makes undo
and "how did the class change its mind" possible.

Reading is tolerant: a torn or damaged line (a kernel killed mid-write, a disk that filled
up) is set aside and reported in :attr:`LabelStore.problems`, never silently dropped and
never fatal.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from filelock import FileLock

from .. import paths
from ..schema import (
    CONFIDENCE_LEVELS,
    KEY_COLUMNS,
    LABEL_COLUMNS,
    OPTIONAL_COLUMNS,
    REVEAL_WHOLE_ARTICLE,
    STANCES,
    STATUS_CLEARED,
    STATUS_REVEALED,
    STATUS_SET,
    STATUSES,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
    join_techniques,
)
from .current import is_label_row, supersedes

__all__ = ["LabelStore", "SaveError", "read_label_file", "MAX_NOTE_LENGTH"]

#: A "why?" note longer than this is refused (a pasted article is not a rationale).
MAX_NOTE_LENGTH = 5000

_HEADER = ",".join(LABEL_COLUMNS) + "\n"
_KEY_FIELDS = ("article_id", "sentence_id", "target")


class SaveError(OSError):
    """Writing to the label file failed (unwritable folder, disk full); nothing was lost
    from memory, and the rows are written with the next successful save."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _format_rows(rows: Iterable[dict[str, str]], positions: dict[str, int] | None = None) -> str:
    """CSV lines of ``rows``, each value in its column of the file (``positions``, from the
    file's header: a file written in another column order is appended to in its own)."""
    positions = positions or _BY_POSITION
    width = max(positions.values()) + 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # csv quotes "\n" but not a lone "\r" when lines end in "\n"; quote such rows fully
    # so a carriage return in a note reads back exactly.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        values = [""] * width
        for name, index in positions.items():
            values[index] = row.get(name, "")
        (quoted if any("\r" in v for v in values) else writer).writerow(values)
    return buffer.getvalue()


def _valid_timestamp(value: str) -> bool:
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return False
    return stamp.tzinfo is not None


def _header_positions(record: list[str]) -> dict[str, int] | None:
    """Where each known column is in a header record, or None when the record is not a
    header (it names none of the key columns)."""
    names = [name.strip().lstrip("\ufeff") for name in record]
    if not set(KEY_COLUMNS) <= set(names):
        return None
    return {
        name: names.index(name) for name in (*LABEL_COLUMNS, *OPTIONAL_COLUMNS) if name in names
    }


#: Reading by position: a file without a header line (or before its header is known).
_BY_POSITION = {name: index for index, name in enumerate(LABEL_COLUMNS)}


def _parse_records(
    text: str, *, source: str, first_line: int, positions: dict[str, int] | None
) -> tuple[list[dict[str, str]], list[str], dict[str, int]]:
    """Parse label records from ``text``; damaged records go to the problem list.

    Columns are found by the header's names (``positions`` None: the first record is the
    header); a column the file lacks (an older format) reads as "". Returns the rows, the
    problems and the positions, for the records that follow."""
    rows: list[dict[str, str]] = []
    problems: list[str] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for record in reader:
        line = first_line + start - 1
        start = reader.line_num + 1
        if positions is None:
            positions = _header_positions(record)
            if positions is not None:
                continue
            positions = _BY_POSITION
            problems.append(
                f"{source}: line {line}: header is {','.join(record)!r}, expected "
                f"{','.join(LABEL_COLUMNS)!r}; reading the rows by position"
            )
        if not record:
            continue
        width = max(positions.values()) + 1 if positions is not _BY_POSITION else len(LABEL_COLUMNS)
        if len(record) != width:
            problems.append(
                f"{source}: line {line}: expected {width} fields, found "
                f"{len(record)}; a torn or damaged line was set aside: {','.join(record)[:120]!r}"
            )
            continue
        row = {name: record[positions[name]] if name in positions else "" for name in LABEL_COLUMNS}
        if not _valid_timestamp(row["saved_at"]) or row["status"] not in STATUSES:
            problems.append(
                f"{source}: line {line}: saved_at {row['saved_at']!r} or status "
                f"{row['status']!r} is not valid; the line was set aside"
            )
            continue
        rows.append(row)
    return rows, problems, positions or _BY_POSITION


def _split_open_tail(text: str) -> tuple[str, str]:
    """Split ``text`` into complete records and an unfinished (torn) last record.

    A record is unfinished when the text does not end with a newline, or ends inside a
    quoted field (csv doubles every quote inside a field, so complete records hold an
    even number of quote characters)."""
    if not text or (text.endswith("\n") and text.count('"') % 2 == 0):
        return text, ""
    in_quote, last_newline = False, -1
    for index, char in enumerate(text):
        if char == '"':
            in_quote = not in_quote
        elif char == "\n" and not in_quote:
            last_newline = index
    return text[: last_newline + 1], text[last_newline + 1 :]


def read_label_file(path: str | os.PathLike) -> tuple[pd.DataFrame, list[str]]:
    """Read a learner's label file tolerantly.

    Returns
    -------
    rows : DataFrame
        Every valid row (all history), columns :data:`~widgets.schema.LABEL_COLUMNS`,
        all text; in file order.
    problems : list of str
        One message per line set aside, naming the file and line.
    """
    path = Path(path)
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    rows, problems, _ = _parse_records(text, source=str(path), first_line=1, positions=None)
    frame = pd.DataFrame(rows, columns=list(LABEL_COLUMNS), dtype=object)
    return frame, problems


class LabelStore:
    """One learner's labels, saved as they are made.

    Parameters
    ----------
    directory : path, optional
        Folder of learner CSVs; default :func:`widgets.paths.annotation_dir`.
    learner : str, optional
        Learner id; default :func:`widgets.paths.resolve_learner`. Ids with path
        separators, control characters or over 64 characters raise ``ValueError``.
    corpus, codebook : optional
        What labels are checked against; loaded from ``data/`` when not given.
    clock : callable, optional
        Returns the current UTC ``datetime`` (tests inject one). ``saved_at`` is kept
        strictly increasing within a store even if the clock stalls.
    """

    def __init__(
        self,
        directory: str | os.PathLike | None = None,
        learner: str | None = None,
        *,
        corpus=None,
        codebook=None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.directory = paths.annotation_dir(directory)
        self.learner = paths.require_learner(learner, self.directory)
        if corpus is None:
            from ..content.corpus import load_corpus

            corpus = load_corpus()
        if codebook is None:
            from ..content.codebook import load_codebook

            codebook = load_codebook()
        self.corpus = corpus
        self.codebook = codebook
        self._clock = clock or _utcnow
        self.path = self.directory / f"{self.learner}.csv"
        self._lock = FileLock(str(self.path) + ".lock", timeout=10)
        self._history: list[dict[str, str]] = []
        self._current: dict[tuple[str, str, str], dict[str, str]] = {}
        self._reveals: list[dict[str, str]] = []  # status=revealed rows, in file order
        self._undo_stack: list[list[tuple[tuple[str, str, str], dict[str, str] | None]]] = []
        self._pending: list[dict[str, str]] = []  # rows a failed write still owes the file
        self._offset = 0  # bytes of the file already read
        self._lines_read = 0
        #: column -> position in the file, from its header (None until it is read)
        self._positions: dict[str, int] | None = None
        self._torn_noted = -1
        self._tail_newlines = 0
        self._last_stamp: datetime | None = None
        self.problems: list[str] = []
        self.last_saved_at: datetime | None = None
        self.last_error: str | None = None
        if self.path.exists():
            if not self.path.is_file():
                raise ValueError(f"{self.path} exists but is not a regular file")
            self._catch_up()

    # -- reading -----------------------------------------------------------------------

    def _absorb(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            self._history.append(row)
            if row["status"] == STATUS_REVEALED:
                self._reveals.append(row)  # a look at the key, never a label
                continue
            key = tuple(row[f] for f in _KEY_FIELDS)
            if is_label_row(row) and supersedes(row, self._current.get(key)):
                self._current[key] = row
            stamp = datetime.fromisoformat(row["saved_at"])
            if self._last_stamp is None or stamp > self._last_stamp:
                self._last_stamp = stamp

    def _catch_up(self) -> str:
        """Read what was appended since we last looked (another tab, another process).

        Returns the repair to write before appending: a newline (and a closing quote)
        when the file ends inside a torn record, so that record stays one bad line that
        readers set aside and the next row starts clean."""
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return ""
        if self._offset == 0 and data.startswith(b"\xef\xbb\xbf"):
            data, self._offset = data[3:], 3
        # surrogateescape keeps byte offsets exact even if the file holds invalid UTF-8
        text = data.decode("utf-8", errors="surrogateescape")
        complete, tail = _split_open_tail(text)
        rows, problems, self._positions = _parse_records(
            complete,
            source=str(self.path),
            first_line=self._lines_read + 1,
            positions=self._positions,
        )
        self._absorb(rows)
        self.problems.extend(problems)
        self._offset += len(complete.encode("utf-8", errors="surrogateescape"))
        self._lines_read += complete.count("\n")
        self._tail_newlines = tail.count("\n")
        if not tail:
            return ""
        if self._torn_noted != self._offset:
            self._torn_noted = self._offset
            self.problems.append(
                f"{self.path}: line {self._lines_read + 1}: the last line is torn (its write "
                f"did not finish) and was set aside: {tail[:120]!r}"
            )
        return ('"' if tail.count('"') % 2 == 1 else "") + "\n"

    # -- validation --------------------------------------------------------------------

    def _validate(
        self, article_id, sentence_id, techniques, stance, target, confidence, note, frame
    ):
        try:
            article = self.corpus.article(article_id)
        except KeyError as error:
            raise ValueError(error.args[0]) from None
        if sentence_id == SUMMARY_SENTENCE_ID:
            text_hash = ""
        else:
            sentence = article.sentence_index.get(sentence_id)
            if sentence is None:
                first, last = article.sentences[0].sentence_id, article.sentences[-1].sentence_id
                raise ValueError(
                    f"unknown sentence {sentence_id!r} in article {article_id!r}; "
                    f"sentences run from {first} to {last} (or {SUMMARY_SENTENCE_ID!r})"
                )
            text_hash = sentence.text_sha1
        if techniques is not None:
            if isinstance(techniques, str):
                raise ValueError(f"techniques must be a list of ids, got the string {techniques!r}")
            known = set(self.codebook.technique_ids)
            unknown = sorted({str(t) for t in techniques} - known)
            if unknown:
                raise ValueError(
                    f"unknown technique {', '.join(map(repr, unknown))}; "
                    f"allowed: {', '.join(self.codebook.technique_ids)}"
                )
        if stance is not None:
            if stance not in STANCES:
                raise ValueError(f"unknown stance {stance!r}; allowed: {', '.join(STANCES)}")
            if target is None:
                target = article.targets[0]
            if target not in article.targets:
                raise ValueError(
                    f"unknown target {target!r} for article {article_id!r}; "
                    f"allowed: {', '.join(article.targets)}"
                )
        elif target is not None:
            raise ValueError("a target was given without a stance")
        if confidence not in (None, "", *CONFIDENCE_LEVELS):
            raise ValueError(
                f"unknown confidence {confidence!r}; allowed: {', '.join(CONFIDENCE_LEVELS)}"
            )
        if not isinstance(note, str):
            raise ValueError(f"note must be text, got {type(note).__name__}")
        if len(note) > MAX_NOTE_LENGTH:
            raise ValueError(f"note is {len(note)} characters; at most {MAX_NOTE_LENGTH} are kept")
        if frame is not None:
            if sentence_id != SUMMARY_SENTENCE_ID:
                raise ValueError("a frame belongs to the article summary, not a sentence")
            if frame not in self.codebook.frame_ids:
                raise ValueError(
                    f"unknown frame {frame!r}; allowed: {', '.join(self.codebook.frame_ids)}"
                )
        if techniques is None and stance is None and frame is None:
            raise ValueError("nothing to save: give techniques, a stance or a frame")
        return target, text_hash

    # -- writing -----------------------------------------------------------------------

    def _stamp(self) -> str:
        stamp = self._clock()
        if stamp.tzinfo is None:
            raise ValueError("the clock must return timezone-aware UTC datetimes")
        stamp = stamp.astimezone(UTC)
        if self._last_stamp is not None and stamp <= self._last_stamp:
            stamp = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = stamp
        return stamp.isoformat(timespec="microseconds")

    def _row(self, article_id, sentence_id, target, text_hash, stamp, **fields) -> dict[str, str]:
        row = {
            "learner": self.learner,
            "article_id": article_id,
            "sentence_id": sentence_id,
            "target": target,
            "techniques": "",
            "stance": "",
            "confidence": "",
            "note": "",
            "frame": "",
            "status": STATUS_SET,
            "saved_at": stamp,
            "codebook_version": str(self.codebook.version),
            "text_sha1": text_hash,
        }
        row.update({k: ("" if v is None else str(v)) for k, v in fields.items()})
        return row

    def _append(self, rows: list[dict[str, str]]) -> None:
        """Write ``rows`` (and any owed by an earlier failed write) in one locked append."""
        self._pending.extend(rows)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with self._lock:
                repair = self._catch_up()
                new_file = not self.path.exists() or self.path.stat().st_size == 0
                if new_file:
                    self._positions = _BY_POSITION
                payload = (_HEADER if new_file else repair) + _format_rows(
                    self._pending, self._positions or _BY_POSITION
                )
                end = paths.append_durably(self.path, payload)
                if new_file:
                    self._fsync_directory()
                # Under the lock nobody else wrote: the file ends with our rows. A torn
                # record we just closed is skipped, having been reported by _catch_up.
                self._lines_read += self._tail_newlines + payload.count("\n")
                self._tail_newlines = 0
                self._offset = end
        except OSError as error:
            self.last_error = f"could not save to {self.path}: {error.strerror or error}"
            raise SaveError(self.last_error) from error
        owed, self._pending = self._pending, []
        self._absorb(owed)
        self.last_error = None
        self.last_saved_at = datetime.fromisoformat(owed[-1]["saved_at"])

    def _fsync_directory(self) -> None:
        try:
            fd = os.open(self.directory, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass  # some filesystems do not fsync folders; the file itself is synced
        finally:
            os.close(fd)

    def _remember_for_undo(self, rows: list[dict[str, str]]) -> None:
        self._undo_stack.append(
            [
                (key, self._current.get(key))
                for key in (tuple(r[f] for f in _KEY_FIELDS) for r in rows)
            ]
        )

    def save(
        self,
        article_id: str,
        sentence_id: str,
        *,
        techniques: Iterable[str] | None = None,
        stance: str | None = None,
        target: str | None = None,
        confidence: str | None = None,
        note: str = "",
        frame: str | None = None,
    ) -> list[dict[str, str]]:
        """Save a label now (appended, flushed and fsynced before returning).

        ``techniques`` (ids; empty = "looked, no technique") writes the sentence's
        technique row; ``stance`` writes the stance row for ``target`` (default: the
        article's first target); both write two rows in one append. ``confidence`` and
        ``note`` go with each row written; ``frame`` only on the summary.

        Raises
        ------
        ValueError
            Unknown article, sentence, technique, stance, target, confidence or frame;
            nothing is written.
        SaveError
            The file could not be written. The rows are kept in memory
            (:meth:`current` shows them) and written with the next successful save.
        """
        target, text_hash = self._validate(
            article_id, sentence_id, techniques, stance, target, confidence, note, frame
        )
        rows = []
        common = {"confidence": confidence, "note": note}
        if techniques is not None or frame is not None:
            rows.append(
                self._row(
                    article_id,
                    sentence_id,
                    TECHNIQUE_TARGET,
                    text_hash,
                    self._stamp(),
                    techniques=join_techniques(techniques or ()),
                    frame=frame,
                    **common,
                )
            )
        if stance is not None:
            rows.append(
                self._row(
                    article_id,
                    sentence_id,
                    target,
                    text_hash,
                    self._stamp(),
                    stance=stance,
                    **common,
                )
            )
        self._remember_for_undo(rows)
        self._commit(rows)
        return rows

    def _commit(self, rows: list[dict[str, str]]) -> None:
        # The label is in memory before the disk is touched: a failed write is shown
        # as current and retried with the next save, never lost.
        for row in rows:
            if row["status"] != STATUS_REVEALED:
                self._current[tuple(row[f] for f in _KEY_FIELDS)] = row
        self._append(rows)

    def undo(self) -> list[dict[str, str]] | None:
        """Revert this session's last save (appending rows; history is kept).

        Returns the rows written, or ``None`` when there is nothing to undo.
        """
        if not self._undo_stack:
            return None
        changes = self._undo_stack.pop()
        rows = []
        for (article_id, sentence_id, target), previous in changes:
            stamp = self._stamp()
            if previous is None:
                current = self._current.get((article_id, sentence_id, target))
                rows.append(
                    self._row(
                        article_id,
                        sentence_id,
                        target,
                        current["text_sha1"] if current else "",
                        stamp,
                        status=STATUS_CLEARED,
                    )
                )
            else:
                rows.append({**previous, "saved_at": stamp})
        self._commit(rows)
        return rows

    def reveal(self, article_id: str, sentence_id: str = REVEAL_WHOLE_ARTICLE) -> dict[str, str]:
        """Record that the learner saw the key for ``sentence_id`` (a sentence,
        ``"summary"``, or :data:`~widgets.schema.REVEAL_WHOLE_ARTICLE` for the whole
        article): one ``status=revealed`` row, appended like a label. Not undoable: a look
        cannot be taken back."""
        try:
            article = self.corpus.article(article_id)
        except KeyError as error:
            raise ValueError(error.args[0]) from None
        text_hash = ""
        if sentence_id not in (REVEAL_WHOLE_ARTICLE, SUMMARY_SENTENCE_ID):
            sentence = article.sentence_index.get(sentence_id)
            if sentence is None:
                raise ValueError(f"unknown sentence {sentence_id!r} in article {article_id!r}")
            text_hash = sentence.text_sha1
        row = self._row(
            article_id,
            sentence_id,
            TECHNIQUE_TARGET,
            text_hash,
            self._stamp(),
            status=STATUS_REVEALED,
        )
        self._commit([row])
        return row

    def reveals(self, article_id: str | None = None) -> list[dict[str, str]]:
        """The learner's reveal rows (oldest first), of one article or all."""
        return [dict(r) for r in self._reveals if article_id in (None, r["article_id"])]

    @property
    def can_undo(self) -> bool:
        return bool(self._undo_stack)

    # -- querying ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Pick up rows another process (another browser tab) appended."""
        if self.path.exists():
            with self._lock:
                self._catch_up()

    def current(self, article_id: str, sentence_id: str, target: str = TECHNIQUE_TARGET):
        """The current row for a key as a dict, or ``None`` (never labelled, or cleared)."""
        row = self._current.get((article_id, sentence_id, target))
        if row is None or row["status"] == STATUS_CLEARED:
            return None
        return dict(row)

    def labels(self, article_id: str | None = None) -> pd.DataFrame:
        """Current labels, one row per key (cleared keys dropped), in reading order."""
        rows = [
            r
            for r in self._current.values()
            if r["status"] == STATUS_SET and (article_id is None or r["article_id"] == article_id)
        ]
        frame = pd.DataFrame(rows, columns=list(LABEL_COLUMNS), dtype=object)
        index = self.corpus.sentence_index
        order = [
            (
                r["article_id"],
                index[r["sentence_id"]].position if r["sentence_id"] in index else 10**6,
                r["target"],
            )
            for r in rows
        ]
        frame["_order"] = order
        return frame.sort_values("_order").drop(columns="_order").reset_index(drop=True)

    def history(self) -> pd.DataFrame:
        """Every row saved, in file order (including superseded and cleared rows)."""
        return pd.DataFrame(self._history, columns=list(LABEL_COLUMNS), dtype=object)
