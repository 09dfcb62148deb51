"""How fast is a save, and does it slow down as the learner's file grows?

Prints median and p95 save latency (append + flush + fsync under the file lock) with
0, 1,000 and 10,000 rows already in the file, and the ratio last/first.
Targets: p95 <= 5 ms and ratio <= 1.5.

    .venv/bin/python benchmarks/bench_store.py [--saves 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from widgets.content.codebook import load_codebook
from widgets.content.corpus import load_corpus
from widgets.labelling.store import LabelStore


def fill(store: LabelStore, rows: int) -> None:
    """Append ``rows`` realistic rows in bulk (the file a long course leaves behind)."""
    from widgets.labelling.store import _format_rows

    sentences = [(a.article_id, s.sentence_id) for a in store.corpus.articles for s in a.sentences]
    template = store.save(sentences[0][0], sentences[0][1], techniques=[], note="warm-up")[0]
    batch = []
    for i in range(rows - 1):
        article_id, sentence_id = sentences[i % len(sentences)]
        batch.append(
            {**template, "article_id": article_id, "sentence_id": sentence_id, "note": f"row {i}"}
        )
    with open(store.path, "a", encoding="utf-8", newline="") as handle:
        handle.write(_format_rows(batch))


def measure(directory: Path, existing: int, saves: int, corpus, codebook) -> list[float]:
    learner = f"bench-{existing}"
    if existing:
        fill(LabelStore(directory, learner, corpus=corpus, codebook=codebook), existing)
    store = LabelStore(directory, learner, corpus=corpus, codebook=codebook)  # loads the file
    technique_ids = codebook.technique_ids
    sentences = [(a.article_id, s.sentence_id) for a in corpus.articles for s in a.sentences]
    timings = []
    for i in range(saves):
        article_id, sentence_id = sentences[i % len(sentences)]
        tags = [technique_ids[i % len(technique_ids)]]
        start = time.perf_counter()
        store.save(article_id, sentence_id, techniques=tags, note=f"why {i}: “£” survives")
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=500)
    args = parser.parse_args()
    corpus, codebook = load_corpus(), load_codebook()
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for existing in (0, 1_000, 10_000):
            timings = measure(Path(scratch), existing, args.saves, corpus, codebook)
            p95 = statistics.quantiles(timings, n=20)[-1]
            results[existing] = (statistics.median(timings), p95)
    print(f"{'rows already in file':>22} {'median ms':>10} {'p95 ms':>8}")
    for existing, (median, p95) in results.items():
        print(f"{existing:>22,} {median:>10.3f} {p95:>8.3f}")
    ratio = results[10_000][1] / results[0][1]
    worst = max(p95 for _, p95 in results.values())
    print(
        f"p95 ratio 10,000/0 rows: {ratio:.2f} (target <= 1.5); worst p95 {worst:.3f} ms (target <= 5)"
    )
    ok = ratio <= 1.5 and worst <= 5
    print("TARGETS MET" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
