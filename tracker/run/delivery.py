"""`tracker run`'s delivery: one lane per kind of recipient (tracker.deliver.lanes), woken when there is work.

    fan-out      new alerts become one delivery per target, every sink's at once; then wakes the sinks' lanes
    channel      the Telegram channel: 20 messages a minute, its cards in order
    subscribers  each subscriber's chat in order, the chats side by side (about one message a second each)
    admins       discovery's proposals
    digests      queued digests (subscribers' and the channel's)
    apprise      the Apprise targets (TRACKER_APPRISE_URLS)
    console      the terminal, without Telegram

Every lane runs within Telegram's limits through the bot's one flood limiter (tracker.telegram.app), which
holds each chat to its own window, so a channel backlog waits on the channel's window only. A poll wakes
the fan-out lane as soon as an organisation stored an alert, so a new alert starts on its way within a
second, whatever the other lanes are doing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from telegram.ext import Application

from tracker.bot.discover import send_proposals
from tracker.config import Settings
from tracker.deliver.apprise_sink import AppriseDelivery
from tracker.deliver.apprise_targets import TARGET_PREFIX as APPRISE
from tracker.deliver.console import print_console
from tracker.deliver.lanes import Lane, Lanes
from tracker.run.metrics import Metrics
from tracker.store import outbox
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.store.tables import utcnow
from tracker.telegram.digests import DigestSender
from tracker.telegram.sender import TelegramDelivery
from tracker.telegram.targets import CHANNEL, SUBSCRIBERS, TargetsFn

log = logging.getLogger(__name__)
ADMINS_IDLE = 10.0  # proposals are woken by the poll that found them; this look catches an admin's /start
SINKS = ("channel", "subscribers", "apprise", "console")


class Delivery:
    """The lanes of one leading `tracker run`; `start` them, wake them when something is stored, `stop` them."""

    def __init__(self, settings: Settings, store: Store, metrics: Metrics, apprise: AppriseDelivery | None,
                 fan_out_to: Callable[[], TargetsFn], is_leader: Callable[[], bool]) -> None:
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.apprise = apprise
        self.fan_out_to = fan_out_to
        self.is_leader = is_leader
        self.lanes = Lanes()
        self.stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    # ---- waking --------------------------------------------------------------------------------
    def alerts_stored(self) -> None:
        """An alert was stored: fan it out now (callable from any thread, e.g. a poll's worker)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.lanes.wake("fan-out")
        else:
            loop.call_soon_threadsafe(self.lanes.wake, "fan-out")

    def wake(self, *names: str) -> None:
        """Look for work now in the named lanes (all when none is named)."""
        self.lanes.wake(*names)

    # ---- starting and stopping -----------------------------------------------------------------
    def start(self) -> None:
        """The lanes that need no bot: the fan-out, Apprise and (without Telegram) the terminal."""
        self._loop = asyncio.get_running_loop()
        self.lanes.add(Lane("fan-out", self._fan_out))
        if self.apprise is not None:
            self.lanes.add(Lane("apprise", self._apprise))
        if not self.settings.telegram_enabled:
            self.lanes.add(Lane("console", self._console))

    def start_telegram(self, application: Application, telegram: TelegramDelivery, digests: DigestSender) -> None:
        """The bot's lanes, once it is connected."""
        self.lanes.add(Lane("channel", lambda woken: self._telegram(telegram, CHANNEL, woken)))
        self.lanes.add(Lane("subscribers", lambda woken: self._telegram(telegram, SUBSCRIBERS, woken)))
        self.lanes.add(Lane("digests", lambda _woken: self._digests(digests)))
        if self.settings.discovery:
            self.lanes.add(Lane("admins", lambda _woken: self._proposals(application), idle=ADMINS_IDLE))

    async def stop(self, grace: float) -> None:
        """Start nothing new; what is in flight gets `grace` seconds, then is abandoned (its rows stay pending)."""
        self.stopping.set()
        abandoned = await self.lanes.stop(grace)
        if abandoned:
            log.info("abandoned %d delivery lane(s) still waiting on a send; their messages stay queued", abandoned)

    # ---- the lanes' drains ---------------------------------------------------------------------
    async def _paused(self) -> bool:
        return await asyncio.to_thread(subscriptions.is_paused, self.store)

    async def _fan_out(self, _woken: asyncio.Event) -> float | None:
        """The one place `tracker run` fans out (two at once would race for the same new alerts)."""
        if not self.is_leader() or await self._paused():
            return None
        created = await asyncio.to_thread(outbox.fan_out, self.store, self.fan_out_to(), utcnow())
        if created:
            self.lanes.wake(*SINKS)
        return None

    async def _telegram(self, telegram: TelegramDelivery, prefix: str, woken: asyncio.Event) -> float | None:
        if not self.is_leader():
            return None
        report = await telegram.drain(prefix, woken, self.stopping)
        self.metrics.count_deliveries(sent=report.sent, edited=report.edited, retried=report.retried,
                                      dropped=report.dropped, failed=report.failed)
        return await asyncio.to_thread(outbox.seconds_until_next, self.store, utcnow(), prefix)

    async def _digests(self, digests: DigestSender) -> float | None:
        if self.is_leader():
            await digests.run_once()
        return None

    async def _proposals(self, application: Application) -> float | None:
        if self.is_leader():
            await send_proposals(application.bot, self.store, self.settings.admins, self.settings.hub_web_url)
        return None

    async def _apprise(self, _woken: asyncio.Event) -> float | None:
        assert self.apprise is not None
        if not self.is_leader() or await self._paused():
            return None
        done = await self.apprise.run_once()
        self.metrics.count_deliveries(sent=done.sent, retried=done.retried, dropped=done.dropped, failed=done.failed)
        return await asyncio.to_thread(outbox.seconds_until_next, self.store, utcnow(), APPRISE)  # retries, waves

    async def _console(self, _woken: asyncio.Event) -> float | None:
        if not self.is_leader():
            return None
        sent = await asyncio.to_thread(print_console, self.store, self.settings.hub_web_url, utcnow)  # fanned out
        self.metrics.count_deliveries(sent=sent)
        return None
