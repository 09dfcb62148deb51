"""A class's current labels coded once as integer arrays (:class:`ClassLabels`), and the
coding helpers every class view shares.

Coding a large class's labels is the expensive step, so :func:`prepare_labels` does it
once; the class model (:mod:`widgets.analysis.model`) holds the result and every view
reads it.
"""

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..labelling.current import current_labels
from ..schema import (
    KEY_LEARNER,
    STANCES,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
    split_techniques,
)
from .agreement import set_distance_matrix, unit_value_counts

__all__ = [
    "STANCE_ORDER",
    "UNIT_COLUMNS",
    "ClassLabels",
    "prepare_labels",
    "factorize",
    "factorize_ranked",
    "combine",
    "code_of",
    "distinct",
    "occurs",
    "compact",
    "renumbering",
    "string_rank",
    "set_membership",
]


STANCE_ORDER: tuple[str, ...] = ("against", "none", "favor")

UNIT_COLUMNS = ["article_id", "sentence_id"]


# -- the class views -------------------------------------------------------------------


@dataclass(frozen=True)
class ClassLabels:
    """A class's current labels, integer-coded once so that every view is array work.

    Build it with :func:`prepare_labels`; every class view accepts it in place of the
    labels DataFrame, so a report that draws several views codes the labels once.

    Attributes
    ----------
    learners : numpy.ndarray
        Learner ids, sorted (including ``"key"`` if the key's rows were given).
    units : DataFrame
        ``article_id``, ``sentence_id`` of every labelled sentence, sorted.
    targets : numpy.ndarray
        Stance target ids, sorted.
    technique_sets : tuple of frozenset
        The distinct technique sets chosen (the empty set included if chosen).
    technique_learner, technique_unit, technique_set : numpy.ndarray
        One entry per technique row: codes into the tables above.
    stance_learner, stance_unit, stance_target, stance_value : numpy.ndarray
        One entry per stance row that has a stance; ``stance_value`` indexes
        :data:`STANCE_ORDER`.
    """

    learners: np.ndarray
    units: pd.DataFrame
    targets: np.ndarray
    technique_sets: tuple[frozenset, ...]
    technique_learner: np.ndarray
    technique_unit: np.ndarray
    technique_set: np.ndarray
    stance_learner: np.ndarray
    stance_unit: np.ndarray
    stance_target: np.ndarray
    stance_value: np.ndarray
    # set distance matrices by distance name: technique_set_alpha and
    # sentence_disagreement both need one, and it is sets x sets (hundreds squared)
    _set_distances: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # units x sets counts by include_key: technique_alpha, technique_set_alpha and
    # sentence_disagreement all start from them
    _set_counts: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def set_distances(self, distance: str) -> np.ndarray:
        """:func:`set_distance_matrix` of :attr:`technique_sets`, computed once."""
        if distance not in self._set_distances:
            items = sorted({t for s in self.technique_sets for t in s})
            matrix = set_distance_matrix(set_membership(self.technique_sets, items), distance)
            matrix.flags.writeable = False  # shared by every caller
            self._set_distances[distance] = matrix
        return self._set_distances[distance]

    def set_counts(self, *, include_key: bool) -> np.ndarray:
        """Units x :attr:`technique_sets`: technique labels per sentence and set (as
        :func:`unit_value_counts`), computed once."""
        if include_key not in self._set_counts:
            _, unit, set_code = self.technique_rows(include_key=include_key)
            counts = unit_value_counts(unit, set_code, len(self.units), len(self.technique_sets))
            counts.flags.writeable = False  # shared by every caller
            self._set_counts[include_key] = counts
        return self._set_counts[include_key]

    @property
    def key_code(self) -> int:
        """Code of the answer key in :attr:`learners`, or -1 when it has no labels."""
        found = np.flatnonzero(self.learners == KEY_LEARNER)
        return int(found[0]) if found.size else -1

    def technique_rows(self, *, include_key: bool) -> tuple[np.ndarray, ...]:
        """(learner, unit, set) codes of technique rows, with or without the key
        (read-only arrays)."""
        columns = (self.technique_learner, self.technique_unit, self.technique_set)
        return self._rows(columns, include_key)

    def stance_rows(self, *, include_key: bool) -> tuple[np.ndarray, ...]:
        """(learner, unit, target, value) codes of stance rows, with or without the key
        (read-only arrays)."""
        columns = (self.stance_learner, self.stance_unit, self.stance_target, self.stance_value)
        return self._rows(columns, include_key)

    def _rows(self, columns: tuple[np.ndarray, ...], include_key: bool) -> tuple[np.ndarray, ...]:
        """The columns without the key's rows, unless included. With no rows to leave out
        they are views of the stored arrays (hence read-only): for 10,000 learners, copying
        millions of codes would be much of a view's time."""
        key_code = -1 if include_key else self.key_code
        if key_code >= 0 and (columns[0] == key_code).any():
            keep = columns[0] != key_code
            columns = tuple(np.compress(keep, column) for column in columns)
        else:
            columns = tuple(column.view() for column in columns)
        for column in columns:
            column.flags.writeable = False
        return columns


