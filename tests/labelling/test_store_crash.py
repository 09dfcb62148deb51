"""Hardening: do labels survive SIGKILL at random moments, and a full disk?"""

from __future__ import annotations

import errno
import multiprocessing
import os
import random
import signal
import time

import pytest

from widgets.labelling.store import LabelStore, SaveError, read_label_file

from ..conftest import StubCodebook, write_tiny_corpus

SENTENCES = ["tiny-one-001", "tiny-one-002", "tiny-one-003"]


def _save_forever(directory, data, round_number, acks):
    """Child: save in a loop and acknowledge each save once it has returned."""
    corpus = write_tiny_corpus(data)
    store = LabelStore(directory, "crash", corpus=corpus, codebook=StubCodebook())
    count = 0
    while True:
        note = f"round {round_number} save {count}: “£” and a\nnewline"
        store.save("tiny-one", SENTENCES[count % 3], techniques=["loaded-language"], note=note)
        acks.send(count)
        count += 1


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_at_most_the_in_flight_label(tmp_path):
    context = multiprocessing.get_context("fork")
    rng = random.Random(20261121)
    directory, data = tmp_path / "ann", tmp_path / "data"
    acknowledged: list[str] = []
    for round_number in range(100):
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_save_forever, args=(directory, data, round_number, send))
        child.start()
        send.close()
        # wait until the child is saving, then kill it at a random moment
        assert receive.poll(20), "the child never saved"
        time.sleep(rng.uniform(0, 0.02))
        os.kill(child.pid, signal.SIGKILL)
        child.join()
        last = -1
        while True:
            try:
                last = receive.recv()
            except EOFError:
                break
        acknowledged += [
            f"round {round_number} save {i}: “£” and a\nnewline" for i in range(last + 1)
        ]
        rows, problems = read_label_file(directory / "crash.csv")  # always loads
        notes = list(rows["note"])
        assert set(acknowledged) <= set(notes), "an acknowledged save was lost"
        in_flight = [
            n for n in notes if n.startswith(f"round {round_number} ") and n not in acknowledged
        ]
        assert len(in_flight) <= 1
        assert len(problems) <= 1  # at most the one torn in-flight line, set aside
    final = LabelStore(directory, "crash", corpus=write_tiny_corpus(data), codebook=StubCodebook())
    assert len(final.history()) >= len(acknowledged) and len(acknowledged) > 100


def test_a_full_disk_is_reported_and_loses_nothing_already_saved(
    tmp_path, tiny_corpus, stub_codebook, monkeypatch
):
    store = LabelStore(tmp_path / "ann", "full", corpus=tiny_corpus, codebook=stub_codebook)
    store.save("tiny-one", "tiny-one-001", techniques=["loaded-language"])
    saved = store.path.read_bytes()

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("widgets.labelling.store.os.write", disk_full)
    with pytest.raises(SaveError, match="No space left on device"):
        store.save("tiny-one", "tiny-one-002", techniques=[])
    assert store.current("tiny-one", "tiny-one-002") is not None  # kept in memory
    assert "No space left" in store.last_error
    assert store.path.read_bytes() == saved  # nothing saved before is touched
    monkeypatch.undo()  # space is freed: the next save writes both labels
    store.save("tiny-one", "tiny-one-003", techniques=[])
    rows, problems = read_label_file(store.path)
    assert list(rows["sentence_id"]) == ["tiny-one-001", "tiny-one-002", "tiny-one-003"]
    assert problems == []


def test_a_short_write_is_an_error_not_a_silent_loss(
    tmp_path, tiny_corpus, stub_codebook, monkeypatch
):
    store = LabelStore(tmp_path / "ann", "short", corpus=tiny_corpus, codebook=stub_codebook)
    store.save("tiny-one", "tiny-one-003", techniques=[])
    real_write = os.write
    monkeypatch.setattr(
        "widgets.labelling.store.os.write", lambda fd, data: real_write(fd, data[:10])
    )
    with pytest.raises(SaveError, match="only 10 of"):
        store.save("tiny-one", "tiny-one-001", techniques=[])
    monkeypatch.undo()
    store.save("tiny-one", "tiny-one-002", techniques=[])
    again = LabelStore(store.directory, "short", corpus=tiny_corpus, codebook=stub_codebook)
    assert set(again.labels()["sentence_id"]) == {"tiny-one-001", "tiny-one-002", "tiny-one-003"}
    assert len(again.problems) == 1  # the 10 torn bytes, set aside and reported


def test_a_label_file_that_is_not_a_regular_file_is_refused(tmp_path, tiny_corpus, stub_codebook):
    (tmp_path / "ann" / "odd.csv").mkdir(parents=True)
    with pytest.raises(ValueError, match="not a regular file"):
        LabelStore(tmp_path / "ann", "odd", corpus=tiny_corpus, codebook=stub_codebook)
