"""Discovery: who is proposed (pure rules), and the Hub adapter's one trending request against the fake Hub."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import TEST_WATCHLIST
from tests.fakes.hub import FakeHub
from tracker.detect import Change
from tracker.hub.client import HubClient
from tracker.hub.shapes import TrendingModel
from tracker.poll import discovery
from tracker.store import discovered
from tracker.store.releases import Store
from tracker.watchlist import parse_watchlist

NOW = datetime(2026, 12, 2, 12, tzinfo=UTC)
WATCHLIST = parse_watchlist(TEST_WATCHLIST, "test")


def t(repo_id: str, days: float | None, likes: int) -> TrendingModel:
    return TrendingModel(repo_id, None if days is None else NOW - timedelta(days=days), likes, 0)


def test_only_recent_liked_models_of_unwatched_orgs_are_candidates_one_per_org() -> None:
    trending = [
        t("qwen/Qwen-New", 1, 999),  # watched (organisation names are case-insensitive)
        t("openbmb/A", 2, 120), t("OpenBMB/B", 1, 500),  # one per organisation: the first
        t("tiny/T", 1, 49), t("edge/E", 1, 50),  # the like threshold is inclusive
        t("old/O", 14.01, 900), t("fortnight/F", 13.99, 900), t("nodate/N", None, 900),
    ]
    found = discovery.candidates(trending, WATCHLIST, NOW, 50)
    assert [m.repo_id for m in found] == ["openbmb/A", "edge/E", "fortnight/F"]


def test_an_org_is_recorded_once_and_watching_promotes_only_its_trending_model(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert discovered.record(store, [t("openbmb/A", 2, 120)], NOW) == ["openbmb"]
    assert discovered.record(store, [t("OPENBMB/Z", 1, 900)], NOW) == []
    assert [r.org for r in discovered.to_propose(store)] == ["openbmb"]
    discovered.decide(store, "OpenBMB", "watched", 999, NOW)
    assert discovered.to_propose(store) == []
    labs = discovery.effective_watchlist(WATCHLIST, store).labs
    assert labs[-1].name == "openbmb" and labs[-1].runtime and len(labs) == len(WATCHLIST.labs) + 1
    assert discovery.effective_watchlist(discovery.effective_watchlist(WATCHLIST, store), store).labs == labs
    changes = [Change("backfill", "openbmb/A", None, alert=False), Change("backfill", "openbmb/Old", None, alert=False)]
    promoted = discovery.promote(changes, discovery.alerted_on_first_poll(store, "openbmb"))
    assert [(c.kind, c.alert) for c in promoted] == [("new", True), ("backfill", False)]
    discovered.decide(store, "openbmb", "unwatched", 999, NOW)
    assert discovery.effective_watchlist(WATCHLIST, store).labs == WATCHLIST.labs


def test_the_trending_list_is_one_request_sorted_by_trending_score(tmp_path: Path) -> None:
    with FakeHub() as hub:
        hub.page_size = 50  # smaller pages than the limit: still one request (no Link is followed)
        for i in range(120):
            hub.add_model(f"org{i % 7}/m{i}", created_at=NOW - timedelta(days=i), likes=i, trending_score=i * 3 % 101)
        hub.add_model("secret/hidden", private=True, trending_score=1000)
        client = HubClient(hub.url, None, 10, tmp_path / "hf")
        hub.reset_requests()
        trending = client.trending(100)
        assert hub.count(kind="list") == 1
    scores = [m.trending_score for m in trending]
    assert scores == sorted(scores, reverse=True) and len(trending) == 50
    assert "secret/hidden" not in [m.repo_id for m in trending]
    first = trending[0]
    assert first.likes == int(first.repo_id.split("/m")[1]) and first.created_at is not None
