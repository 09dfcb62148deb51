"""How long do the instructor's two commands take, against a hand-written script?

``rhetoric-lab collect CLASS --out class.csv`` then ``rhetoric-lab report class.csv
--out report.html`` on a simulated class (all five articles each), each in a fresh process
as an instructor runs them: imports, reading, checking, writing class.csv,
class.history.csv and class.rejects.csv, the answer-key summary line; then reading
class.csv (and the key columns of the history) back, every chart, the agreement table
and the offline HTML.

Against them, the *naive pipeline* a teacher would write by hand (:data:`NAIVE`), also
a fresh Python process: pandas reads every learner CSV and concatenates them, keeps the
latest save per learner, sentence and target, computes Krippendorff's alpha with the
``krippendorff`` package for stance and for each technique, and saves one Altair chart
to HTML. The kit does far more (checks every row, the history, every chart, offline
HTML), so this is a floor it should still beat.

Targets: collect + report at least 1.5x faster than the naive pipeline at 30 learners,
at least 4x at 1,000 (medians of ``--runs`` runs, kit and naive runs interleaved so they
share the machine's load). Then one run at each of ``--memory-sizes`` (default 10,000
learners) prints each command's time and peak RSS (target: within 2 GB at 10,000
learners, the class pipeline's memory target of ``bench_class.py`` held by what an
instructor actually runs).

The kit's bytecode is compiled first (``compileall``), as ``pip install`` does for an
installed kit and Python does on a checkout's first run; on a machine that sets
``PYTHONDONTWRITEBYTECODE`` (this one does) every command would otherwise compile the
kit's modules from source again, about 0.1 s each time.

The report caches Vega's JavaScript in the user's cache folder (:mod:`widgets.present.vega_bundle`):
the first report after installing pays about a second more than the medians show.

    .venv/bin/python benchmarks/bench_cli.py                    # 30 and 1,000; 10,000 (memory)
    .venv/bin/python benchmarks/bench_cli.py --memory-sizes     # the comparison only
    .venv/bin/python benchmarks/bench_cli.py --sizes --memory-sizes 1000 10000
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "widgets.cli"]
#: (size, minimum speed-up of collect + report over the naive pipeline)
TARGETS: dict[int, float] = {30: 1.5, 1000: 4.0}

#: The naive pipeline: ``python -c NAIVE CLASS_FOLDER OUT.html``.
NAIVE = r"""
import sys
from pathlib import Path

import altair as alt
import krippendorff
import pandas as pd

folder, out = Path(sys.argv[1]), sys.argv[2]
frames = [pd.read_csv(path, dtype=str, keep_default_na=False) for path in sorted(folder.glob("*.csv"))]
labels = pd.concat(frames, ignore_index=True)
key = ["learner", "article_id", "sentence_id", "target"]
labels = labels.sort_values("saved_at").drop_duplicates(key, keep="last")
labels = labels[(labels["status"] != "cleared") & (labels["sentence_id"] != "summary")]


def alpha(frame, column):
    table = frame.pivot(index="learner", columns=["article_id", "sentence_id", "target"], values=column)
    return krippendorff.alpha(reliability_data=table.to_numpy(dtype=float), level_of_measurement="nominal")


stance = labels[labels["target"] != ""].copy()
stance["code"] = stance["stance"].map({"favor": 0, "against": 1, "none": 2})
rows = [{"label": "stance", "alpha": alpha(stance, "code")}]
techniques = labels[labels["target"] == ""].copy()
sets = techniques["techniques"].str.split(";")
for technique in sorted({t for s in sets for t in s if t}):
    techniques["has"] = sets.map(lambda s: float(technique in s))
    rows.append({"label": technique, "alpha": alpha(techniques, "has")})
alt.Chart(pd.DataFrame(rows)).mark_bar().encode(x="alpha:Q", y=alt.Y("label:N", sort="-x")).save(out)
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Run one command in a fresh process: (seconds, peak MB of that process)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
        # wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would mix the commands)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{command[:4]} failed:\n{message}")
    return seconds, usage.ru_maxrss / 1024


