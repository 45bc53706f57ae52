"""Benchmark: answering inline queries (`@bot deepseek`) over a store of 100,000 releases.

Three parts. `answer` times, in-process, what the bot does between receiving a query and calling
answerInlineQuery: the search and up to 50 results, the first time (rows read, cards rendered) and then
from memory (no network). `flood` runs the
real `tracker run` against the fake Bot API (in this process, so its CPU is not the tracker's) and sends
300 inline queries in 10 s from 50 people, each typing a query a few letters at a time, plus a /help
from someone else 5 s in: latency from the query to its answer at the fake, and of the /help reply.
`refresh` times the index's 2 s refresh (CPU of this process): nothing changed, then one release and
then 100 changed (as a `tracker refacts` writes them), which re-sorts the index, then the refreshes after
20,000 changed at once.
The store is filled as in bench_site (realistic spread of labs, sizes, licenses).

BENCH_TRACKER_LOG=path keeps the tracker's log, at debug level.

Run: .venv/bin/python bench/bench_inline.py [--releases N] [--rounds R] [--part answer|flood|refresh|both]
     [--queries 300] [--seconds 10] [--people 50]     (prints numbers; asserts nothing)
Targets: a refresh with nothing changed costs about an indexed query (~1 ms); p95 < 100 ms per answer
in-process; in the flood, 95 % of the answers within 2 s and the /help reply within 3 s (Telegram drops an
inline answer after about 10 s).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_site import TRACKER, fill  # noqa: E402
from tests.fakes.hub import FakeHub  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tracker.bot.context import BotContext  # noqa: E402
from tracker.bot.inline import article  # noqa: E402
from tracker.bot.inline_index import PAGE, InlineIndex  # noqa: E402
from tracker.config import load_settings  # noqa: E402
from tracker.store.refacts import stored_models, write_changes  # noqa: E402
from tracker.store.releases import Store  # noqa: E402
from tracker.watchlist import load_watchlist  # noqa: E402

QUERIES = ("", "deepseek", "qwen 235b", "glm", "mit moe", "llama 8b instruct", "gemma gguf", "kimi", "zhipu",
           "phi-4", "nothing-matches-this", "<b>x</b>&y", "a" * 256, "apache-2.0 moe 480b")


def answer_part(db: Path, rounds: int) -> None:
    """The in-process cost of one answer, query by query: the first time (cards rendered) and after."""
    url = f"sqlite:///{db}"
    ctx = BotContext(load_settings(TRACKER_DATABASE_URL=url), Store.open(url), load_watchlist(None))
    index = InlineIndex(ctx, lambda row, lang: article(ctx, row, lang).to_dict())
    started = time.perf_counter()
    index.refresh()
    print(f"search index built in {time.perf_counter() - started:.2f} s (once, when the bot starts)")
    first: dict[str, float] = {}
    times: dict[str, list[float]] = {q: [] for q in QUERIES}
    pages: dict[str, int] = {}
    for round_ in range(rounds):
        for query in QUERIES:
            started = time.perf_counter()
            results, _next = index.page_now(query, 0, "en")
            took = (time.perf_counter() - started) * 1000
            (first.__setitem__(query, took) if round_ == 0 else times[query].append(took))
            pages[query] = len(results)
    everything = sorted(t for ts in times.values() for t in ts)
    for query, ts in times.items():
        print(f"  {query[:24]!r:28} {pages[query]:>2} results  first {first[query]:6.1f} ms  "
              f"then p50 {statistics.median(ts):6.2f} ms  max {max(ts):6.2f} ms")
    print(f"answer (up to {PAGE} results): first time p50 {statistics.median(first.values()):.1f} ms; then "
          f"p50 {statistics.median(everything):.2f} ms, p95 {percentile(everything, 95):.2f} ms over "
          f"{len(everything)} answers (target p95 < 100 ms)")


def refresh_part(db: Path, rounds: int) -> None:
    """The CPU of one refresh of the index: nothing changed, one release changed, a hundred changed."""
    url = f"sqlite:///{db}"
    ctx = BotContext(load_settings(TRACKER_DATABASE_URL=url), Store.open(url), load_watchlist(None))
    index = InlineIndex(ctx, lambda row, lang: article(ctx, row, lang).to_dict())
    index.refresh()
    models = stored_models(ctx.store)[:100]

    def cpu_ms(change: int) -> list[float]:
        took = []
        for round_ in range(rounds):
            changes = [(m.id, m.repo_id, {"variant": (m.variant, f"bench-{round_}")}) for m in models[:change]]
            if changes:
                write_changes(ctx.store, changes, "refacts", datetime.now(UTC))
            started = cpu_seconds()
            index.refresh()
            took.append((cpu_seconds() - started) * 1000)
        return took

    for change in (0, 1, 100):
        took = cpu_ms(change)
        print(f"refresh with {change:>3} changed releases: CPU p50 {statistics.median(took):6.2f} ms, "
              f"max {max(took):6.2f} ms over {rounds} refreshes")
    bulk = stored_models(ctx.store)[:20_000]  # a `tracker refacts` that changes a fifth of the store
    write_changes(ctx.store, [(m.id, m.repo_id, {"variant": (m.variant, "bulk")}) for m in bulk], "refacts",
                  datetime.now(UTC))
    took = cpu_ms(0)
    print(f"after 20000 changed: the first refresh {took[0]:.0f} ms of CPU, the next ones (their stamps still "
          f"in the 2-minute window) p50 {statistics.median(took[1:]):.2f} ms")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * p / 100 + 0.5) - 1, 0)] if ordered else float("nan")


def typed(person: int, count: int) -> list[str]:
    """What one person types, a few letters at a time: `count` growing prefixes of one of QUERIES."""
    target = QUERIES[person % len(QUERIES)] or "qwen"
    return [target[:max(1, len(target) * (k + 1) // count)] for k in range(count)]


class TimedTelegram(FakeTelegram):
    """The fake Bot API, noting when getUpdates handed each inline query to the bot (and in what batch)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.fetched: dict[str, tuple[float, int]] = {}  # query id -> (when fetched, size of its batch)

    def m_getupdates(self, params: dict[str, Any]) -> Any:
        batch = super().m_getupdates(params)
        now = time.monotonic()
        for update in batch:
            if "inline_query" in update:
                self.fetched.setdefault(update["inline_query"]["id"], (now, len(batch)))
        return batch


