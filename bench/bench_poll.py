"""Benchmark of the core issue: polling 40 orgs x 300 models on the fake Hub, history on 100,000 releases.

Run: .venv/bin/python bench/bench_poll.py   (prints numbers; it asserts nothing)
Targets: quiet cycle <= 1 Hub request per org page and < 5 s; 100 new models < 20 s;
`tracker history --limit 50` on 100,000 releases < 0.5 s with process start; `tracker run` peak RSS < 200 MB.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes import hub_catalog  # noqa: E402
from tests.fakes.hub import FakeHub  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
ORGS, PER_ORG = 40, 300


def env_for(work: Path, hub_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
    env.update(HOME=str(work), HF_HOME=str(work / "hf"), HF_ENDPOINT=hub_url, HF_HUB_DISABLE_TELEMETRY="1",
               TRACKER_WATCHLIST=str(work / "watchlist.toml"), TRACKER_POLL_INTERVAL="2",
               TRACKER_HTTP_PORT="0")  # `tracker run` serves HTTP: any free port, never a fixed 8787 someone holds
    return env


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stderr[-2000:]}")
    return elapsed, result


def add_new_models(hub: FakeHub, count: int) -> None:
    now = datetime.now(UTC)
    config = hub_catalog.real_config("Qwen/Qwen3-30B-A3B")
    for i in range(count):
        org = f"bench-org-{i % ORGS:02d}"
        hub.add_model(f"{org}/Fresh-MoE-30B-A3B-v{i}", created_at=now - timedelta(minutes=1),
                      safetensors={"BF16": 30_532_122_624}, config=config)


def fill_history(db_path: Path, rows: int) -> None:
    """Add synthetic releases straight into the store (the schema exists after the first poll)."""
    base = datetime(2020, 1, 1, tzinfo=UTC)
    with sqlite3.connect(db_path) as db:
        db.executemany(
            "INSERT INTO models (repo_id, lab, org, region, status, backfill, released_at, created_at, first_seen_at,"
            " gated, is_moe, params_total, license) VALUES (?, ?, ?, 'China', 'public', 1, ?, ?, ?, 'no', 0, ?, ?)",
            (
                (f"hist-org-{i % 50}/Model-{i}", f"Lab {i % 50}", f"hist-org-{i % 50}",
                 (t := (base + timedelta(minutes=7 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")), t, t,
                 (i % 700 + 1) * 10**9, "apache-2.0")
                for i in range(rows)
            ),
        )


def peak_rss_of_run(cwd: Path, env: dict[str, str], seconds: float) -> float:
    proc = subprocess.Popen([TRACKER, "run"], cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    peak_kb = 0
    deadline = time.time() + seconds
    while time.time() < deadline and proc.poll() is None:
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            hwm = next(line for line in status.splitlines() if line.startswith("VmHWM"))
            peak_kb = max(peak_kb, int(hwm.split()[1]))
        except (OSError, StopIteration):
            pass
        time.sleep(0.2)
    if proc.poll() is not None:  # a run that stopped early measured nothing worth printing
        raise SystemExit(f"tracker run exited with {proc.returncode}:\n{proc.communicate()[1][-2000:]}")
    proc.send_signal(2)
    proc.wait(timeout=30)
    return peak_kb / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeHub() as hub:
        work = Path(tmp)
        started = time.perf_counter()
        hub_catalog.populate_bulk(hub, ORGS, PER_ORG)
        print(f"fake Hub: {len(hub)} models in {ORGS} orgs ({time.perf_counter() - started:.2f} s to build)")
        labs = "".join(
            f'[[lab]]\nname = "Bench {o:02d}"\norgs = ["bench-org-{o:02d}"]\ncountry = "Nowhere"\n\n'
            for o in range(ORGS)
        )
        (work / "watchlist.toml").write_text(labs)
        env = env_for(work, hub.url)

        t_first, _ = timed([TRACKER, "poll"], work, env)
        print(f"first poll (backfill of {ORGS * PER_ORG} models): {t_first:.2f} s")

        hub.reset_requests()
        t_quiet, _ = timed([TRACKER, "poll"], work, env)
        listing = hub.count(kind="list")
        print(f"quiet cycle: {t_quiet:.2f} s (target < 5 s), Hub requests: {len(hub.requests)} total, "
              f"{listing} listings for {ORGS} orgs (target <= 1 per org page)")

        add_new_models(hub, 100)
        hub.reset_requests()
        t_new, result = timed([TRACKER, "poll"], work, env)
        alerts = result.stdout.count("NEW RELEASE")
        print(f"cycle with 100 new models: {t_new:.2f} s (target < 20 s), {alerts} alerts printed, "
              f"{len(hub.requests)} Hub requests")

        peak = peak_rss_of_run(work, env, seconds=8)
        print(f"tracker run peak RSS over ~3 cycles of {ORGS * PER_ORG + 100} models: {peak:.0f} MB (target < 200)")

        fill_history(work / "state" / "tracker.db", 100_000)
        times = [timed([TRACKER, "history", "--limit", "50"], work, env)[0] for _ in range(5)]
        print(f"tracker history --limit 50 on 100,000+ releases: median {statistics.median(times):.3f} s, "
              f"best {min(times):.3f} s (target < 0.5 s, process start included)")


if __name__ == "__main__":
    main()
