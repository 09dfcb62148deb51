"""CSV for spreadsheets: every cell made safe from formula injection, UTF-8 with a BOM.

The tidy CSVs (a learner's file, ``class.csv``) keep learners' text exactly, for pandas.
A spreadsheet is different: Excel, LibreOffice and Google Sheets run a cell that starts
with ``=`` as a formula, so a note such as ``=HYPERLINK("http://evil.test","click")`` or
``=cmd|' /C calc'!A0`` typed by a learner would act on the instructor's machine. The
export made here follows the OWASP "CSV Injection" guidance:

* a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab (0x09) or a carriage return
  (0x0D) gets a single quote ``'`` in front, so the spreadsheet shows it as text;
* the full-width forms ``＝ ＋ － ＠`` (U+FF1D, U+FF0B, U+FF0D, U+FF20) are treated the
  same: East Asian input methods type them and some spreadsheet versions fold them to
  their ASCII twins before deciding what a cell is;
* every cell is quoted (a quote inside is doubled), so commas, semicolons and line breaks
  in notes cannot shift columns.

Decision on text that merely looks like a number (a note of ``-``, ``-5%``, ``+1``): it is
prefixed too, as OWASP advises for anything starting with those characters. A
number-looking exemption would be a parser to get exactly right (``-1+cmd|...`` starts
like a number); notes are prose, and the cost is a visible ``'`` before ``-5%``.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "excel_safe", "write_excel_csv"]

#: First characters that make a spreadsheet read a cell as a formula (or could, after
#: full-width folding).
FORMULA_PREFIXES: tuple[str, ...] = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\uff1d",  # FULLWIDTH EQUALS SIGN
    "\uff0b",  # FULLWIDTH PLUS SIGN
    "\uff0d",  # FULLWIDTH HYPHEN-MINUS
    "\uff20",  # FULLWIDTH COMMERCIAL AT
)


def excel_safe(value: object) -> str:
    """The text of ``value`` as a spreadsheet will show it, never run it.

    Parameters
    ----------
    value : object
        A cell value; ``None`` and NaN become ``""``, anything else ``str(value)``.

    Returns
    -------
    str
        The text, with a single quote ``'`` in front when it starts with one of
        :data:`FORMULA_PREFIXES`; otherwise unchanged.

    Examples
    --------
    >>> excel_safe('=HYPERLINK("http://x.test")')
    '\\'=HYPERLINK("http://x.test")'
    >>> excel_safe("fine")
    'fine'
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_excel_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``frame`` as a CSV that Excel opens with the right encoding and runs nothing.

    UTF-8 with a byte-order mark (Excel otherwise guesses the Windows code page and turns
    "£" and curly quotes into mojibake), CRLF line ends, every cell (header included)
    passed through :func:`excel_safe` and quoted. The file is written under a temporary
    name and moved into place, so a failed write never leaves half a file.

    Parameters
    ----------
    frame : DataFrame
        Any table; values are written as text.
    path : path
        Where to write.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        The file cannot be written (the temporary file is removed).
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            writer.writerow([excel_safe(c) for c in frame.columns])
            for values in frame.itertuples(index=False, name=None):
                writer.writerow([excel_safe(v) for v in values])
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
