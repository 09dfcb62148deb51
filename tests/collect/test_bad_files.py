"""Is every kind of damaged learner file reported clearly, with its good rows kept?

Learner files come from hundreds of laptops, spreadsheets and learning platforms, so
collect treats each one as untrusted. Every fixture in ``tests/data/bad/`` (see its
README for the table) is one kind of damage; each case below states what collect must
make of it: which rows are kept, which are set aside (file, spreadsheet row, reason) and
which text must survive the trip through an encoding. The fixtures use the real corpus
and codebook, as a learner's file would.
"""

from __future__ import annotations

import csv
import hashlib
import resource
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from widgets.cli import main
from widgets.collect import REJECT_COLUMNS, collect, output_paths, sources
from widgets.content.codebook import load_codebook
from widgets.content.corpus import load_corpus
from widgets.schema import LABEL_COLUMNS

BAD = Path(__file__).parent.parent / "data" / "bad"
NOW = datetime(2026, 3, 1, tzinfo=UTC)
BUCKETS = ("kept", "superseded", "cleared", "revealed", "duplicate", "rejected")
#: The note of the first good row in every fixture: curly quotes, a dash and a pound sign
#: that cp1252 and UTF-16 files must bring through unchanged.
SPECIAL_NOTE = "Sounds “urgent” — costs £600m, they say"
GOOD_NOTES = (SPECIAL_NOTE, "", "none here, I think")


@dataclass(frozen=True)
class Reject:
    """One expected line of ``rejects``: row 0 is the whole file."""

    row: int
    reason: str  # the reason's kind, before the colon
    member: str = ""  # zip member name, for archives


@dataclass(frozen=True)
class Case:
    """One fixture and what collect must make of it."""

    file: str
    kind: str
    kept: int
    rejects: tuple[Reject, ...] = ()
    duplicate: int = 0
    notes: tuple[str, ...] = GOOD_NOTES  # notes that must be among the kept labels
    learners: tuple[str, ...] = ("ana",)
    encoding: str = "utf-8"
    file_note: str = ""  # text expected in result.files["notes"]
    files: int = 1

    @property
    def outcome(self) -> str:
        """The expected outcome in words (the README table is generated from this)."""
        parts = [f"{self.kept} kept"]
        for reject in self.rejects:
            where = f"{reject.member} " if reject.member else ""
            place = "whole file" if reject.row == 0 else f"row {reject.row}"
            parts.append(f"{where}{place}: {reject.reason}")
        if self.duplicate:
            parts.append(f"{self.duplicate} duplicate")
        if self.encoding != "utf-8":
            parts.append(f"read as {self.encoding}")
        return "; ".join(parts)


def _r(row: int, reason: str, member: str = "") -> Reject:
    return Reject(row, reason, member)


NO_NOTES: tuple[str, ...] = ()

