"""End to end: `tracker run` against the fake Hub and the fake Telegram Bot API."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_world import CHANNEL, ORGS, ago, bot_tracker, channel_texts, say, telegram, wait_bot

# shared with the other end-to-end files that run the tracker with Telegram
__all__ = ["CHANNEL", "ORGS", "ago", "bot_tracker", "channel_texts", "say", "start", "telegram", "wait_bot"]


class Running:
    """A `tracker run` process, stopped with SIGINT (Ctrl-C) at the end."""

    def __init__(self, tracker: Tracker, telegram: FakeTelegram) -> None:
        self.proc: subprocess.Popen[str] = tracker.popen("run")
        self.telegram = telegram

    def wait_polls(self, hub: FakeHub, cycles: int = 1, timeout: float = 45) -> None:
        """Wait until the tracker has listed every watched organisation `cycles` more times (a cycle lists
        each organisation once: waiting for a whole cycle avoids racing a change against its first look)."""
        done = hub.count(kind="list") // ORGS
        target = (done + cycles) * ORGS
        deadline = time.time() + timeout
        while hub.count(kind="list") < target:
            assert self.proc.poll() is None, self.stop()
            assert time.time() < deadline, "tracker did not poll in time"
            time.sleep(0.05)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            _out, err = self.proc.communicate(timeout=45)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate()
        return err


@pytest.fixture
def start(bot_tracker: Tracker, telegram: FakeTelegram) -> Iterator:
    procs: list[Running] = []

    def _start() -> Running:
        running = Running(bot_tracker, telegram)
        procs.append(running)
        return running

    yield _start
    for running in procs:
        running.stop()


def test_killed_mid_send_it_resumes_and_loses_nothing(bot_tracker: Tracker, fake_hub: FakeHub,
                                                       telegram: FakeTelegram) -> None:
    users = list(range(5000, 5150))
    hub_catalog.qwen2_5_7b(fake_hub)
    first = Running(bot_tracker, telegram)
    try:
        first.wait_polls(fake_hub)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for uid in users:
            telegram.add_private(uid)
        with sqlite3.connect(bot_tracker.db_path) as db:
            db.executemany("INSERT INTO subscribers (user_id, chat_id, lang, active, include_quantized, created_at,"
                           " updated_at) VALUES (?, ?, 'en', 1, 1, ?, ?)", [(u, u, stamp, stamp) for u in users])
        hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=1))
        telegram.wait_for(lambda: sum(1 for u in users if telegram.messages(u)) >= 40, timeout=45)
    finally:
        first.proc.kill()  # SIGKILL: no clean shutdown, sends in flight
        first.proc.communicate()
    reached_before_restart = sum(1 for u in users if telegram.messages(u))
    assert reached_before_restart < len(users)

    second = Running(bot_tracker, telegram)
    try:
        telegram.wait_for(lambda: all(telegram.messages(u) for u in users), timeout=40)
        second.wait_polls(fake_hub, cycles=2)
    finally:
        second.stop()

    copies = [len(telegram.messages(u)) for u in users]
    assert min(copies) == 1
    assert sum(c - 1 for c in copies) <= 16  # only sends in flight at the kill can repeat
    assert len(telegram.messages(CHANNEL)) in (1, 2)
