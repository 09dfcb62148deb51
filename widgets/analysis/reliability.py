"""Agreement on a class's coded labels: alpha per technique, on technique sets and per
stance target, disagreement per sentence, and each learner against the answer key.

Each view takes a :class:`~widgets.analysis.coding.ClassLabels` (or a labels frame, coded
on the spot); :class:`widgets.analysis.model.ClassModel` computes each once per class.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..schema import (
    KEY_LEARNER,
)
from .agreement import (
    alpha_from_coincidences,
    coincidence_matrix,
    distance_matrix,
    kappa_from_confusion,
    unit_value_counts,
)
from .coding import (
    STANCE_ORDER,
    UNIT_COLUMNS,
    ClassLabels,
    combine,
    distinct,
    prepare_labels,
    set_membership,
)

__all__ = [
    "technique_alpha",
    "technique_set_alpha",
    "stance_alpha",
    "sentence_disagreement",
    "KeyComparison",
    "learner_vs_key",
]


def _coders_in_pairable_units(learner: np.ndarray, unit: np.ndarray, per_unit: np.ndarray) -> int:
    # learner codes are small non-negative integers: counting beats np.unique's sort
    return int(np.count_nonzero(np.bincount(learner[per_unit[unit] >= 2])))


def _binary_alpha(present: np.ndarray, per_unit: np.ndarray) -> np.ndarray:
    """Nominal alpha of several binary variables at once.

    ``present`` is units x variables (coders who said 1), ``per_unit`` the coders per
    unit. With the 2 x 2 coincidences ``o``, alpha = 1 - (n - 1) o_01 / (n_0 n_1)."""
    pairable = per_unit >= 2
    present, per_unit = present[pairable], per_unit[pairable]
    absent = per_unit[:, None] - present
    weight = (1.0 / (per_unit - 1))[:, None]
    mixed = (present * absent * weight).sum(axis=0)
    both_present = ((present**2 - present) * weight).sum(axis=0)
    both_absent = ((absent**2 - absent) * weight).sum(axis=0)
    n_present = both_present + mixed
    n_absent = both_absent + mixed
    return 1.0 - (n_present + n_absent - 1) * _ratio(mixed, n_present * n_absent)


def _ratio(numerator, denominator) -> np.ndarray:
    """``numerator / denominator`` elementwise, ``nan`` where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, np.nan)


def technique_alpha(
    labels: pd.DataFrame | ClassLabels,
    technique_ids: Sequence[str] | None = None,
    *,
    include_key: bool = False,
) -> pd.DataFrame:
    """Per technique, nominal alpha of present/absent over the sentences learners looked at.

    Each learner's technique row for a sentence codes every technique as present (in the
    set) or absent (not in it, including "looked, no technique"); a learner with no row
    for a sentence is missing for it, not "absent".

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels (see :func:`prepare_labels`: summary rows, cleared keys and
        superseded rows are left out). The answer key's rows (learner ``"key"``) are left
        out unless ``include_key``.
    technique_ids : sequence of str, optional
        The techniques to report, in this order (e.g. ``codebook.technique_ids``); by
        default every id that occurs, sorted. Ids in the labels but not listed are ignored.
    include_key : bool
        Count the answer key as one more coder.

    Returns
    -------
    DataFrame
        Columns ``technique_id``, ``alpha`` (``nan`` when nobody, or everybody, marked
        the technique on the pairable sentences), ``n_units`` (sentences with at least two
        coders), ``n_coders`` (learners with a label on those sentences) and ``n_marked``
        (technique labels that include it).
    """
    prepared = prepare_labels(labels)
    learner, unit, _ = prepared.technique_rows(include_key=include_key)
    domain = prepared.technique_sets
    if technique_ids is None:
        technique_ids = sorted({t for s in domain for t in s})
    technique_ids = list(technique_ids)
    counts = prepared.set_counts(include_key=include_key)
    marked = counts @ set_membership(domain, technique_ids).astype(float)
    per_unit = counts.sum(axis=1).astype(float)
    return pd.DataFrame(
        {
            "technique_id": pd.Series(technique_ids, dtype=object),
            "alpha": _binary_alpha(marked, per_unit),
            "n_units": int((per_unit >= 2).sum()),
            "n_coders": _coders_in_pairable_units(learner, unit, per_unit),
            "n_marked": marked.sum(axis=0).astype(int),
        }
    )


def _technique_set_counts(prepared: ClassLabels, include_key: bool, distance: str):
    """Units x sets counts and the sets x sets distance matrix."""
    return prepared.set_counts(include_key=include_key), prepared.set_distances(distance)


