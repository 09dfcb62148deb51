"""Does collect merge a class's files correctly, and set aside exactly what is bad?"""

from __future__ import annotations

import codecs
import csv
import io
import os
import zipfile
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from widgets import paths
from widgets.cli import main
from widgets.collect import (
    REJECT_COLUMNS,
    InputError,
    arrow_copy_path,
    collect,
    merge,
    output_paths,
    read_class_csv,
    reader,
    write_outputs,
)
from widgets.labelling.store import LabelStore, read_label_file
from widgets.schema import LABEL_COLUMNS

NOW = datetime(2026, 3, 1, tzinfo=UTC)
BUCKETS = ("kept", "superseded", "cleared", "revealed", "duplicate", "rejected")


def balanced(result) -> bool:
    counts = result.counts
    return counts["rows_read"] == sum(counts[b] for b in BUCKETS)


@pytest.fixture
def make_row(tiny_corpus):
    sha = {s: v.text_sha1 for s, v in tiny_corpus.sentence_index.items()}

    def make(**changes):
        row = {
            "learner": "ana",
            "article_id": "tiny-one",
            "sentence_id": "tiny-one-001",
            "target": "",
            "techniques": "loaded-language",
            "stance": "",
            "confidence": "",
            "note": "",
            "frame": "",
            "status": "set",
            "saved_at": "2026-01-05T09:00:01.000000+00:00",
            "codebook_version": "test-1",
            "text_sha1": None,
        }
        row.update(changes)
        if row["text_sha1"] is None:
            row["text_sha1"] = sha.get(row["sentence_id"], "")
        return row

    return make


def write_rows(path, rows, columns=LABEL_COLUMNS, **csv_options):
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", **csv_options)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


def run(inputs, corpus, codebook):
    return collect(inputs, corpus=corpus, codebook=codebook, now=NOW)


@pytest.fixture
def class_folder(tmp_path, tiny_corpus, stub_codebook, clock):
    """Two learners saved with the real store, one of them changing their mind."""
    folder = tmp_path / "class"
    ana = LabelStore(folder, "ana", corpus=tiny_corpus, codebook=stub_codebook, clock=clock)
    ana.save("tiny-one", "tiny-one-001", techniques=["loaded-language"], stance="against")
    ana.save("tiny-one", "tiny-one-002", techniques=[], note='he said "no",\nthen left')
    ana.save("tiny-one", "tiny-one-001", techniques=["appeal-to-fear", "loaded-language"])
    ana.save("tiny-one", "summary", frame="conflict", stance="none")
    ben = LabelStore(folder, "ben", corpus=tiny_corpus, codebook=stub_codebook, clock=clock)
    ben.save("tiny-two", "tiny-two-001", techniques=["direct-quotation"], stance="favor")
    ben.save("tiny-two", "tiny-two-002", techniques=["appeal-to-fear"])
    ben.undo()  # withdraws tiny-two-002
    return folder, {"ana": ana, "ben": ben}


def test_folder_matches_the_stores(class_folder, tiny_corpus, stub_codebook):
    """Are the merged current labels exactly what each learner's store shows?"""
    folder, stores = class_folder
    result = run([folder], tiny_corpus, stub_codebook)
    expected = pd.concat([s.labels() for s in stores.values()], ignore_index=True)
    got = result.labels.astype(str)
    assert list(got.columns) == list(LABEL_COLUMNS)
    as_set = lambda f: set(map(tuple, f[list(LABEL_COLUMNS)].astype(str).to_numpy()))  # noqa: E731
    assert as_set(got) == as_set(expected)
    assert result.counts["kept"] == len(expected) == len(result.labels)
    assert result.counts["superseded"] == 2  # ana's first tiny-one-001, ben's undone save
    assert result.counts["cleared"] == 1  # ben's undo
    assert result.counts["learners"] == 2 and result.counts["files"] == 2
    assert balanced(result)
    note = got.loc[got["sentence_id"] == "tiny-one-002", "note"].item()
    assert note == 'he said "no",\nthen left'
    assert len(result.history) == result.counts["rows_read"] - result.counts["rejected"]
    assert set(result.history["source_file"].astype(str)) == {
        str(folder / "ana.csv"),
        str(folder / "ben.csv"),
    }
    assert not result.simulated


def test_zip_with_platform_names(tmp_path, class_folder, tiny_corpus, stub_codebook):
    """Is a Moodle-style zip read, nested folders included, with the learner column counting?"""
    folder, _ = class_folder
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(folder / "ana.csv", "Jane Doe_12345_assignsubmission_file_ana.csv")
        handle.write(folder / "ben.csv", "group/John Roe_67890_assignsubmission_file_/labels.csv")
        handle.writestr("__MACOSX/._labels.csv", b"\x00\x05junk")
    result = run([archive], tiny_corpus, stub_codebook)
    assert result.counts["files"] == 2 and result.counts["rejected"] == 0
    assert set(result.labels["learner"].astype(str)) == {"ana", "ben"}
    provenance = dict(zip(result.files["file"], result.files["provenance"], strict=True))
    assert provenance[f"{archive}:Jane Doe_12345_assignsubmission_file_ana.csv"] == "Jane Doe_12345"
    assert provenance[f"{archive}:group/John Roe_67890_assignsubmission_file_/labels.csv"] == (
        "John Roe_67890"
    )


