"""Can a learner id ever become a path outside the annotation folder? (It must not.)

A learner id turns into a file name (``<annotation dir>/<learner>.csv``) in the label
store, arrives from an environment variable or the remembered ``.learner`` file, and is a
column in every file collect reads. Each route is tried with hostile ids, and the test
checks that nothing was created anywhere but the temporary folders.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from widgets import paths
from widgets.collect import collect
from widgets.labelling.store import LabelStore
from widgets.schema import LABEL_COLUMNS

HOSTILE_IDS = [
    "../x",
    "../../../../tmp/escaped",
    "/tmp/absolute",
    "..\\x",
    "C:\\Users\\x",
    "a\x00b",
    "a\nb",
    "\x1b[31mred",
    "x" * 65,
    "x" * 100_000,
    ".",
    "..",
    ".hidden",
    "a/b",
    "",
    "   ",
]
IDS = [repr(i)[:24] for i in HOSTILE_IDS]


def _snapshot(*folders: Path) -> dict[Path, set[str]]:
    """Names directly in each folder (where an escaped file would land)."""
    return {f: {p.name for p in f.iterdir()} if f.exists() else set() for f in folders}


@pytest.fixture
def watched(tmp_path, monkeypatch, tiny_corpus):  # corpus first: it writes tmp_path/data
    """Folders a path-traversal could write into: the annotation dir's parent and
    grandparent, /tmp, the current directory and the repo's annotations/."""
    annotations = tmp_path / "class" / "annotations"
    annotations.mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("RHETORIC_LAB_LEARNER", "JUPYTERHUB_USER", "RHETORIC_LAB_DIR"):
        monkeypatch.delenv(name, raising=False)
    folders = (
        annotations,
        annotations.parent,
        tmp_path,
        work,
        Path("/tmp"),
        paths.REPO_ROOT / "annotations",
        paths.REPO_ROOT,
    )
    before = _snapshot(*folders)
    yield annotations
    after = _snapshot(*folders)
    for folder in folders:
        if folder == paths.REPO_ROOT:
            # other helpers may create files in the repo meanwhile; ours would be *.csv
            added = {n for n in after[folder] - before[folder] if n.endswith((".csv", ".lock"))}
        elif folder == Path("/tmp"):
            added = {n for n in after[folder] - before[folder] if "escaped" in n or "absolute" in n}
        else:
            added = after[folder] - before[folder]
        assert not added, f"created in {folder}: {sorted(added)}"


@pytest.mark.parametrize("learner", HOSTILE_IDS, ids=IDS)
def test_store_refuses_hostile_ids(learner, watched, tiny_corpus, stub_codebook):
    """Does LabelStore refuse the id with a clear message before touching the disk?"""
    with pytest.raises(ValueError, match="learner id|no learner id") as error:
        LabelStore(watched, learner, corpus=tiny_corpus, codebook=stub_codebook)
    assert "Traceback" not in str(error.value)
    assert len(str(error.value)) < 300, "the message does not echo a 100,000-character id"


@pytest.mark.parametrize("learner", HOSTILE_IDS, ids=IDS)
def test_environment_and_remembered_ids_are_checked(
    learner, watched, monkeypatch, tiny_corpus, stub_codebook
):
    """Is an id from $RHETORIC_LAB_LEARNER, $JUPYTERHUB_USER or the .learner file checked
    the same way (the store then refuses to open)?"""
    if "\x00" in learner:
        pytest.raises(ValueError, monkeypatch.setenv, "RHETORIC_LAB_LEARNER", learner)
    elif learner.strip():
        for variable in ("RHETORIC_LAB_LEARNER", "JUPYTERHUB_USER"):
            monkeypatch.setenv(variable, learner)
            with pytest.raises(ValueError):
                LabelStore(watched, corpus=tiny_corpus, codebook=stub_codebook)
            monkeypatch.delenv(variable)
    (watched / paths.LEARNER_FILE).write_text(learner + "\n", encoding="utf-8")
    with pytest.raises(ValueError):
        LabelStore(watched, corpus=tiny_corpus, codebook=stub_codebook)
    (watched / paths.LEARNER_FILE).unlink()
    with pytest.raises(ValueError):
        paths.remember_learner(learner, watched)
    assert not (watched / paths.LEARNER_FILE).exists()


def test_a_good_id_stays_inside(watched, tiny_corpus, stub_codebook, clock):
    """The control: a normal id (with a space and an accent) writes exactly one file inside."""
    store = LabelStore(watched, "Zoë 12", corpus=tiny_corpus, codebook=stub_codebook, clock=clock)
    store.save("tiny-one", "tiny-one-001", techniques=["loaded-language"])
    assert store.path == watched / "Zoë 12.csv"
    assert store.path.resolve().parent == watched.resolve()
    assert {p.name for p in watched.iterdir()} <= {"Zoë 12.csv", "Zoë 12.csv.lock"}
    for name in {p.name for p in watched.iterdir()}:
        (watched / name).unlink()  # the fixture checks the folder is as it was


def test_collect_rejects_hostile_ids_and_writes_nothing(tmp_path, tiny_corpus, stub_codebook):
    """Does collect set aside every row with a hostile learner id (naming the row), keep
    the good row, and create no file from an id?"""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LABEL_COLUMNS)
    sha = tiny_corpus.sentence_index["tiny-one-001"].text_sha1
    ids = ["ana", *(i for i in HOSTILE_IDS if "\x00" not in i)]
    for second, learner in enumerate(ids):
        writer.writerow(
            [learner, "tiny-one", "tiny-one-001", "", "loaded-language", "", "", "", "", "set",
             f"2026-01-05T09:00:{second:02d}.000000+00:00", "test-1", sha]
        )  # fmt: skip
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "class.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = collect(
        [folder], corpus=tiny_corpus, codebook=stub_codebook, now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert result.labels["learner"].astype(str).tolist() == ["ana"]
    blank = sum(1 for i in ids if not i.strip())
    # a row whose learner is blank is no row at all only if every field is blank; here the
    # other fields are set, so each hostile id is one rejected row
    assert result.counts["rejected"] == len(ids) - 1, result.rejects.to_dict("records")
    assert blank >= 1
    assert (result.rejects["reason"].str.startswith("invalid learner id")).all()
    assert sorted(result.rejects["row"]) == list(range(3, len(ids) + 2))
    assert max(result.rejects["reason"].str.len()) < 400, "reasons stay readable"
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


WINDOWS_DEVICE_NAMES = ["CON", "nul", "Aux", "prn", "COM1", "lpt9"]


@pytest.mark.parametrize("learner", WINDOWS_DEVICE_NAMES)
def test_windows_device_names_refused(learner):
    """On Windows, ``nul.csv`` or ``CON.csv`` is a device, not a file: labels saved there
    vanish. Is such an id refused everywhere, so a class moving to Windows loses nothing?"""
    with pytest.raises(ValueError, match="learner id"):
        paths.validate_learner_id(learner)
