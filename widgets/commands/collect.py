"""``rhetoric-lab collect INPUT... --out class.csv``: merge a class's label files."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HELP = "merge learners' label CSVs (folders, platform zips, nbgrader) into class.csv"


def add_arguments(parser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="folders (searched recursively), zip downloads, or CSV files",
    )
    parser.add_argument("--out", required=True, help="merged current labels, e.g. class.csv")
    parser.add_argument("--data-dir", help="folder with articles/ and codebook.yml")
    parser.add_argument(
        "--answers-dir",
        help="answer folder; when it holds a key, the summary says how close learners are",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar, summary only")


def _out_problem(out: Path) -> str | None:
    if out.is_dir():
        return f"--out {out} is a folder; give a file name such as {out / 'class.csv'}"
    folder = out.parent
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        return f"--out {out}: cannot write to {existing}"
    if out.exists() and not os.access(out, os.W_OK):
        return f"--out {out}: the file is not writable"
    return None


def _overlap_problem(out: Path, inputs) -> str | None:
    """An --out that would overwrite an input file, or a learner's file in an input folder.

    Writing into an input folder is fine: the next collect there skips collect's own
    outputs (see :func:`widgets.collect.is_collect_output`)."""
    from ..collect import is_collect_output, output_paths

    targets = [p.resolve() for p in output_paths(out).values()]
    for given in inputs:
        source = Path(given).resolve()
        for target in targets:
            if target == source:
                return f"--out {out} would overwrite the input {given}; write the results elsewhere"
            if (
                source.is_dir()
                and source in target.parents
                and target.is_file()
                and not is_collect_output(target)
            ):
                return (
                    f"--out {out} would overwrite {target}, a file in the input folder {given} "
                    "that collect did not write; choose another name"
                )
    return None


def _summary(result, targets, key_line: str | None) -> str:
    counts = result.counts
    kind = " (SIMULATED class)" if result.simulated else ""
    lines = [
        f"collected {counts['learners']} learner(s) from {counts['files']} file(s){kind}",
        f"  rows read   {counts['rows_read']:>10,}",
        f"  kept        {counts['kept']:>10,}  current labels -> {targets['labels']}",
        f"  superseded  {counts['superseded']:>10,}  earlier saves -> {targets['history']}",
        f"  cleared     {counts['cleared']:>10,}  labels withdrawn (undo), in the history",
        f"  duplicate   {counts['duplicate']:>10,}  identical rows seen more than once",
        f"  rejected    {counts['rejected']:>10,}  -> {targets['rejects']}",
    ]
    if counts.get("revealed"):
        lines.insert(
            -1,
            f"  revealed    {counts['revealed']:>10,}  looks at the key, in the history "
            "(class measures use the labels given before them)",
        )
    for reason, number in result.rejected_by_reason.items():
        lines.append(f"      {number:>8,}  {reason}")
    if counts["files_rejected"]:
        lines.append(f"  files rejected: {counts['files_rejected']}")
        for reason, number in result.files_rejected_by_reason.items():
            lines.append(f"      {number:>8,}  {reason}")
    outputs = result.skipped
    if outputs:
        lines.append(
            f"  skipped {len(outputs)} file(s) written by an earlier collect "
            f"(not label files): {', '.join(Path(name).name for name in outputs)}"
        )
    ids = [
        f"{row.file}: {row.notes}"
        for row in result.files.itertuples(index=False)
        if "learner id" in row.notes
    ]
    if ids:
        lines.append(f"  learner ids a spreadsheet changed ({len(ids)} file(s)):")
        lines.extend(f"      {line}" for line in ids[:20])
    reflections = targets.get("reflections_result")
    if reflections is not None and reflections.counts["files"]:
        r = reflections.counts
        lines += [
            f"reflections from {r['files']} file(s)",
            f"  rows read   {r['rows_read']:>10,}",
            f"  kept        {r['kept']:>10,}  current answers -> {targets['reflections']}",
            f"  superseded  {r['superseded']:>10,}  earlier saves",
            f"  duplicate   {r['duplicate']:>10,}  identical rows seen more than once",
            f"  rejected    {r['rejected']:>10,}  -> {targets['reflections_rejects']}",
        ]
        lines.extend(f"      {note}" for note in reflections.notes[:20])
    if key_line:
        lines.append(key_line)
    return "\n".join(lines)


def _key_line(result, answers_dir, codebook) -> str | None:
    from ..analysis.reliability import learner_vs_key
    from ..content.answers import AnswersMissing, load_key

    try:
        key = load_key(answers_dir)
    except (AnswersMissing, ValueError):
        return None
    if result.labels.empty:
        return None
    comparison = learner_vs_key(result.labels, key, technique_ids=codebook.technique_ids)
    scores = comparison.per_learner["micro_f1"]
    return f"  answer key found: median technique F1 per learner vs the key {scores.median():.2f}"


def run(args) -> int:
    from ..collect import InputError, output_paths, write_outputs
    from ..collect.class_collect import collect_class

    if not args.inputs:
        print("rhetoric-lab collect: give at least one INPUT (folder, zip or CSV)", file=sys.stderr)
        return 2
    missing = [p for p in args.inputs if not Path(p).exists()]
    if missing:
        print(
            f"rhetoric-lab collect: no such file or folder: {', '.join(missing)}", file=sys.stderr
        )
        return 2
    out = Path(args.out)
    problem = _out_problem(out) or _overlap_problem(out, args.inputs)
    if problem:
        print(f"rhetoric-lab collect: {problem}", file=sys.stderr)
        return 2
    from . import load_data

    try:
        corpus, codebook = load_data(args.data_dir)
    except (OSError, ValueError) as error:
        print(f"rhetoric-lab collect: {error}", file=sys.stderr)
        return 2
    progress = not args.quiet and sys.stderr.isatty()
    try:
        result, reflections = collect_class(
            args.inputs, corpus=corpus, codebook=codebook, progress=progress
        )
    except InputError as error:
        print(f"rhetoric-lab collect: {error}", file=sys.stderr)
        return 2
    if progress:  # (a large class writes gigabytes: say what the wait is)
        print(f"writing {out} and its history and rejects ...", file=sys.stderr, flush=True)
    # The files are written (Arrow's writer, without the GIL) while the summary's answer
    # key line is worked out (Python): 0.06 s less at 1,000 learners.
    with ThreadPoolExecutor(max_workers=1) as pool:
        writing = pool.submit(write_outputs, result, out)
        try:
            key_line = _key_line(result, args.answers_dir, codebook)
        except Exception as error:  # the summary line is a courtesy; never fail the merge
            key_line = f"  answer key found but not compared: {error}"
        try:
            targets = writing.result()
        except OSError as error:
            print(f"rhetoric-lab collect: cannot write {out}: {error}", file=sys.stderr)
            return 2
    from ..collect.reflections import write_class_reflections

    try:
        if isinstance(reflections, Exception):
            raise reflections
        targets = dict(targets)
        targets["reflections"] = write_class_reflections(reflections, out)
        targets["reflections_rejects"] = out.with_name(
            f"{out.stem if out.suffix else out.name}.reflections-rejects.csv"
        )
        reflections.rejects.to_csv(targets["reflections_rejects"], index=False)
        targets["reflections_result"] = reflections
    except (OSError, ValueError) as error:
        print(f"rhetoric-lab collect: reflections not collected: {error}", file=sys.stderr)
    print(_summary(result, output_paths(out) | targets, key_line))
    return 0 if result.counts["kept"] > 0 else 1
