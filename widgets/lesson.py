"""Small helpers the lesson notebooks call, so each lesson cell stays one line.

* :class:`LearnerSetup`: shows who is labelling, or asks once for a learner id.
* :func:`codebook_tour`: the codebook as one table, grouped by category.
* :func:`where_are_my_labels`: the learner's CSV, its size and progress per article.
* :func:`hand_in`: a copy of the learner's CSV (or a zip) in the current folder, to
  upload to a learning management system.
* :func:`my_charts`: the learner's own labels, charted (lesson 06).
* :func:`class_folder` and :func:`class_results`: the class's CSVs, or a clearly
  labelled simulated class when none have been collected yet (lesson 07).

Everything here reads files and returns plain results (dataclasses with an HTML view);
only :class:`LearnerSetup` is a widget.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import ipywidgets
import pandas as pd
import traitlets
from filelock import FileLock

from . import paths
from .schema import KEY_COLUMNS, STATUS_CLEARED, SUMMARY_SENTENCE_ID, TECHNIQUE_TARGET

__all__ = [
    "LearnerSetup",
    "codebook_rows",
    "codebook_tour",
    "glossary",
    "core_set",
    "frames_table",
    "diagnostic",
    "diagnostic_progress",
    "LabelsSummary",
    "where_are_my_labels",
    "HandIn",
    "hand_in",
    "current_labels",
    "MyCharts",
    "my_charts",
    "MIN_LABELS_TO_CHART",
    "ClassFolder",
    "class_folder",
    "CLASS_DIR_ENV",
    "SIMULATED_BANNER",
    "model_answers",
    "ClassResults",
    "class_results",
]

#: Environment variable naming the folder of collected learner CSVs (lesson 07).
CLASS_DIR_ENV = "RHETORIC_LAB_CLASS_DIR"

#: Shown above every chart of a simulated class, so nobody mistakes it for real results.
SIMULATED_BANNER = (
    "SIMULATED CLASS: these are made-up learners, not your class. Put your class's CSV "
    "files in a folder and set RHETORIC_LAB_CLASS_DIR to it (or use class/ at the top of "
    "the kit) to see real results."
)


def _box(message: str, *, kind: str = "info") -> str:
    """A coloured message box in HTML (``message`` must already be escaped)."""
    colours = {
        "info": ("#e8f1fb", "#1f5f99"),
        "ok": ("#e9f6ec", "#1e6b34"),
        "warning": ("#fff4e0", "#8a5300"),
        "error": ("#fdecea", "#a12622"),
    }
    background, border = colours[kind]
    return (
        f'<div class="rhetoric-lab-{kind}" style="background:{background};'
        f"border-left:4px solid {border};padding:8px 12px;margin:4px 0;"
        f'color:#1b1b1b">{message}</div>'
    )


# -- who is labelling ------------------------------------------------------------------


def _learner_source(learner: str | None) -> str | None:
    """Where :func:`widgets.paths.resolve_learner` takes the id from, in words."""
    if learner:
        return "given in this notebook"
    if os.environ.get("RHETORIC_LAB_LEARNER"):
        return "set by RHETORIC_LAB_LEARNER"
    if os.environ.get("JUPYTERHUB_USER"):
        return "your JupyterHub login"
    return None


class LearnerSetup(ipywidgets.VBox):
    """Shows the learner id labels are saved under, or asks for it once.

    The id comes from :func:`widgets.paths.resolve_learner` (argument, then
    ``RHETORIC_LAB_LEARNER``, then ``JUPYTERHUB_USER``, then the id remembered in the
    annotation folder). When none is known, a text box and a button call
    :func:`widgets.paths.remember_learner`; an invalid id is explained in words.

    Parameters
    ----------
    learner : str, optional
        Use this id (it is shown, not remembered).
    directory : path, optional
        Annotation folder; default :func:`widgets.paths.annotation_dir`.
    """

    learner = traitlets.Unicode(
        None, allow_none=True, help="The learner id labels are saved under, if known."
    )
    error = traitlets.Unicode("", help="The last problem shown to the learner, in words.")

    def __init__(self, *, learner: str | None = None, directory=None) -> None:
        self._given = learner
        self._directory = directory
        self.status = ipywidgets.HTML()
        self.text = ipywidgets.Text(
            placeholder="your name or student number",
            description="Learner id:",
            style={"description_width": "initial"},
        )
        self.save_button = ipywidgets.Button(
            description="Save my id", button_style="primary", icon="check"
        )
        self.change_button = ipywidgets.Button(description="Use a different id")
        self.output = ipywidgets.Output()
        self.save_button.on_click(self._guarded(self._on_save))
        self.change_button.on_click(self._guarded(self._on_change))
        self._form = ipywidgets.HBox([self.text, self.save_button])
        super().__init__([self.status, self._form, self.change_button, self.output])
        self._show_resolved()

    def _guarded(self, callback):
        # An exception in a button callback would vanish in JupyterLab; show it instead.
        def run(button):
            try:
                callback(button)
            except Exception as error:  # noqa: BLE001 - shown to the learner, not hidden
                with self.output:
                    print(f"Something went wrong: {error}")

        return run

    @property
    def path(self) -> Path | None:
        """The learner's label file, once the id is known."""
        if not self.learner:
            return None
        return paths.annotation_dir(self._directory) / f"{self.learner}.csv"

    def _show_resolved(self) -> None:
        try:
            resolved = paths.resolve_learner(self._given, self._directory)
        except ValueError as problem:
            source = _learner_source(self._given) or "remembered in the annotation folder"
            self._show_problem(f"The learner id {source} cannot be used: {problem}.")
            self._ask()
            return
        if resolved is None:
            self.learner = None
            self.status.value = _box(
                "Type the id your instructor asked you to use (for example your student "
                "number) and press <b>Save my id</b>. You only do this once."
            )
            self._ask()
            return
        self._show_learner(resolved, _learner_source(self._given))

    def _show_learner(self, learner: str, source: str | None) -> None:
        self.learner = learner
        self.error = ""
        how = f" ({html.escape(source)})" if source else ""
        self.status.value = _box(
            f"You are labelling as <b>{html.escape(learner)}</b>{how}. Your labels are "
            f"saved in <code>{html.escape(str(self.path))}</code>.",
            kind="ok",
        )
        self._form.layout.display = "none"
        # An id fixed by the environment wins over a remembered one: changing it here
        # would not take effect, so only offer to change a remembered id.
        self.change_button.layout.display = None if source is None else "none"

    def _ask(self) -> None:
        self._form.layout.display = None
        self.change_button.layout.display = "none"

    def _show_problem(self, message: str) -> None:
        self.error = message
        self.status.value = _box(html.escape(message), kind="error")

    def _on_save(self, _button=None) -> None:
        try:
            learner = paths.remember_learner(self.text.value, self._directory)
        except ValueError as problem:
            self._show_problem(f"That id cannot be used: {problem}. Please try another.")
            return
        if _learner_source(self._given) is not None:
            # Remembered for later, but the environment still decides this session.
            self._show_resolved()
            return
        self._show_learner(learner, None)

    def _on_change(self, _button=None) -> None:
        self.text.value = self.learner or ""
        self._ask()


