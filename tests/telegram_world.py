"""The Telegram side of tests that run the tracker: the fake Bot API, the settings that point the tracker
at it, and a user talking to the bot. Shared by the in-process (tests/integration) and end-to-end tiers."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import TEST_WATCHLIST, Tracker
from tests.fakes.telegram_api import FakeTelegram
from tracker.watchlist import parse_watchlist

CHANNEL = "@releases"
ORGS = len(parse_watchlist(TEST_WATCHLIST, "test").orgs)


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token="4242:TEST-token") as fake:
        yield fake


@pytest.fixture
def bot_tracker(tracker: Tracker, telegram: FakeTelegram) -> Tracker:
    tracker.env.update({
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.url,
        "TELEGRAM_CHANNEL": CHANNEL,
        "TRACKER_POLL_INTERVAL": "1",
        "TRACKER_ADMINS": "999",
        "TRACKER_HUB_WEB_URL": "https://huggingface.co",
    })
    return tracker


def channel_texts(telegram: FakeTelegram) -> list[str]:
    return [m.text for m in telegram.messages(CHANNEL)]


def say(telegram: FakeTelegram, user_id: int, text: str, timeout: float = 10) -> str:
    """A user sends a message in their private chat; returns the bot's reply."""
    try:
        telegram.chat(user_id)
    except Exception:  # noqa: BLE001  (first contact: the user opens the chat with the bot)
        telegram.add_private(user_id)
    before = len(telegram.messages(user_id))
    telegram.user_sends(user_id, text)
    replies = telegram.wait_for_messages(user_id, before + 1, timeout=timeout)
    return replies[-1].text


def wait_bot(telegram: FakeTelegram) -> None:
    """Until the bot is connected (PTB deletes any webhook right before it starts polling)."""
    telegram.wait_for(lambda: telegram.requests("deleteWebhook"), timeout=45)


def missed_digest_time(db: str, user_id: int) -> None:
    """The tracker was down when the user's digest time passed: their last digest belongs to the period
    before (what the store holds after a day of downtime; the clock cannot be moved for a `tracker run`)."""
    with sqlite3.connect(db) as conn:
        (period,) = conn.execute("SELECT digest_period FROM subscribers WHERE user_id = ?", (user_id,)).fetchone()
        mode, day = period.split(":")
        earlier = date.fromisoformat(day) - timedelta(days=7 if mode == "weekly" else 1)
        conn.execute("UPDATE subscribers SET digest_period = ? WHERE user_id = ?", (f"{mode}:{earlier}", user_id))


def alerted_a_second_earlier(db: str | Path) -> None:
    """Move every alert's time one second back, so that a digest run now takes in the alerts just stored
    (windows are half-open in whole seconds: see `next_second`), without waiting for the clock's next second."""
    with sqlite3.connect(db) as conn:
        for alert_id, created in conn.execute("SELECT id, created_at FROM alerts").fetchall():
            earlier = datetime.fromisoformat(created.replace("Z", "+00:00")) - timedelta(seconds=1)
            conn.execute("UPDATE alerts SET created_at = ? WHERE id = ?",
                         (earlier.strftime("%Y-%m-%dT%H:%M:%SZ"), alert_id))


def next_second() -> None:
    """Wait for the clock's next whole second before a restart that queues digests. Digest windows are
    half-open in whole seconds ([since, until), tracker.deliver.digests.releases), so an alert of the very
    second the restarted tracker queues a digest belongs to the next digest. A `tracker run` process took
    longer than a second to start; one in this process may not."""
    time.sleep(1 - time.time() % 1 + 0.01)
