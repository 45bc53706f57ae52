"""A clock for tests that moves on when code sleeps on it, so waits of seconds (flood limits, backoffs)
take no wall time but keep their order and arithmetic."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta

from tracker.store.tables import utcnow


class VirtualClock:
    """Monotonic time plus every second slept so far; `sleep`/`asleep` advance it instead of waiting."""

    def __init__(self) -> None:
        self.skipped = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.skipped += max(seconds, 0.0)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)  # still a yield to the loop, as a real sleep is


class ShiftedClock:
    """UTC wall time plus whatever a test has skipped (`advance`): a backoff of the tracker's sender ends at
    once (`InProcessRun(tracker, clock=…)`), without a test waiting it out. It never runs behind real time, so
    what the tracker stores on the real clock is never in its future."""

    def __init__(self) -> None:
        self.skipped = timedelta()

    def now(self) -> datetime:
        return utcnow() + self.skipped

    def advance(self, seconds: float) -> None:
        self.skipped += timedelta(seconds=seconds)
