"""Learners' written reflections: the question catalogue and the append-only file.

* **Questions** (``data/reflection-questions.yml``): each has a stable ``id`` that does not
  depend on lesson numbers, the ``lesson`` that asks it and its ``question`` text.
* **The file**: ``<learner>.reflections.csv`` beside the learner's labels, with
  :data:`REFLECTION_COLUMNS`. Like the label store, every save is a new line written in
  one ``write`` under a file lock, flushed and fsynced; the latest ``saved_at`` per
  ``(learner, question_id)`` is the current answer. A torn line (a kernel killed
  mid-write) is set aside and reported, never fatal.
* **Collect** reads them with the labels (:mod:`widgets.collect.reflections`) and writes
  ``class.reflections.csv`` (current answers, :data:`CLASS_COLUMNS`).

Reflection text is data, never markup: every view escapes it. Text over
:data:`MAX_REFLECTION_LENGTH` characters is refused with a message, never cut short.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import re
from collections.abc import Callable
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
    "csv_records",
    "is_reflection_file",
    "REFLECTION_STATUS",
]

REFLECTION_COLUMNS: tuple[str, ...] = ("learner", "question_id", "text", "status", "saved_at")
#: Columns of ``class.reflections.csv``: a learner's file has ``status`` where this has
#: ``source_file``, so collect tells its own output from a learner's file by the header.
CLASS_COLUMNS: tuple[str, ...] = ("learner", "question_id", "text", "saved_at", "source_file")
REFLECTIONS_SUFFIX = ".reflections.csv"
#: An answer longer than this is refused (about four pages: a reflection, not an essay).
MAX_REFLECTION_LENGTH = 10_000
QUESTIONS_FILE = "reflection-questions.yml"
#: every row of a learner's file has this status (an answer, even an empty one)
REFLECTION_STATUS = "set"
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
    name = str(name)
    return name.endswith(REFLECTIONS_SUFFIX) or name.lower().endswith(REFLECTIONS_SUFFIX)


def _valid_stamp(value: str) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return stamp if stamp.tzinfo is not None else None


def csv_records(
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
    records, problems = csv_records(text, str(path))
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
        if _valid_stamp(row["saved_at"]) is None or row["status"] != REFLECTION_STATUS:
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
            "status": REFLECTION_STATUS,
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
