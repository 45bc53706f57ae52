"""Inline answers are never stale for long: under `tracker run`, a release whose facts change (a license change
a poll records, a `tracker refacts`) shows its new card inline within a few of the index's 2 s refreshes, not
at the whole rebuild five minutes later (tracker.history.search, tracker.bot.inline_index)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_telegram_run import start
from tests.telegram_world import CHANNEL, bot_tracker, telegram, wait_bot

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True
FRESH_WITHIN = 8.0  # seconds: a few refreshes (REFRESH_EVERY is 2 s); the rebuild comes after 300
OSS = "openai/gpt-oss-120b"


def ask(telegram: FakeTelegram, query: str) -> list[dict[str, Any]]:
    """The results the bot gives `@bot query`."""
    query_id = telegram.user_inline(7, query)
    return telegram.wait_for(lambda: telegram.inline_answer(query_id), timeout=15)["results"]


def until(telegram: FakeTelegram, query: str, ok: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    """Ask again every half second until the answer is `ok` (the last answer, when it never was)."""
    deadline = time.monotonic() + FRESH_WITHIN
    while not ok(results := ask(telegram, query)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return results


def test_a_license_change_shows_inline_within_seconds(start, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    telegram.inline_mode = True
    hub_catalog.qwen3_8b(fake_hub)
    running = start()
    running.wait_polls(fake_hub)
    wait_bot(telegram)
    (before,) = until(telegram, "qwen3-8b", lambda found: len(found) == 1)
    assert "apache-2.0" in before["description"] and "apache-2.0" in before["parsed_text"]

    fake_hub.set_license("Qwen/Qwen3-8B", "mit")
    telegram.wait_for(lambda: any("License change" in m.text for m in telegram.messages(CHANNEL)), timeout=45)
    recorded = time.monotonic()
    (after,) = until(telegram, "qwen3-8b", lambda found: "apache-2.0" not in found[0]["description"])
    took = time.monotonic() - recorded
    by_new_license = until(telegram, "mit qwen3", bool)
    running.stop()

    assert "mit" in after["description"].split(" · ") and "MIT" in after["parsed_text"], after
    assert "apache" not in after["parsed_text"].lower() and took < FRESH_WITHIN
    assert [r["title"] for r in by_new_license] == ["Qwen/Qwen3-8B"]  # the index has the new license too


def test_refacted_facts_show_inline_within_seconds(start, bot_tracker: Tracker, fake_hub: FakeHub,
                                                  telegram: FakeTelegram) -> None:
    telegram.inline_mode = True
    hub_catalog.gpt_oss_120b(fake_hub, created_at=datetime.now(UTC) - timedelta(hours=2))
    bot_tracker.run("poll", check=True)
    with sqlite3.connect(bot_tracker.db_path) as db:  # what an older tracker stored
        db.execute("UPDATE models SET params_active = 4000000000, params_active_lab = NULL, family = 'gpt-legacy' "
                   "WHERE repo_id = ?", (OSS,))
    running = start()
    wait_bot(telegram)
    (before,) = until(telegram, "gpt-legacy", lambda found: len(found) == 1)
    assert before["title"] == OSS and "(4B active)" in before["description"]

    result = bot_tracker.run("refacts", check=True)
    assert "changed 1 of 1 stored models" in result.stderr
    recorded = time.monotonic()
    renamed = until(telegram, "gpt-legacy", lambda found: found == [])
    (after,) = until(telegram, "gpt-oss-120b", lambda found: "(4B active)" not in found[0]["description"])
    took = time.monotonic() - recorded
    running.stop()

    assert renamed == [], "the old family name still finds it"
    assert "active)" in after["description"] and "(4B active)" not in after["description"]
    assert "4B active" not in after["parsed_text"] and took < FRESH_WITHIN