CASES: tuple[Case, ...] = (
    Case("good_baseline.csv", "canonical file written by the label store (control)", 3),
    # headers
    Case(
        "missing_status_column.csv",
        "a required column (status) missing",
        0,
        (_r(0, "missing columns"),),
        notes=NO_NOTES,
        learners=(),
    ),
    Case(
        "missing_optional_columns.csv",
        "no confidence, note, frame, codebook_version, text_sha1",
        3,
        notes=("",),
    ),
    Case(
        "extra_columns.csv",
        "extra columns (pandas index 'Unnamed: 0', a grade)",
        3,
        file_note="ignored columns: Unnamed: 0, grade",
    ),
    Case("reordered_columns.csv", "columns in reverse order", 3),
    Case("renamed_headers.csv", "headers renamed (Student ID, Sentence-ID, Tags, Comment…)", 3),
    Case(
        "duplicate_header_column.csv",
        "two columns named note",
        3,
        file_note="repeats 'note'",
    ),
    Case(
        "trailing_empty_columns.csv",
        "Excel's trailing empty columns (',,,') on every line",
        3,
    ),
    Case(
        "headerless.csv",
        "no header line, columns in the standard order",
        3,
        file_note="no header line",
    ),
    # encodings, delimiters, quoting, line endings
    Case("utf8_bom.csv", "UTF-8 with a byte-order mark (Excel 'CSV UTF-8')", 3),
    Case(
        "utf16_le_bom.csv",
        "UTF-16 LE with BOM and CRLF (Excel 'Unicode Text')",
        3,
        encoding="utf-16",
    ),
    Case("utf16_be_bom.csv", "UTF-16 BE with BOM", 3, encoding="utf-16"),
    Case("utf16_be_no_bom.csv", "UTF-16 BE without BOM", 3, encoding="utf-16-be"),
    Case(
        "cp1252_excel.csv",
        "cp1252 with CRLF as Excel saves 'CSV' on Windows (£, curly quotes)",
        3,
        encoding="cp1252",
    ),
    Case(
        "semicolon_excel_cp1252.csv",
        "European Excel: ';' delimiter, cp1252, a decimal comma in a note",
        3,
        notes=(SPECIAL_NOTE, "about 3,5 % of it; maybe"),
        encoding="cp1252",
        file_note="delimiter ';'",
    ),
    Case(
        "tab_libreoffice.csv",
        "LibreOffice 'Text CSV' with tab delimiter",
        3,
        file_note="delimiter '\\t'",
    ),
    Case("all_quoted.csv", "every value quoted", 3),
    Case("crlf.csv", "CRLF line endings", 3),
    Case("classic_mac_cr.csv", "classic Mac CR-only line endings", 3),
    Case("blank_lines.csv", "blank lines between and after rows", 3),
    Case(
        "latin1_mojibake_utf8.csv",
        "UTF-8 file with one Latin-1 byte pasted in",
        4,
        notes=(SPECIAL_NOTE, "caf\ufffd"),
        encoding="utf-8 (invalid bytes replaced)",
        file_note="invalid bytes replaced",
    ),
    # whole files that are not label files
    Case(
        "empty.csv", "empty file (0 bytes)", 0, (_r(0, "empty file"),), notes=NO_NOTES, learners=()
    ),
    Case(
        "whitespace_only.csv",
        "only blank lines",
        0,
        (_r(0, "empty file"),),
        notes=NO_NOTES,
        learners=(),
    ),
    Case(
        "header_only.csv",
        "header and no rows",
        0,
        (_r(0, "no label rows"),),
        notes=NO_NOTES,
        learners=(),
    ),
    Case(
        "png_renamed.csv",
        "a PNG image renamed .csv",
        0,
        (_r(0, "binary file"),),
        notes=NO_NOTES,
        learners=(),
    ),
    Case(
        "xlsx_renamed.csv",
        "an Excel workbook (.xlsx) renamed .csv",
        0,
        (_r(0, "binary file"),),
        notes=NO_NOTES,
        learners=(),
    ),
    Case(
        "html_saved_as.csv",
        "a web page (with a script) saved as .csv",
        0,
        (_r(0, "no header"),),
        notes=NO_NOTES,
        learners=(),
    ),
    Case(
        "json_saved_as.csv",
        "JSON saved as .csv",
        0,
        (_r(0, "no header"),),
        notes=NO_NOTES,
        learners=(),
    ),
    Case(
        "not_really.zip",
        "a text file named .zip",
        0,
        (_r(0, "binary file"),),
        notes=NO_NOTES,
        learners=(),
    ),
    # damaged records
    Case(
        "truncated_last_line.csv",
        "last line cut off mid-row (kernel killed, disk full)",
        3,
        (_r(5, "truncated last line"),),
    ),
    Case(
        "wrong_field_count.csv",
        "an unquoted comma in a note (too many fields)",
        3,
        (_r(5, "wrong number of fields"),),
    ),
    Case(
        "unbalanced_quote.csv",
        "an opening quote never closed: that line set aside, the good lines after it kept",
        3,
        (_r(4, "wrong number of fields"),),
        notes=(SPECIAL_NOTE, "", "none here, I think"),
    ),
    # repeats
    Case("duplicated_rows.csv", "the same row twice", 3, duplicate=1),
    Case(
        "conflicting_rows.csv",
        "same key and saved_at, different techniques",
        2,
        (_r(2, "conflicting rows"), _r(5, "conflicting rows")),
        notes=("", "none here, I think"),
    ),
    # values the corpus or codebook does not know
    Case("unknown_article.csv", "an article not in the corpus", 3, (_r(5, "unknown article"),)),
    Case(
        "unknown_sentence.csv",
        "a sentence id not in the corpus, and one from another article",
        3,
        (_r(5, "unknown sentence"), _r(6, "unknown sentence")),
    ),
    Case(
        "unknown_technique.csv",
        "a technique id not in the codebook",
        3,
        (_r(5, "unknown technique"),),
    ),
    Case("unknown_stance.csv", "stance 'pro'", 3, (_r(5, "unknown stance"),)),
    Case("unknown_target.csv", "a target the article does not have", 3, (_r(5, "unknown target"),)),
    Case("unknown_status.csv", "status 'deleted'", 3, (_r(5, "unknown status"),)),
    Case(
        "stance_technique_mixup.csv",
        "techniques on a stance row; a stance on a technique row",
        3,
        (_r(5, "techniques on a stance row"), _r(6, "stance on a technique row")),
    ),
    Case(
        "summary_rows.csv",
        "summary rows (kept) and a frame outside the summary",
        5,
        (_r(7, "frame outside the summary"),),
    ),
    Case(
        "other_codebook_version.csv",
        "codebook version 2025.9: known techniques kept, a removed one rejected",
        3,
        (_r(5, "unknown technique"),),
    ),
    Case(
        "text_drift.csv",
        "text_sha1 does not match the sentence's text",
        3,
        (_r(5, "text drift"),),
    ),
    # time stamps
    Case("future_timestamp.csv", "saved_at in 2099", 3, (_r(5, "saved_at in the future"),)),
    Case(
        "unparseable_timestamps.csv",
        "saved_at as '05/01/2026 09:00', without a time zone, and 'yesterday'",
        3,
        (_r(5, "bad saved_at"), _r(6, "bad saved_at"), _r(7, "bad saved_at")),
    ),
    Case(
        "excel_reformatted_dates.csv",
        "saved_at reformatted by Excel (dd/mm/yyyy hh:mm:ss)",
        3,
        (_r(5, "bad saved_at"),),
    ),
    # learner ids
    Case(
        "learner_path_traversal.csv",
        "learner ids '../../etc/passwd', '..\\..\\x', '/tmp/x'",
        3,
        (_r(5, "invalid learner id"), _r(6, "invalid learner id"), _r(7, "invalid learner id")),
    ),
    Case(
        "learner_nul_byte.csv",
        "a NUL byte inside a learner id",
        3,
        (_r(5, "invalid learner id"),),
    ),
    Case(
        "learner_control_chars.csv",
        "an ANSI escape and a right-to-left override in learner ids",
        3,
        (_r(5, "invalid learner id"), _r(6, "invalid learner id")),
    ),
    Case("learner_too_long.csv", "a 300-character learner id", 3, (_r(5, "invalid learner id"),)),
    Case(
        "mixed_learners.csv",
        "one file with three learners (a student number with a leading zero)",
        4,
        learners=("00123", "ana", "ben"),
        notes=(SPECIAL_NOTE, "none here, I think"),
    ),
    # notes
    Case(
        "huge_note.csv",
        "a 6,000-character note (and one of 4,999, kept)",
        4,
        (_r(5, "note too long"),),
        notes=(*GOOD_NOTES, "y" * 4999),
    ),
    Case(
        "notes_newlines_quotes.csv",
        "notes with line breaks (LF and CRLF), quotes, commas, semicolons",
        5,
        notes=(*GOOD_NOTES, 'he said "no",\nthen\r\nleft; ok', '"""\''),
    ),
    Case(
        "hostile_notes.csv",
        "notes holding <script>, an onerror attribute and an Excel formula (kept as text)",
        6,
        notes=(
            *GOOD_NOTES,
            "<script>alert(1)</script>",
            '<img src=x onerror=alert(1)>"><b>',
            '=HYPERLINK("http://x.test","click")',
        ),
    ),
    # archives
    Case(
        "moodle_mixed.zip",
        "Moodle zip: two good files, a PNG, an empty file, a .txt, a __MACOSX fork",
        6,
        (
            _r(0, "binary file", "Cy M_103_assignsubmission_file_photo.csv"),
            _r(0, "empty file", "Di N_104_assignsubmission_file_empty.csv"),
        ),
        learners=("ana", "ben"),
        files=4,
    ),
    Case(
        "corrupt_member.zip",
        "zip with a good member and a member whose bytes are damaged (bad CRC)",
        3,
        (_r(0, "unreadable", "ben.csv"),),
        files=2,
    ),
    Case(
        "encrypted_member.zip",
        "zip with a good member and a password-protected one",
        3,
        (_r(0, "unreadable", "ben.csv"),),
        files=2,
    ),
)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def codebook(corpus):
    return load_codebook(corpus=corpus)


