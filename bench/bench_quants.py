"""Benchmark of issue 16 §1: what finding quantized builds costs, and how soon a fitting build is told.

Run: .venv/bin/python bench/bench_quants.py [--interval 300] [--skip-latency]   (prints numbers)
Targets: a quiet poll cycle costs at most 2 more Hub requests than before; a build that fits is told within one
poll interval (plus the cycle and a delivery pass).

1. Requests per quiet cycle (`tracker poll`, 40 organisations x 300 models, 2,000 other models across the Hub):
   before = nobody wants builds (the scan does not run: the cycle is what it was before this feature),
   after = a subscriber with a memory set and a release created in the last 14 days; then a cycle in which
   three builds appear (one listing plus one file list per candidate).
2. Latency: `tracker run` at `--interval` seconds (default 300, the default TRACKER_POLL_INTERVAL) with the fake
   Bot API; a build that fits is uploaded right after a cycle (the worst case) and the subscriber's message
   is timed; the part after the cycle that finds it started is printed too.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.hub import FakeHub  # noqa: E402
from tests.fakes.hub_catalog import populate_bulk  # noqa: E402
from tests.fakes.hub_tree import gguf_build, mlx_build  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
ORGS, PER_ORG, ELSEWHERE = 40, 300, 2000
RELEASE = "bench-org-00/Fresh-32B"
USER = 4242


def env_for(work: Path, hub_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
    env.update(HOME=str(work), HF_HOME=str(work / "hf"), HF_ENDPOINT=hub_url, HF_HUB_DISABLE_TELEMETRY="1",
               TRACKER_WATCHLIST=str(work / "watchlist.toml"), TRACKER_HTTP_PORT="0", **extra)
    return env


def watchlist(work: Path, orgs: int) -> None:
    labs = "".join(f'[[lab]]\nname = "Bench {o:02d}"\norgs = ["bench-org-{o:02d}"]\nregion = "Europe"\n\n'
                   for o in range(orgs))
    (work / "watchlist.toml").write_text(labs)


def poll(work: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run([TRACKER, "poll"], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"tracker poll failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - start


def subscribe(db: Path, vram_gb: float | None) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT OR REPLACE INTO subscribers (user_id, chat_id, lang, active, include_quantized, "
                     "created_at, updated_at, vram_gb) VALUES (?, ?, 'en', 1, 1, ?, ?, ?)",
                     (USER, USER, now, now, vram_gb))


def add_elsewhere(hub: FakeHub, count: int) -> None:
    created = datetime.now(UTC) - timedelta(hours=2)
    for i in range(count):
        hub.add_model(f"someone-{i % 97}/model-{i}", created_at=created + timedelta(seconds=i))


def requests_per_cycle() -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeHub() as hub:
        work = Path(tmp)
        watchlist(work, ORGS)
        populate_bulk(hub, ORGS, PER_ORG)
        add_elsewhere(hub, ELSEWHERE)
        env = env_for(work, hub.url)
        poll(work, env)  # the first poll: backfill, creates the store
        db = work / "state" / "tracker.db"

        def cycle() -> tuple[int, float]:
            hub.reset_requests()
            took = poll(work, env)
            return len(hub.requests), took

        before, before_s = cycle()
        subscribe(db, 24.0)
        hub.add_model(RELEASE, created_at=datetime.now(UTC) - timedelta(minutes=1), safetensors={"BF16": 32 * 10**9})
        poll(work, env)  # the release is alerted (and the first build listing reads its page)
        after, after_s = cycle()
        gguf_build(hub, "bartowski/Fresh-32B-GGUF", RELEASE, {"Q8_0": 34 * 10**9})
        gguf_build(hub, "unsloth/Fresh-32B-GGUF", RELEASE, {"Q4_K_M": 19_900_000_000, "Q2_K": 12 * 10**9})
        mlx_build(hub, "mlx-community/Fresh-32B-4bit", RELEASE, 18 * 10**9)
        found, found_s = cycle()
        with sqlite3.connect(db) as conn:
            stored = conn.execute("SELECT count(*) FROM quant_builds").fetchone()[0]
    print(f"quiet cycle, {ORGS} orgs x {PER_ORG} models: before {before} Hub requests ({before_s:.2f} s, "
          f"`tracker poll` with process start)")
    print(f"quiet cycle with a recent release and a subscriber with a memory set: {after} requests "
          f"(+{after - before}), {after_s:.2f} s")
    print(f"cycle in which 3 builds appear: {found} requests (+{found - before}: 1 listing + 3 file lists), "
          f"{found_s:.2f} s; builds stored: {stored}")


def latency(interval: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeHub() as hub, FakeTelegram(token="1:BENCH") as telegram:
        work = Path(tmp)
        watchlist(work, 4)
        populate_bulk(hub, 4, 50)
        env = env_for(work, hub.url, TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url,
                      TRACKER_POLL_INTERVAL=str(interval))
        poll(work, env)
        subscribe(work / "state" / "tracker.db", 24.0)
        telegram.add_private(USER)
        hub.add_model(RELEASE, created_at=datetime.now(UTC) - timedelta(minutes=1), safetensors={"BF16": 32 * 10**9})
        proc = subprocess.Popen([TRACKER, "run"], cwd=work, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        try:
            def listings() -> int:
                return sum(1 for r in hub.requests if r.path == "/api/models" and "author" in r.query)

            deadline = time.time() + 120
            while listings() < 4 or not any(r.path == "/api/models" and "author" not in r.query for r in hub.requests):
                assert time.time() < deadline and proc.poll() is None, "the first cycle did not run"
                time.sleep(0.05)
            time.sleep(1)  # the first cycle is over: the worst moment for an upload
            cycle_count = listings()
            uploaded = time.perf_counter()
            gguf_build(hub, "unsloth/Fresh-32B-GGUF", RELEASE, {"Q4_K_M": 19_900_000_000})
            while listings() == cycle_count:
                assert proc.poll() is None
                time.sleep(0.05)
            cycle_started = time.perf_counter()
            telegram.wait_for(lambda: any("now fits" in m.text for m in telegram.messages(USER)),
                              timeout=interval + 120)
            told = time.perf_counter()
        finally:
            proc.terminate()
            proc.wait(30)
    print(f"upload of a fitting build right after a cycle -> subscriber's message, interval {interval} s: "
          f"{told - uploaded:.1f} s (of which {told - cycle_started:.2f} s from the start of the cycle that found it)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--interval", type=int, default=300)
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    requests_per_cycle()
    if not args.skip_latency:
        latency(args.interval)
