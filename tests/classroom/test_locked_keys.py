"""Do locked keys open with the right code only, and say clearly what went wrong otherwise?"""

from __future__ import annotations

import base64
import json
import zipfile

import pytest

from widgets import paths
from widgets.classroom.codewords import CODE_WORDS
from widgets.classroom.locked_keys import (
    KeyLocked,
    UnlockError,
    available_key,
    codes_path,
    lock_keys,
    new_code,
    normalise_code,
    unlock,
    unlocked_key,
)
from widgets.classroom.release import release
from widgets.cli import main
from widgets.content.core_sets import core_sentence_ids
from widgets.labelling.store import LabelStore
from widgets.lesson.selfcheck import SelfCheck

from ..lesson.test_selfcheck import ARTICLE, copy_key, key_entries

OTHER = "starmer-defies-putin"


@pytest.fixture
def answers(tmp_path, corpus, codebook):
    """A made-up key for two articles (so a code can be for the other one)."""
    from widgets.content.answers import write_key

    folder = tmp_path / "answers"
    for article_id in (ARTICLE, OTHER):
        article = corpus.article(article_id)
        write_key(
            folder / "key" / f"{article_id}.csv", article, key_entries(article), codebook=codebook
        )
    return folder


@pytest.fixture
def locked(tmp_path, answers):
    return lock_keys(tmp_path / "class-keys", answers=answers)


@pytest.fixture
def learner_dir(tmp_path):
    return tmp_path / "ann"


def test_codes_are_four_code_words_new_for_every_run(tmp_path, answers):
    first = lock_keys(tmp_path / "a", answers=answers)
    second = lock_keys(tmp_path / "b", answers=answers)
    assert set(first.codes) == {ARTICLE, OTHER}
    for code in [*first.codes.values(), *second.codes.values()]:
        words = code.split()
        assert len(words) == 4 and all(w in CODE_WORDS for w in words)
    assert first.codes != second.codes and first.class_id != second.class_id
    assert len({new_code() for _ in range(50)}) == 50


def test_codes_file_is_beside_the_folder_never_inside_and_nothing_is_plain(locked, answers):
    out = locked.out
    assert locked.codes_file == out.parent / "class-keys-unlock-codes.txt"
    lines = locked.codes_file.read_text(encoding="utf-8").splitlines()
    assert f"{ARTICLE}: {locked.codes[ARTICLE]}" in lines
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{ARTICLE}.locked", f"{OTHER}.locked", "manifest.json"]
    )
    content = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    assert "rationale" not in content and "loaded-language" not in content
    assert not any(code in content for code in locked.codes.values())
    assert codes_path(out.parent / "bundle.zip").name == "bundle-unlock-codes.txt"


def test_the_right_code_unlocks_and_the_key_stays_for_the_learner(locked, learner_dir):
    code = locked.codes[ARTICLE]
    typed = "  " + code.upper().replace(" ", "-") + " "  # case and separators do not matter
    opened = unlock(ARTICLE, typed, keys_dir=locked.out, directory=learner_dir)
    assert set(opened.key["article_id"]) == {ARTICLE}
    assert opened.key["note"].str.contains("rationale").all()
    kept = unlocked_key(ARTICLE, learner_dir)
    assert kept is not None and kept.key.equals(opened.key)
    # No code needed again, even with the locked keys gone.
    for path in locked.out.iterdir():
        path.unlink()
    again = available_key(ARTICLE, answers=learner_dir / "none", directory=learner_dir)
    assert again.key.equals(opened.key)
    assert normalise_code(typed) == normalise_code(code)


def test_a_wrong_code_says_so_and_writes_nothing(locked, learner_dir):
    words = [w for w in CODE_WORDS if w not in locked.codes[ARTICLE].split()][:4]
    with pytest.raises(UnlockError, match="does not unlock the key") as error:
        unlock(ARTICLE, " ".join(words), keys_dir=locked.out, directory=learner_dir)
    assert "nothing was changed" in str(error.value)
    assert unlocked_key(ARTICLE, learner_dir) is None
    assert not (learner_dir / ".keys").exists()


