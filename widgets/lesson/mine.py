"""A learner's own labels: where they are, handing them in, and charting them (lessons 00
and 06)."""

from __future__ import annotations

import html
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from filelock import FileLock

from .. import paths
from ..labelling.current import current_labels
from ..schema import SUMMARY_SENTENCE_ID, TECHNIQUE_TARGET
from .display import box


def label_file_of(learner, directory) -> tuple[str | None, Path | None, str]:
    """(learner, path, problem) for the learner's CSV; problem is "" when all is well."""
    try:
        resolved = paths.resolve_learner(learner, directory)
    except ValueError as problem:
        return None, None, f"Your learner id cannot be used: {problem}."
    if resolved is None:
        return None, None, "No learner id is set yet: run the first cells of lesson 00."
    return resolved, paths.annotation_dir(directory) / f"{resolved}.csv", ""


@dataclass(frozen=True)
class LabelsSummary:
    """Where a learner's labels are and how far they have got."""

    learner: str | None
    path: Path | None
    rows: int = 0
    current: int = 0
    progress: pd.DataFrame | None = None
    problems: tuple[str, ...] = ()
    message: str = ""

    def _repr_html_(self) -> str:
        if self.path is None:
            return box(html.escape(self.message), kind="warning")
        head = (
            f"Your labels (learner <b>{html.escape(self.learner or '')}</b>) are saved in "
            f"<code>{html.escape(str(self.path))}</code>."
        )
        if not self.rows:
            return box(head + " " + html.escape(self.message))
        text = (
            f"{head} The file has {self.rows} saved rows (every change is a new row), "
            f"giving {self.current} current labels."
        )
        parts = [box(text, kind="ok")]
        if self.problems:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
            parts.append(
                box(
                    f"Some lines could not be read and were set aside:<ul>{items}</ul>",
                    kind="warning",
                )
            )
        if self.progress is not None and not self.progress.empty:
            parts.append(self.progress.to_html(index=False, escape=True))
        return "".join(parts)


