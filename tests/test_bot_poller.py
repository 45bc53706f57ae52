"""The bot's update poller while Telegram is unreachable (issue 20): one line when it starts failing and one
when it works again, instead of PTB's ERROR with a traceback for every failed getUpdates. The real
python-telegram-bot Updater against the fake Bot API over HTTP, its port closed and opened again."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import pytest

from tests.fakes.telegram_api import FakeTelegram
from tracker.config import load_settings
from tracker.run.bot_link import PollerOutage
from tracker.telegram.app import build_application


@pytest.mark.parametrize("mode", ["refuse", "502"])
def test_an_unreachable_telegram_is_one_line_from_the_poller_and_one_when_it_is_back(
        caplog: pytest.LogCaptureFixture, mode: str) -> None:
    with FakeTelegram(token="1:POLL") as telegram, caplog.at_level(logging.DEBUG):
        settings = load_settings(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url)

        async def run() -> None:
            application = build_application(settings)
            poller = PollerOutage(application.bot, warn_after=timedelta(0), check_every=0.5)
            async with application:  # getMe and the polling's start while Telegram answers, then its port closes
                assert application.updater is not None
                await application.updater.start_polling(poll_interval=0, timeout=1, error_callback=poller.failed)
                telegram.set_down(True, mode=mode)
                deadline = time.monotonic() + 20
                while not poller.outage.down or poller.outage.current.failed < 2:  # type: ignore[union-attr]
                    assert time.monotonic() < deadline, "getUpdates never failed twice"
                    await asyncio.sleep(0.1)
                telegram.set_down(False)
                while poller.outage.down:
                    assert time.monotonic() < deadline + 10, "the poller never reached Telegram again"
                    await asyncio.sleep(0.1)
                await application.updater.stop()

        asyncio.run(run())
    # telegram.request logs each unparsable answer; the CLI's logging keeps that logger quiet (cli/main.py).
    shown = [r for r in caplog.records if r.levelno >= logging.WARNING and not r.name.startswith("telegram.request")]
    lines = [r.getMessage() for r in shown]
    assert len(lines) == 2, lines
    assert "the bot cannot fetch its updates from Telegram" in lines[0]
    assert "<html>" not in lines[0]  # a proxy's 502 page is "502 Bad Gateway", not its HTML
    assert mode != "502" or "(502 Bad Gateway)" in lines[0], lines[0]
    assert "fetches its updates from Telegram again" in lines[1]
    assert not any(r.exc_info for r in shown) and not any("Exception happened while polling" in m for m in lines)
