"""The self-check's comparison: a learner's labels of one article against the answer key.

:func:`compare_with_key` is pure (DataFrames in, a frozen :class:`SelfCheckResult` out);
:mod:`widgets.lesson.selfcheck` shows it. A reading listed as contested counts as
agreeing when the learner chose it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..analysis.agreement import cohen_kappa
from ..labelling.current import current_labels
from ..schema import STANCES, TECHNIQUE_TARGET, split_techniques

__all__ = ["SentenceComparison", "SelfCheckResult", "compare_with_key"]


@dataclass(frozen=True)
class SentenceComparison:
    """One sentence: the learner's labels next to the key's.

    ``*_agree`` is ``None`` when either side has no label to compare. ``contested``
    holds the reason careful readers differ (``""`` if the sentence is not contested);
    ``used_alternative`` is true when the learner's answer matched the contested reading.
    """

    sentence_id: str
    position: int
    text: str
    learner_techniques: tuple[str, ...] | None
    key_techniques: tuple[str, ...] | None
    alt_techniques: tuple[str, ...] | None
    techniques_agree: bool | None
    learner_stances: dict[str, str | None]
    key_stances: dict[str, str | None]
    alt_stances: dict[str, str | None]
    stances_agree: dict[str, bool | None]
    rationale: str
    stance_rationale: dict[str, str]
    contested: str
    used_alternative: bool


@dataclass(frozen=True)
class SelfCheckResult:
    """Everything the self-check shows for one article.

    ``per_technique`` has one row per codebook technique: ``technique_id``, ``name``,
    ``tp``, ``fp``, ``fn``, ``precision``, ``recall`` (``nan`` when undefined) and
    ``kappa`` (Cohen's kappa of "tagged or not" over the compared sentences).
    """

    article_id: str
    sentences: tuple[SentenceComparison, ...]
    per_technique: pd.DataFrame = field(repr=False)
    n_compared: int
    technique_agreement: float
    micro_precision: float
    micro_recall: float
    n_stances: int
    stance_agreement: float
    stance_kappa: float

    @property
    def n_agree(self) -> int:
        return sum(1 for s in self.sentences if s.techniques_agree)


def _current(labels: pd.DataFrame | None, article_id: str) -> dict[tuple[str, str], dict]:
    """``{(sentence_id, target): row}`` of the article's current labels (one rule:
    :func:`widgets.labelling.current.current_labels`; reveal rows are no labels)."""
    if labels is None or labels.empty:
        return {}
    frame = current_labels(labels[labels["article_id"] == article_id])
    return {(row["sentence_id"], row["target"]): row for row in frame.to_dict("records")}


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else float("nan")


def _kappa(first: list, second: list, labels) -> float:
    return cohen_kappa(first, second, labels=list(labels)) if first else float("nan")


# longer than 80 lines: one pass over the article's sentences builds each comparison
# and the per-technique and stance counts together, so each label is read once.
def compare_with_key(
    learner_labels: pd.DataFrame,
    key_labels: pd.DataFrame,
    contested: pd.DataFrame | None,
    codebook,
    *,
    article,
) -> SelfCheckResult:
    """Compare one learner's labels of ``article`` with the answer key.

    Parameters
    ----------
    learner_labels, key_labels : DataFrame
        Labels in the schema of :mod:`widgets.schema` (current labels or full history:
        the latest set row per key is used). Other articles' rows are ignored.
    contested : DataFrame or None
        Columns ``article_id, sentence_id, target, alt_techniques, alt_stance, why``.
    codebook : widgets.content.codebook.Codebook
    article : widgets.content.corpus.Article

    Returns
    -------
    SelfCheckResult
        Only sentences both sides labelled are scored: an unlabelled sentence is not a
        miss. Where the learner's answer equals the contested reading, that reading is
        the reference for the sentence (it agrees, and counts as correct in precision,
        recall and kappa).
    """
    article_id = article.article_id
    mine = _current(learner_labels, article_id)
    key = _current(key_labels, article_id)
    alternatives: dict[tuple[str, str], dict] = {}
    if contested is not None and not contested.empty:
        for row in contested[contested["article_id"] == article_id].to_dict("records"):
            alternatives[(row["sentence_id"], row["target"] or TECHNIQUE_TARGET)] = row

    technique_ids = codebook.technique_ids
    counts = {t: {"tp": 0, "fp": 0, "fn": 0} for t in technique_ids}
    presence = {t: ([], []) for t in technique_ids}
    stance_pairs: tuple[list, list] = ([], [])
    comparisons = []
    n_compared = n_technique_agree = 0
    for sentence in article.sentences:
        sid = sentence.sentence_id
        learner_row = mine.get((sid, TECHNIQUE_TARGET))
        key_row = key.get((sid, TECHNIQUE_TARGET))
        alt_row = alternatives.get((sid, TECHNIQUE_TARGET))
        learner_set = split_techniques(learner_row["techniques"]) if learner_row else None
        key_set = split_techniques(key_row["techniques"]) if key_row else None
        alt_set = split_techniques(alt_row["alt_techniques"]) if alt_row else None
        used_alternative = False
        techniques_agree = None
        if learner_set is not None and key_set is not None:
            reference = set(key_set)
            if alt_set is not None and set(learner_set) == set(alt_set):
                reference, used_alternative = set(alt_set), set(learner_set) != set(key_set)
            said = set(learner_set)
            techniques_agree = said == reference
            n_compared += 1
            n_technique_agree += techniques_agree
            for technique_id in technique_ids:
                in_said, in_reference = technique_id in said, technique_id in reference
                counts[technique_id]["tp"] += in_said and in_reference
                counts[technique_id]["fp"] += in_said and not in_reference
                counts[technique_id]["fn"] += in_reference and not in_said
                presence[technique_id][0].append(in_said)
                presence[technique_id][1].append(in_reference)

        learner_stances, key_stances, alt_stances, stances_agree = {}, {}, {}, {}
        stance_rationale, contested_notes = {}, []
        if alt_row is not None:
            contested_notes.append(str(alt_row["why"]))
        for target in article.targets:
            learner_stance = mine.get((sid, target), {}).get("stance") or None
            key_stance_row = key.get((sid, target))
            key_stance = key_stance_row["stance"] if key_stance_row else None
            alt = alternatives.get((sid, target))
            alt_stance = (alt["alt_stance"] or None) if alt else None
            if alt is not None:
                name = codebook.target(target).name if target in codebook.target_ids else target
                contested_notes.append(f"{name}: {alt['why']}")
            agree = None
            if learner_stance is not None and key_stance is not None:
                reference = key_stance
                if alt_stance is not None and learner_stance == alt_stance:
                    reference = alt_stance
                    used_alternative = used_alternative or learner_stance != key_stance
                agree = learner_stance == reference
                stance_pairs[0].append(learner_stance)
                stance_pairs[1].append(reference)
            learner_stances[target] = learner_stance
            key_stances[target] = key_stance
            alt_stances[target] = alt_stance
            stances_agree[target] = agree
            if key_stance_row and key_stance_row["note"]:
                stance_rationale[target] = str(key_stance_row["note"])
        comparisons.append(
            SentenceComparison(
                sentence_id=sid,
                position=sentence.position,
                text=sentence.text,
                learner_techniques=learner_set,
                key_techniques=key_set,
                alt_techniques=alt_set,
                techniques_agree=techniques_agree,
                learner_stances=learner_stances,
                key_stances=key_stances,
                alt_stances=alt_stances,
                stances_agree=stances_agree,
                rationale=str(key_row["note"]) if key_row else "",
                stance_rationale=stance_rationale,
                contested=" ".join(contested_notes),
                used_alternative=used_alternative,
            )
        )

    rows = []
    for technique_id in technique_ids:
        c = counts[technique_id]
        said, reference = presence[technique_id]
        rows.append(
            {
                "technique_id": technique_id,
                "name": codebook.technique(technique_id).name,
                "tp": c["tp"],
                "fp": c["fp"],
                "fn": c["fn"],
                "precision": _ratio(c["tp"], c["tp"] + c["fp"]),
                "recall": _ratio(c["tp"], c["tp"] + c["fn"]),
                "kappa": _kappa(said, reference, (False, True)),
            }
        )
    per_technique = pd.DataFrame(rows)
    tp, fp, fn = (int(per_technique[c].sum()) for c in ("tp", "fp", "fn"))
    n_stances = len(stance_pairs[0])
    stance_agreement = _ratio(sum(a == b for a, b in zip(*stance_pairs, strict=True)), n_stances)
    return SelfCheckResult(
        article_id=article_id,
        sentences=tuple(comparisons),
        per_technique=per_technique,
        n_compared=n_compared,
        technique_agreement=_ratio(n_technique_agree, n_compared),
        micro_precision=_ratio(tp, tp + fp),
        micro_recall=_ratio(tp, tp + fn),
        n_stances=n_stances,
        stance_agreement=stance_agreement,
        stance_kappa=_kappa(*stance_pairs, STANCES),
    )
