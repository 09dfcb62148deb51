"""Are looks at the key recorded, kept apart from labels, and is the pre-reveal rule right?"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from widgets.analysis.reveals import pre_reveal_labels, reveal_mask, reveal_summary, without_reveals
from widgets.cli import main
from widgets.collect import collect, write_outputs
from widgets.labelling.store import LabelStore, read_label_file
from widgets.lesson import current_labels

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def _store(folder, learner, corpus, codebook, clock):
    return LabelStore(folder, learner, corpus=corpus, codebook=codebook, clock=clock)


@pytest.fixture
def tiny(tiny_corpus):
    article = tiny_corpus.article("tiny-one")
    return tiny_corpus, article, [s.sentence_id for s in article.sentences]


def _technique(frame, learner, sentence_id):
    row = frame[
        (frame["learner"].astype(str) == learner)
        & (frame["sentence_id"].astype(str) == sentence_id)
        & (frame["target"].astype(str) == "")
    ]
    return None if row.empty else str(row["techniques"].iloc[0])


def test_reveal_rows_are_appended_and_never_labels(tmp_path, tiny, stub_codebook, clock):
    corpus, article, (s1, s2, _s3) = tiny
    store = _store(tmp_path, "ann", corpus, stub_codebook, clock)
    store.save("tiny-one", s1, techniques=["loaded-language"])
    store.reveal("tiny-one", s1)
    store.reveal("tiny-one")  # "Reveal anyway": the whole article
    assert store.current("tiny-one", s1)["techniques"] == "loaded-language"
    assert len(store.labels("tiny-one")) == 1
    assert [r["sentence_id"] for r in store.reveals()] == [s1, "*"]
    history, problems = read_label_file(store.path)
    assert problems == [] and list(history["status"]) == ["set", "revealed", "revealed"]
    assert len(current_labels(history)) == 1
    # A restart reads them back the same way; undo does not take a look back.
    again = _store(tmp_path, "ann", corpus, stub_codebook, clock)
    assert len(again.reveals("tiny-one")) == 2 and len(again.labels()) == 1
    with pytest.raises(ValueError, match="unknown sentence"):
        store.reveal("tiny-one", "no-such-sentence")


def test_the_pre_reveal_rule(tmp_path, tiny, stub_codebook, clock):
    corpus, article, (s1, s2, s3) = tiny
    store = _store(tmp_path, "ann", corpus, stub_codebook, clock)
    store.save("tiny-one", s1, techniques=["loaded-language"])
    store.save("tiny-one", s1, techniques=["appeal-to-fear"])  # last before the look
    store.save("tiny-one", s2, techniques=["direct-quotation"])
    store.reveal("tiny-one", s1)
    store.save("tiny-one", s1, techniques=["direct-quotation"])  # copied after the look
    store.save("tiny-one", s2, techniques=[])  # s2 not looked at yet: still pre-reveal
    store.reveal("tiny-one")  # now every sentence is covered
    store.save("tiny-one", s3, techniques=["loaded-language"])  # first labelled after
    store.save("tiny-one", s2, techniques=["appeal-to-fear"])
    other = _store(tmp_path, "bob", corpus, stub_codebook, clock)
    other.save("tiny-one", s1, techniques=["loaded-language"])
    rows = collect([tmp_path], corpus=corpus, codebook=stub_codebook, now=NOW)
    assert rows.counts["revealed"] == 2
    assert _technique(rows.labels, "ann", s1) == "direct-quotation"  # current: as before
    pre = pre_reveal_labels(rows.labels, rows.history)
    assert _technique(pre, "ann", s1) == "appeal-to-fear"
    assert _technique(pre, "ann", s2) == ""  # its last label before the article reveal
    assert _technique(pre, "ann", s3) is None  # labelled only after seeing the key
    assert _technique(pre, "bob", s1) == "loaded-language"  # never looked: unchanged
    assert list(pre.columns) == list(rows.labels.columns)


def test_without_reveals_labels_and_history_pass_through_untouched(
    tmp_path, tiny, stub_codebook, clock
):
    corpus, article, (s1, *_rest) = tiny
    _store(tmp_path, "ann", corpus, stub_codebook, clock).save(
        "tiny-one", s1, techniques=["loaded-language"]
    )
    result = collect([tmp_path], corpus=corpus, codebook=stub_codebook, now=NOW)
    assert result.counts["revealed"] == 0
    assert pre_reveal_labels(result.labels, result.history) is result.labels
    assert without_reveals(result.history) is result.history
    assert reveal_summary(result.history, corpus).total == 0


def test_collect_counts_reveals_apart_and_keeps_its_accounting(tmp_path, tiny, stub_codebook):
    corpus, article, (s1, s2, _s3) = tiny
    sha = {s.sentence_id: s.text_sha1 for s in article.sentences}
    header = (
        "learner,article_id,sentence_id,target,techniques,stance,confidence,note,frame,"
        "status,saved_at,codebook_version,text_sha1\n"
    )
    rows = [
        f"ann,tiny-one,{s1},,loaded-language,,,,,set,2026-01-05T09:00:01+00:00,test-1,{sha[s1]}",
        f"ann,tiny-one,{s1},,,,,,,revealed,2026-01-05T09:00:02+00:00,test-1,{sha[s1]}",
        # the same reveal again (the file handed in twice): a duplicate
        f"ann,tiny-one,{s1},,,,,,,revealed,2026-01-05T09:00:02+00:00,test-1,{sha[s1]}",
        "ann,tiny-one,*,,,,,,,revealed,2026-01-05T09:00:03+00:00,test-1,",
        f"ann,tiny-one,{s2},,direct-quotation,,,,,set,2026-01-05T09:00:04+00:00,test-1,{sha[s2]}",
        # "*" is for reveals only
        "ann,tiny-one,*,,loaded-language,,,,,set,2026-01-05T09:00:05+00:00,test-1,",
        f"ann,tiny-one,{s1},,,,,,,peeked,2026-01-05T09:00:06+00:00,test-1,{sha[s1]}",
    ]
    (tmp_path / "ann.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    result = collect([tmp_path], corpus=corpus, codebook=stub_codebook, now=NOW)
    counts = result.counts
    assert counts["revealed"] == 2 and counts["duplicate"] == 1 and counts["kept"] == 2
    assert counts["superseded"] == 0 and counts["cleared"] == 0 and counts["rejected"] == 2
    assert counts["rows_read"] == sum(
        counts[k] for k in ("kept", "superseded", "cleared", "duplicate", "rejected", "revealed")
    )
    reasons = list(result.rejects["reason"])
    assert any("'*' on a label row" in r for r in reasons)
    assert any("unknown status: 'peeked'" in r for r in reasons)
    assert reveal_mask(result.history).sum() == 2
    assert set(result.labels["status"].astype(str)) == {"set"}
    summary = reveal_summary(result.history, corpus)
    assert summary.per_learner.to_dict("records") == [
        {"learner": "ann", "sentences": 1, "summaries": 0, "whole_articles": 1, "total": 2}
    ]
    # The whole-article reveal covers every sentence: each was seen by one learner.
    assert set(summary.per_sentence["sentence_id"]) == set(sha)
    assert set(summary.per_sentence["learners"]) == {1}


def test_collect_and_report_end_to_end_say_they_use_pre_reveal_labels(tmp_path, corpus, codebook):
    article = corpus.article("ceasefire-coalition-momentum")
    folder = tmp_path / "class"
    for learner in ("ann", "bob", "cat"):
        store = LabelStore(folder, learner, corpus=corpus, codebook=codebook)
        for sentence in article.sentences[:6]:
            store.save(article.article_id, sentence.sentence_id, techniques=["loaded-language"])
        if learner == "ann":
            store.reveal(article.article_id, article.sentences[0].sentence_id)
            store.save(article.article_id, article.sentences[0].sentence_id, techniques=[])
    result = collect([folder], corpus=corpus, codebook=codebook)
    out = tmp_path / "out" / "class.csv"
    write_outputs(result, out)
    report = tmp_path / "report.html"
    assert main(["report", str(out), "--out", str(report), "--salt", "s3cret"]) == 0
    page = report.read_text(encoding="utf-8")
    assert "pre-reveal labels" in page and 'id="reveals"' in page
    assert "Looks at the key" in page and ">ann<" not in page  # pseudonymised


def test_the_dashboard_from_class_csv_uses_pre_reveal_labels_and_says_so(
    tmp_path, corpus, codebook
):
    from widgets.present.dashboard import ClassDashboard

    article = corpus.article("ceasefire-coalition-momentum")
    folder = tmp_path / "class"
    first = article.sentences[0].sentence_id
    for learner in ("ann", "bob"):
        store = LabelStore(folder, learner, corpus=corpus, codebook=codebook)
        store.save(article.article_id, first, techniques=["loaded-language"])
    ann = LabelStore(folder, "ann", corpus=corpus, codebook=codebook)
    ann.reveal(article.article_id, first)
    ann.save(article.article_id, first, techniques=[])
    out = tmp_path / "out" / "class.csv"
    write_outputs(collect([folder], corpus=corpus, codebook=codebook), out)
    dashboard = ClassDashboard(class_csv=out, corpus=corpus, codebook=codebook)
    assert "pre-reveal labels" in dashboard.note
    assert _technique(dashboard.labels, "ann", first) == "loaded-language"
    (tmp_path / "out" / "class.history.csv").unlink()
    plain = ClassDashboard(class_csv=out, corpus=corpus, codebook=codebook)
    assert plain.note == "" and _technique(plain.labels, "ann", first) == ""