# -- the codebook ----------------------------------------------------------------------


def codebook_rows(codebook=None) -> pd.DataFrame:
    """The codebook's techniques as a table, in display order, grouped by category.

    Returns
    -------
    DataFrame
        Columns ``category``, ``name``, ``definition``, ``hint``, ``example``, ``key``,
        ``id``; plus one row per stance (category "Stance").
    """
    if codebook is None:
        from .codebook import load_codebook

        codebook = load_codebook()
    rows = []
    for category in codebook.categories:
        for technique in codebook.techniques:
            if technique.category != category.id:
                continue
            rows.append(
                {
                    "category": category.name,
                    "name": technique.name,
                    "definition": technique.definition,
                    "hint": technique.hint,
                    "example": technique.example,
                    "key": technique.key,
                    "id": technique.id,
                }
            )
    rows.append(
        {
            "category": "No technique",
            "name": "Looked, no technique",
            "definition": "You read the sentence and found no technique in it.",
            "hint": "Saving this tells the kit you did not simply skip the sentence.",
            "example": "",
            "key": codebook.no_technique_key,
            "id": "",
        }
    )
    for stance in codebook.stances:
        rows.append(
            {
                "category": "Stance (toward the target shown in the panel)",
                "name": stance.name,
                "definition": stance.definition,
                "hint": "",
                "example": "",
                "key": stance.key,
                "id": stance.id,
            }
        )
    return pd.DataFrame(
        rows, columns=["category", "name", "definition", "hint", "example", "key", "id"]
    )


