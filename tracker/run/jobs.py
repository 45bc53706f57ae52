"""The scheduler's jobs in `tracker run`: what comes round on a clock, and how a stop waits for what runs.

APScheduler runs the jobs (`poll` every TRACKER_POLL_INTERVAL seconds, enrichment, follow-ups, digests,
housekeeping), each never overlapping itself. On stop, running jobs get STOP_GRACE to finish, then are
cancelled (tracker.run.daemon).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from tracker.poll.stop import StopGate

if TYPE_CHECKING:
    from tracker.run.daemon import Runtime

log = logging.getLogger("tracker.run.daemon")
STOP_GRACE = 2.5  # running jobs get this long to finish on stop; the bot then gets bot_link.BOT_STOP_GRACE
JOB_INSTANCES = 2  # a turn due while the last still runs reaches Jobs.job, which skips it without APScheduler's warning


class Jobs:
    """The jobs running now, so that a stop can wait for them (`finish`)."""

    def __init__(self, lost: asyncio.Event) -> None:
        """`lost` is set when the leader lease is lost: a job cancelled then is said to be."""
        self.running: set[asyncio.Task] = set()
        self._lost = lost

    def job(self, func: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """A scheduler job that a stop waits for, up to STOP_GRACE, before cancelling it (see `finish`).

        A turn that comes while the previous one still runs (a poll cycle longer than the interval) is skipped
        here, quietly: APScheduler would warn about it at every turn (jobs are added with JOB_INSTANCES)."""
        busy = False

        async def run() -> None:
            nonlocal busy
            if busy:
                log.debug("%s still running: this turn is skipped", getattr(func, "__name__", "a job"))
                return
            busy = True
            task = asyncio.current_task()
            assert task is not None
            self.running.add(task)
            try:
                await func()
            except asyncio.CancelledError:
                # cancelled by a stop after its grace, or because the lease was lost: not an error
                if self._lost.is_set():
                    log.info("stopped a running job: this instance is no longer the leader")
            finally:
                busy = False
                self.running.discard(task)

        return run

    async def finish(self, gates: list[StopGate]) -> None:
        """Close the polls' write gates, give running jobs STOP_GRACE, then cancel what is left.

        A cancelled delivery leaves its unsent messages pending; a poll stuck on the Hub is abandoned and
        writes nothing (its worker thread is left behind: the process exits without waiting for it)."""
        for gate in gates:
            gate.close(timeout=0)  # at once: from now on a poll starts no store write
        if self.running:
            log.info("waiting for %d running job(s) to finish", len(self.running))
            _done, pending = await asyncio.wait(set(self.running), timeout=STOP_GRACE)
            if pending:
                log.info("abandoning %d job(s) still waiting (a hung Hub or Telegram); they write nothing more",
                         len(pending))
                for task in pending:
                    task.cancel()
                await asyncio.wait(pending, timeout=0.5)
        for _ in range(20):  # a poll's write already under way in a worker thread is one short transaction
            if not any(gate.busy for gate in gates):
                break
            await asyncio.sleep(0.05)


def make_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    """The scheduler of a leader's jobs, not started."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    job = runtime.jobs.job
    soon = datetime.now(UTC) + timedelta(milliseconds=10)
    every = runtime.poll_every
    scheduler.add_job(job(runtime.cycle), "interval", seconds=every, id="poll", max_instances=JOB_INSTANCES,
                      coalesce=True, next_run_time=soon, misfire_grace_time=None)
    if runtime.modelscope is not None:
        scheduler.add_job(job(runtime.modelscope_cycle), "interval", seconds=every, id="modelscope",
                          max_instances=JOB_INSTANCES, coalesce=True, next_run_time=soon, misfire_grace_time=None)
    scheduler.add_job(job(runtime.enrich), "interval", seconds=every, id="enrich", max_instances=JOB_INSTANCES,
                      coalesce=True, next_run_time=soon + timedelta(seconds=every / 2), misfire_grace_time=None)
    if runtime.settings.followup_after:  # between polls: a poll never waits for them
        scheduler.add_job(job(runtime.follow_up), "interval", seconds=every, id="followup",
                          max_instances=JOB_INSTANCES, coalesce=True,
                          next_run_time=soon + timedelta(seconds=every / 4), misfire_grace_time=None)
    scheduler.add_job(job(runtime.housekeeping), "interval", hours=6, id="housekeeping",
                      max_instances=JOB_INSTANCES, coalesce=True, next_run_time=soon + timedelta(minutes=1),
                      misfire_grace_time=None)
    hour, minute = runtime.settings.digest_time.split(":")
    scheduler.add_job(job(runtime.queue_digests), "cron", hour=int(hour), minute=int(minute), second=1,
                      id="digest", max_instances=JOB_INSTANCES, coalesce=True, misfire_grace_time=None)
    scheduler.add_job(job(runtime.queue_digests), "interval", minutes=10, id="digest-check",
                      max_instances=JOB_INSTANCES, coalesce=True, misfire_grace_time=None)
    return scheduler
