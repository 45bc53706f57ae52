"""Benchmark of issue 20's three latencies: does one kind of work wait for another under `tracker run`?

1. discovery: a channel alert released while 100 discovery proposals go out to an admin (1 a second);
2. backlog:   a subscriber who follows only DeepSeek gets a DeepSeek release while 45 channel cards queue
              behind the channel's 20 a minute;
3. inline:    inline queries from 50 people (300 in 10 s by default; the issue's run was 2,000 in 60 s) over
              a store of 10,000 releases, and a /help during the flood: p50 and p95 from the query's arrival
              at the fake to its answer (Telegram drops an answer after about 10 s).

Each scenario runs `python -m tracker run` of this checkout (PYTHONPATH, so a copy of this file in another
checkout measures that checkout's code) against the fake Hub and the fake Bot API (which enforces Telegram's
limits), on a fresh store, with a 1 s poll interval: an alert's latency counts from the release appearing
on the Hub, so up to a second of it is the poll interval.

Run: .venv/bin/python bench/bench_lanes.py [--only discovery|backlog|inline] [--queries N] [--seconds S]
     [--releases N]
(prints numbers; asserts nothing)
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_site import fill  # noqa: E402
from tests.fakes import hub_catalog  # noqa: E402
from tests.fakes.hub import FakeHub  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.fakes.telegram_limits import RateLimits  # noqa: E402

CHANNEL = "@releases"
ADMIN = 999
WATCHLIST = """
[[lab]]
name = "DeepSeek"
orgs = ["deepseek-ai"]
region = "China"

