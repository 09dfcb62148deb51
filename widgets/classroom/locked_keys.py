"""Answer keys locked per article, unlocked by a code the teacher reads out.

``rhetoric-lab keys lock --out DIR`` (and ``rhetoric-lab release``, for its bundle) writes
one ``<article_id>.locked`` file per article plus ``manifest.json`` into ``DIR``, and the
codes to ``DIR-unlock-codes.txt`` *beside* ``DIR`` (never inside, so copying the folder to
learners never copies the codes). Each code is four common words (:mod:`widgets.classroom.codewords`),
new for every run, so every class has its own.

A locked file is JSON: the article id and the run's ``class_id`` in the clear, the
``scrypt`` salt and parameters, a 16-byte code check and the AES-256-GCM ciphertext of the
article's key and contested readings. ``scrypt`` derives 48 bytes from the code: 32 are
the AES key, 16 the check, which tells a wrong code (check differs) from a file that was
edited or cut short (check matches, decryption fails). The article id and class id are
the cipher's associated data, so changing them is caught too.

Unlocking (:func:`unlock`) copies the decrypted key into the learner's annotation folder
(``.keys/<article_id>.json``, a hidden folder collect never reads), so the learner needs
the code once. :func:`available_key` is what the self-check reads: ``answers/`` when
present (a checkout, the instructor), else an unlocked key.

Self-study (``--self-study``): the manifest carries the codes, and :func:`self_study_unlock`
unlocks an article once the learner has labelled it (or its core set). Locking is friction
for a class, not secrecy: the public repository holds the answers.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import io
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from .. import paths
from .codewords import CODE_WORDS

__all__ = [
    "LOCKED_SUFFIX",
    "MANIFEST_NAME",
    "UNLOCKED_FOLDER",
    "SCRYPT_N",
    "UnlockError",
    "KeyLocked",
    "LockResult",
    "UnlockedKey",
    "new_code",
    "normalise_code",
    "codes_path",
    "write_codes_file",
    "lock_keys",
    "find_locked_key",
    "read_manifest",
    "unlock",
    "unlocked_key",
    "available_key",
    "self_study_unlock",
]

LOCKED_SUFFIX = ".locked"
MANIFEST_NAME = "manifest.json"
#: Hidden folder in the learner's annotation folder that keeps unlocked keys.
UNLOCKED_FOLDER = ".keys"
_FORMAT = "rhetoric-lab-locked-key"
_MANIFEST_FORMAT = "rhetoric-lab-locked-keys"
_VERSION = 1
#: scrypt cost: about 50 ms per try on a laptop; a guessed code costs as much.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_CODE_WORDS = 4
_WORD_SET = frozenset(CODE_WORDS)


class UnlockError(ValueError):
    """A code did not unlock a key, or a locked key cannot be read. ``str()`` says
    what happened and what to do, in words a learner can act on."""


class KeyLocked(FileNotFoundError):
    """The article's key is not available yet (no ``answers/``, not unlocked).

    ``locked`` is the locked file found (``None`` when there is none), ``self_study`` is
    true when the bundle unlocks keys without a code once the article is labelled."""

    def __init__(self, message: str, *, locked: Path | None, self_study: bool) -> None:
        super().__init__(message)
        self.locked = locked
        self.self_study = self_study


@dataclass(frozen=True)
class LockResult:
    """What :func:`lock_keys` wrote: ``codes`` is ``{article_id: code}``."""

    out: Path
    codes_file: Path | None
    class_id: str
    codes: dict[str, str] = field(default_factory=dict)
    self_study: bool = False


@dataclass(frozen=True)
class UnlockedKey:
    """An article's key and contested readings, as :mod:`widgets.content.answers` frames."""

    article_id: str
    key: pd.DataFrame = field(repr=False)
    contested: pd.DataFrame = field(repr=False)
    source: str = ""


# -- codes ---------------------------------------------------------------------------------


def new_code(rng: secrets.SystemRandom | None = None) -> str:
    """Four random words joined by spaces (from the OS's secure random source)."""
    chooser = rng or secrets.SystemRandom()
    return " ".join(chooser.choice(CODE_WORDS) for _ in range(_CODE_WORDS))


def normalise_code(code: str) -> str:
    """The code as the key is derived from it: lower-case words joined by ``-``.

    "Apple  river-Stone,lamp" and "apple river stone lamp" are the same code."""
    return "-".join(re.findall(r"[a-z]+", str(code).lower()))


def _check_words(code: str) -> str:
    words = normalise_code(code).split("-") if normalise_code(code) else []
    if len(words) != _CODE_WORDS:
        raise UnlockError(
            f"A code is {_CODE_WORDS} words (for example “apple river stone lamp”); "
            f"you typed {len(words)}. Check the code your teacher gave you."
        )
    unknown = [w for w in words if w not in _WORD_SET]
    if unknown:
        raise UnlockError(
            f"“{' '.join(unknown)}” is not one of the code words: check the spelling of "
            "the code your teacher gave you."
        )
    return "-".join(words)


