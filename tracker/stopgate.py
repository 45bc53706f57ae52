"""A gate in front of a poll's store writes, closed when `tracker run` stops.

The Hub client is synchronous and runs in worker threads, which cannot be cancelled: a stop stops
*waiting* for them instead. A poll abandoned that way must write nothing, so every write of a poll
passes through the gate: once `close()` has returned, no write is in progress and none can start
(the thread gets `PollAbandoned` and its whole poll is dropped; each write is one transaction, so the
store holds either all of an organisation's poll or none of it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


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
