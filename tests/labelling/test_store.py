"""Does the label store keep every label, across reloads, crashes and two writers?"""

from __future__ import annotations

import multiprocessing
import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from widgets.labelling.store import LabelStore, SaveError, read_label_file
from widgets.schema import LABEL_COLUMNS, STATUS_CLEARED

from ..conftest import StubCodebook, TickingClock, write_tiny_corpus


@pytest.fixture
def store(tmp_path, tiny_corpus, stub_codebook, clock):
    return LabelStore(
        tmp_path / "ann", "alice", corpus=tiny_corpus, codebook=stub_codebook, clock=clock
    )


def reopen(store):
    return LabelStore(store.directory, store.learner, corpus=store.corpus, codebook=store.codebook)


def test_save_writes_one_line_per_change_with_the_documented_columns(store):
    store.save("tiny-one", "tiny-one-001", techniques=["loaded-language"])
    store.save("tiny-one", "tiny-one-001", techniques=["loaded-language", "appeal-to-fear"])
    lines = store.path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(LABEL_COLUMNS)
    assert len(lines) == 3  # header + two changes: append-only, nothing rewritten
    current = store.labels()
    assert list(current.columns) == list(LABEL_COLUMNS)
    assert current.loc[0, "techniques"] == "appeal-to-fear;loaded-language"  # sorted
    assert current.loc[0, "codebook_version"] == "test-1"
    assert current.loc[0, "text_sha1"] == store.corpus.sentence_index["tiny-one-001"].text_sha1
    assert len(store.history()) == 2


def test_labels_survive_a_reload_and_latest_row_wins(store):
    store.save("tiny-one", "tiny-one-002", techniques=["direct-quotation"], note="first")
    store.save("tiny-one", "tiny-one-002", techniques=[], note="changed my mind")
    store.save("tiny-one", "tiny-one-002", stance="against", target="keir-starmer")
    again = reopen(store)
    assert again.problems == []
    technique_row = again.current("tiny-one", "tiny-one-002")
    assert technique_row["techniques"] == ""  # looked, no technique
    assert technique_row["note"] == "changed my mind"
    assert again.current("tiny-one", "tiny-one-002", "keir-starmer")["stance"] == "against"
    assert again.current("tiny-one", "tiny-one-003") is None  # never looked at


def test_techniques_and_stance_in_one_save_write_two_rows_with_default_target(store):
    rows = store.save("tiny-two", "tiny-two-001", techniques=["appeal-to-fear"], stance="none")
    assert [r["target"] for r in rows] == ["", "keir-starmer"]
    assert len(store.path.read_text(encoding="utf-8").splitlines()) == 3


def test_pound_sign_and_curly_quotes_survive_as_utf8(store):
    note = "“£600 million” isn’t small — it’s ‘huge’"
    store.save("tiny-one", "tiny-one-001", techniques=[], note=note)
    assert note.encode("utf-8") in store.path.read_bytes()
    assert reopen(store).current("tiny-one", "tiny-one-001")["note"] == note


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"article_id": "nope", "sentence_id": "x", "techniques": []}, "unknown article 'nope'"),
        (
            {"article_id": "tiny-one", "sentence_id": "tiny-one-099", "techniques": []},
            "unknown sentence 'tiny-one-099'",
        ),
        (
            {"article_id": "tiny-one", "sentence_id": "tiny-one-001", "techniques": ["smear"]},
            "unknown technique 'smear'",
        ),
        (
            {
                "article_id": "tiny-one",
                "sentence_id": "tiny-one-001",
                "techniques": "loaded-language",
            },
            "list of ids",
        ),
        (
            {"article_id": "tiny-one", "sentence_id": "tiny-one-001", "stance": "pro"},
            "unknown stance 'pro'",
        ),
        (
            {
                "article_id": "tiny-one",
                "sentence_id": "tiny-one-001",
                "stance": "favor",
                "target": "boris",
            },
            "unknown target 'boris'",
        ),
        (
            {
                "article_id": "tiny-one",
                "sentence_id": "tiny-one-001",
                "techniques": [],
                "confidence": "sure",
            },
            "unknown confidence 'sure'",
        ),
        (
            {
                "article_id": "tiny-one",
                "sentence_id": "tiny-one-001",
                "techniques": [],
                "note": "x" * 6000,
            },
            "at most 5000",
        ),
        ({"article_id": "tiny-one", "sentence_id": "tiny-one-001", "frame": "conflict"}, "summary"),
        (
            {"article_id": "tiny-one", "sentence_id": "summary", "frame": "fairy-tale"},
            "unknown frame",
        ),
        ({"article_id": "tiny-one", "sentence_id": "tiny-one-001"}, "nothing to save"),
    ],
)
def test_bad_values_are_refused_by_name_and_nothing_is_written(store, kwargs, message):
    article_id, sentence_id = kwargs.pop("article_id"), kwargs.pop("sentence_id")
    with pytest.raises(ValueError, match=message) as caught:
        store.save(article_id, sentence_id, **kwargs)
    assert "allowed" in str(caught.value) or message in str(caught.value)
    assert not store.path.exists()
    assert store.labels().empty


