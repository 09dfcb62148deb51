"""Pseudonyms: stable with one salt, different with another, unique within a class."""

from __future__ import annotations

import re

from widgets.present.pseudonyms import SALT_ENV, SALT_FILE, pseudonym, pseudonym_map, resolve_salt


def test_same_salt_same_pseudonym_and_key_keeps_its_name():
    """Is a pseudonym stable for one salt, different for another, and is "key" kept?"""
    assert pseudonym("ann", "s1") == pseudonym("ann", "s1")
    assert pseudonym("ann", "s1") != pseudonym("ann", "s2")
    assert re.fullmatch(r"learner-[0-9a-f]{4}", pseudonym("ann", "s1"))
    assert pseudonym("key", "s1") == "key"


def test_pseudonyms_are_unique_in_a_large_class():
    """With 5,000 learners four hex digits clash; are only the clashing ids lengthened?"""
    ids = [f"student-{n:05d}" for n in range(5000)]
    names = pseudonym_map([*ids, "key"], "salt")
    assert names["key"] == "key"
    assert len(set(names.values())) == len(ids) + 1
    lengths = {len(name) for learner, name in names.items() if learner != "key"}
    assert min(lengths) == len("learner-") + 4 and max(lengths) > len("learner-") + 4
    short = [n for learner, n in names.items() if learner != "key" and len(n) == 12]
    assert short and all(n == pseudonym(who, "salt") for who, n in names.items() if n in short)


def test_salt_is_created_once_and_reused(tmp_path, monkeypatch):
    """Is a salt written to the class folder once, and do --salt and the env win over it?"""
    monkeypatch.delenv(SALT_ENV, raising=False)
    first = resolve_salt(None, tmp_path)
    assert (tmp_path / SALT_FILE).read_text(encoding="utf-8").strip() == first
    assert resolve_salt(None, tmp_path) == first
    monkeypatch.setenv(SALT_ENV, "from-env")
    assert resolve_salt(None, tmp_path) == "from-env"
    assert resolve_salt("given", tmp_path) == "given"
