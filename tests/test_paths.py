"""Are defaults resolved in one place, and are unsafe learner ids refused?"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from widgets import paths


def test_annotation_dir_prefers_argument_then_environment_then_repo(monkeypatch, tmp_path):
    monkeypatch.delenv("RHETORIC_LAB_DIR", raising=False)
    assert paths.annotation_dir() == paths.REPO_ROOT / "annotations"
    monkeypatch.setenv("RHETORIC_LAB_DIR", str(tmp_path / "env"))
    assert paths.annotation_dir() == tmp_path / "env"
    assert paths.annotation_dir(tmp_path / "arg") == tmp_path / "arg"


def test_learner_is_argument_then_env_then_hub_user_then_remembered(monkeypatch, tmp_path):
    for name in ("RHETORIC_LAB_LEARNER", "JUPYTERHUB_USER"):
        monkeypatch.delenv(name, raising=False)
    assert paths.resolve_learner(None, tmp_path) is None
    paths.remember_learner("  Zoë 12  ", tmp_path)
    assert paths.resolve_learner(None, tmp_path) == "Zoë 12"
    monkeypatch.setenv("JUPYTERHUB_USER", "hub-user")
    assert paths.resolve_learner(None, tmp_path) == "hub-user"
    monkeypatch.setenv("RHETORIC_LAB_LEARNER", "env-user")
    assert paths.resolve_learner(None, tmp_path) == "env-user"
    assert paths.resolve_learner("arg-user", tmp_path) == "arg-user"


@pytest.mark.parametrize(
    ("learner", "problem"),
    [
        ("../x", "path separators"),
        ("a\\b", "path separators"),
        ("nul\x00", "control characters"),
        ("bell\x07", "control characters"),
        ("x" * 65, "at most 64"),
        ("   ", "empty"),
        ("..", "dot"),
        (42, "must be text"),
    ],
)
def test_unsafe_learner_ids_get_a_clear_message(learner, problem):
    with pytest.raises(ValueError, match=problem):
        paths.validate_learner_id(learner)


def test_a_learner_id_never_becomes_a_path_outside_the_annotation_dir(tmp_path):
    with pytest.raises(ValueError):
        paths.remember_learner("../../etc/passwd", tmp_path)
    assert not (tmp_path / ".learner").exists()


_ID_PIECES = list("aZ09._-@+ /\\:*?<>|\x00\x1f\té") + ["CON", "nul", "Com1", "lpt9", "x" * 40]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_ID_PIECES), max_size=12).map("".join))
def test_plain_id_shortcut_decides_as_the_full_checks(value):
    """Does the shortcut for plain ids (what collect checks 10,000 times) accept exactly
    what the full checks accept, unchanged, and leave every other id to them?"""

    def outcome():
        try:
            return ("ok", paths.validate_learner_id(value))
        except ValueError as error:
            return ("error", str(error))

    with_shortcut = outcome()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(paths, "_PLAIN_ID", re.compile("(?!)"))  # never matches
        assert outcome() == with_shortcut


def _installed(monkeypatch, tmp_path):
    """This kit as if installed: the folder above the package is site-packages."""
    site = tmp_path / "venv" / "lib" / "site-packages"
    (site / "widgets" / "_kit" / "data").mkdir(parents=True)
    monkeypatch.setattr(paths, "REPO_ROOT", site)
    monkeypatch.setattr(paths, "PACKAGE_DIR", site / "widgets")
    monkeypatch.setattr(paths, "PACKAGED_DIR", site / "widgets" / "_kit")
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    for name in ("RHETORIC_LAB_DIR", "RHETORIC_LAB_DATA", "RHETORIC_LAB_ANSWERS"):
        monkeypatch.delenv(name, raising=False)
    return site, home


def test_an_installed_kit_reads_its_own_data_and_writes_in_the_home(monkeypatch, tmp_path):
    site, home = _installed(monkeypatch, tmp_path)
    assert paths.kit_layout() == "installed"
    assert paths.data_dir() == site / "widgets" / "_kit" / "data"
    assert paths.kit_lessons_dir() == site / "widgets" / "_kit" / "lessons"
    assert paths.annotation_dir() == home / "rhetoric-lab" / "annotations"
    assert paths.answers_dir() == home / "rhetoric-lab" / "answers"
    assert paths.class_dir() == home / "rhetoric-lab" / "class"
    assert paths.learner_lessons_dir() == home / "rhetoric-lab" / "lessons"
    for folder in (paths.annotation_dir(), paths.answers_dir(), paths.class_dir()):
        assert site not in folder.parents
    assert paths.display_path(paths.annotation_dir()) == "~/rhetoric-lab/annotations"
    monkeypatch.setenv("RHETORIC_LAB_DIR", str(tmp_path / "shared"))
    assert paths.locate_annotations() == paths.Located(
        tmp_path / "shared", "set by RHETORIC_LAB_DIR"
    )


def test_a_checkout_and_a_release_bundle_keep_annotations_beside_them(monkeypatch, tmp_path):
    monkeypatch.delenv("RHETORIC_LAB_DIR", raising=False)
    assert paths.kit_layout() == "checkout"
    bundle = tmp_path / "rhetoric-lab"
    for folder in ("widgets", "data", "lessons", "answers"):
        (bundle / folder).mkdir(parents=True)
    (bundle / "pyproject.toml").write_text("")
    monkeypatch.setattr(paths, "REPO_ROOT", bundle)
    assert paths.kit_layout() == "release bundle"
    assert paths.annotation_dir() == bundle / "annotations"
    assert paths.data_dir() == bundle / "data"
    assert paths.locate_annotations().source == "annotations/ in the release bundle"


def test_the_learner_source_is_named(monkeypatch, tmp_path):
    monkeypatch.delenv("RHETORIC_LAB_LEARNER", raising=False)
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    assert paths.locate_learner(None, tmp_path) == ("ada", "set by JUPYTERHUB_USER")
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert paths.locate_learner(None, tmp_path)[0] is None
    paths.remember_learner("bo", tmp_path)
    assert paths.locate_learner(None, tmp_path) == ("bo", f"remembered in {tmp_path / '.learner'}")
