"""``rhetoric-lab export class.csv --excel class-for-excel.csv``: a spreadsheet-safe copy.

Works on any label CSV (``class.csv``, ``class.history.csv``, a learner's own file): the
tidy file is left exactly as it is; the copy is UTF-8 with a BOM, every cell quoted, and
cells that a spreadsheet would run as formulas prefixed with ``'`` (see
:mod:`widgets.classroom.excel`).
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

#: Rows Excel shows (header included); more are cut off when the file is opened.
EXCEL_MAX_ROWS = 1_048_576

HELP = "write a spreadsheet-safe copy of a label CSV (no formulas run, UTF-8 Excel opens)"


def add_arguments(parser) -> None:
    parser.add_argument(
        "csv_file",
        metavar="CSV",
        help="class.csv from `rhetoric-lab collect`, its history, or a learner's label CSV",
    )
    parser.add_argument(
        "--excel",
        metavar="OUT",
        help="the copy to write (default: <CSV name>-for-excel.csv beside CSV)",
    )
    parser.add_argument(
        "--per-learner",
        metavar="OUT",
        help="from class.reflections.csv: one spreadsheet-safe row per learner with their "
        "answers, label count and empty grade/feedback columns (labels counted from the "
        "class.csv beside it)",
    )


def _fail(message: str) -> int:
    print(f"rhetoric-lab export: {message}", file=sys.stderr)
    return 2


def _read(path: Path) -> list[list[str]]:
    """Every record of ``path`` as text, exactly (line breaks inside notes included)."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not UTF-8 (byte {error.start}); export reads the CSVs that "
            "rhetoric-lab writes: run `rhetoric-lab collect` on learner files first"
        ) from None
    if "\x00" in text:
        raise ValueError(f"{path} holds NUL bytes: it is not a CSV file")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ValueError(f"{path} is not readable CSV: {error}") from None


def _per_learner(source: Path, out: Path) -> int:
    from ..classroom.excel import write_excel_csv
    from ..classroom.learner_sheet import learner_sheet
    from ..collect import read_class_csv
    from ..collect.reflections import read_class_reflections
    from ..labelling.reflections import CLASS_COLUMNS, REFLECTIONS_SUFFIX, load_questions

    if out.exists() and out.resolve() == source.resolve():
        return _fail(f"--per-learner {out} is the input file; give another name")
    try:
        reflections = read_class_reflections(source)
    except (OSError, ValueError) as error:
        return _fail(f"{source}: {error}")
    missing = [c for c in CLASS_COLUMNS if c not in reflections.columns]
    if missing:
        return _fail(
            f"{source} is not class.reflections.csv (missing {', '.join(missing)}); "
            "run `rhetoric-lab collect` first"
        )
    stem = (
        source.name[: -len(REFLECTIONS_SUFFIX)] if source.name.endswith(REFLECTIONS_SUFFIX) else ""
    )
    beside = source.with_name(f"{stem}.csv") if stem else None
    labels = read_class_csv(beside, columns=["learner"]) if beside and beside.exists() else None
    try:
        questions = load_questions()
    except (OSError, ValueError):
        questions = ()
    sheet = learner_sheet(reflections, questions=questions, labels=labels)
    try:
        write_excel_csv(sheet, out)
    except OSError as error:
        return _fail(f"cannot write {out}: {error.strerror or error}")
    print(f"wrote {out}: {len(sheet)} learner(s), {len(sheet.columns) - 5} question(s)")
    return 0 if len(sheet) else 1


def run(args) -> int:
    import pandas as pd

    from ..classroom.excel import write_excel_csv

    source = Path(args.csv_file)
    if not source.is_file():
        return _fail(f"{source}: no such file")
    if args.per_learner:
        return _per_learner(source, Path(args.per_learner))
    out = Path(args.excel) if args.excel else source.with_name(f"{source.stem}-for-excel.csv")
    if out.exists() and out.resolve() == source.resolve():
        return _fail(f"--excel {out} is the input file; give another name")
    if out.is_dir():
        return _fail(f"--excel {out} is a folder; give a file name")
    try:
        records = _read(source)
    except (OSError, ValueError) as error:
        return _fail(str(error))
    if not records:
        return _fail(f"{source} is empty (no header row)")
    header, rows = records[0], [r for r in records[1:] if r]
    width = len(header)
    ragged = [n for n, r in enumerate(rows, start=2) if len(r) != width]
    if ragged:
        shown = ", ".join(map(str, ragged[:5]))
        return _fail(
            f"{source}: row(s) {shown} do not have {width} fields; "
            "run `rhetoric-lab collect` on it first to set damaged rows aside"
        )
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    try:
        write_excel_csv(frame, out)
    except OSError as error:
        return _fail(f"cannot write {out}: {error.strerror or error}")
    print(f"wrote {out}: {len(rows)} row(s), formulas neutralised, UTF-8 for Excel")
    if len(rows) + 1 > EXCEL_MAX_ROWS:
        print(
            f"rhetoric-lab export: warning: Excel shows at most {EXCEL_MAX_ROWS:,} rows; "
            f"{out} has {len(rows) + 1:,} with the header, so Excel will cut it off "
            "(pandas, R or LibreOffice Base read it whole)",
            file=sys.stderr,
        )
    return 0 if rows else 1
