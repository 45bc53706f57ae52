"""Run the real bot (PTB Application + tracker.bot handlers) against the fake Bot API, from sync tests.

The Application long-polls the fake on its own event loop in a background thread, as `tracker run`
would; a test plays the user with `send()` / `click()` and reads the bot's messages from the fake.

    with BotHarness(fake, settings, store, watchlist) as bot:
        (reply,) = bot.send(42, "/recent 3")
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from telegram.ext import Application

from tests.clock import VirtualClock
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tracker.bot import attach_bot, publish_commands
from tracker.bot.context import BotContext
from tracker.config import Settings
from tracker.store.releases import Store
from tracker.telegram.app import FloodLimiter, build_application
from tracker.telegram.ratelimit import SlidingWindowLimiter
from tracker.watchlist import Watchlist

FAST_REFRESH = 0.2


class BotHarness:
    """The tracker's bot, polling the fake Bot API in a thread with its own event loop."""

    def __init__(self, fake: FakeTelegram, settings: Settings, store: Store, watchlist: Watchlist) -> None:
        self.fake = fake
        self.app: Application = build_application(settings)
        # Telegram's flood limits still order the bot's sends, on a clock that skips the waits.
        self.clock = VirtualClock()
        limiter = self.app.bot.rate_limiter
        assert isinstance(limiter, FloodLimiter)
        limiter.limiter = SlidingWindowLimiter(clock=self.clock.now, sleep=self.clock.asleep)
        attach_bot(self.app, BotContext(settings=settings, store=store, watchlist=watchlist))
        # The inline index takes in new releases at the pace of the in-process tracker's polls (0.2 s), not
        # every REFRESH_EVERY (2 s): a test waits for a release to become searchable, not for seconds.
        self.app.bot_data["inline"].refresh_every = FAST_REFRESH
        self.admins = list(settings.admins)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bot", daemon=True)

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with self.app:
            await publish_commands(self.app.bot, self.admins)
            await self.app.start()
            assert self.app.updater is not None
            await self.app.updater.start_polling(poll_interval=0, timeout=1)
            self._ready.set()
            try:
                await self._stop.wait()
            finally:
                await self.app.updater.stop()
                await self.app.stop()

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001  (reported to the test thread)
            self._error = exc
            self._ready.set()

    def __enter__(self) -> BotHarness:
        self._thread.start()
        if not self._ready.wait(15) or self._error:
            raise RuntimeError(f"the bot did not start: {self._error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)

    # ------------------------------------------------------------------ playing the user
    def send(self, user_id: int, text: str, count: int = 1, timeout: float = 5, **kw: Any) -> list[SentMessage]:
        """The user sends `text` in their private chat (or `chat_id=`); returns the bot's `count` new
        messages in that chat."""
        chat = kw.get("chat_id", user_id)
        before = len(self.fake.messages(chat)) if self._known(chat) else 0
        self.fake.user_sends(user_id, text, **kw)

        def arrived() -> list[SentMessage] | None:
            new = self.fake.messages(chat)[before:]
            return new[:count] if len(new) >= count else None

        return self.fake.wait_for(arrived, timeout)

    def click(self, user_id: int, message: SentMessage, data: str, timeout: float = 5) -> dict[str, Any]:
        """The user presses the button with `data` on `message`; returns the bot's answer to the query
        (handlers answer after editing or sending, so their effect is visible when this returns)."""
        assert data in [b.get("callback_data") for b in message.buttons], f"no button {data!r} on the message"
        query_id = self.fake.user_clicks(user_id, message, data)
        return self.fake.wait_for(
            lambda: next((a for a in self.fake.callback_answers if a["callback_query_id"] == query_id), None),
            timeout,
        )

    def last(self, chat_id: int) -> SentMessage:
        """The bot's latest message in the chat, as it is now (after edits)."""
        return self.fake.messages(chat_id)[-1]

    def _known(self, chat_id: int | str) -> bool:
        try:
            self.fake.chat(chat_id)
        except Exception:  # noqa: BLE001  (the fake raises its ApiError for an unknown chat)
            return False
        return True
