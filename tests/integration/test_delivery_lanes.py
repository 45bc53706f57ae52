"""Delivery lanes under `tracker run` (in-process) against the fake Hub and the fake Bot API: a backlog in one
lane (the channel's 20 messages a minute) never delays another, and a stored alert is on its way at once."""

from __future__ import annotations

import time

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_telegram_run import start
from tests.telegram_world import CHANNEL, ago, bot_tracker, say, telegram, wait_bot

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures

BACKLOG = 30  # cards for the channel, which takes 20 a minute


def test_a_subscriber_alert_does_not_wait_behind_the_channels_backlog(start, fake_hub: FakeHub,
                                                                      telegram: FakeTelegram) -> None:
    follower = 301
    hub_catalog.qwen2_5_7b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)
    say(telegram, follower, "/subscribe deepseek")
    before = len(telegram.messages(follower))
    for n in range(BACKLOG):  # thirty families: thirty cards, more than the channel takes in a minute
        fake_hub.add_model(f"Qwen/Lane{n:02d}-7B", created_at=ago(minutes=1), safetensors={"BF16": 7 * 10**9})
    telegram.wait_for_messages(CHANNEL, 20, timeout=45)  # the channel's minute is used up: the rest wait

    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1))
    released = time.monotonic()
    alert = telegram.wait_for(lambda: telegram.messages(follower)[before:], timeout=20)
    waited = time.monotonic() - released
    in_channel = len(telegram.messages(CHANNEL))
    err = running.stop()

    assert len(alert) == 1 and "DeepSeek-V3" in alert[0].text
    assert in_channel < BACKLOG, "the channel's backlog was still waiting when the subscriber got the alert"
    assert waited < 6, f"the subscriber waited {waited:.1f}s behind the channel's backlog"
    texts = [m.text for m in telegram.messages(CHANNEL)]
    assert len(texts) == len(set(texts)), "a card went to the channel twice"
    assert not any(r.status == 429 for r in telegram.requests("sendMessage")), "the channel's limit was kept"
    assert "maximum number of running instances" not in err
    assert "Traceback" not in err