@dataclass(frozen=True)
class _HTML:
    """Rendered HTML that Jupyter displays and tests can read (``.html``)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def codebook_tour(codebook=None) -> _HTML:
    """The codebook as an HTML table grouped by category (all text escaped).

    Each technique shows its name, definition, a hint for spotting it (and a non-example:
    what looks like it but is not), an example from the articles and its shortcut key in
    the annotation panel. After the table: how to tell apart the techniques learners
    confuse, what each stance means for each target, the frames with an example each, the
    techniques left out and why, and the coding rules.
    """
    from .codebook_help import target_help_html, tell_apart_html

    if codebook is None:
        from .codebook import load_codebook

        codebook = load_codebook()
    table = codebook_rows(codebook)
    parts = [
        '<table class="rhetoric-lab-codebook" style="border-collapse:collapse;'
        'text-align:left;font-size:0.92em">',
        "<thead><tr><th>Key</th><th>Technique</th><th>What it is</th>"
        "<th>How to spot it</th><th>Example from the articles</th></tr></thead><tbody>",
    ]
    ids = set(codebook.technique_ids)
    for category, group in table.groupby("category", sort=False):
        parts.append(
            f'<tr><th colspan="5" style="background:#eef2f7;padding:6px">'
            f"{html.escape(category)}</th></tr>"
        )
        for row in group.itertuples(index=False):
            example = f"“{html.escape(row.example)}”" if row.example else ""
            non_example = codebook.technique(row.id).non_example if row.id in ids else ""
            not_this = f"<br><i>Not this:</i> {html.escape(non_example)}" if non_example else ""
            parts.append(
                "<tr style='vertical-align:top;border-bottom:1px solid #ddd'>"
                f"<td><kbd>{html.escape(row.key)}</kbd></td>"
                f"<td><b>{html.escape(row.name)}</b></td>"
                f"<td>{html.escape(row.definition)}</td>"
                f"<td>{html.escape(row.hint)}{not_this}</td>"
                f"<td><i>{example}</i></td></tr>"
            )
    parts.append("</tbody></table>")
    tell_apart = tell_apart_html(codebook.tell_apart, codebook)
    if tell_apart:
        parts.append(f"<h4>How to tell them apart</h4>{tell_apart}")
    parts.append("<h4>What each stance means, target by target</h4>")
    parts.extend(target_help_html(target) for target in codebook.targets)
    parts.append("<h4>Frames (chosen once per article, in the summary)</h4><ul>")
    for frame in codebook.frames:
        example = f" <i>Example:</i> “{html.escape(frame.example)}”" if frame.example else ""
        parts.append(
            f"<li><b>{html.escape(frame.name)}</b>: {html.escape(frame.definition)}{example}</li>"
        )
    parts.append("</ul>")
    if codebook.left_out:
        parts.append("<h4>Left out on purpose</h4><ul>")
        parts.extend(
            f"<li><b>{html.escape(entry.name)}</b>: {html.escape(entry.reason)}</li>"
            for entry in codebook.left_out
        )
        parts.append("</ul>")
    if codebook.coding_rules:
        parts.append("<h4>When the definitions leave it open</h4><ol>")
        parts.extend(f"<li>{html.escape(rule)}</li>" for rule in codebook.coding_rules)
        parts.append("</ol>")
    return _HTML("".join(parts))


def glossary(path=None) -> _HTML:
    """The glossary (``data/glossary.yml``) as an HTML definition list (text escaped)."""
    from .codebook_help import glossary_html
    from .glossary import load_glossary

    return _HTML("<h4>Glossary</h4>" + glossary_html(load_glossary(path)))


def core_set(article_id: str, *, corpus=None) -> _HTML:
    """The article's core set (``data/core-sets.yml``) as a table: sentence number, the
    sentence and why it was chosen. Lessons label these first."""
    from .core_sets import load_core_sets

    if corpus is None:
        from .corpus import load_corpus

        corpus = load_corpus()
    article = corpus.article(article_id)
    chosen = load_core_sets(corpus=corpus)[article_id]
    rows = "".join(
        "<tr style='vertical-align:top;border-bottom:1px solid #ddd'>"
        f"<td>{article.sentence_index[c.sentence_id].position}</td>"
        f"<td>{html.escape(article.sentence_index[c.sentence_id].text)}</td>"
        f"<td><i>{html.escape(c.reason)}</i></td></tr>"
        for c in chosen
    )
    return _HTML(
        f"<p><b>Core set of “{html.escape(article.title)}”</b>: {len(chosen)} of "
        f"{len(article.sentences)} sentences. Use <b>Jump to</b> in the panel to reach each "
        "one.</p><table class='rhetoric-lab-core-set' style='border-collapse:collapse;"
        "text-align:left;font-size:0.92em'><thead><tr><th>No.</th><th>Sentence</th>"
        f"<th>What it makes you decide</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def frames_table(codebook=None) -> _HTML:
    """The seven frames: name, definition and an example from the articles."""
    if codebook is None:
        from .codebook import load_codebook

        codebook = load_codebook()
    rows = "".join(
        "<tr style='vertical-align:top;border-bottom:1px solid #ddd'>"
        f"<td><b>{html.escape(f.name)}</b></td><td>{html.escape(f.definition)}</td>"
        f"<td><i>{'“' + html.escape(f.example) + '”' if f.example else ''}</i></td></tr>"
        for f in codebook.frames
    )
    return _HTML(
        "<table class='rhetoric-lab-frames' style='border-collapse:collapse;text-align:left;"
        "font-size:0.92em'><thead><tr><th>Frame</th><th>What the story is about</th>"
        f"<th>Example from the articles</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def diagnostic(*, corpus=None) -> _HTML:
    """The lesson 00 diagnostic: which sentences to label before any teaching, and what
    each one tests (``data/diagnostic.yml``)."""
    from .diagnostic import load_diagnostic

    if corpus is None:
        from .corpus import load_corpus

        corpus = load_corpus()
    test = load_diagnostic(corpus=corpus)
    article = corpus.article(test.article_id)
    items = "".join(
        f"<li><b>Sentence {article.sentence_index[s].position}</b>: "
        f"“{html.escape(article.sentence_index[s].text)}” <i>({html.escape(p)})</i></li>"
        for s, p in zip(test.sentence_ids, test.probes, strict=True)
    )
    return _HTML(
        f"<p>In “{html.escape(article.title)}”, label these {len(test.sentence_ids)} "
        f"sentences (techniques, and a stance toward every target):</p><ol>{items}</ol>"
    )


def diagnostic_progress(*, learner=None, directory=None, answers_dir=None) -> _HTML:
    """Lesson 07: your first answers to the lesson 00 diagnostic beside your answers now,
    and beside the key when this copy has it."""
    from .answers import AnswersMissing, load_key
    from .diagnostic import diagnostic_progress as progress
    from .diagnostic import load_diagnostic
    from .store import read_label_file

    resolved, path, problem = _label_file(learner, directory)
    if path is None or not path.exists():
        return _HTML(_box(html.escape(problem or "You have no labels yet."), kind="warning"))
    history, _problems = read_label_file(path)
    test = load_diagnostic()
    try:
        key = load_key(answers_dir, test.article_id)
    except AnswersMissing:
        key = None
    table = progress(history, test, key=key)
    if table["first"].eq("").all():
        return _HTML(_box("You have not labelled the diagnostic sentences yet.", kind="warning"))
    parts = []
    if key is not None:
        first, now = int(table["first_agrees"].sum()), int(table["now_agrees"].sum())
        parts.append(
            _box(
                f"Agreement with the key: {first} of {len(table)} decisions in lesson 00, "
                f"{now} of {len(table)} now.",
                kind="ok",
            )
        )
    else:
        parts.append(_box("The key is with your instructor: compare your answers in class."))
    shown = table.drop(columns=[c for c in ("first_agrees", "now_agrees") if c in table])
    parts.append(shown.to_html(index=False, escape=True))
    return _HTML("".join(parts))


# -- the learner's own file ------------------------------------------------------------


def current_labels(history: pd.DataFrame) -> pd.DataFrame:
    """The current labels in a learner file's rows: the latest row per key, cleared
    keys dropped (see :mod:`widgets.schema`)."""
    from .reveals import without_reveals

    history = without_reveals(history)  # a look at the key is no label
    if history.empty:
        return history.copy()
    ordered = history.sort_values("saved_at", kind="stable")
    latest = ordered.drop_duplicates(list(KEY_COLUMNS), keep="last")
    return latest[latest["status"] != STATUS_CLEARED].reset_index(drop=True)


def _label_file(learner, directory) -> tuple[str | None, Path | None, str]:
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
            return _box(html.escape(self.message), kind="warning")
        head = (
            f"Your labels (learner <b>{html.escape(self.learner or '')}</b>) are saved in "
            f"<code>{html.escape(str(self.path))}</code>."
        )
        if not self.rows:
            return _box(head + " " + html.escape(self.message))
        text = (
            f"{head} The file has {self.rows} saved rows (every change is a new row), "
            f"giving {self.current} current labels."
        )
        parts = [_box(text, kind="ok")]
        if self.problems:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
            parts.append(
                _box(
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
    from .store import read_label_file

    resolved, path, problem = _label_file(learner, directory)
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
        from .corpus import load_corpus

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
            return _box(html.escape(self.message), kind="warning")
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
        parts = [_box(text, kind="ok")]
        if self.problems:
            items = "".join(f"<li>{html.escape(p)}</li>" for p in self.problems)
            parts.append(_box(f"Lines that could not be read:<ul>{items}</ul>", kind="warning"))
        return "".join(parts)


def hand_in(out=None, *, learner=None, directory=None) -> HandIn:
    """Write the learner's hand-in: one zip with their labels and reflections.

    The zip (:mod:`widgets.handin`) holds the label file and the reflections file byte
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
    from .handin import HANDIN_PREFIX, write_hand_in
    from .store import read_label_file

    resolved, source, problem = _label_file(learner, directory)
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