def technique_set_alpha(
    labels: pd.DataFrame | ClassLabels, *, distance: str = "masi", include_key: bool = False
) -> float:
    """Alpha on whole technique sets per sentence, with the MASI (or Jaccard) distance.

    The empty set ("looked, no technique") is a value: two learners who both saw no
    technique agree fully; one empty set against any non-empty set is distance 1.

    Parameters are those of :func:`sentence_disagreement` (``include_key``: the key
    counts as one more coder).

    Returns
    -------
    float
        Alpha, ``nan`` when no sentence has two learners or every set is the same.
    """
    counts, delta = _technique_set_counts(prepare_labels(labels), include_key, distance)
    return alpha_from_coincidences(coincidence_matrix(counts), delta)


def stance_alpha(
    labels: pd.DataFrame | ClassLabels, *, ordinal: bool = True, include_key: bool = False
) -> pd.DataFrame:
    """Per stance target, alpha of the learners' stances over the sentences.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels; stance rows (``target != ""``) with an empty stance are missing;
        otherwise filtered as in :func:`technique_alpha`.
    ordinal : bool
        Also report ordinal alpha with ``against < none < favor``, which counts
        favor-vs-against as a bigger disagreement than favor-vs-none.
    include_key : bool
        Count the answer key as one more coder.

    Returns
    -------
    DataFrame
        Columns ``target``, ``alpha`` (nominal), ``alpha_ordinal`` (if asked),
        ``n_units``, ``n_coders``; one row per target, sorted by target.
    """
    prepared = prepare_labels(labels)
    learner, unit, target, value = prepared.stance_rows(include_key=include_key)
    n_units, n_values = len(prepared.units), len(STANCE_ORDER)
    n_targets, n_learners = len(prepared.targets), len(prepared.learners)
    # All targets at once: a (unit, target) pair is a unit of its own target's table.
    pair = combine([target, unit], [n_targets, n_units])
    counts = unit_value_counts(pair, value, n_targets * n_units, n_values)
    # Coders per target: distinct (target, learner) among rows of pairable pairs.
    pairable = counts.sum(axis=1)[pair] >= 2
    coders = distinct(
        np.compress(pairable, combine([target, learner], [n_targets, n_learners])),
        n_targets * n_learners,
    )
    coders = np.diff(np.searchsorted(coders, np.arange(n_targets + 1) * n_learners))
    counts = counts.reshape(n_targets, n_units, n_values)
    nominal = distance_matrix("nominal", STANCE_ORDER)
    records = []
    for index, target_id in enumerate(prepared.targets):
        coincidences = coincidence_matrix(counts[index])
        per_unit = counts[index].sum(axis=1)
        record = {"target": target_id, "alpha": alpha_from_coincidences(coincidences, nominal)}
        if ordinal:
            delta = distance_matrix("ordinal", STANCE_ORDER, coincidences.sum(axis=1))
            record["alpha_ordinal"] = alpha_from_coincidences(coincidences, delta)
        record["n_units"] = int((per_unit >= 2).sum())
        record["n_coders"] = int(coders[index])
        records.append(record)
    columns = ["target", "alpha", *(["alpha_ordinal"] if ordinal else []), "n_units", "n_coders"]
    return pd.DataFrame.from_records(records, columns=columns)


