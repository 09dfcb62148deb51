"""Does the answer key keep the codebook's rules? The checks behind ``rhetoric-lab check-key``.

:func:`check_key` reads nothing itself: it takes the key, the contested readings, the
corpus and the codebook, and returns a :class:`KeyCheck` holding every problem found
(:class:`KeyProblem`, all collected before one report) and, for every cue a technique's
hint names, where the cue occurs in the articles and whether the key tags it there
(:class:`CueUse`). :func:`render_key_check` turns it into the short table an editor reads.

Checks (``KeyProblem.check``):

* ``example``: every technique's codebook example is tagged with that technique in the
  key, on the sentence(s) the example is copied from.
* ``coverage``: every sentence has a technique row and a stance row per target of its
  article, with known ids, the sentence's current (or an accepted earlier) ``text_sha1``
  and a rationale; no row is repeated or points outside the articles.
* ``rationale``: every favor or against row has a rationale.
* ``version``: every row carries the codebook's current version.
* ``summary``: every article has its summary rows (main frame, and the overall stance
  toward each target), each with a rationale.
* ``contested``: every contested reading points at a key row and differs from it.
* ``cue``: a cue named in the hints of two techniques that share no tell-apart group
  (coding rule: every cue belongs to one technique, or its hint says how to tell).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ..schema import STANCES, SUMMARY_SENTENCE_ID, TECHNIQUE_TARGET, split_techniques

__all__ = [
    "KeyProblem",
    "CueUse",
    "KeyCheck",
    "hint_cues",
    "cue_pattern",
    "check_key",
    "render_key_check",
]

_CUE = re.compile(r'"([^"]+)"')


@dataclass(frozen=True)
class KeyProblem:
    """One broken rule: which check, where (a sentence id or file entry), and what."""

    check: str
    where: str
    detail: str


@dataclass(frozen=True)
class CueUse:
    """A hint cue of one technique and the sentences it occurs in.

    ``tagged`` and ``untagged`` are sentence ids where the key does or does not give the
    technique; ``tags`` maps every occurrence to the key's techniques there.
    """

    technique_id: str
    cue: str
    tagged: tuple[str, ...]
    untagged: tuple[str, ...]
    tags: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def found(self) -> int:
        return len(self.tagged) + len(self.untagged)

    @property
    def mixed(self) -> bool:
        """Tagged in some places and not in others: worth an editor's look."""
        return bool(self.tagged) and bool(self.untagged)


