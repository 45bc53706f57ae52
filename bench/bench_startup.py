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


def timed(args: tuple[str, ...], cwd: Path, env: dict[str, str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of `tracker ARGS` over `runs` runs (after one
    warm-up run). On a machine shared with other work the CPU time is the steadier figure: the wall time
    also counts the time the process waited for a core."""
    samples, cpu = [], []
    for i in range(runs + 1):
        started = time.perf_counter()
        with open(os.devnull, "w") as sink:
            proc = subprocess.Popen([TRACKER, *args], cwd=cwd, env=env, stdout=sink, stderr=subprocess.PIPE)
            _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"tracker {' '.join(args)} failed:\n{proc.stderr.read().decode()[-2000:]}")
        proc.stderr.close()
        if i:
            samples.append(elapsed)
            cpu.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(samples), statistics.median(cpu)


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
        print(f"start-up on {args.releases:,} stored releases, median of {args.runs} runs "
              f"(load average {os.getloadavg()[0]:.1f}; wall, and CPU time user + system):")
        for command in COMMANDS:
            target = 0.5 if command[0] == "history" else 0.3
            wall, cpu = timed(command, work, env, args.runs)
            print(f"  tracker {' '.join(command):<34} {wall:.3f} s, cpu {cpu:.3f} s (target < {target} s)")


if __name__ == "__main__":
    main()
