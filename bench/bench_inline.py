"""Benchmark: answering an inline query (`@bot deepseek`) over a store of 100,000 releases, in-process.

Times what the bot does between receiving the query and calling answerInlineQuery: the search, reading
the rows, rendering up to 50 cards and building the results (no network). The store is filled as in
bench_site (realistic spread of labs, sizes, licenses); the search index is built once, as in the bot.

Run: .venv/bin/python bench/bench_inline.py [--releases N] [--rounds R]   (prints numbers; asserts nothing)
Target: p95 < 100 ms per answer.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_site import fill  # noqa: E402
from tracker.bot.context import BotContext  # noqa: E402
from tracker.bot.inline import PAGE, answer_for  # noqa: E402
from tracker.config import load_settings  # noqa: E402
from tracker.history.search import SearchIndex  # noqa: E402
from tracker.store.releases import Store  # noqa: E402
from tracker.watchlist import load_watchlist  # noqa: E402

QUERIES = ("", "deepseek", "qwen 235b", "glm", "mit moe", "llama 8b instruct", "gemma gguf", "kimi", "zhipu",
           "phi-4", "nothing-matches-this", "<b>x</b>&y", "a" * 256, "apache-2.0 moe 480b")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "tracker.db"
        started = time.perf_counter()
        fill(db, args.releases)
        print(f"store with {args.releases} releases: {time.perf_counter() - started:.1f} s to fill")
        url = f"sqlite:///{db}"
        ctx = BotContext(load_settings(TRACKER_DATABASE_URL=url), Store.open(url), load_watchlist(None))
        index = SearchIndex(ctx.engine, ctx.watchlist)
        started = time.perf_counter()
        index.refresh()
        print(f"search index built in {time.perf_counter() - started:.2f} s (once, on the first inline query)")
        times: dict[str, list[float]] = {q: [] for q in QUERIES}
        pages: dict[str, int] = {}
        for _ in range(args.rounds):
            for query in QUERIES:
                started = time.perf_counter()
                results, _next = answer_for(ctx, index, query, 0, "en")
                times[query].append((time.perf_counter() - started) * 1000)
                pages[query] = len(results)
        everything = sorted(t for ts in times.values() for t in ts)
        for query, ts in times.items():
            print(f"  {query[:24]!r:28} {pages[query]:>2} results  p50 {statistics.median(ts):6.1f} ms  "
                  f"max {max(ts):6.1f} ms")
        p95 = everything[int(len(everything) * 0.95) - 1]
        print(f"answer (up to {PAGE} cards): p50 {statistics.median(everything):.1f} ms, p95 {p95:.1f} ms "
              f"over {len(everything)} answers (target p95 < 100 ms)")


if __name__ == "__main__":
    main()
