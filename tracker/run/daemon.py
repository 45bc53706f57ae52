"""The long-running process: one asyncio loop holding the scheduler, the delivery and (with a token) the bot.

APScheduler runs the jobs that come round on a clock (tracker.run.jobs: `poll` every TRACKER_POLL_INTERVAL seconds,
enrichment, digests, housekeeping), each never overlapping itself. Delivery is not a job: each kind of recipient has a
lane of its own (tracker.run.delivery), woken as soon as a poll stored an alert. The Hub client is
synchronous, so a poll cycle runs in a worker thread.

Stopping (SIGINT/SIGTERM) takes at most a few seconds: running jobs get STOP_GRACE to finish, then are
cancelled. A worker thread stuck in a Hub request cannot be cancelled; its poll is abandoned instead (the
poller's StopGate lets it write nothing more) and the process exits without waiting for it. A send in
flight is either finished and marked sent, or left pending. A second signal exits at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from telegram.ext import Application

from tracker.config import ConfigError, Settings
from tracker.history.publish import rebuild_outputs
from tracker.hub.client import observe_requests
from tracker.poll.cycle import CycleReport
from tracker.poll.stop import PollAbandoned, StopExecutor, exit_at_once
from tracker.run.bot_link import connect_bot, disconnect_bot
from tracker.run.delivery import Delivery
from tracker.run.http_routes import StatusRoutes
from tracker.run.http_server import HttpServer
from tracker.run.jobs import STOP_GRACE, Jobs, make_scheduler
from tracker.run.leader import Leadership, LeadershipLost
from tracker.run.metrics import Metrics
from tracker.run.modelscope_lane import found_something, modelscope_cycle
from tracker.run.webhook import PATH, WebhookReceiver
from tracker.run.wiring import (
    alert_targets,
    alerts_destination,
    make_apprise,
    make_followups,
    make_modelscope_poller,
    make_poller,
)
from tracker.store import digests as digest_rows
from tracker.store import outbox
from tracker.store import subscribers as subscriptions
from tracker.store.disk import DiskFullWatch, is_disk_full
from tracker.store.engine import location
from tracker.store.releases import Store
from tracker.store.tables import utcnow
from tracker.telegram.digests import DigestSender
from tracker.telegram.ratelimit import SlidingWindowLimiter
from tracker.telegram.sender import PROBE_EVERY, TelegramDelivery
from tracker.watchlist import Watchlist

log = logging.getLogger(__name__)
WORKER_THREADS = 16
WEBHOOK_DEBOUNCE = 1.0


class Runtime:
    """The parts of `tracker run` and how they start and stop together."""

    def __init__(self, settings: Settings, store: Store, watchlist: Watchlist, *, poll_every: float | None = None,
                 flood_limiter: SlidingWindowLimiter | None = None, probe_every: float = PROBE_EVERY,
                 telegram_clock: Callable[[], datetime] = utcnow) -> None:
        """Tests alone pass `poll_every` (default TRACKER_POLL_INTERVAL), `flood_limiter` (default: one on the
        real clock), `probe_every` and `telegram_clock` (the sender's: what is due, retries, a wave's window):
        polls and "is Telegram back?" faster than a user may set, Telegram's waits on a virtual clock, a backoff
        ended without waiting it out."""
        self.settings = settings
        self.flood_limiter = flood_limiter
        self.probe_every, self.telegram_clock = probe_every, telegram_clock
        self.poll_every = settings.poll_interval if poll_every is None else poll_every
        self.store = store
        self.watchlist = watchlist
        self.poller = make_poller(settings, store, watchlist)
        self.modelscope = make_modelscope_poller(settings, store, watchlist)  # a lane of its own, or None
        self.followups = make_followups(settings, store, self.poller)
        self.apprise = make_apprise(settings, store)  # a bad URL is said here, once, at start
        self.fan_out_to = alert_targets(settings, store, self.apprise)
        self.application: Application | None = None
        self.telegram: TelegramDelivery | None = None
        self.digests: DigestSender | None = None
        self.stop = asyncio.Event()
        self._hub_lock = asyncio.Lock()  # a poll cycle and enrichment never write the same models at once
        self._webhook_orgs: set[str] = set()
        self._webhook_task: asyncio.Task | None = None
        self.leadership = Leadership.for_database(settings.database_url, store.engine, settings.leader_lease)
        self.jobs = Jobs(self.leadership.lost)
        self.metrics = Metrics()
        self.disk = DiskFullWatch(store.engine, location(store.engine))  # "the database disk is full", once
        self.delivery = Delivery(settings, store, self.metrics, self.apprise, self.fan_out_to,
                                 lambda: self.leadership.is_leader)
        self.started_at = utcnow()
        self.http: HttpServer | None = None

    @property
    def role(self) -> str:
        """"leader" or "standby": only the leader polls, delivers and runs the bot (tracker.run.leader).
        /healthz, `tracker_leader` and the health rule read it on every request."""
        return self.leadership.role

    async def cycle(self) -> None:
        """One poll cycle, then delivery and (when configured) the site; a failure is logged, never fatal."""
        try:
            if not self.leadership.is_leader:
                return
            if await asyncio.to_thread(subscriptions.is_paused, self.store):
                log.info("paused by an admin: skipping this poll")
                return
            async with self._polls_first():
                report = await self._run_cycle()
            backfilled = sum(s.backfill for s in report.summaries)
            log.log(logging.DEBUG if report.hub_unreachable else logging.INFO,  # the poller said it once
                    "cycle done: %d orgs ok, %d failed, %d new%s", len(report.orgs_ok), len(report.orgs_failed),
                    report.new, f"; recorded {backfilled} existing models (backfill, no alerts)" if backfilled else "")
            await self.deliver()
            if report.discovered:
                self.delivery.wake("admins")
            if self.settings.site_dir and found_something(report):
                await asyncio.to_thread(self.rebuild_site)
        except PollAbandoned:
            log.debug("poll abandoned: stopping")
        except Exception:  # noqa: BLE001
            _log_failure("poll cycle failed")

    async def modelscope_cycle(self) -> None:
        """One ModelScope poll cycle, its own job beside the Hub's (tracker.run.modelscope_lane)."""
        await modelscope_cycle(self)

    @contextlib.asynccontextmanager
    async def _polls_first(self) -> AsyncIterator[None]:
        """The Hub for a poll: enrichment holding it stops after its current model, so a poll waits a second at
        most, never for the whole backfill."""
        self.poller.poll_waiting.set()
        try:
            async with self._hub_lock:
                self.poller.poll_waiting.clear()
                yield
        finally:
            self.poller.poll_waiting.clear()

    async def _run_cycle(self, orgs: set[str] | None = None) -> CycleReport:
        """One poll cycle in a worker thread, counted and timed for /metrics."""
        with self.metrics.poll_duration.time():
            report = await asyncio.to_thread(self.poller.run_cycle, orgs)
        self.metrics.polls.inc()
        self.metrics.source_polls.labels("huggingface").inc()
        self.metrics.alerts.inc(report.alerts)
        return report

    def queue_org(self, org: str) -> None:
        """A Hub webhook named a watched organisation: poll it within a second (events are coalesced)."""
        if not self.leadership.is_leader:
            return  # a standby: the leader's regular poll sees the change
        self._webhook_orgs.add(org)
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.create_task(self.jobs.job(self._poll_queued)())

    async def _poll_queued(self) -> None:
        while self._webhook_orgs:  # events arriving during a poll are handled by the next round
            await asyncio.sleep(WEBHOOK_DEBOUNCE)  # a release is often several events (create, commit, publish)
            orgs, self._webhook_orgs = set(self._webhook_orgs), set()
            try:
                async with self._polls_first():
                    report = await self._run_cycle(orgs)
                log.info("webhook poll of %s: %d new", ", ".join(sorted(orgs)), report.new)
                await self.deliver()
            except PollAbandoned:
                return
            except Exception:  # noqa: BLE001
                _log_failure("webhook-triggered poll failed; the regular poll picks it up")

    async def _start_http(self) -> None:
        """Serve /healthz, /metrics and (with TRACKER_HUB_WEBHOOK_SECRET) the Hub webhook."""
        routes = StatusRoutes(self.store, self.settings.poll_interval, self.metrics, lambda: self.role,
                              self.started_at, self._rate_limited).routes()
        server = HttpServer(self.settings.http_host, self.settings.http_port, routes)
        if self.settings.hub_webhook_secret is not None:
            receiver = WebhookReceiver(self.settings.hub_webhook_secret.get_secret_value(), self.watchlist,
                                       self.queue_org)
            server.routes[("POST", PATH)] = receiver
            server.on_close.append(receiver.rejections.flush)
        try:
            await server.start()
        except OSError as exc:
            raise ConfigError(f"cannot serve HTTP on {self.settings.http_host}:{self.settings.http_port} "
                              f"({exc.strerror or exc}); set TRACKER_HTTP_HOST / TRACKER_HTTP_PORT") from None
        self.http = server
        log.info("HTTP on http://%s:%d: /healthz, /metrics%s", self.settings.http_host, server.port,
                 ", /hub-webhook" if self.settings.hub_webhook_secret else "")

    def _rate_limited(self, now: datetime) -> dict[str, datetime]:
        """Organisations skipped for a 429 on either hub (ModelScope's as `modelscope:ORG`)."""
        limited = self.poller.guard.rate_limited_orgs(now)
        return limited | (self.modelscope.rate_limited_orgs(now) if self.modelscope is not None else {})

    async def enrich(self) -> None:
        """Read config.json and the model card of a few backfilled models per organisation (a bounded trickle)."""
        if self.settings.enrich_per_org == 0:
            return
        try:
            if await asyncio.to_thread(subscriptions.is_paused, self.store):
                return
            async with self._hub_lock:
                done = await asyncio.to_thread(self.poller.enrich, self.settings.enrich_per_org)
                cards = await asyncio.to_thread(self.poller.enrich_cards, self.settings.enrich_per_org)
            if done:
                log.info("read config.json of %d backfilled models", done)
            if cards:
                log.info("read the model cards of %d backfilled models", cards)
        except PollAbandoned:
            log.debug("enrichment abandoned: stopping")
        except Exception:  # noqa: BLE001
            _log_failure("enrichment failed; it is tried again later")

    async def follow_up(self) -> None:
        """Take the follow-ups that are due (tracker.poll.followup), a few per interval, between polls."""
        try:
            if not self.leadership.is_leader or await asyncio.to_thread(subscriptions.is_paused, self.store):
                return
            report = await asyncio.to_thread(self.followups.run)
            if report.done:
                log.info("followed up %d release(s): %s", len(report.done), ", ".join(report.done))
                await self.deliver()
        except PollAbandoned:
            log.debug("follow-ups abandoned: stopping")
        except Exception:  # noqa: BLE001
            _log_failure("follow-ups failed; tried again at the next interval")

    async def housekeeping(self) -> None:
        """Forget finished deliveries older than 30 days, so the outbox does not grow forever."""
        try:
            pruned = await asyncio.to_thread(outbox.prune, self.store, utcnow())
            pruned += await asyncio.to_thread(digest_rows.prune, self.store, utcnow())
            if pruned:
                log.info("pruned %d finished deliveries older than 30 days", pruned)
        except Exception:  # noqa: BLE001
            _log_failure("housekeeping failed; it is tried again later")

    def rebuild_site(self) -> None:
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
            _log_failure("queuing digests failed; tried again at the next check")
        self.delivery.wake("digests")

    async def deliver(self) -> None:
        """Have every delivery lane look for work now (they run on their own; this returns at once)."""
        self.delivery.wake()

    async def start_telegram(self) -> None:
        """Connect the bot (retrying while Telegram is unreachable; alerts wait in the store meanwhile), then
        deliver through it."""
        application = await connect_bot(self.settings, self.store, self.watchlist, self.metrics.telegram_429.inc,
                                        self.stop, self.flood_limiter)
        if application is None:
            return
        self.application = application
        self.telegram = TelegramDelivery(application.bot, self.store, self.settings, self.telegram_clock,
                                         fan_out_to=self.fan_out_to if self.apprise is not None else None,
                                         probe_every=self.probe_every)
        self.digests = DigestSender(application.bot, self.store, self.settings)
        self.delivery.start_telegram(application, self.telegram, self.digests)
        await self.queue_digests()  # catch up on a digest missed while the tracker was down

    async def run(self) -> None:
        """Run until SIGINT or SIGTERM: as the leader, or as a standby until the leader goes."""
        loop = asyncio.get_running_loop()
        loop.set_default_executor(StopExecutor(WORKER_THREADS, thread_name_prefix="worker"))
        self._handle_signals(loop, self.stop.set)
        observe_requests(self.metrics.hub_response)
        await self._start_http()  # a standby serves /healthz and /metrics too
        try:
            if await self.leadership.acquire(self.stop):
                await self._lead(loop)
        finally:
            self._handle_signals(loop, exit_at_once)
            if self.http is not None:
                await self.http.close()
            await self.leadership.release()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        if self.leadership.lost.is_set():
            raise LeadershipLost("stopped acting: the leader lease could not be renewed (is the database "
                                 "reachable?); exiting, so that a restart rejoins as a standby")

    async def _lead(self, loop: asyncio.AbstractEventLoop) -> None:
        """Poll, deliver and run the bot until stopped or the leadership is lost."""
        done = asyncio.Event()  # the lease is renewed until the clean stop below has finished
        keeper = asyncio.create_task(self.leadership.keep(done))
        bot_usable = self.settings.telegram_enabled and self.settings.telegram_problem() is None
        telegram_task = asyncio.create_task(self.start_telegram()) if bot_usable else None
        scheduler = make_scheduler(self)
        scheduler.start()
        self.delivery.start()
        self.poller.on_alerts = self.delivery.alerts_stored  # called from the poll's worker threads
        log.info("tracker running: %d labs, %d organisations%s, every %ss; Ctrl-C stops", len(self.watchlist.labs),
                 len(self.watchlist.orgs), f" (+{len(self.watchlist.modelscope_orgs)} on ModelScope)"
                 if self.modelscope is not None else "", self.settings.poll_interval)
        log.info("alerts go to %s", await asyncio.to_thread(alerts_destination, self.settings, self.store,
                                                             self.apprise))
        stopping = asyncio.create_task(self.stop.wait())
        try:  # until stopped, or at once when the lease is lost (the keeper returns)
            await asyncio.wait({stopping, keeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            log.info("stopping")
            self._handle_signals(loop, exit_at_once)
            scheduler.pause()  # no new runs; shutdown() would cancel the running ones mid-write
            self.poller.on_alerts = None
            gates = [self.poller.gate] + ([self.modelscope.gate] if self.modelscope is not None else [])
            await asyncio.gather(self.jobs.finish(gates), self.delivery.stop(STOP_GRACE))
            scheduler.shutdown(wait=False)
            await self._stop_telegram(telegram_task)
            done.set()
            keeper.cancel()

    @staticmethod
    def _handle_signals(loop: asyncio.AbstractEventLoop, handler: Callable[[], None]) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, handler)

    async def _stop_telegram(self, telegram_task: asyncio.Task | None) -> None:
        if telegram_task is not None and not telegram_task.done():
            telegram_task.cancel()
            await asyncio.wait([telegram_task], timeout=0.5)
        if self.application is not None:
            await disconnect_bot(self.application)


def _log_failure(message: str) -> None:
    """`log.exception(message)` for the exception being handled; a full database disk is said once by the
    store's DiskFullWatch instead, so here it is a debug line."""
    if is_disk_full(sys.exc_info()[1]):
        log.debug("%s: the database disk is full", message)
    else:
        log.exception(message)


async def run_forever(settings: Settings, store: Store, watchlist: Watchlist) -> None:
    """`tracker run`."""
    await Runtime(settings, store, watchlist).run()
