"""The long-running process: one asyncio loop holding the scheduler, the delivery and (with a token) the bot.

APScheduler runs two jobs that never overlap themselves: `poll` every TRACKER_POLL_INTERVAL seconds and
`deliver` every few seconds (retries come due, waves settle). The Hub client is synchronous, so a poll
cycle runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from tracker import digest, outbox, subscriptions
from tracker.config import Settings
from tracker.deliver import deliver_to_console
from tracker.discovery import effective_watchlist
from tracker.models import utcnow
from tracker.store import Store
from tracker.watchlist import Watchlist

if TYPE_CHECKING:
    from telegram.ext import Application

    from tracker.digest_send import DigestSender
    from tracker.poll import CycleReport
    from tracker.telegram_deliver import TelegramDelivery
    from tracker.webhook import WebhookServer

log = logging.getLogger(__name__)
DELIVER_EVERY = 2.0
ONE_SHOT_ROUNDS = 10
ONE_SHOT_MAX_WAIT = 60.0
STOP_GRACE = 25.0
WEBHOOK_DEBOUNCE = 1.0


def deliver_once(settings: Settings, store: Store) -> int:
    """Deliver what is pending now: to Telegram when configured, else to the terminal."""
    if not settings.telegram_enabled:
        return deliver_to_console(store, settings.hub_web_url, utcnow)
    from telegram.error import InvalidToken, NetworkError

    try:
        return asyncio.run(_deliver_telegram_once(settings, store))
    except InvalidToken:
        log.error("Telegram rejected TELEGRAM_BOT_TOKEN; alerts stay queued in the store")
    except NetworkError as exc:
        log.warning("Telegram unreachable (%s); alerts stay queued and go out on the next run", exc.message)
    return 0


async def _deliver_telegram_once(settings: Settings, store: Store) -> int:
    from tracker.bot.discover import send_proposals
    from tracker.digest_send import DigestSender
    from tracker.telegram_app import build_application
    from tracker.telegram_deliver import TelegramDelivery

    application = build_application(settings)
    delivered = 0
    async with application:
        delivery = TelegramDelivery(application.bot, store, settings)
        digests = DigestSender(application.bot, store, settings)
        await asyncio.to_thread(digests.queue)  # a digest whose time has come goes out with this run too
        # One-shot: also wait out short retries (429 retry_after, brief network errors), up to a minute.
        for _ in range(ONE_SHOT_ROUNDS):
            report = await delivery.run_once()
            delivered += report.sent + report.edited + await digests.run_once()
            wait = await asyncio.to_thread(outbox.seconds_until_next, store, utcnow())
            if wait is None or wait > ONE_SHOT_MAX_WAIT:
                break
            await asyncio.sleep(wait)
        if settings.discovery:
            await send_proposals(application.bot, store, settings.admins, settings.hub_web_url)
    return delivered


class Runtime:
    """The parts of `tracker run` and how they start and stop together."""

    def __init__(self, settings: Settings, store: Store, watchlist: Watchlist) -> None:
        from tracker.commands import make_poller

        self.settings = settings
        self.store = store
        self.watchlist = watchlist
        self.poller = make_poller(settings, store, watchlist)
        self.application: Application | None = None
        self.telegram: TelegramDelivery | None = None
        self.digests: DigestSender | None = None
        self.stop = asyncio.Event()
        self._deliver_lock = asyncio.Lock()
        self._hub_lock = asyncio.Lock()  # a poll cycle and enrichment never write the same models at once
        self._jobs: set[asyncio.Task] = set()
        self._webhook_orgs: set[str] = set()
        self._webhook_task: asyncio.Task | None = None

    def _job(self, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """A scheduler job that a clean stop waits for (instead of cancelling it mid-write)."""

        async def run() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._jobs.add(task)
            try:
                await func()
            finally:
                self._jobs.discard(task)

        return run

    async def cycle(self) -> None:
        """One poll cycle, then delivery and (when configured) the site; a failure is logged, never fatal."""
        try:
            if await asyncio.to_thread(subscriptions.is_paused, self.store):
                log.info("paused by an admin: skipping this poll")
                return
            async with self._hub_lock:
                report = await asyncio.to_thread(self.poller.run_cycle)
            log.info("cycle done: %d orgs ok, %d failed, %d new", len(report.orgs_ok), len(report.orgs_failed),
                     report.new)
            await self.deliver()
            if self.settings.site_dir and _found_something(report):
                await asyncio.to_thread(self._rebuild_outputs)
        except Exception:  # noqa: BLE001
            log.exception("poll cycle failed")

    def queue_org(self, org: str) -> None:
        """A Hub webhook named a watched organisation: poll it within a second (events are coalesced)."""
        self._webhook_orgs.add(org)
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self._job(self._poll_queued)())

    async def _poll_queued(self) -> None:
        while self._webhook_orgs:  # events arriving during a poll are handled by the next round
            await asyncio.sleep(WEBHOOK_DEBOUNCE)  # a release is often several events (create, commit, publish)
            orgs, self._webhook_orgs = set(self._webhook_orgs), set()
            try:
                async with self._hub_lock:
                    report = await asyncio.to_thread(self.poller.run_cycle, orgs)
                log.info("webhook poll of %s: %d new", ", ".join(sorted(orgs)), report.new)
                await self.deliver()
            except Exception:  # noqa: BLE001
                log.exception("webhook-triggered poll failed; the regular poll picks it up")

    def _start_webhook(self, loop: asyncio.AbstractEventLoop) -> WebhookServer | None:
        if self.settings.hub_webhook_secret is None:
            return None
        from tracker.webhook import WebhookServer

        server = WebhookServer(self.settings.hub_webhook_host, self.settings.hub_webhook_port,
                               self.settings.hub_webhook_secret.get_secret_value(), self.watchlist,
                               lambda org: loop.call_soon_threadsafe(self.queue_org, org))
        server.start()
        return server

    async def enrich(self) -> None:
        """Read config.json of a few backfilled models per organisation (a gentle, bounded trickle)."""
        if self.settings.enrich_per_org == 0:
            return
        try:
            if await asyncio.to_thread(subscriptions.is_paused, self.store):
                return
            async with self._hub_lock:
                done = await asyncio.to_thread(self.poller.enrich, self.settings.enrich_per_org)
            if done:
                log.info("read config.json of %d backfilled models", done)
        except Exception:  # noqa: BLE001
            log.exception("enrichment failed; it is tried again later")

    async def housekeeping(self) -> None:
        """Forget finished deliveries older than 30 days, so the outbox does not grow forever."""
        try:
            pruned = await asyncio.to_thread(outbox.prune, self.store, utcnow())
            pruned += await asyncio.to_thread(digest.prune, self.store, utcnow())
            if pruned:
                log.info("pruned %d finished deliveries older than 30 days", pruned)
        except Exception:  # noqa: BLE001
            log.exception("housekeeping failed; it is tried again later")

    def _rebuild_outputs(self) -> None:
        from tracker.publish import rebuild_outputs

        rebuild_outputs(self.settings, self.store.engine)

    async def queue_digests(self) -> None:
        """Queue the digests whose period has begun (at TRACKER_DIGEST_TIME, and once at start to catch up
        on one missed while the tracker was down), then send them."""
        if self.digests is None:
            return
        try:
            queued = await asyncio.to_thread(self.digests.queue)
            if queued:
                log.info("queued %d digest(s)", queued)
        except Exception:  # noqa: BLE001
            log.exception("queuing digests failed; tried again at the next check")
        await self.deliver()

    async def deliver(self) -> None:
        """Send what is due; without Telegram, print it."""
        try:
            async with self._deliver_lock:
                if self.telegram is not None:
                    await self.telegram.run_once()
                if self.digests is not None:
                    await self.digests.run_once()
                if self.application is not None and self.settings.discovery:
                    from tracker.bot.discover import send_proposals  # the bot's module, loaded with it

                    await send_proposals(self.application.bot, self.store, self.settings.admins,
                                         self.settings.hub_web_url)
                elif not self.settings.telegram_enabled:
                    await asyncio.to_thread(deliver_to_console, self.store, self.settings.hub_web_url, utcnow)
        except Exception:  # noqa: BLE001
            log.exception("delivery failed; pending messages stay queued")

    async def start_telegram(self) -> None:
        """Connect the bot, retrying while Telegram is unreachable; alerts wait in the store meanwhile."""
        from telegram.error import InvalidToken, NetworkError

        from tracker.bot import publish_commands
        from tracker.digest_send import DigestSender
        from tracker.telegram_app import BotContext, attach_bot, build_application
        from tracker.telegram_deliver import TelegramDelivery

        delay = 5.0
        while not self.stop.is_set():
            application = build_application(self.settings)
            watchlist = await asyncio.to_thread(effective_watchlist, self.watchlist, self.store)
            attach_bot(application, BotContext(self.settings, self.store, watchlist))
            try:
                await application.initialize()
                await publish_commands(application.bot, self.settings.admins)
                await application.start()
                assert application.updater is not None
                await application.updater.start_polling(allowed_updates=["message", "callback_query"],
                                                        poll_interval=0.0, timeout=30)
            except InvalidToken:
                log.error("Telegram rejected TELEGRAM_BOT_TOKEN; the bot stays off (alerts are kept)")
                return
            except NetworkError as exc:
                log.warning("Telegram unreachable (%s); retrying in %.0fs", exc.message, delay)
                await _shutdown(application)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(), timeout=delay)
                delay = min(delay * 2, 120.0)
                continue
            self.application = application
            self.telegram = TelegramDelivery(application.bot, self.store, self.settings)
            self.digests = DigestSender(application.bot, self.store, self.settings)
            log.info("Telegram bot @%s connected", application.bot.username)
            await self.queue_digests()  # catch up on a digest missed while the tracker was down
            return

    async def run(self) -> None:
        """Run until SIGINT or SIGTERM."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stop.set)
        telegram_task = asyncio.create_task(self.start_telegram()) if self.settings.telegram_enabled else None
        webhook = self._start_webhook(loop)
        scheduler = AsyncIOScheduler(timezone=UTC)
        soon = datetime.now(UTC) + timedelta(milliseconds=10)
        every = self.settings.poll_interval
        scheduler.add_job(self._job(self.cycle), "interval", seconds=every, id="poll", max_instances=1,
                          coalesce=True, next_run_time=soon, misfire_grace_time=None)
        scheduler.add_job(self._job(self.enrich), "interval", seconds=every, id="enrich", max_instances=1,
                          coalesce=True, next_run_time=soon + timedelta(seconds=every / 2), misfire_grace_time=None)
        scheduler.add_job(self._job(self.housekeeping), "interval", hours=6, id="housekeeping", max_instances=1,
                          coalesce=True, next_run_time=soon + timedelta(minutes=1), misfire_grace_time=None)
        scheduler.add_job(self._job(self.deliver), "interval", seconds=DELIVER_EVERY, id="deliver", max_instances=1,
                          coalesce=True, misfire_grace_time=None)
        hour, minute = self.settings.digest_time.split(":")
        scheduler.add_job(self._job(self.queue_digests), "cron", hour=int(hour), minute=int(minute), second=1,
                          id="digest", max_instances=1, coalesce=True, misfire_grace_time=None)
        scheduler.add_job(self._job(self.queue_digests), "interval", minutes=10, id="digest-check",
                          max_instances=1, coalesce=True, misfire_grace_time=None)
        scheduler.start()
        log.info("tracker running: %d labs, %d organisations, every %ss; Ctrl-C stops", len(self.watchlist.labs),
                 len(self.watchlist.orgs), self.settings.poll_interval)
        try:
            await self.stop.wait()
        finally:
            log.info("stopping")
            if webhook is not None:
                webhook.stop()
            scheduler.pause()  # no new runs; shutdown() would cancel the running ones mid-write
            if self._jobs:
                log.info("waiting for %d running job(s) to finish", len(self._jobs))
                await asyncio.wait(set(self._jobs), timeout=STOP_GRACE)
            scheduler.shutdown(wait=False)
            if telegram_task is not None:
                telegram_task.cancel()
            if self.application is not None:
                await _shutdown(self.application)
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


async def _shutdown(application: Application) -> None:
    try:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
    except Exception:  # noqa: BLE001  (shutting down after a failure must not raise again)
        log.debug("error while shutting the bot down", exc_info=True)


def _found_something(report: CycleReport) -> bool:
    return any(s.new or s.license_changes or s.removed for s in report.summaries)


async def run_forever(settings: Settings, store: Store, watchlist: Watchlist) -> None:
    """`tracker run`."""
    await Runtime(settings, store, watchlist).run()
