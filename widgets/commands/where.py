"""``rhetoric-lab where``: the folders, learner and versions this kit uses."""

from __future__ import annotations

import json

HELP = "print the data, lessons, answers and annotation folders in use, the learner and versions"


def add_arguments(parser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (for scripts)")


def run(args) -> int:
    from ..where import kit_report

    report = kit_report()
    print(json.dumps(report.to_dict(), indent=1) if args.json else report.describe())
    return 0
