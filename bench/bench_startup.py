"""Benchmark: how long a person waits for `tracker --help`, `--version` and `history --limit 50` on 100k releases.

Run: .venv/bin/python bench/bench_startup.py [--releases N] [--runs N]   (prints numbers; it asserts nothing)
Targets (issue 19): --help and --version under 0.3 s; `history --limit 50` under 0.5 s at 100,000 releases.
Each command is its own process, started the way a person starts it (the console script), median of runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_site import fill  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
COMMANDS = (("--help",), ("--version",), ("history", "--limit", "50"), ("history", "--limit", "50", "--lab", "qwen"))


def timed(args: tuple[str, ...], cwd: Path, env: dict[str, str], runs: int) -> float:
    """Median wall time of `tracker ARGS` over `runs` runs (after one warm-up run)."""
    samples = []
    for i in range(runs + 1):
        started = time.perf_counter()
        result = subprocess.run([TRACKER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            raise SystemExit(f"tracker {' '.join(args)} failed:\n{result.stderr[-2000:]}")
        if i:
            samples.append(elapsed)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        fill(work / "tracker.db", args.releases)
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
        env.update(HOME=str(work), TRACKER_DATABASE_URL=f"sqlite:///{work / 'tracker.db'}")
        print(f"start-up on {args.releases:,} stored releases, median of {args.runs} runs:")
        for command in COMMANDS:
            target = 0.5 if command[0] == "history" else 0.3
            print(f"  tracker {' '.join(command):<34} {timed(command, work, env, args.runs):.3f} s"
                  f" (target < {target} s)")


if __name__ == "__main__":
    main()