# -- charts of the learner's own labels (lesson 06) -------------------------------------


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
            display(HTML(_box(html.escape(message), kind="info")))
        from .charts import OfflineChart

        for chart in (self.stance, self.techniques):
            if chart is not None:
                display(OfflineChart(chart))


#: Fewer sentence labels than this and the charts say more about chance than about you.
MIN_LABELS_TO_CHART = 5


def my_charts(
    *, learner=None, directory=None, target: str = "keir-starmer", corpus=None, codebook=None
) -> MyCharts:
    """The learner's own labels charted: stance toward ``target`` by outlet, and the
    techniques found in each article (:func:`widgets.charts.my_stance_chart`,
    :func:`widgets.charts.my_techniques_chart`).

    With no learner id, no file, or fewer than :data:`MIN_LABELS_TO_CHART` labels of a
    kind, that chart is replaced by a kind message saying what to do.
    """
    from .store import read_label_file

    resolved, path, problem = _label_file(learner, directory)
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
        from .corpus import load_corpus

        corpus = load_corpus()
    if codebook is None:
        from .codebook import load_codebook

        codebook = load_codebook()
    history, _problems = read_label_file(path)
    labels = current_labels(history)
    # Altair (via widgets.charts) is slow to import: only pay for it when drawing.
    from .charts import my_stance_chart, my_techniques_chart

    sentences = labels[labels["sentence_id"] != SUMMARY_SENTENCE_ID]
    stances = sentences[sentences["target"] == target]
    techniques = sentences[sentences["target"] == TECHNIQUE_TARGET]
    messages = []
    stance_chart = techniques_chart = None
    if len(stances) >= MIN_LABELS_TO_CHART:
        stance_chart = my_stance_chart(labels, corpus=corpus, target=target)
    else:
        messages.append(
            f"You have given a stance toward {target} on {len(stances)} sentences; the "
            f"stance chart appears from {MIN_LABELS_TO_CHART}. Use the f / a / n keys in "
            "the panel, then run this cell again."
        )
    if len(techniques) >= MIN_LABELS_TO_CHART:
        techniques_chart = my_techniques_chart(labels, corpus=corpus, codebook=codebook)
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


