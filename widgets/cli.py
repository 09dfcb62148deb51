"""``rhetoric-lab``: one sub-command per module in :mod:`widgets.commands`.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Exit codes: 0 success, 1 nothing useful done (or a command that
cannot load: the message names its module and the cause), 2 usage error.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
import threading

from . import __version__

__all__ = ["main", "entry", "COMMANDS", "CommandLoadError"]

#: command name -> module under widgets.commands (imported only when used: fast start-up)
COMMANDS: dict[str, str] = {
    "build-articles": "build_articles",
    "add-article": "add_article",
    "collect": "collect",
    "report": "report",
    "simulate": "simulate",
    "release": "release",
    "export": "export",
    "check-key": "check_key",
    "lessons": "lessons",
    "where": "where",
    "keys": "keys",
    "unlock": "unlock",
}


class CommandLoadError(Exception):
    """A command module that cannot be imported (a broken install or a bug, never silence)."""


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; with a known ``command``, only that command's module is imported
    (``rhetoric-lab collect`` never pays for the others' imports)."""
    parser = argparse.ArgumentParser(
        prog="rhetoric-lab",
        description="Rhetoric Lab: articles, labels, class results.",
    )
    parser.add_argument("--version", action="version", version=f"rhetoric-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        if command in COMMANDS and name != command:
            continue
        module = _load(name, module_name)
        command_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def _load(name: str, module_name: str):
    path = f"widgets.commands.{module_name}"
    try:
        return importlib.import_module(path)
    except Exception as error:
        raise CommandLoadError(
            f"rhetoric-lab: the command {name!r} cannot load: importing {path} failed with "
            f"{type(error).__name__}: {error}"
        ) from error


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = _parser(argv[0] if argv else None)
    except CommandLoadError as error:
        print(error, file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    """The ``rhetoric-lab`` program: :func:`main`, then exit without tearing down the
    interpreter.

    A command's work is done when :func:`main` returns: its files are written and closed
    (every command writes through ``with`` blocks and replaces files atomically). Python's
    own exit would then spend a tenth of a second or more freeing every module and object
    one by one (measured: 0.15 s after ``report`` at 1,000 learners), time an instructor
    waits for nothing. So the streams are flushed, the ``atexit`` handlers run (logging,
    temporary folders, anything a library registered) and the process ends there. When a thread that is not a daemon is
    still running, the normal exit waits for it as usual.
    """
    code = main()
    if any(
        t.is_alive() and not t.daemon
        for t in threading.enumerate()
        if t is not threading.main_thread()
    ):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: exit as Python would, with its message
        sys.exit(code)
    atexit._run_exitfuncs()  # noqa: SLF001 - the handlers Python's own exit would run
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
