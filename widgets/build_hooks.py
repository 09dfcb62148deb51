"""setuptools hooks that put ``data/`` and the learner lessons inside the package.

``data/`` and ``lessons/`` stay at the top of the repository. A wheel or an sdist carries
them in ``widgets/_kit/`` (:data:`widgets.paths.PACKAGED_DIR`), so an installed kit finds
its codebook, articles and lessons without a checkout. The files are the learner
release's (:func:`widgets.classroom.release.release`): no instructor notebooks, solution regions
stripped, every output cleared, and the release's leak check run against the answer key
and the model answers, which never enter the package.

This module runs inside pip's isolated build environment, which holds only what
``[build-system] requires`` lists (setuptools, PyYAML): it and what it imports need
nothing else (``import widgets`` is lazy).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.errors import SetupError

__all__ = ["stage_kit_files", "BuildPy", "SDist", "KIT_PARTS"]

#: The folders of a learner release that the package carries.
KIT_PARTS = ("data", "lessons")
#: ``widgets/_kit`` relative to the project root (see :data:`widgets.paths.PACKAGED_DIR`).
_KIT_RELATIVE = Path("widgets") / "_kit"


def stage_kit_files(root: Path, target: Path) -> list[str]:
    """Write the learner copy of ``root``'s ``data/`` and ``lessons/`` into ``target``.

    Returns the files written, relative to ``target``. Raises
    :class:`widgets.classroom.release.ReleaseError` when answer text would leak or a lesson's
    solution markers are unbalanced, which stops the build.
    """
    # setuptools loads this module by its file, outside the package: import the
    # release from the tree being built.
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from widgets.classroom.release import release

    with tempfile.TemporaryDirectory() as scratch:
        bundle = Path(scratch) / "learner-release"
        release(bundle, root=root, answers=root / "answers", lock=False)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for part in KIT_PARTS:
            shutil.copytree(bundle / part, target / part)
    return sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())


def _has_sources(root: Path) -> bool:
    return all((root / part).is_dir() for part in KIT_PARTS)


class BuildPy(build_py):
    """``build_py`` that also stages the kit's files into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads data/ and lessons/ in the checkout
        root = Path.cwd()
        if _has_sources(root):
            stage_kit_files(root, Path(self.build_lib) / _KIT_RELATIVE)
        elif not (root / _KIT_RELATIVE).is_dir():
            # Built from an sdist, the staged files are package data already; anything
            # else is a tree that cannot make a working kit.
            raise SetupError(
                f"{root} has neither data/ and lessons/ nor {_KIT_RELATIVE}: "
                "build from a checkout or an sdist"
            )


class SDist(sdist):
    """``sdist`` whose tree carries the staged files instead of the top-level folders
    (which hold instructor notebooks and sit beside ``answers/``)."""

    def make_release_tree(self, base_dir, files) -> None:
        super().make_release_tree(base_dir, files)
        stage_kit_files(Path.cwd(), Path(base_dir) / _KIT_RELATIVE)
