"""Learner ids a spreadsheet mangled: a hand-in names its learner, so an id read back as
``123`` (from ``00123``) or ``1.23E+02`` is put back, and rows naming another id are
marked (:func:`restore_named_learners`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..labelling.handin import named_learner, restore_learner_id

__all__ = ["restore_named_learners"]


def restore_named_learners(frame: pd.DataFrame, names: np.ndarray, file_rows: list[dict]):
    """Compare each hand-in file's learner ids with the id its hand-in names
    (:func:`widgets.labelling.handin.named_learner`): an id a spreadsheet rewrote (``00123`` read
    back as ``123`` or ``1.23E+02``) is put back, with a note on the file; rows naming
    another id are marked. Returns ``(mask, reasons)`` of the marked rows, or ``None``.
    One pass over the rows, and none when no file is a hand-in."""
    named = {i: n for i, name in enumerate(names[:-1]) if (n := named_learner(str(name)))}
    if not named or not len(frame):
        return None
    files = frame["_file"].to_numpy(dtype=np.int64)
    in_named = np.isin(files, np.fromiter(named, dtype=np.int64))
    if not in_named.any():
        return None
    learner = frame["learner"]
    codes = learner.cat.codes.to_numpy().astype(np.int64)
    categories = list(learner.cat.categories)
    width = len(categories) + 1
    pairs = np.unique(files[in_named] * width + codes[in_named] + 1)
    new_codes, marked, reasons = None, None, None
    for pair in pairs:
        file_index, code = divmod(int(pair), width)
        code -= 1
        found = categories[code] if code >= 0 else ""
        wanted = named[file_index]
        if found == wanted:
            continue
        restored, message = restore_learner_id(found, wanted)
        rows = (files == file_index) & (codes == code)
        notes = file_rows[file_index]["notes"]
        if restored is not None:
            if restored not in categories:
                categories.append(restored)
            if new_codes is None:
                new_codes = codes.copy()
            new_codes[rows] = categories.index(restored)
            file_rows[file_index]["notes"] = f"{notes}; {message}" if notes else message
        else:
            if marked is None:
                marked = np.zeros(len(frame), dtype=bool)
                reasons = np.full(len(frame), None, dtype=object)
            marked |= rows
            reasons[rows] = message
            flag = f"rows rejected: {message}"
            file_rows[file_index]["notes"] = f"{notes}; {flag}" if notes else flag
    if new_codes is not None:
        frame["learner"] = pd.Categorical.from_codes(
            new_codes.astype(np.int32), categories=categories, validate=False
        )
    return None if marked is None else (marked, reasons)
