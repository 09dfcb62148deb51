"""The label CSV schema shared by the store, the panel, collect and the charts.

One row is one change a learner made. The key of a label is
``(learner, article_id, sentence_id, target)``; the latest ``saved_at`` for a key is
the current label and earlier rows are history.

* ``target == ""`` (:data:`TECHNIQUE_TARGET`): the sentence's technique label.
  ``techniques`` holds sorted codebook ids joined by ``;``; an empty string means
  "looked, no technique" (a sentence never looked at has no row at all).
* ``target`` set (a codebook target id such as ``keir-starmer``): the stance toward that
  target, one of :data:`STANCES`.
* ``sentence_id == SUMMARY_SENTENCE_ID``: the article-level summary a learner gives at
  the end (overall stance rows per target, and a technique-target row whose ``frame``
  holds the main frame id).
* ``status`` is ``set``, or ``cleared`` for a row that withdraws the key's label (undo
  of a first label); a key whose latest row is ``cleared`` has no current label. Rows
  with another ``status`` are not labels (a later kind of row): readers skip them when
  they work out the current labels (:func:`widgets.labelling.current.current_labels`).

Format versions (:data:`FORMAT_VERSION`); readers find columns by header name, never by
position, and a file of an older version still reads:

* 1: the thirteen columns of :data:`LABEL_COLUMNS`.
* Later versions may add columns: they go *after* these (:data:`OPTIONAL_COLUMNS` lists
  those a reader knows), and a file without them reads with the value ``""``.
* 2: the same columns; ``status`` may also be ``revealed``:

* ``status == "revealed"`` (:data:`STATUS_REVEALED`) records that the learner saw the
  key: for one sentence, the summary, or (``sentence_id ==`` :data:`REVEAL_WHOLE_ARTICLE`)
  a whole article. It is no label: current-label functions skip it, and a label is
  *pre-reveal* when it was saved before the first reveal covering its sentence
  (:mod:`widgets.analysis.reveals`).
"""

from __future__ import annotations

__all__ = [
    "LABEL_COLUMNS",
    "STANCES",
    "TECHNIQUE_TARGET",
    "SUMMARY_SENTENCE_ID",
    "KEY_COLUMNS",
    "CONFIDENCE_LEVELS",
    "KEY_LEARNER",
    "STATUS_SET",
    "STATUS_CLEARED",
    "LABEL_STATUSES",
    "STATUSES",
    "FORMAT_VERSION",
    "OPTIONAL_COLUMNS",
    "SIMULATED_PREFIX",
    "STATUS_REVEALED",
    "REVEAL_WHOLE_ARTICLE",
    "join_techniques",
    "split_techniques",
]

LABEL_COLUMNS: tuple[str, ...] = (
    "learner",
    "article_id",
    "sentence_id",
    "target",
    "techniques",
    "stance",
    "confidence",
    "note",
    "frame",
    "status",
    "saved_at",
    "codebook_version",
    "text_sha1",
)

#: The columns that identify one label; the latest ``saved_at`` per key wins.
KEY_COLUMNS: tuple[str, ...] = ("learner", "article_id", "sentence_id", "target")

STANCES: tuple[str, ...] = ("favor", "against", "none")

#: ``target`` value of the row that carries a sentence's techniques.
TECHNIQUE_TARGET = ""

#: ``sentence_id`` of the article-level summary rows.
SUMMARY_SENTENCE_ID = "summary"

#: ``status`` of an ordinary row, and of a row that withdraws a label (undo back to
#: "not looked at yet"): the key then has no current label.
STATUS_SET = "set"
STATUS_CLEARED = "cleared"
#: ``status`` of a row that records a look at the key (not a label).
STATUS_REVEALED = "revealed"
#: ``sentence_id`` of a reveal row covering every sentence of its article ("Reveal anyway").
REVEAL_WHOLE_ARTICLE = "*"

#: ``learner`` of the answer key's rows (answers/key/), wherever labels are compared.
KEY_LEARNER = "key"

#: ``status`` values of label rows; other values are other kinds of row, not labels.
LABEL_STATUSES: tuple[str, ...] = (STATUS_SET, STATUS_CLEARED)

#: Every ``status`` a row may have. A kind of row that is not a label (a later format's)
#: is added here, not to :data:`LABEL_STATUSES`: readers keep it in the history, and
#: collect counts it as ``revealed``.
STATUSES: tuple[str, ...] = (*LABEL_STATUSES, STATUS_REVEALED)

#: The label CSV format's version (see the module docstring for what each version holds).
FORMAT_VERSION = 2

#: Columns a reader knows that a file may lack (added after :data:`LABEL_COLUMNS` by later
#: format versions; empty in version 1). A file without them reads them as "".
OPTIONAL_COLUMNS: tuple[str, ...] = ()

#: Learner ids of simulated classes start with this (:mod:`widgets.classroom.simulate`).
SIMULATED_PREFIX = "sim-"

#: Allowed values of ``confidence`` ("" when the learner gave none).
CONFIDENCE_LEVELS: tuple[str, ...] = ("low", "medium", "high")


def join_techniques(technique_ids) -> str:
    """Sorted, de-duplicated ids joined by ``;`` (the CSV form)."""
    return ";".join(sorted({str(t) for t in technique_ids}))


def split_techniques(value) -> tuple[str, ...]:
    """Inverse of :func:`join_techniques`; ``""`` or NaN gives ``()``."""
    if value is None or value != value or value == "":  # NaN != NaN
        return ()
    return tuple(t for t in str(value).split(";") if t)
