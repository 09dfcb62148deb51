"""Learners' written reflections: the question catalogue, the append-only file, collect.

* **Questions** (``data/reflection-questions.yml``): each has a stable ``id`` that does not
  depend on lesson numbers, the ``lesson`` that asks it and its ``question`` text.
* **The file**: ``<learner>.reflections.csv`` beside the learner's labels, with
  :data:`REFLECTION_COLUMNS`. Like the label store, every save is a new line written in
  one ``write`` under a file lock, flushed and fsynced; the latest ``saved_at`` per
  ``(learner, question_id)`` is the current answer. A torn line (a kernel killed
  mid-write) is set aside and reported, never fatal.
* **Collect** (:func:`collect_reflections`): reads the reflection files among collect's
  inputs (folders, zips, hand-ins) with the label collect's accounting::

      rows_read == kept + superseded + duplicate + rejected

  and writes ``class.reflections.csv`` (current answers, :data:`CLASS_COLUMNS`).

Reflection text is data, never markup: every view escapes it. Text over
:data:`MAX_REFLECTION_LENGTH` characters is refused with a message, never cut short.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from filelock import FileLock

from .. import paths

__all__ = [
    "REFLECTION_COLUMNS",
    "CLASS_COLUMNS",
    "REFLECTIONS_SUFFIX",
    "MAX_REFLECTION_LENGTH",
    "Question",
    "load_questions",
    "lesson_questions",
    "model_answer_for",
    "ReflectionStore",
    "read_reflection_file",
    "reflection_file",
    "ReflectionResult",
    "collect_reflections",
    "write_class_reflections",
    "is_reflection_file",
]

REFLECTION_COLUMNS: tuple[str, ...] = ("learner", "question_id", "text", "status", "saved_at")
#: Columns of ``class.reflections.csv``: a learner's file has ``status`` where this has
#: ``source_file``, so collect tells its own output from a learner's file by the header.
CLASS_COLUMNS: tuple[str, ...] = ("learner", "question_id", "text", "saved_at", "source_file")
REFLECTIONS_SUFFIX = ".reflections.csv"
#: An answer longer than this is refused (about four pages: a reflection, not an essay).
MAX_REFLECTION_LENGTH = 10_000
QUESTIONS_FILE = "reflection-questions.yml"
_STATUS = "set"
_HEADER = ",".join(REFLECTION_COLUMNS) + "\n"
_QUESTION_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
CLOCK_SKEW = timedelta(minutes=5)


# -- questions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    id: str
    lesson: str
    question: str


def load_questions(data_dir: str | os.PathLike | None = None) -> tuple[Question, ...]:
    """Every reflection question, in lesson order (``data/reflection-questions.yml``)."""
    path = paths.data_dir(data_dir) / QUESTIONS_FILE
    return _questions(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _questions(path: Path, _mtime: int) -> tuple[Question, ...]:
    # Parsed once per version of the file: every Reflection box and collect asks.
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    questions = []
    for number, entry in enumerate(document.get("questions", []), start=1):
        try:
            question = Question(str(entry["id"]), str(entry["lesson"]), str(entry["question"]))
        except (KeyError, TypeError):
            raise ValueError(f"{path}: question {number} needs id, lesson and question") from None
        if not _QUESTION_ID.fullmatch(question.id):
            raise ValueError(f"{path}: question id {question.id!r} is not a lower-case slug")
        questions.append(question)
    ids = [q.id for q in questions]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(f"{path}: question ids used twice: {', '.join(repeated)}")
    return tuple(questions)


def lesson_questions(lesson: str, data_dir=None) -> tuple[Question, ...]:
    """The questions one lesson asks (``lesson`` is the notebook's stem)."""
    return tuple(q for q in load_questions(data_dir) if q.lesson == lesson)


def model_answer_for(question: Question, model_answers: dict) -> str | None:
    """The model answer to ``question`` in ``answers/model-answers.yml``'s mapping
    (matched by lesson and text), or ``None``."""
    for entry in model_answers.get(question.lesson) or ():
        if isinstance(entry, dict) and entry.get("question") == question.question:
            return entry.get("answer")
    return None


# -- the learner's file ----------------------------------------------------------------------


def reflection_file(learner: str, directory=None) -> Path:
    """``<annotation dir>/<learner>.reflections.csv``."""
    return paths.annotation_dir(directory) / f"{learner}{REFLECTIONS_SUFFIX}"


def is_reflection_file(name: str) -> bool:
    """True for a reflections file name (a learner's or ``class.reflections.csv``)."""
    return str(name).lower().endswith(REFLECTIONS_SUFFIX)


def _valid_stamp(value: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return stamp if stamp.tzinfo is not None else None


def _records(
    text: str, source: str, *, tail_torn: bool = True, delimiter: str = ","
) -> tuple[list[tuple[int, list[str], str]], list[str]]:
    """``(line, fields, raw)`` per record, and problems. With ``tail_torn`` (the kit's
    own file) a last line without its newline is a torn write, set aside; collect reads
    it as a record, whose missing fields then reject it."""
    problems = []
    complete = text
    if tail_torn and text and not text.endswith("\n"):
        cut = text.rfind("\n") + 1
        complete, torn = text[:cut], text[cut:]
        # A quoted answer with line breaks may have started further up: the csv reader
        # below sees an unclosed quote as a record that never ends, set aside there.
        problems.append(
            f"{source}: line {complete.count(chr(10)) + 1}: the last line is torn (its "
            f"write did not finish) and was set aside: {torn[:120]!r}"
        )
    records = []
    reader = csv.reader(io.StringIO(complete, newline=""), delimiter=delimiter)
    start = 1
    try:
        for fields in reader:
            records.append((start, fields, delimiter.join(fields)))
            start = reader.line_num + 1
    except csv.Error as error:
        problems.append(f"{source}: line {start}: {error}; the rest was set aside")
    return records, problems


def read_reflection_file(path: str | os.PathLike) -> tuple[pd.DataFrame, list[str]]:
    """Every valid row of a reflections file (all history, file order, as text) and one
    problem message per line set aside."""
    path = Path(path)
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    records, problems = _records(text, str(path))
    rows = []
    for line, fields, _raw in records:
        if line == 1 and tuple(fields) == REFLECTION_COLUMNS:
            continue
        if not fields:
            continue
        if len(fields) != len(REFLECTION_COLUMNS):
            problems.append(
                f"{path}: line {line}: expected {len(REFLECTION_COLUMNS)} fields, found "
                f"{len(fields)}; a torn or damaged line was set aside"
            )
            continue
        row = dict(zip(REFLECTION_COLUMNS, fields, strict=True))
        if _valid_stamp(row["saved_at"]) is None or row["status"] != _STATUS:
            problems.append(f"{path}: line {line}: saved_at or status is not valid; set aside")
            continue
        rows.append(row)
    return pd.DataFrame(rows, columns=list(REFLECTION_COLUMNS), dtype=object), problems


class ReflectionStore:
    """One learner's reflections, saved as they are written.

    Parameters
    ----------
    directory : path, optional
        The annotation folder (default :func:`widgets.paths.annotation_dir`).
    learner : str, optional
        Default :func:`widgets.paths.resolve_learner`.
    clock : callable, optional
        Returns the current UTC ``datetime`` (tests inject one).
    """

    def __init__(
        self,
        directory: str | os.PathLike | None = None,
        learner: str | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.directory = paths.annotation_dir(directory)
        self.learner = resolved = paths.require_learner(learner, self.directory)
        self.path = reflection_file(resolved, self.directory)
        self._lock = FileLock(str(self.path) + ".lock", timeout=10)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._last: datetime | None = None
        self._current: dict[str, dict[str, str]] = {}
        self.problems: list[str] = []
        self.refresh()

    def refresh(self) -> None:
        """Read the file again (another tab may have saved)."""
        if not self.path.exists():
            return
        rows, self.problems = read_reflection_file(self.path)
        for row in rows.to_dict("records"):
            previous = self._current.get(row["question_id"])
            if previous is None or row["saved_at"] >= previous["saved_at"]:
                self._current[row["question_id"]] = row
            stamp = _valid_stamp(row["saved_at"])
            if self._last is None or stamp > self._last:
                self._last = stamp

    def current(self, question_id: str) -> str:
        """The latest saved answer to ``question_id`` (``""`` when none)."""
        row = self._current.get(question_id)
        return row["text"] if row else ""

    def answers(self) -> dict[str, str]:
        """``{question_id: latest text}``."""
        return {q: r["text"] for q, r in self._current.items()}

    def save(self, question_id: str, text: str) -> dict[str, str] | None:
        """Append ``text`` as the answer to ``question_id``; ``None`` when it is what is
        saved already (typing and deleting a letter writes nothing).

        Raises
        ------
        ValueError
            Not text, an id that is not a slug, or over :data:`MAX_REFLECTION_LENGTH`
            characters (nothing is written; the text is never cut short).
        OSError
            The file could not be written.
        """
        if not isinstance(text, str):
            raise ValueError(f"a reflection must be text, got {type(text).__name__}")
        if not _QUESTION_ID.fullmatch(str(question_id)):
            raise ValueError(f"question id {question_id!r} is not a lower-case slug")
        if len(text) > MAX_REFLECTION_LENGTH:
            raise ValueError(
                f"this answer is {len(text):,} characters; at most "
                f"{MAX_REFLECTION_LENGTH:,} are saved. Shorten it: nothing was cut, and "
                "the last saved version is kept."
            )
        if question_id in self._current and self._current[question_id]["text"] == text:
            return None
        stamp = self._clock().astimezone(UTC)
        if self._last is not None and stamp <= self._last:
            stamp = self._last + timedelta(microseconds=1)
        self._last = stamp
        row = {
            "learner": self.learner,
            "question_id": question_id,
            "text": text,
            "status": _STATUS,
            "saved_at": stamp.isoformat(timespec="microseconds"),
        }
        self._append(row)
        self._current[question_id] = row
        return row

    def _append(self, row: dict[str, str]) -> None:
        buffer = io.StringIO()
        values = [row[c] for c in REFLECTION_COLUMNS]
        quoting = csv.QUOTE_ALL if any("\r" in v for v in values) else csv.QUOTE_MINIMAL
        csv.writer(buffer, lineterminator="\n", quoting=quoting).writerow(values)
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._lock:
            repair = ""
            size = self.path.stat().st_size if self.path.exists() else 0
            if size:
                with open(self.path, "rb") as handle:
                    handle.seek(max(0, size - 1))
                    if handle.read(1) != b"\n":
                        # A torn last record: close it so it stays one bad line that
                        # readers set aside, and this row starts clean.
                        tail = self.path.read_bytes()
                        tail = tail[tail.rfind(b"\n") + 1 :]
                        repair = ('"' if tail.count(b'"') % 2 else "") + "\n"
            payload = (_HEADER if not size else repair) + buffer.getvalue()
            paths.append_durably(self.path, payload)


# -- collect ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReflectionResult:
    """What :func:`collect_reflections` found.

    ``reflections``: current answers (:data:`CLASS_COLUMNS`); ``history``: every valid
    row with ``source_file``; ``rejects``: ``file, row, reason, raw_line`` (as collect's);
    ``counts``: ``files, rows_read, kept, superseded, duplicate, rejected``.
    """

    reflections: pd.DataFrame
    history: pd.DataFrame
    rejects: pd.DataFrame
    counts: dict
    #: learner ids put back as their hand-in names them (one note per file and id)
    notes: tuple[str, ...] = ()


def _parse_fast(chunks: list[tuple[str, bytes]]) -> pd.DataFrame | None:
    """Every chunk (a file's rows in the kit's own format, header removed) parsed in one
    go by Arrow, or ``None`` when any record does not parse (then each file is read the
    careful way). Columns :data:`REFLECTION_COLUMNS` (text, kept in Arrow: no Python
    string per value), ``source_file`` and ``_ordinal`` (the row's place in its file).

    Each file's rows follow a marker record naming it, as in collect's reader."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    parts = []
    for number, (_name, body) in enumerate(chunks):
        parts.append(b"\x01%d,,,,\n" % number)
        parts.append(body if body.endswith(b"\n") or not body else body + b"\n")
    try:
        table = pacsv.read_csv(
            io.BytesIO(b"".join(parts)),
            read_options=pacsv.ReadOptions(column_names=list(REFLECTION_COLUMNS)),
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
    if not len(marker) or not marker[0]:
        return None
    file_number = np.cumsum(marker) - 1
    starts = np.flatnonzero(marker)
    keep = np.flatnonzero(~marker)
    rows = table.take(pa.array(keep))
    frame = pd.DataFrame(
        {c: rows.column(c).to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)
         for c in REFLECTION_COLUMNS}
    )  # fmt: skip
    frame["source_file"] = pd.Categorical.from_codes(
        file_number[keep], categories=[name for name, _ in chunks]
    )
    frame["_ordinal"] = (np.arange(len(marker)) - starts[file_number] - 1)[keep]
    return frame


_PATH_PARTS = re.compile(r"[/\\:]")


def _own_name(name: str) -> str | None:
    base = _PATH_PARTS.split(str(name))[-1]
    stem = base[: -len(REFLECTIONS_SUFFIX)] if is_reflection_file(base) else ""
    return stem or None


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


def _learner_problem(value: str) -> str | None:
    try:
        paths.validate_learner_id(value)
    except ValueError as error:
        return f"bad learner id: {error}"
    return None


# longer than 80 lines: collect's stages for reflections (find, read, check, merge,
# account) in one function; splitting it along collect/'s modules is still to do.
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
        Known question ids (default: :func:`load_questions`); others are rejected.
    now : datetime, optional
        Timezone-aware "now" for the future check.
    sources : list, optional
        The files :func:`widgets.collect.find_inputs` found (the collect command passes
        what it already found, so folders are searched once).

    A file in a hand-in names its learner (:func:`widgets.labelling.handin.named_learner`): rows
    whose id a spreadsheet rewrote are kept under the named id (``notes`` says so), rows
    naming another learner are rejected. Checks run per column over all rows at once.
    """
    import numpy as np

    from ..collect import REJECT_COLUMNS, find_inputs
    from .handin import named_learner, restore_learner_id

    known = set(question_ids) if question_ids is not None else {q.id for q in load_questions()}
    limit = pd.Timestamp((now or datetime.now(UTC)) + CLOCK_SKEW)
    if sources is None:
        sources = find_inputs(inputs)
    sources = [s for s in sources if is_reflection_file(s.name)]
    rejects: list[tuple] = []
    notes: set[str] = set()
    columns: list[list[str]] = [[] for _ in REFLECTION_COLUMNS]
    files_of: list[str] = []
    lines_of: list[int | None] = []  # None: a fast-path row (its line found when rejected)
    raws: list[str | None] = []
    ordinals: list[int] = []  # the row's place among its file's records
    wrong: list[tuple] = []  # (file, line, raw, count): records with the wrong field count
    texts: dict[str, str] = {}
    wanted_of: dict[str, str | None] = {}
    fast: list[tuple[str, bytes]] = []
    files = rows_read = 0
    width = len(REFLECTION_COLUMNS)
    header = _HEADER.encode("utf-8")

    def slow(name: str, text: str, delimiter: str) -> None:
        nonlocal rows_read
        records, problems = _records(text, name, tail_torn=False, delimiter=delimiter)
        if not records or tuple(records[0][1]) != REFLECTION_COLUMNS:
            got = ",".join(records[0][1]) if records else ""
            rejects.append(
                (name, 0, f"missing columns: header is {got[:200]!r}, expected "
                 f"{','.join(REFLECTION_COLUMNS)!r}", "")
            )  # fmt: skip
            return
        for problem in problems:  # csv could not read on: the rest is one record set aside
            rows_read += 1
            rejects.append((name, records[-1][0] + 1, f"unreadable: {problem}", ""))
        ordinal = 0
        for line, fields, raw in records[1:]:
            if not fields:
                continue
            rows_read += 1
            if len(fields) != width:
                wrong.append((name, line, raw, len(fields)))
                continue
            for column, value in zip(columns, fields, strict=True):
                column.append(value)
            files_of.append(name)
            lines_of.append(line)
            raws.append(raw)
            ordinals.append(ordinal)
            ordinal += 1

    for source in sources:
        try:
            data = source.read()
        except Exception as error:  # noqa: BLE001 - collect's _FileProblem and OSError alike
            rejects.append((source.name, 0, f"unreadable file: {error}", ""))
            continue
        text, delimiter = _decode(data)
        first = text.split("\n", 1)[0].strip().split(delimiter)
        if tuple(first) == CLASS_COLUMNS:
            continue  # collect's own output
        files += 1
        texts[source.name] = text
        # The id the file is named for: its hand-in's, else its own name's (the kit
        # names every reflections file <learner>.reflections.csv).
        wanted_of[source.name] = named_learner(source.name) or _own_name(source.name)
        if data.startswith(header) and delimiter == ",":
            fast.append((source.name, data[len(header) :]))  # the kit's own format
        else:
            slow(source.name, text, delimiter)
    text_type = pd.StringDtype("pyarrow")
    frames = []
    parsed = _parse_fast(fast) if fast else None
    if parsed is None:
        for name, _body in fast:
            slow(name, texts[name], ",")
    else:
        rows_read += len(parsed)
        frames.append(parsed.assign(_line=-1, _raw=None))
    if files_of:  # rows read the careful way, with their line numbers
        frames.append(
            pd.DataFrame(
                {
                    **{
                        c: pd.Series(v, dtype=text_type)
                        for c, v in zip(REFLECTION_COLUMNS, columns, strict=True)
                    },
                    "source_file": files_of,
                    "_ordinal": ordinals,
                    "_line": lines_of,
                    "_raw": raws,
                }
            )
        )
    if frames:
        frame = pd.concat(frames, ignore_index=True)
        frame["source_file"] = frame["source_file"].astype(str)
    else:
        frame = pd.DataFrame(
            {c: pd.Series(dtype=text_type) for c in (*REFLECTION_COLUMNS, "source_file")}
        ).assign(
            _ordinal=pd.Series(dtype="int64"),
            _line=pd.Series(dtype="int64"),
            _raw=pd.Series(dtype=object),
        )
    for name, line, raw, count in wrong:
        rejects.append((name, line, f"wrong field count: {count} (expected {width})", raw[:2000]))
    # Learner ids against the id each file is named for: once per (file, id) pair.
    reason = np.full(len(frame), None, dtype=object)
    wanted = frame["source_file"].map(wanted_of)
    differs = (wanted.notna() & (frame["learner"].astype(object) != wanted)).to_numpy()
    if differs.any():
        learner = np.array(frame["learner"].to_numpy(dtype=object), copy=True)
        pairs = frame.loc[differs, ["source_file", "learner"]].astype(object).drop_duplicates()
        for name, found in pairs.itertuples(index=False, name=None):
            restored, message = restore_learner_id(found, wanted_of[name])
            rows = differs & (frame["source_file"].to_numpy() == name) & (learner == found)
            if restored is None:
                reason[rows] = message
            else:
                learner[rows] = restored
                notes.add(f"{name}: {message}")
        frame["learner"] = pd.Series(learner, dtype=text_type)
    # Each check is one pass over a column; messages are written only for failing rows.

    def mark(mask, message) -> None:
        mask = np.asarray(mask, dtype=bool) & pd.isna(reason)
        for index in np.flatnonzero(mask):
            reason[index] = message(index)

    def value(column: str, index: int) -> str:
        return str(frame[column].iat[index])

    learner_problem = {v: _learner_problem(v) for v in frame["learner"].unique()}
    if any(learner_problem.values()):
        mark(
            frame["learner"].map(learner_problem).notna().to_numpy(),
            lambda i: learner_problem[value("learner", i)],
        )
    mark(
        (frame["status"] != _STATUS).to_numpy(dtype=bool),
        lambda i: f"unknown status: {value('status', i)!r}",
    )
    mark(
        ~frame["question_id"].isin(known).to_numpy(dtype=bool),
        lambda i: f"unknown question: {value('question_id', i)!r}",
    )
    stamps = pd.to_datetime(frame["saved_at"], utc=True, format="ISO8601", errors="coerce")
    zoned = frame["saved_at"].str.contains(r"(?:[+-]\d\d:?\d\d|Z)$", regex=True)
    mark(
        (stamps.isna() | ~zoned.astype(bool)).to_numpy(dtype=bool),
        lambda i: (
            f"bad saved_at: {value('saved_at', i)[:60]!r} is not an ISO 8601 time with a time zone"
        ),
    )
    mark(
        (stamps > limit).fillna(False).to_numpy(dtype=bool),
        lambda i: f"saved_at in the future: {value('saved_at', i)!r}",
    )
    lengths = frame["text"].str.len().to_numpy()
    mark(
        lengths > MAX_REFLECTION_LENGTH,
        lambda i: f"text too long: {lengths[i]} characters (at most {MAX_REFLECTION_LENGTH})",
    )
    reason = pd.Series(reason, index=frame.index, dtype=object)
    failed = reason.notna().to_numpy()
    reread: dict[str, list] = {}
    for index in np.flatnonzero(failed):
        name, line = value("source_file", index), int(frame["_line"].iat[index])
        if line < 0:  # a fast-path row: its line and text from the file, once
            if name not in reread:
                records = _records(texts[name], name, tail_torn=False)[0][1:]
                reread[name] = [r for r in records if r[1]]
            line, _fields, raw = reread[name][int(frame["_ordinal"].iat[index])]
        else:
            raw = str(frame["_raw"].iat[index])
        rejects.append((name, line, reason.iat[index], raw[:2000]))
    history = frame[~failed].assign(_at=stamps[~failed])
    before = len(history)
    history = history.drop_duplicates(["learner", "question_id", "_at", "text"])
    duplicate = before - len(history)
    ordered = history.sort_values(["learner", "question_id", "_at"], kind="stable")
    current = ordered.drop_duplicates(["learner", "question_id"], keep="last")
    reflections = current[list(CLASS_COLUMNS)].reset_index(drop=True)
    reject_frame = pd.DataFrame(rejects, columns=list(REJECT_COLUMNS))
    if len(reject_frame):
        reject_frame = reject_frame.sort_values(["file", "row"], kind="stable").reset_index(
            drop=True
        )
    counts = {
        "files": files,
        "rows_read": rows_read,
        "kept": len(reflections),
        "superseded": len(history) - len(reflections),
        "duplicate": duplicate,
        "rejected": int((reject_frame["row"] > 0).sum()) if len(reject_frame) else 0,
    }
    total = sum(counts[k] for k in ("kept", "superseded", "duplicate", "rejected"))
    if total != rows_read:  # pragma: no cover - a bug, never bad input
        raise RuntimeError(f"collect_reflections lost track of rows: {counts}")
    return ReflectionResult(
        reflections=reflections,
        history=history[[*REFLECTION_COLUMNS, "source_file"]].reset_index(drop=True),
        rejects=reject_frame,
        counts=counts,
        notes=tuple(sorted(notes)),
    )


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
