"""Stable, salted pseudonyms for learner ids in charts and reports.

A report is often projected in class or shared with colleagues, so learner ids are
replaced by ``learner-3f9a``: the start of HMAC-SHA256(salt, id). The salt is a secret
kept next to the class's files, so the same learner keeps the same pseudonym from one
report to the next, and nobody without the salt can test a guessed id against it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "SALT_ENV",
    "SALT_FILE",
    "PSEUDONYM_PREFIX",
    "KEEP_AS_IS",
    "resolve_salt",
    "pseudonym",
    "pseudonym_map",
]

#: Environment variable that may hold the salt.
SALT_ENV = "RHETORIC_LAB_SALT"
#: File (in the class folder) that keeps the salt between reports.
SALT_FILE = ".rhetoric-lab-salt"
PSEUDONYM_PREFIX = "learner-"
#: Ids that are not people and are shown as they are.
KEEP_AS_IS = frozenset({"key"})
#: Hex digits shown; more are used only where two ids of one class would clash.
_MIN_DIGITS = 4


def resolve_salt(salt: str | None = None, folder: str | os.PathLike | None = None) -> str:
    """The salt: ``salt``, else ``$RHETORIC_LAB_SALT``, else ``<folder>/.rhetoric-lab-salt``.

    Parameters
    ----------
    salt : str, optional
        Given explicitly (``--salt``).
    folder : path, optional
        The class folder. If no salt is given and the file does not exist yet, a random
        salt is created and written there so later reports use the same pseudonyms.
        Without a folder a fresh random salt is returned (pseudonyms then change per run).

    Returns
    -------
    str
    """
    if salt:
        return salt
    env = os.environ.get(SALT_ENV)
    if env:
        return env
    if folder is None:
        return secrets.token_hex(16)
    path = Path(folder) / SALT_FILE
    try:
        stored = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        stored = ""
    if stored:
        return stored
    value = secrets.token_hex(16)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(value + "\n", encoding="utf-8")
    return value


def _digest(learner: str, salt: str) -> str:
    return hmac.new(salt.encode("utf-8"), learner.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonym(learner: str, salt: str, *, digits: int = _MIN_DIGITS) -> str:
    """``learner-`` and the first ``digits`` hex digits of HMAC-SHA256(salt, learner).

    The answer key (``"key"``) keeps its name.
    """
    if learner in KEEP_AS_IS:
        return learner
    return PSEUDONYM_PREFIX + _digest(learner, salt)[:digits]


def pseudonym_map(learners: Iterable[str], salt: str) -> dict[str, str]:
    """A pseudonym for each distinct id, unique within the class.

    Four hex digits are shown; where two ids of this class share them, those ids (and
    only those) get as many more digits as it takes to tell them apart.

    Returns
    -------
    dict
        ``{learner id: pseudonym}``.
    """
    ids = sorted({str(learner) for learner in learners})
    digests = {learner: _digest(learner, salt) for learner in ids if learner not in KEEP_AS_IS}
    result = {learner: learner for learner in ids if learner in KEEP_AS_IS}
    digits = _MIN_DIGITS
    pending = dict(digests)
    while pending:
        groups: dict[str, list[str]] = {}
        for learner, digest in pending.items():
            groups.setdefault(digest[:digits], []).append(learner)
        pending = {}
        for prefix, members in groups.items():
            if len(members) == 1 or digits >= 64:
                for learner in members:
                    result[learner] = PSEUDONYM_PREFIX + prefix
            else:
                pending.update({learner: digests[learner] for learner in members})
        digits += 1
    return result
