"""The learner release: lessons, data and package, with no answer content.

``rhetoric-lab release OUT`` writes a folder (or ``OUT.zip``) that learners can open
with ``make lab`` or on Binder. It leaves out ``answers/``, instructor-only notebooks
(``metadata.rhetoric_lab.audience == "instructor"``) and every solution region
(:mod:`widgets.classroom.solutions`), clears outputs, and then checks that no rationale text from
the answer key made it into the bundle.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .. import paths
from ..content import yamlfile
from .solutions import strip_solutions

if TYPE_CHECKING:  # the build hooks import this module without pandas or cryptography
    from .locked_keys import LockResult

__all__ = ["release", "ReleaseResult", "ReleaseError", "INCLUDED", "leaked_answer_text"]

#: What a learner bundle holds (relative to the repo root); everything else stays out.
INCLUDED = (
    "README.md",
    "CHANGELOG.md",
    "Makefile",
    "pyproject.toml",
    "requirements.lock",
    "environment.yml",
    ".gitignore",
    "widgets",
    "data",
    "lessons",
)
_SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}
_SKIP_SUFFIXES = {".pyc", ".lock"}
_SCANNED_SUFFIXES = {
    ".ipynb", ".py", ".md", ".csv", ".yml", ".yaml", ".txt", ".json", ".html", ".htm", ".js",
    ".locked",
}  # fmt: skip
#: Rationale text shorter than this is too generic to count as a leak ("Quotation.").
MIN_LEAK_LENGTH = 25


class ReleaseError(RuntimeError):
    """The release could not be written, or would have leaked answer content."""


@dataclass
class ReleaseResult:
    out: Path
    files: list[str] = field(default_factory=list)
    left_out_notebooks: list[str] = field(default_factory=list)
    stripped_notebooks: list[str] = field(default_factory=list)
    #: the locked keys written into the bundle (``None`` when there was no key to lock)
    locked: LockResult | None = None
    #: why there are no locked keys ("" when there are)
    lock_problem: str = ""


_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|\*\*[^*]*\*\*")


def _prose_signatures(text: str) -> set[str]:
    """Sentences of answer prose that identify it if copied into a lesson.

    A sentence made mostly of quotations from the article (which lessons quote too) is
    not a signature: only sentences with enough of the answer's own words count."""
    signatures = set()
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
        own_words = _QUOTED.sub("", sentence)
        if len(sentence) >= MIN_LEAK_LENGTH * 2 and len(own_words.strip()) >= 40:
            signatures.add(sentence.strip())
    return signatures


