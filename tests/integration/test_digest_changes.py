"""End to end: a digest subscriber, who gets no instant alerts, hears of license changes in their digest
(before, the digest listed releases only and a digest subscriber never learnt of a relicensing)."""

from __future__ import annotations

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_telegram_run import start
from tests.telegram_world import bot_tracker, missed_digest_time, next_second, say, telegram, wait_bot

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True  # Telegram's limits on a virtual clock (test_telegram_run's start)



def test_a_license_change_reaches_a_digest_subscriber_in_their_next_digest(
        start, bot_tracker, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    instant, daily = 311, 312
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)
    for uid in (instant, daily):
        say(telegram, uid, "/subscribe")
    say(telegram, daily, "/settings digest daily")
    before = {uid: len(telegram.messages(uid)) for uid in (instant, daily)}

    fake_hub.set_license("Qwen/Qwen3-8B", "cc-by-nc-4.0")
    telegram.wait_for_messages(instant, before[instant] + 1, timeout=45)
    assert "License change" in telegram.messages(instant)[-1].text
    running.wait_polls(fake_hub)
    running.stop()
    assert len(telegram.messages(daily)) == before[daily]  # no instant alert for a digest subscriber

    missed_digest_time(str(bot_tracker.db_path), daily)
    next_second()
    running = start()
    telegram.wait_for_messages(daily, before[daily] + 1, timeout=45)
    running.wait_polls(fake_hub)
    running.stop()
    (text,) = [m.text for m in telegram.messages(daily)[before[daily]:]]
    assert "Your daily digest: 0 releases, 1 change" in text
    assert "Changes\n• ⚖️ Qwen/Qwen3-8B: license apache-2.0 → cc-by-nc-4.0 — non-commercial" in text
