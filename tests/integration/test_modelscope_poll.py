"""ModelScope as a second source, in-process: the Hub's poller and ModelScope's against the two fakes (the
real `huggingface_hub` and `modelscope_hub` clients over HTTP) and one temporary SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.modelscope import FakeModelScope
from tracker.hub.client import HubClient
from tracker.hub.modelscope import ModelScopeClient
from tracker.hub.sources import lead, sources_of
from tracker.poll.cycle import Poller
from tracker.poll.modelscope import ModelScopePoller
from tracker.store.releases import Store
from tracker.store.tables import Alert, Event, TrackedModel
from tracker.watchlist import parse_watchlist

WATCHLIST = """
[[lab]]
name = "Zhipu / Z.ai"
orgs = ["zai-org"]
modelscope = ["ZhipuAI"]

[[lab]]
name = "Qwen (Alibaba)"
orgs = ["Qwen"]
modelscope = ["Qwen"]
"""
OLD = datetime(2025, 7, 1, tzinfo=UTC)
GLM_CONFIG = hub_catalog.real_config("zai-org/GLM-4.7-Flash")


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@dataclass
class World:
    hub: FakeHub
    ms: FakeModelScope
    store: Store
    hf: Poller
    modelscope: ModelScopePoller

    def rows(self) -> list[TrackedModel]:
        with self.store.session() as session:
            return list(session.exec(select(TrackedModel).order_by(TrackedModel.id)))

    def row(self, name: str) -> TrackedModel:
        found = [r for r in self.rows() if r.repo_id.split("/", 1)[1].lower() == name.lower()]
        assert len(found) == 1, [r.repo_id for r in self.rows()]
        return found[0]

    def alerts(self) -> list[Alert]:
        with self.store.session() as session:
            return list(session.exec(select(Alert)))

    def events(self, kind: str, name: str = "GLM-5-Air") -> list[Event]:
        with self.store.session() as session:
            found = session.exec(select(Event).where(Event.kind == kind)).all()
        return [e for e in found if e.repo_id.split("/", 1)[1].lower() == name.lower()]


@pytest.fixture
def world(tmp_path: Path, fake_hub: FakeHub) -> Iterator[World]:
    watchlist = parse_watchlist(WATCHLIST, "test")
    store = Store.open(f"sqlite:///{tmp_path / 'tracker.db'}")
    with FakeModelScope() as ms:
        hf = Poller(HubClient(fake_hub.url, None, 10, tmp_path / "hf-cache"), store, watchlist, workers=2)
        client = ModelScopeClient(ms.url, 5, tmp_path / "modelscope", web_url="https://modelscope.cn")
        yield World(fake_hub, ms, store, hf, ModelScopePoller(client, store, watchlist, "https://huggingface.co"))
    store.close()


def backfill_both(world: World) -> None:
    hub_catalog.glm_4_5_air(world.hub)
    world.ms.add_model("ZhipuAI/GLM-4.5-Air", created_at=OLD, license="MIT")
    world.ms.add_model("Qwen/Qwen3-8B", created_at=OLD)
    assert world.hf.run_cycle().alerts == 0
    assert world.modelscope.run_cycle().alerts == 0


def test_backfill_on_both_hubs_is_silent_and_one_release_per_model(world: World) -> None:
    backfill_both(world)
    assert world.alerts() == []
    air = world.row("GLM-4.5-Air")
    assert air.repo_id == "zai-org/GLM-4.5-Air"  # the Hub's id: the Hub's polls keep knowing it
    assert [(s["hub"], s["repo_id"]) for s in sources_of(air)] == [
        ("huggingface", "zai-org/GLM-4.5-Air"), ("modelscope", "ZhipuAI/GLM-4.5-Air")]
    only_ms = world.row("Qwen3-8B")  # on ModelScope only: a release of its own, backfilled
    assert only_ms.backfill and only_ms.repo_id == "Qwen/Qwen3-8B"
    assert [s["url"] for s in sources_of(only_ms)] == ["https://modelscope.cn/models/Qwen/Qwen3-8B"]
    assert only_ms.license_id == "apache-2.0"  # "Apache License 2.0" normalised as on the Hub


def test_first_on_modelscope_then_on_the_hub_is_one_alert_by_modelscope(world: World) -> None:
    backfill_both(world)
    world.ms.add_model("ZhipuAI/GLM-5-Air", license="Apache License 2.0", config=GLM_CONFIG)
    report = world.modelscope.run_cycle()
    assert report.alerts == 1 and report.new == 1
    row = world.row("GLM-5-Air")
    assert row.repo_id == "ZhipuAI/GLM-5-Air" and row.params_total  # counted from ModelScope's config.json
    assert row.license_id == "apache-2.0" and row.context_length

    world.hub.add_model("zai-org/GLM-5-Air", created_at=ago(minutes=1), license="apache-2.0")
    hf = world.hf.run_cycle()
    assert hf.alerts == 0 and hf.new == 0 and sum(s.linked for s in hf.summaries) == 1
    row = world.row("GLM-5-Air")
    assert row.repo_id == "zai-org/GLM-5-Air" and row.org == "zai-org"
    assert [s["hub"] for s in sources_of(row)] == ["modelscope", "huggingface"]
    assert lead(row).first == "modelscope" and lead(row).second == "huggingface"
    assert row.params_total  # the Hub has no count (no safetensors, no config): ModelScope's is kept
    assert len(world.alerts()) == 1 and len(world.events("source_added")) == 1

    assert world.hf.run_cycle().alerts == 0 and world.modelscope.run_cycle().alerts == 0  # seen again: not new
    assert len(world.rows()) == 3 and len(world.events("source_added")) == 1


def test_first_on_the_hub_then_on_modelscope_under_another_org_name(world: World) -> None:
    backfill_both(world)
    world.hub.add_model("zai-org/GLM-5-Air", created_at=ago(minutes=1), license="mit")
    assert world.hf.run_cycle().alerts == 1
    world.ms.add_model("ZhipuAI/glm-5-air", license="MIT", config=GLM_CONFIG)  # any case: one release
    report = world.modelscope.run_cycle()
    assert report.alerts == 0 and report.new == 0 and sum(s.linked for s in report.summaries) == 1
    row = world.row("GLM-5-Air")
    assert row.repo_id == "zai-org/GLM-5-Air"
    assert [(s["hub"], s["repo_id"]) for s in sources_of(row)] == [
        ("huggingface", "zai-org/GLM-5-Air"), ("modelscope", "ZhipuAI/glm-5-air")]
    assert row.params_total  # the Hub had no count: ModelScope's config.json filled it in
    assert len(world.alerts()) == 1
    assert world.modelscope.run_cycle().alerts == 0 and len(world.events("source_added")) == 1


def test_a_quiet_cycle_is_one_modelscope_request_per_organisation(world: World) -> None:
    backfill_both(world)
    for i in range(105):  # more than a page: the first look reads every page, later looks one
        world.ms.add_model(f"Qwen/Old-{i}", created_at=OLD - timedelta(days=i))
    world.ms.reset_requests()
    world.modelscope.run_cycle()
    world.ms.reset_requests()
    world.modelscope.run_cycle()
    assert world.ms.count() == 2  # ZhipuAI and Qwen, one listing each


def test_modelscope_failing_is_recorded_per_organisation_and_retried(world: World) -> None:
    backfill_both(world)
    world.ms.fail("owner=ZhipuAI", 500)
    world.ms.fail("owner=Qwen", 429, retry_after=120)
    report = world.modelscope.run_cycle()
    assert set(report.orgs_failed) == {"ZhipuAI", "Qwen"} and report.hub_unreachable is None
    limited = world.modelscope.rate_limited_orgs(datetime.now(UTC))
    assert list(limited) == ["modelscope:Qwen"]
    world.ms.clear_faults()
    world.ms.add_model("ZhipuAI/GLM-5-Air", config=GLM_CONFIG)
    again = world.modelscope.run_cycle()
    assert again.orgs_ok == ["ZhipuAI"] and again.orgs_skipped == ["Qwen"] and again.alerts == 1
    assert world.store.org_state("modelscope:ZhipuAI").error_count == 0
    assert world.store.org_state("modelscope:Qwen").error_count == 1
