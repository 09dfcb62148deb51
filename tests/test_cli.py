"""Does ``rhetoric-lab`` offer every command, fail loudly when one cannot load, and make
each command pay only for what it uses?"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import widgets.commands
from widgets import cli
from widgets.cli import COMMANDS, CommandLoadError, main

ROOT = Path(__file__).resolve().parent.parent

#: Packages only a command that draws charts may import (each costs a second or more).
CHART_PACKAGES = ("altair", "vl_convert", "jsonschema", "vega_datasets")
#: Commands that draw no chart.
CHARTLESS = sorted(set(COMMANDS) - {"report"})

# Runs the CLI as `rhetoric-lab` does, then prints which chart packages it imported.
_PROBE = """
import json, sys
from widgets.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(HEAVY)))
print("\\nIMPORTED " + json.dumps(heavy))
sys.exit(code)
"""


def _run_probe(*arguments: str) -> list[str]:
    """Run ``rhetoric-lab ARGUMENTS`` in a fresh Python; the chart packages it imported."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    probe = _PROBE.replace("HEAVY", repr(json.dumps(CHART_PACKAGES)))
    done = subprocess.run(
        [sys.executable, "-c", probe, *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    line = done.stdout.rstrip().splitlines()[-1]
    assert line.startswith("IMPORTED "), done.stdout
    return json.loads(line.removeprefix("IMPORTED "))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_help_runs(command, capsys):
    """Does ``rhetoric-lab COMMAND --help`` load the command and describe its options?"""
    with pytest.raises(SystemExit) as exit:
        main([command, "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: rhetoric-lab {command}")
    assert "--help" in out


def test_top_level_help_lists_every_command(capsys):
    """Does ``rhetoric-lab --help`` list every command with its one-line help?"""
    with pytest.raises(SystemExit) as exit:
        main(["--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out


@pytest.fixture
def broken_command(tmp_path, monkeypatch):
    """A command module that raises on import, as one with a missing dependency does."""
    (tmp_path / "broken_for_test.py").write_text(
        "import rhetoric_lab_missing_dependency\nHELP = 'never seen'\n", encoding="utf-8"
    )
    monkeypatch.setattr(widgets.commands, "__path__", [*widgets.commands.__path__, str(tmp_path)])
    monkeypatch.setitem(cli.COMMANDS, "broken", "broken_for_test")
    yield "widgets.commands.broken_for_test"
    sys.modules.pop("widgets.commands.broken_for_test", None)


@pytest.mark.parametrize("argv", [["broken", "--help"], ["broken"], ["--help"], []])
def test_a_command_that_cannot_load_is_an_error_naming_module_and_cause(
    broken_command, argv, capsys
):
    """Is a command module that fails to import reported, with the module and the cause,
    instead of the command silently vanishing from the menu?"""
    assert main(argv) == 1
    error = capsys.readouterr().err
    assert "'broken' cannot load" in error
    assert broken_command in error
    assert "No module named 'rhetoric_lab_missing_dependency'" in error


def test_a_missing_command_module_is_an_error(monkeypatch):
    """Is a command whose module does not exist at all an error too (it was skipped)?"""
    monkeypatch.setitem(cli.COMMANDS, "ghost", "ghost_command_not_written")
    with pytest.raises(CommandLoadError, match="widgets.commands.ghost_command_not_written"):
        cli._parser()


def test_other_commands_still_run_beside_a_broken_one(broken_command, capsys):
    """Does a broken command leave the others usable (each loads only what it runs)?"""
    with pytest.raises(SystemExit) as exit:
        main(["collect", "--help"])
    assert exit.value.code == 0
    assert "usage: rhetoric-lab collect" in capsys.readouterr().out


@pytest.mark.parametrize("command", CHARTLESS)
def test_commands_without_charts_never_import_altair(command):
    """Does a command that draws no chart start without Altair or vl-convert?"""
    assert _run_probe(command, "--help") == []


def test_collect_and_simulate_runs_never_import_altair(tmp_path):
    """Do real ``simulate`` and ``collect`` runs on a class stay clear of Altair and
    vl-convert (and does the probe see them when a command does draw, the report)?"""
    folder = tmp_path / "class"
    assert _run_probe("simulate", "--learners", "4", "--out", str(folder), "--seed", "3") == []
    out = tmp_path / "out" / "class.csv"
    assert _run_probe("collect", str(folder), "--out", str(out), "--quiet") == []
    assert out.exists()
    imported = _run_probe("report", str(out), "--out", str(tmp_path / "report.html"))
    assert {"altair", "vl_convert"} <= set(imported)


def test_the_program_flushes_runs_exit_handlers_and_keeps_the_exit_code(tmp_path):
    """``rhetoric-lab`` (:func:`widgets.cli.entry`) skips the interpreter's teardown, but
    not what a normal exit does for the user: buffered output, atexit handlers, the code."""
    marker = tmp_path / "handler-ran"
    script = (
        "import atexit, sys\n"
        "from pathlib import Path\n"
        f"atexit.register(lambda: Path({str(marker)!r}).write_text('ran'))\n"
        f"sys.argv = ['rhetoric-lab', 'report', {str(tmp_path / 'missing.csv')!r}]\n"
        "from widgets.cli import entry\n"
        "sys.stdout.write('buffered line\\n')\n"
        "entry()\n"
        "print('never reached')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == "buffered line\n"
    assert "no such file or folder" in done.stderr
    assert marker.read_text() == "ran"
