"""End to end: discovery of labs outside the watchlist (TRACKER_DISCOVERY=1) under `tracker run`, against the
fake Hub's trending list and the fake Bot API (the admin presses the proposal's buttons)."""

from __future__ import annotations

import json
import time

from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.daemon_harness import InProcessRun
from tests.integration.test_telegram_run import start
from tests.telegram_world import ago, bot_tracker, channel_texts, say, telegram

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True  # but the proposals-lane test, on the real clock

ADMIN_ID = 999  # TRACKER_ADMINS of the bot_tracker fixture


def trending_requests(hub: FakeHub) -> list:
    return [r for r in hub.requests if r.path == "/api/models" and r.query.get("sort") == ["trendingScore"]]


def wait_trending(hub: FakeHub, more: int = 1, timeout: float = 45) -> None:
    """Until the tracker has finished `more` further poll cycles (each ends with one trending request)."""
    target = len(trending_requests(hub)) + more
    deadline = time.time() + timeout
    while len(trending_requests(hub)) < target:
        assert time.time() < deadline, "no poll cycle in time"
        time.sleep(0.05)


def fill(hub: FakeHub) -> None:
    hub_catalog.qwen2_5_7b(hub)
    hub.add_model("Qwen/Qwen3-Trending", created_at=ago(days=2), likes=900, trending_score=900)  # watched already
    hub.add_model("openbmb/MiniCPM-Old", created_at=ago(days=300), likes=5000, trending_score=10)
    hub.add_model("openbmb/MiniCPM-V-5", created_at=ago(days=3), likes=120, trending_score=500,
                  safetensors={"BF16": 8 * 10**9}, license="apache-2.0")
    hub.add_model("tinylab/Tiny-1", created_at=ago(days=1), likes=10, trending_score=400)  # too few likes
    hub.add_model("oldlab/Classic", created_at=ago(days=30), likes=3000, trending_score=300)  # too old


