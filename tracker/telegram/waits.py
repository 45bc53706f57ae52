"""Waiting on a drain's sends: until few are left in flight, or until new work arrives."""

from __future__ import annotations

import asyncio


async def woken_before_done(woken: asyncio.Event, tasks: list[asyncio.Task[None]],
                             stop: asyncio.Event | None) -> bool:
    """Wait until new deliveries arrive (True) or everything in flight has landed (False)."""
    running = [t for t in tasks if not t.done()]
    if woken.is_set() or not running:
        return woken.is_set() and not (stop is not None and stop.is_set())
    waits = [asyncio.create_task(woken.wait()), asyncio.create_task(asyncio.wait(running))]
    if stop is not None:
        waits.append(asyncio.create_task(stop.wait()))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    return woken.is_set() and not (stop is not None and stop.is_set())


async def until_left(tasks: list[asyncio.Task[None]], left: int) -> None:
    """Wait until at most `left` of `tasks` are unfinished."""
    running = sum(not t.done() for t in tasks)
    if running <= left:
        return
    enough = asyncio.Event()

    def finished(_task: asyncio.Task[None]) -> None:
        nonlocal running
        running -= 1
        if running <= left:
            enough.set()

    for task in tasks:
        if not task.done():
            task.add_done_callback(finished)
    await enough.wait()
