"""Does the simulated class look like a real one, in exactly the store's format?"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from widgets.classroom.simulate import (
    README_NAME,
    SIMULATED_PREFIX,
    learner_ids,
    pseudo_key,
    simulate_class,
    truth_labels,
)
from widgets.cli import main
from widgets.labelling.store import _format_rows, read_label_file
from widgets.schema import LABEL_COLUMNS, STANCES, STATUS_CLEARED


@pytest.fixture
def simulated(tmp_path, tiny_corpus, stub_codebook):
    return simulate_class(
        tmp_path / "class",
        learners=40,
        seed=7,
        corpus=tiny_corpus,
        codebook=stub_codebook,
        answers_dir=tmp_path / "no-answers",
    )


def test_same_seed_gives_identical_files(tmp_path, tiny_corpus, stub_codebook):
    """Is a simulated class reproducible from its seed, and different for another seed?"""
    runs = [
        simulate_class(
            tmp_path / name,
            learners=12,
            seed=seed,
            corpus=tiny_corpus,
            codebook=stub_codebook,
            answers_dir=tmp_path / "none",
        )
        for name, seed in (("a", 3), ("b", 3), ("c", 4))
    ]
    first, again, other = ([f.read_bytes() for f in r.files] for r in runs)
    assert first == again
    assert first != other


def test_files_read_back_without_problems(simulated):
    """Does every file load with the store's own reader, with nothing set aside?"""
    assert len(simulated.files) == 40
    total = 0
    for path in simulated.files:
        rows, problems = read_label_file(path)
        assert problems == []
        assert (rows["learner"] == path.stem).all()
        total += len(rows)
    assert total == simulated.rows


def test_lines_are_what_the_store_writes(simulated):
    """Is each line byte-for-byte what LabelStore would write for the same row?"""
    path = simulated.files[0]
    rows, _ = read_label_file(path)
    expected = ",".join(LABEL_COLUMNS) + "\n" + _format_rows(rows.to_dict("records"))
    assert path.read_text(encoding="utf-8") == expected


def test_marked_as_simulated(simulated):
    """Do the ids, file names and a README all say the data is simulated?"""
    assert all(p.name.startswith(SIMULATED_PREFIX) for p in simulated.files)
    assert "SIMULATED" in (simulated.directory / README_NAME).read_text(encoding="utf-8")
    assert learner_ids(3) == ["sim-0001", "sim-0002", "sim-0003"]
    assert learner_ids(12000)[-1] == "sim-12000"


def test_values_are_valid(simulated, tiny_corpus, stub_codebook):
    """Are techniques, stances, targets and hashes all valid for the corpus and codebook?"""
    rows = pd.concat([read_label_file(p)[0] for p in simulated.files], ignore_index=True)
    known = set(stub_codebook.technique_ids)
    used = {t for v in rows["techniques"] for t in v.split(";") if t}
    assert used and used <= known
    stance_rows = rows[(rows["target"] != "") & (rows["status"] == "set")]
    assert set(stance_rows["stance"]) <= set(STANCES)
    index = tiny_corpus.sentence_index
    sentence_rows = rows[rows["sentence_id"] != "summary"]
    assert all(
        index[s].text_sha1 == h
        for s, h in zip(sentence_rows["sentence_id"], sentence_rows["text_sha1"], strict=True)
    )
    for learner, group in rows.groupby("learner"):
        stamps = pd.to_datetime(group["saved_at"], format="ISO8601")
        assert stamps.is_monotonic_increasing, learner


def test_changed_minds_and_undo_present(simulated):
    """Do some learners save a key again with a different answer, and undo some labels?"""
    rows = pd.concat([read_label_file(p)[0] for p in simulated.files], ignore_index=True)
    key = ["learner", "article_id", "sentence_id", "target"]
    repeated = rows[rows.duplicated(key, keep=False)]
    assert len(repeated) > 0
    changed = repeated.groupby(key).apply(
        lambda g: g[["techniques", "stance", "status"]].drop_duplicates().shape[0] > 1
    )
    assert changed.sum() > 0
    assert (rows["status"] == STATUS_CLEARED).any()
    assert rows["note"].str.contains("\n").any() or rows["note"].str.contains(",").any()


