"""The bot under load, through the fake Bot API: inline queries answered concurrently within a bound, a
person's newer query superseding the older, commands answered during a flood and in order per person,
and the in-memory index taking in releases stored after the bot started."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.integration.bot_harness import BotHarness
from tracker.config import load_settings
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.telegram.updates import INLINE_LANE, UpdateLanes
from tracker.watchlist import load_watchlist

TOKEN = "4242:CONCURRENT"


@dataclass
class Bot:
    harness: BotHarness
    fake: FakeTelegram
    store: Store
    db: Path


def insert(db: Path, repo_id: str, lab: str, org: str, released: str, params: float) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO models (repo_id, lab, org, status, backfill, released_at, params_total, is_moe,"
                     " license_id, family, gated) VALUES (?, ?, ?, 'public', 0, ?, ?, 0, 'mit', ?, 'no')",
                     (repo_id, lab, org, released, int(params), repo_id.split("/")[1]))


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    db = tmp_path / "t.db"
    store = Store.open(f"sqlite:///{db}")
    for i in range(12):
        insert(db, f"deepseek-ai/DeepSeek-Toy-{i}", "DeepSeek", "deepseek-ai", f"2025-01-{i + 1:02d}T00:00:00Z",
               (i + 1) * 1e9)
    with FakeTelegram(token=TOKEN, rate_limits=None) as fake:
        fake.inline_mode = True
        settings = load_settings(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url,
                                 TRACKER_DATABASE_URL=f"sqlite:///{db}", HF_ENDPOINT="https://huggingface.co")
        with BotHarness(fake, settings, store, load_watchlist(None)) as harness:
            yield Bot(harness, fake, store, db)


def answered(fake: FakeTelegram, query_ids: list[str], timeout: float = 15) -> list[dict]:
    """The answers to all these queries, once they all came."""
    def all_in() -> list[dict] | None:
        found = [fake.inline_answer(q) for q in query_ids]
        return [a for a in found if a is not None] if all(found) else None

    return fake.wait_for(all_in, timeout)


def test_inline_queries_are_answered_concurrently_within_a_bound(bot: Bot) -> None:
    bot.fake.latency["answerinlinequery"] = 1.0  # each answer takes Telegram a second
    people = 2 * INLINE_LANE
    started = time.monotonic()
    queries = [bot.fake.user_inline(100 + i, "deepseek") for i in range(people)]
    answers = answered(bot.fake, queries)
    took = time.monotonic() - started
    assert all(len(a["results"]) == 12 for a in answers)
    assert took < people / 2  # one at a time they would take `people` seconds
    at = sorted(a["at"] for a in answers)
    assert at[INLINE_LANE] - at[0] >= 0.9  # the lane holds INLINE_LANE at once: the next wave waits for a slot


def test_a_persons_newer_inline_query_supersedes_the_older(bot: Bot) -> None:
    bot.fake.latency["answerinlinequery"] = 1.0
    busy = [bot.fake.user_inline(100 + i, "deepseek") for i in range(INLINE_LANE)]  # every slot taken for 1 s
    typed = [bot.fake.user_inline(7, text) for text in ("d", "de", "dee", "deep", "deepseek toy-1")]
    answered(bot.fake, busy + typed[-1:])
    time.sleep(1.5)  # long enough for any older query still queued to be answered
    assert [bot.fake.inline_answer(q) is not None for q in typed] == [False, False, False, False, True]
    newest = bot.fake.inline_answer(typed[-1])
    assert newest is not None and [r["title"] for r in newest["results"]] == [
        "deepseek-ai/DeepSeek-Toy-11", "deepseek-ai/DeepSeek-Toy-10", "deepseek-ai/DeepSeek-Toy-1"]
    too_old = [r for r in bot.fake.requests("answerInlineQuery") if r.status != 200]
    assert too_old == []


def test_an_answer_on_its_way_is_not_cut_off_by_the_persons_next_query(bot: Bot) -> None:
    bot.fake.latency["answerinlinequery"] = 1.0  # Telegram has the answer, and says so a second later
    first = bot.fake.user_inline(7, "deepseek")
    bot.fake.wait_for(lambda: bot.fake.inline_answer(first), timeout=15)
    second = bot.fake.user_inline(7, "deepseek toy-1")
    answered(bot.fake, [second])
    time.sleep(1.2)  # the first answer's response has come back
    lanes = bot.harness.app.update_processor
    assert isinstance(lanes, UpdateLanes) and lanes.stats.superseded == 0  # it was not cancelled mid-request
    assert [r.status for r in bot.fake.requests("answerInlineQuery")] == [200, 200]


def test_a_command_during_a_flood_is_answered_at_once_and_a_persons_commands_in_order(bot: Bot) -> None:
    bot.fake.latency["answerinlinequery"] = 0.5
    flood = [bot.fake.user_inline(1000 + i, "deepseek") for i in range(4 * INLINE_LANE)]  # 2 s of answers
    time.sleep(0.3)
    started = time.monotonic()
    (reply,) = bot.harness.send(55, "/help", timeout=10)
    assert time.monotonic() - started < 3 and "/recent" in reply.text
    assert sum(bot.fake.inline_answer(q) is not None for q in flood) < len(flood) // 2  # still flooding
    for size in ("1B", "2B", "3B", "4B", "5B"):  # one getUpdates batch: handled one after the other
        bot.fake.user_sends(56, f"/settings min {size}")
    replies = bot.fake.wait_for(lambda: m if len(m := bot.fake.messages(56)) >= 5 else None, timeout=10)
    assert [next(s for s in ("1B", "2B", "3B", "4B", "5B") if s in r.text) for r in replies] == [
        "1B", "2B", "3B", "4B", "5B"]
    sub = subscriptions.get(bot.store, 56)
    assert sub is not None and sub.min_params == 5 * 10**9
    answered(bot.fake, flood, timeout=20)


def test_a_release_stored_after_the_bot_started_is_found_inline(bot: Bot) -> None:
    first = bot.fake.user_inline(9, "kimi")
    assert answered(bot.fake, [first])[0]["results"] == []
    insert(bot.db, "moonshotai/Kimi-K2", "Moonshot AI", "moonshotai", "2025-07-11T00:00:00Z", 1e12)
    deadline, found = time.monotonic() + 6, []
    while not found and time.monotonic() < deadline:
        time.sleep(0.1)
        query = bot.fake.user_inline(9, "kimi")
        found = answered(bot.fake, [query])[0]["results"]
    assert [r["title"] for r in found] == ["moonshotai/Kimi-K2"]


def test_a_release_only_on_modelscope_links_there_inline(bot: Bot) -> None:
    insert(bot.db, "stepfun-ai/Step-4", "StepFun", "stepfun-ai", "2025-07-12T00:00:00Z", 3e11)
    ms = "https://modelscope.cn/models/stepfun-ai/Step-4"
    with sqlite3.connect(bot.db) as conn:
        conn.execute("UPDATE models SET sources = ? WHERE repo_id = 'stepfun-ai/Step-4'",
                     (f'[{{"hub": "modelscope", "repo_id": "stepfun-ai/Step-4", "url": "{ms}",'
                      ' "first_seen_at": "2025-07-12T00:00:00Z"}]',))
    deadline, found = time.monotonic() + 6, []
    while not found and time.monotonic() < deadline:
        time.sleep(0.1)
        found = answered(bot.fake, [bot.fake.user_inline(9, "step-4")])[0]["results"]
    (result,) = found
    (button,) = result["reply_markup"]["inline_keyboard"][0]
    assert result["url"] == button["url"] == ms and button["text"] == "Open on ModelScope"
    assert ms in result["input_message_content"]["message_text"]
    deepseek = answered(bot.fake, [bot.fake.user_inline(9, "DeepSeek-Toy-3")])[0]["results"][0]
    assert deepseek["url"] == "https://huggingface.co/deepseek-ai/DeepSeek-Toy-3"
