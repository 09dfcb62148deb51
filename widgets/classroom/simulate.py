"""A simulated class: one label CSV per made-up learner, for demos, tests and benchmarks.

:func:`simulate_class` writes ``sim-0001.csv`` ... in exactly the format
:class:`widgets.labelling.store.LabelStore` writes (header, then one row per save, ``\\n`` line
ends, minimal CSV quoting), plus a ``SIMULATED.txt`` that says so. Learner ids all start
with :data:`SIMULATED_PREFIX`, which is how :mod:`widgets.collect` and the report know a
class is simulated.

How the learners behave (every draw comes from one ``numpy.random.Generator(seed)``, so
a seed always gives byte-identical files):

* **Truth** is the answer key (``answers/key/*.csv``, see :mod:`widgets.content.answers`) where
  it exists, else a deterministic :func:`pseudo_key` built from the codebook and simple
  cues in each sentence's wording.
* **Skill**: each learner's accuracy is drawn from Beta(6, 2.5) (mean about 0.7). A true
  technique is kept with that probability; otherwise it is usually swapped for a related
  technique (:data:`CONFUSIONS`, e.g. loaded language <-> exaggeration) or dropped, and
  weaker learners add the odd spurious technique. Stances slip to a neighbour
  (favor <-> none <-> against) with the same probability.
* **Coverage**: most learners label most sentences; some skip sentences, some stop part
  of the way through an article; the second stance target is labelled less often.
* **Changed minds**: about a quarter of learners come back a day later and change some
  answers (mostly toward the truth), and a few undo a label (a ``cleared`` row).
* **Notes**: about a third of learners add short notes, some with commas, quotes or a
  line break, which exercises CSV quoting.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import (
    LABEL_COLUMNS,
    SIMULATED_PREFIX,
    STATUS_CLEARED,
    STATUS_SET,
    SUMMARY_SENTENCE_ID,
    TECHNIQUE_TARGET,
    join_techniques,
)

__all__ = [
    "SIMULATED_PREFIX",
    "README_NAME",
    "CONFUSIONS",
    "DEFAULT_START",
    "SimulationResult",
    "simulate_class",
    "pseudo_key",
    "truth_labels",
    "learner_ids",
]

#: The file in the output folder that says the class is simulated.
README_NAME = "SIMULATED.txt"
#: First session of a simulated class (fixed, so a seed always gives the same files).
DEFAULT_START = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)

#: Techniques a learner plausibly mistakes for one another (used both ways).
CONFUSIONS: dict[str, tuple[str, ...]] = {
    "loaded-language": ("exaggeration-minimisation", "name-calling", "analogy-or-metaphor"),
    "exaggeration-minimisation": ("loaded-language", "appeal-to-fear"),
    "name-calling": ("loaded-language", "casting-doubt"),
    "casting-doubt": ("name-calling", "distraction"),
    "appeal-to-fear": ("prediction-as-fact", "exaggeration-minimisation"),
    "prediction-as-fact": ("appeal-to-fear", "hedged-claim"),
    "hedged-claim": ("unnamed-source", "vagueness", "prediction-as-fact"),
    "unnamed-source": ("hedged-claim", "appeal-to-authority"),
    "appeal-to-authority": ("direct-quotation", "unnamed-source"),
    "direct-quotation": ("appeal-to-authority",),
    "appeal-to-values": ("call-to-action", "loaded-language"),
    "call-to-action": ("appeal-to-values",),
    "causal-oversimplification": ("false-dilemma",),
    "false-dilemma": ("causal-oversimplification",),
    "distraction": ("casting-doubt",),
    "vagueness": ("hedged-claim",),
    "analogy-or-metaphor": ("loaded-language",),
}

# Wording cues for the pseudo-key: technique id -> pattern (case-insensitive).
_CUES: dict[str, str] = {
    "direct-quotation": r"[“\"]",
    "unnamed-source": r"\b(sources?|officials?|aides?|insiders?|it is (understood|thought|believed))\b",
    "hedged-claim": r"\b(may|might|could|reportedly|appears?|suggest\w*|likely)\b",
    "prediction-as-fact": r"\bwill\b",
    "appeal-to-fear": r"\b(war|threat\w*|nuclear|escalat\w*|attack\w*)\b",
    "appeal-to-authority": r"\b(former|expert\w*|professor|marshal+|general|chief)\b",
    "loaded-language": r"\b(disgrace\w*|brutal|reckless|humiliat\w*|defies|slams?|blasts?)\b",
    "call-to-action": r"\b(must|should|need to)\b",
    "exaggeration-minimisation": r"\b(never|always|biggest|critical|unprecedented)\b",
    "name-calling": r"\b(bloc|regime|aggressor|warmonger\w*)\b",
}

# Stance codes: index into _STANCE_VALUES ("" is code 0, unused for labelled rows).
_STANCE_VALUES = ("", "against", "none", "favor")
# A slipped stance: from (against, none, favor) to a neighbour, as cumulative odds.
_STANCE_SLIP = {1: ((2, 0.75), (3, 1.0)), 2: ((1, 0.5), (3, 1.0)), 3: ((2, 0.75), (1, 1.0))}
_CONFIDENCE = ("", "low", "medium", "high")
_CONFIDENCE_P = (0.35, 0.15, 0.3, 0.2)
_NOTES = (
    "loaded word",
    "the headline exaggerates",
    'calls it a "bloc" - that is a label',
    "who are the sources?",
    "hedged: could, may",
    "prediction stated as fact",
    "quotes the PM directly",
    "not sure, could be both",
    "fear of war, again",
    "unnamed officials",
    "opinion, not news",
    "compares to 1938: analogy",
    "is this even true?\nthe date looks wrong",
    "‘yes, but…’ – dismissive",
)
_KIND_TECHNIQUE, _KIND_STANCE, _KIND_FRAME, _KIND_SUMMARY_STANCE = 0, 1, 2, 3


def _hash01(*parts: str) -> float:
    """A deterministic number in [0, 1) from text (stable across runs and machines)."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def learner_ids(count: int) -> list[str]:
    """``sim-0001`` ... (at least four digits, more for 10,000+ learners)."""
    width = max(4, len(str(count)))
    return [f"{SIMULATED_PREFIX}{i:0{width}d}" for i in range(1, count + 1)]


