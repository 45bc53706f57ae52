"""What a poll cycle does when the Hub as a whole is down, or rate-limits one organisation.

- Unreachable (DNS failure, connection refused, TLS error) or silent (it accepts connections and never
  answers): the first organisation that cannot connect or times out has the Hub probed once (a few
  seconds); when the probe fails too, the rest of the cycle is skipped and one line says the Hub at
  HF_ENDPOINT is unreachable and why (not one warning per organisation). Later cycles wait out a growing
  backoff (5 s doubling to 5 min) and the recovery is logged once.
- A 429 that asks for a long wait (`Retry-After: 120`) is not slept on: the organisation is skipped until
  then, and the others go on at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from tracker.hub.client import HubClient
from tracker.hub.errors import MAX_RATE_WAIT, HubError
from tracker.outage import Outage, OutageLog, duration

log = logging.getLogger("tracker.poll.cycle")
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=5)


class CycleGuard:
    """One cycle's view: has the Hub been found unreachable (then the remaining organisations are skipped)?"""

    def __init__(self, hub: HubClient) -> None:
        self.hub = hub
        self.down = threading.Event()
        self.reason: str | None = None
        self._probed: bool = False
        self._lock = threading.Lock()

    def unreachable(self, exc: HubError) -> bool:
        """True when `exc` (kind 'unreachable' or 'timeout') means the whole Hub is down or silent: probed once
        per cycle."""
        with self._lock:
            if self.down.is_set():
                return True
            if self._probed:
                return False  # the Hub answered the probe: this organisation's failure is its own
            return self._probe_locked()

    def probe(self) -> bool:
        """Check once that the Hub answers at all; True (and `reason` set) when it does not."""
        with self._lock:
            return self.down.is_set() or self._probe_locked()

    def _probe_locked(self) -> bool:
        self._probed = True
        reason = self.hub.reachable()
        if reason is None:
            return False
        self.reason = reason
        self.down.set()
        return True


class HubGuard:
    """Across cycles: backoff while the Hub is unreachable, organisations rate-limited until a time."""

    def __init__(self, hub: HubClient) -> None:
        self.hub = hub
        endpoint = hub.endpoint
        self.outage = OutageLog(
            log, timedelta(0),
            lambda o: f"the Hub at {endpoint} is unreachable: {o.error}; retrying with backoff (up to every "
                      f"{duration(BACKOFF_MAX)})",
            lambda o, span, _n: f"the Hub at {endpoint} is reachable again after {duration(span)}")
        self.announce = True  # `tracker poll` says it in its own summary line instead
        self.retry_at: datetime | None = None
        self._backoff = BACKOFF_FIRST
        self._limited: dict[str, datetime] = {}
        self._lock = threading.Lock()

    @property
    def current(self) -> Outage | None:
        return self.outage.current

    def waiting(self, now: datetime) -> bool:
        """True while the Hub was unreachable and its backoff has not passed."""
        return self.retry_at is not None and now < self.retry_at

    def cycle_done(self, guard: CycleGuard, any_ok: bool, now: datetime) -> None:
        """Log the outage once (and its end), and set the next try."""
        if guard.down.is_set():
            if self.announce:
                self.outage.failure(guard.reason or "unknown error", now)
            self.retry_at = now + self._backoff
            self._backoff = min(self._backoff * 2, BACKOFF_MAX)
        elif any_ok:
            self.outage.success(now)
            self.retry_at, self._backoff = None, BACKOFF_FIRST

    def rate_limited_orgs(self, now: datetime) -> dict[str, datetime]:
        """The organisations skipped for a 429 now, and until when (for /healthz)."""
        with self._lock:
            return {org: until for org, until in sorted(self._limited.items()) if until > now}

    def limited_until(self, org: str, now: datetime) -> datetime | None:
        """When `org` may be polled again after a long 429, or None when it may now."""
        with self._lock:
            until = self._limited.get(org)
            if until is not None and now >= until:
                del self._limited[org]
                return None
            return until

    def rate_limited(self, org: str, exc: HubError, now: datetime) -> None:
        """Skip `org` until the Hub's Retry-After has passed; say so once."""
        wait = min(max(exc.retry_after or 0.0, 1.0), MAX_RATE_WAIT)
        with self._lock:
            self._limited[org] = now + timedelta(seconds=wait)
        log.warning("%s: the Hub rate-limits us for %.0fs; skipping it until %s, the other organisations go on",
                    org, wait, (now + timedelta(seconds=wait)).strftime("%H:%M:%S UTC"))