def test_a_code_that_is_not_four_code_words_is_explained(locked, learner_dir):
    with pytest.raises(UnlockError, match="A code is 4 words"):
        unlock(ARTICLE, "apple river", keys_dir=locked.out, directory=learner_dir)
    with pytest.raises(UnlockError, match="“zzzz” is not one of the code words"):
        unlock(ARTICLE, "apple river stone zzzz", keys_dir=locked.out, directory=learner_dir)


def test_another_articles_code_names_that_article(locked, learner_dir):
    with pytest.raises(UnlockError, match=f"That code is for .*{OTHER}.*not for") as error:
        unlock(ARTICLE, locked.codes[OTHER], keys_dir=locked.out, directory=learner_dir)
    assert unlocked_key(ARTICLE, learner_dir) is None
    assert "Use it with " + OTHER in str(error.value)


def _edit(path, change):
    locked = json.loads(path.read_text(encoding="utf-8"))
    change(locked)
    path.write_text(json.dumps(locked), encoding="utf-8")


def _flip_ciphertext(locked):
    data = bytearray(base64.b64decode(locked["ciphertext"]))
    data[len(data) // 2] ^= 0x01
    locked["ciphertext"] = base64.b64encode(bytes(data)).decode()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_flip_ciphertext, id="one-bit-of-ciphertext"),
        pytest.param(lambda d: d.update(class_id="0" * 16), id="class-id-in-the-clear"),
    ],
)
def test_a_tampered_locked_key_is_reported_as_damaged(locked, learner_dir, change):
    path = locked.out / f"{ARTICLE}.locked"
    _edit(path, change)
    (locked.out / "manifest.json").unlink()  # (else the class id check speaks first)
    with pytest.raises(UnlockError, match="is damaged .*contents do not match its seal"):
        unlock(ARTICLE, locked.codes[ARTICLE], keys_dir=locked.out, directory=learner_dir)
    assert unlocked_key(ARTICLE, learner_dir) is None


def test_a_truncated_or_garbled_locked_key_is_reported_as_damaged(locked, learner_dir):
    path = locked.out / f"{ARTICLE}.locked"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(UnlockError, match="is damaged \\(not complete JSON\\).*fresh copy"):
        unlock(ARTICLE, locked.codes[ARTICLE], keys_dir=locked.out, directory=learner_dir)
    _edit_path = locked.out / f"{OTHER}.locked"
    _edit(_edit_path, lambda d: d.update(ciphertext=d["ciphertext"][:8]))
    with pytest.raises(UnlockError, match="is damaged"):
        unlock(OTHER, locked.codes[OTHER], keys_dir=locked.out, directory=learner_dir)


def test_a_key_from_another_class_is_named_as_such(tmp_path, answers, learner_dir):
    ours = lock_keys(tmp_path / "ours", answers=answers)
    theirs = lock_keys(tmp_path / "theirs", answers=answers)
    # A learner copies another class's locked key into their class's folder.
    (ours.out / f"{ARTICLE}.locked").write_bytes((theirs.out / f"{ARTICLE}.locked").read_bytes())
    with pytest.raises(UnlockError, match="made for another class"):
        unlock(ARTICLE, ours.codes[ARTICLE], keys_dir=ours.out, directory=learner_dir)
    with pytest.raises(UnlockError, match="made for another class"):
        unlock(ARTICLE, theirs.codes[ARTICLE], keys_dir=ours.out, directory=learner_dir)


def test_no_locked_key_anywhere_says_where_it_looked(tmp_path, learner_dir):
    with pytest.raises(UnlockError, match="No locked key for article"):
        unlock(ARTICLE, "apple river stone lamp", keys_dir=tmp_path, directory=learner_dir)


def test_keys_are_found_through_rhetoric_lab_keys_and_beside_the_lessons(
    tmp_path, locked, learner_dir, monkeypatch
):
    monkeypatch.setenv("RHETORIC_LAB_KEYS", str(locked.out))
    assert locked.out in paths.locked_keys_dirs()
    unlock(ARTICLE, locked.codes[ARTICLE], directory=learner_dir)
    monkeypatch.delenv("RHETORIC_LAB_KEYS")
    course = tmp_path / "course"
    (course / "lessons").mkdir(parents=True)
    locked.out.rename(course / "keys")
    monkeypatch.chdir(course / "lessons")  # a notebook runs in lessons/
    assert (course / "keys").resolve() in [p.resolve() for p in paths.locked_keys_dirs()]
    unlock(OTHER, locked.codes[OTHER], directory=learner_dir)