def test_nbgrader_layout_and_single_csv(tmp_path, class_folder, tiny_corpus, stub_codebook):
    """Is nbgrader's submitted/<student>/<assignment>/ found, and a single CSV accepted?"""
    folder, _ = class_folder
    course = tmp_path / "course"
    for student in ("ana", "ben"):
        target = course / "submitted" / f"student-{student}" / "lab1" / "annotations" / "x.csv"
        target.parent.mkdir(parents=True)
        target.write_bytes((folder / f"{student}.csv").read_bytes())
    checkpoint = course / "submitted" / "student-ana" / "lab1" / ".ipynb_checkpoints"
    checkpoint.mkdir()
    (checkpoint / "x-checkpoint.csv").write_text("stale")
    result = run([course], tiny_corpus, stub_codebook)
    assert sorted(result.files["provenance"]) == ["student-ana", "student-ben"]
    assert result.counts["files"] == 2 and result.counts["rejected"] == 0
    single = run([folder / "ben.csv"], tiny_corpus, stub_codebook)
    assert set(single.labels["learner"].astype(str)) == {"ben"}
    with pytest.raises(InputError):
        run([tmp_path / "missing"], tiny_corpus, stub_codebook)


def test_resubmission_latest_wins(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Does the latest saved_at win across files, whatever the file order?"""
    early = make_row(techniques="loaded-language", saved_at="2026-01-05T09:00:00+00:00")
    late = make_row(techniques="appeal-to-fear", saved_at="2026-01-06T09:00:00.000000+00:00")
    later_offset = make_row(techniques="direct-quotation", saved_at="2026-01-06T10:30:00+01:00")
    write_rows(tmp_path / "in" / "b_second.csv", [late])
    write_rows(tmp_path / "in" / "a_first.csv", [later_offset, early])
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    # 10:30+01:00 is 09:30 UTC on the 6th: later than the +00:00 row
    assert result.labels["techniques"].astype(str).tolist() == ["direct-quotation"]
    assert result.counts["superseded"] == 2 and balanced(result)
    assert len(result.history) == 3


def test_progress_bar_counts_files_then_names_each_stage(
    tmp_path, class_folder, tiny_corpus, stub_codebook, capsys
):
    """With progress on, does stderr show a bar counting the files, then the stages that
    follow the last file (seconds of silence on a large class otherwise), and is the
    result the same as without it?"""
    folder, _ = class_folder
    quiet = run([folder], tiny_corpus, stub_codebook)
    assert capsys.readouterr().err == ""
    shown = collect([folder], corpus=tiny_corpus, codebook=stub_codebook, now=NOW, progress=True)
    err = capsys.readouterr().err
    files = quiet.counts["files"]
    assert f"{files}/{files}" in err and "collect: reading files" in err
    stages = ["checking rows", "merging saves", "building labels and history"]
    positions = [err.find(f"collect: {stage}") for stage in stages]
    assert -1 not in positions and positions == sorted(positions), err
    pd.testing.assert_frame_equal(shown.labels, quiet.labels)
    assert shown.counts == quiet.counts


def test_learners_are_those_with_a_valid_row(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Does ``learners`` list, sorted, each learner with a valid row (a cleared label
    counts; a learner whose every row was rejected does not)?"""
    write_rows(tmp_path / "in" / "zoe.csv", [make_row(learner="zoe")])
    write_rows(tmp_path / "in" / "ana.csv", [make_row(learner="ana", status="cleared")])
    write_rows(tmp_path / "in" / "bob.csv", [make_row(learner="bob", article_id="nowhere")])
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert result.learners == ("ana", "zoe")
    assert set(result.rejects["file"].str[-7:]) == {"bob.csv"}
    assert not result.simulated


def test_duplicates_and_conflicts(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Is a file seen twice counted once, and are same-instant conflicts rejected?"""
    good = make_row()
    path = write_rows(tmp_path / "a" / "ana.csv", [good, make_row(sentence_id="tiny-one-002")])
    twice = run([tmp_path / "a", path], tiny_corpus, stub_codebook)
    assert twice.counts["duplicate"] == 2 and twice.counts["kept"] == 2 and balanced(twice)

    clash = make_row(techniques="appeal-to-fear")
    write_rows(tmp_path / "b" / "ana.csv", [good, clash, make_row(sentence_id="tiny-one-003")])
    result = run([tmp_path / "b"], tiny_corpus, stub_codebook)
    assert result.counts["rejected"] == 2 and result.counts["kept"] == 1
    assert result.rejects["reason"].str.startswith("conflicting rows").all()
    assert balanced(result)


def test_cleared_key_has_no_current_label(tmp_path, make_row, tiny_corpus, stub_codebook):
    rows = [
        make_row(),
        make_row(techniques="", status="cleared", saved_at="2026-01-05T09:00:02+00:00"),
    ]
    write_rows(tmp_path / "in" / "ana.csv", rows)
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert result.labels.empty
    assert result.counts["cleared"] == 1 and result.counts["superseded"] == 1 and balanced(result)


BAD_ROWS = {
    "invalid learner id": {"learner": "../etc"},
    "invalid learner id ": {"learner": "ana\x07"},
    "unknown status": {"status": "maybe"},
    "unknown article": {"article_id": "nope"},
    "unknown sentence": {"sentence_id": "tiny-two-001"},  # belongs to the other article
    "unknown target": {"target": "vladimir-putin", "techniques": "", "stance": "favor"},
    "bad saved_at": {"saved_at": "yesterday"},
    "bad saved_at ": {"saved_at": "2026-01-05T09:00:00"},  # no time zone
    "saved_at in the future": {"saved_at": "2026-03-01T00:06:00+00:00"},
    "unknown technique": {"techniques": "loaded-language;mind-control"},
    "unknown stance": {"target": "keir-starmer", "techniques": "", "stance": "pro"},
    "techniques on a stance row": {"target": "issue", "stance": "none"},
    "stance on a technique row": {"stance": "favor"},
    "unknown frame": {"sentence_id": "summary", "techniques": "", "frame": "war"},
    "frame outside the summary": {"frame": "conflict"},
    "unknown confidence": {"confidence": "very"},
    "note too long": {"note": "x" * 5001},
    "text drift": {"text_sha1": "0" * 40},
}


@pytest.mark.parametrize("reason", sorted(BAD_ROWS))
def test_each_reason(reason, tmp_path, make_row, tiny_corpus, stub_codebook):
    """Is each kind of bad row rejected with its reason, naming file and row, good rows kept?"""
    bad = make_row(**{"sentence_id": "tiny-one-002", **BAD_ROWS[reason]})
    path = write_rows(tmp_path / "in" / "ana.csv", [make_row(), bad])
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert result.counts["kept"] == 1 and result.counts["rejected"] == 1
    reject = result.rejects.iloc[0]
    assert reject["reason"].startswith(reason.strip() + ":"), reject["reason"]
    assert reject["file"] == str(path) and reject["row"] == 3
    assert list(csv.reader([reject["raw_line"]]))[0][0] == bad["learner"][
        :2000
    ] or reason.startswith("invalid learner")
    assert result.rejected_by_reason == {reason.strip(): 1}
    assert balanced(result)


def test_other_codebook_version(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Is an old-version row kept when its tags still exist, and named when they do not?"""
    old_ok = make_row(codebook_version="2025.9")
    old_gone = make_row(
        sentence_id="tiny-one-002", codebook_version="2025.9", techniques="glittering"
    )
    write_rows(tmp_path / "in" / "ana.csv", [old_ok, old_gone])
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert result.counts["kept"] == 1
    assert "codebook version '2025.9'" in result.rejects["reason"].item()


def encoded(text: str, kind: str) -> bytes:
    if kind == "bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "cp1252":
        return text.encode("cp1252")
    if kind == "crlf":
        return text.replace("\n", "\r\n").encode("utf-8")
    return text.encode("utf-8")


@pytest.mark.parametrize("kind", ["bom", "utf16", "cp1252", "crlf", "plain"])
def test_encodings(kind, tmp_path, make_row, tiny_corpus, stub_codebook):
    """Are BOM, UTF-16, Excel's cp1252 and CRLF files read with the note exact?"""
    buffer = io.StringIO()
    write = csv.writer(buffer, lineterminator="\n")
    write.writerow(LABEL_COLUMNS)
    write.writerow(list(make_row(note="café — “quoted”, ok").values()))
    path = tmp_path / "in" / "ana.csv"
    path.parent.mkdir()
    path.write_bytes(encoded(buffer.getvalue(), kind))
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert result.counts["kept"] == 1, result.rejects
    assert result.labels["note"].item() == "café — “quoted”, ok"


def test_semicolons_quotes_renamed_reordered_extra(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Does a European-Excel file with renamed, reordered and extra columns read correctly?"""
    columns = list(reversed(LABEL_COLUMNS))
    header = [
        {"learner": "Learner", "sentence_id": "Sentence ID", "saved_at": "timestamp"}.get(c, c)
        for c in columns
    ] + ["Grade"]
    row = make_row(note="a; b\nc")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerow([row[c] for c in columns] + ["A"])
    path = tmp_path / "ana.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    result = run([path], tiny_corpus, stub_codebook)
    assert result.counts["kept"] == 1, result.rejects
    assert result.labels["note"].item() == "a; b\nc"
    assert "Grade" in result.files["notes"].item()


FILE_PROBLEMS = {
    "empty file": b"",
    "binary file": b"PK\x03\x04\x00\x00junk\x00\x01",
    "no label rows": ",".join(LABEL_COLUMNS).encode() + b"\n",
    "missing columns": b"learner,article_id,sentence_id,stance\nana,tiny-one,tiny-one-001,none\n",
}


@pytest.mark.parametrize("problem", sorted(FILE_PROBLEMS))
def test_bad_files_rejected_whole(problem, tmp_path, make_row, tiny_corpus, stub_codebook):
    """Is an unusable file reported once (row 0) while the other files are merged?"""
    folder = tmp_path / "in"
    write_rows(folder / "good.csv", [make_row()])
    (folder / "bad.csv").write_bytes(FILE_PROBLEMS[problem])
    result = run([folder], tiny_corpus, stub_codebook)
    assert result.counts["kept"] == 1 and result.counts["files_rejected"] == 1
    reject = result.rejects.iloc[0]
    assert reject["row"] == 0 and reject["reason"].startswith(problem)
    assert reject["file"] == str(folder / "bad.csv")
    if problem == "missing columns":
        assert "target, techniques, status, saved_at" in reject["reason"]
    assert balanced(result)


def test_truncated_last_line_and_too_large(
    tmp_path, make_row, tiny_corpus, stub_codebook, monkeypatch
):
    """Is a torn last line rejected as truncated, and an oversized file refused unread?"""
    path = write_rows(
        tmp_path / "in" / "ana.csv", [make_row(), make_row(sentence_id="tiny-one-002")]
    )
    path.write_bytes(path.read_bytes()[:-25])
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert result.counts["kept"] == 1 and result.counts["rejected"] == 1
    assert result.rejects["reason"].item().startswith("truncated last line")
    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 100)
    big = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert big.rejects["reason"].item().startswith("file too large")
    assert big.counts["rows_read"] == 0 and balanced(big)


def test_headerless_file_read_by_position(tmp_path, make_row, tiny_corpus, stub_codebook):
    path = tmp_path / "ana.csv"
    path.write_text(",".join(make_row().values()) + "\n", encoding="utf-8")
    result = run([path], tiny_corpus, stub_codebook)
    assert result.counts["kept"] == 1
    assert "no header" in result.files["notes"].item()


MUTATIONS = [
    None,
    None,
    None,
    {"article_id": "nope"},
    {"stance": "favor"},
    {"saved_at": "soon"},
    {"techniques": "bogus"},
    {"learner": "a/b"},
    {"status": "cleared", "techniques": ""},
]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["ana", "ben", "cy"]),
            st.sampled_from(["tiny-one-001", "tiny-one-002", "tiny-one-003"]),
            st.integers(0, 5),  # saved_at second: collisions make duplicates and conflicts
            st.integers(0, len(MUTATIONS) - 1),
            st.integers(0, 2),  # which file
            st.sampled_from(["loaded-language", "appeal-to-fear", ""]),
        ),
        max_size=30,
    ),
    damaged=st.booleans(),
)
def test_accounting_invariant(
    data, damaged, tmp_path_factory, make_row, tiny_corpus, stub_codebook
):
    """Whatever the mix of good, bad, repeated and clashing rows: read = sum of buckets?"""
    folder = tmp_path_factory.mktemp("mix")
    files: dict[int, list] = {0: [], 1: [], 2: []}
    for learner, sentence, second, mutation, file_number, techniques in data:
        row = make_row(
            learner=learner,
            sentence_id=sentence,
            techniques=techniques,
            saved_at=f"2026-01-05T09:00:0{second}.000000+00:00",
        )
        row.update(MUTATIONS[mutation] or {})
        files[file_number].append(row)
    for number, rows in files.items():
        path = write_rows(folder / f"f{number}.csv", rows)
        if damaged and number == 2:
            path.write_bytes(path.read_bytes().replace(b",", b";", 3)[:-3])
    result = run([folder], tiny_corpus, stub_codebook)
    assert balanced(result)
    assert len(result.labels) == result.counts["kept"]
    assert (result.rejects["row"] > 0).sum() == result.counts["rejected"]
    key = ["learner", "article_id", "sentence_id", "target"]
    assert not result.labels.astype(str).duplicated(key).any()


def test_write_outputs_round_trip(tmp_path, class_folder, tiny_corpus, stub_codebook):
    """Do class.csv, history and rejects read back exactly (notes with quotes and newlines)?"""
    folder, _ = class_folder
    (folder / "junk.csv").write_bytes(b"\x00\x01")
    result = run([folder], tiny_corpus, stub_codebook)
    targets = write_outputs(result, tmp_path / "out" / "class.csv")
    assert targets == output_paths(tmp_path / "out" / "class.csv")
    rows, problems = read_label_file(targets["labels"])
    assert problems == []
    pd.testing.assert_frame_equal(rows, result.labels.astype(str).astype(object))
    history = pd.read_csv(targets["history"], dtype=str, keep_default_na=False)
    assert len(history) == len(result.history) and "source_file" in history
    rejects = pd.read_csv(targets["rejects"], dtype=str, keep_default_na=False)
    assert list(rejects.columns) == list(REJECT_COLUMNS)
    assert rejects["reason"].str.startswith("binary file").all()


def test_read_class_csv_gives_back_what_collect_wrote(
    tmp_path, class_folder, tiny_corpus, stub_codebook
):
    """Do class.csv and the history read back with every value as written (notes with
    quotes and line breaks), as categories but for note and saved_at?"""
    folder, _ = class_folder
    result = run([folder], tiny_corpus, stub_codebook)
    targets = write_outputs(result, tmp_path / "out" / "class.csv")
    labels = read_class_csv(targets["labels"])
    pd.testing.assert_frame_equal(labels.astype(str), result.labels.astype(str))
    assert (labels["note"].str.contains("\n")).any()
    history = read_class_csv(targets["history"])
    assert list(history.columns) == [*LABEL_COLUMNS, "source_file"]
    pd.testing.assert_frame_equal(history.astype(str), result.history.astype(str))
    categories = [c for c in labels.columns if isinstance(labels[c].dtype, pd.CategoricalDtype)]
    assert set(labels.columns) - set(categories) == {"note", "saved_at"}
    plain = pd.read_csv(targets["labels"], dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(labels.astype(str), plain.astype(str))
    keys = read_class_csv(targets["history"], columns=["target", "learner", "absent"])
    assert list(keys.columns) == ["learner", "target"]  # the file's order; absent ones left
    pd.testing.assert_frame_equal(keys.astype(str), history[["learner", "target"]].astype(str))


def _read_csv_only(path, **options):
    """read_class_csv as if there were no Arrow copy."""
    copy = arrow_copy_path(path)
    hidden = copy.with_name(copy.name + ".aside")
    copy.rename(hidden)
    try:
        return read_class_csv(path, **options)
    finally:
        hidden.rename(copy)


def test_the_arrow_copy_reads_back_exactly_what_the_csv_does(
    tmp_path, class_folder, tiny_corpus, stub_codebook, monkeypatch
):
    """collect writes an Arrow copy of class.csv and its history, which read_class_csv
    reads instead of the CSV: the same frame to the category order, all columns or some."""
    from widgets.collect import outputs

    folder, _ = class_folder
    result = run([folder], tiny_corpus, stub_codebook)
    targets = write_outputs(result, tmp_path / "out" / "class.csv")
    for name in ("labels", "history"):
        path = targets[name]
        assert arrow_copy_path(path).is_file() and arrow_copy_path(path).name.startswith(".")
        for columns in (None, ["status", "learner", "note"]):
            read = read_class_csv(path, columns=columns)
            pd.testing.assert_frame_equal(read, _read_csv_only(path, columns=columns))
    assert not arrow_copy_path(targets["rejects"]).exists()  # never read back: no copy
    # and the copy is what was read: with the CSV reader broken, it still reads
    monkeypatch.setattr(outputs.pacsv, "read_csv", None)
    assert len(read_class_csv(targets["labels"])) == len(result.labels)


def test_an_edited_csv_is_read_as_csv_whatever_its_arrow_copy_says(
    tmp_path, class_folder, tiny_corpus, stub_codebook
):
    """A class.csv changed after collect (same size and time: only its bytes differ),
    replaced, or with a damaged copy is read from the CSV, without an error."""
    folder, _ = class_folder
    result = run([folder], tiny_corpus, stub_codebook)
    path = write_outputs(result, tmp_path / "out" / "class.csv")["labels"]
    status = path.stat()
    data = path.read_bytes()
    assert b'"set"' in data
    path.write_bytes(data.replace(b'"set"', b'"SET"', 1))  # a spreadsheet's edit
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size
    assert "SET" in set(read_class_csv(path)["status"].astype(str))
    path.write_bytes(data)  # back as collect wrote it, but a new time: read as CSV
    pd.testing.assert_frame_equal(read_class_csv(path), _read_csv_only(path))
    copy = arrow_copy_path(path)
    copy.write_bytes(copy.read_bytes()[:100])  # truncated
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    pd.testing.assert_frame_equal(read_class_csv(path), _read_csv_only(path))


def test_no_arrow_copy_for_a_frame_with_missing_values(
    tmp_path, class_folder, tiny_corpus, stub_codebook
):
    """A missing value reads back from CSV as "" but from Arrow as missing: then no copy
    is written, and an older one beside the CSV is removed."""
    folder, _ = class_folder
    result = run([folder], tiny_corpus, stub_codebook)
    out = tmp_path / "out" / "class.csv"
    write_outputs(result, out)
    assert arrow_copy_path(out).exists()
    result.labels["note"] = result.labels["note"].astype(object)
    result.labels.loc[result.labels.index[0], "note"] = None
    write_outputs(result, out)
    assert not arrow_copy_path(out).exists()
    assert read_class_csv(out)["note"].iloc[0] == ""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\n\n", "is empty"),
        (b"learner,note\nann,caf\xe9\n", "cannot read"),
        (b"learner,note\nann,one,two\n", "cannot read"),
    ],
)
def test_read_class_csv_refuses_what_it_cannot_read(tmp_path, content, expected):
    """Is an empty, non-UTF-8 or ragged file refused with a message naming it?"""
    path = tmp_path / "class.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=expected) as caught:
        read_class_csv(path)
    assert str(path) in str(caught.value)
    with pytest.raises(FileNotFoundError):
        read_class_csv(tmp_path / "missing.csv")


def test_cli_exit_codes(tmp_path, capsys):
    """0 when labels were merged, 1 when none, 2 for usage errors; summary printed."""
    simulated = tmp_path / "sim"
    assert main(["simulate", "--learners", "3", "--out", str(simulated),
                 "--answers-dir", str(tmp_path / "none")]) == 0  # fmt: skip
    out = tmp_path / "result" / "class.csv"
    capsys.readouterr()
    assert main(["collect", str(simulated), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "SIMULATED" in printed and "rows read" in printed
    assert out.exists() and output_paths(out)["rejects"].exists()

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.csv").write_bytes(b"")
    assert main(["collect", str(bad), "--out", str(tmp_path / "b.csv"), "--quiet"]) == 1
    assert main(["collect", "--out", str(tmp_path / "c.csv")]) == 2
    assert main(["collect", str(tmp_path / "missing"), "--out", str(tmp_path / "d.csv")]) == 2
    assert main(["collect", str(simulated), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "is a folder" in err


def test_simulated_flag(tmp_path, tiny_corpus, stub_codebook):
    from widgets.classroom.simulate import simulate_class

    simulate_class(
        tmp_path / "s",
        learners=4,
        seed=0,
        corpus=tiny_corpus,
        codebook=stub_codebook,
        answers_dir=tmp_path / "none",
    )
    result = run([tmp_path / "s"], tiny_corpus, stub_codebook)
    assert result.simulated and result.counts["rejected"] == 0 and balanced(result)
    assert result.counts["learners"] == 4


def test_mostly_utf8_with_a_broken_byte(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Does one bad byte leave the other notes' accents intact (no cp1252 mojibake)?"""
    path = write_rows(tmp_path / "in" / "ana.csv", [make_row(note="café ‘ok’")])
    path.write_bytes(path.read_bytes() + b"\xff\n")
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert result.labels["note"].item() == "café ‘ok’"
    assert "invalid bytes replaced" in result.files["encoding"].item()
    assert balanced(result)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 3)), min_size=0, max_size=60))