def _fingerprints(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _check_accounting(result) -> None:
    counts = result.counts
    assert counts["rows_read"] == sum(counts[b] for b in BUCKETS), counts
    assert counts["rejected"] == int((result.rejects["row"] > 0).sum())
    assert counts["kept"] == len(result.labels)


def test_every_fixture_has_a_case():
    """Is each committed fixture covered by exactly one case, and listed in the README?"""
    fixtures = {p.name for p in BAD.iterdir() if p.name != "README.md"}
    named = [c.file for c in CASES] + [c.file for c in ARCHIVE_CASES]
    assert len(named) == len(set(named))
    assert fixtures == set(named)
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    for name in fixtures:
        assert f"`{name}`" in readme, name
    assert len(fixtures) >= 40


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_bad_file(case, tmp_path, corpus, codebook):
    """Are the good rows kept and each bad one reported by file, row and reason?"""
    path = tmp_path / "in" / case.file
    path.parent.mkdir()
    path.write_bytes((BAD / case.file).read_bytes())
    before = _fingerprints(tmp_path)

    result = collect([path], corpus=corpus, codebook=codebook, now=NOW)

    _check_accounting(result)
    assert result.counts["kept"] == case.kept, result.rejects.to_dict("records")
    assert result.counts["duplicate"] == case.duplicate
    assert result.counts["files"] == case.files
    got = sorted(
        (row.file, int(row.row), row.reason.split(":", 1)[0]) for row in result.rejects.itertuples()
    )
    want = sorted(
        (f"{path}:{r.member}" if r.member else str(path), r.row, r.reason) for r in case.rejects
    )
    # same places; each reason starts with the expected kind ("unreadable" matches
    # "unreadable zip member")
    assert [g[:2] for g in got] == [w[:2] for w in want], result.rejects.to_dict("records")
    for (_, _, kind), (_, _, expected) in zip(got, want, strict=True):
        assert kind.startswith(expected), (kind, expected)
    for row in result.rejects.itertuples():
        # a reason says what is wrong, not just which check failed
        assert len(row.reason.split(":", 1)[-1].strip()) > 3, row.reason
        if row.row > 0:
            assert row.raw_line, "a rejected row shows the line as read"
    assert set(result.labels["learner"].astype(str)) == set(case.learners)
    kept_notes = set(result.labels["note"].astype(str))
    for note in case.notes:
        assert note in kept_notes, (note, kept_notes)
    if case.files == 1:
        assert result.files["encoding"].item() == case.encoding
    if case.file_note:
        assert case.file_note in " ".join(result.files["notes"]), list(result.files["notes"])
    assert _fingerprints(tmp_path) == before, "collect never writes beside its inputs"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.file)