def why_unanswered(telegram: TimedTelegram, asked: list[tuple[str, int, float]]) -> None:
    """Where the time of the late or unanswered queries went: waiting at Telegram for a getUpdates, or in the bot."""
    answered = {a["inline_query_id"] for a in telegram.inline_answers}
    asked_at = dict(telegram._inline_asked)  # noqa: SLF001  (the fake's own clock of each query)
    waits = sorted(telegram.fetched[q][0] - asked_at[q] for q, _, _ in asked if q in telegram.fetched)
    sizes = [telegram.fetched[q][1] for q, _, _ in asked if q in telegram.fetched]
    print(f"  waited at Telegram for getUpdates: p50 {percentile(waits, 50):.2f} s, p95 {percentile(waits, 95):.2f} s, "
          f"max {max(waits, default=float('nan')):.2f} s; batches of up to {max(sizes, default=0)} updates "
          f"({sum(s >= 100 for s in sizes)} queries came in full batches)")
    refused = [r for r in telegram.requests("answerInlineQuery") if r.status != 200]
    cut = [r for r in refused if "inline_query_id" not in r.params]
    print(f"  refused answers with no query id (the request cut off, its query superseded as it was sent): "
          f"{len(cut)} of {len(refused)}")
    for record in refused:
        if record in cut:
            continue
        query = str(record.params.get("inline_query_id"))
        fetched = telegram.fetched.get(query, (float("nan"), 0))
        print(f"  refused {query}: {record.description}; asked {record.time - asked_at.get(query, float('nan')):.2f} s "
              f"before, fetched {fetched[0] - asked_at.get(query, float('nan')):.2f} s after asking (batch of "
              f"{fetched[1]}){', answered before' if query in answered else ''}")
    never = [q for q, _, _ in asked if q not in answered and q not in telegram.fetched]
    print(f"  never fetched by getUpdates: {len(never)}")


