"""``rhetoric-lab``: one sub-command per module in :mod:`widgets.commands`.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``. Exit codes: 0 success, 1 nothing useful done, 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main", "COMMANDS"]

#: command name -> module under widgets.commands (imported only when used: fast start-up)
COMMANDS: dict[str, str] = {
    "build-articles": "build_articles",
    "add-article": "add_article",
    "collect": "collect",
    "report": "report",
    "simulate": "simulate",
    "release": "release",
    "export": "export",
    "keys": "keys",
    "unlock": "unlock",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rhetoric-lab",
        description="Rhetoric Lab: articles, labels, class results.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(f"widgets.commands.{module_name}")
        except ModuleNotFoundError as error:
            if error.name != f"widgets.commands.{module_name}":
                raise
            continue  # a command still being written; tests/test_cli.py requires all
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
