"""How the bot's incoming updates run: concurrently within bounds, in order per person, newest query first.

python-telegram-bot runs each update in a task of its own when the Application has an update processor
with more than one slot (https://docs.python-telegram-bot.org/en/stable/telegram.ext.baseupdateprocessor.html).
`UpdateLanes` is that processor. It keeps two lanes with their own bounds, so that a flood of inline
queries never holds up a command:

- **inline queries**: at most `inline` at once. A person's newer query supersedes their older one: the
  older is dropped while it waits for a slot and cancelled while it is computed, never answered late; an
  answer already being sent (the handler said `answering()`) is let through. A query that waited longer
  than Telegram waits for an answer (about 10 s) is dropped unanswered.
- **everything else** (commands, buttons, text): at most `other` at once, and one person's updates one
  at a time, in the order they came, so `/settings min 70B` then `/settings max 100B` apply in that
  order and two presses of a button do not interleave. Different people run concurrently.

Services (the bot's search index) can hang on the processor: PTB initialises and shuts the processor
down with the Application, whether it polls, takes a webhook or is driven by hand.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

INLINE_LANE = 8  # inline queries computed at once (their work is in memory: more would only queue)
OTHER_LANE = 16  # commands, buttons and text handled at once (they wait on the store and on Telegram)
PENDING = 1024  # updates PTB lets in at once, waiting included; beyond it, PTB queues them
TOO_LATE = 9.0  # seconds: an inline query older than this cannot be answered in time any more


class Service(Protocol):
    """Something that lives as long as the bot's Application (started on initialise, stopped on shutdown)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class _Turn:
    """One person's queue of updates other than inline queries."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


@dataclass
class _Query:
    """One person's newest inline query being answered."""

    task: asyncio.Task[None] | None = None
    sending: bool = False  # its answer is made and on its way: not cancelled any more


_ANSWERING: ContextVar[_Query | None] = ContextVar("inline_query", default=None)  # the query a task answers


@dataclass
class LaneStats:
    """What the lanes did (for logs, tests and benchmarks)."""

    superseded: int = 0
    too_late: int = 0


def person_of(update: object) -> int | None:
    """Whose update this is: the user, else the chat; None for updates of no one."""
    if not isinstance(update, Update):
        return None
    if update.effective_user is not None:
        return update.effective_user.id
    return update.effective_chat.id if update.effective_chat is not None else None


class UpdateLanes(BaseUpdateProcessor):
    """PTB's update processor for the bot: an inline lane and a lane for the rest (see the module)."""

    def __init__(self, inline: int = INLINE_LANE, other: int = OTHER_LANE, too_late: float = TOO_LATE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(PENDING)
        self._inline_slots, self._other_slots = asyncio.Semaphore(inline), asyncio.Semaphore(other)
        self.too_late, self.clock = too_late, clock
        self._turns: dict[int, _Turn] = {}
        self._queries: dict[int, _Query] = {}
        self.services: list[Service] = []
        self.stats = LaneStats()

    async def initialize(self) -> None:
        for service in self.services:
            await service.start()

    async def shutdown(self) -> None:
        for service in reversed(self.services):
            await service.stop()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            who = person_of(update)
            if isinstance(update, Update) and update.inline_query is not None and who is not None:
                await self._inline(who, coroutine)
            else:
                await self._in_turn(who, coroutine)
        finally:
            if isinstance(coroutine, Coroutine):
                coroutine.close()  # a dropped update's handler never started: no "never awaited" warning

    async def _in_turn(self, who: int | None, coroutine: Awaitable[Any]) -> None:
        """Run after the person's earlier updates (no await before the lock: arrival order is kept)."""
        if who is None:
            async with self._other_slots:
                await coroutine
            return
        turn = self._turns.setdefault(who, _Turn())
        turn.waiting += 1
        try:
            async with turn.lock, self._other_slots:
                await coroutine
        finally:
            turn.waiting -= 1
            if not turn.waiting:
                del self._turns[who]

    async def _inline(self, who: int, coroutine: Awaitable[Any]) -> None:
        """Answer unless a newer query of the same person comes first, or it is too late."""
        arrived = self.clock()
        previous, query = self._queries.get(who), _Query()
        self._queries[who] = query
        if previous is not None and previous.task is not None and not previous.sending:
            previous.task.cancel()  # waiting for a slot or being computed: dropped, never answered late
        query.task = asyncio.ensure_future(self._answer(coroutine, arrived, query))
        try:
            await query.task
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # the Application is stopping
            self.stats.superseded += 1
        finally:
            if self._queries.get(who) is query:
                del self._queries[who]

    async def _answer(self, coroutine: Awaitable[Any], arrived: float, query: _Query) -> None:
        _ANSWERING.set(query)  # this task's own context: the handler's answering() finds it
        async with self._inline_slots:
            if self.clock() - arrived > self.too_late:
                self.stats.too_late += 1
                log.debug("inline query dropped: it waited %.1f s", self.clock() - arrived)
                return
            await coroutine


def answering() -> None:
    """Said by an inline handler once its answer is made, right before it sends it: from then on the person's
    newer query no longer cancels this one. Cancelling the request mid-send saves nothing and tears down the
    connection (Telegram gets a request cut off, and the next request waits for a new connection)."""
    query = _ANSWERING.get()
    if query is not None:
        query.sending = True