def _model_answers(value) -> list[str]:
    """Every ``answer`` text in a model-answers YAML document (questions are public)."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k == "answer" and isinstance(v, str)]
        return found + [a for v in value.values() for a in _model_answers(v)]
    if isinstance(value, list):
        return [a for v in value for a in _model_answers(v)]
    return []


def _answer_texts(answers: Path) -> set[str]:
    """Every rationale and model answer in ``answers/`` long enough to recognise."""
    texts: set[str] = set()
    if not answers.is_dir():
        return texts
    for path in answers.rglob("*"):
        if path.suffix == ".csv":
            with open(path, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    for column in ("note", "why"):
                        value = (row.get(column) or "").strip()
                        if len(value) >= MIN_LEAK_LENGTH:
                            texts.add(value)
        elif path.suffix in {".yml", ".yaml"}:
            for answer in _model_answers(yamlfile.safe_load(path.read_text(encoding="utf-8"))):
                texts.update(_prose_signatures(answer))
        elif path.suffix == ".md" and path.name != "README.md":
            texts.update(_prose_signatures(path.read_text(encoding="utf-8")))
    return texts


def _base64_forms(text: str) -> set[str]:
    """``text`` as it reads inside base64 at each of the three byte alignments (the
    groups that mix it with its neighbours are left off, so any embedding matches)."""
    data = text.encode("utf-8")
    forms = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode("ascii")
        start = 4 if offset else 0
        forms.add(encoded[start : len(encoded) - 4])
    return {f for f in forms if len(f) >= 16}


def _answer_forms(answers: Path) -> dict[str, set[str]]:
    """Every answer text and the forms it can hide in: plain, JSON-escaped (with and
    without ``\\u`` escapes: notebooks write " as \\", json.dumps writes “ as \\u201c),
    HTML-escaped, and base64 (an embedded attachment, a data: URL)."""
    return {
        t: {
            t,
            json.dumps(t, ensure_ascii=False)[1:-1],
            json.dumps(t)[1:-1],
            html.escape(t),
            html.escape(t, quote=False),
            *_base64_forms(t),
        }
        for t in _answer_texts(answers)
    }


def _leaks(name: str, content: str, forms: dict[str, set[str]]) -> list[str]:
    return [
        f"{name}: {t[:60]!r}"
        for t, variants in forms.items()
        if any(v in content for v in variants)
    ]


def leaked_answer_text(bundle: Path, answers: Path) -> list[str]:
    """Answer texts found in any file of ``bundle`` (a folder, or a zip or wheel), in any
    form (see :func:`_answer_forms`); empty when the release is clean."""
    forms = _answer_forms(answers)
    if not forms:
        return []
    bundle = Path(bundle)
    leaks = []
    if bundle.is_file():  # a zip: the release's, or the wheel that installs the package
        with zipfile.ZipFile(bundle) as archive:
            for info in archive.infolist():
                if not info.is_dir():
                    content = archive.read(info).decode("utf-8", errors="replace")
                    leaks.extend(_leaks(info.filename, content, forms))
        return leaks
    for path in bundle.rglob("*"):
        if not path.is_file() or (
            path.suffix.lower() not in _SCANNED_SUFFIXES and path.stat().st_size > 5_000_000
        ):
            continue
        content = path.read_text(encoding="utf-8", errors="replace")
        leaks.extend(_leaks(str(path.relative_to(bundle)), content, forms))
    return leaks


def _is_instructor_only(notebook: dict) -> bool:
    return notebook.get("metadata", {}).get("rhetoric_lab", {}).get("audience") == "instructor"


def _copy_tree(source: Path, target: Path, result: ReleaseResult, root: Path) -> None:
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(root)
        if any(part in _SKIP_NAMES for part in relative.parts) or path.suffix in _SKIP_SUFFIXES:
            continue
        destination = target / relative
        if path.is_dir():
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            notebook = json.loads(path.read_text(encoding="utf-8"))
            if _is_instructor_only(notebook):
                result.left_out_notebooks.append(str(relative))
                continue
            stripped = strip_solutions(notebook, name=str(relative))
            if stripped != notebook:
                result.stripped_notebooks.append(str(relative))
            destination.write_text(
                json.dumps(stripped, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        else:
            shutil.copy2(path, destination)
        result.files.append(str(relative))


def release(
    out: str | os.PathLike,
    *,
    root: str | os.PathLike | None = None,
    answers: str | os.PathLike | None = None,
    as_zip: bool | None = None,
    force: bool = False,
    self_study: bool = False,
    lock: bool = True,
) -> ReleaseResult:
    """Write the learner bundle to ``out`` (a folder, or a zip when ``out`` ends in
    ``.zip`` or ``as_zip``).

    ``lock=False`` leaves out the locked keys (``keys/``). The package build uses it: one
    wheel serves every class, and its isolated build environment has neither pandas nor
    cryptography, which locking needs.

    Raises
    ------
    ReleaseError
        ``out`` exists (without ``force``), lies inside the repo's ``answers/``, a
        notebook has unbalanced solution markers, or answer text would leak.
    """
    root = Path(root) if root is not None else paths.REPO_ROOT
    answers = Path(answers) if answers is not None else root / "answers"
    out = Path(out)
    as_zip = out.suffix == ".zip" if as_zip is None else as_zip
    if out.exists() and not force:
        raise ReleaseError(f"{out} already exists; choose a new name or pass --force")
    with tempfile.TemporaryDirectory() as scratch:
        bundle = Path(scratch) / "rhetoric-lab"
        bundle.mkdir()
        result = ReleaseResult(out=out)
        try:
            for name in INCLUDED:
                source = root / name
                if source.is_dir():
                    _copy_tree(source, bundle, result, root)
                elif source.is_file():
                    shutil.copy2(source, bundle / name)
                    result.files.append(name)
        except ValueError as error:  # SolutionMarkerError names notebook and cell
            raise ReleaseError(str(error)) from error
        (bundle / "answers").mkdir()
        (bundle / "answers" / "README.md").write_text(
            "The answer key is kept by your instructor. Ask them when you have labelled an "
            "article, or use the self-check once they share the key.\n",
            encoding="utf-8",
        )
        if lock:
            result.locked, result.lock_problem = _lock_into(bundle, answers, self_study=self_study)
        leaks = leaked_answer_text(bundle, answers)
        if leaks:
            raise ReleaseError(
                "answer content would leak into the release: " + "; ".join(leaks[:5])
            )
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        out.parent.mkdir(parents=True, exist_ok=True)
        if as_zip:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(bundle.rglob("*")):
                    if path.is_file():
                        archive.write(path, Path("rhetoric-lab") / path.relative_to(bundle))
            leaks = leaked_answer_text(out, answers)  # the zip as learners receive it
            if leaks:  # pragma: no cover - the bundle was checked; a guard on the writer
                out.unlink()
                raise ReleaseError(
                    "answer content would leak into the zip: " + "; ".join(leaks[:5])
                )
        else:
            shutil.copytree(bundle, out)
    if result.locked is not None and not self_study:
        from . import locked_keys

        # Beside the bundle, never in it: the codes are the instructor's.
        result.locked = locked_keys.write_codes_file(result.locked, locked_keys.codes_path(out))
    return result


def _lock_into(bundle: Path, answers: Path, *, self_study: bool):
    """Lock the key into ``bundle/keys``: the result and ``""``, or ``None`` and why
    there are no locked keys (no key to lock, or a key that cannot be read)."""
    from ..content.answers import AnswersMissing
    from . import locked_keys

    try:
        locked = locked_keys.lock_keys(
            bundle / paths.KEYS_FOLDER, answers=answers, self_study=self_study, codes_file=False
        )
    except AnswersMissing:
        return None, "no answer key to lock: the bundle has no keys/"
    except ValueError as error:  # a key file without the schema's columns
        return None, f"the answer key could not be read, so the bundle has no keys/: {error}"
    return locked, ""