def kit(folder: Path, out: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    """collect then report, each in a fresh process: ((seconds, MB), (seconds, MB))."""
    class_csv = out / "class.csv"
    collect = timed([*COMMAND, "collect", str(folder), "--out", str(class_csv), "--quiet"])
    report = timed([*COMMAND, "report", str(class_csv), "--out", str(out / "report.html")])
    return collect, report


def compare(temporary: Path, sizes: list[int], runs: int) -> list[str]:
    """Print kit against naive per size; return the verdict lines."""
    header = (
        f"{'learners':>8} {'collect s':>9} {'report s':>8} {'kit s':>6} {'naive s':>7} "
        f"{'speed-up':>8} {'target':>6}"
    )
    lines, verdicts = [header, "-" * len(header)], []
    for size in sizes:
        folder = temporary / f"class-{size}"
        simulate(folder, size)
        collects, reports, naives = [], [], []
        for run in range(runs):
            out = temporary / f"out-{size}-{run}"
            (collect, _), (report, _) = kit(folder, out)
            naive, _ = timed([sys.executable, "-c", NAIVE, str(folder), str(out / "naive.html")])
            collects.append(collect)
            reports.append(report)
            naives.append(naive)
            print(
                f"{size:>6} learners, run {run + 1}: collect {collect:.2f} s, report "
                f"{report:.2f} s, naive {naive:.2f} s",
                file=sys.stderr,
            )
        kit_s = statistics.median(c + r for c, r in zip(collects, reports, strict=True))
        naive_s = statistics.median(naives)
        ratio = naive_s / kit_s
        target = TARGETS.get(size)
        lines.append(
            f"{size:>8,} {statistics.median(collects):>9.2f} {statistics.median(reports):>8.2f} "
            f"{kit_s:>6.2f} {naive_s:>7.2f} {ratio:>7.2f}x "
            + (f"{target:>5.1f}x" if target else f"{'-':>6}")
        )
        if target:
            verdicts.append((f"{target}x faster than naive at {size:,} learners", ratio >= target))
    print(
        f"Medians of {runs} runs, each command in a fresh process (imports included); "
        "kit s = collect + report of the same run."
    )
    print("\n".join(lines))
    return [f"{'met   ' if ok else 'MISSED'} {name}" for name, ok in verdicts]


def memory(temporary: Path, sizes: list[int]) -> list[str]:
    """Print one run's wall time and peak RSS per command; return the verdict lines."""
    header = f"{'learners':>8} {'collect s':>9} {'peak MB':>8} {'report s':>8} {'peak MB':>8}"
    print(header)
    print("-" * len(header))
    verdicts = []
    for size in sizes:
        folder = temporary / f"class-{size}"
        simulate(folder, size)
        (collect_s, collect_mb), (report_s, report_mb) = kit(folder, temporary / f"mem-{size}")
        print(f"{size:>8,} {collect_s:>9.1f} {collect_mb:>8.0f} {report_s:>8.1f} {report_mb:>8.0f}")
        if size == 10_000:
            verdicts.append(("collect at 10,000 learners <= 2 GB", collect_mb <= 2048))
            verdicts.append(("report at 10,000 learners <= 2 GB", report_mb <= 2048))
    return [f"{'met   ' if ok else 'MISSED'} {name}" for name, ok in verdicts]


def simulate(folder: Path, size: int) -> None:
    if not folder.exists():
        from widgets.classroom.simulate import simulate_class

        simulate_class(folder, learners=size, seed=size)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=sorted(TARGETS))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory-sizes", type=int, nargs="*", default=[10_000])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    compileall.compile_dir(ROOT / "widgets", quiet=1)  # as pip does when installing
    print(
        f"On {os.cpu_count()} cores, 1-minute load {Path('/proc/loadavg').read_text().split()[0]}."
    )
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as temporary:
        if args.sizes:
            verdicts += compare(Path(temporary), args.sizes, args.runs)
        if args.memory_sizes:
            verdicts += memory(Path(temporary), args.memory_sizes)
    print("\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