def start_tracker(work: Path, db: Path, hub: FakeHub, telegram: TimedTelegram) -> subprocess.Popen[bytes]:
    (work / "watchlist.toml").write_text('[[lab]]\nname = "Bench"\norgs = ["bench-org"]\nregion = "Europe"\n')
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG")}
    env.update(HOME=str(work), HF_HOME=f"{work}/hf", HF_ENDPOINT=hub.url, TRACKER_DATABASE_URL=f"sqlite:///{db}",
               TRACKER_WATCHLIST=str(work / "watchlist.toml"), TELEGRAM_BOT_TOKEN=telegram.token,
               TELEGRAM_API_URL=telegram.url, TRACKER_POLL_INTERVAL="60", TRACKER_HTTP_PORT="0")
    log = (work / "tracker.log").open("wb")
    verbose = ["-v"] if os.environ.get("BENCH_TRACKER_LOG") else []  # debug lines, e.g. the lane's drops
    process = subprocess.Popen([TRACKER, *verbose, "run"], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    telegram.wait_for(lambda: telegram.requests("getUpdates") or None, timeout=60)
    return process


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time used so far by a process (this one when None)."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def flood_part(db: Path, queries: int, seconds: float, people: int) -> None:
    """`tracker run` under a flood of inline queries, with a command in the middle."""
    with tempfile.TemporaryDirectory() as tmp, FakeHub() as hub, TimedTelegram(token="1:BENCH") as telegram:
        telegram.inline_mode = True
        process = start_tracker(Path(tmp), db, hub, telegram)
        try:
            first = telegram.user_inline(1, "warm up")  # the bot builds its index on start or on first use
            started = time.monotonic()
            telegram.wait_for(lambda: telegram.inline_answer(first), timeout=60)
            print(f"first inline answer after the bot connected: {time.monotonic() - started:.2f} s")
            per_person = max(queries // people, 1)
            words = {p: typed(p, per_person) for p in range(people)}
            asked: list[tuple[str, int, float]] = []  # query id, person, when
            command_at: float | None = seconds / 2
            sent, command_took = 0.0, float("nan")
            cpu = (cpu_seconds(process.pid), cpu_seconds())
            begin = time.monotonic()
            for i in range(queries):
                due = begin + i * seconds / queries
                if command_at is not None and due - begin >= command_at:
                    command_at, sent = None, time.monotonic()
                    telegram.user_sends(7, "/help")
                time.sleep(max(due - time.monotonic(), 0))
                person = i % people
                text = words[person][min(i // people, per_person - 1)]
                asked.append((telegram.user_inline(1000 + person, text), person, time.monotonic()))
            if command_at is None:
                reply = telegram.wait_for(lambda: telegram.messages(7) or None, timeout=60)[0]
                command_took = reply.sent_at - sent
            time.sleep(11)  # Telegram's window for the last answers
            cpu = (cpu_seconds(process.pid) - cpu[0], cpu_seconds() - cpu[1])
        finally:
            process.terminate()
            process.wait(15)
            logged = (Path(tmp) / "tracker.log").read_text()
            if keep := os.environ.get("BENCH_TRACKER_LOG"):
                Path(keep).write_text(logged)
            problems = [line for line in logged.splitlines() if " WARNING " in line or " ERROR " in line]
            print(f"tracker log: {len(problems)} warnings and errors", *problems[:5], sep="\n  ")
        answers = {a["inline_query_id"]: a["at"] for a in telegram.inline_answers}
        last_of = {person: query_id for query_id, person, _ in asked}
        took = [answers[q] - at for q, _, at in asked if q in answers]
        spans = [round(at - begin) // 5 * 5 for q, _, at in asked if q in answers]
        print("answered per 5 s of asking:", {t: spans.count(t) for t in sorted(set(spans))})
        superseded = sum(1 for q, p, _ in asked if q not in answers and last_of[p] != q)
        missing = sum(1 for q, p, _ in asked if q not in answers and last_of[p] == q)
        refused = [r.description for r in telegram.requests("answerInlineQuery") if r.status != 200]
        too_old = sum(1 for d in refused if "too old" in (d or ""))
        print(f"flood: {queries} inline queries in {seconds:.0f} s from {people} people, {per_person} keystrokes "
              f"each; /help from someone else {seconds / 2:.0f} s in")
        print(f"  answered {len(took)}: p50 {statistics.median(took) if took else float('nan'):.2f} s, "
              f"p95 {percentile(took, 95):.2f} s, max {max(took, default=float('nan')):.2f} s; within 2 s: "
              f"{sum(t <= 2 for t in took) / max(len(took), 1):.0%} (target 95 %)")
        print(f"  not answered: {superseded} superseded by the same person's next query, {missing} last queries "
              f"of a person; answers refused: {too_old} as too old (after 10 s), {len(refused) - too_old} otherwise")
        print(f"  CPU: tracker {cpu[0]:.1f} s ({cpu[0] / queries * 1000:.1f} ms a query), fake Bot API and "
              f"this script {cpu[1]:.1f} s")
        print(f"  /help during the flood answered in {command_took:.2f} s (target 3 s); load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        why_unanswered(telegram, asked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--part", choices=("answer", "flood", "refresh", "both"), default="both")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--people", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "tracker.db"
        started = time.perf_counter()
        fill(db, args.releases)
        print(f"store with {args.releases} releases: {time.perf_counter() - started:.1f} s to fill")
        if args.part in ("answer", "both"):
            answer_part(db, args.rounds)
        if args.part == "refresh":
            refresh_part(db, args.rounds)
        if args.part in ("flood", "both"):
            flood_part(db, args.queries, args.seconds, args.people)


if __name__ == "__main__":
    main()