def test_sort_by_key_then_time_is_lexsort(pairs):
    """Does the fast latest-per-key ordering equal a full lexsort, ties in reading order?"""
    import numpy as np

    key = np.array([k for k, _ in pairs], dtype=np.int64)
    stamps = np.array([s for _, s in pairs], dtype=np.int64)
    expected = np.lexsort((stamps, key))
    assert merge.sort_by_key_then_time(key, stamps).tolist() == expected.tolist()


# -- the fast reader and the tolerant reader agree ------------------------------------


def _good_class(folder, make_row):
    """Store-format files: plain, CRLF, with a BOM, notes with quotes and line breaks."""
    notes = ['he said "no",\nthen left', "two\r\nlines", "comma, here", "", "café ‘ok’"]
    files = {}
    for number, learner in enumerate(["ana", "ben", "cai", "dee", "eve", "fay"]):
        rows = [
            make_row(learner=learner, saved_at=f"2026-01-05T09:00:0{i}.00000{number}+00:00", **c)
            for i, c in enumerate(
                [
                    {"note": notes[number % len(notes)]},
                    {"techniques": "loaded-language;appeal-to-fear"},
                    {"sentence_id": "tiny-one-002", "techniques": ""},
                    {"status": "cleared", "techniques": ""},
                ]
            )
        ]
        path = write_rows(folder / f"{learner}.csv", rows)
        data = path.read_bytes()
        if number % 2:  # Windows line endings (a quoted "\r\n" stays as it was)
            data = data.replace(b"\r\n", b"\0").replace(b"\n", b"\r\n").replace(b"\0", b"\r\n")
        if number == 4:
            data = codecs.BOM_UTF8 + data
        path.write_bytes(data)
        files[learner] = data
    return files


