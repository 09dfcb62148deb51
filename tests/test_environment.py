"""Do conda/Binder, pip and the lock file install the same versions?"""

from __future__ import annotations

import re
import tomllib

import yaml

from widgets.paths import REPO_ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;]+)$")


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", requirement.split("[")[0]).lower()


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            pins[_name(match.group(1))] = match.group(2)
    return pins


def project():
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_every_runtime_dependency_is_pinned_exactly():
    dependencies = project()["dependencies"] + project()["optional-dependencies"]["test"]
    loose = [d for d in dependencies if not PIN.match(d)]
    assert loose == [], f"pin these with ==: {loose}"


def test_environment_yml_installs_the_same_pinned_versions_and_the_kit():
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "conda-forge" in environment["channels"]
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == _pins(project()["dependencies"])
    assert "-e ." in pip_section
    assert "-c requirements.lock" in pip_section
    python = next(
        d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python=")
    )
    minimum = project()["requires-python"].removeprefix(">=")
    assert python.split("=")[1] >= minimum


def test_requirements_lock_agrees_with_pyproject_pins():
    lock = _pins((REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines())
    wanted = _pins(project()["dependencies"] + project()["optional-dependencies"]["test"])
    disagree = {
        name: (version, lock.get(name))
        for name, version in wanted.items()
        if lock.get(name) != version
    }
    assert disagree == {}, f"run `make lock`: pyproject vs requirements.lock {disagree}"


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make lab" in quick_start and "make test" in quick_start
    assert quick_start.index("make lab") < quick_start.index("make test")
    assert re.search(r"^make test$", ci, re.MULTILINE)
