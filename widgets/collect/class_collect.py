"""Collect a class's labels and reflections together, as ``rhetoric-lab collect`` does.

The reflection files are read in a second thread while the labels are merged: the label
collect spends much of its time in Arrow and NumPy, which let go of the GIL, so on a
machine with a core to spare the reflections cost little extra time.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

__all__ = ["collect_class"]


def collect_class(inputs, *, corpus=None, codebook=None, progress: bool = False):
    """``(CollectResult, ReflectionResult or the error that stopped it)``.

    Raises what :func:`widgets.collect.collect` raises (an input that does not exist)."""
    from ..labelling.reflections import collect_reflections
    from .pipeline import collect
    from .sources import find_inputs

    # The folders are searched once (InputError for an input that does not exist); both
    # readers take the files found.
    sources = find_inputs(list(inputs))
    with ThreadPoolExecutor(max_workers=1) as pool:
        reflections = pool.submit(collect_reflections, sources=sources)
        labels = collect((), corpus=corpus, codebook=codebook, progress=progress, sources=sources)
        try:
            found = reflections.result()
        except (OSError, ValueError) as error:
            found = error
    return labels, found
