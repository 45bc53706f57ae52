"""UpdateLanes, the bot's update processor, driven directly: what the fake Bot API cannot time exactly
(a query superseded while it is being computed, one that waited too long). The bot under load through the
fake is in tests/integration/test_bot_concurrency.py."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from tracker.telegram.updates import UpdateLanes, answering, person_of


def inline(update_id: int, user: int, text: str) -> Update:
    return Update.de_json({"update_id": update_id, "inline_query": {
        "id": str(update_id), "from": {"id": user, "is_bot": False, "first_name": "Ada"}, "query": text,
        "offset": ""}}, None)


def message(update_id: int, user: int, text: str) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": text, "chat": {"id": user, "type": "private"},
        "from": {"id": user, "is_bot": False, "first_name": "Ada"}}}, None)


async def handled(log: list[str], name: str, seconds: float = 0.0) -> None:
    log.append(f"start {name}")
    await asyncio.sleep(seconds)
    log.append(f"done {name}")


def test_a_query_being_computed_is_cancelled_by_the_persons_next() -> None:
    log: list[str] = []

    async def main() -> UpdateLanes:
        lanes = UpdateLanes()
        first = asyncio.create_task(lanes.process_update(inline(1, 7, "d"), handled(log, "d", 5)))
        await asyncio.sleep(0.05)
        other = asyncio.create_task(lanes.process_update(inline(2, 8, "q"), handled(log, "q", 0.1)))
        await lanes.process_update(inline(3, 7, "de"), handled(log, "de"))
        await asyncio.gather(first, other)
        return lanes

    lanes = asyncio.run(main())
    assert log[0] == "start d" and "done d" not in log  # cancelled while computed, never answered
    assert {"start de", "done de", "start q", "done q"} <= set(log)
    assert lanes.stats.superseded == 1


def test_an_answer_being_sent_is_not_cut_off_by_the_persons_next_query() -> None:
    """Cancelling the request mid-send saves nothing (the answer is made) and tears down the connection: the
    Bot API saw a request with no body, which it refuses, and the next request waits for a new connection."""
    log: list[str] = []

    async def sending(name: str) -> None:
        log.append(f"start {name}")
        answering()  # computed: from here on it is the request to Telegram
        await asyncio.sleep(0.3)
        log.append(f"sent {name}")

    async def main() -> UpdateLanes:
        lanes = UpdateLanes()
        first = asyncio.create_task(lanes.process_update(inline(1, 7, "d"), sending("d")))
        await asyncio.sleep(0.05)
        await lanes.process_update(inline(2, 7, "de"), handled(log, "de"))
        await first
        return lanes

    lanes = asyncio.run(main())
    assert log == ["start d", "start de", "done de", "sent d"] and lanes.stats.superseded == 0


def test_a_query_that_waited_too_long_is_dropped_unanswered() -> None:
    log: list[str] = []
    now = [0.0]

    async def main() -> UpdateLanes:
        lanes = UpdateLanes(inline=1, too_late=9.0, clock=lambda: now[0])

        async def slow() -> None:
            await handled(log, "slow", 0.1)
            now[0] += 10  # the lane was busy for longer than Telegram waits

        first = asyncio.create_task(lanes.process_update(inline(1, 7, "a"), slow()))
        await asyncio.sleep(0.01)
        await lanes.process_update(inline(2, 8, "b"), handled(log, "late"))
        await first
        return lanes

    lanes = asyncio.run(main())
    assert log == ["start slow", "done slow"] and lanes.stats.too_late == 1


def test_one_persons_messages_run_in_order_and_other_people_meanwhile() -> None:
    log: list[str] = []

    async def main() -> None:
        lanes = UpdateLanes()
        await asyncio.gather(
            lanes.process_update(message(1, 7, "/settings min 1B"), handled(log, "7a", 0.2)),
            lanes.process_update(message(2, 7, "/settings min 2B"), handled(log, "7b")),
            lanes.process_update(message(3, 8, "/help"), handled(log, "8")),
        )

    asyncio.run(main())
    assert log == ["start 7a", "start 8", "done 8", "done 7a", "start 7b", "done 7b"]


def test_updates_of_no_one_still_run() -> None:
    log: list[str] = []
    update: Any = object()
    assert person_of(update) is None
    asyncio.run(UpdateLanes().process_update(update, handled(log, "x")))
    assert log == ["start x", "done x"]
