"""``ClassModel``: a class's labels prepared once, each view computed when first asked for.

Charts, the report, the dashboard and lesson 07 read their tables from one model, so
the class's labels are coded once and flow one way::

    model = ClassModel(result.labels, corpus=corpus, codebook=codebook, key=key)
    model.technique_alpha            # alpha per technique
    model.stance_alpha               # alpha per stance target
    model.disputed_sentences         # disagreement per sentence, most disputed first
    model.key_comparison             # learners against the key (None without a key)
    model.changed_minds              # per article (None without the history)
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from ..schema import KEY_LEARNER
from . import views
from .coding import ClassLabels, prepare_labels
from .reliability import (
    KeyComparison,
    learner_vs_key,
    sentence_disagreement,
    stance_alpha,
    technique_alpha,
    technique_set_alpha,
)

__all__ = ["ClassModel"]


class ClassModel:
    """One class's results.

    Parameters
    ----------
    labels : DataFrame
        The class's labels (``collect(...).labels``, ``class.csv``, or one learner's
        labels); a history works too (the current label of each key counts). Rows of
        learner ``"key"`` are the answer key when ``key`` is not given.
    corpus, codebook
    key : DataFrame, optional
        The answer key's labels.
    history : DataFrame, optional
        Every valid row (``collect``'s history), for :attr:`changed_minds`.
    simulated : bool, optional
        Default: every learner id is simulated (``sim-...``).
    """

    def __init__(
        self,
        labels: pd.DataFrame,
        *,
        corpus,
        codebook,
        key: pd.DataFrame | None = None,
        history: pd.DataFrame | None = None,
        simulated: bool | None = None,
    ) -> None:
        is_key = labels["learner"] == KEY_LEARNER
        if is_key.any():
            key = labels[is_key] if key is None else key
            labels = labels[~is_key]
        self.labels = labels
        self.key = key
        self.history = history
        self.corpus = corpus
        self.codebook = codebook
        self.simulated = views.is_simulated(labels) if simulated is None else bool(simulated)
        self._stances: dict[str, pd.DataFrame] = {}
        self._cooccurrence: dict[str | None, pd.DataFrame] = {}

    # -- the coded labels ------------------------------------------------------------

    @cached_property
    def coded(self) -> ClassLabels:
        """The learners' current labels, integer-coded (:func:`prepare_labels`)."""
        return prepare_labels(self.labels)

    @cached_property
    def key_coded(self) -> ClassLabels | None:
        """The key's current labels, coded (None without a key)."""
        if self.key is None:
            return None
        return prepare_labels(self.key.assign(learner=KEY_LEARNER))

    @cached_property
    def learners(self) -> tuple[str, ...]:
        """Learner ids with a current label, sorted."""
        return tuple(str(learner) for learner in self.coded.learners)

    @property
    def technique_ids(self) -> list[str]:
        return list(self.codebook.technique_ids)

    # -- agreement ---------------------------------------------------------------------

    @cached_property
    def technique_alpha(self) -> pd.DataFrame:
        """Krippendorff's alpha per technique (:func:`technique_alpha`)."""
        return technique_alpha(self.coded, self.technique_ids)

    @cached_property
    def technique_set_alpha(self) -> float:
        """Alpha on whole technique sets (MASI distance)."""
        return technique_set_alpha(self.coded)

    @cached_property
    def stance_alpha(self) -> pd.DataFrame:
        """Alpha per stance target (nominal and ordinal)."""
        return stance_alpha(self.coded)

    @cached_property
    def sentence_disagreement(self) -> pd.DataFrame:
        """Disagreement per labelled sentence, most disputed first."""
        return sentence_disagreement(self.coded)

    @cached_property
    def key_comparison(self) -> KeyComparison | None:
        """Each learner against the answer key (None without a key)."""
        if self.key is None:
            return None
        return learner_vs_key(self.coded, self.key_coded, self.technique_ids)

    # -- the tables shown ----------------------------------------------------------------

    @cached_property
    def sentences(self) -> pd.DataFrame:
        """Every sentence of the corpus in reading order, with its disagreement and the
        class's most chosen techniques (:func:`views.sentence_table`)."""
        return views.sentence_table(self.coded, self.corpus, self.codebook)

    @cached_property
    def disputed_sentences(self) -> pd.DataFrame:
        """The sentences the class disagreed on, most disputed first: the one
        "disputed sentences" view (the report's discussion list, lesson 07's, the hot
        spots chart's peaks)."""
        scores = self.sentence_disagreement.dropna(subset=["disagreement"])
        extra = [c for c in self.sentences.columns if c not in scores.columns]
        table = self.sentences[["article_id", "sentence_id", *extra]]
        return scores.merge(table, on=["article_id", "sentence_id"], how="left")

    @cached_property
    def technique_by_article(self) -> pd.DataFrame:
        """(article, technique) counts and shares (:func:`views.technique_by_article`)."""
        return views.technique_by_article(self.coded, self.corpus, self.codebook)

    def stance_by_article(self, target: str) -> pd.DataFrame:
        """(article, stance) counts and shares toward ``target``, with the key's share."""
        if target not in self._stances:
            self._stances[target] = views.stance_by_article(
                self.coded, self.corpus, target, self.key_coded
            )
        return self._stances[target]

    def cooccurrence(self, article_id: str | None = None) -> pd.DataFrame:
        """Technique x technique counts of labels naming both (one article, or all)."""
        if article_id not in self._cooccurrence:
            self._cooccurrence[article_id] = views.cooccurrence(
                self.coded, self.codebook, article_id
            )
        return self._cooccurrence[article_id]

    @cached_property
    def f1_histogram(self) -> pd.DataFrame | None:
        """Learners per band of F1 against the key (None without a key)."""
        comparison = self.key_comparison
        return None if comparison is None else views.f1_histogram(comparison.per_learner)

    @cached_property
    def f1_by_technique(self) -> pd.DataFrame | None:
        """Per technique, the spread of learners' F1 against the key (None without one)."""
        comparison = self.key_comparison
        if comparison is None:
            return None
        return views.f1_by_technique(comparison.per_technique, self.codebook)

    @cached_property
    def changed_minds(self) -> pd.DataFrame | None:
        """Per article: labels changed after their first save (None without a history)."""
        if self.history is None:
            return None
        return views.changed_minds(self.history, corpus=self.corpus)

    @cached_property
    def per_learner(self) -> pd.DataFrame:
        """Per learner: sentences labelled and stances given (the key not counted)."""
        coded, size = self.coded, len(self.coded.learners)
        return pd.DataFrame(
            {
                "learner": coded.learners.astype(str),
                "sentences": np.bincount(
                    coded.technique_rows(include_key=False)[0], minlength=size
                ),
                "stances": np.bincount(coded.stance_rows(include_key=False)[0], minlength=size),
            }
        )