# -- the class (lesson 07) --------------------------------------------------------------


@dataclass(frozen=True)
class ClassFolder:
    """Where a class's label files are, or that there are none and a simulated class
    stands in for them (``simulated`` true, ``folder`` ``None``).

    ``files`` are the learner CSVs and platform zips found in ``folder`` (searched
    recursively, so an nbgrader ``submitted/`` tree works too); ``note`` says why a folder
    that was asked for was not used.
    """

    folder: Path | None
    simulated: bool
    files: tuple[Path, ...] = field(default_factory=tuple)
    source: str = ""
    note: str = ""

    @property
    def banner(self) -> str:
        """One line to show above the charts."""
        if self.simulated:
            return SIMULATED_BANNER + (f" ({self.note}.)" if self.note else "")
        return f"Your class: {len(self.files)} files in {self.folder} ({self.source})."

    def _repr_html_(self) -> str:
        if self.simulated:
            return (
                '<div class="rhetoric-lab-simulated" style="background:#fff0c2;'
                "border:3px dashed #b35c00;padding:10px 14px;margin:6px 0;font-size:1.1em;"
                f'color:#1b1b1b"><b>⚠ {html.escape(self.banner)}</b></div>'
            )
        return _box(html.escape(self.banner), kind="ok")


def _class_files(folder: Path) -> tuple[Path, ...]:
    found = [*folder.rglob("*.csv"), *folder.rglob("*.zip")]
    hidden = [p for p in found if any(part.startswith(".") for part in p.relative_to(folder).parts)]
    return tuple(sorted(set(found) - set(hidden)))


