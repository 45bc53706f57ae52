"""Sending queued digests to Telegram: a subscriber's as one message, the channel's as a photo with a caption.

Same rules as the alert delivery (tracker.telegram.sender): a row is marked sent right after Telegram
accepted it; 429 waits `retry_after`, network errors back off, a person who blocked the bot is
unsubscribed, a bad request is recorded and not retried. A digest with nothing to list sends nothing.
Bot API: https://core.telegram.org/bots/api#sendmessage and #sendphoto
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from tracker.config import Settings
from tracker.deliver import digests as digest
from tracker.deliver.filters import SubscriptionFilter
from tracker.store import digests as digest_rows
from tracker.store import subscribers as subscriptions
from tracker.store.disk import is_disk_full
from tracker.store.releases import Store
from tracker.store.tables import Digest, utcnow
from tracker.telegram.app import retry_after_seconds
from tracker.telegram.channel_digest import post_channel_digest

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
MAX_RETRY = timedelta(minutes=5)


class Undeliverable(Exception):
    """The target is gone (not subscribed any more): the digest is dropped."""


class DigestSender:
    """Queues due digests and sends pending ones with one Bot; one run at a time."""

    def __init__(self, bot: Bot, store: Store, settings: Settings, clock: Callable[[], datetime] | None = None) -> None:
        self.bot = bot
        self.store = store
        self.settings = settings
        self.clock = clock or utcnow
        self._lock = asyncio.Lock()
        self._unmarked: dict[int, str] = {}  # sent while the store could not record it (disk full): row -> status

    def queue(self) -> int:
        """Queue every digest whose period has begun (subscribers, and the channel when it has digests)."""
        now = self.clock()
        queued = digest.queue_due(self.store, self.settings.digest_time, now)
        if self.settings.telegram_channel and self.settings.channel_digest != "off":
            queued += digest.queue_channel(self.store, self.settings.channel_digest, self.settings.digest_time,
                                           now) is not None
        return queued

    async def run_once(self) -> int:
        """Send every pending digest that is due; returns how many messages went out."""
        async with self._lock:
            if await asyncio.to_thread(subscriptions.is_paused, self.store):
                return 0
            for row_id, status in list(self._unmarked.items()):
                try:
                    await asyncio.to_thread(digest_rows.mark, self.store, row_id, status, self.clock())
                except Exception as exc:
                    if not is_disk_full(exc):
                        raise
                    break  # still full: kept, and still skipped
                del self._unmarked[row_id]
            rows = await asyncio.to_thread(digest_rows.due_digests, self.store, self.clock())
            sent = 0
            for row in rows:
                if row.id not in self._unmarked:
                    sent += await self._one(row)
            return sent

    async def send(self, row: Digest) -> int:
        """Send one queued digest now (for `tracker digest --post`); returns 1 when a message went out."""
        async with self._lock:
            return await self._one(row)

    async def _one(self, row: Digest) -> int:
        assert row.id is not None
        now = self.clock
        try:
            delivered = await self._send(row)
        except Undeliverable as exc:
            digest_rows.mark(self.store, row.id, "dropped", now(), str(exc))
            return 0
        except RetryAfter as exc:
            digest_rows.mark(self.store, row.id, "", now(), "429", timedelta(seconds=retry_after_seconds(exc)))
            return 0
        except Forbidden as exc:
            if row.target.startswith("user:"):
                subscriptions.mark_blocked(self.store, int(row.target.split(":", 1)[1]), now())
                digest_rows.mark(self.store, row.id, "dropped", now(), f"403: {exc.message}")
            else:
                log.error("cannot post the digest to the channel: %s (retried)", exc.message)
                digest_rows.mark(self.store, row.id, "", now(), f"403: {exc.message}", self._backoff(row))
            return 0
        except BadRequest as exc:
            log.error("Telegram refused the digest for %s: %s", row.target, exc.message)
            digest_rows.mark(self.store, row.id, "failed", now(), f"400: {exc.message}")
            return 0
        except (NetworkError, TelegramError) as exc:
            digest_rows.mark(self.store, row.id, "", now(), f"network: {exc.message}", self._backoff(row))
            return 0
        status = "sent" if delivered else "empty"
        try:
            digest_rows.mark(self.store, row.id, status, now())
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            self._unmarked[row.id] = status  # never sent twice: marked at a later run, once the disk has room
        return int(delivered)

    @staticmethod
    def _backoff(row: Digest) -> timedelta:
        return min(MAX_RETRY, timedelta(seconds=5) * 2 ** min(row.attempts, 10))

    async def _send(self, row: Digest) -> bool:
        """Send one digest; False when it had nothing to list."""
        if row.target == digest.CHANNEL:
            return await post_channel_digest(self.bot, self.store, self.settings, row)
        person = await asyncio.to_thread(subscriptions.get, self.store, int(row.target.split(":", 1)[1]))
        if person is None or not person.active:
            raise Undeliverable("target no longer subscribed")
        f = SubscriptionFilter.of(person)
        models = await asyncio.to_thread(digest.releases, self.store, row.since, row.until, f)
        changed = await asyncio.to_thread(digest.changes, self.store, row.since, row.until, f, f.weight_updates,
                                            person.user_id)
        if not models and not changed:
            return False
        mode = row.period.split(":", 1)[0]
        text = digest.digest_text(digest.DigestView(mode, row.since, row.until, models, changed), person.lang,
                                  self.settings.hub_web_url)
        await self.bot.send_message(person.chat_id, text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW)
        return True
