"""Does the deployment guide cover every platform, and is the documented Binder path one
that carries no answers?"""

from __future__ import annotations

import re

import yaml

from widgets.classroom.release import release
from widgets.paths import REPO_ROOT

PLATFORMS = (
    "Zero to JupyterHub",
    "The Littlest JupyterHub",
    "A single JupyterHub or Jupyter server",
    "Laptops",
    "Binder",
)


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    return {part.splitlines()[0]: part for part in parts}


def test_every_platform_says_where_labels_live_how_to_collect_and_upgrade():
    sections = _sections((REPO_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8"))
    for platform in PLATFORMS:
        (title,) = [t for t in sections if t.startswith(platform)]
        body = sections[title]
        for point in (
            "Where annotations live",
            "How the instructor collects them",
            "A course upgrade",
        ):
            assert f"**{point}" in body, f"{title}: {point}"
        untestable = platform in ("Zero to JupyterHub", "The Littlest JupyterHub", "Binder")
        assert ("(not tested here)" in title) == untestable, title
    z2jh = sections[next(t for t in sections if t.startswith("Zero to JupyterHub"))]
    assert "postStart" in z2jh and "rhetoric-lab lessons" in z2jh and "FROM " in z2jh


def test_the_readme_binder_link_for_learners_is_the_learner_branch():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://mybinder\.org/v2/gh/\S+", readme)
    assert links and all("/learners?" in link for link in links)
    assert "instructors only" in readme


def test_the_learner_release_is_a_binder_repository_without_answers(tmp_path):
    out = tmp_path / "learner-release"
    release(out)
    environment = yaml.safe_load((out / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section and (out / "requirements.lock").exists()
    assert (out / "pyproject.toml").exists() and (out / "lessons" / "00-start-here.ipynb").exists()
    assert sorted(p.name for p in (out / "answers").iterdir()) == ["README.md"]
    assert (out / "CHANGELOG.md").exists()
