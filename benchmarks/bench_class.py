"""How long does an instructor wait for class results, and how much memory does it take?

For 30, 1,000 and 10,000 simulated learners (all five articles each), times in a fresh
process per size, after imports and a warm-up run on a 3-learner class, the median of
``--repeat`` runs (3 by default): collect + validate (widgets.collect), agreement on stance and every
technique (widgets.analysis.model.ClassModel: technique_alpha, stance_alpha,
technique_set_alpha, sentence_disagreement) and the tables the charts read (the model's
technique_by_article, stance_by_article, sentences, cooccurrence, changed_minds). The class is
generated first with widgets.classroom.simulate (not timed). A naive baseline runs in the same
way: a pandas loop over files with pd.concat, latest-row-per-key, then the
``krippendorff`` package once per stance target and per technique (no validation).

Targets: 1,000 learners <= 1 s and >= 4x faster than naive; 10,000 learners <= 10 s and
<= 2 GB peak; any one chart's data <= 100 KB as JSON at 10,000 learners.

    .venv/bin/python benchmarks/bench_class.py            # 30, 1,000, 10,000
    .venv/bin/python benchmarks/bench_class.py --quick    # 30, 1,000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _chart_bytes(model) -> dict[str, int]:
    """Bytes of data each class chart embeds (Altair inlines its data), not timed."""
    import json

    from widgets.present import registry

    return {
        entry.name: len(json.dumps(registry.build(entry.name, model).to_dict().get("datasets", {})))
        for entry in registry.available(model)
    }


def run_fast(folder: str) -> dict:
    from widgets.analysis.model import ClassModel
    from widgets.collect import collect
    from widgets.content.codebook import load_codebook
    from widgets.content.corpus import load_corpus

    corpus = load_corpus()
    codebook = load_codebook(corpus=corpus)
    times = {}
    cpu_start = time.process_time()
    start = time.perf_counter()
    result = collect([folder], corpus=corpus, codebook=codebook)
    times["collect"] = time.perf_counter() - start
    mark = time.perf_counter()
    # The class model codes the labels once; every view reads it, as the report does.
    model = ClassModel(result.labels, corpus=corpus, codebook=codebook, history=result.history)
    _ = (model.technique_alpha, model.stance_alpha, model.technique_set_alpha)
    _ = model.sentence_disagreement
    times["agreement"] = time.perf_counter() - mark
    mark = time.perf_counter()
    tables = {
        "technique_by_article": model.technique_by_article,
        "stance_by_article": model.stance_by_article("keir-starmer"),
        "hotspots": model.sentences,
        "cooccurrence": model.cooccurrence(),
        "changed_minds": model.changed_minds,
    }
    times["charts"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    times["cpu"] = time.process_time() - cpu_start
    assert all(len(t) for t in tables.values())
    sizes = _chart_bytes(model)
    return {
        "rows": result.counts["rows_read"],
        "kept": result.counts["kept"],
        "rejected": result.counts["rejected"],
        "times": times,
        "largest_chart": max(sizes.items(), key=lambda item: item[1]),
    }


def run_naive(folder: str) -> dict:
    import krippendorff
    import numpy as np
    import pandas as pd

    start = time.perf_counter()
    frames = [
        pd.read_csv(path, dtype=str, keep_default_na=False)
        for path in sorted(Path(folder).glob("*.csv"))
    ]
    history = pd.concat(frames, ignore_index=True)
    key = ["learner", "article_id", "sentence_id", "target"]
    labels = history.sort_values("saved_at").drop_duplicates(key, keep="last")
    labels = labels[(labels["status"] == "set") & (labels["sentence_id"] != "summary")]
    collected = time.perf_counter() - start
    technique_rows = labels[labels["target"] == ""]
    techniques = sorted({t for v in technique_rows["techniques"] for t in v.split(";") if t})
    for technique in techniques:
        present = technique_rows["techniques"].str.split(";").apply(lambda s, t=technique: t in s)
        table = (
            technique_rows.assign(v=present.astype(float))
            .pivot(index="learner", columns="sentence_id", values="v")
            .to_numpy()
        )
        krippendorff.alpha(reliability_data=table, level_of_measurement="nominal")
    codes = {"against": 0.0, "none": 1.0, "favor": 2.0}
    stance_rows = labels[labels["target"] != ""]
    for _target, group in stance_rows.groupby("target"):
        table = (
            group.assign(v=group["stance"].map(codes))
            .pivot(index="learner", columns="sentence_id", values="v")
            .to_numpy(dtype=float)
        )
        if np.isfinite(table).sum() > 1:
            krippendorff.alpha(reliability_data=table, level_of_measurement="nominal")
    return {
        "rows": len(history),
        "times": {"collect": collected, "total": time.perf_counter() - start},
    }


def child(mode: str, folder: str, warm: str, repeat: str) -> None:
    sys.path.insert(0, str(ROOT))
    run = run_fast if mode == "fast" else run_naive
    # Imports and first-call set-up (pandas, pyarrow, the corpus) are not timed: one
    # run on a 3-learner class first, then the timed runs; the median run is reported.
    run(warm)
    outcomes = sorted((run(folder) for _ in range(int(repeat))), key=lambda o: o["times"]["total"])
    outcome = outcomes[len(outcomes) // 2]
    outcome["runs"] = [round(o["times"]["total"], 3) for o in outcomes]
    outcome["load"] = Path("/proc/loadavg").read_text().split()[0]
    outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(outcome))


def measure(mode: str, folder: Path, warm: Path, repeat: int) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(folder), str(warm), str(repeat)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 and 1,000 learners only")
    parser.add_argument("--sizes", type=int, nargs="*", help="class sizes to run")
    parser.add_argument(
        "--naive-max", type=int, default=10_000, help="skip the naive baseline above this size"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per size; the median is reported"
    )
    parser.add_argument(
        "--child", nargs=4, metavar=("MODE", "FOLDER", "WARM", "REPEAT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    sys.path.insert(0, str(ROOT))
    from widgets.classroom.simulate import simulate_class

    sizes = args.sizes or ([30, 1000] if args.quick else [30, 1000, 10_000])
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-class-") as temporary:
        warm = Path(temporary) / "warm-up"
        simulate_class(warm, learners=3, seed=3)
        for size in sizes:
            folder = Path(temporary) / f"class-{size}"
            start = time.perf_counter()
            simulate_class(folder, learners=size, seed=size)
            generated = time.perf_counter() - start
            fast = measure("fast", folder, warm, args.repeat)
            naive = measure("naive", folder, warm, 1) if size <= args.naive_max else None
            rows.append((size, generated, fast, naive))
            print(
                f"{size:>6} learners: generated in {generated:.1f} s; fast "
                f"{fast['times']['total']:.2f} s (runs: {fast['runs']}); naive "
                + (f"{naive['times']['total']:.2f} s" if naive else "skipped"),
                file=sys.stderr,
            )
    print(
        f"Seconds of wall time in one process after imports and a warm-up run, median of "
        f"{args.repeat} run(s) (naive: one run; CPU s: the process's CPU time); peak MB: the fresh process's peak RSS, imports included; "
        "load: 1-minute load average after the run, on "
        f"{os.cpu_count()} cores."
    )
    header = (
        f"{'learners':>8} {'rows':>10} {'collect':>8} {'agree':>7} {'charts':>7} {'total':>7} "
        f"{'CPU s':>6} {'naive':>7} {'speed-up':>8} {'peak MB':>8} {'naive MB':>8} "
        f"{'chart KB':>9} {'load':>5}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for size, _generated, fast, naive in rows:
        t = fast["times"]
        naive_total = naive["times"]["total"] if naive else float("nan")
        speedup = naive_total / t["total"] if naive else float("nan")
        chart_name, chart_bytes = fast["largest_chart"]
        print(
            f"{size:>8,} {fast['rows']:>10,} {t['collect']:>8.2f} {t['agreement']:>7.2f} "
            f"{t['charts']:>7.2f} {t['total']:>7.2f} {t['cpu']:>6.2f} {naive_total:>7.2f} "
            f"{speedup:>7.1f}x {fast['peak_mb']:>8.0f} "
            f"{naive['peak_mb'] if naive else float('nan'):>8.0f} "
            f"{chart_bytes / 1024:>9.1f} {fast['load']:>5}"
        )
        if size == 1000:
            verdicts.append(("1,000 learners <= 1 s", t["total"] <= 1.0))
            verdicts.append(("1,000 learners >= 4x faster than naive", speedup >= 4))
        if size == 10_000:
            verdicts.append(("10,000 learners <= 10 s", t["total"] <= 10.0))
            verdicts.append(("10,000 learners <= 2 GB", fast["peak_mb"] <= 2048))
            verdicts.append(
                (f"largest chart data <= 100 KB ({chart_name})", chart_bytes <= 100 * 1024)
            )
    for name, ok in verdicts:
        print(f"{'met   ' if ok else 'MISSED'} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
