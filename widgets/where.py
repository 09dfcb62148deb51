"""What this copy of the kit uses: its folders, the learner, the versions.

:func:`kit_report` gathers it (a plain dataclass); ``rhetoric-lab where`` prints it. It is
a hub administrator's first diagnostic, so it never fails: a folder that is missing or
a codebook that does not load is reported, not raised.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path

from . import __version__, paths

__all__ = ["Place", "KitReport", "kit_report"]


@dataclass(frozen=True)
class Place:
    """A folder in use, what chose it, and what is there now."""

    name: str
    path: str
    source: str
    state: str


@dataclass(frozen=True)
class KitReport:
    version: str
    layout: str
    package: str
    codebook_version: str
    learner: str | None
    learner_source: str
    places: tuple[Place, ...]

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        """The report as aligned lines for a terminal."""
        width = max(len(p.name) for p in self.places)
        lines = [
            f"rhetoric-lab {self.version} ({self.layout}: {self.package})",
            f"{'codebook':<{width}}  {self.codebook_version}",
            f"{'learner':<{width}}  {self.learner or '(none)'}  [{self.learner_source}]",
        ]
        for place in self.places:
            lines.append(f"{place.name:<{width}}  {place.path}  [{place.source}; {place.state}]")
        return "\n".join(lines)


def _state(path: Path, *, want_writable: bool = False) -> str:
    if not path.exists():
        return "not there yet" if want_writable else "MISSING"
    if not path.is_dir():
        return "NOT A FOLDER"
    count = sum(1 for _ in path.iterdir())
    state = f"{count} item(s)"
    if want_writable and not os.access(path, os.W_OK):
        state += ", NOT WRITABLE"
    return state


def _codebook_version(data: Path) -> str:
    from .content.codebook import load_codebook

    try:
        return f"version {load_codebook(data / 'codebook.yml').version}"
    except Exception as error:  # a diagnostic reports every failure, whatever it is
        return f"DOES NOT LOAD: {error}"


def kit_report() -> KitReport:
    """Gather where this kit reads and writes, who the learner is, and its versions."""
    data = paths.locate_data()
    answers = paths.locate_answers()
    annotations = paths.locate_annotations()
    try:
        learner, learner_source = paths.locate_learner()
    except ValueError as error:
        learner, learner_source = None, f"the id set is refused: {error}"
    lessons = paths.learner_lessons_dir()
    kit_lessons = paths.kit_lessons_dir()
    places = (
        Place("data", str(data.path), data.source, _state(data.path)),
        Place(
            "kit lessons",
            str(kit_lessons),
            "the learner lessons inside the package"
            if paths.kit_layout() == "installed"
            else "lessons/ here, filtered as the release does when copied",
            _state(kit_lessons),
        ),
        Place(
            "your lessons",
            paths.display_path(lessons),
            "where `rhetoric-lab lessons` copies them",
            _state(lessons, want_writable=True),
        ),
        Place(
            "answers",
            paths.display_path(answers.path),
            answers.source,
            _state(answers.path) if answers.path.exists() else "none here (learners have none)",
        ),
        Place(
            "annotations",
            paths.display_path(annotations.path),
            annotations.source,
            _state(annotations.path, want_writable=True),
        ),
    )
    return KitReport(
        version=__version__,
        layout=paths.kit_layout(),
        package=str(paths.PACKAGE_DIR),
        codebook_version=_codebook_version(data.path),
        learner=learner,
        learner_source=learner_source,
        places=places,
    )
