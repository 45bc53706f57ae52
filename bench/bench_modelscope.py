"""Benchmark of ModelScope as a second source (issue 17): requests per quiet cycle on each hub, and the time a
ModelScope cycle adds, in-process against the two fakes (the real clients over HTTP, a temporary SQLite).

Run: .venv/bin/python bench/bench_modelscope.py [--labs 9] [--models 300]   (prints numbers; asserts nothing)
Each lab has one Hub organisation and one ModelScope organisation with the same models, as the default
watchlist's Chinese labs do. Targets: one request per ModelScope organisation per quiet cycle; the Hub's cycle
no slower with the ModelScope lane running beside it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.hub import FakeHub  # noqa: E402
from tests.fakes.modelscope import FakeModelScope  # noqa: E402
from tracker.hub.client import HubClient  # noqa: E402
from tracker.hub.modelscope import ModelScopeClient  # noqa: E402
from tracker.poll.cycle import Poller  # noqa: E402
from tracker.poll.modelscope import ModelScopePoller  # noqa: E402
from tracker.store.releases import Store  # noqa: E402
from tracker.watchlist import parse_watchlist  # noqa: E402


def watchlist_text(labs: int) -> str:
    return "\n".join(f'[[lab]]\nname = "Lab {i}"\norgs = ["hf-org-{i}"]\nmodelscope = ["MsOrg{i}"]\n'
                     for i in range(labs))


def timed(func: object, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--labs", type=int, default=9)
    parser.add_argument("--models", type=int, default=300, help="models per organisation on each hub")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    old = datetime(2025, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp, FakeHub() as hub, FakeModelScope() as ms:
        work = Path(tmp)
        for lab in range(args.labs):
            for n in range(args.models):
                when = old - timedelta(hours=n)
                hub.add_model(f"hf-org-{lab}/Model-{n}", created_at=when.isoformat(), license="apache-2.0")
                ms.add_model(f"MsOrg{lab}/Model-{n}", created_at=when, license="Apache License 2.0")
        watchlist = parse_watchlist(watchlist_text(args.labs), "bench")
        store = Store.open(f"sqlite:///{work / 'tracker.db'}")
        hf = Poller(HubClient(hub.url, None, 30, work / "hf-cache"), store, watchlist, workers=6)
        msp = ModelScopePoller(ModelScopeClient(ms.url, 30, work / "modelscope"), store, watchlist,
                               "https://huggingface.co", workers=4)
        start = time.perf_counter()
        hf.run_cycle()
        hf_first = time.perf_counter() - start
        ms.reset_requests()
        start = time.perf_counter()
        msp.run_cycle()
        ms_first = time.perf_counter() - start
        ms_first_requests = ms.count()

        hub.reset_requests()
        hf_alone = timed(hf.run_cycle, args.rounds)
        hf_requests = len(hub.requests) / args.rounds
        ms.reset_requests()
        ms_alone = timed(msp.run_cycle, args.rounds)
        ms_requests = ms.count() / args.rounds

        # Both lanes at once, as `tracker run` schedules them: does the Hub's cycle get slower?
        stop = threading.Event()

        def ms_lane() -> None:
            while not stop.is_set():
                msp.run_cycle()

        lane = threading.Thread(target=ms_lane)
        lane.start()
        hf_beside = timed(hf.run_cycle, args.rounds)
        stop.set()
        lane.join()
        # ModelScope hanging: the Hub's cycle beside a lane stuck on its timeouts.
        ms.slow("list", 5.0)
        lane = threading.Thread(target=msp.run_cycle)
        lane.start()
        hf_beside_slow = timed(hf.run_cycle, args.rounds)
        lane.join()
        store.close()

    med = statistics.median
    print(f"{args.labs} labs x {args.models} models on each hub")
    print(f"first look (backfill): Hub {hf_first:.2f} s; ModelScope {ms_first:.2f} s, {ms_first_requests} requests "
          f"({-(-args.models // 100)} pages x {args.labs} orgs)")
    print(f"quiet cycle, Hub:        {hf_requests:.1f} requests ({hf_requests / args.labs:.2f} per org), "
          f"median {med(hf_alone) * 1000:.0f} ms")
    print(f"quiet cycle, ModelScope: {ms_requests:.1f} requests ({ms_requests / args.labs:.2f} per org), "
          f"median {med(ms_alone) * 1000:.0f} ms (the time a cycle adds, in its own lane)")
    print(f"Hub cycle with the ModelScope lane running beside it: median {med(hf_beside) * 1000:.0f} ms; "
          f"with ModelScope answering in 5 s: median {med(hf_beside_slow) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