def test_bad_file_through_cli(case, tmp_path, capsys):
    """Does the command line say the same in class.rejects.csv and the summary, with no
    traceback, and exit 0 when labels were kept, 1 when none were?"""
    source = tmp_path / case.file
    source.write_bytes((BAD / case.file).read_bytes())
    out = tmp_path / "out" / "class.csv"
    code = main(["collect", str(source), "--out", str(out), "--quiet"])
    printed = capsys.readouterr()
    assert code == (0 if case.kept else 1), printed
    assert "Traceback" not in printed.out + printed.err
    rejects = pd.read_csv(
        output_paths(out)["rejects"], dtype=str, keep_default_na=False, encoding="utf-8"
    )
    assert list(rejects.columns) == list(REJECT_COLUMNS)
    assert len(rejects) == len(case.rejects)
    for reject in case.rejects:
        assert reject.reason in printed.out, printed.out
        match = rejects[
            (rejects["row"] == str(reject.row)) & rejects["file"].str.startswith(str(source))
        ]
        assert match["reason"].str.startswith(reject.reason).any(), rejects
    labels = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8")
    assert len(labels) == case.kept
    assert list(labels.columns) == list(LABEL_COLUMNS)
    for note in case.notes:
        assert note in set(labels["note"]) or not case.kept