@dataclass(frozen=True)
class KeyCheck:
    """What :func:`check_key` found."""

    problems: tuple[KeyProblem, ...]
    cues: tuple[CueUse, ...]
    n_rows: int
    n_sentences: int
    version: str
    #: Article ids in corpus order: the report names sentences "A-010", "B-003", ...
    article_ids: tuple[str, ...] = ()

    def short_id(self, sentence_id: str) -> str:
        """``A-010`` for the 10th sentence of the first article (the id if unknown)."""
        for number, article_id in enumerate(self.article_ids):
            if sentence_id.startswith(article_id + "-"):
                return f"{chr(ord('A') + number)}-{sentence_id[len(article_id) + 1 :]}"
        return sentence_id

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_by_check(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for problem in self.problems:
            counts[problem.check] = counts.get(problem.check, 0) + 1
        return counts


def hint_cues(codebook) -> dict[str, tuple[str, ...]]:
    """``{technique_id: cues}``: the words each hint puts in straight double quotes."""
    cues = {}
    for technique in codebook.techniques:
        found = []
        for cue in _CUE.findall(technique.hint):
            cue = " ".join(cue.split())
            if cue and cue.lower() not in {c.lower() for c in found}:
                found.append(cue)
        cues[technique.id] = tuple(found)
    return cues


def cue_pattern(cue: str) -> re.Pattern[str]:
    """A case-insensitive pattern for a cue: whole words, "…" standing for any words."""
    parts = [re.escape(part.strip()) for part in cue.split("…")]
    body = r".*?".join(p for p in parts if p) or re.escape(cue)
    start = r"\b" if cue[:1].isalnum() else ""
    end = r"\b" if cue[-1:].isalnum() else ""
    return re.compile(start + body + end, re.IGNORECASE)


def _current_rows(key: pd.DataFrame) -> pd.DataFrame:
    key = key.fillna("").astype(str)
    if "status" in key:
        key = key[key["status"].isin(("", "set"))]
    return key


# longer than 80 lines: one rule of codebook 2026.2 per block, in the codebook's order,
# so each check can be read beside the rule it enforces.
def _problems_from_rows(key, corpus, codebook) -> list[KeyProblem]:
    problems: list[KeyProblem] = []
    known_techniques = set(codebook.technique_ids)
    rows: dict[tuple[str, str, str], object] = {}
    for row in key.itertuples(index=False):
        where = (row.article_id, row.sentence_id, row.target)
        if where in rows:
            problems.append(
                KeyProblem(
                    "coverage",
                    row.sentence_id,
                    f"target {row.target or '(techniques)'}: more than one key row",
                )
            )
        rows[where] = row
        if row.codebook_version != codebook.version:
            problems.append(
                KeyProblem(
                    "version",
                    row.sentence_id,
                    f"row uses codebook version {row.codebook_version!r}; current is "
                    f"{codebook.version!r}",
                )
            )
        if row.target and row.stance in ("favor", "against") and not row.note.strip():
            problems.append(
                KeyProblem(
                    "rationale",
                    row.sentence_id,
                    f"{row.stance} toward {row.target} has no rationale",
                )
            )

    articles = {a.article_id: a for a in corpus.articles}
    for article_id, sentence_id, target in rows:
        article = articles.get(article_id)
        if article is None:
            problems.append(KeyProblem("coverage", sentence_id, f"unknown article {article_id!r}"))
            continue
        if target and target not in article.targets:
            problems.append(
                KeyProblem(
                    "coverage",
                    sentence_id,
                    f"target {target!r} is not one of the "
                    f"article's targets ({', '.join(article.targets)})",
                )
            )
        if sentence_id != SUMMARY_SENTENCE_ID and sentence_id not in article.sentence_index:
            problems.append(KeyProblem("coverage", sentence_id, "not a sentence of the article"))

    for article in corpus.articles:
        for sentence in article.sentences:
            for target in (TECHNIQUE_TARGET, *article.targets):
                row = rows.get((article.article_id, sentence.sentence_id, target))
                what = f"target {target or '(techniques)'}"
                if row is None:
                    problems.append(
                        KeyProblem("coverage", sentence.sentence_id, f"{what}: no key row")
                    )
                    continue
                if not sentence.accepts(row.text_sha1):
                    problems.append(
                        KeyProblem(
                            "coverage",
                            sentence.sentence_id,
                            f"{what}: text_sha1 does not match the sentence",
                        )
                    )
                if not row.note.strip():
                    problems.append(
                        KeyProblem("coverage", sentence.sentence_id, f"{what}: no rationale")
                    )
                if target and row.stance not in STANCES:
                    problems.append(
                        KeyProblem(
                            "coverage",
                            sentence.sentence_id,
                            f"{what}: stance {row.stance!r} is not one of {', '.join(STANCES)}",
                        )
                    )
                if not target:
                    unknown = sorted(set(split_techniques(row.techniques)) - known_techniques)
                    if unknown:
                        problems.append(
                            KeyProblem(
                                "coverage",
                                sentence.sentence_id,
                                "unknown techniques " + ", ".join(unknown),
                            )
                        )

        where = f"{article.article_id} summary"
        frame_row = rows.get((article.article_id, SUMMARY_SENTENCE_ID, TECHNIQUE_TARGET))
        if frame_row is None:
            problems.append(KeyProblem("summary", where, "no main-frame row"))
        elif frame_row.frame not in codebook.frame_ids or not frame_row.note.strip():
            problems.append(
                KeyProblem(
                    "summary",
                    where,
                    f"main frame {frame_row.frame!r} must be a codebook frame, with a rationale",
                )
            )
        for target in article.targets:
            row = rows.get((article.article_id, SUMMARY_SENTENCE_ID, target))
            if row is None:
                problems.append(KeyProblem("summary", where, f"no overall stance toward {target}"))
            elif row.stance not in STANCES or not row.note.strip():
                problems.append(
                    KeyProblem(
                        "summary",
                        where,
                        f"overall stance toward {target} must be one of "
                        f"{', '.join(STANCES)}, with a rationale",
                    )
                )
    return problems


def _technique_sets(key: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    rows = key[(key["target"] == TECHNIQUE_TARGET) & (key["sentence_id"] != SUMMARY_SENTENCE_ID)]
    return {
        s: split_techniques(t) for s, t in zip(rows["sentence_id"], rows["techniques"], strict=True)
    }


def _example_problems(corpus, codebook, tags) -> list[KeyProblem]:
    from .codebook import normalise_whitespace

    problems = []
    for technique in codebook.techniques:
        try:
            article = corpus.article(technique.example_article)
        except KeyError:
            problems.append(
                KeyProblem(
                    "example",
                    technique.id,
                    f"example_article {technique.example_article!r} is not an article",
                )
            )
            continue
        example = normalise_whitespace(technique.example)
        sentences = [
            s
            for s in article.sentences
            if example in normalise_whitespace(s.text) or normalise_whitespace(s.text) in example
        ]
        if not sentences:
            problems.append(KeyProblem("example", technique.id, "example not found in its article"))
        for sentence in sentences:
            if technique.id not in tags.get(sentence.sentence_id, ()):
                problems.append(
                    KeyProblem(
                        "example",
                        sentence.sentence_id,
                        f"the codebook example of "
                        f"{technique.id} is not tagged {technique.id} in the key",
                    )
                )
    return problems


def _contested_problems(contested, key, codebook) -> list[KeyProblem]:
    if contested is None or contested.empty:
        return []
    problems = []
    rows = {(r.article_id, r.sentence_id, r.target): r for r in key.itertuples(index=False)}
    for alt in contested.fillna("").astype(str).itertuples(index=False):
        row = rows.get((alt.article_id, alt.sentence_id, alt.target))
        what = f"contested target {alt.target or '(techniques)'}"
        if row is None:
            problems.append(KeyProblem("contested", alt.sentence_id, f"{what}: no key row"))
            continue
        if alt.target:
            if alt.alt_stance not in STANCES or alt.alt_stance == row.stance:
                problems.append(
                    KeyProblem(
                        "contested",
                        alt.sentence_id,
                        f"{what}: the other reading "
                        f"{alt.alt_stance!r} must be a stance that differs from the key's",
                    )
                )
        else:
            alt_set = set(split_techniques(alt.alt_techniques))
            unknown = sorted(alt_set - set(codebook.technique_ids))
            if unknown:
                problems.append(
                    KeyProblem(
                        "contested", alt.sentence_id, "unknown techniques " + ", ".join(unknown)
                    )
                )
            elif alt_set == set(split_techniques(row.techniques)):
                problems.append(
                    KeyProblem(
                        "contested", alt.sentence_id, f"{what}: the other reading is the key's own"
                    )
                )
        if not alt.why.strip():
            problems.append(KeyProblem("contested", alt.sentence_id, f"{what}: no reason given"))
    return problems


def _cue_problems(codebook, cues: dict[str, tuple[str, ...]]) -> list[KeyProblem]:
    owners: dict[str, list[str]] = {}
    for technique_id, technique_cues in cues.items():
        for cue in technique_cues:
            owners.setdefault(cue.lower(), []).append(technique_id)
    problems = []
    for cue, technique_ids in owners.items():
        for i, first in enumerate(technique_ids):
            for second in technique_ids[i + 1 :]:
                shared = [g for g in codebook.tell_apart if {first, second} <= set(g.techniques)]
                if not shared:
                    problems.append(
                        KeyProblem(
                            "cue",
                            f"“{cue}”",
                            f"cued for both {first} and {second}, and "
                            "no tell-apart note covers them",
                        )
                    )
    return problems


def _cue_uses(corpus, cues, tags) -> list[CueUse]:
    uses = []
    sentences = [s for a in corpus.articles for s in a.sentences]
    for technique_id, technique_cues in cues.items():
        for cue in technique_cues:
            pattern = cue_pattern(cue)
            tagged, untagged, seen = [], [], []
            for sentence in sentences:
                if pattern.search(sentence.text):
                    given = tags.get(sentence.sentence_id, ())
                    (tagged if technique_id in given else untagged).append(sentence.sentence_id)
                    seen.append((sentence.sentence_id, tuple(given)))
            uses.append(CueUse(technique_id, cue, tuple(tagged), tuple(untagged), tuple(seen)))
    return uses


def check_key(key: pd.DataFrame, contested: pd.DataFrame | None, corpus, codebook) -> KeyCheck:
    """Check the answer key against the codebook's rules; collect every problem.

    Parameters
    ----------
    key : DataFrame
        The key in the label schema (:func:`widgets.content.answers.load_key`).
    contested : DataFrame or None
        Contested readings (:func:`widgets.content.answers.load_contested`).
    corpus : widgets.content.corpus.Corpus
    codebook : widgets.content.codebook.Codebook

    Returns
    -------
    KeyCheck
        ``ok`` when no rule is broken; ``cues`` always lists every hint cue's use.
    """
    key = _current_rows(key)
    tags = _technique_sets(key)
    cues = hint_cues(codebook)
    problems = [
        *_example_problems(corpus, codebook, tags),
        *_problems_from_rows(key, corpus, codebook),
        *_contested_problems(contested, key, codebook),
        *_cue_problems(codebook, cues),
    ]
    return KeyCheck(
        problems=tuple(problems),
        cues=tuple(_cue_uses(corpus, cues, tags)),
        n_rows=len(key),
        n_sentences=sum(len(a.sentences) for a in corpus.articles),
        version=codebook.version,
        article_ids=tuple(a.article_id for a in corpus.articles),
    )


def _table(header: Iterable[str], rows: list[list[str]]) -> list[str]:
    header = list(header)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]

    def line(cells) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_key_check(result: KeyCheck, *, cues: str = "mixed", limit: int = 4) -> str:
    """The report ``check-key`` prints.

    Parameters
    ----------
    result : KeyCheck
    cues : {"mixed", "all", "none"}
        Which cues to list: those the key tags in some places and not others (default),
        every cue found in the articles, or none.
    limit : int
        At most this many untagged sentences named per cue.
    """
    lines = [
        f"Answer key: {result.n_rows} rows, {result.n_sentences} sentences, codebook "
        f"version {result.version}."
    ]
    if result.ok:
        lines.append(
            "All checks pass: examples, coverage, rationales, version, summaries, "
            "contested readings, cues."
        )
    else:
        counts = ", ".join(f"{n} {check}" for check, n in result.problems_by_check().items())
        lines.append(f"{len(result.problems)} problem(s): {counts}.")
        lines.append("")
        lines.extend(
            _table(
                ("check", "where", "problem"),
                [[p.check, p.where, p.detail] for p in result.problems],
            )
        )
    if cues != "none":
        shown = [c for c in result.cues if c.found and (cues == "all" or c.mixed)]
        lines.append("")
        what = "every hint cue found" if cues == "all" else "hint cues the key tags only sometimes"
        lines.append(f"Cues ({what}; {len(shown)} of {len(result.cues)} cues):")
        rows = []
        for use in shown:
            named = ", ".join(result.short_id(s) for s in use.untagged[:limit])
            more = f" +{len(use.untagged) - limit}" if len(use.untagged) > limit else ""
            rows.append(
                [f"“{use.cue}”", use.technique_id, f"{len(use.tagged)}/{use.found}", named + more]
            )
        if rows:
            lines.extend(_table(("cue", "technique", "tagged", "not tagged in"), rows))
            legend = ", ".join(
                f"{chr(ord('A') + n)} = {a}" for n, a in enumerate(result.article_ids)
            )
            lines.append(f"(sentences: {legend})")
        else:
            lines.append("(none)")
    return "\n".join(lines)
