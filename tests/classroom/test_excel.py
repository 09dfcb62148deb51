"""Does the spreadsheet export run nothing a learner typed, while class.csv keeps it exact?"""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from widgets.classroom.excel import FORMULA_PREFIXES, excel_safe, write_excel_csv
from widgets.cli import main
from widgets.schema import LABEL_COLUMNS

BAD = Path(__file__).parent.parent / "data" / "bad"
HYPERLINK = '=HYPERLINK("http://x.test","click")'


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-", "'-"),  # a lone dash: prefixed, like anything starting with "-" (OWASP)
        ("-5%", "'-5%"),  # number-like text too: no exemption to get wrong
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),  # full-width equals
        ("＋1", "'＋1"),
        ("－1", "'－1"),
        ("＠x", "'＠x"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("a = b", "a = b"),  # only the first character matters
        (" =1", " =1"),  # a leading space already makes it text
        ("'quoted", "'quoted"),
        ("", ""),
        ("£600m “urgent”", "£600m “urgent”"),
        (None, ""),
        (float("nan"), ""),
        (3, "3"),
        (-3, "'-3"),
    ],
)
def test_excel_safe(value, expected):
    """Does each risky first character get a quote, and nothing else change?"""
    assert excel_safe(value) == expected


@given(st.text())
def test_excel_safe_never_starts_a_formula(text):
    """Whatever the text: the result never starts with a formula character, and removing
    the added quote gives the text back."""
    safe = excel_safe(text)
    assert not safe.startswith(FORMULA_PREFIXES)
    assert safe == text or (safe == "'" + text and text.startswith(FORMULA_PREFIXES))


def _read_back(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline="")))


def test_write_excel_csv(tmp_path):
    """Is the file UTF-8 with BOM, every cell quoted, notes with breaks intact and formulas
    neutralised, header included?"""
    frame = pd.DataFrame(
        {
            "learner": ["ana", "ben"],
            "note": [HYPERLINK, 'line one\r\nline "two", ok; yes'],
            "=evil header": ["-5%", "£"],
        }
    )
    path = write_excel_csv(frame, tmp_path / "out.csv")
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    assert raw[3:].startswith(b'"learner","note","\'=evil header"\r\n')
    rows = _read_back(path)
    assert rows == [
        ["learner", "note", "'=evil header"],
        ["ana", "'" + HYPERLINK, "'-5%"],
        ["ben", 'line one\r\nline "two", ok; yes', "£"],
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no temporary left


def test_write_excel_csv_failure_leaves_nothing(tmp_path):
    """A write into a missing folder raises OSError and leaves no partial file."""
    with pytest.raises(OSError):
        write_excel_csv(pd.DataFrame({"a": ["1"]}), tmp_path / "missing" / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_class_csv_keeps_text_excel_copy_neutralises(tmp_path, capsys):
    """Does class.csv keep =HYPERLINK(...) byte-exact while the export neutralises it?"""
    source = tmp_path / "ana.csv"
    source.write_bytes((BAD / "hostile_notes.csv").read_bytes())
    out = tmp_path / "class.csv"
    assert main(["collect", str(source), "--out", str(out), "--quiet"]) == 0
    tidy = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert HYPERLINK in set(tidy["note"])
    assert HYPERLINK.replace('"', '""').encode() in out.read_bytes()
    before = out.read_bytes()

    excel = tmp_path / "class-for-excel.csv"
    assert main(["export", str(out), "--excel", str(excel)]) == 0
    assert f"wrote {excel}" in capsys.readouterr().out
    assert out.read_bytes() == before, "the tidy CSV is never changed"
    rows = _read_back(excel)
    assert rows[0] == list(LABEL_COLUMNS)
    notes = [r[LABEL_COLUMNS.index("note")] for r in rows[1:]]
    assert "'" + HYPERLINK in notes and HYPERLINK not in notes
    assert "<script>alert(1)</script>" in notes  # not a formula: text as typed
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES)
    assert "Sounds “urgent” — costs £600m, they say" in notes


def test_export_learner_file_default_name(tmp_path):
    """A learner's own CSV exports too, to <name>-for-excel.csv beside it."""
    source = tmp_path / "ana.csv"
    source.write_bytes((BAD / "notes_newlines_quotes.csv").read_bytes())
    assert main(["export", str(source)]) == 0
    rows = _read_back(tmp_path / "ana-for-excel.csv")
    assert len(rows) == 1 + 5
    assert 'he said "no",\nthen\r\nleft; ok' in [r[7] for r in rows]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        ("£".encode("cp1252") + b",x\n", "not UTF-8"),
        (b"a,b\n1,2,3\n", "do not have 2 fields"),
        (b"a,b\x00\n", "NUL"),
    ],
)
def test_export_bad_input(content, message, tmp_path, capsys):
    """Is an unusable input refused with exit 2 and a message naming it?"""
    source = tmp_path / "in.csv"
    if content is not None:
        source.write_bytes(content)
    assert main(["export", str(source), "--excel", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert message in err and str(source) in err and "Traceback" not in err
    assert not (tmp_path / "x.csv").exists()


def test_export_refuses_to_overwrite_its_input(tmp_path, capsys):
    source = tmp_path / "class.csv"
    source.write_bytes((BAD / "good_baseline.csv").read_bytes())
    before = source.read_bytes()
    assert main(["export", str(source), "--excel", str(source)]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert source.read_bytes() == before


def test_export_unwritable_out(tmp_path, capsys):
    source = tmp_path / "class.csv"
    source.write_bytes((BAD / "good_baseline.csv").read_bytes())
    (tmp_path / "a-file").write_text("x")
    assert main(["export", str(source), "--excel", str(tmp_path / "a-file" / "x.csv")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_export_warns_past_excels_row_limit(tmp_path, capsys, monkeypatch):
    """Is the instructor told when Excel would cut the file off (limit lowered for speed)?"""
    from widgets.commands import export

    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 3)
    source = tmp_path / "class.csv"
    source.write_bytes((BAD / "good_baseline.csv").read_bytes())
    assert main(["export", str(source)]) == 0
    assert "at most 3 rows" in capsys.readouterr().err
    rows = _read_back(tmp_path / "class-for-excel.csv")
    assert len(rows) == 4, "the file is still written whole"
