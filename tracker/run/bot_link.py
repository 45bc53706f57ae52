"""Connecting `tracker run` to Telegram: the bot's Application started with retries, and stopped within bounds.

Bot API reference: https://core.telegram.org/bots/api
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import Application

from tracker.bot import attach_bot, publish_commands
from tracker.bot.context import BotContext
from tracker.config import Settings
from tracker.outage import OutageLog, duration
from tracker.poll.discovery import effective_watchlist
from tracker.render.follow import BOT_USERNAME_FLAG
from tracker.store import subscribers
from tracker.store.releases import Store
from tracker.store.tables import utcnow
from tracker.telegram.app import TOKEN_REJECTED, build_application
from tracker.telegram.ratelimit import SlidingWindowLimiter
from tracker.telegram.report import short_error
from tracker.watchlist import Watchlist

log = logging.getLogger(__name__)
BOT_STOP_GRACE = 1.0  # PTB confirms the last updates with one more getUpdates: bounded when Telegram hangs
FIRST_RETRY = 5.0
LAST_RETRY = 120.0
POLLER_WARN_AFTER = timedelta(seconds=10)  # a blip shorter than this stays at debug level


class _StartFailureSaidByUs(logging.Filter):
    """Drops PTB's ERROR and traceback for a failed start of polling ("Network Retry Loop (Bootstrap delete
    Webhook) ... Aborting"): the error is raised to connect_bot, which says it in one line and retries."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and record.getMessage().startswith("Network Retry Loop (Bootstrap"))


_START_FAILURE_FILTER = _StartFailureSaidByUs()


class PollerOutage:
    """The bot's update poller, said once when it cannot reach Telegram and once when it can again (PTB logged
    each failed getUpdates with a traceback: 12 of them, 400-800 lines, in a 3-minute outage). getUpdates
    bypasses the rate limiter, so while failing, a getMe every few seconds tells when Telegram is back."""

    def __init__(self, bot: Bot, warn_after: timedelta = POLLER_WARN_AFTER, check_every: float = 3.0) -> None:
        self.bot = bot
        self.check_every = check_every
        self.outage = OutageLog(
            log, warn_after,
            lambda o: f"the bot cannot fetch its updates from Telegram ({o.error}); it keeps trying, and alerts "
                      "stay queued in the store meanwhile",
            lambda o, span, _n: f"the bot fetches its updates from Telegram again, after {duration(span)}")
        self._watch: asyncio.Task | None = None

    def failed(self, exc: TelegramError) -> None:
        """PTB's error_callback for getUpdates (called on the event loop)."""
        self.outage.failure(short_error(exc.message) if exc.message else type(exc).__name__, utcnow())
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(self._until_back())

    async def _until_back(self) -> None:
        while self.outage.down:
            await asyncio.sleep(self.check_every)
            with contextlib.suppress(TelegramError):
                await self.bot.get_me()
                self.outage.success(utcnow())

    def close(self) -> None:
        """Stop asking whether Telegram is back (the bot is stopping)."""
        if self._watch is not None:
            self._watch.cancel()


async def connect_bot(settings: Settings, store: Store, watchlist: Watchlist, on_429: Callable[[], None],
                      stop: asyncio.Event, limiter: SlidingWindowLimiter | None = None) -> Application | None:
    """The bot's Application, started and polling for updates; retried with backoff while Telegram is
    unreachable. None when Telegram rejects the token (said once) or `stop` is set first. `limiter`: see
    build_application."""
    delay = FIRST_RETRY
    logging.getLogger("telegram.ext").addFilter(_START_FAILURE_FILTER)  # once: a logger keeps a filter once
    while not stop.is_set():
        application = build_application(settings, on_429=on_429, limiter=limiter)
        poller = PollerOutage(application.bot)
        application.bot_data["poller_outage"] = poller  # its "is Telegram back?" task ends with the bot
        effective = await asyncio.to_thread(effective_watchlist, watchlist, store)
        attach_bot(application, BotContext(settings, store, effective))
        try:
            await application.initialize()
            await publish_commands(application.bot, settings.admins)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=["message", "callback_query", "inline_query"],
                                                    poll_interval=0.0, timeout=30, error_callback=poller.failed)
        except InvalidToken:
            log.warning(TOKEN_REJECTED)
            return None
        except NetworkError as exc:
            log.warning("Telegram unreachable (%s); retrying in %.0fs", exc.message, delay)
            await _shutdown(application)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, LAST_RETRY)
            continue
        log.info("Telegram bot @%s connected", application.bot.username)
        await asyncio.to_thread(subscribers.set_flag, store, BOT_USERNAME_FLAG, application.bot.username)
        if not application.bot.supports_inline_queries:
            log.info("inline mode is off: enable it with /setinline in @BotFather")
        return application
    return None


async def disconnect_bot(application: Application) -> None:
    """Stop polling and shut the Application down, giving Telegram at most BOT_STOP_GRACE to answer."""
    if isinstance(poller := application.bot_data.get("poller_outage"), PollerOutage):
        poller.close()
    try:
        await asyncio.wait_for(_shutdown(application), timeout=BOT_STOP_GRACE)
    except TimeoutError:
        log.info("Telegram did not answer while the bot stopped; stopped without it")


async def _shutdown(application: Application) -> None:
    try:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
    except Exception:  # noqa: BLE001  (shutting down after a failure must not raise again)
        log.debug("error while shutting the bot down", exc_info=True)