# -- archives: nothing is extracted, nothing silently dropped ----------------------------


@dataclass(frozen=True)
class ArchiveCase:
    file: str
    kind: str
    members: tuple[str, ...]  # every .csv-like member must be accounted for
    kept_at_least: int
    outcome: str = field(default="")


ARCHIVE_CASES: tuple[ArchiveCase, ...] = (
    ArchiveCase(
        "zip_slip.zip",
        "members named ../../../../tmp/zip-slip-evil.csv, /abs/evil.csv, ok/..\\..\\win.csv",
        ("zip-slip-evil.csv", "evil.csv", "win.csv"),
        3,
        "read in memory, never extracted: all 3 members read (9 kept), names shown as stored",
    ),
    ArchiveCase(
        "nested.zip",
        "a zip holding a CSV and another zip (a learner uploaded a zip)",
        ("ana.csv", "more.zip"),
        3,
        "3 kept; more.zip whole file: zip inside a zip (never silently skipped)",
    ),
)


@pytest.mark.parametrize("case", ARCHIVE_CASES, ids=lambda c: c.file)
def test_archive_members_accounted_for(case, tmp_path, corpus, codebook, monkeypatch):
    """Is every member of a hostile zip read or reported, and nothing written to disk?"""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # a relative "../" would land here or above
    archive = work / case.file
    archive.write_bytes((BAD / case.file).read_bytes())
    outside = Path("/tmp/zip-slip-evil.csv")
    existed = outside.exists()
    before = _fingerprints(tmp_path)

    result = collect([archive], corpus=corpus, codebook=codebook, now=NOW)

    _check_accounting(result)
    assert result.counts["kept"] >= case.kept_at_least
    mentioned = " ".join(result.files["file"]) + " " + " ".join(result.rejects["file"])
    for member in case.members:
        assert member in mentioned, (member, list(result.files["file"]))
    assert _fingerprints(tmp_path) == before
    assert outside.exists() == existed
    assert not Path("/abs").exists()


