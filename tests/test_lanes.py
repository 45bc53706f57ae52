"""Delivery lanes (tracker.deliver.lanes): woken at once, never losing a wake, a failure said once, stopped."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from tracker.deliver.lanes import Lane, Lanes


async def _until(predicate, timeout: float = 2.0) -> float:  # noqa: ANN001
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < timeout, "timed out"
        await asyncio.sleep(0.005)
    return time.monotonic() - start


def test_a_woken_lane_drains_at_once_and_a_wake_during_a_drain_is_not_lost() -> None:
    async def scenario() -> None:
        release = asyncio.Event()
        calls: list[float] = []

        async def drain(_woken: asyncio.Event) -> float | None:
            calls.append(time.monotonic())
            if len(calls) == 2:
                await release.wait()  # a long drain: a wake arrives meanwhile
            return None

        lanes = Lanes()
        lane = lanes.add(Lane("channel", drain, idle=60))
        await _until(lambda: lane.drains == 1)  # the first look, at start
        lane.wake()
        assert await _until(lambda: len(calls) == 2) < 0.5  # not after `idle`
        lane.wake()  # while the second drain runs
        release.set()
        assert await _until(lambda: len(calls) == 3) < 0.5
        await asyncio.sleep(0.1)
        assert len(calls) == 3  # one wake, one more drain
        assert await lanes.stop(grace=1) == 0

    asyncio.run(scenario())


def test_a_lane_looks_again_when_its_next_retry_comes_due() -> None:
    async def scenario() -> None:
        calls: list[float] = []

        async def drain(_woken: asyncio.Event) -> float | None:
            calls.append(time.monotonic())
            return 0.1  # a retry comes due in 0.1 s

        lanes = Lanes()
        lanes.add(Lane("subscribers", drain, idle=60))
        await _until(lambda: len(calls) >= 3)
        assert calls[2] - calls[1] < 0.5
        await lanes.stop(grace=1)

    asyncio.run(scenario())


def test_a_failing_drain_is_one_traceback_until_it_works_again(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        calls = 0

        async def drain(_woken: asyncio.Event) -> float | None:
            nonlocal calls
            calls += 1
            if calls <= 4:
                raise RuntimeError("boom")
            return None

        lanes = Lanes()
        lanes.add(Lane("digests", drain, idle=0.01))
        await _until(lambda: calls >= 6)
        await lanes.stop(grace=1)

    with caplog.at_level(logging.INFO, logger="tracker.deliver.lanes"):
        asyncio.run(scenario())
    said = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [r.levelname for r in said] == ["ERROR", "INFO"]
    # a traceback: exc_info, or exc_text once a secret-scrubbing filter (tracker.logsafe) formatted it
    assert (said[0].exc_info or said[0].exc_text) and "digests lane" in said[0].getMessage()
    assert said[1].getMessage() == "digests lane: delivering again"


def test_a_full_database_disk_is_left_to_the_store_to_say(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        calls = 0

        async def drain(_woken: asyncio.Event) -> float | None:
            nonlocal calls
            calls += 1
            raise OSError("database or disk is full")

        lanes = Lanes()
        lanes.add(Lane("channel", drain, idle=0.01))
        await _until(lambda: calls >= 3)
        await lanes.stop(grace=1)

    with caplog.at_level(logging.INFO, logger="tracker.deliver.lanes"):
        asyncio.run(scenario())
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


def test_stop_waits_for_a_drain_then_abandons_it() -> None:
    async def scenario() -> None:
        cancelled = asyncio.Event()

        async def drain(_woken: asyncio.Event) -> float | None:
            try:
                await asyncio.sleep(60)  # a send stuck on Telegram
            except asyncio.CancelledError:
                cancelled.set()
                raise
            return None

        lanes = Lanes()
        lanes.add(Lane("admins", drain))
        await asyncio.sleep(0.05)
        start = time.monotonic()
        assert await lanes.stop(grace=0.2) == 1
        assert time.monotonic() - start < 1
        assert cancelled.is_set()

    asyncio.run(scenario())
