"""The CLI with ModelScope as a second source, in-process: `tracker poll` polls both hubs, and `history`,
`stats --by hub-lead` and `status` show what each hub did."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import TEST_WATCHLIST, Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.modelscope import FakeModelScope
from tests.http_harness import free_port

OLD = datetime(2025, 7, 1, tzinfo=UTC)


@pytest.fixture
def ms(tracker: Tracker) -> Iterator[FakeModelScope]:
    text = TEST_WATCHLIST.replace('orgs = ["zai-org"]', 'orgs = ["zai-org"]\nmodelscope = ["ZhipuAI"]')
    (tracker.cwd / "watchlist.toml").write_text(text, encoding="utf-8")
    with FakeModelScope() as fake:
        tracker.env.update({"TRACKER_MODELSCOPE": "1", "MODELSCOPE_ENDPOINT": fake.url,
                            "TRACKER_MODELSCOPE_WEB_URL": "https://modelscope.cn"})
        yield fake


def test_poll_history_stats_and_status_show_both_hubs(tracker: Tracker, fake_hub: FakeHub,
                                                      ms: FakeModelScope) -> None:
    hub_catalog.glm_4_5_air(fake_hub)
    ms.add_model("ZhipuAI/GLM-4.5-Air", created_at=OLD)
    first = tracker.run("poll", check=True)
    assert "ModelScope: polled 1 of 1 organisations" in first.stderr and "1 already on the Hub" in first.stderr

    ms.add_model("ZhipuAI/GLM-5-Air", created_at=datetime.now(UTC) - timedelta(minutes=1),
                 config=hub_catalog.real_config("zai-org/GLM-4.7-Flash"))
    second = tracker.run("poll", check=True)
    assert "ModelScope: polled 1 of 1 organisations: 1 new releases, 0 already on the Hub" in second.stderr
    assert "GLM-5-Air" in second.stdout  # the console alert, from ModelScope
    assert "https://modelscope.cn/models/ZhipuAI/GLM-5-Air" in second.stdout
    time.sleep(1.1)  # the Hub shows it a little later
    fake_hub.add_model("zai-org/GLM-5-Air", created_at=datetime.now(UTC), license="mit")
    third = tracker.run("poll", check=True)
    assert "GLM-5-Air" not in third.stdout  # one release: alerted once, by the hub that showed it first

    rows = {r["repo_id"]: r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)}
    glm5 = rows["zai-org/GLM-5-Air"]
    assert [s["hub"] for s in glm5["sources"]] == ["modelscope", "huggingface"]
    assert glm5["first_hub"] == "modelscope" and glm5["hub_lead_s"] >= 1
    assert [s["hub"] for s in rows["zai-org/GLM-4.5-Air"]["sources"]] == ["huggingface", "modelscope"]

    lead = json.loads(tracker.run("stats", "--by", "hub-lead", "--format", "json", check=True).stdout)
    zhipu = next(r for r in lead if r["key"] == "Zhipu / Z.ai")
    # GLM-4.5-Air was on both at our first look: who was first is unknown, so only GLM-5-Air is counted
    assert zhipu["on_both"] == 2 and zhipu["first_on_modelscope"] == 1 and zhipu["first_on_huggingface"] == 0
    assert zhipu["median_lead_modelscope_s"] >= 1
    table = tracker.run("stats", "--by", "hub-lead", check=True).stdout
    assert "ModelScope first" in table and "Zhipu / Z.ai" in table

    status = json.loads(tracker.run("status", "--format", "json").stdout)
    assert status["hubs"]["modelscope"]["orgs_failing"] == [] and status["hubs"]["modelscope"]["last_poll_at"]
    ms.fail("owner=ZhipuAI", 500)
    tracker.run("poll")
    status = tracker.run("status")
    assert "modelscope:" in status.stdout and "ZhipuAI" in status.stdout


def test_modelscope_unreachable_is_said_by_its_cause(tracker: Tracker, fake_hub: FakeHub,
                                                     ms: FakeModelScope) -> None:
    """The client's text is urllib3's retry story ("HTTPSConnectionPool(...): Max retries exceeded with url:
    /openapi/v1/models?owner=... (Caused by ..."), cut at 200 characters: the poll says the cause instead."""
    hub_catalog.qwen3_8b(fake_hub)
    tracker.env["MODELSCOPE_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    poll = tracker.run("poll", check=True)
    assert "ModelScope: unreachable (connection refused); the Hub's releases were polled" in poll.stderr, poll.stderr
    assert "HTTPConnectionPool" not in poll.stderr and "Max retries" not in poll.stderr, poll.stderr