def _results_match(fast, tolerant):
    def by_file(history):  # the files' order depends on how they were read
        return history.sort_values("source_file", kind="stable").reset_index(drop=True)

    for name in ("labels", "history", "rejects", "files"):
        fast_frame, tolerant_frame = getattr(fast, name), getattr(tolerant, name)
        if name == "history":
            fast_frame, tolerant_frame = by_file(fast_frame), by_file(tolerant_frame)
        pd.testing.assert_frame_equal(fast_frame.astype(str), tolerant_frame.astype(str), obj=name)
    assert fast.counts == tolerant.counts


def test_fast_and_tolerant_readers_agree(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Do good files (LF, CRLF, BOM, multi-line quoted notes) give the same labels,
    history, row numbers and counts through the fast reader as through the tolerant one?"""
    folder = tmp_path / "in"
    files = _good_class(folder, make_row)
    assert any(b"\r\n" in data for data in files.values())
    for learner in ("ben", "dee"):  # a blank line and a bad row: row numbers must hold
        path = folder / f"{learner}.csv"
        lines = path.read_bytes().split(b"\r\n")
        lines.insert(3, b"")
        lines.insert(5, b"ben,nowhere,tiny-one-001,,,,,,,set,2026-01-05T09:00:00+00:00,x,")
        path.write_bytes(b"\r\n".join(lines))
    fast = run([folder], tiny_corpus, stub_codebook)
    assert fast.counts["rejected"] == 2 and fast.counts["kept"] > 0
    # the blank line is a row; ben's first note holds a line break, so his lines shift
    rows = dict(zip(fast.rejects["file"].str[-7:], fast.rejects["row"], strict=True))
    assert rows == {"ben.csv": 5, "dee.csv": 6}
    assert (fast.history["note"] == "two\r\nlines").any()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "_fast_header", lambda *args: None)
        tolerant = run([folder], tiny_corpus, stub_codebook)
    _results_match(fast, tolerant)


def test_fast_reader_does_not_depend_on_column_order(
    tmp_path, make_row, tiny_corpus, stub_codebook
):
    """Are files whose header puts the columns in another order (learner not first) read
    by Arrow, by the header's names, exactly as the tolerant reader reads them, and do
    they give the same labels as the same rows in the standard order?"""
    folder = tmp_path / "in"
    _good_class(folder, make_row)
    standard = run([folder], tiny_corpus, stub_codebook)
    for number, path in enumerate(sorted(folder.glob("*.csv"))):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        order = list(reversed(LABEL_COLUMNS)) if number % 2 else [*LABEL_COLUMNS[1:], "learner"]
        frame[order].to_csv(path, index=False)
    calls = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "tolerant_read", lambda data: calls.append(data) or 1 / 0)
        fast = run([folder], tiny_corpus, stub_codebook)
    assert calls == []  # every file read by the fast path
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "_fast_header", lambda *args: None)
        tolerant = run([folder], tiny_corpus, stub_codebook)
    _results_match(fast, tolerant)
    pd.testing.assert_frame_equal(fast.labels.astype(str), standard.labels.astype(str))


def test_fast_reader_batches_reuse_one_buffer(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Read in many small batches (each parsed, then its buffer filled with the next),
    do the files still give what the tolerant reader gives? This fails if Arrow ever
    kept pointing into the buffer it parsed instead of copying."""
    folder = tmp_path / "in"
    files = _good_class(folder, make_row)
    for copy in range(4):  # more files, some larger than a batch
        for learner, data in files.items():
            (folder / f"{learner}-{copy}.csv").write_bytes(data + data.split(b"\n", 1)[1] * copy)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "_BATCH_BYTES", 1500)
        fast = run([folder], tiny_corpus, stub_codebook)
        patch.setattr(reader, "_fast_header", lambda *args: None)
        tolerant = run([folder], tiny_corpus, stub_codebook)
    assert fast.counts["rows_read"] > 100
    _results_match(fast, tolerant)


