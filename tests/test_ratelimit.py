"""The sliding-window limiter: never more than N sends in any window, counting sends still in flight."""

from __future__ import annotations

import asyncio

from tracker.telegram.ratelimit import Limits, SlidingWindowLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_overall_window_admits_30_then_waits_a_window_after_the_oldest_answer() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(Limits(margin=0.0), clock=clock)

    async def scenario() -> float:
        for i in range(30):
            entries = await limiter.acquire(f"user{i}", private=True)
            limiter.release(entries)
        return limiter.earliest("user-31", private=True)

    assert asyncio.run(scenario()) == 101.0


def test_a_send_in_flight_keeps_its_slot_until_answered() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(Limits(margin=0.0), clock=clock)

    async def scenario() -> None:
        held = [await limiter.acquire("chat", private=True) for _ in range(3)]
        clock.now += 5  # still unanswered after five seconds: they may arrive any moment
        assert limiter.earliest("chat", private=True) == clock.now + 3.0
        for entries in held:
            limiter.release(entries)
        assert limiter.earliest("chat", private=True) == clock.now + 3.0
        clock.now += 3.0
        assert limiter.would_wait("chat", private=True) == 0.0

    asyncio.run(scenario())


def test_channel_gets_20_per_minute_and_pause_holds_everything() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(Limits(margin=0.0), clock=clock)

    async def scenario() -> None:
        for _ in range(20):
            limiter.release(await limiter.acquire("@releases", private=False))
            clock.now += 0.1
        assert limiter.earliest("@releases", private=False) == 100.0 + 60.0
        assert limiter.would_wait("someone", private=True) == 0.0
        limiter.pause(7)
        assert limiter.would_wait("someone", private=True) == 7.0

    asyncio.run(scenario())
