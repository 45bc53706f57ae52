"""End to end: `tracker run` stops within 5 s on SIGTERM or Ctrl-C, even while the Hub and Telegram hang,
and a poll abandoned that way writes nothing."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.hub_faults import Fault

STOP_WITHIN = 5.0
QWEN_STATE = "SELECT last_success_at, last_attempt_at, error_count FROM org_state WHERE org = 'Qwen'"


@pytest.fixture
def silent_telegram() -> Iterator[str]:
    """A Bot API address that accepts connections and never answers (the kernel completes the handshake;
    nobody reads)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def wait_for_hits(proc: subprocess.Popen[str], fault: Fault, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while fault.hits < 1:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.time() < deadline, "the tracker never reached the hanging request"
        time.sleep(0.05)
    time.sleep(0.3)  # the request is now held by the fake


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[float, str, str]:
    """Send `sig`; (seconds until the process exited, stdout, stderr)."""
    start = time.monotonic()
    proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"tracker run did not stop within 30 s:\n{err}") from None
    return time.monotonic() - start, out, err


def test_sigterm_stops_within_5s_while_the_hub_and_telegram_hang(tracker: Tracker, fake_hub: FakeHub,
                                                                 silent_telegram: str) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hang = fake_hub.hang("list")
    tracker.env.update({"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_URL": silent_telegram,
                        "TRACKER_POLL_INTERVAL": "60"})
    proc = tracker.popen("run")
    wait_for_hits(proc, hang)
    elapsed, _out, err = stop(proc)
    assert elapsed < STOP_WITHIN, err
    assert proc.returncode == 0, err
    assert "stopping" in err and "Traceback" not in err


def test_an_abandoned_poll_writes_nothing(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)  # backfill: Qwen3-8B known, no config read
    with sqlite3.connect(tracker.db_path) as db:
        before = db.execute(QWEN_STATE).fetchone()
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
    hang = fake_hub.hang("resolve")  # the new model's config.json: Qwen's poll is past its listing
    tracker.env["TRACKER_ENRICH_PER_ORG"] = "0"
    proc = tracker.popen("run")
    wait_for_hits(proc, hang)
    elapsed, out, err = stop(proc)
    assert elapsed < STOP_WITHIN, err
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert "NEW RELEASE" not in out
    with sqlite3.connect(tracker.db_path) as db:
        assert db.execute("SELECT count(*) FROM models WHERE repo_id = 'Qwen/Qwen3-30B-A3B'").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM alerts").fetchone() == (0,)
        after = db.execute(QWEN_STATE).fetchone()
    assert after == before
    fake_hub.clear_faults()
    again = tracker.run("poll", check=True)  # the next run finds the release: nothing was lost either
    assert "NEW RELEASE" in again.stdout and "Qwen/Qwen3-30B-A3B" in again.stdout


def test_a_second_ctrl_c_exits_at_once(tracker: Tracker, fake_hub: FakeHub, silent_telegram: str) -> None:
    hang = fake_hub.hang("list")
    tracker.env.update({"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_URL": silent_telegram})
    proc = tracker.popen("run")
    wait_for_hits(proc, hang)
    proc.send_signal(signal.SIGINT)
    time.sleep(0.3)  # the first stop waits up to a few seconds for the hung poll
    elapsed, _out, err = stop(proc, signal.SIGINT)
    assert elapsed < 1.0, err
    assert proc.returncode == 130 and "Traceback" not in err
    assert "stopping now" in err