def test_skills_spread(simulated):
    """Do learners differ in skill and coverage, so agreement has something to show?"""
    learners = simulated.learners
    assert learners["accuracy"].std() > 0.05
    assert learners["accuracy"].between(0, 1).all()
    assert learners["coverage"].min() < learners["coverage"].max()
    assert learners["revisits"].any() and not learners["revisits"].all()


def test_better_learners_agree_more_with_the_truth(tmp_path, tiny_corpus, stub_codebook):
    """Does a learner's drawn accuracy show up in how often they match the truth?"""
    result = simulate_class(
        tmp_path / "c",
        learners=200,
        seed=1,
        corpus=tiny_corpus,
        codebook=stub_codebook,
        answers_dir=tmp_path / "none",
    )
    truth = pseudo_key(tiny_corpus, stub_codebook).set_index(["sentence_id", "target"])
    matches = []
    for path in result.files:
        rows, _ = read_label_file(path)
        rows = rows[(rows["sentence_id"] != "summary") & (rows["status"] == "set")]
        rows = rows.drop_duplicates(["sentence_id", "target"], keep="first")
        expected = truth.loc[list(zip(rows["sentence_id"], rows["target"], strict=True))]
        same = np.where(
            rows["target"].to_numpy() == "",
            rows["techniques"].to_numpy() == expected["techniques"].to_numpy(),
            rows["stance"].to_numpy() == expected["stance"].to_numpy(),
        )
        matches.append(same.mean() if len(same) else np.nan)
    scores = pd.Series(matches)
    correlation = scores.corr(result.learners["accuracy"])
    assert correlation > 0.3


def test_truth_uses_the_answer_key_when_present(tmp_path, tiny_corpus, stub_codebook):
    """Is the answer key preferred over the pseudo-key, with gaps filled in?"""
    key = pseudo_key(tiny_corpus, stub_codebook)
    key.loc[key["target"] == "", "techniques"] = "appeal-to-fear"
    first_article = key[key["article_id"] == "tiny-one"]
    (tmp_path / "answers" / "key").mkdir(parents=True)
    first_article.to_csv(tmp_path / "answers" / "key" / "tiny-one.csv", index=False)
    truth, source = truth_labels(tiny_corpus, stub_codebook, tmp_path / "answers")
    assert source == "answer key"
    techniques = truth[(truth["target"] == "") & (truth["sentence_id"] != "summary")]
    one = techniques[techniques["article_id"] == "tiny-one"]["techniques"]
    assert (one == "appeal-to-fear").all()
    two = techniques[techniques["article_id"] == "tiny-two"]
    assert len(two) == 2  # filled in from the pseudo-key
    assert truth_labels(tiny_corpus, stub_codebook, tmp_path / "none")[1] == "pseudo-key"


def test_cli_writes_a_class(tmp_path):
    """Does `rhetoric-lab simulate` write the files (real corpus), and refuse bad counts?"""
    out = tmp_path / "sim"
    assert main(["simulate", "--learners", "5", "--out", str(out), "--seed", "2",
                 "--answers-dir", str(tmp_path / "none")]) == 0  # fmt: skip
    assert sorted(p.name for p in out.glob("sim-????.csv")) == [
        f"sim-000{i}.csv" for i in range(1, 6)
    ]
    assert len(list(out.glob("*.reflections.csv"))) == 5  # marked as simulated, too
    assert main(["simulate", "--learners", "0", "--out", str(out)]) == 2
    (tmp_path / "file").write_text("x")
    assert main(["simulate", "--learners", "1", "--out", str(tmp_path / "file")]) == 2
