"""How long do the instructor's two commands take, end to end, and how much memory?

``rhetoric-lab collect CLASS --out class.csv`` then ``rhetoric-lab report class.csv
--out report.html`` on a simulated class of 1,000 and 10,000 learners (all five articles
each), each in a fresh process as an instructor runs them: imports, reading, checking,
writing class.csv, class.history.csv and class.rejects.csv, the answer-key summary line;
then reading class.csv (and the key columns of the history) back, every chart, the
agreement table and the offline HTML. Wall time and the process's peak RSS.

Target: every run within 2 GB at 10,000 learners (the class pipeline's memory target,
``bench_class.py``, held by what an instructor actually runs). Times are printed for the
record: about 2 s of each command is fixed cost (imports; the report also bundles Vega's
JavaScript).

    .venv/bin/python benchmarks/bench_cli.py                 # 1,000 and 10,000 learners
    .venv/bin/python benchmarks/bench_cli.py --sizes 1000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "widgets.cli"]


def timed(arguments: list[str]) -> tuple[float, float]:
    """Run one command in a fresh process: (seconds, peak MB of that process)."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            [*COMMAND, *arguments], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors
        )
        # wait4 gives this child's own peak RSS (RUSAGE_CHILDREN would mix the commands)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{arguments[0]} failed:\n{message}")
    return seconds, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from widgets.classroom.simulate import simulate_class

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as temporary:
        for size in args.sizes:
            folder = Path(temporary) / f"class-{size}"
            simulate_class(folder, learners=size, seed=size)
            out = Path(temporary) / f"out-{size}"
            collect = timed(["collect", str(folder), "--out", str(out / "class.csv"), "--quiet"])
            written = sum(f.stat().st_size for f in out.iterdir()) / 1024**2
            report = timed(["report", str(out / "class.csv"), "--out", str(out / "report.html")])
            html = (out / "report.html").stat().st_size / 1024**2
            rows.append((size, collect, written, report, html))
            print(
                f"{size:>6} learners: collect {collect[0]:.1f} s, report {report[0]:.1f} s",
                file=sys.stderr,
            )
    print(
        "Each command in a fresh process (imports included): wall seconds and the process's "
        f"peak RSS; on {os.cpu_count()} cores, 1-minute load "
        f"{Path('/proc/loadavg').read_text().split()[0]}."
    )
    header = (
        f"{'learners':>8} {'collect s':>9} {'peak MB':>8} {'written MB':>10} "
        f"{'report s':>8} {'peak MB':>8} {'html MB':>7}"
    )
    print(header)
    print("-" * len(header))
    verdicts = []
    for size, (collect_s, collect_mb), written, (report_s, report_mb), html in rows:
        print(
            f"{size:>8,} {collect_s:>9.1f} {collect_mb:>8.0f} {written:>10.0f} "
            f"{report_s:>8.1f} {report_mb:>8.0f} {html:>7.1f}"
        )
        if size == 10_000:
            verdicts.append(("collect at 10,000 learners <= 2 GB", collect_mb <= 2048))
            verdicts.append(("report at 10,000 learners <= 2 GB", report_mb <= 2048))
    for name, ok in verdicts:
        print(f"{'met   ' if ok else 'MISSED'} {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
