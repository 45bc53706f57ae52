"""Stopping `tracker run` promptly: a gate in front of a poll's store writes, and leaving stuck threads behind.

The Hub client is synchronous and runs in worker threads, which cannot be cancelled: a stop stops
*waiting* for them instead. A poll abandoned that way must write nothing, so every write of a poll
passes through the gate: once `close()` has returned, no write is in progress and none can start
(the thread gets `PollAbandoned` and its whole poll is dropped; each write is one transaction, so the
store holds either all of an organisation's poll or none of it).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

log = logging.getLogger(__name__)


class PollAbandoned(Exception):  # noqa: N818  (not an error: the process is stopping)
    """The process is stopping: this poll is dropped before it writes anything more."""


class StopGate:
    """Lets writes through until `close()`; `close()` waits for the writes already in progress."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._active = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def busy(self) -> bool:
        """A write is in progress."""
        return self._active > 0

    def check(self) -> None:
        """Raise PollAbandoned when the gate is closed (a cheap check before slow Hub work)."""
        if self._closed:
            raise PollAbandoned

    @contextmanager
    def write(self) -> Iterator[None]:
        """One store write; raises PollAbandoned instead of starting it once the gate is closed."""
        with self._cond:
            if self._closed:
                raise PollAbandoned
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def close(self, timeout: float) -> bool:
        """Close the gate and wait up to `timeout` s for writes in progress; False if one is still running."""
        with self._cond:
            self._closed = True
            return self._cond.wait_for(lambda: self._active == 0, timeout)


class StopExecutor(ThreadPoolExecutor):
    """The loop's worker threads; at the end of `asyncio.run` it stops waiting for workers stuck in a hung
    Hub request (the stdlib executor would wait for them forever)."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=True)


def exit_at_once() -> None:
    """A second Ctrl-C (or SIGTERM) while stopping: exit now. Store writes are transactions, and a send
    not yet marked sent stays pending, so nothing is half-written."""
    print("stopping now (second interrupt)", file=sys.stderr, flush=True)
    os._exit(130)


def exit_past_stuck_threads(code: int) -> int:
    """After a clean stop: if worker threads are still stuck in Hub requests, exit without joining them
    (the interpreter would otherwise wait at exit for as long as the Hub hangs)."""
    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if not stuck:
        return code
    log.debug("exiting past %d worker thread(s) stuck in Hub requests", len(stuck))
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
