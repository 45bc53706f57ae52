"""The bot's inline search, answered from memory: which releases match, their results, and people's languages.

A keystroke in inline mode reads nothing from the store. The SearchIndex (tracker.history.search) finds
the ids; each release's result (card, title, description, button) is rendered and serialized once per
language and kept in a bounded cache, read from the store only the first time it is shown; a person's
language is kept for a minute (and forgotten when they change it). The index takes in new and changed releases
every REFRESH_EVERY seconds, dropping the changed ones' cached results, so a new license or recomputed facts
show within seconds; it is rebuilt whole every few minutes, which drops every cached result.

The work runs in threads of its own, not in the event loop's default pool, so a flood of queries never
queues ahead of the store calls of commands and delivery. Started and stopped with the bot's Application
(it is a service of tracker.telegram.updates.UpdateLanes), or on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tracker.bot.context import BotContext
from tracker.bot.labels import normalize_lang
from tracker.history.search import MAX_OFFSET, SearchIndex
from tracker.store import subscribers as subscriptions
from tracker.store.queries import ModelRow, models_by_ids

log = logging.getLogger(__name__)
T = TypeVar("T")

PAGE = 50
REFRESH_EVERY = 2.0  # seconds between taking in new releases
RESULTS_KEPT = 4096  # rendered results (release, language) kept; about 3 KB each
LANGUAGE_KEPT = 60.0  # seconds a person's language is kept
PEOPLE_KEPT = 10_000
THREADS = 2

Render = Callable[[ModelRow, str], dict[str, Any]]


def _said(build: asyncio.Future[None]) -> None:
    if not build.cancelled() and (exc := build.exception()) is not None:
        log.warning("the inline search index could not be built: %s", exc)


class InlineIndex:
    """Inline answers from memory (see the module). `render(row, lang)` makes one release's result, as
    the Bot API takes it (an InlineQueryResult's to_dict())."""

    def __init__(self, ctx: BotContext, render: Render, refresh_every: float = REFRESH_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ctx, self.render, self.refresh_every, self.clock = ctx, render, refresh_every, clock
        self.index = SearchIndex(ctx.engine, ctx.watchlist)
        self._results: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
        self._generation = 0
        self._dropped = 0  # times cached results were dropped: a result rendered from a read before is not kept
        self._langs: dict[int, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._ready: asyncio.Future[None] | None = None
        self._fresh: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ life
    async def start(self) -> None:
        """Build the index in the background and keep it fresh (queries wait for the first build)."""
        if self._ready is not None:
            return
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="inline")
        self._build()
        self._fresh = asyncio.get_running_loop().create_task(self._keep_fresh(), name="inline-index")

    def _build(self) -> None:
        assert self._pool is not None
        self._ready = asyncio.get_running_loop().run_in_executor(self._pool, self.refresh)
        self._ready.add_done_callback(_said)

    async def stop(self) -> None:
        if self._fresh is not None:
            self._fresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._fresh
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._ready = self._fresh = self._pool = None

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_every)
            try:
                await self._run(self.refresh)
            except Exception as exc:  # noqa: BLE001  (the store may be busy or gone for a while: try again)
                log.debug("the inline search index could not be refreshed: %s", exc)

    def refresh(self) -> None:
        """Take in new and changed releases, dropping the changed ones' cached results (the whole index every
        few minutes; every cached result goes with it)."""
        self.index.watchlist = self.ctx.watchlist  # labs added at runtime are searchable by their aliases
        changed = self.index.refresh()
        with self._lock:
            if self.index.generation != self._generation:
                self._results.clear()
                self._generation = self.index.generation
                self._dropped += 1
            elif changed:
                for key in [key for key in self._results if key[0] in changed]:
                    del self._results[key]
                self._dropped += 1

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._ready is None or self._pool is None:
            await self.start()
        assert self._ready is not None
        if self._ready.done() and self._ready.exception() is not None:
            self._build()  # the first build failed (the store was busy?): try again
        await asyncio.shield(self._ready)
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    # ------------------------------------------------------------------ answers
    async def page(self, query: str, offset: int, lang: str) -> tuple[list[dict[str, Any]], str]:
        """One page of results for `query` and the next page's offset ('' on the last page)."""
        return await self._run(self.page_now, query, offset, lang)

    def page_now(self, query: str, offset: int, lang: str) -> tuple[list[dict[str, Any]], str]:
        """`page`, in the calling thread."""
        ids = self.index.search_ids(query, PAGE + 1, offset)
        more = len(ids) > PAGE and offset + PAGE <= MAX_OFFSET
        return self.results(ids[:PAGE], lang), str(offset + PAGE) if more else ""

    def results(self, ids: list[int], lang: str) -> list[dict[str, Any]]:
        """The rendered results of these releases, in order (those not cached yet read in one query)."""
        with self._lock:
            found = {i: self._results[(i, lang)] for i in ids if (i, lang) in self._results}
            for i in found:
                self._results.move_to_end((i, lang))
        missing = [i for i in ids if i not in found]
        if missing:
            dropped = self._dropped
            made = {row.id: self.render(row, lang) for row in models_by_ids(self.ctx.engine, missing)}
            with self._lock:
                if dropped == self._dropped:  # else a refresh meanwhile may have found that a row read here changed
                    self._results.update(((i, lang), result) for i, result in made.items())
                while len(self._results) > RESULTS_KEPT:
                    self._results.popitem(last=False)
            found.update(made)
        return [found[i] for i in ids if i in found]

    # ------------------------------------------------------------------ languages
    async def language(self, user_id: int, telegram_language: str | None) -> str:
        """The person's language: theirs if they started the bot, else their Telegram app's."""
        now = self.clock()
        kept = self._langs.get(user_id)
        if kept is not None and kept[1] > now:
            return kept[0]
        sub = await self._run(subscriptions.get, self.ctx.store, user_id)
        lang = sub.lang if sub else normalize_lang(telegram_language) or "en"
        if len(self._langs) >= PEOPLE_KEPT:
            self._langs.clear()
        self._langs[user_id] = (lang, now + LANGUAGE_KEPT)
        return lang

    def forget(self, user_id: int) -> None:
        """The person changed their language."""
        self._langs.pop(user_id, None)
