"""The long-running process: one asyncio loop holding the scheduler (and, with Telegram, the bot)."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from tracker.config import Settings
from tracker.deliver import deliver_to_console
from tracker.models import utcnow
from tracker.store import Store
from tracker.watchlist import Watchlist

log = logging.getLogger(__name__)


def deliver_once(settings: Settings, store: Store) -> int:
    """Deliver what is pending to the terminal (Telegram delivery runs inside `tracker run`)."""
    return deliver_to_console(store, settings.hf_endpoint, utcnow)


async def run_forever(settings: Settings, store: Store, watchlist: Watchlist) -> None:
    """Poll every TRACKER_POLL_INTERVAL seconds, never two cycles at once, until SIGINT or SIGTERM."""
    from tracker.commands import make_poller

    poller = make_poller(settings, store, watchlist)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    async def cycle() -> None:
        try:
            report = await asyncio.to_thread(poller.run_cycle)
            delivered = await asyncio.to_thread(deliver_once, settings, store)
            log.info("cycle done: %d orgs ok, %d failed, %d new, %d delivered", len(report.orgs_ok),
                     len(report.orgs_failed), report.new, delivered)
        except Exception:  # noqa: BLE001  (a failed cycle is logged; the next one runs on time)
            log.exception("poll cycle failed")

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(cycle, "interval", seconds=settings.poll_interval, id="poll", max_instances=1,
                      coalesce=True, next_run_time=datetime.now(UTC) + timedelta(milliseconds=10),
                      misfire_grace_time=None)
    scheduler.start()
    log.info("tracker running: %d labs, %d organisations, every %ss; Ctrl-C stops", len(watchlist.labs),
             len(watchlist.orgs), settings.poll_interval)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        scheduler.shutdown(wait=False)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