def test_keys_lock_and_unlock_commands(tmp_path, answers, capsys):
    out = tmp_path / "k"
    assert main(["keys", "lock", "--out", str(out), "--answers", str(answers)]) == 0
    printed = capsys.readouterr().out
    codes = dict(
        line.split(": ", 1)
        for line in (tmp_path / "k-unlock-codes.txt").read_text().splitlines()
        if not line.startswith("#")
    )
    assert f"{ARTICLE}: {codes[ARTICLE]}" in printed
    assert main(["keys", "lock", "--out", str(out), "--answers", str(answers)]) == 2
    assert "already holds files" in capsys.readouterr().err
    learner = tmp_path / "ann"
    assert main(["unlock", ARTICLE, "apple", "apple", "apple", "apple", "--keys", str(out),
                 "--dir", str(learner)]) == 1  # fmt: skip
    assert "does not unlock" in capsys.readouterr().err
    assert main(["unlock", ARTICLE, *codes[ARTICLE].split(), "--keys", str(out),
                 "--dir", str(learner)]) == 0  # fmt: skip
    assert "unlocked the key" in capsys.readouterr().out
    assert unlocked_key(ARTICLE, learner) is not None


# -- in the self-check --------------------------------------------------------------------


@pytest.fixture
def store(learner_dir, corpus, codebook):
    return LabelStore(learner_dir, "alice", corpus=corpus, codebook=codebook)


def test_the_self_check_asks_for_the_code_and_unlocks(tmp_path, locked, store, corpus):
    article = corpus.article(ARTICLE)
    copy_key(store, article, skip={2})
    check = SelfCheck(ARTICLE, store=store, answers=tmp_path / "none", keys=locked.out)
    assert "locked" in check.message.value and check.unlock_row.layout.display is None
    assert check.result is None and check.sentence_row.layout.display == "none"
    check.code_box.value = locked.codes[OTHER]
    check.unlock_button.click()
    assert "That code is for" in check.message.value and "role='alert'" in check.message.value
    check.code_box.value = locked.codes[ARTICLE]
    check.unlock_button.click()
    assert check.unlock_row.layout.display == "none" and check.code_box.value == ""
    assert "Label 1 more sentence first" in check.message.value
    # Restarted: the key is still unlocked, no code needed.
    again = SelfCheck(ARTICLE, store=store, answers=tmp_path / "none", keys=locked.out)
    assert again.unlock_row.layout.display == "none"
    assert again.sentence_row.layout.display is None


def test_check_as_you_go_shows_one_sentence_and_records_the_reveal(tmp_path, locked, store, corpus):
    article = corpus.article(ARTICLE)
    first, second = article.sentences[0].sentence_id, article.sentences[1].sentence_id
    store.save(ARTICLE, first, techniques=["appeal-to-fear"])
    store.save(ARTICLE, second, techniques=["direct-quotation"])
    unlock(ARTICLE, locked.codes[ARTICLE], keys_dir=locked.out, directory=store.directory)
    check = SelfCheck(ARTICLE, store=store, answers=tmp_path / "none", keys=locked.out)
    # The picker offers the sentence labelled last first.
    assert check.sentence_picker.value == second
    assert check.store.reveals() == []
    shown = check.check_sentence(first)
    page = check.sentence_output.value
    assert shown.sentence_id == first and shown.techniques_agree is False
    assert "rationale &lt;b&gt;1&lt;/b&gt; &amp; why" in page  # this sentence's, escaped
    assert "rationale &lt;b&gt;2" not in page  # and no other sentence's
    assert [(r["sentence_id"], r["status"]) for r in store.reveals()] == [(first, "revealed")]
    # Not labelled yet: no key shown, no reveal.
    assert check.check_sentence(article.sentences[5].sentence_id) is None
    assert len(store.reveals()) == 1
    # Reveal rows are in the file, and are not labels.
    fresh = LabelStore(store.directory, "alice", corpus=store.corpus, codebook=store.codebook)
    assert len(fresh.reveals(ARTICLE)) == 1 and len(fresh.labels(ARTICLE)) == 2
    check.reveal_button.click()
    assert [r["sentence_id"] for r in store.reveals()] == [first, "*"]
    assert check.result is not None