def factorize(column: pd.Series, *, sort: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Codes and uniques of a text column; NaN (an empty CSV field) is the string "".

    A categorical column (as ``collect`` returns) is coded by its own codes: no string is
    hashed, which for 10,000 learners saves seconds, and the codes keep their small integer
    type (int8, int16), which halves the memory every later pass reads, so widen them before
    arithmetic (:func:`combine` does). Its uniques may then include categories no row uses;
    callers compact the codes they keep."""
    categorical = isinstance(column.dtype, pd.CategoricalDtype)
    # text categories need no conversion (10,000 learner ids: converting is milliseconds
    # that every view would pay)
    text = categorical and isinstance(column.cat.categories.dtype, pd.StringDtype)
    if categorical:
        codes = column.cat.codes.to_numpy()
        uniques = column.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(column, sort=sort)
        uniques = np.asarray(uniques, dtype=object)
    appended = False
    if len(codes) and codes.min() < 0:
        codes = codes.astype(np.intp)  # a copy, with room for one more code
        empty = np.flatnonzero(uniques == "")
        if empty.size:
            codes[codes < 0] = empty[0]
        else:
            codes[codes < 0] = len(uniques)
            uniques = np.append(uniques, "")
            appended = True
    if not text:
        uniques = uniques.astype(str).astype(object)
    if sort and (categorical or appended):
        rank = string_rank(uniques)
        order = np.empty_like(rank)
        order[rank] = np.arange(len(rank))
        codes, uniques = rank[codes], uniques[order]
    return codes, uniques


def string_rank(uniques: np.ndarray) -> np.ndarray:
    """Each of the text ``uniques``' position in sorted order."""
    order = np.argsort(uniques.astype(str), kind="stable")
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank


def factorize_ranked(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes, uniques and ``rank`` (each unique's position in sorted order), the same order
    as ``factorize(column, sort=True)`` but without renumbering a categorical's codes, a
    pass over every row: :func:`renumbering` applies ``rank`` to the codes kept."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = factorize(column)
        return codes, uniques, string_rank(uniques)
    codes, uniques = factorize(column, sort=True)
    return codes, uniques, np.arange(len(uniques))


def combine(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """One code per row for several code columns, ``0 <= codes[i] < sizes[i]`` (mixed
    radix, the first column varying slowest). int32 when the codes fit (half the memory
    traffic of int64 on millions of rows), else int64."""
    space = 1
    for size in sizes:
        space *= max(int(size), 1)
    combined = np.asarray(codes[0]).astype(np.int32 if space < 2**31 else np.int64)
    for column, size in zip(codes[1:], sizes[1:], strict=True):
        combined *= size
        combined += column
    return combined


def code_of(uniques: np.ndarray, value: str) -> int:
    """The code of ``value`` among factorised ``uniques``, or -1 if it does not occur."""
    found = np.flatnonzero(uniques == value)
    return int(found[0]) if found.size else -1


def distinct(keys: np.ndarray, space: int) -> np.ndarray:
    """The distinct non-negative integer ``keys`` below ``space``, sorted (marked in a
    bitmap of the space, or sorted)."""
    if space <= 8 * len(keys) + 1_000_000:
        return np.flatnonzero(occurs(space, keys))
    ordered = np.sort(keys)
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def occurs(size: int, *codes: np.ndarray) -> np.ndarray:
    """Which codes ``0 <= code < size`` occur in any of the arrays."""
    present = np.zeros(size, dtype=bool)  # a byte per code, where counting takes eight
    for part in codes:
        present[part] = True
    return present


def renumbering(
    present: np.ndarray, rank: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """New codes 0..k-1 for the ``present`` old codes, in code order or in the order of
    ``rank[code]`` if given; returns (old -> new lookup, old codes in new order)."""
    used = np.flatnonzero(present)
    if rank is not None:
        used = used[np.argsort(rank[used], kind="stable")]
    remap = np.zeros(len(present), dtype=np.intp)
    remap[used] = np.arange(len(used))
    return remap, used


def compact(
    codes: np.ndarray, size: int, rank: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Renumber codes ``0 <= code < size`` to 0..k-1 (see :func:`renumbering`); returns
    (codes, used), ``used`` the old codes in new order."""
    remap, used = renumbering(occurs(size, codes), rank)
    return remap[codes], used


# longer than 80 lines: the codes are kept in the categories' numbering until the very
# end (renumbering millions of codes is a pass per column); every step shares them.
def prepare_labels(labels: pd.DataFrame | ClassLabels) -> ClassLabels:
    """Code a labels frame for the class views (done by every view if not done before).

    Parameters
    ----------
    labels : DataFrame
        Labels with at least ``learner``, ``article_id``, ``sentence_id``, ``target``,
        ``techniques`` and ``stance`` (:data:`widgets.schema.LABEL_COLUMNS`), as from
        ``collect`` or :meth:`widgets.labelling.store.LabelStore.labels`. Empty CSV fields read as
        NaN are taken as ``""``. Summary rows are left out. If several rows share a key
        (a history rather than current labels), the latest ``saved_at`` wins; keys whose
        current row is ``cleared`` are left out. A stance outside
        :data:`widgets.schema.STANCES` is left out with a warning naming the rows.

    Returns
    -------
    ClassLabels
    """
    if isinstance(labels, ClassLabels):
        return labels
    needed = ["learner", "article_id", "sentence_id", "target", "techniques", "stance"]
    absent = [column for column in needed if column not in labels.columns]
    if absent:
        raise ValueError(f"labels frame lacks column(s) {', '.join(absent)}")
    frame = current_labels(labels)
    # Codes stay in the categories' numbering (sorted order is applied when the codes kept
    # are renumbered), and technique and stance rows are picked once and every column is
    # taken at them: for 10,000 learners each pass over every row costs tens of ms.
    sentence_codes, sentence_ids, sentence_rank = factorize_ranked(frame["sentence_id"])
    learner_codes, learners, learner_rank = factorize_ranked(frame["learner"])
    article_codes, article_ids, article_rank = factorize_ranked(frame["article_id"])
    target_codes, target_ids, target_rank = factorize_ranked(frame["target"])
    n_sentences, n_units = len(sentence_ids), len(article_ids) * len(sentence_ids)
    unit_rank = (article_rank[:, None] * n_sentences + sentence_rank[None, :]).ravel()
    unit_codes = combine([article_codes, sentence_codes], [len(article_ids), n_sentences])
    is_technique = target_codes == code_of(target_ids, TECHNIQUE_TARGET)

    def split(keep: np.ndarray) -> tuple[np.ndarray, ...]:
        """Technique and stance rows kept, and their (learner, unit[, target]) codes."""
        technique_rows = np.flatnonzero(keep & is_technique)
        stance_rows = np.flatnonzero(keep & ~is_technique)
        technique = (learner_codes[technique_rows], unit_codes[technique_rows])
        stance = (learner_codes[stance_rows], unit_codes[stance_rows], target_codes[stance_rows])
        return technique_rows, stance_rows, technique, stance

    keep = sentence_codes != code_of(sentence_ids, SUMMARY_SENTENCE_ID)
    technique_rows, stance_rows, technique, stance = split(keep)

    (learner_t, unit_t), (learner_s, unit_s, target_s) = technique, stance
    remap, used_learners = renumbering(occurs(len(learners), learner_t, learner_s), learner_rank)
    learners = learners[used_learners]
    learner_t, learner_s = remap[learner_t], remap[learner_s]
    remap, used_units = renumbering(occurs(n_units, unit_t, unit_s), unit_rank)
    units = pd.DataFrame(
        {
            "article_id": article_ids[used_units // n_sentences],
            "sentence_id": sentence_ids[used_units % n_sentences],
        }
    )
    unit_t, unit_s = remap[unit_t], remap[unit_s]

    technique_codes, technique_strings = factorize(frame["techniques"])
    set_codes, sets = _set_codes(technique_codes[technique_rows], technique_strings)

    stance_raw, stance_names = factorize(frame["stance"])
    stance_raw = stance_raw[stance_rows]
    lookup = np.array(
        [STANCE_ORDER.index(s) if s in STANCE_ORDER else -1 for s in stance_names], dtype=np.intp
    )
    stance_values = lookup[stance_raw] if len(stance_raw) else np.zeros(0, dtype=np.intp)
    unknown = (stance_values < 0) & (stance_raw != code_of(stance_names, ""))
    if unknown.any():
        shown = frame.take(stance_rows[unknown][:5])
        where = "; ".join(
            f"row {index}: learner {r.learner}, {r.sentence_id}, target {r.target}: {r.stance!r}"
            for index, r in zip(stance_rows[unknown][:5], shown.itertuples(), strict=True)
        )
        warnings.warn(
            f"{int(unknown.sum())} stance label(s) not in {STANCES} were left out ({where})",
            UserWarning,
            stacklevel=3,
        )
    with_stance = stance_values >= 0
    if not with_stance.all():
        learner_s, unit_s, target_s, stance_values = (
            np.compress(with_stance, codes)
            for codes in (learner_s, unit_s, target_s, stance_values)
        )
    stance_targets, used_targets = compact(target_s, len(target_ids), target_rank)
    # (in the order of ClassLabels' fields)
    techniques = (learner_t, unit_t, set_codes)
    stances = (learner_s, unit_s, stance_targets, stance_values)
    return ClassLabels(
        learners, units, target_ids[used_targets], tuple(sets), *techniques, *stances
    )


def _set_codes(
    raw_codes: np.ndarray, raw_uniques: np.ndarray
) -> tuple[np.ndarray, list[frozenset]]:
    """Codes of technique sets given coded ``techniques`` strings, and the distinct sets.

    Working on the string codes keeps the Python work to one parse per distinct string
    that occurs; differently written strings of one set ("b;a", "a;b") share a code."""
    domain: list[frozenset] = []
    position: dict[frozenset, int] = {}
    lookup = np.zeros(len(raw_uniques), dtype=np.intp)
    for index in np.flatnonzero(occurs(len(raw_uniques), raw_codes)):
        parsed = frozenset(split_techniques(raw_uniques[index]))
        lookup[index] = position.setdefault(parsed, len(domain))
        if lookup[index] == len(domain):
            domain.append(parsed)
    return lookup[raw_codes], domain


def set_membership(domain: Sequence[frozenset], items: Sequence[str]) -> np.ndarray:
    column = {item: index for index, item in enumerate(items)}
    membership = np.zeros((len(domain), len(items)), dtype=bool)
    for row, techniques in enumerate(domain):
        membership[row, [column[t] for t in techniques if t in column]] = True
    return membership