def test_fast_reader_batch_survives_a_damaged_file(tmp_path, make_row, tiny_corpus, stub_codebook):
    """Does a file whose quote never closes, parsed in one batch with good files, spoil
    neither their rows nor their row numbers, nor hide a row that imitates a marker?"""
    folder = tmp_path / "in"
    _good_class(folder, make_row)
    write_rows(folder / "bad.csv", [make_row(learner="gus")])
    (folder / "bad.csv").write_bytes((folder / "bad.csv").read_bytes() + b'gus,"oops\n')
    marker = make_row(learner=reader._MARKER_PREFIX + "0")
    write_rows(folder / "imitator.csv", [make_row(learner="hal"), marker])
    fast = run([folder], tiny_corpus, stub_codebook)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "_fast_header", lambda *args: None)
        tolerant = run([folder], tiny_corpus, stub_codebook)
    _results_match(fast, tolerant)
    assert {"gus", "hal"} <= set(fast.labels["learner"].astype(str))
    assert set(fast.rejects["file"].map(lambda f: f.rsplit("/", 1)[-1])) == {
        "bad.csv",
        "imitator.csv",
    }
    assert "\x01" not in "".join(map(str, fast.history["learner"].cat.categories))


def test_fast_reader_batch_with_bytes_that_are_not_utf8(
    tmp_path, make_row, tiny_corpus, stub_codebook
):
    """The fast reader reads bytes and checks UTF-8 afterwards: does a Latin-1 byte in a
    note (a text column) or in a learner id (a dictionary column), in one batch with good
    files, still send just that file to the tolerant reader, as if read one by one?"""
    folder = tmp_path / "in"
    _good_class(folder, make_row)
    write_rows(folder / "note.csv", [make_row(learner="gus", note="caf\u00e9")])
    (folder / "note.csv").write_bytes(
        (folder / "note.csv").read_bytes().replace(b"\xc3\xa9", b"\xe9")
    )
    write_rows(folder / "name.csv", [make_row(learner="hal")])
    (folder / "name.csv").write_bytes(
        (folder / "name.csv").read_bytes() + b"hal\xe9,tiny-one,tiny-one-001,,,,,,,set,x,y,\n"
    )
    fast = run([folder], tiny_corpus, stub_codebook)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reader, "_fast_header", lambda *args: None)
        tolerant = run([folder], tiny_corpus, stub_codebook)
    _results_match(fast, tolerant)
    encodings = dict(zip(fast.files["file"].str[-8:], fast.files["encoding"], strict=True))
    assert encodings["note.csv"] != "utf-8" and encodings["name.csv"] != "utf-8"
    assert list(encodings.values()).count("utf-8") == 6
    assert "gus" in set(fast.labels["learner"].astype(str))
    assert len(fast.rejects) == 1 and fast.rejects["file"].item().endswith("name.csv")