[[lab]]
name = "Qwen (Alibaba)"
orgs = ["Qwen"]
region = "China"
aliases = ["qwen"]
"""


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def wait(predicate: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.02)


@contextmanager
def tracker_run(hub: FakeHub, telegram: FakeTelegram, releases: int = 0, **extra: str) -> Iterator[Path]:
    """`python -m tracker run` of this checkout, on a store holding `releases` past releases (as bench_site's);
    yields the file its log goes to."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if releases:
            (work / "state").mkdir(mode=0o700)
            fill(work / "state" / "tracker.db", releases)
        (work / "watchlist.toml").write_text(WATCHLIST, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
        env.update(HOME=tmp, HF_HOME=f"{tmp}/hf", HF_HUB_DISABLE_TELEMETRY="1", PYTHONPATH=str(ROOT),
                   HF_ENDPOINT=hub.url, TRACKER_WATCHLIST=str(work / "watchlist.toml"), TRACKER_POLL_INTERVAL="1",
                   TRACKER_HTTP_PORT="0", TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url,
                   TELEGRAM_CHANNEL=CHANNEL, TRACKER_ADMINS=str(ADMIN), **extra)
        log = work / "tracker.log"
        with log.open("w") as err:
            proc = subprocess.Popen([sys.executable, "-m", "tracker", "run"], cwd=work, env=env,
                                    stdout=subprocess.DEVNULL, stderr=err)
            try:
                wait(lambda: telegram.requests("deleteWebhook"), 60, "the bot to connect")
                wait(lambda: "cycle done" in log.read_text(), 60, "the first poll")
                yield log
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()


def say(telegram: FakeTelegram, user: int, text: str) -> None:
    telegram.add_private(user)
    before = len(telegram.messages(user))
    telegram.user_sends(user, text)
    wait(lambda: len(telegram.messages(user)) > before, 30, f"the bot's answer to {text}")


def scheduler_warnings(log: Path) -> int:
    return log.read_text().count("maximum number of running instances")


def discovery() -> None:
    """A channel alert while 100 proposals go out."""
    with FakeHub() as hub, FakeTelegram(token="1:BENCH", rate_limits=RateLimits()) as telegram:
        telegram.add_private(ADMIN)
        hub_catalog.qwen3_8b(hub)
        for n in range(100):
            hub.add_model(f"lab{n:03d}/Trend-{n}B", created_at=ago(days=2), likes=500 + n, trending_score=1000 - n)
        with tracker_run(hub, telegram, TRACKER_DISCOVERY="1") as log:
            wait(lambda: len(telegram.messages(ADMIN)) >= 5, 120, "the first proposals")
            hub_catalog.deepseek_v3(hub, created_at=ago(minutes=1))
            released = time.monotonic()
            wait(lambda: telegram.messages(CHANNEL), 300, "the channel alert")
            latency = telegram.messages(CHANNEL)[0].sent_at - released
            proposals = len(telegram.messages(ADMIN))
            warnings = scheduler_warnings(log)
    print(f"1. channel alert during discovery (100 proposals): {latency:.1f} s from the Hub to the channel "
          f"({proposals} proposals out by then; {warnings} 'maximum number of running instances' warnings)")


def backlog(cards: int = 45) -> None:
    """A subscriber's alert behind the channel's backlog."""
    follower = 301
    with FakeHub() as hub, FakeTelegram(token="1:BENCH", rate_limits=RateLimits()) as telegram:
        hub_catalog.qwen2_5_7b(hub)
        with tracker_run(hub, telegram) as log:
            say(telegram, follower, "/subscribe deepseek")
            before = len(telegram.messages(follower))
            started = time.monotonic()
            for n in range(cards):
                hub.add_model(f"Qwen/Lane{n:02d}-7B", created_at=ago(minutes=1), safetensors={"BF16": 7 * 10**9})
            wait(lambda: len(telegram.messages(CHANNEL)) >= 20, 120, "the channel's first 20 cards")
            hub_catalog.deepseek_v3(hub, created_at=ago(minutes=1))
            released = time.monotonic()
            wait(lambda: len(telegram.messages(follower)) > before, 300, "the subscriber's alert")
            latency = telegram.messages(follower)[-1].sent_at - released
            in_channel = len(telegram.messages(CHANNEL))
            warnings = scheduler_warnings(log)
            span = time.monotonic() - started
    print(f"2. subscriber alert behind a {cards}-card channel backlog: {latency:.1f} s from the Hub to the subscriber "
          f"({in_channel} of {cards + 1} channel cards out by then; {warnings} 'maximum number of running "
          f"instances' warnings in {span:.0f} s)")


QUERIES = ("deepseek", "qwen 235b", "<b>x</b>&y", "a" * 256, "'; DROP TABLE models; --", "\u202egnp.exe", "%%%",
           "glm", "", "mit moe", "🙂" * 40, "../../etc/passwd", "qwen", "x" * 10, "1b")


def inline(queries: int, seconds: float, releases: int, people: int = 50) -> None:
    """Inline queries from `people` people, `queries` of them over `seconds`, and a /help meanwhile, over a
    store of `releases` releases."""
    with FakeHub() as hub, FakeTelegram(token="1:BENCH", rate_limits=RateLimits()) as telegram:
        telegram.inline_mode = True
        hub_catalog.qwen3_8b(hub)
        hub_catalog.qwen2_5_7b(hub)
        hub_catalog.deepseek_v3(hub)
        with tracker_run(hub, telegram, releases):
            asked: dict[str, float] = {}
            helper, help_at = 4242, [0.0]

            def flood() -> None:
                start = time.monotonic()
                for n in range(queries):
                    time.sleep(max(0.0, start + n * seconds / queries - time.monotonic()))
                    asked[telegram.user_inline(5000 + n % people, QUERIES[n % len(QUERIES)])] = time.monotonic()

            thread = threading.Thread(target=flood)
            thread.start()
            time.sleep(seconds / 2)
            telegram.add_private(helper)
            help_at[0] = time.monotonic()
            telegram.user_sends(helper, "/help")
            thread.join()
            wait(lambda: len(telegram.requests("answerInlineQuery")) >= queries and telegram.messages(helper),
                 max(120.0, queries * 0.5), "the answers")
            answered: dict[str, float] = {}
            for request in telegram.requests("answerInlineQuery"):
                answered.setdefault(str(request.params.get("inline_query_id")), request.time)
            latencies = sorted(answered[q] - t for q, t in asked.items() if q in answered)
            help_latency = telegram.messages(helper)[0].sent_at - help_at[0]
    p50 = statistics.median(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    within2 = sum(t <= 2 for t in latencies) / len(latencies)
    print(f"3. inline flood ({queries} queries in {seconds:.0f} s from {people} people, {releases} releases "
          f"stored): p50 {p50:.2f} s, "
          f"p95 {p95:.2f} s, max {latencies[-1]:.2f} s, {within2:.0%} within 2 s; /help during it: "
          f"{help_latency:.2f} s ({len(latencies)}/{queries} answered)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("discovery", "backlog", "inline"))
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--releases", type=int, default=10_000, help="releases in the store the inline flood searches")
    args = parser.parse_args()
    print(f"checkout: {ROOT}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    if args.only in (None, "discovery"):
        discovery()
    if args.only in (None, "backlog"):
        backlog()
    if args.only in (None, "inline"):
        inline(args.queries, args.seconds, args.releases)


if __name__ == "__main__":
    main()