def class_folder(folder=None) -> ClassFolder:
    """Find the class's label files.

    Looks, in order, at ``folder``, ``$RHETORIC_LAB_CLASS_DIR`` and ``class/`` at the top
    of the kit; the first that holds learner CSVs (or platform zips) is used. When none
    does, the result is marked ``simulated``: lesson 07 then shows a simulated class.

    Raises
    ------
    FileNotFoundError
        If ``folder`` or ``$RHETORIC_LAB_CLASS_DIR`` names something that is not a
        folder, so a typo is not silently replaced by a simulated class.
    """
    candidates = []
    if folder is not None:
        candidates.append((Path(folder), "given in the notebook", True))
    env = os.environ.get(CLASS_DIR_ENV)
    if env:
        candidates.append((Path(env), f"set by {CLASS_DIR_ENV}", True))
    candidates.append((paths.class_dir(), "the class/ folder", False))
    notes = []
    for candidate, source, must_exist in candidates:
        if not candidate.is_dir():
            if must_exist:
                raise FileNotFoundError(
                    f"{candidate} ({source}) is not a folder; put the class's CSV files "
                    "there or correct the path"
                )
            continue
        files = _class_files(candidate)
        if files:
            return ClassFolder(folder=candidate, simulated=False, files=files, source=source)
        notes.append(f"{candidate} has no CSV files yet")
    return ClassFolder(folder=None, simulated=True, note="; ".join(notes))


# -- model answers (instructor guide) -----------------------------------------------------