def test_a_self_study_bundle_unlocks_once_the_article_is_labelled(
    tmp_path, answers, store, corpus, monkeypatch
):
    """With no core set listed (a kit without data/core-sets.yml), the whole article."""
    monkeypatch.setenv("RHETORIC_LAB_DATA", str(tmp_path / "no-core-sets"))
    keys = lock_keys(tmp_path / "keys", answers=answers, self_study=True)
    assert keys.codes_file is None and not (tmp_path / "keys-unlock-codes.txt").exists()
    article = corpus.article(ARTICLE)
    copy_key(store, article, skip={0, 1})
    check = SelfCheck(ARTICLE, store=store, answers=tmp_path / "none", keys=keys.out)
    assert "unlocks by itself" in check.message.value and "Label 2 more" in check.message.value
    assert check.unlock_row.layout.display == "none" and check.result is None
    copy_key(store, article)
    check.refresh_button.click()
    assert check.result is not None and check.result.n_agree == len(article.sentences)


def test_a_self_study_key_unlocks_once_the_core_set_is_labelled(
    tmp_path, answers, store, corpus, monkeypatch
):
    article = corpus.article(ARTICLE)
    core = set(core_sentence_ids(ARTICLE, corpus=corpus))  # the kit's own core set
    outside = {i for i, s in enumerate(article.sentences) if s.sentence_id not in core}
    assert outside
    keys = lock_keys(tmp_path / "keys", answers=answers, self_study=True)
    copy_key(store, article, skip=outside)
    check = SelfCheck(ARTICLE, store=store, answers=tmp_path / "none", keys=keys.out)
    assert check._key is not None and check.sentence_row.layout.display is None


def test_the_release_bundle_carries_locked_keys_and_the_codes_sit_beside_it(tmp_path, capsys):
    out = tmp_path / "class.zip"
    assert main(["release", str(out)]) == 0
    printed = capsys.readouterr().out
    codes_file = tmp_path / "class-unlock-codes.txt"
    codes = dict(
        line.split(": ", 1)
        for line in codes_file.read_text().splitlines()
        if not line.startswith("#")
    )
    assert set(codes) == set(json.loads(
        zipfile.ZipFile(out).read("rhetoric-lab/keys/manifest.json"))["articles"])  # fmt: skip
    assert all(f"{a}: {c}" in printed for a, c in codes.items())
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert not any("unlock-codes" in n for n in names)
        bundle = tmp_path / "bundle"
        archive.extractall(bundle)
    article_id = next(iter(codes))
    opened = unlock(article_id, codes[article_id], keys_dir=bundle / "rhetoric-lab" / "keys",
                    directory=tmp_path / "ann")  # fmt: skip
    assert len(opened.key) > 0
    self_study = release(tmp_path / "self", self_study=True)
    assert self_study.locked.self_study and not (tmp_path / "self-unlock-codes.txt").exists()


def test_without_keys_or_answers_the_key_is_with_the_instructor(tmp_path, learner_dir):
    with pytest.raises(KeyLocked, match="with your instructor") as error:
        available_key(ARTICLE, answers=tmp_path / "none", directory=learner_dir, keys_dir=tmp_path)
    assert error.value.locked is None


def test_a_read_only_shared_keys_folder_on_a_hub_works(tmp_path, locked, monkeypatch):
    """On a hub the keys folder is shared and read-only: unlocking writes only to the
    learner's own folder."""
    import os
    import stat

    for path in [*locked.out.iterdir(), locked.out]:
        path.chmod(
            stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXUSR if path.is_dir() else 0)
        )
    try:
        monkeypatch.setenv("RHETORIC_LAB_KEYS", str(locked.out))
        learner = tmp_path / "home" / "ann"
        opened = unlock(ARTICLE, locked.codes[ARTICLE], directory=learner)
        assert len(opened.key) and (learner / ".keys" / f"{ARTICLE}.json").exists()
        assert sorted(os.listdir(locked.out)) == sorted(
            [f"{ARTICLE}.locked", f"{OTHER}.locked", "manifest.json"]
        )
    finally:
        for path in [locked.out, *locked.out.iterdir()]:
            path.chmod(0o755)
