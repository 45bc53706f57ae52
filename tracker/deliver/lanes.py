"""Delivery lanes: each kind of recipient drained by a task of its own, woken the moment there is work.

The channel, the subscribers, the admins, the digests and each other sink are separate lanes, so a backlog
or a failing recipient in one (the channel's 20 messages a minute, an admin Telegram refuses) never holds up
another. A lane runs its `drain` whenever it is woken (`wake()`: an alert was stored, a digest queued), and
at the latest every `idle` seconds, or sooner when the drain says its next retry comes due then. A wake
that arrives while a drain runs is not lost: the drain may take it itself (the Telegram lanes read the new
deliveries at once), or the lane drains again as soon as the current drain ends.

The outbox in the store stays the source of truth: a lane holds nothing that is not also a pending row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from tracker.store.disk import is_disk_full

log = logging.getLogger(__name__)
# Seconds between looks when nothing wakes a lane: for rows written by another process, since a lane is woken
# for its own work and told when its next retry comes due.
IDLE = 5.0

# A lane's drain gets the lane's wake event (set when new work arrives meanwhile) and returns the seconds until
# its next known retry, or None.
Drain = Callable[[asyncio.Event], Awaitable[float | None]]


class Lane:
    """One kind of delivery, drained by its own task (`serve`), one drain at a time."""

    def __init__(self, name: str, drain: Drain, idle: float = IDLE) -> None:
        self.name = name
        self._drain = drain
        self.idle = idle
        self.woken = asyncio.Event()
        self.drains = 0  # how many drains have finished (tests and benches wait on it)
        self._failing = False

    def wake(self) -> None:
        """There is new work for this lane: drain now (or right after the drain under way)."""
        self.woken.set()

    async def serve(self, stop: asyncio.Event) -> None:
        """Drain whenever woken, until `stop` is set; a failing drain is logged once and retried."""
        stopping = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                self.woken.clear()
                next_in = await self._drain_once()
                self.drains += 1
                if stop.is_set():
                    return
                wait = self.idle if next_in is None else max(0.0, min(self.idle, next_in))
                if self.woken.is_set():
                    continue
                woken = asyncio.create_task(self.woken.wait())
                try:
                    await asyncio.wait({woken, stopping}, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    woken.cancel()
        finally:
            stopping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stopping

    async def _drain_once(self) -> float | None:
        try:
            next_in = await self._drain(self.woken)
        except Exception as exc:  # noqa: BLE001  (a lane must outlive any one failure)
            if is_disk_full(exc):
                log.debug("%s lane: the database disk is full; retried", self.name)  # said once by the store
            elif not self._failing:
                log.exception("%s lane: delivery failed; pending messages stay queued and are retried", self.name)
            else:
                log.debug("%s lane: delivery failed again: %s", self.name, exc)
            self._failing = True
            return None
        if self._failing:
            log.info("%s lane: delivering again", self.name)
            self._failing = False
        return next_in


class Lanes:
    """The lanes of one process, started together and stopped together."""

    def __init__(self) -> None:
        self.lanes: dict[str, Lane] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stop = asyncio.Event()

    def add(self, lane: Lane) -> Lane:
        """Start serving `lane` (a lane of the same name is replaced)."""
        old = self._tasks.pop(lane.name, None)
        if old is not None:
            old.cancel()
        self.lanes[lane.name] = lane
        self._tasks[lane.name] = asyncio.create_task(lane.serve(self._stop), name=f"lane:{lane.name}")
        return lane

    def wake(self, *names: str) -> None:
        """Wake the named lanes (every lane when none is named)."""
        for name, lane in self.lanes.items():
            if not names or name in names:
                lane.wake()

    @property
    def tasks(self) -> list[asyncio.Task[None]]:
        return list(self._tasks.values())

    async def stop(self, grace: float) -> int:
        """No new drains; give the ones under way `grace` seconds, then cancel them (unsent rows stay pending).
        Returns how many had to be cancelled."""
        self._stop.set()
        tasks = [t for t in self._tasks.values() if not t.done()]
        if not tasks:
            return 0
        _done, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=0.5)
        return len(pending)