def test_a_trending_unwatched_org_is_proposed_once_and_watch_alerts_its_trending_model(
        start, bot_tracker, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    fill(fake_hub)
    telegram.add_private(ADMIN_ID)
    bot_tracker.env.update({"TRACKER_DISCOVERY": "1"})
    running = start()
    wait_trending(fake_hub)
    proposal = telegram.wait_for_messages(ADMIN_ID, 1, timeout=45)[0]
    subscriber = 401
    say(telegram, subscriber, "/subscribe")
    wait_trending(fake_hub, 2)

    (query,) = trending_requests(fake_hub)[:1]
    assert query.query["limit"] == ["100"]
    assert len(telegram.messages(ADMIN_ID)) == 1  # one organisation, proposed once
    assert "openbmb" in proposal.text and "MiniCPM-V-5" in proposal.text and "120 likes" in proposal.text
    assert [b["callback_data"] for b in proposal.buttons] == ["d:w:openbmb", "d:i:openbmb"]
    assert proposal.buttons[0]["text"] == "Watch openbmb"
    assert not any(w in proposal.text for w in ("tinylab", "oldlab", "Qwen"))
    assert not any("openbmb" in t for t in channel_texts(telegram))

    telegram.user_clicks(ADMIN_ID, proposal, "d:w:openbmb")
    telegram.wait_for(lambda: any(a["text"] == "Watching openbmb" for a in telegram.callback_answers), timeout=10)
    assert "Watching openbmb" in telegram.messages(ADMIN_ID)[0].text  # the proposal, edited
    alert = telegram.wait_for(lambda: [m for m in telegram.messages(subscriber) if "MiniCPM" in m.text], timeout=45)
    wait_trending(fake_hub, 2)
    running.stop()

    assert len(alert) == 1 and "MiniCPM-V-5" in alert[0].text  # the trending model; the old one is backfill
    assert not any("openbmb" in t or "MiniCPM" in t for t in channel_texts(telegram))  # channel hears nothing
    labs = bot_tracker.run("labs", check=True).stdout
    assert "openbmb (added at runtime)" in labs
    assert any(lab["added_at_runtime"] and lab["orgs"] == ["openbmb"]
               for lab in json.loads(bot_tracker.run("labs", "--format", "json", check=True).stdout))

    running = start()  # the watchlist survives a restart, and nothing is proposed again
    wait_trending(fake_hub, 2)
    assert any(r.query.get("author") == ["openbmb"] for r in fake_hub.requests[-20:])
    assert len(telegram.messages(ADMIN_ID)) == 1
    assert "not added at runtime" in say(telegram, ADMIN_ID, "/unwatch tinylab")
    assert "/unwatch removes only" in say(telegram, ADMIN_ID, "/unwatch Qwen")
    assert "No longer watching" in say(telegram, ADMIN_ID, "/unwatch openbmb")
    assert "don't know" in say(telegram, subscriber, "/unwatch openbmb")  # admins only
    running.stop()
    assert "openbmb" not in bot_tracker.run("labs", check=True).stdout
    assert len([m for m in telegram.messages(subscriber) if "MiniCPM" in m.text]) == 1


def test_ignore_is_final_and_the_channel_hears_discovery_only_when_asked(
        start, bot_tracker, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    fill(fake_hub)
    fake_hub.add_model("rednote-hilab/dots.llm1", created_at=ago(days=5), likes=300, trending_score=450)
    telegram.add_private(ADMIN_ID)
    bot_tracker.env.update({"TRACKER_DISCOVERY": "1", "TRACKER_DISCOVERY_CHANNEL": "1",
                            "TRACKER_DISCOVERY_MIN_LIKES": "200"})
    running = start()
    wait_trending(fake_hub)
    (proposal,) = telegram.wait_for_messages(ADMIN_ID, 1, timeout=45)  # openbmb has 120 < 200 likes
    assert "rednote-hilab" in proposal.text
    telegram.user_clicks(ADMIN_ID, proposal, "d:i:rednote-hilab")
    telegram.wait_for(lambda: any(a["text"] == "Ignored rednote-hilab" for a in telegram.callback_answers),
                      timeout=10)
    wait_trending(fake_hub, 2)
    assert len(telegram.messages(ADMIN_ID)) == 1
    assert not any(r.query.get("author") == ["rednote-hilab"] for r in fake_hub.requests)

    fake_hub.add_model("Kwai/Kwai-Trend", created_at=ago(days=1), likes=400, trending_score=600)
    second = telegram.wait_for_messages(ADMIN_ID, 2, timeout=45)[1]
    telegram.user_clicks(ADMIN_ID, second, "d:w:Kwai")
    telegram.wait_for(lambda: any("Kwai-Trend" in t for t in channel_texts(telegram)), timeout=45)
    running.stop()


def test_one_shot_polls_propose_too_and_only_once(bot_tracker, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    fill(fake_hub)
    telegram.add_private(ADMIN_ID)
    bot_tracker.env.update({"TRACKER_DISCOVERY": "1"})
    bot_tracker.run("poll", check=True)
    bot_tracker.run("poll", check=True)
    assert len(trending_requests(fake_hub)) == 2
    (proposal,) = telegram.messages(ADMIN_ID)
    assert "openbmb" in proposal.text
    bot_tracker.env["TRACKER_DISCOVERY"] = "0"
    bot_tracker.run("poll", check=True)
    assert len(trending_requests(fake_hub)) == 2  # no discovery, no extra request


def test_a_channel_alert_does_not_wait_for_the_proposals(bot_tracker, fake_hub: FakeHub,
                                                         telegram: FakeTelegram) -> None:
    """Issue 20: discovery's proposals (one a second to an admin's chat) held every alert (87 s for 100).
    Telegram's pacing is what this measures: the flood limiter runs on the real clock here."""
    hub_catalog.qwen2_5_7b(fake_hub)
    for i in range(12):  # twelve new labs to propose: twelve seconds of one admin's chat
        fake_hub.add_model(f"newlab-{i:02d}/Model-{i}", created_at=ago(days=1), likes=500, trending_score=900 - i)
    telegram.add_private(ADMIN_ID)
    bot_tracker.env.update({"TRACKER_DISCOVERY": "1"})
    running = InProcessRun(bot_tracker)
    try:
        telegram.wait_for_messages(ADMIN_ID, 2, timeout=45)  # the proposals are going out
        hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
        released = time.monotonic()
        telegram.wait_for(lambda: any("Qwen3-8B" in text for text in channel_texts(telegram)), timeout=45)
        waited = time.monotonic() - released
        proposals = len(telegram.messages(ADMIN_ID))
    finally:
        running.stop()
    assert proposals < 12, "the alert waited for every proposal"
    assert waited < 5, f"the channel alert waited {waited:.1f} s"