def model_answers(lesson: str | None = None, *, answers_dir=None) -> _HTML:
    """The model answers to the lessons' reflection questions, as HTML (text escaped).

    Parameters
    ----------
    lesson : str, optional
        A lesson file stem such as ``"01-opinion-essay"``; default all lessons.
    answers_dir : path, optional
        Default :func:`widgets.paths.answers_dir`.

    Returns a kind message instead when the answers are not here (a learner release) or
    the lesson has none.
    """
    from .answers import AnswersMissing, load_model_answers

    try:
        answers = load_model_answers(answers_dir)
    except AnswersMissing as missing:
        return _HTML(_box(html.escape(str(missing)), kind="warning"))
    if lesson is not None:
        if lesson not in answers:
            known = ", ".join(answers) or "none"
            return _HTML(
                _box(
                    html.escape(
                        f"No model answers for lesson {lesson!r}; lessons with answers: {known}."
                    ),
                    kind="warning",
                )
            )
        answers = {lesson: answers[lesson]}
    parts = []
    for stem, entries in answers.items():
        parts.append(f"<h3>{html.escape(str(stem))}</h3><ol>")
        for entry in entries or []:
            parts.append(
                f"<li><p><b>{html.escape(str(entry.get('question', '')))}</b></p>"
                f"<p>{html.escape(str(entry.get('answer', '')))}</p></li>"
            )
        parts.append("</ol>")
    return _HTML("".join(parts))


# -- the class's results (lesson 07) ------------------------------------------------------


def _caption(simulated: bool) -> str:
    return (
        '<p class="rhetoric-lab-simulated"><b>⚠ Simulated class: made-up learners, not '
        "real data.</b></p>"
        if simulated
        else ""
    )


def _alpha_text(value: float) -> str:
    return "–" if value != value else f"{value:.2f}"  # NaN: too little data for an alpha


