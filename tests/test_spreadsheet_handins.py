"""Do hand-ins survive a spreadsheet? Fixtures written by LibreOffice Calc (see
tests/data/spreadsheet/make-fixtures.sh): a learner "00123" comes back as "123", and a
long numeric id in scientific notation."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from widgets.collect import collect
from widgets.collect.reflections import collect_reflections
from widgets.labelling.handin import named_learner, restore_learner_id

FIXTURES = Path(__file__).parent / "data" / "spreadsheet"
SAVED = ("libreoffice", "libreoffice-semicolon-cp1252")


def test_the_fixtures_are_what_libreoffice_really_wrote():
    for folder in SAVED:
        text = (FIXTURES / folder / "rhetoric-lab-labels-00123.csv").read_bytes()
        assert text.split(b"\n")[1].startswith(b"123" + (b";" if "semicolon" in folder else b","))
        long_id = (FIXTURES / folder / "rhetoric-lab-labels-123456789012345678.csv").read_bytes()
        assert b"1.23456789012346E+017" in long_id
    assert (
        "£".encode("cp1252") in (FIXTURES / SAVED[1] / "rhetoric-lab-labels-00123.csv").read_bytes()
    )


@pytest.mark.parametrize("folder", SAVED)
def test_lost_leading_zeros_are_put_back_under_the_named_id(folder, corpus, codebook):
    path = FIXTURES / folder / "rhetoric-lab-labels-00123.csv"
    result = collect([path], corpus=corpus, codebook=codebook)
    original = collect([FIXTURES / "original" / path.name], corpus=corpus, codebook=codebook)
    assert result.learners == ("00123",) and result.counts["rejected"] == 0
    assert "restored to '00123'" in result.files["notes"].iloc[0]
    # £, curly quotes and semicolons came through: the same labels as before the save.
    mine = result.labels.astype(str).drop(columns=["saved_at"]).reset_index(drop=True)
    theirs = original.labels.astype(str).drop(columns=["saved_at"]).reset_index(drop=True)
    assert mine.equals(theirs)


@pytest.mark.parametrize("folder", SAVED)
def test_an_id_in_scientific_notation_is_flagged_and_its_rows_rejected(folder, corpus, codebook):
    path = FIXTURES / folder / "rhetoric-lab-labels-123456789012345678.csv"
    result = collect([path], corpus=corpus, codebook=codebook)
    assert result.counts["kept"] == 0 and result.counts["rejected"] == 6
    assert set(result.rejected_by_reason) == {"learner id mangled"}
    assert "scientific notation" in result.files["notes"].iloc[0]


def test_a_hand_in_zip_whose_member_a_spreadsheet_saved(tmp_path, corpus, codebook):
    """The learner unzipped, opened, saved and zipped again: the names keep the id."""
    handin = tmp_path / "rhetoric-lab-handin-00123.zip"
    with zipfile.ZipFile(handin, "w") as archive:
        archive.write(FIXTURES / "libreoffice" / "rhetoric-lab-labels-00123.csv", "00123.csv")
        archive.write(FIXTURES / "libreoffice" / "00123.reflections.csv", "00123.reflections.csv")
    result = collect([handin], corpus=corpus, codebook=codebook)
    assert result.learners == ("00123",)
    reflections = collect_reflections([handin])
    assert list(reflections.reflections["learner"]) == ["00123"]
    assert reflections.reflections["text"].iloc[0] == "Because “skipping” ≠ judging; it costs £0"
    assert any("leading zeros lost" in note for note in reflections.notes)


def test_rows_naming_another_learner_than_the_hand_in_are_rejected(tmp_path, corpus, codebook):
    text = (FIXTURES / "original" / "rhetoric-lab-labels-00123.csv").read_text(encoding="utf-8")
    path = tmp_path / "rhetoric-lab-labels-ann.csv"
    path.write_text(text, encoding="utf-8")
    result = collect([path], corpus=corpus, codebook=codebook)
    assert result.counts["kept"] == 0 and set(result.rejected_by_reason) == {"learner id mismatch"}
    # A file not named by a hand-in is read as it is (collect's older behaviour).
    plain = tmp_path / "labels.csv"
    plain.write_text(text, encoding="utf-8")
    assert collect([plain], corpus=corpus, codebook=codebook).learners == ("00123",)


def test_the_id_rules():
    assert (
        named_learner("all.zip:Ann_42_assignsubmission_file_rhetoric-lab-handin-007.zip:007.csv")
        == "007"
    )
    assert named_learner("class/ann.csv") is None
    assert restore_learner_id("7", "007")[0] == "007"
    assert restore_learner_id("1.23E+02", "123")[0] == "123"
    assert restore_learner_id("1,23E+02", "123")[0] == "123"  # a European decimal comma
    assert restore_learner_id("8", "007")[0] is None
    assert restore_learner_id("bob", "ann") == (
        None,
        "learner id mismatch: the rows say 'bob', the hand-in names 'ann'",
    )
