"""Telegram's flood limits as sliding windows, so that bursts queue instead of failing with 429.

Limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): about 30
messages per second overall, 20 per minute to one group or channel, about one per second to one private
chat. A sliding window (rather than a refilling bucket, as PTB's AIORateLimiter uses) never lets more than
N messages fall into any window, which is what Telegram counts.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Messages per window; `margin` pads each window against network jitter."""

    overall_per_second: int = 30
    group_per_minute: int = 20
    # About one per second in a private chat, with the short bursts Telegram tolerates (a reply and a
    # follow-up, button edits): at most 3 in any 3 seconds.
    private_burst: int = 3
    private_window: float = 3.0
    margin: float = 0.01

    def windows(self, chat_key: str, private: bool) -> list[tuple[str, int, float]]:
        chat_window = (f"chat:{chat_key}", self.private_burst, self.private_window) if private else (
            f"chat:{chat_key}", self.group_per_minute, 60.0)
        return [("overall", self.overall_per_second, 1.0), chat_window]


class SlidingWindowLimiter:
    """Grants send slots; `acquire` waits until every window the send falls into has room.

    A send occupies its windows from when it starts until it is answered (`release`), and a new send
    may start only a full window after the send it displaces was answered: Telegram counts a message
    when it arrives, which is somewhere in between, so this never lets N+1 arrive in one window.
    """

    def __init__(self, limits: Limits | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.limits = limits or Limits()
        self._clock, self._sleep = clock, sleep  # injected together by tests that move time themselves
        self._sent: dict[str, deque[list[float]]] = {}
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (after Telegram answered 429 with retry_after)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def earliest(self, chat_key: str, private: bool) -> float:
        """The earliest time a message to this chat may start, given the sends so far."""
        now = self._clock()
        at = max(now, self._paused_until)
        for key, count, span in self.limits.windows(chat_key, private):
            sent = self._sent.get(key)
            if not sent:
                continue
            # entry = [time, answered]: a send still in flight may arrive any moment, so it counts as now.
            while sent and sent[0][1] and sent[0][0] <= now - span - self.limits.margin:
                sent.popleft()
            if len(sent) >= count:
                latest = sorted(entry[0] if entry[1] else now for entry in sent)
                at = max(at, latest[-count] + span + self.limits.margin)
        return at

    async def acquire(self, chat_key: str, private: bool) -> list[list[float]]:
        """Wait for a slot for one message to `chat_key` and take it; pass the result to `release`."""
        while True:
            async with self._lock:
                at = self.earliest(chat_key, private)
                if at <= self._clock():
                    now = self._clock()
                    entries = []
                    for key, _count, _span in self.limits.windows(chat_key, private):
                        entry = [now, 0.0]
                        self._sent.setdefault(key, deque()).append(entry)
                        entries.append(entry)
                    return entries
            await self._sleep(at - self._clock())

    def release(self, entries: list[list[float]]) -> None:
        """The send was answered (or failed): its slot counts from now."""
        now = self._clock()
        for entry in entries:
            entry[0], entry[1] = now, 1.0

    @asynccontextmanager
    async def slot(self, chat_key: str, private: bool) -> AsyncIterator[None]:
        """`async with limiter.slot(chat, private): await send(...)`."""
        entries = await self.acquire(chat_key, private)
        try:
            yield
        finally:
            self.release(entries)

    def would_wait(self, chat_key: str, private: bool) -> float:
        """Seconds a message to this chat would wait now (0 when it could go at once)."""
        return max(0.0, self.earliest(chat_key, private) - self._clock())