@dataclass(frozen=True)
class ClassResults:
    """A class's collected labels, ready for lesson 07's tables and charts.

    ``labels`` are the current labels from :func:`widgets.collect.collect`; ``counts`` and
    ``rejects`` say what was read and what was set aside.
    """

    source: ClassFolder
    labels: pd.DataFrame
    counts: dict
    rejects: pd.DataFrame
    corpus: object
    codebook: object
    #: what labels the measures use, when learners looked at the key ("" otherwise)
    note: str = ""

    @property
    def simulated(self) -> bool:
        return self.source.simulated

    @property
    def learners(self) -> int:
        return int(self.labels["learner"].astype(str).nunique()) if len(self.labels) else 0

    def _repr_html_(self) -> str:
        summary = (
            f"{self.learners} learners, {len(self.labels):,} current labels"
            f" ({self.counts.get('rows_read', 0):,} rows read from "
            f"{self.counts.get('files', len(self.source.files))} files"
        )
        rejected = self.counts.get("rejected", 0)
        summary += f"; {rejected:,} rows set aside, listed in .rejects)." if rejected else ")."
        if self.note:
            summary += " " + self.note
        return self.source._repr_html_() + _box(html.escape(summary))

    def agreement(self) -> _HTML:
        """Krippendorff's alpha per stance target and per technique, as an HTML table."""
        from .agreement import stance_alpha, technique_alpha

        if self.labels.empty:
            return _HTML(_box("No labels collected yet, so there is no agreement to show."))
        stance = stance_alpha(self.labels)
        techniques = technique_alpha(self.labels, list(self.codebook.technique_ids))
        names = {t.id: t.name for t in self.codebook.techniques}
        targets = {t.id: t.name for t in self.codebook.targets}
        rows = [
            (f"Stance toward {targets.get(target, target)}", alpha, units)
            for target, alpha, units in zip(
                stance["target"], stance["alpha"], stance["n_units"], strict=True
            )
        ]
        rows += [
            (names.get(technique, technique), alpha, units)
            for technique, alpha, units in zip(
                techniques["technique_id"], techniques["alpha"], techniques["n_units"], strict=True
            )
        ]
        body = "".join(
            f"<tr><td>{html.escape(str(name))}</td><td>{_alpha_text(float(alpha))}</td>"
            f"<td>{int(units)}</td></tr>"
            for name, alpha, units in rows
        )
        return _HTML(
            _caption(self.simulated)
            + '<table class="rhetoric-lab-agreement"><thead><tr><th>What</th>'
            "<th>Krippendorff's α</th><th>Sentences with 2+ readers</th></tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )

    def discuss(self, top: int = 10) -> _HTML:
        """The ``top`` sentences the class disagreed on most ("discuss these sentences")."""
        from .class_results import hotspots

        if self.labels.empty:
            return _HTML(_box("No labels collected yet, so there is nothing to discuss."))
        table = hotspots(self.labels, self.corpus, top=top)
        titles = {a.article_id: a.title for a in self.corpus.articles}
        names = {t.id: t.name for t in self.codebook.techniques}
        items = "".join(
            f"<li><p>“{html.escape(str(row.text))}”</p><p><small>"
            f"{html.escape(titles.get(str(row.article_id), str(row.article_id)))}, sentence "
            f"{int(row.position)} · disagreement {float(row.disagreement):.2f} · "
            f"{int(row.n_coders)} readers · most tagged: "
            f"{html.escape(names.get(str(row.top_technique), 'no technique'))}"
            "</small></p></li>"
            for row in table.itertuples(index=False)
        )
        return _HTML(_caption(self.simulated) + f'<ol class="rhetoric-lab-discuss">{items}</ol>')

    def chart(self, name: str):
        """One class chart by name: ``stance``, ``techniques``, ``hotspots``,
        ``agreement`` or ``cooccurrence`` (:func:`widgets.charts.class_charts`); a
        simulated class says so in every chart's title."""
        from . import charts

        makers = {
            "stance": lambda: charts.stance_chart(
                self.labels, corpus=self.corpus, simulated=self.simulated, codebook=self.codebook
            ),
            "techniques": lambda: charts.technique_heatmap(
                self.labels, corpus=self.corpus, codebook=self.codebook, simulated=self.simulated
            ),
            "hotspots": lambda: charts.hotspots_chart(
                self.labels, corpus=self.corpus, codebook=self.codebook, simulated=self.simulated
            ),
            "agreement": lambda: charts.agreement_chart(
                self.labels, codebook=self.codebook, simulated=self.simulated
            ),
            "cooccurrence": lambda: charts.cooccurrence_chart(
                self.labels, codebook=self.codebook, simulated=self.simulated
            ),
        }
        if name not in makers:
            raise ValueError(f"unknown chart {name!r}; choose one of {', '.join(makers)}")
        return charts.OfflineChart(makers[name]())


def class_results(
    folder=None, *, simulate_learners: int = 30, seed: int = 1, corpus=None, codebook=None
) -> ClassResults:
    """Collect the class's label files (found by :func:`class_folder`) into
    :class:`ClassResults`.

    When no files have been collected, ``simulate_learners`` made-up learners (random
    seed ``seed``) are simulated in a temporary folder (removed afterwards) and the
    result is marked simulated.
    """
    from .collect import collect

    if corpus is None:
        from .corpus import load_corpus

        corpus = load_corpus()
    if codebook is None:
        from .codebook import load_codebook

        codebook = load_codebook(corpus=corpus)
    source = class_folder(folder)
    if source.simulated:
        from .simulate import simulate_class

        with tempfile.TemporaryDirectory(prefix="rhetoric-lab-simulated-") as scratch:
            simulate_class(
                scratch, learners=simulate_learners, seed=seed, corpus=corpus, codebook=codebook
            )
            result = collect([scratch], corpus=corpus, codebook=codebook)
        source = ClassFolder(
            folder=None,
            simulated=True,
            source=f"{simulate_learners} simulated learners, seed {seed}",
            note=source.note,
        )
    else:
        result = collect([source.folder], corpus=corpus, codebook=codebook)
    from .reveals import PRE_REVEAL_NOTE, pre_reveal_labels

    # Class measures read pre-reveal labels: a label changed after a look at the key
    # measures the key, not the class (the same rule as the report).
    labels = pre_reveal_labels(result.labels, result.history)
    return ClassResults(
        source=source,
        labels=labels.astype(str),
        note=PRE_REVEAL_NOTE if result.counts.get("revealed") else "",
        counts=dict(result.counts),
        rejects=result.rejects,
        corpus=corpus,
        codebook=codebook,
    )