def pseudo_key(corpus, codebook) -> pd.DataFrame:
    """A plausible, deterministic stand-in for the answer key.

    Techniques come from wording cues (quotation marks suggest a direct quotation,
    "will" a prediction, "could" a hedge...) limited to ids in the codebook, at most three
    per sentence; stances lean to ``none`` except toward a person named in the sentence.
    It is not a judgement about the articles: it only gives simulated learners something
    to agree and disagree about until the real key exists.

    Returns
    -------
    DataFrame
        Current labels (:data:`~widgets.schema.LABEL_COLUMNS`, learner ``"key"``) for
        every sentence and target, plus each article's summary (frame and stances).
    """
    known = set(codebook.technique_ids)
    cues = [(t, re.compile(p, re.IGNORECASE)) for t, p in _CUES.items() if t in known]
    frames = tuple(codebook.frame_ids)
    version = str(codebook.version)
    rows = []

    def row(article_id, sentence_id, target, sha, **fields):
        base = dict.fromkeys(LABEL_COLUMNS, "")
        base.update(
            learner="key",
            article_id=article_id,
            sentence_id=sentence_id,
            target=target,
            status=STATUS_SET,
            saved_at="2026-01-01T00:00:00.000000+00:00",
            codebook_version=version,
            text_sha1=sha,
        )
        base.update(fields)
        rows.append(base)

    for article in corpus.articles:
        for sentence in article.sentences:
            found = [t for t, pattern in cues if pattern.search(sentence.text)]
            found.sort(key=lambda t: _hash01(sentence.sentence_id, t))
            row(
                article.article_id,
                sentence.sentence_id,
                TECHNIQUE_TARGET,
                sentence.text_sha1,
                techniques=join_techniques(found[:3]),
            )
            for number, target in enumerate(article.targets):
                draw = _hash01(sentence.sentence_id, target)
                named = number == 0 and re.search(
                    r"starmer|keir|prime minister", sentence.text, re.I
                )
                if named:
                    stance = "favor" if draw < 0.45 else "against" if draw < 0.75 else "none"
                else:
                    stance = "favor" if draw < 0.12 else "against" if draw < 0.24 else "none"
                row(
                    article.article_id,
                    sentence.sentence_id,
                    target,
                    sentence.text_sha1,
                    stance=stance,
                )
        if frames:
            frame = frames[int(_hash01(article.article_id, "frame") * len(frames))]
            row(article.article_id, SUMMARY_SENTENCE_ID, TECHNIQUE_TARGET, "", frame=frame)
        for target in article.targets:
            draw = _hash01(article.article_id, target, "summary")
            stance = ("favor", "against", "none")[int(draw * 3)]
            row(article.article_id, SUMMARY_SENTENCE_ID, target, "", stance=stance)
    return pd.DataFrame(rows, columns=list(LABEL_COLUMNS), dtype=object)