def test_summary_rows_hold_frame_and_overall_stance(store):
    store.save("tiny-one", "summary", frame="conflict", stance="against", target="issue")
    assert store.current("tiny-one", "summary")["frame"] == "conflict"
    assert store.current("tiny-one", "summary", "issue")["stance"] == "against"
    assert store.current("tiny-one", "summary", "issue")["text_sha1"] == ""


def test_undo_restores_the_previous_label_and_clears_a_first_label(store):
    store.save("tiny-one", "tiny-one-001", techniques=["loaded-language"])
    store.save("tiny-one", "tiny-one-001", techniques=["appeal-to-fear"])
    store.undo()
    assert store.current("tiny-one", "tiny-one-001")["techniques"] == "loaded-language"
    store.undo()
    assert store.current("tiny-one", "tiny-one-001") is None
    assert store.undo() is None and not store.can_undo
    history = store.history()
    assert len(history) == 4 and history.iloc[-1]["status"] == STATUS_CLEARED
    # the file agrees after a reload: cleared keys are not current labels
    assert reopen(store).labels().empty


def test_saved_at_is_strictly_increasing_even_when_the_clock_stalls(
    tmp_path, tiny_corpus, stub_codebook
):
    from datetime import UTC, datetime

    frozen = datetime(2026, 3, 1, tzinfo=UTC)
    store = LabelStore(
        tmp_path, "bob", corpus=tiny_corpus, codebook=stub_codebook, clock=lambda: frozen
    )
    for _ in range(3):
        store.save("tiny-one", "tiny-one-001", techniques=[])
    stamps = list(store.history()["saved_at"])
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_a_torn_last_line_is_set_aside_and_reported_and_the_next_save_starts_clean(store):
    store.save("tiny-one", "tiny-one-001", techniques=["loaded-language"])
    with open(store.path, "a", encoding="utf-8") as handle:
        handle.write('alice,tiny-one,tiny-one-002,,appeal-to-fear,,,"half a no')  # killed
    again = reopen(store)
    assert len(again.labels()) == 1
    assert any("torn" in p and "line 3" in p for p in again.problems)
    again.save("tiny-one", "tiny-one-003", techniques=["direct-quotation"])
    third = reopen(again)
    assert set(third.labels()["sentence_id"]) == {"tiny-one-001", "tiny-one-003"}
    rows, problems = read_label_file(third.path)
    assert len(rows) == 2 and len(problems) == 1 and "set aside" in problems[0]


def test_a_torn_line_without_quotes_is_closed_by_the_next_save(store):
    store.save("tiny-one", "tiny-one-001", techniques=[])
    with open(store.path, "a", encoding="utf-8") as handle:
        handle.write("alice,tiny-one,tiny-one-00")
    store.save("tiny-one", "tiny-one-002", techniques=[])  # same store: it catches up first
    rows, problems = read_label_file(store.path)
    assert list(rows["sentence_id"]) == ["tiny-one-001", "tiny-one-002"]
    assert len(problems) == 1


def test_a_failed_write_keeps_the_label_in_memory_and_writes_it_later(
    tmp_path, tiny_corpus, stub_codebook
):
    blocked = tmp_path / "ann"
    blocked.write_text("a file where the folder should be")
    store = LabelStore(blocked, "carol", corpus=tiny_corpus, codebook=stub_codebook)
    with pytest.raises(SaveError, match="could not save"):
        store.save("tiny-one", "tiny-one-001", techniques=["loaded-language"])
    assert store.current("tiny-one", "tiny-one-001")["techniques"] == "loaded-language"
    assert store.last_error
    blocked.unlink()
    store.save("tiny-one", "tiny-one-002", techniques=[])
    assert store.last_error is None
    assert set(reopen(store).labels()["sentence_id"]) == {"tiny-one-001", "tiny-one-002"}


def test_refresh_picks_up_rows_another_tab_wrote(store):
    other = reopen(store)
    other.save("tiny-two", "tiny-two-002", techniques=["appeal-to-fear"])
    assert store.current("tiny-two", "tiny-two-002") is None
    store.refresh()
    assert store.current("tiny-two", "tiny-two-002")["techniques"] == "appeal-to-fear"


def test_defaults_come_from_the_environment(monkeypatch, tmp_path, tiny_corpus, stub_codebook):
    monkeypatch.setenv("RHETORIC_LAB_DIR", str(tmp_path / "env-dir"))
    monkeypatch.setenv("RHETORIC_LAB_LEARNER", "dana")
    store = LabelStore(corpus=tiny_corpus, codebook=stub_codebook)
    assert store.path == tmp_path / "env-dir" / "dana.csv"