def where_are_my_labels(*, learner=None, directory=None, corpus=None) -> LabelsSummary:
    """Where the learner's CSV is, how many rows it holds, and progress per article.

    Parameters
    ----------
    learner : str, optional
        Default :func:`widgets.paths.resolve_learner`.
    directory : path, optional
        Annotation folder; default :func:`widgets.paths.annotation_dir`.
    corpus : Corpus, optional
        For the number of sentences per article; loaded from ``data/`` when not given.
    """
    from ..labelling.store import read_label_file

    resolved, path, problem = label_file_of(learner, directory)
    if path is None:
        return LabelsSummary(learner=None, path=None, message=problem)
    if not path.exists():
        return LabelsSummary(
            learner=resolved,
            path=path,
            message="Nothing is saved yet: the file appears with your first label.",
        )
    history, problems = read_label_file(path)
    current = current_labels(history)
    if corpus is None:
        from ..content.corpus import load_corpus

        corpus = load_corpus()
    looked = current[
        (current["target"] == TECHNIQUE_TARGET) & (current["sentence_id"] != SUMMARY_SENTENCE_ID)
    ]
    done = looked.groupby("article_id").size()
    progress = pd.DataFrame(
        [
            {
                "article": article.article_id,
                "sentences labelled": int(done.get(article.article_id, 0)),
                "sentences": len(article.sentences),
            }
            for article in corpus.articles
        ]
    )
    return LabelsSummary(
        learner=resolved,
        path=path,
        rows=len(history),
        current=len(current),
        progress=progress,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class HandIn:
    """The copy :func:`hand_in` made (``path`` is ``None`` when there was nothing to copy).

    ``reflections`` counts the reflection rows included (``None``: a CSV copy, which
    holds the labels only)."""

    path: Path | None
    learner: str | None
    rows: int = 0
    problems: tuple[str, ...] = ()
    message: str = ""
    reflections: int | None = None

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        what = f"{self.rows} label rows"
        if self.reflections is not None:
            what += f" and {self.reflections} reflection rows"
        return f"Copied {what} to {self.path}. Upload that file as your hand-in."

    def _repr_html_(self) -> str:
        if self.path is None:
            return box(html.escape(self.message), kind="warning")
        what = f"your {self.rows} saved label rows"
        if self.reflections is not None:
            what += f" and {self.reflections} saved reflection rows"
        text = (
            f"Copied {what} to <code>{html.escape(str(self.path))}</code>. "
            "Upload that file where your instructor asked (for example the course's "
            "assignment page). You can hand in again later: run this cell again and "
            "upload the new copy."
        )
        if self.reflections is None:
            text += " This CSV copy holds your labels only; run <code>hand_in()</code> for "
            text += "one file with your reflections too."
        parts = [box(text, kind="ok")]
        if self.problems:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
            parts.append(box(f"Lines that could not be read:<ul>{items}</ul>", kind="warning"))
        return "".join(parts)


def hand_in(out=None, *, learner=None, directory=None) -> HandIn:
    """Write the learner's hand-in: one zip with their labels and reflections.

    The zip (:mod:`widgets.labelling.handin`) holds the label file and the reflections file byte
    for byte and a ``handin.json`` naming the learner, so collect can tell when a
    spreadsheet mangled the id inside the rows.

    Parameters
    ----------
    out : path, optional
        Where to write: a ``.zip`` name, an existing folder, or a ``.csv`` name for a
        plain copy of the label file alone (the older hand-in). Default
        ``rhetoric-lab-handin-<learner>.zip`` in the current folder.
    learner : str, optional
        Default :func:`widgets.paths.resolve_learner`.
    directory : path, optional
        Annotation folder; default :func:`widgets.paths.annotation_dir`.

    Returns
    -------
    HandIn
        The file's path and row counts; ``path`` is ``None`` (with a message) when no id
        is set or nothing has been saved yet.

    Raises
    ------
    ValueError
        If ``out`` is the label file itself.
    """
    from ..labelling.handin import HANDIN_PREFIX, write_hand_in
    from ..labelling.store import read_label_file

    resolved, source, problem = label_file_of(learner, directory)
    if source is None:
        return HandIn(path=None, learner=None, message=problem)
    if not source.exists():
        return HandIn(
            path=None,
            learner=resolved,
            message=f"There is nothing to hand in yet: {source} does not exist. Label some "
            "sentences first.",
        )
    name = f"{HANDIN_PREFIX}{resolved}.zip"
    target = Path.cwd() / name if out is None else Path(out)
    if target.is_dir():
        target = target / name
    if target.resolve() == source.resolve():
        raise ValueError(f"{target} is your label file itself; choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix.lower() == ".zip":
        target, manifest = write_hand_in(target, resolved, directory)
        with zipfile.ZipFile(target) as archive, tempfile.TemporaryDirectory() as scratch:
            check = Path(archive.extract(f"{resolved}.csv", scratch))
            history, problems = read_label_file(check)
        reflections = sum(
            entry["rows"] for member, entry in manifest["files"].items() if member != check.name
        )
        return HandIn(
            path=target,
            learner=resolved,
            rows=len(history),
            problems=tuple(problems),
            reflections=reflections,
        )
    # The store's lock: a save in another tab cannot land half-way through the copy.
    with FileLock(str(source) + ".lock", timeout=10):
        shutil.copyfile(source, target)
        history, problems = read_label_file(target)
    return HandIn(path=target, learner=resolved, rows=len(history), problems=tuple(problems))


@dataclass(frozen=True)
class MyCharts:
    """The learner's own charts (``None`` where there is too little to chart) and the
    messages shown instead. Displaying it shows the messages, then the charts."""

    stance: object | None
    techniques: object | None
    messages: tuple[str, ...] = ()

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        for message in self.messages:
            display(HTML(box(html.escape(message), kind="info")))
        from ..present.charts import OfflineChart

        for chart in (self.stance, self.techniques):
            if chart is not None:
                display(OfflineChart(chart))


MIN_LABELS_TO_CHART = 5


def my_charts(
    *, learner=None, directory=None, target: str = "keir-starmer", corpus=None, codebook=None
) -> MyCharts:
    """The learner's own labels charted: stance toward ``target`` by outlet, and the
    techniques found in each article (:func:`widgets.present.charts.my_stance_chart`,
    :func:`widgets.present.charts.my_techniques_chart`).

    With no learner id, no file, or fewer than :data:`MIN_LABELS_TO_CHART` labels of a
    kind, that chart is replaced by a kind message saying what to do.
    """
    from ..labelling.store import read_label_file

    resolved, path, problem = label_file_of(learner, directory)
    if path is None:
        return MyCharts(stance=None, techniques=None, messages=(problem,))
    if not path.exists():
        return MyCharts(
            stance=None,
            techniques=None,
            messages=(
                "You have not saved any labels yet, so there is nothing to chart. Label a "
                "few sentences in lessons 01–05, then run this cell again.",
            ),
        )
    if corpus is None:
        from ..content.corpus import load_corpus

        corpus = load_corpus()
    if codebook is None:
        from ..content.codebook import load_codebook

        codebook = load_codebook()
    history, _problems = read_label_file(path)
    labels = current_labels(history)
    # Altair (via widgets.present.charts) is slow to import: only pay for it when drawing.
    from ..analysis.model import ClassModel
    from ..present.charts import my_stance_chart, my_techniques_chart

    mine = ClassModel(labels, corpus=corpus, codebook=codebook, simulated=False)

    sentences = labels[labels["sentence_id"] != SUMMARY_SENTENCE_ID]
    stances = sentences[sentences["target"] == target]
    techniques = sentences[sentences["target"] == TECHNIQUE_TARGET]
    messages = []
    stance_chart = techniques_chart = None
    if len(stances) >= MIN_LABELS_TO_CHART:
        stance_chart = my_stance_chart(mine, target=target)
    else:
        messages.append(
            f"You have given a stance toward {target} on {len(stances)} sentences; the "
            f"stance chart appears from {MIN_LABELS_TO_CHART}. Use the f / a / n keys in "
            "the panel, then run this cell again."
        )
    if len(techniques) >= MIN_LABELS_TO_CHART:
        techniques_chart = my_techniques_chart(mine)
    else:
        messages.append(
            f"You have labelled techniques on {len(techniques)} sentences; the technique "
            f"chart appears from {MIN_LABELS_TO_CHART}."
        )
    if stance_chart is not None and techniques_chart is not None:
        outlets = sentences["article_id"].nunique()
        if outlets < 2:
            messages.append(
                "Your labels so far come from one article, so there is nothing to compare "
                "yet: label some sentences in another lesson's article too."
            )
    return MyCharts(stance=stance_chart, techniques=techniques_chart, messages=tuple(messages))