def truth_labels(corpus, codebook, answers_dir=None) -> tuple[pd.DataFrame, str]:
    """The labels simulated learners aim at, and where they came from.

    Returns the answer key (``"answer key"``) when ``answers/key/`` holds one, filled in
    by :func:`pseudo_key` wherever the key has no row; otherwise the pseudo-key alone
    (``"pseudo-key"``).
    """
    from ..content.answers import AnswersMissing, load_key

    pseudo = pseudo_key(corpus, codebook)
    try:
        key = load_key(answers_dir)
    except AnswersMissing:
        return pseudo, "pseudo-key"
    key = key[key["status"].fillna(STATUS_SET) == STATUS_SET].astype(str)
    columns = ["article_id", "sentence_id", "target"]
    merged = pd.concat([key[list(LABEL_COLUMNS)], pseudo], ignore_index=True)
    merged = merged.drop_duplicates(columns, keep="first").reset_index(drop=True)
    return merged, "answer key"


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate_class` wrote.

    ``learners`` has one row per learner: ``learner``, ``accuracy``, ``coverage``
    (share of sentences labelled), ``revisits`` (came back and changed answers),
    ``rows`` (lines written).
    """

    directory: Path
    files: tuple[Path, ...]
    learners: pd.DataFrame
    rows: int
    truth_source: str
    seed: int


class _Units:
    """Every row a learner could write, in reading order, as parallel arrays."""

    def __init__(self, corpus, codebook, truth: pd.DataFrame) -> None:
        self.technique_ids = list(codebook.technique_ids)
        self.frames = list(codebook.frame_ids)
        index = {t: i for i, t in enumerate(self.technique_ids)}
        truth_map = {
            (r.article_id, r.sentence_id, r.target): r for r in truth.itertuples(index=False)
        }
        version = str(codebook.version)
        kinds, sentence, article, truth_value, prefix, suffix, target_rank = ([] for _ in range(7))
        self.article_length = []
        sentence_number = 0
        for article_number, art in enumerate(corpus.articles):
            self.article_length.append(len(art.sentences))
            units = []
            for position, s in enumerate(art.sentences):
                units.append((_KIND_TECHNIQUE, s, TECHNIQUE_TARGET, position, 0))
                for rank, target in enumerate(art.targets):
                    units.append((_KIND_STANCE, s, target, position, rank))
            units.append((_KIND_FRAME, None, TECHNIQUE_TARGET, -1, 0))
            for rank, target in enumerate(art.targets):
                units.append((_KIND_SUMMARY_STANCE, None, target, -1, rank))
            for kind, s, target, position, rank in units:
                sentence_id = s.sentence_id if s is not None else SUMMARY_SENTENCE_ID
                sha = s.text_sha1 if s is not None else ""
                known = truth_map.get((art.article_id, sentence_id, target))
                if kind == _KIND_TECHNIQUE:
                    ids = [t for t in (known.techniques if known else "").split(";") if t]
                    value = sum(1 << index[t] for t in ids if t in index)
                elif kind == _KIND_FRAME:
                    frame = known.frame if known is not None else ""
                    value = self.frames.index(frame) + 1 if frame in self.frames else 0
                else:
                    stance = known.stance if known is not None else "none"
                    value = _STANCE_VALUES.index(stance) if stance in _STANCE_VALUES[1:] else 2
                kinds.append(kind)
                sentence.append(sentence_number + position if s is not None else -1)
                article.append(article_number)
                truth_value.append(value)
                target_rank.append(rank)
                prefix.append(f"{art.article_id},{sentence_id},{target}")
                suffix.append(f"{version},{sha}\n")
            sentence_number += len(art.sentences)
        self.n_sentences = sentence_number
        self.sentence_article = np.repeat(np.arange(len(self.article_length)), self.article_length)
        self.sentence_position = np.concatenate([np.arange(n) for n in self.article_length])
        self.kind = np.array(kinds)
        self.sentence = np.array(sentence)
        self.article = np.array(article)
        self.truth = np.array(truth_value, dtype=np.int64)
        self.target_rank = np.array(target_rank)
        self.prefix = pa.array(prefix)
        self.suffix = pa.array(suffix)
        # confusion partners as an index table (-1 padded) over the codebook's ids
        partners = [
            [index[p] for p in CONFUSIONS.get(t, ()) if p in index] for t in self.technique_ids
        ]
        for i, p in enumerate(partners):
            if not p and len(self.technique_ids) > 1:  # unknown codebook: a neighbour
                p.append((i + 1) % len(self.technique_ids))
        width = max(1, max((len(p) for p in partners), default=1))
        self.partners = np.array(
            [p + [p[0] if p else i] * (width - len(p)) for i, p in enumerate(partners)]
        )
        self.partner_count = np.array([max(1, len(p)) for p in partners])


def _quoted(value: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow([value])
    return buffer.getvalue()[:-1]


def _mask_strings(masks: np.ndarray, technique_ids: list[str]) -> tuple[np.ndarray, pa.Array]:
    """Codes into a pool of technique strings, one per distinct bit mask."""
    uniques, codes = np.unique(masks, return_inverse=True)
    pool = [
        join_techniques(t for k, t in enumerate(technique_ids) if (int(m) >> k) & 1)
        for m in uniques
    ]
    return codes, pa.array(pool)


# longer than 80 lines: one pass per article draws every learner's rows at once, as
# arrays that the steps (labelled sentences, values, sessions, undo) all share; cut into
# functions they would be a dozen arrays handed back and forth.
def simulate_class(
    out: str | os.PathLike,
    *,
    learners: int,
    seed: int = 0,
    corpus=None,
    codebook=None,
    answers_dir: str | os.PathLike | None = None,
    start: datetime = DEFAULT_START,
    truth: pd.DataFrame | None = None,
) -> SimulationResult:
    """Write one simulated learner CSV per learner into ``out`` (created if needed).

    Parameters
    ----------
    out : path
        Output folder; gets ``sim-0001.csv`` ... and ``SIMULATED.txt``. Existing
        ``sim-*.csv`` files of the same names are overwritten.
    learners : int
        How many learners (at least 1).
    seed : int
        Seed of the random generator; the same seed gives byte-identical files.
    corpus, codebook : optional
        Default: loaded from the data folder.
    answers_dir : path, optional
        Where to look for the answer key (``<answers_dir>/key/*.csv``).
    start : datetime
        Timezone-aware time of the first session.
    truth : DataFrame, optional
        Labels to aim at instead of :func:`truth_labels` (learner column ignored).

    Returns
    -------
    SimulationResult
    """
    if learners < 1:
        raise ValueError(f"learners must be at least 1, got {learners}")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if corpus is None:
        from ..content.corpus import load_corpus

        corpus = load_corpus()
    if codebook is None:
        from ..content.codebook import load_codebook

        codebook = load_codebook()
    if truth is None:
        truth, source = truth_labels(corpus, codebook, answers_dir)
    else:
        source = "given"
    units = _Units(corpus, codebook, truth)
    rng = np.random.default_rng(seed)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    ids = learner_ids(learners)

    # Per-learner traits, drawn once for the whole class.
    accuracy = rng.beta(6.0, 2.5, learners)
    coverage = rng.beta(9.0, 1.0, learners)
    stops_early = rng.random((learners, len(units.article_length))) < 0.12
    stop_at = np.where(
        stops_early,
        (rng.random((learners, len(units.article_length))) * np.array(units.article_length)).astype(
            int
        ),
        np.array(units.article_length),
    )
    writes_notes = rng.random(learners) < 0.33
    revisits = rng.random(learners) < 0.25
    session_start = rng.integers(0, 3 * 86400, learners) * 1_000_000 + int(start.timestamp() * 1e6)

    header = (",".join(LABEL_COLUMNS) + "\n").encode("utf-8")
    notes = pa.array([""] + [_quoted(n) for n in _NOTES])
    stances = pa.array(list(_STANCE_VALUES))
    confidences = pa.array(list(_CONFIDENCE))
    frames = pa.array([""] + units.frames)
    statuses = pa.array([STATUS_SET, STATUS_CLEARED])
    files: list[Path] = []
    row_counts = np.zeros(learners, dtype=np.int64)
    labelled_share = np.zeros(learners)
    chunk = 256
    n_units = len(units.kind)
    for first in range(0, learners, chunk):
        size = min(chunk, learners - first)
        people = slice(first, first + size)
        acc = accuracy[people][:, None]

        # Which sentences each learner labelled (technique row), and which stance rows.
        reached = units.sentence_position[None, :] < stop_at[people][:, units.sentence_article]
        looked = reached & (rng.random((size, units.n_sentences)) < coverage[people][:, None])
        labelled_share[people] = looked.mean(axis=1)
        done_article = stop_at[people] >= np.array(units.article_length)
        take = np.zeros((size, n_units), dtype=bool)
        is_sentence = units.sentence >= 0
        take[:, is_sentence] = looked[:, units.sentence[is_sentence]]
        stance_odds = np.where(units.target_rank == 0, 0.92, 0.55)
        stance_unit = units.kind == _KIND_STANCE
        take[:, stance_unit] &= (
            rng.random((size, int(stance_unit.sum()))) < stance_odds[stance_unit]
        )
        summary = ~is_sentence
        take[:, summary] = done_article[:, units.article[summary]] & (
            rng.random((size, int(summary.sum()))) < 0.85
        )

        # The values each learner gives (computed for every unit, used where taken).
        values = np.broadcast_to(units.truth, (size, n_units)).copy()
        tech = units.kind == _KIND_TECHNIQUE
        values[:, tech] = _noisy_masks(rng, units, units.truth[tech], acc)
        slipped = rng.random((size, n_units)) >= acc
        for kind in (_KIND_STANCE, _KIND_SUMMARY_STANCE):
            cols = units.kind == kind
            values[:, cols] = _slip_stances(rng, values[:, cols], slipped[:, cols])
        frame_cols = units.kind == _KIND_FRAME
        random_frames = (
            rng.integers(1, len(units.frames) + 1, (size, int(frame_cols.sum())))
            if units.frames
            else 0
        )
        values[:, frame_cols] = np.where(
            slipped[:, frame_cols], random_frames, values[:, frame_cols]
        )

        learner_idx, unit_idx = np.nonzero(take)
        value = values[learner_idx, unit_idx]
        status = np.zeros(len(unit_idx), dtype=np.int64)
        # first session: rows in reading order, 2-60 s apart
        gaps = rng.integers(2_000_000, 60_000_000, len(unit_idx))
        starts = np.searchsorted(learner_idx, np.arange(size))
        elapsed = np.cumsum(gaps)
        elapsed -= np.repeat(np.r_[0, elapsed][starts], np.diff(np.r_[starts, len(unit_idx)]))
        stamp = session_start[people][learner_idx] + elapsed

        # Later session: revisiting learners change ~6% of their answers, undo ~1%.
        again = revisits[people][learner_idx] & (rng.random(len(unit_idx)) < 0.07)
        again &= units.kind[unit_idx] != _KIND_FRAME
        cleared = again & (rng.random(len(unit_idx)) < 0.15)
        redo = np.nonzero(again)[0]
        new_value = _changed_answers(rng, units, unit_idx[redo], value[redo])
        last = np.zeros(size, dtype=np.int64)
        np.maximum.at(last, learner_idx, stamp)
        later = (
            last[learner_idx[redo]]
            + 86_400_000_000
            + np.cumsum(rng.integers(5_000_000, 90_000_000, len(redo)))
        )
        learner_idx = np.r_[learner_idx, learner_idx[redo]]
        unit_idx = np.r_[unit_idx, unit_idx[redo]]
        value = np.r_[value, new_value]
        status = np.r_[status, cleared[redo].astype(np.int64)]
        stamp = np.r_[stamp, later]

        order = np.lexsort((stamp, learner_idx))
        learner_idx, unit_idx, value, status, stamp = (
            a[order] for a in (learner_idx, unit_idx, value, status, stamp)
        )
        kind = units.kind[unit_idx]
        set_rows = status == 0
        n = len(unit_idx)
        tech_codes, tech_pool = _mask_strings(
            np.where(kind == _KIND_TECHNIQUE, value, 0), units.technique_ids
        )
        tech_codes = np.where((kind == _KIND_TECHNIQUE) & set_rows, tech_codes, len(tech_pool))
        tech_pool = pa.concat_arrays([tech_pool, pa.array([""])])
        is_stance = (kind == _KIND_STANCE) | (kind == _KIND_SUMMARY_STANCE)
        stance_codes = np.where(is_stance & set_rows, value, 0)
        frame_codes = np.where((kind == _KIND_FRAME) & set_rows, value, 0)
        confidence_codes = np.where(set_rows, rng.choice(4, n, p=_CONFIDENCE_P), 0)
        note_codes = np.where(
            set_rows & writes_notes[people][learner_idx] & (rng.random(n) < 0.1),
            rng.integers(1, len(notes), n),
            0,
        )
        columns = [
            pa.array(ids[first : first + size]).take(learner_idx),
            units.prefix.take(unit_idx),
            tech_pool.take(tech_codes),
            stances.take(stance_codes),
            confidences.take(confidence_codes),
            notes.take(note_codes),
            frames.take(frame_codes),
            statuses.take(status),
            _format_stamps(stamp),
            units.suffix.take(unit_idx),
        ]
        lines = pc.binary_join_element_wise(*columns, ",")
        offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[
            lines.offset : lines.offset + n + 1
        ]
        data = memoryview(lines.buffers()[2])
        bounds = np.searchsorted(learner_idx, np.arange(size + 1))
        for person in range(size):
            a, b = offsets[bounds[person]], offsets[bounds[person + 1]]
            path = folder / f"{ids[first + person]}.csv"
            with open(path, "wb") as handle:
                handle.write(header)
                handle.write(data[a:b])
            files.append(path)
            row_counts[first + person] = bounds[person + 1] - bounds[person]

    (folder / README_NAME).write_text(
        "SIMULATED DATA — not real learners.\n\n"
        f"{learners} learner files (sim-*.csv) written by `rhetoric-lab simulate` with seed "
        f"{seed}; truth: {source}.\nEvery learner id starts with '{SIMULATED_PREFIX}'. "
        "Use these files to try collect, agreement and the report; do not mix them with a "
        "real class.\n",
        encoding="utf-8",
    )
    table = pd.DataFrame(
        {
            "learner": ids,
            "accuracy": accuracy,
            "coverage": labelled_share,
            "revisits": revisits,
            "rows": row_counts,
        }
    )
    return SimulationResult(
        directory=folder,
        files=tuple(files),
        learners=table,
        rows=int(row_counts.sum()),
        truth_source=source,
        seed=seed,
    )


def _format_stamps(stamps: np.ndarray) -> pa.Array:
    """``2026-01-12T09:00:00.000000+00:00`` for each UTC microsecond timestamp.

    Built as fixed-width ASCII digits with integer arithmetic: formatting millions of
    timestamps through ``datetime`` or ``numpy.datetime_as_string`` takes seconds."""
    n = len(stamps)
    days, micros = np.divmod(stamps, 86_400_000_000)
    unique_days, day_codes = np.unique(days, return_inverse=True)
    dates = np.array(
        [list(str(np.datetime64(int(d), "D")).encode("ascii")) for d in unique_days],
        dtype=np.uint8,
    ).reshape(len(unique_days), 10)
    text = np.empty((n, 32), dtype=np.uint8)
    text[:, :10] = dates[day_codes]
    text[:, 10:] = np.frombuffer(b"T00:00:00.000000+00:00", dtype=np.uint8)
    seconds, fraction = np.divmod(micros, 1_000_000)
    hours, rest = np.divmod(seconds, 3600)
    minutes, secs = np.divmod(rest, 60)
    for start, value, width in ((11, hours, 2), (14, minutes, 2), (17, secs, 2), (20, fraction, 6)):
        for place in range(width):
            text[:, start + width - 1 - place] = 48 + (value // 10**place) % 10
    offsets = np.arange(0, 32 * (n + 1), 32, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text.tobytes()))


def _noisy_masks(rng, units: _Units, truth: np.ndarray, accuracy: np.ndarray) -> np.ndarray:
    """Learners' technique sets (bit masks) for the sentences whose true sets are ``truth``."""
    size, width = accuracy.shape[0], truth.shape[0]
    masks = np.zeros((size, width), dtype=np.int64)
    n_techniques = len(units.technique_ids)
    for k in range(n_techniques):
        present = ((truth >> k) & 1).astype(bool)[None, :]
        draw = rng.random((size, width))
        kept = present & (draw < accuracy)
        # a miss is usually a mix-up with a related technique, otherwise an omission
        swapped = present & (draw >= accuracy) & (draw < accuracy + (1 - accuracy) * 0.65)
        pick = rng.integers(0, units.partner_count[k], (size, width))
        partner = units.partners[k][pick]
        masks |= kept.astype(np.int64) << k
        masks |= np.where(swapped, np.int64(1) << partner, 0)
    spurious = rng.random((size, width)) < (1 - accuracy) * 0.2
    extra = rng.integers(0, max(n_techniques, 1), (size, width))
    masks |= np.where(spurious, np.int64(1) << extra, 0)
    return masks


def _slip_stances(rng, values: np.ndarray, slipped: np.ndarray) -> np.ndarray:
    """Replace slipped stances by a neighbour (favor <-> none <-> against)."""
    draw = rng.random(values.shape)
    out = values.copy()
    for source, ((first, odds), (second, _)) in _STANCE_SLIP.items():
        here = slipped & (values == source)
        out[here] = np.where(draw[here] < odds, first, second)
    return out


def _changed_answers(rng, units: _Units, unit_idx: np.ndarray, value: np.ndarray) -> np.ndarray:
    """A changed mind: a wrong answer usually becomes right, a right one becomes a mix-up."""
    truth = units.truth[unit_idx]
    kind = units.kind[unit_idx]
    toward_truth = (value != truth) & (rng.random(len(value)) < 0.7)
    new = np.where(toward_truth, truth, value)
    stuck = new == value
    tech = stuck & (kind == _KIND_TECHNIQUE)
    if units.technique_ids:
        flip = rng.integers(0, len(units.technique_ids), len(value))
        new = np.where(tech, value ^ (np.int64(1) << flip), new)
    stance = stuck & (kind != _KIND_TECHNIQUE)
    new = np.where(stance, _slip_stances(rng, value, stance), new)
    return new
