"""One rate-limited organisation never holds another's alert (issue 8, §6)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_telegram_run import start
from tests.telegram_world import CHANNEL, bot_tracker, telegram

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True  # Telegram's limits on a virtual clock (test_telegram_run's start)


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def test_a_429_with_retry_after_120_on_one_org_does_not_delay_another_orgs_alert(
        start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.deepseek_v3(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    fake_hub.fail("author=deepseek-ai", 429, retry_after=120)
    running.wait_polls(fake_hub)  # deepseek-ai is now rate-limited

    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=1))
    added = time.monotonic()
    telegram.wait_for_messages(CHANNEL, 1, timeout=30)
    delay = time.monotonic() - added
    limited = fake_hub.count(path_prefix="/api/models", status=429)
    running.wait_polls(fake_hub, cycles=3)  # more cycles: the rate-limited organisation is left alone until its time
    limited_later = fake_hub.count(path_prefix="/api/models", status=429)
    err = running.stop()

    assert delay < 8, f"the alert took {delay:.1f}s"
    assert "Qwen3-30B-A3B" in telegram.messages(CHANNEL)[0].text
    assert limited_later == limited, "the rate-limited organisation was asked again before its Retry-After"
    lines = [line for line in err.splitlines() if "rate-limits us" in line]
    assert len(lines) == 1 and "deepseek-ai" in lines[0] and "120s" in lines[0], err
