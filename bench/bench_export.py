"""Benchmark: `tracker export` (CSV, and JSON for scale) on stores of 10,000 and 100,000 releases.

Run: .venv/bin/python bench/bench_export.py [--sizes 10000,100000] [--runs 3] [--format csv,json]   (prints numbers)
Targets (issue 19 §5): CSV at least 20,000 rows/s at 100,000 releases, process start included; peak RSS flat
from 10,000 to 100,000 (streamed). Rows are as heavy as a real poll's (bench_memory.weigh_rows). Each export is
its own process (bench_memory's launcher: the command's own peak RSS from wait4); median of `--runs` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_memory import LAUNCHER, weigh_rows  # noqa: E402
from bench_site import TRACKER, fill  # noqa: E402

# bench_memory's launcher, also reporting the command's CPU time (user + system): on a machine shared with
# other work it is the steadier figure, the wall time also counting the waits for a core.
LAUNCHER_CPU = LAUNCHER.replace("print(kb, ", "print(kb, usage.ru_utime + usage.ru_stime, ")


def measure(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float, int]:
    """Peak RSS (MB), CPU time (s), wall time (s) and exit status of one command run as its own process."""
    result = subprocess.run([sys.executable, "-c", LAUNCHER_CPU, *command], cwd=cwd, env=env, capture_output=True,
                            text=True, check=True)
    kb, cpu, seconds, status = result.stdout.split()
    return float(kb) / 1024, float(cpu), float(seconds), int(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="store sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", default="csv,json", help="export formats, comma-separated")
    opts = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores shared; figures are medians of {opts.runs})")
    print(f"{'releases':>9} {'format':6} {'wall':>7} {'rows/s':>8} {'cpu':>7} {'rows/cpu-s':>10} {'peak RSS':>9}"
          "  (runs: wall s)")
    for size in (int(s) for s in opts.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            db = work / "state" / "tracker.db"
            db.parent.mkdir()
            fill(db, size)
            weigh_rows(db)
            env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
            env.update(HOME=str(work))
            for fmt in opts.format.split(","):
                walls, cpus, peaks = [], [], []
                for _ in range(opts.runs):
                    target = work / f"out.{fmt}"
                    mb, cpu, seconds, status = measure([TRACKER, "export", "--format", fmt, "-o", str(target)],
                                                       work, env)
                    walls.append(seconds)
                    cpus.append(cpu)
                    peaks.append(mb)
                    if status != 0:
                        raise SystemExit(f"tracker export --format {fmt} exited {status}")
                    lines = target.read_text(encoding="utf-8").count("\n")
                    if fmt == "csv" and lines < size + 1:
                        raise SystemExit(f"the CSV holds {lines} lines for {size} releases")
                wall, cpu = statistics.median(walls), statistics.median(cpus)
                print(f"{size:9,} {fmt:6} {wall:6.2f}s {size / wall:8,.0f} {cpu:6.2f}s {size / cpu:10,.0f}"
                      f" {statistics.median(peaks):7.0f} MB  ({', '.join(f'{w:.2f}' for w in walls)})")


if __name__ == "__main__":
    main()
