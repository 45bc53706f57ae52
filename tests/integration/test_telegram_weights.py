"""End to end under `tracker run` with the fake Bot API: weight updates reach only who opted in (the channel
with TRACKER_ALERT_WEIGHT_UPDATES=1, subscribers with /settings weights on), as their own short card."""

from __future__ import annotations

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_telegram_run import start
from tests.telegram_world import bot_tracker, channel_texts, say, telegram, wait_bot

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True  # Telegram's limits on a virtual clock (test_telegram_run's start)


def test_weight_update_cards_go_to_the_channel_and_to_subscribers_who_opted_in(
    bot_tracker, start, fake_hub: FakeHub, telegram: FakeTelegram  # noqa: ANN001
) -> None:
    bot_tracker.env["TRACKER_ALERT_WEIGHT_UPDATES"] = "1"
    opted, plain = 201, 202
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)
    say(telegram, opted, "/subscribe")
    assert "Weight updates: alerted" in say(telegram, opted, "/settings weights on")
    say(telegram, plain, "/subscribe")
    before = {uid: len(telegram.messages(uid)) for uid in (opted, plain)}

    fake_hub.update("Qwen/Qwen3-8B", safetensors={"BF16": 8_190_735_360, "F8_E4M3": 2_000_000})
    telegram.wait_for_messages(opted, before[opted] + 1, timeout=45)
    running.wait_polls(fake_hub, cycles=2)
    running.stop()

    (card,) = [m.text for m in telegram.messages(opted)[before[opted]:]]
    assert card.startswith("🏋️ Weights updated · Qwen (Alibaba) · Qwen3-8B")
    assert "BF16 8.2B, F8_E4M3 2M (was BF16 8.2B)" in card
    assert telegram.messages(plain)[before[plain]:] == []
    assert [t for t in channel_texts(telegram) if "Weights updated" in t] == [card]
