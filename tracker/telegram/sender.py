"""Delivery to Telegram: drains the outbox into the channel and the subscribers whose filters match.

A wave of one family's models becomes one card per chat, edited as more variants arrive within the wave
window (the sending of one card: tracker.telegram.card_send). Sends are throttled by the Application's
FloodLimiter (tracker.telegram.app); 429 waits `retry_after`, network errors and 5xx back off, a user who
blocked the bot is unsubscribed, a bad request is recorded and not retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from tracker.config import Settings
from tracker.outage import OutageLog
from tracker.store import outbox
from tracker.store import subscribers as subscriptions
from tracker.store.disk import is_disk_full
from tracker.store.releases import Store
from tracker.store.tables import utcnow
from tracker.telegram.app import retry_after_seconds
from tracker.telegram.card_send import CardSender, Chat, Group
from tracker.telegram.cards import wave_key
from tracker.telegram.relink import relink_cards
from tracker.telegram.report import DeliveryReport, failing_line, recovered_line, short_error
from tracker.telegram.targets import CHANNEL, SUBSCRIBERS, TargetsFn, telegram_targets
from tracker.telegram.waits import until_left, woken_before_done

log = logging.getLogger(__name__)
NETWORK_RETRY_CAP = timedelta(minutes=2)
CHANNEL_RETRY_CAP = timedelta(minutes=5)
OUTAGE_WARN_AFTER = timedelta(seconds=10)  # sends failing this long (network, 5xx) are logged once
PROBE_EVERY = 3.0  # seconds between "is Telegram back?" questions while sends fail for the network
PAGE = 20_000  # deliveries read at once; the next page is read while the last chats of one are served


class TelegramDelivery:
    """Sends pending deliveries with one Bot (throttled by its rate limiter) and one store; one run at a time."""

    def __init__(self, bot: Bot, store: Store, settings: Settings, clock: Callable[[], datetime] | None = None,
                 concurrency: int = 16, fan_out_to: Callable[[], TargetsFn] | None = None,
                 probe_every: float = PROBE_EVERY) -> None:
        """`fan_out_to` builds the targets of a fan-out when other sinks (Apprise) take alerts too: one fan-out
        creates every sink's rows (tracker.run.wiring.alert_targets). Tests pass a shorter `probe_every`."""
        self.bot = bot
        self.fan_out_to = fan_out_to
        self.store = store
        self.settings = settings
        self.clock = clock or utcnow
        self.concurrency = concurrency
        self._run_lock = asyncio.Lock()
        self.cards = CardSender(bot, store, settings, self.clock)
        self.outage = OutageLog(log, OUTAGE_WARN_AFTER, failing_line, recovered_line)
        self.probe_every = probe_every
        self._probed = 0.0  # when Telegram was last asked whether it is back (monotonic)
        self._unmarked: set[int] = set()  # sent while the store could not record it (disk full)

    # ---- fan-out -----------------------------------------------------------------------------
    def targets_for(self) -> TargetsFn:
        """Who gets an alert: the Telegram targets, and the other sinks' when the runtime says so."""
        return self.fan_out_to() if self.fan_out_to is not None else telegram_targets(self.store, self.settings)

    # ---- the run -----------------------------------------------------------------------------
    async def _back_yet(self) -> None:
        """While sends fail for the network, ask Telegram every `probe_every` seconds whether it answers again;
        once it does, what waits out a backoff is due now instead of minutes later (a 429's wait is kept)."""
        if not self.outage.down or time.monotonic() - self._probed < self.probe_every:
            return
        self._probed = time.monotonic()
        with contextlib.suppress(TelegramError):
            await self.bot.get_me()
            await asyncio.to_thread(outbox.retry_network_now, self.store, self.clock())

    async def run_once(self) -> DeliveryReport:
        """Fan out new alerts and send everything due now to the channel and the subscribers, in one pass
        (`tracker poll`); `tracker run` drains each lane on its own instead (`drain`)."""
        async with self._run_lock:
            if await asyncio.to_thread(subscriptions.is_paused, self.store):
                return DeliveryReport()
            await asyncio.to_thread(lambda: outbox.fan_out(self.store, self.targets_for(), self.clock()))
            return await self._drain(None, None, None)

    async def drain(self, prefix: str, woken: asyncio.Event | None = None,
                    stop: asyncio.Event | None = None) -> DeliveryReport:
        """Send what is due to the targets starting with `prefix` (CHANNEL, or SUBSCRIBERS): one lane of
        `tracker run`. Deliveries fanned out while it runs (`woken` is set) join it at once, chained behind
        what their chat already has in flight; it ends when everything it started has landed. Once `stop` is
        set it starts no new message."""
        if await asyncio.to_thread(subscriptions.is_paused, self.store):
            return DeliveryReport()
        return await self._drain(prefix, woken, stop)

    async def _drain(self, prefix: str | None, woken: asyncio.Event | None,
                     stop: asyncio.Event | None) -> DeliveryReport:
        report = DeliveryReport()
        await self._back_yet()
        await self._mark_unmarked()
        self.cards.texts.clear()
        semaphore = asyncio.Semaphore(self.concurrency)
        chats: dict[str, Chat | None] = {}

        async def chain(target_groups: list[Group], before: asyncio.Task[None] | None) -> None:
            # Groups of one chat run in order; different chats run concurrently under the bot's limiter.
            if before is not None:
                await asyncio.wait([before])
            for group in target_groups:
                if stop is not None and stop.is_set():
                    return  # stopping: the rest stays pending
                async with semaphore:
                    await self._deliver_safely(group, chats, report)

        # Start a page's chats, and read the next page while the last few are served, so that sends never
        # pause for a read. Rows stay pending until sent, so a read skips the ones this drain has started.
        started: set[int] = set()
        latest: dict[str, asyncio.Task[None]] = {}  # each chat's latest chain; the next one waits for it
        tasks: list[asyncio.Task[None]] = []
        while True:
            if woken is not None:
                woken.clear()
            items, more = await asyncio.to_thread(self._page, started, prefix)
            if not items and more and not all(t.done() for t in tasks):
                await until_left(tasks, 0)  # all that is due is in flight: let it land, then read again
                continue
            page = []
            for target, groups in self._group(items).items():
                latest[target] = asyncio.create_task(chain(groups, latest.get(target)))
                page.append(latest[target])
            tasks += page
            started.update(i.delivery.id for i in items if i.delivery.id is not None)
            if more and items:
                await until_left(page, 2 * self.concurrency)
                continue
            # Everything due has started: what is fanned out meanwhile joins this drain, until it all landed.
            if woken is None or not await woken_before_done(woken, tasks, stop):
                break
        if tasks:
            await asyncio.gather(*tasks)
            self._track_outage(report)
        if prefix in (None, CHANNEL):  # posted cards of releases a second hub now shows are edited to link it
            report.edited += await relink_cards(self.bot, self.store, self.settings, self.clock())
        return report

    def _page(self, started: set[int], prefix: str | None) -> tuple[list[outbox.DeliveryItem], bool]:
        """The next deliveries due (to the targets starting with `prefix`) that this drain has not started, and
        whether more may follow."""
        items = outbox.due(self.store, self.clock(), PAGE, target_prefix=prefix)
        skip = started | self._unmarked
        fresh = [i for i in items if i.delivery.id not in skip
                 and (i.delivery.target == CHANNEL or i.delivery.target.startswith(SUBSCRIBERS))]  # not Apprise
        return fresh, len(items) >= PAGE

    async def _mark_unmarked(self) -> None:
        """Deliveries sent while the database disk was full are marked sent once it has room (they are never
        sent twice meanwhile: `_page` skips them)."""
        if self._unmarked:
            ids = sorted(self._unmarked)
            try:
                await asyncio.to_thread(outbox.mark_sent, self.store, ids, self.clock())
            except Exception as exc:
                if not is_disk_full(exc):
                    raise
                return  # still full: kept, and still skipped
            self._unmarked.difference_update(ids)

    def _track_outage(self, report: DeliveryReport) -> None:
        """One warning while sends keep failing because of Telegram, one line when they work again."""
        done = report.sent + report.edited
        if report.unreachable and not done:
            self.outage.failure(report.last_error, self.clock(), report.unreachable)
        elif done and not report.unreachable:
            self.outage.success(self.clock(), done)
        elif report.unreachable and self.outage.down:
            self.outage.failure(report.last_error, self.clock(), report.unreachable)

    def _group(self, items: list[outbox.DeliveryItem]) -> dict[str, list[Group]]:
        """The deliveries that become one message each, by chat."""
        groups: dict[tuple[str, str], Group] = {}
        for item in items:
            key = (wave_key(item.model) if item.alert.kind == "release" else  # a wave's follow-ups: one edit
                   f"followup:{wave_key(item.model)}" if item.alert.kind == "followup" else f"alert:{item.alert.id}")
            group = groups.setdefault((item.delivery.target, key), Group(item.delivery.target, key))
            group.items.append(item)
        by_target: dict[str, list[Group]] = {}
        for group in groups.values():
            by_target.setdefault(group.target, []).append(group)
        return by_target

    def _chat(self, target: str, chats: dict[str, Chat | None]) -> Chat | None:
        if target in chats:
            return chats[target]
        chat: Chat | None = None
        if target == CHANNEL and self.settings.telegram_channel:
            channel = self.settings.telegram_channel
            chat = Chat(int(channel) if channel.lstrip("-").isdigit() else channel, False,
                         self.settings.telegram_channel_lang)
        elif target.startswith("user:"):
            person = subscriptions.get(self.store, int(target.split(":", 1)[1]))
            if person is not None and person.active:
                chat = Chat(person.chat_id, True, person.lang, person.user_id)
        chats[target] = chat
        return chat

    async def _deliver_safely(self, group: Group, chats: dict[str, Chat | None], report: DeliveryReport) -> None:
        """One group; a store failure (the disk full) leaves its rows pending for the next drain, and never
        stops the other chats."""
        try:
            await self._deliver_group(group, chats, report)
        except Exception as exc:  # noqa: BLE001
            if not is_disk_full(exc):
                log.exception("delivery to %s failed; its messages stay queued", group.target)
            report.failed += len(group.items)

    async def _deliver_group(self, group: Group, chats: dict[str, Chat | None], report: DeliveryReport) -> None:
        chat = await asyncio.to_thread(self._chat, group.target, chats)
        if chat is None:
            outbox.mark_failed(self.store, group.items, "target no longer subscribed", status="dropped")
            report.dropped += len(group.items)
            return
        try:
            edited = await self.cards.send(group, chat)
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            self._retry(group, f"429: retry after {wait:.0f}s", timedelta(seconds=wait), report)
        except Forbidden as exc:
            self._drop(group, chat, f"403: {exc.message}", report)
        except ChatMigrated as exc:
            self._retry(group, f"chat migrated to {exc.new_chat_id}", timedelta(seconds=1), report)
        except BadRequest as exc:
            message = exc.message.lower()
            if "chat not found" in message or "user is deactivated" in message:
                self._drop(group, chat, f"400: {exc.message}", report)
            else:
                log.error("Telegram refused a message to %s: %s", group.target, exc.message)
                outbox.mark_failed(self.store, group.items, f"400: {exc.message}")
                report.failed += len(group.items)
        except (TimedOut, NetworkError) as exc:
            self._retry(group, f"network: {exc.message}", None, report)
            report.unreachable += 1
            report.last_error = short_error(exc.message)
        except TelegramError as exc:
            self._retry(group, f"telegram: {exc.message}", None, report)
            report.unreachable += 1
            report.last_error = short_error(exc.message)
        else:
            # In a worker thread, like every other store call here: a write on the event loop stalls the
            # answers of the sends in flight (and SQLite may sleep there waiting for another writer's lock),
            # and the limiter counts each window from those answers, so a stall costs throughput.
            await self._mark_sent([i.delivery.id for i in group.items if i.delivery.id])
            if edited:
                report.edited += 1
            else:
                report.sent += 1

    async def _mark_sent(self, ids: list[int]) -> None:
        """Telegram accepted the message: its rows are sent, and never sent again, even when the store cannot
        write that down now (the disk is full: marked at a later drain)."""
        try:
            await asyncio.to_thread(outbox.mark_sent, self.store, ids, self.clock())
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            self._unmarked.update(ids)

    def _retry(self, group: Group, error: str, wait: timedelta | None, report: DeliveryReport) -> None:
        outbox.mark_retry(self.store, group.items, error, self.clock(), wait, cap=NETWORK_RETRY_CAP)
        report.retried += len(group.items)

    def _drop(self, group: Group, chat: Chat, error: str, report: DeliveryReport) -> None:
        if chat.user_id is None:
            # The channel itself refused (bot not an admin, wrong @name): a setup problem an admin can fix,
            # so its cards wait, retried every few minutes, instead of being lost.
            if all(i.delivery.attempts == 0 for i in group.items):
                log.error("cannot post to the channel %s: %s; check TELEGRAM_CHANNEL and the bot's admin rights "
                          "(cards wait and are retried)", chat.chat_id, error)
            outbox.mark_retry(self.store, group.items, error, self.clock(), cap=CHANNEL_RETRY_CAP)
            report.retried += len(group.items)
            return
        outbox.mark_failed(self.store, group.items, error, status="dropped")
        subscriptions.mark_blocked(self.store, chat.user_id, self.clock())
        log.info("user %s blocked the bot or is gone; unsubscribed", chat.user_id)
        report.dropped += len(group.items)
