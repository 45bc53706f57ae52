"""Follow-ups in-process: the poller records a release, the FollowupRunner takes its checkpoints through the real
Hub client against the fake Hub (model tree, inference providers, paper page), and the store keeps the schedule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import TEST_WATCHLIST
from tests.fakes.hub import FakeHub
from tracker.hub.client import HubClient
from tracker.poll.cycle import Poller
from tracker.poll.followup import FollowupRunner
from tracker.store import followups as rows
from tracker.store import outbox
from tracker.store.engine import open_engine
from tracker.store.queries import find_models
from tracker.store.releases import Store
from tracker.watchlist import parse_watchlist

DAY = 86_400
BASE = "Qwen/Qwen3-8B"


@dataclass
class World:
    hub: FakeHub
    store: Store
    client: HubClient
    now: list[datetime]

    def runner(self, afters: list[int] | None = None, per_run: int = 5) -> FollowupRunner:
        return FollowupRunner(self.client, self.store, afters or [DAY, 7 * DAY], per_run=per_run,
                              clock=lambda: self.now[0])

    def later(self, **delta: float) -> None:
        self.now[0] += timedelta(**delta)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with FakeHub() as hub:
        now = [datetime.now(UTC).replace(microsecond=0)]
        hub.add_model("Qwen/Qwen3-Old", created_at=now[0] - timedelta(days=30))
        store = Store(open_engine(f"sqlite:///{tmp_path / 'tracker.db'}"))
        client = HubClient(endpoint=hub.url, token=None, timeout=10, cache_dir=tmp_path / "hf")
        poller = Poller(client, store, parse_watchlist(TEST_WATCHLIST, "test"), workers=2, clock=lambda: now[0])
        poller.run_cycle()  # the first poll: backfill
        hub.add_model(BASE, created_at=now[0], safetensors={"BF16": 8_190_735_360},
                      readme="See the [report](https://arxiv.org/abs/2505.09388).")
        poller.run_cycle()  # the release
        yield World(hub, store, client, now)


def grow_tree(hub: FakeHub) -> None:
    """Children of every kind, by other owners, with the tags the Hub gives them; and a paper and providers."""
    gguf = {"architecture": "qwen3", "total": 8_190_735_360}
    hub.add_model("bartowski/Qwen3-8B-GGUF", base_model=BASE, gguf=gguf, library_name=None, likes=90)
    hub.add_model("unsloth/Qwen3-8B-GGUF", base_model=BASE, gguf=gguf, library_name=None, likes=40)
    hub.add_model("mlx-community/Qwen3-8B-4bit", base_model=BASE, base_model_relation="quantized",
                  library_name="mlx", likes=60)
    hub.add_model("NousResearch/Hermes-Qwen3-8B", base_model=BASE, likes=30)  # a fine-tune
    hub.add_model("someone/qwen3-8b-lora", base_model=BASE, base_model_relation="adapter", library_name="peft")
    hub.add_model("merger/Qwen3-8B-Merge", base_model=[BASE, "Qwen/Qwen3-8B-Base"], likes=2)
    hub.add_model("other/Unrelated-GGUF", base_model="Qwen/Qwen3-4B", gguf=gguf, library_name=None, likes=999)
    hub.update(BASE, likes=1234, downloads=56_789,
               inference_providers={"together": "live", "novita": "live", "nebius": "staging", "groq": "error"})
    hub.papers.add("2505.09388", "Qwen3 Technical Report", upvotes=142)


def test_a_checkpoint_counts_the_tree_names_the_most_liked_and_reads_providers_and_paper(world: World) -> None:
    grow_tree(world.hub)
    runner = world.runner()
    first = runner.run()
    assert first.done == [] and first.scheduled == 2  # 24 h and 7 days, neither due yet

    world.later(hours=24, seconds=1)
    world.hub.reset_requests()
    report = runner.run()

    assert report.done == [BASE]
    assert world.hub.count() == report.requests <= 4
    assert world.hub.count("/api/papers/") == 1
    model_id = _model_id(world.store)
    numbers = rows.of_models(world.store, [model_id])[model_id]
    assert len(numbers) == 1
    fu = numbers[0]
    assert fu["after"] == DAY and fu["label"] == "24h"
    assert fu["quantized"]["count"] == 3
    assert [t["label"] for t in fu["quantized"]["top"]] == ["bartowski GGUF", "mlx-community 4-bit", "unsloth GGUF"]
    assert fu["finetune"]["count"] == 1 and fu["finetune"]["top"][0]["id"] == "NousResearch/Hermes-Qwen3-8B"
    assert fu["adapter"]["count"] == 1 and fu["merge"]["count"] == 1
    assert fu["providers"] == ["together", "novita"]  # live only: not staging, not error
    assert fu["paper"] == {"id": "2505.09388", "title": "Qwen3 Technical Report", "upvotes": 142}
    assert (fu["likes"], fu["downloads"], fu["children"]) == (1234, 56_789, 6)
    assert fu["complete"] is True


def _model_id(store: Store) -> int:
    (row,) = find_models(store.engine, BASE, 1)
    return row.id


def test_done_is_never_repeated_and_a_later_checkpoint_comes_at_its_time(world: World) -> None:
    runner = world.runner()
    runner.run()
    world.later(days=1, seconds=1)
    assert runner.run().done == [BASE]
    world.hub.reset_requests()
    assert runner.run().done == []  # the same checkpoint again: nothing, and no Hub request
    assert world.hub.count() == 0
    first = rows.schedule_of(world.store, _model_id(world.store))[0]
    assert first.status == "done" and rows.record(world.store, first.id, {"after": DAY}, world.now[0]) is None
    world.later(days=6)
    assert runner.run().done == [BASE]  # the 7-day one
    model_id = _model_id(world.store)
    assert [s.status for s in rows.schedule_of(world.store, model_id)] == ["done", "done"]
    assert [f["after"] for f in rows.of_models(world.store, [model_id])[model_id]] == [DAY, 7 * DAY]
    alerts = [a for a in _alert_kinds(world.store) if a == "followup"]
    assert len(alerts) == 2


def _alert_kinds(store: Store) -> list[str]:
    outbox.fan_out(store, lambda alert, model: ["console"], datetime.now(UTC))
    return [i.alert.kind for i in outbox.due(store, datetime.now(UTC) + timedelta(days=30))]


def test_a_failed_or_removed_release_is_retried_at_the_next_cycle(world: World) -> None:
    runner = world.runner([60])
    runner.run()
    world.later(seconds=61)
    world.hub.fail(f"repo={BASE}", status=500, times=None)
    report = runner.run()
    assert report.done == [] and BASE in report.failed
    model_id = _model_id(world.store)
    (pending,) = rows.schedule_of(world.store, model_id)
    assert pending.status == "pending" and pending.attempts == 1 and "500" in (pending.last_error or "")

    world.hub.clear_faults()
    world.later(seconds=30)
    assert runner.run().done == [BASE]
    assert rows.schedule_of(world.store, model_id)[0].status == "done"


def test_the_earlier_checkpoint_is_skipped_when_the_later_is_due_too(world: World) -> None:
    runner = world.runner([60, 120])
    runner.run()
    world.later(seconds=200)  # the tracker was away for both
    assert runner.run().done == [BASE]
    model_id = _model_id(world.store)
    assert [(s.after_s, s.status) for s in rows.schedule_of(world.store, model_id)] == [(60, "skipped"),
                                                                                        (120, "done")]


def test_a_run_takes_at_most_its_cap(world: World) -> None:
    for i in range(4):
        world.hub.add_model(f"Qwen/Qwen3-Extra-{i}", created_at=world.now[0])
    Poller(world.client, world.store, parse_watchlist(TEST_WATCHLIST, "test"), workers=2,
           clock=lambda: world.now[0]).run_cycle()
    runner = world.runner([60], per_run=2)
    runner.run()
    world.later(seconds=61)
    assert len(runner.run().done) == 2
    assert len(runner.run().done) == 2
    assert len(runner.run().done) == 1


def test_releases_older_than_the_setting_get_only_the_checkpoints_still_ahead(world: World) -> None:
    world.later(days=3)  # the feature turned on three days after the release
    runner = world.runner()
    assert runner.run().scheduled == 1  # only the 7-day checkpoint: the 24 h one would be two days late


def test_an_arxiv_tag_without_a_paper_page_and_no_children_still_follows_up(world: World) -> None:
    runner = world.runner([60])
    runner.run()
    world.later(seconds=61)
    world.hub.reset_requests()
    assert runner.run().done == [BASE]
    model_id = _model_id(world.store)
    (fu,) = rows.of_models(world.store, [model_id])[model_id]
    assert fu["paper"] is None and fu["providers"] == [] and fu["children"] == 0
    assert all(fu[k]["count"] == 0 for k in ("quantized", "finetune", "adapter", "merge"))
    # childrenModelCount 0: no listing; the paper page answered 404
    assert world.hub.count(kind="list") == 0 and world.hub.count("/api/papers/", status=404) == 1
