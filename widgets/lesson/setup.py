"""Lesson 00: who the learner is (``LearnerSetup``) and a tour of the codebook."""

from __future__ import annotations

import html
import os
from pathlib import Path

import ipywidgets
import pandas as pd
import traitlets

from .. import paths
from .display import HTMLText, box


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
            self.status.value = box(
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
        self.status.value = box(
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
        self.status.value = box(html.escape(message), kind="error")

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


def codebook_rows(codebook=None) -> pd.DataFrame:
    """The codebook's techniques as a table, in display order, grouped by category.

    Returns
    -------
    DataFrame
        Columns ``category``, ``name``, ``definition``, ``hint``, ``example``, ``key``,
        ``id``; plus one row per stance (category "Stance").
    """
    if codebook is None:
        from ..content.codebook import load_codebook

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


def codebook_tour(codebook=None) -> HTMLText:
    """The codebook as an HTML table grouped by category (all text escaped).

    Each technique shows its name, definition, a hint for spotting it (and a non-example:
    what looks like it but is not), an example from the articles and its shortcut key in
    the annotation panel. After the table: how to tell apart the techniques learners
    confuse, what each stance means for each target, the frames with an example each, the
    techniques left out and why, and the coding rules.
    """
    from ..content.codebook_help import target_help_html, tell_apart_html

    if codebook is None:
        from ..content.codebook import load_codebook

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
    return HTMLText("".join(parts))
