"""Benchmark of failover: two `tracker run` replicas on one PostgreSQL, the leader killed mid-wave.

Run: .venv/bin/python bench/bench_failover.py [--runs N] [--subscribers N] [--cut]   (prints numbers)
Measures, per run: the time from `kill -9` of the leader to the standby's first accepted send, the
repeats (bounded by the sends in flight at the kill), and the peak RSS (VmHWM) of the leader and of the
standby (before and after it took over). `--cut` also measures a lost network: the leader's link to the
database stops relaying; how long until the leader exits, and until the standby leads.
Needs the PostgreSQL server binaries (initdb, pg_ctl) on the machine.
Targets: takeover under 30 s; every subscriber gets the wave; repeats <= 16.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, make_url, text  # noqa: E402

from tests.conftest import TEST_WATCHLIST  # noqa: E402
from tests.fakes import hub_catalog  # noqa: E402
from tests.fakes.hub import FakeHub  # noqa: E402
from tests.fakes.tcp_proxy import TcpProxy  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.pg_server import PostgresUnavailable, throwaway_postgres  # noqa: E402

TRACKER = str(Path(sys.executable).parent / "tracker")
CHANNEL = "@releases"
RELEASES = (hub_catalog.deepseek_v3, hub_catalog.qwen3_8b, hub_catalog.glm_4_5_air, hub_catalog.gpt_oss_120b)


class Replica:
    def __init__(self, work: Path, env: dict[str, str], name: str) -> None:
        self.log_path = work / f"{name}.log"
        self.proc = subprocess.Popen([TRACKER, "run"], cwd=work, env=env, stdout=subprocess.DEVNULL,
                                     stderr=self.log_path.open("w"))

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_log(self, needle: str, timeout: float = 90) -> float:
        deadline = time.monotonic() + timeout
        while needle not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"no {needle!r} in {self.log_path}:\n{self.log()[-3000:]}")
            time.sleep(0.02)
        return time.monotonic()

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def environment(work: Path, hub: FakeHub, telegram: FakeTelegram, url: str) -> dict[str, str]:
    (work / "watchlist.toml").write_text(TEST_WATCHLIST)
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
    env.update(HOME=str(work), HF_HOME=str(work / "hf"), HF_ENDPOINT=hub.url, TRACKER_POLL_INTERVAL="2",
               TRACKER_WATCHLIST=str(work / "watchlist.toml"), TELEGRAM_BOT_TOKEN=telegram.token,
               TELEGRAM_API_URL=telegram.url, TELEGRAM_CHANNEL=CHANNEL, TRACKER_DATABASE_URL=url,
               TRACKER_HUB_WEB_URL="https://huggingface.co", PYTHONUNBUFFERED="1",
               TRACKER_HTTP_PORT="0")  # each replica serves HTTP on a free port: two can't share 8787
    return env


def add_subscribers(url: str, telegram: FakeTelegram, ids: list[int]) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for uid in ids:
        telegram.add_private(uid)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO subscribers (user_id, chat_id, lang, active, include_quantized, created_at, "
                          "updated_at) VALUES (:u, :u, 'en', true, true, :t, :t)"), [{"u": u, "t": stamp} for u in ids])
    engine.dispose()


def kill_run(subscribers: int) -> dict[str, float]:
    """One failover: returns the measurements."""
    with tempfile.TemporaryDirectory() as tmp, throwaway_postgres() as url, FakeHub() as hub, \
            FakeTelegram(token="1:BENCH") as telegram:
        work = Path(tmp)
        env = environment(work, hub, telegram, url)
        hub_catalog.qwen2_5_7b(hub)
        leader = Replica(work, env, "leader")
        standby: Replica | None = None
        try:
            leader.wait_log("this instance is the leader")
            standby = Replica(work, env, "standby")
            standby.wait_log("standby:")
            telegram.wait_for(lambda: telegram.requests("getUpdates"), timeout=90)
            ids = [20_000 + i for i in range(subscribers)]
            add_subscribers(url, telegram, ids)
            for release in RELEASES:
                release(hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
            telegram.wait_for(lambda: sum(len(telegram.messages(u)) for u in ids) >= subscribers, timeout=90)
            leader_rss, standby_rss = leader.peak_rss_mb(), standby.peak_rss_mb()
            leader.proc.kill()
            killed = time.monotonic()
            leader.proc.wait()
            sent_before = sum(1 for r in telegram.requests("sendMessage") if r.status == 200)
            took_over = standby.wait_log("this instance is the leader")
            telegram.wait_for(lambda: all(len(telegram.messages(u)) >= len(RELEASES) for u in ids), timeout=120)
            done = time.monotonic()
            first = min(r.time for r in telegram.requests("sendMessage") if r.time > killed and r.status == 200)
            repeats = 0
            for chat in [*ids, CHANNEL]:
                repeats += sum(n - 1 for n in Counter(m.text for m in telegram.messages(chat)).values())
            return {"takeover_s": took_over - killed, "first_send_s": first - killed, "complete_s": done - killed,
                    "sent_before_kill": sent_before, "repeats": repeats, "leader_rss_mb": leader_rss,
                    "standby_rss_mb": standby_rss, "standby_as_leader_rss_mb": standby.peak_rss_mb(),
                    "total_messages": len(ids) * len(RELEASES) + len(RELEASES)}
        finally:
            for replica in (leader, standby):
                if replica is not None:
                    replica.stop()


def cut_run() -> dict[str, float]:
    """A lost network: the leader's link to PostgreSQL stops relaying (no error, no answer)."""
    with tempfile.TemporaryDirectory() as tmp, throwaway_postgres() as url, FakeHub() as hub, \
            FakeTelegram(token="1:BENCH") as telegram:
        work = Path(tmp)
        env = environment(work, hub, telegram, url)
        port = make_url(url).port
        hub_catalog.qwen2_5_7b(hub)
        with TcpProxy("127.0.0.1", port or 5432) as link:
            leader = Replica(work, {**env, "TRACKER_DATABASE_URL": url.replace(f":{port}/", f":{link.port}/")},
                             "leader")
            leader.wait_log("this instance is the leader")
            standby = Replica(work, env, "standby")
            try:
                standby.wait_log("standby:")
                link.cut()
                cut = time.monotonic()
                leader.proc.wait(timeout=60)
                exited = time.monotonic()
                took_over = standby.wait_log("this instance is the leader")
                return {"leader_exit_s": exited - cut, "standby_leads_s": took_over - cut,
                        "gap_s": took_over - exited}
            finally:
                leader.stop()
                standby.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--subscribers", type=int, default=30)
    parser.add_argument("--cut", action="store_true", help="also measure a lost network")
    args = parser.parse_args()
    results = []
    for i in range(args.runs):
        result = kill_run(args.subscribers)
        results.append(result)
        print(f"run {i + 1}: " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}"
                                           for k, v in result.items()), flush=True)
    if results:
        print(f"\nkill -9 of the leader, {args.subscribers} subscribers x {len(RELEASES)} cards, {args.runs} runs:")
        for key in ("first_send_s", "takeover_s", "complete_s", "repeats", "leader_rss_mb", "standby_rss_mb",
                    "standby_as_leader_rss_mb"):
            values = [r[key] for r in results]
            print(f"  {key:26s} median {statistics.median(values):8.2f}   max {max(values):8.2f}")
    if args.cut:
        result = cut_run()
        shown = ", ".join(f"{k}={v:.2f}" for k, v in result.items())
        print(f"\nlost network to PostgreSQL (leader's link cut): {shown}")


if __name__ == "__main__":
    try:
        main()
    except PostgresUnavailable as exc:
        print(f"skipped: {exc}")
