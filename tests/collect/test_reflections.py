"""Does collect read, check and merge reflections with the labels' accounting, the same way
for files in the kit's own format (parsed together by Arrow) and files a spreadsheet saved?"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime

import pytest

from widgets import lesson
from widgets.collect.reflections import collect_reflections
from widgets.labelling.reflections import (
    MAX_REFLECTION_LENGTH,
    REFLECTION_COLUMNS,
    ReflectionStore,
)
from widgets.labelling.store import LabelStore

QUESTION = "kit-ask-press-looked"
OTHER = "codebook-says-news-writing"
NOW = datetime(2027, 1, 1, tzinfo=UTC)
HEADER = ",".join(REFLECTION_COLUMNS) + "\n"


def _learner(folder, learner, corpus, codebook, text):
    store = LabelStore(folder, learner, corpus=corpus, codebook=codebook)
    article = corpus.article("starmer-defies-putin")
    store.save(article.article_id, article.sentences[0].sentence_id, techniques=[])
    ReflectionStore(folder, learner).save(QUESTION, text)


def test_hand_in_holds_labels_and_reflections_and_collect_reads_it(tmp_path, corpus, codebook):
    folder = tmp_path / "ann"
    _learner(folder, "ann", corpus, codebook, "my <i>answer</i>")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    handed = lesson.hand_in(uploads, learner="ann", directory=folder)
    assert handed.path.name == "rhetoric-lab-handin-ann.zip" and handed.reflections == 1
    with zipfile.ZipFile(handed.path) as archive:
        assert sorted(archive.namelist()) == ["ann.csv", "ann.reflections.csv", "handin.json"]
        manifest = json.loads(archive.read("handin.json"))
    assert manifest["learner"] == "ann" and manifest["files"]["ann.reflections.csv"]["rows"] == 1
    # A platform's "download all" zip holding the hand-in zip, and an old CSV hand-in.
    platform = tmp_path / "all.zip"
    with zipfile.ZipFile(platform, "w") as archive:
        archive.write(handed.path, "Ann Lee_42_assignsubmission_file_rhetoric-lab-handin-ann.zip")
    old = tmp_path / "old"
    _learner(old, "bob", corpus, codebook, "unused")
    lesson.hand_in(tmp_path / "rhetoric-lab-labels-bob.csv", learner="bob", directory=old)
    from widgets.collect import collect

    result = collect([platform, tmp_path / "rhetoric-lab-labels-bob.csv"], corpus=corpus,
                     codebook=codebook)  # fmt: skip
    assert result.learners == ("ann", "bob") and result.counts["rejected"] == 0
    reflections = collect_reflections([platform], now=NOW)
    assert reflections.reflections[["learner", "question_id", "text"]].values.tolist() == [
        ["ann", QUESTION, "my <i>answer</i>"]
    ]


def test_collect_checks_reflections_with_the_same_accounting(tmp_path, clock):
    good = ReflectionStore(tmp_path, "ann", clock=clock)
    good.save(QUESTION, "one")
    good.save(QUESTION, "two")
    bad = tmp_path / "cat.reflections.csv"
    bad.write_text(
        ",".join(REFLECTION_COLUMNS) + "\n"
        f"cat,no-such-question,x,set,2026-01-05T09:00:00+00:00\n"
        f"cat,{QUESTION},x,set,yesterday\n"
        f"cat,{QUESTION},x,set,2099-01-01T00:00:00+00:00\n"
        f"cat,{QUESTION},{'z' * (MAX_REFLECTION_LENGTH + 1)},set,2026-01-05T09:00:00+00:00\n"
        f"cat,{QUESTION},fine,set,2026-01-05T09:00:00+00:00\n"
        f"cat,{QUESTION},fine,set,2026-01-05T09:00:00+00:00\n"
        "cat,torn\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.reflections.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = collect_reflections([tmp_path], now=NOW)
    counts = result.counts
    assert counts == {"files": 3, "rows_read": 9, "kept": 2, "superseded": 1, "duplicate": 1,
                      "rejected": 5}  # fmt: skip
    reasons = " | ".join(result.rejects["reason"])
    for expected in ("unknown question", "bad saved_at", "in the future", "text too long",
                     "wrong field count", "missing columns"):  # fmt: skip
        assert expected in reasons
    assert (result.rejects["row"] == 0).sum() == 1  # the file without the columns


def test_rows_of_well_formed_files_are_checked_with_their_line_numbers(tmp_path):
    """The fast path (files in the kit's own format, parsed together) names the same
    file, row and raw line as the careful one."""
    header = ",".join(REFLECTION_COLUMNS) + "\n"
    (tmp_path / "ann.reflections.csv").write_text(
        header + f'ann,{QUESTION},"two\nlines",set,2026-01-05T09:00:00+00:00\n'
        "ann,no-such-question,x,set,2026-01-05T09:00:01+00:00\n",
        encoding="utf-8",
    )
    (tmp_path / "bob.reflections.csv").write_text(
        header + f"bob,{QUESTION},y,set,2026-01-05T09:00:00+00:00\n", encoding="utf-8"
    )
    result = collect_reflections([tmp_path], now=NOW)
    assert result.counts["rows_read"] == 3 and result.counts["kept"] == 2
    reject = result.rejects.iloc[0]
    assert reject["row"] == 4 and reject["file"].endswith("ann.reflections.csv")
    assert reject["raw_line"].startswith("ann,no-such-question")
    assert list(result.reflections["text"]) == ["two\nlines", "y"]


ROWS = [
    # saved in this order; the latest time per (learner, question) wins, the last read
    # among equal times; an exact repeat counts once
    ("bob", QUESTION, "first", "2026-01-05T09:00:00+00:00"),
    ("bob", QUESTION, "same time, read later", "2026-01-05T09:00:00+00:00"),
    ("bob", QUESTION, "first", "2026-01-05T09:00:00+00:00"),
    ("bob", OTHER, "older; but saved later in the file", "2026-01-05T08:00:00+00:00"),
    ("bob", OTHER, "newer", "2026-01-05T08:30:00.5+01:00"),
    ("bob", QUESTION, "bad time", "2026-01-05T09:00:00"),
    ("bob", QUESTION, "the future", "2099-01-01T00:00:00Z"),
    ("ann", OTHER, 'a "quoted"; text, with\na line break', "2026-01-05T07:00:00+00:00"),
]


def _rows_csv(rows, delimiter):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(REFLECTION_COLUMNS)
    for learner, question, text, saved_at in rows:
        writer.writerow([learner, question, text, "set", saved_at])
    return buffer.getvalue()


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_merge_keeps_the_latest_answer_and_counts_repeats_once(tmp_path, delimiter):
    """The same rows in the kit's format (the fast path) and as a spreadsheet saves them
    with semicolons (the careful path) collect to the same answers and counts."""
    for learner in ("bob", "ann"):
        rows = [r for r in ROWS if r[0] == learner]
        (tmp_path / f"{learner}.reflections.csv").write_text(
            _rows_csv(rows, delimiter), encoding="utf-8"
        )
    result = collect_reflections([tmp_path], now=NOW)
    assert result.counts == {"files": 2, "rows_read": 8, "kept": 3, "superseded": 2,
                             "duplicate": 1, "rejected": 2}  # fmt: skip
    answers = result.reflections[["learner", "question_id", "text"]].values.tolist()
    assert answers == [
        ["ann", OTHER, 'a "quoted"; text, with\na line break'],
        # 08:30 at +01:00 is 07:30 UTC, earlier than 08:00: times are read as times
        ["bob", OTHER, "older; but saved later in the file"],
        ["bob", QUESTION, "same time, read later"],
    ]
    rejects = result.rejects.set_index("row")["reason"].to_dict()
    bob_lines = {7: "bad saved_at", 8: "saved_at in the future"}
    for row, reason in bob_lines.items():
        assert rejects[row].startswith(reason)
    assert (
        len(result.history) == 5
        and result.history["source_file"].str.endswith("reflections.csv").all()
    )


def test_an_id_a_spreadsheet_rewrote_is_put_back_and_another_learner_rejected(tmp_path):
    (tmp_path / "00123.reflections.csv").write_text(
        HEADER + f"123,{QUESTION},mine,set,2026-01-05T09:00:00+00:00\n"
        f"ann,{QUESTION},someone else's,set,2026-01-05T09:00:00+00:00\n",
        encoding="utf-8",
    )
    result = collect_reflections([tmp_path], now=NOW)
    assert result.reflections[["learner", "text"]].values.tolist() == [["00123", "mine"]]
    assert len(result.notes) == 1 and "leading zeros" in result.notes[0]
    assert result.rejects["row"].tolist() == [3]


def test_a_file_arrow_cannot_parse_is_read_the_careful_way(tmp_path):
    """Bytes that are not UTF-8 (a spreadsheet's Windows-1252 "£") in a file with the kit's
    header: the batch falls back to reading each file on its own, and nothing is lost."""
    (tmp_path / "ann.reflections.csv").write_bytes(
        HEADER.encode()
        + f"ann,{QUESTION},costs \xa35,set,2026-01-05T09:00:00+00:00\n".encode("cp1252")
    )
    (tmp_path / "bob.reflections.csv").write_text(
        HEADER + f"bob,{QUESTION},fine,set,2026-01-05T09:00:00+00:00\n", encoding="utf-8"
    )
    result = collect_reflections([tmp_path], now=NOW)
    assert result.counts["kept"] == 2 and result.counts["rejected"] == 0
    assert result.reflections["text"].tolist() == ["costs £5", "fine"]


def test_no_reflection_files_collect_to_empty_tables(tmp_path):
    (tmp_path / "ann.csv").write_text("learner\nann\n", encoding="utf-8")
    result = collect_reflections([tmp_path], now=NOW)
    assert result.counts["files"] == 0 and result.counts["rows_read"] == 0
    assert list(result.reflections.columns) == [
        "learner", "question_id", "text", "saved_at", "source_file"
    ]  # fmt: skip
    assert len(result.reflections) == 0 and len(result.history) == 0


def test_now_must_carry_a_time_zone(tmp_path):
    with pytest.raises(ValueError, match="timezone-aware"):
        collect_reflections([tmp_path], now=datetime(2027, 1, 1))


def test_a_file_too_large_is_refused_unread():
    from widgets.collect.sources import MAX_FILE_BYTES, Source

    def read():
        raise AssertionError("read a file it should refuse")

    big = Source("big.reflections.csv", "", MAX_FILE_BYTES + 1, read)
    result = collect_reflections(sources=[big], now=NOW)
    assert result.rejects["reason"].str.startswith("file too large").tolist() == [True]
    assert result.counts["files"] == 0 and result.counts["rows_read"] == 0
