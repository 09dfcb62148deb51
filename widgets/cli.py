"""``rhetoric-lab``: one sub-command per module in :mod:`widgets.commands`.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Exit codes: 0 success, 1 nothing useful done (or a command that
cannot load: the message names its module and the cause), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

__all__ = ["main", "COMMANDS", "CommandLoadError"]

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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
