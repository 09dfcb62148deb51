"""The class: the folder of collected labels, the model answers, and lesson 07's class
results (read from one :class:`~widgets.analysis.model.ClassModel`)."""

from __future__ import annotations

import html
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import paths
from .display import CLASS_DIR_ENV, SIMULATED_BANNER, HTMLText, box, simulated_caption


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
        return box(html.escape(self.banner), kind="ok")


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


def model_answers(lesson: str | None = None, *, answers_dir=None) -> HTMLText:
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
    from ..content.answers import AnswersMissing, load_model_answers

    try:
        answers = load_model_answers(answers_dir)
    except AnswersMissing as missing:
        return HTMLText(box(html.escape(str(missing)), kind="warning"))
    if lesson is not None:
        if lesson not in answers:
            known = ", ".join(answers) or "none"
            return HTMLText(
                box(
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
    return HTMLText("".join(parts))


def _alpha_text(value: float) -> str:
    return "–" if value != value else f"{value:.2f}"  # NaN: too little data for an alpha


@dataclass(frozen=True)
class ClassResults:
    """A class's collected labels, ready for lesson 07's tables and charts.

    ``model`` is the class prepared once (:class:`widgets.analysis.model.ClassModel`):
    the agreement table, the sentences to discuss and every chart read it. ``counts``
    and ``rejects`` say what was read and what was set aside.
    """

    source: ClassFolder
    model: object
    counts: dict
    rejects: pd.DataFrame
    #: what labels the measures use, when learners looked at the key ("" otherwise)
    note: str = ""

    @property
    def labels(self) -> pd.DataFrame:
        return self.model.labels

    @property
    def corpus(self):
        return self.model.corpus

    @property
    def codebook(self):
        return self.model.codebook

    @property
    def simulated(self) -> bool:
        return self.source.simulated

    @property
    def learners(self) -> int:
        return len(self.model.learners) if len(self.labels) else 0

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
        return self.source._repr_html_() + box(html.escape(summary))

    def agreement(self) -> HTMLText:
        """Krippendorff's alpha per stance target and per technique, as an HTML table."""
        if self.labels.empty:
            return HTMLText(box("No labels collected yet, so there is no agreement to show."))
        stance, techniques = self.model.stance_alpha, self.model.technique_alpha
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
        return HTMLText(
            simulated_caption(self.simulated)
            + '<table class="rhetoric-lab-agreement"><thead><tr><th>What</th>'
            "<th>Krippendorff's α</th><th>Sentences with 2+ readers</th></tr></thead>"
            f"<tbody>{body}</tbody></table>"
        )

    def discuss(self, top: int = 10) -> HTMLText:
        """The ``top`` sentences the class disagreed on most ("discuss these sentences")."""
        if self.labels.empty:
            return HTMLText(box("No labels collected yet, so there is nothing to discuss."))
        table = self.model.disputed_sentences.head(top)
        titles = {a.article_id: a.title for a in self.corpus.articles}
        names = {t.id: t.name for t in self.codebook.techniques}
        items = "".join(
            f"<li><p>“{html.escape(_cut(str(row.text)))}”</p><p><small>"
            f"{html.escape(titles.get(str(row.article_id), str(row.article_id)))}, sentence "
            f"{int(row.position)} · disagreement {float(row.disagreement):.2f} · "
            f"{int(row.n_coders)} readers · most tagged: "
            f"{html.escape(names.get(str(row.top_technique), 'no technique'))}"
            "</small></p></li>"
            for row in table.itertuples(index=False)
        )
        return HTMLText(
            simulated_caption(self.simulated) + f'<ol class="rhetoric-lab-discuss">{items}</ol>'
        )

    def chart(self, name: str):
        """One class chart by name, from the chart registry
        (:data:`widgets.present.registry.CLASS_CHARTS`: ``stance``, ``techniques``,
        ``hotspots``, ``agreement``, ``cooccurrence``, and the key's with a key); a
        simulated class says so in every chart's title."""
        from ..present.charts import OfflineChart
        from ..present.registry import build

        return OfflineChart(build(name, self.model))


TEXT_LIMIT = 160


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def class_results(
    folder=None, *, simulate_learners: int = 30, seed: int = 1, corpus=None, codebook=None
) -> ClassResults:
    """Collect the class's label files (found by :func:`class_folder`) into
    :class:`ClassResults`.

    When no files have been collected, ``simulate_learners`` made-up learners (random
    seed ``seed``) are simulated in a temporary folder (removed afterwards) and the
    result is marked simulated.
    """
    from ..collect import collect

    if corpus is None:
        from ..content.corpus import load_corpus

        corpus = load_corpus()
    if codebook is None:
        from ..content.codebook import load_codebook

        codebook = load_codebook(corpus=corpus)
    source = class_folder(folder)
    if source.simulated:
        from ..classroom.simulate import simulate_class

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
    from ..analysis.model import ClassModel
    from ..analysis.reveals import PRE_REVEAL_NOTE, pre_reveal_labels

    # Class measures read pre-reveal labels: a label changed after a look at the key
    # measures the key, not the class (the same rule as the report).
    labels = pre_reveal_labels(result.labels, result.history)
    model = ClassModel(
        labels.astype(str), corpus=corpus, codebook=codebook, simulated=source.simulated
    )
    return ClassResults(
        source=source,
        model=model,
        counts=dict(result.counts),
        rejects=result.rejects,
        note=PRE_REVEAL_NOTE if result.counts.get("revealed") else "",
    )
