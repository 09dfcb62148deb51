"""Fixtures for the tests of the kit as users install it: the wheel and sdist built once
per session, and fresh virtual environments with the wheel installed by pip.

Nothing here imports the checkout's ``widgets`` into those environments: every command
runs with the fresh venv's own Python, no ``PYTHONPATH``, an empty ``HOME`` and an empty
working folder, which is what a hub user has. Figures (wheel size, install time, hub
memory) are printed at the end of the run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from widgets.paths import REPO_ROOT

#: Figures measured by these tests, printed in the terminal summary.
FIGURES: dict[str, str] = {}

# The kit's own variables and the hub's: none may leak from the test runner into a
# "fresh" user's environment.
_DROPPED_PREFIXES = ("RHETORIC_LAB_", "JUPYTERHUB_", "JUPYTER_", "PYTHON", "VIRTUAL_ENV")


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("the installed kit")
        for name, value in FIGURES.items():
            terminalreporter.write_line(f"{name}: {value}")


@dataclass(frozen=True)
class BuiltKit:
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def bin(self) -> Path:
        return self.root / "bin"

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def site_packages(self) -> Path:
        return Path(
            subprocess.run(
                [str(self.python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )

    def env(self, home: Path, **extra: str) -> dict[str, str]:
        """A user's environment for this venv: its bin first on PATH, ``HOME`` as given,
        none of the runner's Python or kit variables."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(_DROPPED_PREFIXES) or k.startswith("PIP_")
        }
        env.update(
            {
                "PATH": f"{self.bin}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}",
                "HOME": str(home),
                "VIRTUAL_ENV": str(self.root),
            }
        )
        env.update(extra)
        return env

    def run(self, *command: str, home: Path, cwd: Path, timeout: float = 300, **extra):
        """Run ``command`` (a console script of this venv, or ``python``) as a user would;
        fail with its output when it fails."""
        program = str(self.bin / command[0])
        done = subprocess.run(
            [program, *command[1:]],
            cwd=cwd,
            env=self.env(home, **extra),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, (
            f"{' '.join(command)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
        return done


def pip_install(venv: Venv, *args: str, timeout: float = 900) -> float:
    """``pip install ARGS`` into ``venv``; return the seconds it took."""
    started = time.monotonic()
    done = subprocess.run(
        [str(venv.python), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTHON")},
    )
    assert done.returncode == 0, f"pip install {' '.join(args)} failed:\n{done.stderr[-4000:]}"
    return time.monotonic() - started


def make_venv(root: Path) -> Venv:
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=120)
    return Venv(root)


@pytest.fixture(scope="session")
def built_kit(tmp_path_factory) -> BuiltKit:
    """The sdist, and the wheel built from that sdist, by PyPA ``build`` (isolated, as
    pip builds): once per session, shared by every test here."""
    out = tmp_path_factory.mktemp("dist")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"python -m build failed:\n{done.stdout[-4000:]}{done.stderr}"
    wheel = next(out.glob("*.whl"))
    sdist = next(out.glob("*.tar.gz"))
    FIGURES["wheel"] = (
        f"{wheel.name}, {wheel.stat().st_size / 1024:.0f} KB "
        f"(sdist {sdist.stat().st_size / 1024:.0f} KB), built in {time.monotonic() - started:.1f} s"
    )
    return BuiltKit(wheel=wheel, sdist=sdist)


@pytest.fixture(scope="session")
def kit_venv(tmp_path_factory, built_kit) -> Venv:
    """A fresh venv with the wheel installed by pip at the lock's versions."""
    venv = make_venv(tmp_path_factory.mktemp("kit-venv") / "venv")
    seconds = pip_install(venv, "-c", str(REPO_ROOT / "requirements.lock"), str(built_kit.wheel))
    FIGURES["install the wheel into a fresh venv (-c requirements.lock)"] = f"{seconds:.0f} s"
    return venv


def _lower_bounds_key(python: str) -> str:
    digest = hashlib.sha256((REPO_ROOT / "lower-bounds.txt").read_bytes())
    digest.update(python.encode())
    return digest.hexdigest()[:12]


@pytest.fixture(scope="session")
def lower_bounds_venv(built_kit) -> Venv:
    """A venv with this session's wheel installed under ``-c lower-bounds.txt``: every
    dependency at the lower bound of its range.

    Those dependencies take minutes to install, so the venv is made once per set of lower
    bounds (in the git-ignored ``build/``) and reused; later sessions reinstall only the
    wheel, and ``pip check`` confirms the wheel's ranges still accept what is there."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    root = REPO_ROOT / "build" / f"venv-lower-bounds-{_lower_bounds_key(python)}"
    venv = Venv(root)
    ready = root / ".dependencies-installed"
    if ready.exists():
        pip_install(venv, "--no-deps", "--force-reinstall", str(built_kit.wheel))
    else:
        shutil.rmtree(root, ignore_errors=True)
        make_venv(root)
        constraints = str(REPO_ROOT / "lower-bounds.txt")
        seconds = pip_install(venv, "-c", constraints, str(built_kit.wheel))
        ready.write_text("installed\n")
        FIGURES["lower-bounds venv (made once, then reused)"] = f"{seconds:.0f} s"
    pip_check = subprocess.run(
        [str(venv.python), "-m", "pip", "check"], capture_output=True, text=True, timeout=120
    )
    assert pip_check.returncode == 0, f"the lower bounds conflict:\n{pip_check.stdout}"
    return venv


def user_dirs(tmp_path: Path) -> tuple[Path, Path]:
    """An empty home and an empty working folder."""
    home, cwd = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    cwd.mkdir()
    return home, cwd


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }
