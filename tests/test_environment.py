"""Do the package's ranges, the lock, the lower bounds and conda/Binder agree?"""

from __future__ import annotations

import re
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

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


def _requirements(lines) -> dict[str, Requirement]:
    return {canonicalize_name(r.name): r for r in map(Requirement, lines)}


#: What a hub image from a year ago had: no lower bound may be newer than these series.
YEAR_OLD_HUB = {
    "jupyterlab": "4.2",
    "notebook": "7.2",
    "ipywidgets": "8.1",
    "pandas": "2.2",
    "altair": "5.4",
}


def _lower_bound(requirement: Requirement) -> Version:
    lows = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    assert len(lows) == 1, f"{requirement}: one lower bound (>=) please"
    return lows[0]


def test_runtime_dependencies_are_ranges_with_both_bounds():
    for requirement in _requirements(project()["dependencies"]).values():
        operators = {s.operator for s in requirement.specifier}
        assert operators == {">=", "<"}, f"{requirement}: a range >=low,<high, not {operators}"


def test_lower_bounds_are_no_newer_than_a_year_old_hub_image():
    requirements = _requirements(project()["dependencies"])
    for name, series in YEAR_OLD_HUB.items():
        low = _lower_bound(requirements[name])
        assert low.release[:2] <= Version(series).release[:2], f"{name} >= {low} is too new"


def test_lower_bounds_file_lists_exactly_the_lower_bounds():
    requirements = _requirements(project()["dependencies"])
    lower = _pins((REPO_ROOT / "lower-bounds.txt").read_text(encoding="utf-8").splitlines())
    assert set(lower) == set(requirements)
    for name, requirement in requirements.items():
        assert Version(lower[name]) == _lower_bound(requirement), name


def test_the_lock_satisfies_every_range_and_pins_the_test_tools():
    lock = _pins((REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines())
    for name, requirement in _requirements(project()["dependencies"]).items():
        assert name in lock, f"{name} is missing from requirements.lock: run `make lock`"
        assert requirement.specifier.contains(lock[name], prereleases=True), (
            f"requirements.lock has {name}=={lock[name]}, outside {requirement.specifier}"
        )
    test_tools = project()["optional-dependencies"]["test"]
    loose = [d for d in test_tools if not PIN.match(d)]
    assert loose == [], f"pin these test tools with ==: {loose}"
    disagree = {
        name: (version, lock.get(name))
        for name, version in _pins(test_tools).items()
        if lock.get(name) != version
    }
    assert disagree == {}, f"run `make lock`: pyproject vs requirements.lock {disagree}"


def test_environment_yml_installs_the_locked_versions_and_the_kit():
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "conda-forge" in environment["channels"]
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    lock = _pins((REPO_ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines())
    runtime = _requirements(project()["dependencies"])
    assert _pins(pip_section) == {name: lock[name] for name in runtime}
    assert "-e ." in pip_section
    assert "-c requirements.lock" in pip_section
    python = next(
        d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python=")
    )
    minimum = project()["requires-python"].removeprefix(">=")
    assert Version(python.split("=")[1]) >= Version(minimum)


def test_the_version_has_one_source_and_a_changelog_entry():
    from widgets import __version__

    assert "version" in project()["dynamic"]
    assert "version" not in project()
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    first = re.search(r"^## \[?(\d+\.\d+\.\d+)", changelog, re.MULTILINE)
    assert first and first.group(1) == __version__, "CHANGELOG.md's newest entry"


def test_ci_runs_the_readme_test_command():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make lab" in quick_start and "make test" in quick_start
    assert quick_start.index("make lab") < quick_start.index("make test")
    assert re.search(r"^make test$", ci, re.MULTILINE)
