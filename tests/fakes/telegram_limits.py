"""Telegram's flood limits as sliding windows (used by the fake Bot API).

Model (all windows slide over ``time.monotonic()``; only *accepted* sends are recorded,
a request answered with 429 does not consume a slot):

* global: at most ``global_per_sec`` counted requests in any 1 s window (all chats together);
* group: at most ``group_per_min`` per chat in any 60 s window for channels, groups and
  supergroups (forum topics share their chat's window);
* private: at most ``private_burst`` per chat in any ``private_burst / private_per_sec`` s
  window, i.e. ~1 message/s on average with a small burst (default 3 in 3 s).

``time_scale`` multiplies every window length (0.01 turns "20 per minute" into
"20 per 0.6 s") so tests can exercise the limits quickly. ``retry_after`` is the number of
whole seconds until the blocking window frees a slot, rounded up and at least 1 (the Bot
API only speaks integers), so with a small ``time_scale`` it over-estimates.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

__all__ = ["RateLimits", "SlidingWindowLimiter"]

PRIVATE = "private"


@dataclass(frozen=True)
class RateLimits:
    """Flood-limit configuration; ``FakeTelegram(rate_limits=None)`` disables limits."""

    global_per_sec: int = 30
    group_per_min: int = 20
    private_per_sec: float = 1.0
    private_burst: int = 3
    time_scale: float = 1.0
    counted_methods: frozenset[str] = field(default_factory=lambda: frozenset({"sendmessage"}))

    def windows(self, chat_key: str, chat_type: str) -> list[tuple[str, int, float]]:
        """The (bucket key, max count, window seconds) triples a send to this chat hits."""
        result = [("global", self.global_per_sec, 1.0 * self.time_scale)]
        if chat_type == PRIVATE:
            span = self.private_burst / self.private_per_sec
            result.append((f"chat:{chat_key}", self.private_burst, span * self.time_scale))
        else:
            result.append((f"chat:{chat_key}", self.group_per_min, 60.0 * self.time_scale))
        return result

    def earliest_schedule(self, sends: Iterable[tuple[str, str]]) -> list[float]:
        """Earliest times (s after the first) at which ``sends`` ((chat_key, chat_type), in
        order) can all be accepted: the floor a perfect client could reach."""
        history: dict[str, deque[float]] = {}
        times: list[float] = []
        last = 0.0
        for chat_key, chat_type in sends:
            t = last
            for key, count, span in self.windows(chat_key, chat_type):
                dq = history.get(key)
                if dq is not None and len(dq) >= count:
                    t = max(t, dq[-count] + span)
            for key, count, _span in self.windows(chat_key, chat_type):
                history.setdefault(key, deque(maxlen=max(count, 1))).append(t)
            times.append(t)
            last = t
        return times

    def min_send_time(self, count: int, chat_type: str = "channel") -> float:
        """Minimum seconds between the first and the last of ``count`` sends to one chat."""
        if count <= 0:
            return 0.0
        return self.earliest_schedule([("x", chat_type)] * count)[-1]


class SlidingWindowLimiter:
    """Thread-safe enforcement of :class:`RateLimits`."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._history: dict[str, deque[float]] = {}

    def try_acquire(self, chat_key: str, chat_type: str) -> int | None:
        """Record a send and return None, or return ``retry_after`` seconds (>= 1)."""
        with self._lock:
            now = self._clock()
            wait = 0.0
            windows = self.limits.windows(chat_key, chat_type)
            for key, count, span in windows:
                dq = self._history.setdefault(key, deque())
                while dq and dq[0] <= now - span:
                    dq.popleft()
                if len(dq) >= count:
                    wait = max(wait, dq[len(dq) - count] + span - now)
            if wait > 0:
                return max(1, math.ceil(wait))
            for key, _count, _span in windows:
                self._history[key].append(now)
            return None

    def reset(self) -> None:
        """Forget all recorded sends."""
        with self._lock:
            self._history.clear()
