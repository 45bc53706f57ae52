"""Building the python-telegram-bot Application: the Bot API server, timeouts, and our handlers.

Bot API reference: https://core.telegram.org/bots/api
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from telegram.ext import Application, ApplicationBuilder

from tracker.config import Settings
from tracker.store import Store
from tracker.watchlist import Watchlist

log = logging.getLogger(__name__)


@dataclass
class BotContext:
    """What the bot's handlers may use: settings, the store (read-mostly) and the watchlist."""

    settings: Settings
    store: Store
    watchlist: Watchlist

    @property
    def engine(self) -> Engine:
        return self.store.engine


def build_application(settings: Settings) -> Application:
    """An Application that talks to TELEGRAM_API_URL (`{url}/bot{token}/{method}`); no JobQueue, since
    APScheduler in tracker.runtime is the one scheduler."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .job_queue(None)
        .connect_timeout(10)
        .read_timeout(15)
        .write_timeout(15)
        .pool_timeout(10)
        .connection_pool_size(16)
        .get_updates_read_timeout(40)
        .build()
    )


def attach_bot(application: Application, ctx: BotContext) -> None:
    """Register the bot's handlers (commands, buttons, free text, errors) on the Application."""
    from tracker.bot import register

    application.bot_data["ctx"] = ctx
    register(application, ctx)
