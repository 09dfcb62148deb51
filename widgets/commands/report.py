"""``rhetoric-lab report class.csv --out report.html``: the class report, offline."""

from __future__ import annotations

import sys
from pathlib import Path

HELP = "write the class report: one self-contained HTML file, or PNG/SVG charts"


def add_arguments(parser) -> None:
    parser.add_argument(
        "class_csv",
        metavar="CLASS_CSV",
        help="labels from `rhetoric-lab collect` (class.csv), or a folder of learner CSVs",
    )
    parser.add_argument("--out", default="report.html", help="HTML file (default report.html)")
    parser.add_argument(
        "--format",
        choices=("html", "png", "svg"),
        default="html",
        help="html (default), or png/svg: one image per chart in a folder named after --out",
    )
    parser.add_argument(
        "--show-names",
        action="store_true",
        help="show learner ids (default: salted pseudonyms such as learner-3f9a)",
    )
    parser.add_argument(
        "--salt",
        help="salt for pseudonyms (default $RHETORIC_LAB_SALT, else a salt kept in "
        "CLASS_CSV's folder as .rhetoric-lab-salt)",
    )
    parser.add_argument("--data-dir", help="folder with articles/ and codebook.yml")
    parser.add_argument("--answers-dir", help="answer folder with key/*.csv")
    parser.add_argument(
        "--history",
        help="every saved row (class.history.csv; default: the one beside CLASS_CSV, if any)",
    )
    parser.add_argument("--title", default="Rhetoric Lab: class results", help="report title")


def _fail(message: str) -> int:
    print(f"rhetoric-lab report: {message}", file=sys.stderr)
    return 2


def _read_labels(path: Path, what: str, columns=None):
    """A label CSV (categories, as collect returns), or a message saying what is wrong.
    Only ``columns`` (default: every label column) are read and required."""
    from ..collect import read_class_csv
    from ..schema import LABEL_COLUMNS

    required = list(columns or LABEL_COLUMNS)
    try:
        frame = read_class_csv(path, columns=columns)
    except FileNotFoundError:
        return None, f"{what} {path} does not exist"
    except ValueError as error:
        return None, f"{what}: {error}"
    except OSError as error:
        return None, f"cannot read {what} {path}: {error}"
    missing = [column for column in required if column not in frame.columns]
    if missing:
        return None, f"{what} {path} lacks column(s) {', '.join(missing)}; is it a label CSV?"
    return frame, None


def _reflections(source: Path, args):
    """``class.reflections.csv`` beside the class CSV (or collected from the folder) and
    the model answers, when there are any; ``(None, None)`` otherwise."""
    from ..collect.reflections import collect_reflections, read_class_reflections
    from ..content.answers import AnswersMissing, load_model_answers
    from ..labelling.reflections import REFLECTIONS_SUFFIX

    try:
        if source.is_dir():
            reflections = collect_reflections([source]).reflections
        else:
            beside = source.with_name(f"{source.stem}{REFLECTIONS_SUFFIX}")
            reflections = read_class_reflections(beside) if beside.exists() else None
    except (OSError, ValueError) as error:
        print(f"rhetoric-lab report: reflections left out: {error}", file=sys.stderr)
        reflections = None
    try:
        model_answers = load_model_answers(args.answers_dir)
    except (AnswersMissing, ValueError):
        model_answers = None
    return reflections, model_answers


# longer than 80 lines: the command's steps in order (read the class, the history, the
# key, the reflections, write), each failure a message and an exit code of its own.
def run(args) -> int:
    from ..analysis.reveals import reveal_mask
    from ..classroom.simulate import README_NAME
    from ..content.answers import AnswersMissing, load_key
    from ..present.pseudonyms import resolve_salt
    from ..present.report import write_report
    from ..schema import KEY_COLUMNS
    from . import load_data

    source = Path(args.class_csv)
    if not source.exists():
        return _fail(f"no such file or folder: {source}")
    try:
        corpus, codebook = load_data(args.data_dir)
    except (OSError, ValueError) as error:
        return _fail(str(error))

    history = None
    if source.is_dir():
        from ..collect import InputError, collect

        try:
            result = collect([source], corpus=corpus, codebook=codebook)
        except InputError as error:
            return _fail(str(error))
        labels, history = result.labels, result.history
        folder = source
    else:
        labels, problem = _read_labels(source, "class CSV")
        if problem:
            return _fail(problem)
        folder = source.parent
        history_path = Path(args.history) if args.history else None
        if history_path is None:
            from ..collect import output_paths

            beside = output_paths(source)["history"]
            history_path = beside if beside.exists() and beside != source else None
        if history_path is not None:
            # the report counts changed labels per key: the key columns and status are all
            # it reads, unless learners looked at the key (pre-reveal labels need times)
            history, problem = _read_labels(history_path, "history CSV", (*KEY_COLUMNS, "status"))
            if not problem and reveal_mask(history).any():
                history, problem = _read_labels(history_path, "history CSV")
            if problem:
                return _fail(problem)

    learners = labels.loc[labels["learner"] != "key", "learner"]
    if learners.empty:
        print(f"rhetoric-lab report: {source} holds no learner labels", file=sys.stderr)
        return 1
    try:
        key = load_key(args.answers_dir)
    except AnswersMissing:
        key = None
    except ValueError as error:
        return _fail(f"answer key: {error}")

    reflections, model_answers = _reflections(source, args)
    salt = None if args.show_names else resolve_salt(args.salt, folder)
    simulated = (folder / README_NAME).exists() or None
    try:
        result = write_report(
            labels,
            args.out,
            corpus=corpus,
            codebook=codebook,
            fmt=args.format,
            key=key,
            history=history,
            show_names=args.show_names,
            salt=salt,
            simulated=simulated,
            title=args.title,
            reflections=reflections,
            model_answers=model_answers,
        )
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error}")
    kind = " (simulated class)" if result.simulated else ""
    print(
        f"wrote {result.path}: {len(result.charts)} charts, {result.learners} learners{kind}"
        + ("" if key is not None else "; no answer key found, key charts left out")
    )
    return 0
