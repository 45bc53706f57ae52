"""`tracker run` with ModelScope as a second source, in-process: the channel hears of a release once, from the
hub that shows it first; its card links both hubs once both have it; ModelScope's trouble never delays the
Hub's alerts."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import TEST_WATCHLIST, Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.modelscope import FakeModelScope
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_telegram_run import start
from tests.telegram_world import CHANNEL, bot_tracker, channel_texts, telegram

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
OLD = datetime(2025, 7, 1, tzinfo=UTC)
WEB = "https://modelscope.cn"
GLM_CONFIG = hub_catalog.real_config("zai-org/GLM-4.7-Flash")


@pytest.fixture
def ms(bot_tracker: Tracker) -> Iterator[FakeModelScope]:
    """The fake ModelScope, and the tracker told to watch it (Zhipu as `ZhipuAI`, Qwen as `Qwen`)."""
    text = TEST_WATCHLIST.replace('orgs = ["zai-org"]', 'orgs = ["zai-org"]\nmodelscope = ["ZhipuAI"]')
    text = text.replace('orgs = ["Qwen"]', 'orgs = ["Qwen"]\nmodelscope = ["Qwen"]')
    (bot_tracker.cwd / "watchlist.toml").write_text(text, encoding="utf-8")
    with FakeModelScope() as fake:
        bot_tracker.env.update({"TRACKER_MODELSCOPE": "1", "MODELSCOPE_ENDPOINT": fake.url,
                                "TRACKER_MODELSCOPE_TIMEOUT": "2", "TRACKER_MODELSCOPE_WEB_URL": WEB})
        fake.add_model("Qwen/Qwen3-8B", created_at=OLD)
        yield fake


def wait_ms_polls(ms: FakeModelScope, cycles: int = 1, timeout: float = 30) -> None:
    target = (ms.count("list") // 2 + cycles) * 2
    deadline = time.time() + timeout
    while ms.count("list") < target:
        assert time.time() < deadline, "ModelScope was not polled in time"
        time.sleep(0.05)


def test_first_on_modelscope_then_on_the_hub_one_card_edited_to_link_both(
        start, fake_hub: FakeHub, ms: FakeModelScope, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_ms_polls(ms)  # both backfilled: nothing alerted
    ms.add_model("ZhipuAI/GLM-5-Air", license="Apache License 2.0", config=GLM_CONFIG)
    telegram.wait_for_messages(CHANNEL, 1, timeout=30)
    first = channel_texts(telegram)[0]
    assert "GLM-5-Air" in first and "Only on ModelScope so far" in first
    links = [e.get("url") for e in telegram.messages(CHANNEL)[0].entities if e.get("type") == "text_link"]
    assert f"{WEB}/models/ZhipuAI/GLM-5-Air" in links  # its title links to ModelScope: the Hub has none yet
    assert not any("huggingface.co" in (link or "") for link in links)

    fake_hub.add_model("zai-org/GLM-5-Air", created_at=datetime.now(UTC) - timedelta(minutes=1), license="mit")
    telegram.wait_for(lambda: "before Hugging Face" in channel_texts(telegram)[0], timeout=30)
    running.wait_polls(fake_hub, cycles=2)
    wait_ms_polls(ms, cycles=1)
    err = running.stop()

    texts = channel_texts(telegram)
    assert len(texts) == 1, texts  # one release, one card: edited, never posted twice
    assert re.search(r"on ModelScope \d+ min before Hugging Face", texts[0]), texts[0]
    assert "Only on" not in texts[0]
    links = [e.get("url") for e in telegram.messages(CHANNEL)[0].entities if e.get("type") == "text_link"]
    assert "https://huggingface.co/zai-org/GLM-5-Air" in links and f"{WEB}/models/ZhipuAI/GLM-5-Air" in links
    assert "Traceback" not in err, err


def test_modelscope_failing_and_rate_limiting_never_delays_a_hub_alert(
        start, fake_hub: FakeHub, ms: FakeModelScope, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_ms_polls(ms)
    ms.fail("owner=ZhipuAI", 500)
    ms.fail("owner=Qwen", 429, retry_after=120)
    wait_ms_polls(ms)
    ms.clear_faults()
    ms.hang("list")  # and now ModelScope stops answering at all
    hub_catalog.deepseek_v3(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
    added = time.monotonic()
    telegram.wait_for_messages(CHANNEL, 1, timeout=30)
    delay = time.monotonic() - added
    health = running.store  # the store the run writes: ModelScope's failures are recorded per organisation
    failing = health.org_state("modelscope:ZhipuAI")
    err = running.stop()
    assert delay < 8, f"the Hub's alert took {delay:.1f}s"
    assert "DeepSeek-V3" in channel_texts(telegram)[0]
    assert failing is not None and failing.error_count >= 1
    assert "ModelScope rate-limits us for Qwen" in err
