"""Delivery for the one-shot commands (`tracker poll`): send what is pending now, then return.

To Telegram when a token is set (waiting out short retries, up to a minute; due digests and discovery
proposals go out too), else to the terminal. `tracker run` delivers through `tracker.run.daemon` instead.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from telegram.error import InvalidToken, NetworkError

from tracker.bot.discover import send_proposals
from tracker.config import Settings
from tracker.deliver.console import deliver_to_console
from tracker.poll.stop import StopGate, exit_past_stuck_threads
from tracker.store import outbox
from tracker.store.releases import Store
from tracker.store.tables import utcnow
from tracker.telegram.app import TOKEN_REJECTED, build_application
from tracker.telegram.digests import DigestSender
from tracker.telegram.sender import TelegramDelivery

log = logging.getLogger(__name__)
ONE_SHOT_ROUNDS = 10
ONE_SHOT_MAX_WAIT = 60.0
WRITE_GRACE = 2.0  # on Ctrl-C, a store write in progress gets this long to finish
T = TypeVar("T")


def until_interrupted(work: Callable[[], T], gate: StopGate) -> T:
    """`work()` in a worker thread, so that Ctrl-C stops the command within seconds even while Hub requests
    hang: the poll's gate closes (a write in progress finishes, none starts) and the process exits without
    waiting for the stuck requests (exit status 130)."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # noqa: BLE001  (re-raised in the command's thread)
            failure.append(exc)

    worker = threading.Thread(target=target, name="one-shot")  # not a daemon, nor the pool threads it starts
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        gate.close(WRITE_GRACE)
        print("interrupted: stopped; what was stored stays, nothing more is written", file=sys.stderr, flush=True)
        raise SystemExit(exit_past_stuck_threads(130)) from None
    if failure:
        raise failure[0]
    return outcome[0]


def deliver_once(settings: Settings, store: Store) -> int:
    """Deliver what is pending now: to Telegram when configured, else to the terminal."""
    if not settings.telegram_enabled:
        return deliver_to_console(store, settings.hub_web_url, utcnow, weight_updates=settings.alert_weight_updates)
    try:
        return asyncio.run(_deliver_telegram_once(settings, store))
    except InvalidToken:
        log.warning(TOKEN_REJECTED)
    except NetworkError as exc:
        log.warning("Telegram unreachable (%s); alerts stay queued and go out on the next run", exc.message)
    return 0


async def _deliver_telegram_once(settings: Settings, store: Store) -> int:
    application = build_application(settings)
    delivered = 0
    async with application:
        delivery = TelegramDelivery(application.bot, store, settings)
        digests = DigestSender(application.bot, store, settings)
        await asyncio.to_thread(digests.queue)  # a digest whose time has come goes out with this run too
        # One-shot: also wait out short retries (429 retry_after, brief network errors), up to a minute.
        for _ in range(ONE_SHOT_ROUNDS):
            report = await delivery.run_once()
            delivered += report.sent + report.edited + await digests.run_once()
            wait = await asyncio.to_thread(outbox.seconds_until_next, store, utcnow())
            if wait is None or wait > ONE_SHOT_MAX_WAIT:
                break
            await asyncio.sleep(wait)
        if settings.discovery:
            await send_proposals(application.bot, store, settings.admins, settings.hub_web_url)
    return delivered