def test_zip_bomb_member_refused_unread(tmp_path, corpus, codebook):
    """Is a member that inflates past the size cap refused from its header, the others kept?"""
    archive = tmp_path / "class.zip"
    size = sources.MAX_FILE_BYTES + 1
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as handle:
        handle.write(BAD / "good_baseline.csv", "ana.csv")
        with handle.open("bomb.csv", "w", force_zip64=True) as member:
            block = b"0" * (1 << 20)
            for _ in range(size // len(block)):
                member.write(block)
            member.write(b"0" * (size % len(block)))
    assert archive.stat().st_size < 2 * 1024**2  # small on disk, huge inflated
    result = collect([archive], corpus=corpus, codebook=codebook, now=NOW)
    _check_accounting(result)
    assert result.counts["kept"] == 3
    reason = result.rejects.set_index("file").loc[f"{archive}:bomb.csv", "reason"]
    assert reason.startswith("file too large")


def test_file_over_the_size_cap_is_refused_unread(tmp_path, corpus, codebook):
    """Is a file larger than the cap refused by name without being read (a sparse file)?"""
    big = tmp_path / "in" / "huge.csv"
    big.parent.mkdir()
    with open(big, "wb") as handle:
        handle.write(",".join(LABEL_COLUMNS).encode() + b"\n")
        handle.truncate(sources.MAX_FILE_BYTES + 1)  # sparse: no disk used
    (tmp_path / "in" / "ana.csv").write_bytes((BAD / "good_baseline.csv").read_bytes())
    result = collect([big.parent], corpus=corpus, codebook=codebook, now=NOW)
    _check_accounting(result)
    assert result.counts["kept"] == 3
    assert result.rejects["file"].tolist() == [str(big)]
    assert result.rejects["reason"].item().startswith("file too large")


_BIG_SCRIPT = """
import csv, resource, sys, time
from datetime import UTC, datetime
from widgets.content.codebook import load_codebook
from widgets.collect import collect
from widgets.content.corpus import load_corpus
corpus = load_corpus(); codebook = load_codebook(corpus=corpus)
start = time.perf_counter()
result = collect([sys.argv[1]], corpus=corpus, codebook=codebook,
                 now=datetime(2026, 3, 1, tzinfo=UTC))
seconds = time.perf_counter() - start
c = result.counts
assert c["rows_read"] == sum(c[b] for b in ("kept", "superseded", "cleared", "revealed", "duplicate", "rejected"))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(c["rows_read"], c["kept"], c["superseded"], c["rejected"], f"{seconds:.1f}", peak)
"""


def test_very_large_file(tmp_path):
    """Are 200,000 rows (35 MB, notes with quotes and commas) read, checked and merged
    without running out of memory? Generous ceilings: a guard, not a speed target
    (benchmarks/ measures speed)."""
    corpus = load_corpus()
    codebook = load_codebook(corpus=corpus)
    sentences = list(corpus.sentence_index.values())
    path = tmp_path / "everyone.csv"
    rows = 200_000
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(LABEL_COLUMNS) + "\n")
        for i in range(rows):
            s = sentences[i % len(sentences)]
            learner = f"l{(i // len(sentences)) % 500:03d}"
            note = '"n, ""q"""' if i % 7 == 0 else ""
            stamp = f"2026-01-{1 + i // 86400:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000000+00:00"
            bad = "bogus" if i % 1000 == 999 else "loaded-language"
            handle.write(
                f"{learner},{s.article_id},{s.sentence_id},,{bad},,,{note},,set,{stamp},"
                f"{codebook.version},{s.text_sha1}\n"
            )
    completed = subprocess.run(
        [sys.executable, "-c", _BIG_SCRIPT, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    read, kept, superseded, rejected, seconds, peak_mb = completed.stdout.split()
    assert int(read) == rows
    assert int(rejected) == rows // 1000
    assert int(kept) + int(superseded) == rows - rows // 1000
    assert float(seconds) < 120, seconds
    assert int(peak_mb) < 2048, peak_mb


# -- the command line when the output cannot be written -----------------------------------


@pytest.fixture
def inputs(tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in ("good_baseline.csv", "mixed_learners.csv", "truncated_last_line.csv"):
        (folder / name).write_bytes((BAD / name).read_bytes())
    return folder


@pytest.mark.parametrize(
    "where",
    ["parent-is-a-file", "dev-full", "out-is-a-folder"],
)
def test_cli_unwritable_out(where, tmp_path, inputs, capsys):
    """Does an --out that cannot be written give a clear message and exit 2, with the
    inputs untouched?"""
    before = _fingerprints(inputs)
    if where == "parent-is-a-file":
        (tmp_path / "a-file").write_text("x")
        out = tmp_path / "a-file" / "class.csv"
    elif where == "dev-full":
        out = Path("/dev/full/class.csv")
    else:
        out = tmp_path / "results"
        out.mkdir()
    code = main(["collect", str(inputs), "--out", str(out), "--quiet"])
    printed = capsys.readouterr()
    assert code == 2
    assert str(out) in printed.err and "Traceback" not in printed.err
    assert _fingerprints(inputs) == before


def _limit_file_size():  # runs in the child: writes past 300 bytes fail as on a full disk
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))


def test_cli_disk_full(tmp_path, inputs):
    """When the disk fills up mid-write: exit 2, a message, the previous class.csv intact,
    no half-written file left behind, the inputs untouched?"""
    out_dir = tmp_path / "results"
    out_dir.mkdir()
    out = out_dir / "class.csv"
    out.write_text("previous results\n", encoding="utf-8")
    before = _fingerprints(inputs)
    completed = subprocess.run(
        [sys.executable, "-m", "widgets.cli", "collect", str(inputs), "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        cwd=Path(__file__).parents[2],
        timeout=120,
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert "cannot write" in completed.stderr and str(out) in completed.stderr
    assert "Traceback" not in completed.stderr
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert sorted(p.name for p in out_dir.iterdir()) == ["class.csv"], "no partial files"
    assert _fingerprints(inputs) == before


@pytest.mark.parametrize("where", ["same-file", "file-in-input-folder"])
def test_cli_out_never_overwrites_an_input(where, tmp_path, inputs, capsys):
    """Is an --out that would overwrite or land among the learner files refused (exit 2)?"""
    before = _fingerprints(inputs)
    if where == "same-file":
        target = inputs / "good_baseline.csv"
        argv = ["collect", str(target), "--out", str(target), "--quiet"]
    else:
        argv = ["collect", str(inputs), "--out", str(inputs / "mixed_learners.csv"), "--quiet"]
    code = main(argv)
    printed = capsys.readouterr()
    assert code == 2, printed
    assert "--out" in printed.err
    assert _fingerprints(inputs) == before


def test_reject_file_reads_back_with_hostile_raw_lines(tmp_path):
    """Do class.rejects.csv lines with NUL, ANSI escapes and quotes read back as CSV?"""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("learner_control_chars.csv", "learner_path_traversal.csv", "unbalanced_quote.csv"):
        (folder / name).write_bytes((BAD / name).read_bytes())
    out = tmp_path / "class.csv"
    assert main(["collect", str(folder), "--out", str(out), "--quiet"]) == 0
    with open(output_paths(out)["rejects"], encoding="utf-8", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert len(records) == 2 + 3 + 1
    assert any("\x1b[31m" in r["raw_line"] for r in records)
    assert {p.name for p in folder.iterdir()} == {
        "learner_control_chars.csv",
        "learner_path_traversal.csv",
        "unbalanced_quote.csv",
    }


def test_folder_with_symlink_loop_and_dangling_link(tmp_path, corpus, codebook):
    """Does a folder that links to itself, or to a missing file, neither hang nor crash?"""
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "ana.csv").write_bytes((BAD / "good_baseline.csv").read_bytes())
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "gone.csv").symlink_to(tmp_path / "missing.csv")
    result = collect([folder], corpus=corpus, codebook=codebook, now=NOW)
    _check_accounting(result)
    assert result.counts["kept"] == 3
    assert list(result.files["file"]) == [str(folder / "ana.csv")]


def test_unclosed_quote_loses_only_its_own_line(tmp_path, corpus, codebook):
    """Two quotes that never close, with good rows (one holding a real line break in a
    quoted note) between and after them: is each broken line the only one set aside,
    with the row numbers of the rest right?"""
    lines = (BAD / "good_baseline.csv").read_text(encoding="utf-8").splitlines()
    header, good = lines[0], lines[1:]
    fields = good[1].split(",")  # no quoted commas
    broken = ",".join(fields[:7] + ['"never closed'] + fields[8:])
    multi = ",".join(fields[:7] + ['"two\nlines"'] + fields[8:])
    rows = [good[0], broken, good[1], multi.replace("T09:00:02", "T09:30:02"),
            broken.replace("never", "also never"), good[2]]  # fmt: skip
    path = tmp_path / "ana.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    result = collect([path], corpus=corpus, codebook=codebook, now=NOW)
    _check_accounting(result)
    assert list(result.rejects["row"]) == [3, 6], result.rejects.to_dict("records")
    assert result.rejects["reason"].str.contains("never closes").all()
    assert result.rejects["raw_line"].str.contains("never closed").all()
    assert result.counts["rows_read"] == 6 and result.counts["rejected"] == 2
    assert (result.history["note"] == "two\nlines").any()
    assert len(result.history) == 4
