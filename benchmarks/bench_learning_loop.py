"""Do reflections and reveals keep the learner's box quick and collect as fast as before?

1. Reflection autosave: from the moment the debounce timer fires (``Reflection.flush``,
   what the timer calls) to the answer being appended, fsynced and shown as saved.
   200 saves of a growing answer per run; p95 per run; the median of 5 runs.
   Target: p95 <= 10 ms.
2. Collect at 1,000 simulated learners (all five articles): what ``rhetoric-lab collect``
   runs (widgets.collect.class_collect: the labels, then the reflections) on the class
   with reflections (widgets.classroom.simulate_reflections) and reveal rows (20 per learner:
   sentence checks and one whole-article "Reveal anyway"), against the same on the same
   class without them. The median of 5 runs each, which one goes first alternating; wall
   and CPU time, and the reflections alone. Target: with <= 1.10 x without.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_learning_loop.py [--learners N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def bench_autosave(runs: int = 5, saves: int = 200) -> list[float]:
    from widgets.labelling.reflection_widget import Reflection

    p95s = []
    for _run in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            box = Reflection("kit-ask-press-looked", directory=folder, learner="ann", debounce=60)
            text = ""
            times = []
            for number in range(saves):
                text += f" word{number}"
                box.text.value = text  # starts the (long) timer
                box._timer.cancel()  # the timer would call flush: time that call
                start = time.perf_counter()
                assert box.flush()
                times.append(time.perf_counter() - start)
            times.sort()
            p95s.append(times[int(0.95 * len(times)) - 1] * 1000)
    return p95s


def _add_reveals(folder: Path, corpus, version: str, per_learner: int = 20) -> int:
    """Append reveal rows to every learner file, later than its last save, as
    ``LabelStore.reveal`` writes them (codebook ``version``)."""
    rows = 0
    articles = corpus.articles
    for number, path in enumerate(sorted(folder.glob("sim-*.csv"))):
        learner = path.stem
        article = articles[number % len(articles)]
        lines = []
        for k in range(per_learner - 1):
            sentence = article.sentences[k % len(article.sentences)]
            lines.append(
                f"{learner},{article.article_id},{sentence.sentence_id},,,,,,,revealed,"
                f"2026-06-01T10:{k // 60:02d}:{k % 60:02d}.000000+00:00,{version},"
                f"{sentence.text_sha1}"
            )
        lines.append(
            f"{learner},{article.article_id},*,,,,,,,revealed,2026-06-01T11:00:00.000000+00:00,"
            f"{version},"
        )
        with open(path, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        rows += len(lines)
    return rows


def bench_collect(learners: int, runs: int = 5) -> tuple[list[float], list[float], dict]:
    from widgets.classroom.simulate import simulate_class
    from widgets.classroom.simulate_reflections import simulate_reflections
    from widgets.collect.class_collect import collect_class
    from widgets.collect.reflections import collect_reflections
    from widgets.content.codebook import load_codebook
    from widgets.content.corpus import load_corpus

    corpus = load_corpus()
    codebook = load_codebook(corpus=corpus)
    with tempfile.TemporaryDirectory() as scratch:
        plain = Path(scratch) / "plain"
        result = simulate_class(plain, learners=learners, seed=1, corpus=corpus, codebook=codebook)
        loop = Path(scratch) / "loop"
        shutil.copytree(plain, loop)
        reveals = _add_reveals(loop, corpus, codebook.version)
        simulate_reflections(loop, [str(x) for x in result.learners["learner"]], seed=1)
        collect_class([plain], corpus=corpus, codebook=codebook)  # warm-up
        times: dict[str, list[float]] = {"without": [], "with": []}
        parts: dict[str, list[float]] = {"reflections alone": [], "cpu_without": [],
                                         "cpu_with": []}  # fmt: skip
        info = {}
        for run in range(runs):
            # what `rhetoric-lab collect` runs (labels, then reflections), on each class; the
            # one measured first alternates, so neither always follows the other. Each
            # result is let go after its clock stops: freeing half a million rows is not
            # collect's time.
            order = [("without", plain), ("with", loop)]
            for name, folder in order if run % 2 == 0 else order[::-1]:
                start, cpu = time.perf_counter(), time.process_time()
                labels, reflections = collect_class([folder], corpus=corpus, codebook=codebook)
                times[name].append(time.perf_counter() - start)
                parts[f"cpu_{name}"].append(time.process_time() - cpu)
                if name == "with":
                    info = {
                        "label rows": labels.counts["rows_read"],
                        "reveal rows": labels.counts["revealed"],
                        "reveal rows written": reveals,
                        "reflection rows": reflections.counts["rows_read"],
                    }
                del labels, reflections
            mark = time.perf_counter()
            result = collect_reflections([loop])
            parts["reflections alone"].append(time.perf_counter() - mark)
            del result
    info["parts"] = {k: round(statistics.median(v), 3) for k, v in parts.items()}
    return times["without"], times["with"], info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    p95s = bench_autosave(args.runs)
    median = statistics.median(p95s)
    print(
        f"reflection autosave, debounce fired -> saved: p95 per run "
        f"{', '.join(f'{v:.2f}' for v in p95s)} ms; median {median:.2f} ms "
        f"(target <= 10 ms: {'met' if median <= 10 else 'NOT met'})"
    )
    without, with_loop, info = bench_collect(args.learners, args.runs)
    a, b = statistics.median(without), statistics.median(with_loop)
    print(f"collect at {args.learners:,} learners: {info}")
    print(f"  without reflections and reveals: {', '.join(f'{v:.3f}' for v in without)} s")
    print(f"  with reflections and reveals:    {', '.join(f'{v:.3f}' for v in with_loop)} s")
    paired = statistics.median(w / o for w, o in zip(with_loop, without, strict=True))
    print(
        f"  medians {a:.3f} s vs {b:.3f} s: x{b / a:.3f} "
        f"(target <= 1.10: {'met' if b / a <= 1.10 else 'NOT met'}); "
        f"median of each run's own ratio x{paired:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
