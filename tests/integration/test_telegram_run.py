"""`tracker run` in-process (tests/integration/daemon_harness.py) against the fake Hub and the fake Telegram
Bot API: polls, cards, subscribers, retries and the bot's commands. A SIGKILL mid-send stays in tests/e2e."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.clock import ShiftedClock, VirtualClock
from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.daemon_harness import FAST_POLL, InProcessRun
from tests.telegram_world import CHANNEL, ago, bot_tracker, channel_texts, say, telegram, wait_bot
from tracker.store.outbox import BASE_RETRY

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True  # no test here measures Telegram's pacing (tests/test_ratelimit.py and bench/ do)



@pytest.fixture
def start(request: pytest.FixtureRequest, bot_tracker: Tracker, telegram: FakeTelegram) -> Iterator:
    """`start()` -> a `tracker run` in this process, stopped at the end. In a module that sets
    `VIRTUAL_FLOOD = True` (none of its tests measures Telegram's pacing), the tracker's flood limiter and the
    fake's count Telegram's limits on one VirtualClock, so their waits take no time and the fake still refuses
    a send that breaks them; elsewhere both run on the real clock."""
    runs: list[InProcessRun] = []
    clock = VirtualClock() if getattr(request.module, "VIRTUAL_FLOOD", False) else None
    if clock is not None:
        telegram.count_limits_on(clock.now)

    fast_poll = getattr(request.module, "FAST_POLL", FAST_POLL)  # a module may pace its polls otherwise

    def _start() -> InProcessRun:
        runs.append(InProcessRun(bot_tracker, clock, fast_poll))
        return runs[-1]

    yield _start
    for running in runs:
        running.stop()


def test_a_new_model_reaches_the_channel_as_one_card(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=2))

    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    running.wait_polls(fake_hub, cycles=2)
    err = running.stop()

    texts = channel_texts(telegram)
    assert len(texts) == 1, texts
    card = texts[0]
    assert "DeepSeek-V3" in card and "DeepSeek" in card
    assert "671B" in card  # the lab's headline, not the 684.5B stored
    assert "active" in card
    message = telegram.messages(CHANNEL)[0]
    assert message.parse_mode == "HTML"
    assert any(e.get("type") == "text_link" for e in message.entities)
    assert "Follow DeepSeek releases in a private chat" in card  # a one-tap follow link, with getMe's username
    assert "https://t.me/release_tracker_bot?start=sub_deepseek" in [e.get("url") for e in message.entities]
    assert {c["command"] for c in telegram.commands} >= {"start", "help", "recent", "subscribe", "settings"}
    assert running.proc.returncode == 0, err
    assert telegram.token not in err


def test_a_wave_of_one_family_becomes_one_edited_card(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    fake_hub.add_model("Qwen/Qwen3-0.6B", created_at=ago(minutes=1), safetensors={"BF16": 596_049_920})
    fake_hub.add_model("Qwen/Qwen3-1.7B", created_at=ago(minutes=1), safetensors={"BF16": 1_720_574_976})
    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    fake_hub.add_model("Qwen/Qwen3-4B", created_at=ago(seconds=30), safetensors={"BF16": 4_022_468_096})
    telegram.wait_for(lambda: "Qwen3-4B" in telegram.messages(CHANNEL)[0].text, timeout=45)
    running.wait_polls(fake_hub, cycles=2)
    running.stop()

    messages = telegram.messages(CHANNEL)
    assert len(messages) == 1
    card = messages[0].text
    assert all(name in card for name in ("Qwen3-0.6B", "Qwen3-1.7B", "Qwen3-4B"))
    assert "3" in card.splitlines()[0]
    assert telegram.requests("editMessageText")


def test_restart_neither_loses_nor_repeats_alerts(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    first = start()
    first.wait_polls(fake_hub)
    hub_catalog.gpt_oss_120b(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    first.stop()

    second = start()
    second.wait_polls(fake_hub, cycles=3)
    second.stop()

    assert len(telegram.messages(CHANNEL)) == 1


def test_a_telegram_outage_loses_nothing(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)  # connected first: an outage during its start is retried by connect_bot after 5 s (FIRST_RETRY)
    telegram.set_down(True, mode="502")
    hub_catalog.glm_4_5_air(fake_hub, created_at=ago(minutes=1))
    running.wait_polls(fake_hub, cycles=2)
    assert telegram.messages(CHANNEL) == []

    telegram.set_down(False)
    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    running.stop()

    assert len(telegram.messages(CHANNEL)) == 1
    assert "GLM-4.5-Air" in telegram.messages(CHANNEL)[0].text


def test_license_change_gets_its_own_short_card(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    fake_hub.set_license("Qwen/Qwen3-8B", "other", license_name="qwen-research <beta> & co")

    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    running.stop()

    card = telegram.messages(CHANNEL)[0].text
    assert "License change" in card and "Qwen3-8B" in card
    assert "qwen-research <beta> & co" in card  # escaped on the way in, shown verbatim


def test_subscribers_get_exactly_the_alerts_their_filters_match(start, fake_hub: FakeHub,
                                                                telegram: FakeTelegram) -> None:
    everything, big_only, deepseek_only, unsubscribed = 101, 102, 103, 104
    hub_catalog.qwen2_5_7b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)
    say(telegram, everything, "/subscribe")
    say(telegram, big_only, "/subscribe")
    say(telegram, big_only, "/settings min 100B")
    say(telegram, deepseek_only, "/subscribe deepseek")
    say(telegram, unsubscribed, "/start")
    before = {uid: len(telegram.messages(uid)) for uid in (everything, big_only, deepseek_only, unsubscribed)}

    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1))
    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
    hub_catalog.glm_4_5_air(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(everything, before[everything] + 3, timeout=45)
    running.wait_polls(fake_hub, cycles=2)
    running.stop()

    def alerts(uid: int) -> list[str]:
        return [m.text for m in telegram.messages(uid)[before[uid]:]]

    assert sorted(a.split("\n")[0] for a in alerts(everything)) == sorted(
        a.split("\n")[0] for a in channel_texts(telegram))
    assert len(alerts(everything)) == 3
    assert not any("Follow" in a for a in alerts(everything)), "people already follow: no follow link"
    assert [("DeepSeek-V3" in a, "GLM-4.5-Air" in a) for a in alerts(big_only)] in (
        [(True, False), (False, True)], [(False, True), (True, False)])
    assert len(alerts(deepseek_only)) == 1 and "DeepSeek-V3" in alerts(deepseek_only)[0]
    assert alerts(unsubscribed) == []


def test_a_user_who_blocked_the_bot_is_dropped(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    user = 201
    hub_catalog.qwen2_5_7b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)
    say(telegram, user, "/subscribe")
    telegram.block_user(user)

    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(CHANNEL, 2, timeout=45)
    running.wait_polls(fake_hub, cycles=2)
    running.stop()

    to_user = [r for r in telegram.requests("sendMessage") if str(r.params.get("chat_id")) == str(user)]
    refused = [r for r in to_user if r.status == 403]
    assert len(refused) == 1  # tried once, then unsubscribed: never retried, no later alerts
    assert to_user[-1].status == 403


def test_429_waits_retry_after_and_400_is_not_retried(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen2_5_7b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    telegram.fail_next("sendMessage", 429, retry_after=1, chat_id=CHANNEL)
    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(CHANNEL, 1, timeout=45)

    telegram.fail_next("sendMessage", 400, "Bad Request: can't parse entities: test", chat_id=CHANNEL)
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1))
    running.wait_polls(fake_hub, cycles=4)
    hub_catalog.gpt_oss_120b(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(CHANNEL, 2, timeout=45)
    running.wait_polls(fake_hub, cycles=2)
    running.stop()

    texts = channel_texts(telegram)
    assert len(texts) == 2 and "Qwen3-8B" in texts[0] and "gpt-oss-120b" in texts[1]
    to_channel = [r for r in telegram.requests("sendMessage") if r.params.get("chat_id") == CHANNEL]
    assert [r.status for r in to_channel] == [429, 200, 400, 200]


def test_forum_topics_per_lab_are_created_once_and_reused(bot_tracker: Tracker, fake_hub: FakeHub,
                                                          telegram: FakeTelegram) -> None:
    forum = telegram.add_forum(-100777, title="Releases")
    bot_tracker.env.update({"TELEGRAM_CHANNEL": str(forum.id), "TELEGRAM_TOPICS": "1"})
    hub_catalog.qwen2_5_7b(fake_hub)
    running = InProcessRun(bot_tracker)
    try:
        running.wait_polls(fake_hub)
        hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
        hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1))
        telegram.wait_for_messages(forum.id, 2, timeout=45)
        hub_catalog.gpt_oss_120b(fake_hub, created_at=ago(minutes=1))
        fake_hub.set_license("Qwen/Qwen3-8B", "mit")
        telegram.wait_for_messages(forum.id, 4, timeout=45)
    finally:
        running.stop()

    created = [r.params["name"] for r in telegram.requests("createForumTopic")]
    assert sorted(created) == ["DeepSeek", "OpenAI", "Qwen (Alibaba)"]
    threads = {m.text.split("\n")[0]: m.message_thread_id for m in telegram.messages(forum.id)}
    assert all(thread is not None for thread in threads.values())
    qwen_threads = {t for text, t in threads.items() if "Qwen" in text}
    assert len(qwen_threads) == 1  # the release and its license change share the lab's topic


def test_the_channel_can_speak_italian(bot_tracker: Tracker, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    bot_tracker.env["TELEGRAM_CHANNEL_LANG"] = "it"
    hub_catalog.qwen2_5_7b(fake_hub)
    running = InProcessRun(bot_tracker)
    try:
        running.wait_polls(fake_hub)
        hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=1))
        telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    finally:
        running.stop()
    card = channel_texts(telegram)[0]
    assert "ha rilasciato" in card and "attivi" in card and "Pubblico dal" in card


def test_poll_with_telegram_down_keeps_alerts_queued_and_no_secret_leaks(bot_tracker: Tracker, fake_hub: FakeHub,
                                                                         telegram: FakeTelegram) -> None:
    hub_catalog.qwen2_5_7b(fake_hub)
    bot_tracker.run("poll", check=True)
    telegram.set_down(True, mode="refuse")
    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))

    down = bot_tracker.run("-v", "poll")
    assert down.returncode == 0, down.stderr
    assert "Telegram unreachable" in down.stderr and "Traceback" not in down.stderr
    assert telegram.token not in down.stderr and telegram.token.split(":")[1] not in down.stderr

    telegram.set_down(False)
    up = bot_tracker.run("poll", check=True)
    assert telegram.token not in up.stderr
    assert len(telegram.messages(CHANNEL)) == 1 and "Qwen3-8B" in telegram.messages(CHANNEL)[0].text


def test_every_command_answers_under_tracker_run(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_30b_a3b(fake_hub)
    hub_catalog.deepseek_v3(fake_hub)
    running = start()  # 17 replies in one private chat: Telegram's 1 a second, on the virtual clock
    running.wait_polls(fake_hub, cycles=2)  # the second cycle's listings: the first cycle's writes are stored
    wait_bot(telegram)
    user, admin = 301, 999
    expectations = {
        "/start": "subscribe", "/help": "/recent", "/recent 2": "DeepSeek-V3", "/lab qwen": "Qwen",
        "/model Qwen3-30B": "30.5B", "/labs": "DeepSeek", "/subscribe": "", "/settings": "",
        "/stats": "", "/unsubscribe": "", "/lang it": "", "/nonsense": "/help", "hello there": "/help",
    }
    for command, fragment in expectations.items():
        reply = say(telegram, user, command)
        assert reply.strip(), command
        assert fragment in reply, (command, reply)
    for command in ("/status", "/pause", "/resume"):
        assert say(telegram, admin, command).strip()
    assert "Non conosco /status" in say(telegram, user, "/status")  # not an admin: unknown command (now in Italian)
    running.stop()
    assert telegram.count_429_rate_limited == 0  # the tracker kept to the limits the fake counts on the same clock


def test_a_misconfigured_channel_keeps_its_cards_until_fixed(bot_tracker: Tracker, fake_hub: FakeHub,
                                                             telegram: FakeTelegram) -> None:
    bot_tracker.env["TELEGRAM_CHANNEL"] = "@not_yet_created"
    hub_catalog.qwen2_5_7b(fake_hub)
    clock = ShiftedClock()  # the sender's: its first backoff (5 s) ends when the test says, not in 5 s
    running = InProcessRun(bot_tracker, clock=clock)
    try:
        running.wait_polls(fake_hub)
        hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
        telegram.wait_for(lambda: any(r.status == 400 for r in telegram.requests("sendMessage")), timeout=45)
        telegram.add_channel("@not_yet_created", chat_id=-100555)
        running.wait_polls(fake_hub, cycles=2)  # each poll wakes the lanes: the card still waits out its backoff
        assert telegram.messages("@not_yet_created") == []
        with sqlite3.connect(bot_tracker.db_path) as conn:
            attempts, due, error = conn.execute("SELECT attempts, next_attempt_at, last_error FROM deliveries "
                                                "WHERE target = 'channel' AND status = 'pending'").fetchone()
        wait = datetime.fromisoformat(due).replace(tzinfo=UTC) - clock.now()
        assert attempts == 1 and "chat not found" in error.lower() and timedelta(0) < wait <= BASE_RETRY, (due, error)
        clock.advance(BASE_RETRY.total_seconds())
        telegram.wait_for_messages("@not_yet_created", 1, timeout=45)  # the retry after the first backoff
    finally:
        err = running.stop()
    assert "check TELEGRAM_CHANNEL" in err
    assert "Qwen3-8B" in telegram.messages("@not_yet_created")[0].text


def test_topics_on_a_chat_that_is_not_a_forum_still_post(bot_tracker: Tracker, fake_hub: FakeHub,
                                                          telegram: FakeTelegram) -> None:
    bot_tracker.env["TELEGRAM_TOPICS"] = "1"  # but @releases is a channel, not a forum
    hub_catalog.qwen2_5_7b(fake_hub)
    running = InProcessRun(bot_tracker)
    try:
        running.wait_polls(fake_hub)
        hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
        telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    finally:
        err = running.stop()
    assert "posting without topics" in err
    assert telegram.messages(CHANNEL)[0].message_thread_id is None
