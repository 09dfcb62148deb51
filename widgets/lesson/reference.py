"""Reference material a lesson lays out: the glossary, an article's core set, the frames,
and the diagnostic sentences (with the learner's progress on them). Read from
``data/`` (glossary.yml, core-sets.yml, codebook.yml, diagnostic.yml); all text escaped."""

from __future__ import annotations

import html

from .display import HTMLText as _HTML
from .display import box as _box

__all__ = ["glossary", "core_set", "frames_table", "diagnostic", "diagnostic_progress"]


def glossary(path=None) -> _HTML:
    """The glossary (``data/glossary.yml``) as an HTML definition list (text escaped)."""
    from ..content.codebook_help import glossary_html
    from ..content.glossary import load_glossary

    return _HTML("<h4>Glossary</h4>" + glossary_html(load_glossary(path)))


def core_set(article_id: str, *, corpus=None) -> _HTML:
    """The article's core set (``data/core-sets.yml``) as a table: sentence number, the
    sentence and why it was chosen. Lessons label these first."""
    from ..content.core_sets import load_core_sets

    if corpus is None:
        from ..content.corpus import load_corpus

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
        from ..content.codebook import load_codebook

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
    from ..content.diagnostic import load_diagnostic

    if corpus is None:
        from ..content.corpus import load_corpus

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
    from ..content.answers import AnswersMissing, load_key
    from ..content.diagnostic import diagnostic_progress as progress
    from ..content.diagnostic import load_diagnostic
    from ..labelling.store import read_label_file
    from .mine import label_file_of

    resolved, path, problem = label_file_of(learner, directory)
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
