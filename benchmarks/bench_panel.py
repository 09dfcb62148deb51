"""How fast does the annotation panel open, and how soon is a toggle in the CSV?

Prints the panel's build time for the longest article (first build in the process, and
the median of later builds), and the Python-side latency from a technique click (the
view's "toggle" intent message, which is what a click sends) to its row being appended,
flushed and fsynced in the learner's CSV: median and p95 over ``--actions`` clicks, plus
the same for key presses delivered as the view's key message (the browser's path).
Targets: build <= 150 ms; toggle p95 <= 10 ms.

    .venv/bin/python benchmarks/bench_panel.py [--actions 1000]
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
from widgets.labelling.panel import AnnotationPanel
from widgets.labelling.store import read_label_file

BUILD_TARGET_MS = 150
TOGGLE_P95_TARGET_MS = 10


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def build(article_id: str, folder: Path, learner: str, corpus, codebook) -> tuple[float, object]:
    start = time.perf_counter()
    panel = AnnotationPanel(
        article_id, learner=learner, directory=folder, corpus=corpus, codebook=codebook
    )
    elapsed = (time.perf_counter() - start) * 1000
    if not panel.ready:
        raise SystemExit(f"the panel did not start: {panel.message}")
    return elapsed, panel


def message(content: dict) -> dict:
    """A custom comm message from the browser, as ipykernel delivers it."""
    return {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}


def toggles(panel, actions: int) -> list[float]:
    technique_ids = list(panel.codebook.technique_ids)
    timings = []
    for i in range(actions):
        if i and i % 10 == 0:  # move on now and then, as a learner does (not timed)
            panel.move("next" if panel.sentence_index < 40 else 0)
        content = {
            "type": "intent",
            "action": "toggle",
            "value": technique_ids[i % len(technique_ids)],
        }
        start = time.perf_counter()
        panel.view._handle_msg(message(content))
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def key_presses(panel, actions: int) -> list[float]:
    keys = [t.key for t in panel.codebook.techniques]
    timings = []
    for i in range(actions):
        content = {"type": "key", "key": keys[i % len(keys)]}
        start = time.perf_counter()
        panel.view._handle_msg(message(content))
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=1000)
    parser.add_argument("--builds", type=int, default=10)
    args = parser.parse_args()

    corpus = load_corpus()
    codebook = load_codebook(corpus=corpus)
    longest = max(corpus.articles, key=lambda a: len(a.sentences))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "annotations"
        first, panel = build(longest.article_id, folder, "bench", corpus, codebook)
        later = [
            build(longest.article_id, folder, f"bench-{i}", corpus, codebook)[0]
            for i in range(args.builds)
        ]
        toggle_ms = toggles(panel, args.actions)
        rows, problems = read_label_file(panel.store.path)
        if problems or len(rows) != args.actions:
            raise SystemExit(f"expected {args.actions} rows in the CSV, found {len(rows)}")
        key_ms = key_presses(panel, args.actions)
        rows, problems = read_label_file(panel.store.path)
        if problems or len(rows) != 2 * args.actions:
            raise SystemExit(f"expected {2 * args.actions} rows after the keys, found {len(rows)}")
        # a restart on a file with every row: what a learner waits for after a long lesson
        reopen, _ = build(longest.article_id, folder, "bench", corpus, codebook)

    build_ms = statistics.median(later)
    print(f"article: {longest.article_id} ({len(longest.sentences)} sentences)")
    print(f"build, first in process: {first:.1f} ms")
    print(f"build, median of {args.builds}: {build_ms:.1f} ms (target <= {BUILD_TARGET_MS})")
    print(f"build, reopening a file of {2 * args.actions} rows: {reopen:.1f} ms")
    print(
        f"toggle -> row fsynced, {args.actions} toggles: median "
        f"{statistics.median(toggle_ms):.2f} ms, p95 {p95(toggle_ms):.2f} ms, "
        f"max {max(toggle_ms):.2f} ms (target p95 <= {TOGGLE_P95_TARGET_MS})"
    )
    print(
        f"key press -> row fsynced, {args.actions} keys: median "
        f"{statistics.median(key_ms):.2f} ms, p95 {p95(key_ms):.2f} ms"
    )
    ok = max(first, build_ms) <= BUILD_TARGET_MS and p95(toggle_ms) <= TOGGLE_P95_TARGET_MS
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
