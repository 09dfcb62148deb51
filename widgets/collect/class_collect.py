"""Collect a class's labels and reflections together, as ``rhetoric-lab collect`` does.

The folders are searched once; each reader takes its own files (the labels' table of files
lists label files only), one after the other.
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
    from ..labelling.reflections import is_reflection_file
    from .pipeline import collect
    from .reflections import collect_reflections
    from .sources import find_inputs

    sources = find_inputs(list(inputs))  # InputError for an input that does not exist
    reflection_files = [is_reflection_file(source.name) for source in sources]
    labels = collect(
        (),
        corpus=corpus,
        codebook=codebook,
        progress=progress,
        sources=[s for s, theirs in zip(sources, reflection_files, strict=True) if not theirs],
    )
    try:
        found = collect_reflections(
            sources=[s for s, theirs in zip(sources, reflection_files, strict=True) if theirs]
        )
    except (OSError, ValueError) as error:
        found = error
    return labels, found