@pytest.mark.parametrize("learner", ["../evil", "a/b", "tab\there", "x" * 65, "", ".hidden"])
def test_unsafe_learner_ids_are_refused(tmp_path, tiny_corpus, stub_codebook, learner):
    with pytest.raises(ValueError, match="learner id"):
        LabelStore(tmp_path / "ann", learner, corpus=tiny_corpus, codebook=stub_codebook)
    assert not (tmp_path / "ann").exists()


notes = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=200,
)
tag_sets = st.sets(st.sampled_from(StubCodebook().technique_ids))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    saves=st.lists(
        st.tuples(
            st.sampled_from(["tiny-one-001", "tiny-one-002", "tiny-one-003"]), tag_sets, notes
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_notes_and_tag_sets_round_trip_through_the_file(tmp_path_factory, saves):
    folder = tmp_path_factory.mktemp("round")
    corpus = write_tiny_corpus(folder / "data")
    store = LabelStore(
        folder / "ann", "erin", corpus=corpus, codebook=StubCodebook(), clock=TickingClock()
    )
    expected = {}
    for sentence_id, tags, note in saves:
        store.save("tiny-one", sentence_id, techniques=tags, note=note)
        expected[sentence_id] = (";".join(sorted(tags)), note)
    again = LabelStore(folder / "ann", "erin", corpus=corpus, codebook=StubCodebook())
    assert again.problems == []
    got = {
        sid: (again.current("tiny-one", sid)["techniques"], again.current("tiny-one", sid)["note"])
        for sid in expected
    }
    assert got == expected
    rows, problems = read_label_file(store.path)
    assert problems == [] and len(rows) == len(saves)


def _writer(folder: str, data: str, tag: str, count: int) -> None:
    corpus = write_tiny_corpus(__import__("pathlib").Path(data))
    store = LabelStore(folder, "shared", corpus=corpus, codebook=StubCodebook())
    for i in range(count):
        store.save(
            "tiny-one",
            f"tiny-one-00{1 + i % 3}",
            techniques=[],
            note=f'{tag}-{i}\nsecond line, with "quotes"',
        )


def test_two_processes_saving_for_the_same_learner_never_interleave(tmp_path):
    context = multiprocessing.get_context("spawn")
    count = 150
    workers = [
        context.Process(
            target=_writer, args=(str(tmp_path / "ann"), str(tmp_path / f"data{tag}"), tag, count)
        )
        for tag in string.ascii_uppercase[:2]
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    rows, problems = read_label_file(tmp_path / "ann" / "shared.csv")
    assert problems == []
    notes_written = sorted(rows["note"])
    assert notes_written == sorted(
        f'{tag}-{i}\nsecond line, with "quotes"' for tag in "AB" for i in range(count)
    )
    assert not any(name.endswith(".tmp") for name in os.listdir(tmp_path / "ann"))


def test_a_file_in_another_column_order_is_read_and_appended_by_name(
    tmp_path, tiny_corpus, stub_codebook, clock
):
    """Are columns found by the header's names, never by position (format can grow)?"""
    folder = tmp_path / "ann"
    folder.mkdir()
    order = list(reversed(LABEL_COLUMNS))
    first = LabelStore(folder, "alice", corpus=tiny_corpus, codebook=stub_codebook, clock=clock)
    first.save("tiny-one", "tiny-one-001", techniques=["loaded-language"])
    frame, _ = read_label_file(first.path)
    frame[order].to_csv(first.path, index=False)  # the same rows, columns reversed
    again = LabelStore(folder, "alice", corpus=tiny_corpus, codebook=stub_codebook, clock=clock)
    assert again.problems == []
    assert again.current("tiny-one", "tiny-one-001")["techniques"] == "loaded-language"
    again.save("tiny-one", "tiny-one-002", techniques=["appeal-to-fear"])
    reread, problems = read_label_file(first.path)
    assert problems == []
    assert reread["techniques"].tolist() == ["loaded-language", "appeal-to-fear"]
    assert first.path.read_text(encoding="utf-8").splitlines()[0] == ",".join(order)


def test_a_version_1_file_reads_unchanged(tmp_path):
    """Is a file written in format version 1 (today's thirteen columns) still read?"""
    from widgets.schema import FORMAT_VERSION, OPTIONAL_COLUMNS

    assert FORMAT_VERSION >= 1
    path = tmp_path / "old.csv"
    values = {c: "" for c in LABEL_COLUMNS}
    values.update(
        learner="alice", article_id="a", sentence_id="a-001", status="set",
        saved_at="2026-01-01T10:00:00+00:00", techniques="loaded-language",
    )  # fmt: skip
    path.write_text(
        ",".join(LABEL_COLUMNS) + "\n" + ",".join(values[c] for c in LABEL_COLUMNS) + "\n",
        encoding="utf-8",
    )
    frame, problems = read_label_file(path)
    assert problems == []
    assert frame.loc[0, "techniques"] == "loaded-language"
    assert all(frame[c].eq("").all() for c in OPTIONAL_COLUMNS)