def codes_path(out: str | os.PathLike) -> Path:
    """``DIR-unlock-codes.txt`` beside ``DIR`` (for ``x.zip``: ``x-unlock-codes.txt``)."""
    out = Path(out)
    stem = out.stem if out.suffix.lower() == ".zip" else out.name
    return out.parent / f"{stem}-unlock-codes.txt"


# -- crypto ----------------------------------------------------------------------------------


def _derive(code: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    material = Scrypt(salt=salt, length=48, n=n, r=r, p=p).derive(code.encode("utf-8"))
    return material[:32], material[32:]


def _associated(class_id: str, article_id: str) -> bytes:
    return f"{_FORMAT}/{_VERSION}/{class_id}/{article_id}".encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _lock_one(article_id: str, payload: dict, code: str, class_id: str) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    key, check = _derive(normalise_code(code), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    plaintext = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, _associated(class_id, article_id))
    return {
        "format": _FORMAT,
        "version": _VERSION,
        "article_id": article_id,
        "class_id": class_id,
        "kdf": {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
        "check": _b64(check),
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def _frame_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _read_csv_text(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def lock_keys(
    out: str | os.PathLike,
    *,
    answers: str | os.PathLike | None = None,
    self_study: bool = False,
    force: bool = False,
    codes_file: bool = True,
    now: datetime | None = None,
) -> LockResult:
    """Lock every article's key from ``answers/`` into ``out``.

    Parameters
    ----------
    out : path
        Folder to write (created; must be empty or absent unless ``force``).
    answers : path, optional
        The answers folder (default :func:`widgets.paths.answers_dir`).
    self_study : bool
        Put the codes in the manifest: the kit unlocks an article's key once the learner
        has labelled it, with no code (``release --self-study``).
    force : bool
        Replace the ``*.locked`` files and manifest in a folder that has them.
    codes_file : bool
        Write ``DIR-unlock-codes.txt`` beside ``out`` (not for self-study).

    Raises
    ------
    widgets.content.answers.AnswersMissing
        There is no key to lock.
    FileExistsError
        ``out`` holds files and ``force`` is not set.
    """
    from ..content.answers import load_contested, load_key

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise FileExistsError(f"{out} already holds files; choose a new folder or pass --force")
    key = load_key(answers)
    contested = load_contested(answers)
    class_id = secrets.token_hex(8)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(f"*{LOCKED_SUFFIX}"):
        old.unlink()
    codes: dict[str, str] = {}
    article_ids = list(dict.fromkeys(key["article_id"]))
    for article_id in article_ids:
        code = new_code()
        codes[article_id] = code
        payload = {
            "article_id": article_id,
            "class_id": class_id,
            "key_csv": _frame_csv(key[key["article_id"] == article_id]),
            "contested_csv": _frame_csv(contested[contested["article_id"] == article_id]),
        }
        locked = _lock_one(article_id, payload, code, class_id)
        (out / f"{article_id}{LOCKED_SUFFIX}").write_text(
            json.dumps(locked, indent=1) + "\n", encoding="utf-8"
        )
    manifest = {
        "format": _MANIFEST_FORMAT,
        "version": _VERSION,
        "class_id": class_id,
        "created": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "articles": article_ids,
        "self_study": self_study,
    }
    if self_study:
        manifest["codes"] = codes
    (out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    result = LockResult(
        out=out, codes_file=None, class_id=class_id, codes=codes, self_study=self_study
    )
    if codes_file and not self_study:
        result = write_codes_file(result, codes_path(out))
    return result


def write_codes_file(result: LockResult, path: str | os.PathLike) -> LockResult:
    """Write the instructor's codes file (``article_id: code`` lines, ``#`` comments)."""
    path = Path(path)
    lines = [
        f"# Unlock codes for the locked keys in {result.out.name}/ (class {result.class_id}).",
        "# For the instructor only: give out one article's code when the class has",
        "# labelled that article. Learners type it into the self-check, or run",
        "# `rhetoric-lab unlock ARTICLE CODE`.",
        *[f"{article_id}: {code}" for article_id, code in result.codes.items()],
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dataclasses.replace(result, codes_file=path)


# -- finding and reading -----------------------------------------------------------------------


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest, or ``None`` when it has none or it cannot be read."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def find_locked_key(article_id: str, keys_dir: str | os.PathLike | None = None) -> Path | None:
    """The first ``<article_id>.locked`` in :func:`widgets.paths.locked_keys_dirs`."""
    for folder in paths.locked_keys_dirs(keys_dir):
        candidate = folder / f"{article_id}{LOCKED_SUFFIX}"
        if candidate.is_file():
            return candidate
    return None


def _damaged(path: Path, detail: str) -> UnlockError:
    return UnlockError(
        f"The locked key {path} is damaged ({detail}): it was edited or cut short, so it "
        "cannot be unlocked. Ask your teacher for a fresh copy of the keys folder."
    )


def _read_locked(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _damaged(path, "not text") from None
    try:
        locked = json.loads(text)
    except ValueError:
        raise _damaged(path, "not complete JSON") from None
    if not isinstance(locked, dict) or locked.get("format") != _FORMAT:
        raise _damaged(path, "not a Rhetoric Lab locked key")
    if locked.get("version") != _VERSION:
        raise UnlockError(
            f"The locked key {path} has format version {locked.get('version')!r}; this kit "
            f"reads version {_VERSION}. Update Rhetoric Lab or ask your teacher."
        )
    try:
        kdf = locked["kdf"]
        parsed = {
            "article_id": str(locked["article_id"]),
            "class_id": str(locked["class_id"]),
            "salt": base64.b64decode(kdf["salt"], validate=True),
            "n": int(kdf["n"]),
            "r": int(kdf["r"]),
            "p": int(kdf["p"]),
            "check": base64.b64decode(locked["check"], validate=True),
            "nonce": base64.b64decode(locked["nonce"], validate=True),
            "ciphertext": base64.b64decode(locked["ciphertext"], validate=True),
        }
    except (KeyError, TypeError, ValueError, binascii.Error):
        raise _damaged(path, "a field is missing or not valid") from None
    if (
        len(parsed["nonce"]) != 12
        or len(parsed["check"]) != 16
        or len(parsed["ciphertext"]) <= 16
        or parsed["n"] not in (2**k for k in range(10, 21))
        or not (1 <= parsed["r"] <= 16 and 1 <= parsed["p"] <= 4)
    ):
        raise _damaged(path, "a field has the wrong size")
    return parsed


def _opens(parsed: dict, code: str) -> tuple[bytes, bool]:
    key, check = _derive(code, parsed["salt"], parsed["n"], parsed["r"], parsed["p"])
    return key, secrets.compare_digest(check, parsed["check"])


def _title(article_id: str) -> str:
    try:
        from ..content.corpus import load_corpus

        return f"“{load_corpus().article(article_id).title}” ({article_id})"
    except Exception:  # noqa: BLE001 - a title is a nicety; the id says it all
        return article_id


def _other_article(path: Path, code: str) -> str | None:
    """The article another locked key in ``path``'s folder opens with ``code``."""
    for other in sorted(path.parent.glob(f"*{LOCKED_SUFFIX}")):
        if other == path:
            continue
        try:
            parsed = _read_locked(other)
        except UnlockError:
            continue
        if _opens(parsed, code)[1]:
            return parsed["article_id"]
    return None


def _decrypt(path: Path, article_id: str, code: str) -> dict:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    parsed = _read_locked(path)
    manifest = read_manifest(path.parent)
    if parsed["article_id"] != article_id:
        raise _damaged(path, f"it names article {parsed['article_id']!r}")
    if manifest is not None and manifest.get("class_id") not in (None, parsed["class_id"]):
        raise UnlockError(
            f"The locked key {path} was made for another class (another run of "
            "`rhetoric-lab keys lock`) than the other keys in its folder, so your "
            "teacher's code cannot open it. Ask your teacher for your class's keys folder."
        )
    key, matches = _opens(parsed, code)
    if not matches:
        other = _other_article(path, code)
        if other is not None:
            raise UnlockError(
                f"That code is for {_title(other)}, not for {_title(article_id)}. "
                f"Use it with {other}, or ask your teacher for this article's code."
            )
        raise UnlockError(
            f"That code does not unlock the key of {_title(article_id)}. Check the four "
            "words against what your teacher gave you; nothing was changed."
        )
    try:
        plaintext = AESGCM(key).decrypt(
            parsed["nonce"],
            parsed["ciphertext"],
            _associated(parsed["class_id"], parsed["article_id"]),
        )
        payload = json.loads(plaintext.decode("utf-8"))
    except (InvalidTag, ValueError):
        raise _damaged(path, "its contents do not match its seal") from None
    if payload.get("article_id") != article_id or payload.get("class_id") != parsed["class_id"]:
        raise _damaged(path, "its contents name another article or class")
    return payload


# -- the learner's unlocked keys ----------------------------------------------------------------


def _unlocked_path(article_id: str, directory) -> Path:
    return paths.annotation_dir(directory) / UNLOCKED_FOLDER / f"{article_id}.json"


def _as_unlocked(payload: dict, source: str) -> UnlockedKey:
    return UnlockedKey(
        article_id=payload["article_id"],
        key=_read_csv_text(payload["key_csv"]),
        contested=_read_csv_text(payload["contested_csv"]),
        source=source,
    )


def _keep(payload: dict, directory, locked: Path) -> Path:
    target = _unlocked_path(payload["article_id"], directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    record = {**payload, "unlocked_at": datetime.now(UTC).isoformat(), "from": str(locked)}
    # Written to a temporary file and moved into place: a crash leaves the old copy or
    # none, never half a key.
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=target.parent, suffix=".tmp", delete=False
    )
    with handle:
        json.dump(record, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(handle.name, target)
    return target


def unlock(
    article_id: str,
    code: str,
    *,
    keys_dir: str | os.PathLike | None = None,
    directory: str | os.PathLike | None = None,
) -> UnlockedKey:
    """Unlock ``article_id``'s key with ``code`` and keep it for this learner.

    Parameters
    ----------
    keys_dir : path, optional
        Folder of locked keys (default: :func:`widgets.paths.locked_keys_dirs`).
    directory : path, optional
        The learner's annotation folder (default :func:`widgets.paths.annotation_dir`),
        where the unlocked key is kept.

    Raises
    ------
    UnlockError
        No locked key for the article; a code that is not four code words; a wrong code;
        a code for another article; a locked key that was tampered with, cut short or
        made for another class. Nothing is written.
    """
    normalised = _check_words(code)
    locked = find_locked_key(article_id, keys_dir)
    if locked is None:
        searched = ", ".join(str(p) for p in paths.locked_keys_dirs(keys_dir)) or "nowhere"
        raise UnlockError(
            f"No locked key for article {article_id!r} was found (searched: {searched}). "
            "Your teacher shares a keys/ folder with the lessons, or sets RHETORIC_LAB_KEYS."
        )
    payload = _decrypt(locked, article_id, normalised)
    _keep(payload, directory, locked)
    return _as_unlocked(payload, str(locked))


def unlocked_key(article_id: str, directory: str | os.PathLike | None = None) -> UnlockedKey | None:
    """The key this learner unlocked earlier, or ``None``."""
    path = _unlocked_path(article_id, directory)
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        return _as_unlocked(payload, str(path))
    except (OSError, ValueError, KeyError):
        return None


def available_key(
    article_id: str,
    *,
    answers: str | os.PathLike | None = None,
    directory: str | os.PathLike | None = None,
    keys_dir: str | os.PathLike | None = None,
) -> UnlockedKey:
    """The key the self-check may show: ``answers/`` when it has the article (a checkout,
    the instructor), else one this learner unlocked.

    Raises
    ------
    KeyLocked
        Neither is there; says whether a locked key was found and if it is self-study.
    """
    from ..content.answers import AnswersMissing, load_contested, load_key

    try:
        key = load_key(answers, article_id)
        return UnlockedKey(article_id, key, load_contested(answers, article_id), "answers")
    except AnswersMissing:
        pass
    unlocked = unlocked_key(article_id, directory)
    if unlocked is not None:
        return unlocked
    locked = find_locked_key(article_id, keys_dir)
    manifest = read_manifest(locked.parent) if locked is not None else None
    self_study = bool(manifest and manifest.get("self_study"))
    if locked is None:
        message = (
            "The answer key is with your instructor: this copy of Rhetoric Lab has no "
            "answers/ folder and no locked keys. Keep labelling; your instructor will share "
            "the keys folder and a code, or run the comparison."
        )
    elif self_study:
        message = (
            "The key unlocks by itself once you have labelled this article (or its core "
            "set): no code is needed."
        )
    else:
        message = (
            "The key of this article is locked. Type the four-word code your teacher "
            "gives you when the class has labelled it."
        )
    raise KeyLocked(message, locked=locked, self_study=self_study)


def self_study_unlock(
    article_id: str,
    *,
    keys_dir: str | os.PathLike | None = None,
    directory: str | os.PathLike | None = None,
) -> UnlockedKey:
    """Unlock with the code a self-study bundle carries (the caller checks the article
    is labelled first). Raises :class:`UnlockError` when the bundle is not self-study."""
    locked = find_locked_key(article_id, keys_dir)
    manifest = read_manifest(locked.parent) if locked is not None else None
    if not manifest or not manifest.get("self_study"):
        raise UnlockError(
            f"The key of {article_id!r} is not a self-study key: it needs your teacher's code."
        )
    code = (manifest.get("codes") or {}).get(article_id)
    if not code:
        raise _damaged(locked.parent / MANIFEST_NAME, f"it has no code for {article_id!r}")
    return unlock(article_id, code, keys_dir=locked.parent, directory=directory)
