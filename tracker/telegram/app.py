"""Building the python-telegram-bot Application: the Bot API server, timeouts, the flood limiter and the
lanes its updates run in (tracker.telegram.updates).

Bot API reference: https://core.telegram.org/bots/api
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ApplicationBuilder, BaseRateLimiter
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from tracker.config import Settings
from tracker.telegram.ratelimit import SlidingWindowLimiter
from tracker.telegram.updates import UpdateLanes

log = logging.getLogger(__name__)


# Methods that put a message into a chat count against Telegram's flood limits; others (getUpdates,
# answerCallbackQuery, setMyCommands ...) are not throttled.
_COUNTED_PREFIXES = ("send", "editmessage", "copymessage", "forwardmessage", "createforumtopic")
_RETRY_AT_ONCE = 5.0
_AS_JSON = ("/answerInlineQuery",)
_UNSET = type(BaseRequest.DEFAULT_NONE)  # PTB's DefaultValue: "use the client's own timeout"


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds Telegram asked us to wait (PTB gives an int or a timedelta)."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class FloodLimiter(BaseRateLimiter[None]):
    """PTB's hook into every Bot API request: the bot's replies and the channel/subscriber delivery
    share one sliding-window limiter, so together they stay within Telegram's limits."""

    def __init__(self, limiter: SlidingWindowLimiter | None = None, on_429: Callable[[], None] | None = None) -> None:
        self.limiter = limiter or SlidingWindowLimiter()
        self.on_429 = on_429  # the metrics hook (tracker_telegram_429_total)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if not endpoint.lower().startswith(_COUNTED_PREFIXES) or "chat_id" not in data:
            return await callback(*args, **kwargs)
        chat = str(data["chat_id"])
        private = chat.isdigit()  # users have positive ids; groups and channels negative ids or @names
        if private and endpoint.lower().startswith("editmessage"):
            chat += ":edits"  # a person pressing buttons: edits have their own per-chat budget
        for attempt in (1, 2):
            try:
                async with self.limiter.slot(chat, private):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if self.on_429 is not None:
                    self.on_429()
                wait = retry_after_seconds(exc)
                self.limiter.pause(wait)
                if attempt == 2 or wait > _RETRY_AT_ONCE:
                    raise
                log.warning("Telegram asked to wait %ss (429); retrying once", wait)
        raise AssertionError("unreachable")


class BotRequest(HTTPXRequest):
    """PTB's HTTP client, sending answerInlineQuery bodies as JSON: the Bot API takes JSON as well as form
    bodies (https://core.telegram.org/bots/api#making-requests), and form-encoding the 70 KB of an answer
    with 50 cards walks every byte in Python (12 ms), where JSON is one call in C. Same values either way."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files or not url.endswith(_AS_JSON):
            return await super().do_request(url, method, request_data, read_timeout, write_timeout,
                                            connect_timeout, pool_timeout)
        default = self._client.timeout
        timeout = httpx.Timeout(
            connect=default.connect if isinstance(connect_timeout, _UNSET) else connect_timeout,
            read=default.read if isinstance(read_timeout, _UNSET) else read_timeout,
            write=default.write if isinstance(write_timeout, _UNSET) else write_timeout,
            pool=default.pool if isinstance(pool_timeout, _UNSET) else pool_timeout)
        try:
            response = await self._client.request(
                method, url, content=request_data.json_payload, timeout=timeout,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"})
        except httpx.TimeoutException as exc:  # as HTTPXRequest maps them
            raise TimedOut from exc
        except httpx.HTTPError as exc:
            raise NetworkError(f"httpx.{exc.__class__.__name__}: {exc}") from exc
        return response.status_code, response.content


def build_application(settings: Settings, on_429: Callable[[], None] | None = None,
                      limiter: SlidingWindowLimiter | None = None) -> Application:
    """An Application that talks to TELEGRAM_API_URL (`{url}/bot{token}/{method}`); no JobQueue, since
    APScheduler in tracker.run.daemon is the one scheduler. Updates run concurrently in UpdateLanes.
    `on_429` is called on each 429 answer; `limiter` (default: a new one on the real clock) paces the sends."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        .job_queue(None)
        .request(BotRequest(connection_pool_size=16, connect_timeout=10, read_timeout=15, write_timeout=15,
                            pool_timeout=10))
        .get_updates_request(HTTPXRequest(connection_pool_size=1, read_timeout=40))  # as PTB's own, 40 s reads
        .rate_limiter(FloodLimiter(limiter, on_429=on_429))
        .concurrent_updates(UpdateLanes())
        .build()
    )


TOKEN_REJECTED = ("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): check the token from @BotFather; "
                  "the bot stays off and alerts stay queued in the store")


async def token_rejected(settings: Settings) -> bool:
    """True when Telegram answers getMe with 401 (a wrong or revoked token); False when it accepts the token
    or cannot be reached (delivery then reports that)."""
    assert settings.telegram_bot_token is not None
    bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=f"{settings.telegram_api_url}/bot",
              request=HTTPXRequest(connect_timeout=5, read_timeout=5, write_timeout=5, pool_timeout=5))
    try:
        async with bot:  # initialize() calls getMe
            return False
    except InvalidToken:
        return True
    except TelegramError:
        return False