def _pairwise_disagreement(counts: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Mean distance over all pairs of coders within each unit (nan below two coders)."""
    counts = np.asarray(counts, dtype=float)
    per_unit = counts.sum(axis=1)
    # the sum over unordered pairs of coders is half the sum over ordered pairs of values
    total = 0.5 * ((counts @ delta) * counts).sum(axis=1)
    return _ratio(total, per_unit * (per_unit - 1) / 2)


def sentence_disagreement(
    labels: pd.DataFrame | ClassLabels, *, distance: str = "masi", include_key: bool = False
) -> pd.DataFrame:
    """Per sentence, how much learners disagree: a score in [0, 1] for "discuss these".

    ``technique_disagreement`` is the mean MASI distance between the technique sets of
    all pairs of learners who labelled the sentence (0 = everyone chose the same set,
    including everyone choosing none). ``stance_disagreement`` is, per target, the share
    of learner pairs with different stances, averaged over the targets with at least two
    stances. ``disagreement`` is the mean of the two parts that exist. A part is ``nan``
    when fewer than two learners gave it.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels; filtered as in :func:`technique_alpha`.
    distance : {"masi", "jaccard"}
    include_key : bool
        Count the answer key as one more learner.

    Returns
    -------
    DataFrame
        Columns ``article_id``, ``sentence_id``, ``disagreement``,
        ``technique_disagreement``, ``stance_disagreement``, ``n_coders`` (learners with
        a technique label), ``n_stance_coders`` (learners with a stance label); one row per
        labelled sentence, most disputed first, ``nan`` last.
    """
    prepared = prepare_labels(labels)
    n_units, n_targets = len(prepared.units), len(prepared.targets)
    counts, delta = _technique_set_counts(prepared, include_key, distance)
    technique_part = _pairwise_disagreement(counts, delta)

    learner, unit, target, value = prepared.stance_rows(include_key=include_key)
    stance_counts = unit_value_counts(
        unit * n_targets + target, value, n_units * n_targets, len(STANCE_ORDER)
    )
    per_target = _pairwise_disagreement(
        stance_counts, distance_matrix("nominal", STANCE_ORDER)
    ).reshape(n_units, n_targets)
    defined = ~np.isnan(per_target)
    stance_part = _ratio(np.where(defined, per_target, 0.0).sum(axis=1), defined.sum(axis=1))
    # learners with a stance per unit: the distinct (unit, learner) pairs, sorted by unit
    n_learners = len(prepared.learners)
    pairs = distinct(combine([unit, learner], [n_units, n_learners]), n_units * n_learners)
    stance_coders = np.diff(np.searchsorted(pairs, np.arange(n_units + 1) * n_learners))

    parts = np.stack([technique_part, stance_part], axis=1)
    present = ~np.isnan(parts)
    result = prepared.units.assign(
        disagreement=_ratio(np.where(present, parts, 0.0).sum(axis=1), present.sum(axis=1)),
        technique_disagreement=technique_part,
        stance_disagreement=stance_part,
        n_coders=counts.sum(axis=1),
        n_stance_coders=stance_coders,
    )
    return result.sort_values(
        ["disagreement", *UNIT_COLUMNS], ascending=[False, True, True], na_position="last"
    ).reset_index(drop=True)


@dataclass(frozen=True)
class KeyComparison:
    """Each learner against the answer key.

    Attributes
    ----------
    per_technique : DataFrame
        One row per learner and technique: ``learner``, ``technique_id``, ``tp``, ``fp``,
        ``fn``, ``precision``, ``recall``, ``f1``.
    per_learner : DataFrame
        One row per learner: ``learner``, ``n_sentences`` (technique labels compared),
        ``tp``, ``fp``, ``fn``, ``micro_precision``, ``micro_recall``, ``micro_f1``,
        ``n_stances`` (stance labels compared), ``stance_kappa``.
    """

    per_technique: pd.DataFrame
    per_learner: pd.DataFrame


def _key_tables(prepared: ClassLabels, key: ClassLabels):
    """The key's set per class unit (-1 = none), its stance per (unit, target) (-1 = none),
    and the key's set domain; units and targets matched by id."""
    unit_lookup = pd.MultiIndex.from_frame(prepared.units).get_indexer(
        pd.MultiIndex.from_frame(key.units)
    )
    target_lookup = pd.Index(prepared.targets).get_indexer(pd.Index(key.targets))
    key_code = key.key_code
    set_by_unit = np.full(len(prepared.units), -1, dtype=np.intp)
    mine = key.technique_learner == key_code
    units = unit_lookup[key.technique_unit[mine]]
    found = units >= 0
    set_by_unit[units[found]] = key.technique_set[mine][found]
    stance_by_pair = np.full((len(prepared.units), len(prepared.targets)), -1, dtype=np.intp)
    mine = key.stance_learner == key_code
    units = unit_lookup[key.stance_unit[mine]]
    targets = target_lookup[key.stance_target[mine]]
    found = (units >= 0) & (targets >= 0)
    stance_by_pair[units[found], targets[found]] = key.stance_value[mine][found]
    return set_by_unit, stance_by_pair, key.technique_sets


def _count_items(
    group: np.ndarray, set_codes: np.ndarray, membership: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Per group and item, how many rows' sets hold the item.

    Each row's set is expanded to its items (CSR style: the membership matrix is small),
    so the work grows with the total set size, never with rows x items."""
    sizes = membership.sum(axis=1)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    items = np.nonzero(membership)[1]
    per_row = sizes[set_codes]
    row = np.repeat(np.arange(len(set_codes)), per_row)
    within = np.arange(len(row)) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    item = items[starts[set_codes][row] + within]
    counts = np.bincount(group[row] * shape[1] + item, minlength=shape[0] * shape[1])
    return counts.reshape(shape)


# longer than 80 lines: every learner's precision, recall, F1 and stance kappa come from
# the same few passes over the coded rows; split, each part would redo them.
def learner_vs_key(
    labels: pd.DataFrame | ClassLabels,
    key_labels: pd.DataFrame | None = None,
    technique_ids: Sequence[str] | None = None,
) -> KeyComparison:
    """Precision, recall and F1 per learner and technique, and stance kappa, against the key.

    Only sentences both the learner and the key labelled are compared (a sentence the
    learner did not look at is not a miss). A technique in the key's set and the
    learner's is a true positive, in the learner's only a false positive, in the key's
    only a false negative.

    Parameters
    ----------
    labels : DataFrame or ClassLabels
        Current labels of the class. Rows of learner ``"key"`` are the key unless
        ``key_labels`` is given; they are never scored as a learner.
    key_labels : DataFrame, optional
        The answer key's labels (whatever their ``learner`` column says).
    technique_ids : sequence of str, optional
        Techniques to score, in order; by default every id in the key or the labels.
        Micro scores sum over these techniques only.

    Returns
    -------
    KeyComparison
        ``precision`` is ``nan`` when the learner never marked the technique on compared
        sentences, ``recall`` when the key never did, ``f1 = 2tp / (2tp + fp + fn)`` when
        neither did. ``stance_kappa`` is Cohen's kappa (as :func:`cohen_kappa`) on the
        (sentence, target) pairs both gave a stance; ``nan`` with no pairs or no variation.
    """
    prepared = prepare_labels(labels)
    if key_labels is None:
        key = prepared
    elif isinstance(key_labels, ClassLabels):  # coded already (a class model's key)
        key = key_labels
    else:
        key = prepare_labels(key_labels.assign(learner=KEY_LEARNER))
    set_by_unit, stance_by_pair, key_sets = _key_tables(prepared, key)
    if technique_ids is None:
        technique_ids = sorted({t for s in (*prepared.technique_sets, *key_sets) for t in s})
    technique_ids = list(technique_ids)

    learner_names = prepared.learners
    is_learner = learner_names != KEY_LEARNER
    n_learners, n_techniques = len(learner_names), len(technique_ids)

    learner, unit, said = prepared.technique_rows(include_key=False)
    truth = set_by_unit[unit]
    compared = truth >= 0
    learner, said, truth = learner[compared], said[compared], truth[compared]
    said_member = set_membership(prepared.technique_sets, technique_ids)
    truth_member = set_membership(key_sets, technique_ids)
    # tp needs the pair (learner's set, key's set); code the pairs that occur.
    pair = said.astype(np.int64) * max(len(key_sets), 1) + truth
    pair_codes, pairs = pd.factorize(pair) if len(pair) else (pair.astype(np.intp), pair)
    pairs = np.asarray(pairs, dtype=np.int64)
    both_member = (
        said_member[pairs // max(len(key_sets), 1)] & truth_member[pairs % max(len(key_sets), 1)]
    )
    shape = (n_learners, n_techniques)
    said_count = _count_items(learner, said, said_member, shape)
    truth_count = _count_items(learner, truth, truth_member, shape)
    tp = _count_items(learner, pair_codes, both_member, shape)[is_learner]
    fp = said_count[is_learner] - tp
    fn = truth_count[is_learner] - tp
    names = learner_names[is_learner]
    per_technique = pd.DataFrame(
        {
            "learner": np.repeat(names, n_techniques),
            "technique_id": np.tile(np.array(technique_ids, dtype=object), len(names)),
            "tp": tp.ravel(),
            "fp": fp.ravel(),
            "fn": fn.ravel(),
            "precision": _ratio(tp, tp + fp).ravel(),
            "recall": _ratio(tp, tp + fn).ravel(),
            "f1": _ratio(2 * tp, 2 * tp + fp + fn).ravel(),
        }
    )
    micro_tp, micro_fp, micro_fn = tp.sum(axis=1), fp.sum(axis=1), fn.sum(axis=1)
    per_learner_frame = pd.DataFrame(
        {
            "learner": names,
            "n_sentences": np.bincount(learner, minlength=n_learners)[is_learner],
            "tp": micro_tp,
            "fp": micro_fp,
            "fn": micro_fn,
            "micro_precision": _ratio(micro_tp, micro_tp + micro_fp),
            "micro_recall": _ratio(micro_tp, micro_tp + micro_fn),
            "micro_f1": _ratio(2 * micro_tp, 2 * micro_tp + micro_fp + micro_fn),
        }
    )

    learner, unit, target, value = prepared.stance_rows(include_key=False)
    truth = stance_by_pair[unit, target] if len(unit) else np.zeros(0, dtype=np.intp)
    compared = truth >= 0
    size = len(STANCE_ORDER)
    confusion = np.bincount(
        (learner[compared] * size + value[compared]) * size + truth[compared],
        minlength=n_learners * size * size,
    ).reshape(n_learners, size, size)[is_learner]
    per_learner_frame["n_stances"] = confusion.sum(axis=(1, 2))
    per_learner_frame["stance_kappa"] = kappa_from_confusion(confusion)
    return KeyComparison(per_technique=per_technique, per_learner=per_learner_frame)
