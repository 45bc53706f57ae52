"""Benchmark of follow-ups (issue 16 §2): what they cost the Hub and how long a run takes, in-process.

Run: .venv/bin/python bench/bench_followup.py   (prints numbers; it asserts nothing)
Targets: a quiet cycle costs no Hub request more with follow-ups on than off (none due); a checkpoint costs at
most 4 requests, also for a release with more derived models than a page holds; a run of 5 checkpoints (the
cap per interval) takes well under the 300 s interval.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.hub import FakeHub  # noqa: E402
from tracker.hub.client import HubClient  # noqa: E402
from tracker.poll.cycle import Poller  # noqa: E402
from tracker.poll.followup import FollowupRunner  # noqa: E402
from tracker.store import followups  # noqa: E402
from tracker.store.engine import open_engine  # noqa: E402
from tracker.store.releases import Store  # noqa: E402
from tracker.watchlist import parse_watchlist  # noqa: E402

ORGS, PER_ORG, RELEASES, CHILDREN = 20, 100, 10, 300
KINDS = ("quantized", "finetune", "adapter", "merge")


def main() -> None:
    now = [datetime.now(UTC).replace(microsecond=0)]
    with tempfile.TemporaryDirectory() as tmp, FakeHub() as hub:
        work = Path(tmp)
        for o in range(ORGS):
            for i in range(PER_ORG):
                hub.add_model(f"org-{o:02d}/Old-{i}", created_at=now[0] - timedelta(days=100 + i))
        watchlist = parse_watchlist("".join(f'[[lab]]\nname = "Lab {o:02d}"\norgs = ["org-{o:02d}"]\n\n'
                                            for o in range(ORGS)), "bench")
        store = Store(open_engine(f"sqlite:///{work / 'tracker.db'}"))
        client = HubClient(endpoint=hub.url, token=None, timeout=30, cache_dir=work / "hf")
        poller = Poller(client, store, watchlist, workers=6, clock=lambda: now[0])
        poller.run_cycle()
        for r in range(RELEASES):
            base = f"org-{r % ORGS:02d}/Fresh-{r}"
            hub.add_model(base, created_at=now[0], readme=f"https://arxiv.org/abs/2505.{10000 + r}")
            hub.papers.add(f"2505.{10000 + r}", f"Report {r}", upvotes=r)
            hub.update(base, inference_providers={"together": "live", "novita": "staging"})
            count = CHILDREN if r else 2500  # the first one has more derived models than one page holds
            for c in range(count):
                hub.add_model(f"user-{c % 97}/Fresh-{r}-child-{c}", base_model=base, base_model_relation=KINDS[c % 4],
                              likes=c % 50, library_name=None)
        poller.run_cycle()  # the releases
        runner = FollowupRunner(client, store, [86_400, 604_800], per_run=5, clock=lambda: now[0])
        runner.run()  # schedules them

        hub.reset_requests()
        poller.run_cycle()
        off = len(hub.requests)
        hub.reset_requests()
        poller.run_cycle()
        quiet = runner.run()
        on = len(hub.requests)
        print(f"quiet cycle, {ORGS} orgs: {off} Hub requests with follow-ups off, {on} with them on and none due "
              f"(+{on - off}; target +0); scheduled {quiet.scheduled}, done {len(quiet.done)}")

        now[0] += timedelta(days=1, seconds=1)
        runs, per_checkpoint = [], []
        while True:
            hub.reset_requests()
            started = time.perf_counter()
            report = runner.run()
            if not report.done:
                break
            runs.append(time.perf_counter() - started)
            per_checkpoint.append(len(hub.requests) / len(report.done))
            if "org-00/Fresh-0" in report.done:
                print(f"checkpoint of a release with 2,500 derived models: counted in the run of {len(hub.requests)} "
                      f"requests for {len(report.done)} releases")
        print(f"{RELEASES} releases due: {len(runs)} runs of at most 5; Hub requests per checkpoint: mean "
              f"{statistics.mean(per_checkpoint):.2f}, max run mean {max(per_checkpoint):.2f} (target <= 4); "
              f"run time median {statistics.median(runs):.2f} s, max {max(runs):.2f} s "
              f"({CHILDREN} derived models each, the first 2,500)")
        big = _numbers(store, "org-00/Fresh-0")
        print(f"the 2,500-child release: quantized {big['quantized']['count']}, complete {big['complete']}, "
              f"childrenModelCount {big['children']}")


def _numbers(store: Store, repo_id: str) -> dict:
    return followups.of_repo(store.engine, repo_id)[-1]


if __name__ == "__main__":
    main()
