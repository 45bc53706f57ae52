"""Subscriber and channel digests under `tracker run` (in-process) and `tracker digest`, against the fake
Hub and the fake Bot API.

A digest subscriber gets no instant alert; their digest comes at the digest time, or when the tracker
comes back after missing it, exactly once across restarts.
"""

from __future__ import annotations

import sqlite3

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.inprocess import InProcessTracker
from tests.integration.test_telegram_run import start
from tests.telegram_world import (
    CHANNEL,
    ago,
    alerted_a_second_earlier,
    bot_tracker,
    channel_texts,
    missed_digest_time,
    next_second,
    say,
    telegram,
    wait_bot,
)

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True  # Telegram's limits on a virtual clock (test_telegram_run's start)



def channel_photos(telegram: FakeTelegram) -> list:
    return [m for m in telegram.messages(CHANNEL) if m.photo is not None]


def test_digest_subscribers_get_one_digest_after_a_missed_time_and_never_twice(
        start, bot_tracker, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    instant, daily, weekly = 301, 302, 303
    hub_catalog.qwen2_5_7b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)
    for uid in (instant, daily, weekly):
        say(telegram, uid, "/subscribe")
    assert "daily at 08:00 UTC" in say(telegram, daily, "/settings digest daily")
    # The weekly subscriber uses the buttons: /settings → Digest → weekly.
    say(telegram, weekly, "/settings")
    home = telegram.messages(weekly)[-1]
    assert "s:dg" in [b.get("callback_data") for b in home.buttons]
    telegram.user_clicks(weekly, home, "s:dg")
    telegram.wait_for(lambda: "s:dg:weekly" in [b.get("callback_data") for b in telegram.messages(weekly)[-1].buttons],
                      timeout=10)
    telegram.user_clicks(weekly, telegram.messages(weekly)[-1], "s:dg:weekly")
    telegram.wait_for(lambda: "weekly, Mondays at 08:00 UTC" in telegram.messages(weekly)[-1].text, timeout=10)
    assert "/settings digest off" in say(telegram, daily, "/settings digest hourly")
    before = {uid: len(telegram.messages(uid)) for uid in (instant, daily, weekly)}

    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1))
    hub_catalog.glm_4_5_air(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(instant, before[instant] + 2, timeout=45)
    running.wait_polls(fake_hub, cycles=2)
    running.stop()

    assert len(telegram.messages(instant)) == before[instant] + 2
    assert len(telegram.messages(daily)) == before[daily]  # no instant alerts for digest subscribers
    assert len(telegram.messages(weekly)) == before[weekly]
    assert len(channel_texts(telegram)) == 2

    db = str(bot_tracker.db_path)
    missed_digest_time(db, daily)
    missed_digest_time(db, weekly)
    next_second()
    running = start()
    try:
        telegram.wait_for_messages(daily, before[daily] + 1, timeout=45)
        telegram.wait_for_messages(weekly, before[weekly] + 1, timeout=45)
    except TimeoutError:
        with sqlite3.connect(db) as conn:
            state = [conn.execute(q).fetchall() for q in (
                "SELECT * FROM digests", "SELECT user_id, digest, digest_period, digest_since FROM subscribers",
                "SELECT id, model_id, created_at FROM alerts")]
        raise AssertionError(f"{state}\n{running.stop()}") from None
    running.wait_polls(fake_hub)
    running.stop()
    running = start()  # a second restart repeats nothing
    running.wait_polls(fake_hub, cycles=2)
    err = running.stop()

    for uid, title in ((daily, "Your daily digest"), (weekly, "Your weekly digest")):
        new = telegram.messages(uid)[before[uid]:]
        assert len(new) == 1, [m.text for m in new]
        text = new[0].text
        assert title in text and "2 releases" in text
        assert "DeepSeek-V3" in text and "GLM-4.5-Air" in text and "Qwen2.5-7B" not in text
        assert "\nDeepSeek\n" in text and "\nZhipu / Z.ai\n" in text  # grouped by lab
        assert "671B" in text or "684" in text  # sizes
        assert "mit" in text  # licenses
    assert telegram.token not in err


def test_tracker_digest_prints_and_posts_the_channel_digest_as_a_chart(bot_tracker, fake_hub: FakeHub,
                                                                      telegram: FakeTelegram) -> None:
    quiet = InProcessTracker(bot_tracker.cwd,
                             {k: v for k, v in bot_tracker.env.items() if not k.startswith("TELEGRAM")})
    quiet.run("poll", check=True)  # first look: old models are backfill, in no digest (alerts print)
    assert "nothing to digest" in bot_tracker.run("digest", check=True).stderr
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1))
    for i in range(60):  # more than a caption can name
        fake_hub.add_model(f"Qwen/Qwen-Toy-{i}-{'x' * 20}", created_at=ago(minutes=1),
                           safetensors={"BF16": (i + 1) * 10**9})
    quiet.run("poll", check=True)
    alerted_a_second_earlier(bot_tracker.db_path)  # a digest of the poll's very second would not take them in

    printed = bot_tracker.run("digest", "--period", "day", check=True)
    assert "Daily digest" in printed.stdout and "61 releases" in printed.stdout
    assert "deepseek-ai/DeepSeek-V3  671B" in printed.stdout or "deepseek-ai/DeepSeek-V3  684" in printed.stdout
    assert channel_photos(telegram) == []

    posted = bot_tracker.run("digest", "--post", check=True)
    assert "posted the weekly digest to @releases: 61 releases" in posted.stderr
    (photo,) = channel_photos(telegram)
    assert photo.photo["format"] == "png" and photo.photo["width"] > 600 and photo.photo["height"] > 200
    png = telegram.photos[photo.photo["file_id"]]
    assert png.startswith(b"\x89PNG")
    assert "This week on the Hub: 61 releases" in photo.text and "DeepSeek-V3" in photo.text
    assert len(photo.text) <= 1024 and "… and " in photo.text and " more" in photo.text
    assert any(e["type"] == "text_link" for e in photo.entities)


def test_with_channel_digest_weekly_the_channel_gets_its_photo_once(start, bot_tracker, fake_hub: FakeHub,
                                                                   telegram: FakeTelegram) -> None:
    hub_catalog.qwen2_5_7b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    running.stop()
    assert channel_photos(telegram) == []

    bot_tracker.env["TRACKER_CHANNEL_DIGEST"] = "weekly"
    next_second()
    running = start()  # this week's digest time has passed: it is posted when the tracker starts
    telegram.wait_for(lambda: channel_photos(telegram), timeout=45)
    running.wait_polls(fake_hub)
    running.stop()
    running = start()
    running.wait_polls(fake_hub, cycles=2)
    running.stop()

    (photo,) = channel_photos(telegram)
    assert "1 release" in photo.text and "Qwen3-8B" in photo.text and "Qwen2.5-7B" not in photo.text