# -- collect's own outputs inside the input folder --------------------------------------


def test_out_inside_the_input_folder(tmp_path, capsys):
    """Can class.csv be written into the folder being collected, and does the next run
    skip it (and its history and rejects, even renamed) instead of reading it back?"""
    folder = tmp_path / "class"
    assert main(["simulate", "--learners", "3", "--out", str(folder),
                 "--answers-dir", str(tmp_path / "none")]) == 0  # fmt: skip
    out = folder / "class.csv"
    assert main(["collect", str(folder), "--out", str(out), "--quiet"]) == 0
    first = pd.read_csv(out, dtype=str, keep_default_na=False)
    capsys.readouterr()
    assert main(["collect", str(folder), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    # class.csv, its history and rejects, and the reflections' rejects (class.reflections.csv
    # is left to the reflection collect)
    assert "skipped 4 file(s) written by an earlier collect" in printed
    assert "from 3 file(s)" in printed and "duplicate            0" in printed
    pd.testing.assert_frame_equal(pd.read_csv(out, dtype=str, keep_default_na=False), first)

    output_paths(out)["history"].rename(folder / "old.csv")  # known by its header
    result = collect([folder], now=NOW)
    assert sorted(p.rsplit("/", 1)[-1] for p in result.skipped) == [
        "class.reflections-rejects.csv",
        "class.rejects.csv",
        "old.csv",
    ]
    # class.csv alone has a learner file's columns: without its history it is read
    assert result.counts["files"] == 4 and result.counts["duplicate"] == len(first)
    notes = result.files.set_index(result.files["file"].str.rsplit("/", n=1).str[-1])["notes"]
    assert notes["old.csv"] == "skipped: collect's own history output"
    # a collect output named on the command line is read like any file
    named = collect([folder / "old.csv"], now=NOW)
    assert named.skipped == () and named.counts["kept"] == len(first)


def test_out_never_overwrites_a_learner_file_in_the_folder(tmp_path, capsys):
    """Is an --out whose history or rejects name is a learner's file refused?"""
    folder = tmp_path / "class"
    assert main(["simulate", "--learners", "2", "--out", str(folder),
                 "--answers-dir", str(tmp_path / "none")]) == 0  # fmt: skip
    learner_file = sorted(folder.glob("sim-*.csv"))[0]
    (folder / "results.history.csv").write_bytes(learner_file.read_bytes())
    capsys.readouterr()
    code = main(["collect", str(folder), "--out", str(folder / "results.csv"), "--quiet"])
    assert code == 2
    assert "results.history.csv" in capsys.readouterr().err
    assert not (folder / "results.csv").exists()


def test_rows_of_another_kind_are_kept_in_the_history_and_counted_once(
    tmp_path, make_row, tiny_corpus, stub_codebook, monkeypatch
):
    """When a later format adds a kind of row (a status that is not a label's), is it
    kept in the history, counted as revealed by the one accounting rule, and never
    taken for a label, even when it is the latest row of a key?"""
    from widgets.collect import rules

    monkeypatch.setattr(rules, "STATUSES", ("set", "cleared", "revealed"))
    label = make_row(techniques="loaded-language", saved_at="2026-01-05T09:00:00+00:00")
    revealed = make_row(status="revealed", saved_at="2026-01-05T10:00:00+00:00")
    write_rows(tmp_path / "in" / "ana.csv", [label, revealed])
    result = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert result.counts["revealed"] == 1 and result.counts["kept"] == 1
    assert result.counts["superseded"] == 0 and balanced(result)
    assert result.labels["techniques"].astype(str).tolist() == ["loaded-language"]
    assert sorted(result.history["status"].astype(str)) == ["revealed", "set"]
    monkeypatch.setattr(rules, "STATUSES", ("set", "cleared"))
    strict = run([tmp_path / "in"], tiny_corpus, stub_codebook)
    assert strict.counts["rejected"] == 1
    assert strict.rejects["reason"].item().startswith("unknown status: 'revealed'")


# --- labels made before codebook 2026.2 and the typographic fix of article R ------------

OLD_LABELS = paths.REPO_ROOT / "tests" / "data" / "old-codebook" / "ana-2026.1.csv"


@pytest.fixture(scope="module")
def real_inputs():
    from widgets.content.codebook import load_codebook
    from widgets.content.corpus import load_corpus

    corpus = load_corpus()
    return corpus, load_codebook(corpus=corpus)


def test_labels_from_the_old_codebook_and_old_wording_still_collect(tmp_path, real_inputs):
    """Does a learner file labelled under codebook 2026.1, before article R's non-breaking
    hyphens became ordinary ones, still collect in full, keeping its version?"""
    corpus, codebook = real_inputs
    assert codebook.version != "2026.1"
    article = corpus.article("starmer-rejects-answering-to-putin")
    old = pd.read_csv(OLD_LABELS, dtype=str, keep_default_na=False)
    changed = {
        s.sentence_id for s in article.sentences if s.previous_text_sha1
    }  # the sentences whose wording changed
    assert len(changed) >= 10
    old_hashes = old.drop_duplicates("sentence_id").set_index("sentence_id")["text_sha1"]
    for sentence_id in changed:
        assert old_hashes[sentence_id] != article.sentence_index[sentence_id].text_sha1

    result = collect([OLD_LABELS], corpus=corpus, codebook=codebook, now=NOW)
    assert result.rejects.empty, result.rejects["reason"].tolist()
    assert result.counts["kept"] == len(old)
    assert set(result.labels["codebook_version"].astype(str)) == {"2026.1"}
    assert balanced(result)


def test_a_hash_of_neither_wording_is_still_text_drift(tmp_path, real_inputs):
    """Is a label for wording that was never the sentence's still rejected?"""
    corpus, codebook = real_inputs
    old = pd.read_csv(OLD_LABELS, dtype=str, keep_default_na=False).head(3)
    old.loc[old.index[1], "text_sha1"] = "0" * 40
    path = tmp_path / "ana.csv"
    old.to_csv(path, index=False)
    result = collect([path], corpus=corpus, codebook=codebook, now=NOW)
    assert result.counts["kept"] == 2
    assert result.rejected_by_reason == {"text drift": 1}


def test_a_file_is_read_to_its_end_whatever_size_it_was_listed_with(tmp_path):
    from widgets.collect.sources import read_file

    path = tmp_path / "ann.reflections.csv"
    data = bytes(range(256)) * 5000  # more than one read of the rest (1 MB) would take
    path.write_bytes(data)
    assert read_file(str(path), 10) == data  # grew since it was listed
    assert read_file(str(path), len(data) + 99) == data  # shrank
    assert read_file(str(path), len(data)) == data
