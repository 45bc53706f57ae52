"""Saying once that something keeps failing, and once that it works again (Telegram sends, the Hub).

A failure that lasts at least `warn_after` is logged as one warning with when it started and how many
attempts failed; its end is one line with how long it lasted. Blips shorter than that stay at debug level.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta


def duration(span: timedelta) -> str:
    """A short human duration: 45s, 3m, 1h 5m."""
    seconds = max(0, int(span.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes = round(seconds / 60)
    return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h {minutes % 60}m"


@dataclass
class Outage:
    """A failure in progress."""

    since: datetime
    error: str
    failed: int = 0
    warned: bool = False


class OutageLog:
    """Tracks one dependency's failures; `failing` and `recovered` build the two log lines."""

    def __init__(self, logger: logging.Logger, warn_after: timedelta,
                 failing: Callable[[Outage], str], recovered: Callable[[Outage, timedelta, int], str]) -> None:
        self.logger = logger
        self.warn_after = warn_after
        self._failing = failing
        self._recovered = recovered
        self.current: Outage | None = None

    @property
    def down(self) -> bool:
        return self.current is not None

    def failure(self, error: str, now: datetime, attempts: int = 1) -> None:
        """Some attempts failed; warn once the failure has lasted `warn_after`."""
        if self.current is None:
            self.current = Outage(since=now, error=error)
        outage = self.current
        outage.failed += attempts
        outage.error = error
        if not outage.warned and now - outage.since >= self.warn_after:
            outage.warned = True
            self.logger.warning(self._failing(outage))
        elif not outage.warned:
            self.logger.debug("%s (%d failed so far)", error, outage.failed)

    def success(self, now: datetime, done: int = 1) -> None:
        """It works again: say so when the failure had been reported."""
        outage, self.current = self.current, None
        if outage is not None and outage.warned:
            self.logger.warning(self._recovered(outage, now - outage.since, done))
