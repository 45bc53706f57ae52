"""Discovery proposals and admins Telegram refuses for good (issue 20): said once, skipped, tried again rarely
or as soon as the admin sends /start. The real Bot against the fake Bot API over HTTP, on a temporary SQLite."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import TEST_WATCHLIST
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.bot_harness import BotHarness
from tracker.bot.discover import ADMIN_RETRY, send_proposals
from tracker.config import load_settings
from tracker.hub.shapes import TrendingModel
from tracker.store import discovered
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.telegram.app import build_application
from tracker.watchlist import parse_watchlist

KNOWN, UNKNOWN = 42, 999  # UNKNOWN never started the bot: Telegram answers "chat not found"


def propose(telegram: FakeTelegram, store: Store) -> int:
    settings = load_settings(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url)

    async def run() -> int:
        async with build_application(settings) as application:
            return await send_proposals(application.bot, store, [KNOWN, UNKNOWN], "https://huggingface.co")

    return asyncio.run(run())


def find(store: Store, *orgs: str) -> None:
    now = datetime.now(UTC)
    discovered.record(store, [TrendingModel(f"{org}/Model-7B", now - timedelta(days=1), 500, 10) for org in orgs], now)


def sends_to(telegram: FakeTelegram, chat: int) -> int:
    return sum(1 for r in telegram.requests("sendMessage") if str(r.params.get("chat_id")) == str(chat))


def test_an_admin_telegram_refuses_is_said_once_then_skipped_until_start(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    # Without the fake's flood limits: each round of proposals is a new Application, whose limiter knows
    # nothing of the last round's sends to the same admin, so the fourth in 3 s waited out a 429 (3 s).
    with (FakeTelegram(token="1:ADMINS", rate_limits=None) as telegram,
          caplog.at_level(logging.WARNING, "tracker.bot.discover")):
        telegram.add_private(KNOWN)
        find(store, "openbmb", "rednote-hilab")
        assert propose(telegram, store) == 2  # the known admin got both
        assert sends_to(telegram, KNOWN) == 2 and sends_to(telegram, UNKNOWN) == 1  # one try, then skipped
        find(store, "stepfun-ai")
        assert propose(telegram, store) == 1
        assert sends_to(telegram, UNKNOWN) == 1  # not tried again for ADMIN_RETRY
        said = [r.getMessage() for r in caplog.records if str(UNKNOWN) in r.getMessage()]
        assert len(said) == 1 and "send /start" in said[0]

        marked = subscriptions.get_flag(store, subscriptions.unreachable_flag(UNKNOWN))
        assert marked is not None and datetime.fromisoformat(marked) > datetime.now(UTC) - ADMIN_RETRY
        telegram.add_private(UNKNOWN)
        settings = load_settings(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url,
                                 TRACKER_ADMINS=f"{KNOWN},{UNKNOWN}")
        with BotHarness(telegram, settings, store, parse_watchlist(TEST_WATCHLIST, "test")) as bot:
            bot.send(UNKNOWN, "/start")  # the admin starts the bot: proposals resume at once
        assert subscriptions.get_flag(store, subscriptions.unreachable_flag(UNKNOWN)) is None
        find(store, "XiaomiMiMo")
        assert propose(telegram, store) == 1
        assert any("XiaomiMiMo" in m.text for m in telegram.messages(UNKNOWN))
