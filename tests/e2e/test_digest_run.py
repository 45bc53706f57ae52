"""End to end: subscriber digests under `tracker run`, against the fake Hub and the fake Bot API.

A digest subscriber gets no instant alert; their digest comes at the digest time, or when the tracker
comes back after missing it, exactly once across restarts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.test_telegram_run import ago, bot_tracker, say, start, telegram, wait_bot
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures shared with test_telegram_run


def test_the_digest_goes_out_at_the_digest_time(start, bot_tracker, fake_hub: FakeHub,
                                                telegram: FakeTelegram) -> None:
    """The scheduled job itself: TRACKER_DIGEST_TIME is set to the coming minute (this test waits for it)."""
    now = datetime.now(UTC)
    at = (now + timedelta(minutes=2 if now.second > 40 else 1)).replace(second=0, microsecond=0)
    bot_tracker.env["TRACKER_DIGEST_TIME"] = f"{at:%H:%M}"
    user = 311
    hub_catalog.qwen2_5_7b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)
    say(telegram, user, "/subscribe")
    assert f"daily at {at:%H:%M} UTC" in say(telegram, user, "/settings digest daily")
    before = len(telegram.messages(user))
    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
    running.wait_polls(fake_hub, cycles=2)
    assert len(telegram.messages(user)) == before  # nothing before the digest time
    assert datetime.now(UTC) < at, "the machine is too slow for this test's timing"
    try:
        (message,) = telegram.wait_for_messages(user, before + 1, timeout=150)[before:]
    except TimeoutError:
        raise AssertionError(running.stop()) from None
    running.stop()
    assert datetime.now(UTC) >= at
    assert "Your daily digest" in message.text and "Qwen3-8B" in message.text and "1 release" in message.text
