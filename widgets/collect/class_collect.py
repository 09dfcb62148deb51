"""Collect a class's labels and reflections together, as ``rhetoric-lab collect`` does.

The folders are searched once and both readers take the files found, one after the other.
The reflections are not read in a second thread: the label collect keeps both cores busy
while Arrow parses its files, and the GIL keeps a second thread's Python waiting behind the
first's, so at 1,000 learners a thread made collect no faster, only less predictable
(``benchmarks/bench_learning_loop.py``).
"""

from __future__ import annotations

__all__ = ["collect_class"]


def collect_class(inputs, *, corpus=None, codebook=None, progress: bool = False):
    """``(CollectResult, ReflectionResult or the error that stopped it)``.

    Raises what :func:`widgets.collect.collect` raises (an input that does not exist)."""
    from .pipeline import collect
    from .reflections import collect_reflections
    from .sources import find_inputs

    sources = find_inputs(list(inputs))  # InputError for an input that does not exist
    labels = collect((), corpus=corpus, codebook=codebook, progress=progress, sources=sources)
    try:
        found = collect_reflections(sources=sources)
    except (OSError, ValueError) as error:
        found = error
    return labels, found
