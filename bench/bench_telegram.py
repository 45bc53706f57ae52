"""Benchmark of Telegram delivery: a wave of 50 new models, 1,000 subscribers whose filters all match.

Run: .venv/bin/python bench/bench_telegram.py [--subscribers N] [--models N]   (prints numbers)
Target: every message delivered, zero 429s from the fake (which enforces Telegram's limits), in no more
than 1.2 x the minimum time those limits allow for the same messages.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
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
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.fakes.telegram_limits import RateLimits  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
CHANNEL = "@releases"


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stderr[-3000:]}")
    return result


def add_subscribers(db: Path, telegram: FakeTelegram, count: int) -> list[int]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ids = [10_000 + i for i in range(count)]
    for uid in ids:
        telegram.add_private(uid)
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO subscribers (user_id, chat_id, lang, active, include_quantized, created_at, updated_at)"
            " VALUES (?, ?, 'en', 1, 1, ?, ?)",
            [(uid, uid, now, now) for uid in ids],
        )
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--models", type=int, default=50)
    args = parser.parse_args()
    limits = RateLimits()
    with tempfile.TemporaryDirectory() as tmp, FakeHub() as hub, FakeTelegram(token="1:BENCH",
                                                                              rate_limits=limits) as telegram:
        work = Path(tmp)
        (work / "watchlist.toml").write_text('[[lab]]\nname = "Qwen"\norgs = ["Qwen"]\nregion = "China"\n')
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
        env.update(HOME=tmp, HF_HOME=f"{tmp}/hf", HF_ENDPOINT=hub.url, TRACKER_WATCHLIST=str(work / "watchlist.toml"),
                   TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url, TELEGRAM_CHANNEL=CHANNEL)
        hub_catalog.qwen3_8b(hub)
        run([TRACKER, "poll"], work, env)  # first poll: backfill, creates the store
        subscribers = add_subscribers(work / "state" / "tracker.db", telegram, args.subscribers)

        created = datetime.now(UTC) - timedelta(minutes=1)
        for i in range(args.models):
            hub.add_model(f"Qwen/Qwen3-Wave-{i}B" + ("-FP8" if i % 2 else ""), created_at=created,
                          safetensors={"BF16": (i + 1) * 10**9})
        start, cpu_before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        result = run([TRACKER, "poll"], work, env)
        wall, cpu_after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime

        sends = [r for r in telegram.requests("sendMessage") if r.status == 200]
        sent_times = sorted(m.sent_at for m in telegram.all_messages() if m.from_bot)
        delivered_users = sum(1 for uid in subscribers if telegram.messages(uid))
        chats = [(CHANNEL, "channel")] + [(str(uid), "private") for uid in subscribers]
        floor = limits.earliest_schedule(chats)[-1]
        span = sent_times[-1] - sent_times[0] if sent_times else 0.0
        print(f"wave of {args.models} models to the channel + {args.subscribers} subscribers")
        print(f"messages sent: {len(sends)} ({delivered_users}/{args.subscribers} subscribers reached, "
              f"channel cards: {len(telegram.messages(CHANNEL))})")
        print(f"429 answers from the fake: {telegram.count_429}")
        print(f"first-to-last send: {span:.2f} s; minimum the limits allow: {floor:.2f} s; "
              f"ratio {span / floor if floor else float('nan'):.3f} (target <= 1.2)")
        # A pause much longer than the limits' own (under 1 s) means the sender stopped, e.g. to read the outbox.
        pauses = [(b - a, i + 1) for i, (a, b) in enumerate(zip(sent_times, sent_times[1:], strict=False))]
        pause, after = max(pauses, default=(0.0, 0))
        print(f"longest pause between two sends: {pause:.2f} s (after send {after})")
        for r in telegram.requests("sendMessage"):
            if r.status == 429:
                print(f"  429 at {r.time - sends[0].time:.3f}s to chat {r.params.get('chat_id')}: {r.description}")
        print(f"whole `tracker poll` (poll + delivery, process start included): {wall:.2f} s")
        # The sends wait on each other's answers (the limiter counts a window from the answer), so CPU the
        # process spends per message, on an event loop shared with those answers, shows up in the ratio.
        print(f"CPU of that `tracker poll`: {cpu:.2f} s, {cpu / max(len(sends), 1) * 1000:.1f} ms per message sent; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(result.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
