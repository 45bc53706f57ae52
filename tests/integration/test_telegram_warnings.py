"""Telegram settings that cannot work get one clear warning at the start of `run` and `poll`."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.daemon_harness import InProcessRun
from tracker.run import bot_link

CHANNEL = "@releases"


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token="4242:TEST-token") as fake:
        yield fake


def telegram_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "TELEGRAM_" in line]


def run_briefly(tracker: Tracker, fake_hub: FakeHub) -> tuple[str, str]:
    target = fake_hub.count(kind="list") + 4  # one whole poll cycle of this run
    run = InProcessRun(tracker)
    deadline = time.time() + 20
    while fake_hub.count(kind="list") < target + 3 * 4 and time.time() < deadline:  # and three more cycles,
        time.sleep(0.05)  # each followed by a delivery run: time for a warning to be said again, if it were
    err = run.stop(sig=signal.SIGTERM)
    out = run.out
    assert run.proc.returncode == 0 and "Traceback" not in err, err
    return out, err


def test_a_rejected_token_is_one_warning_at_start_and_alerts_wait(tracker: Tracker, fake_hub: FakeHub,
                                                                  telegram: FakeTelegram) -> None:
    hub_catalog.qwen2_5_7b(fake_hub)
    tracker.env.update({"TELEGRAM_BOT_TOKEN": "4242:WRONG-token", "TELEGRAM_API_URL": telegram.url,
                        "TELEGRAM_CHANNEL": CHANNEL})
    tracker.run("poll", check=True)
    hub_catalog.qwen3_8b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
    poll = tracker.run("poll")
    assert poll.returncode == 0, poll.stderr
    lines = telegram_lines(poll.stderr)
    assert len(lines) == 1 and "WARNING" in lines[0], poll.stderr
    assert "rejected TELEGRAM_BOT_TOKEN" in lines[0] and "@BotFather" in lines[0] and "alerts stay queued" in lines[0]
    assert poll.stderr.index("rejected TELEGRAM_BOT_TOKEN") < poll.stderr.index("polled 4 of 4")  # at start
    assert "WRONG-token" not in poll.stderr and "1 alerts, 0 delivered" in poll.stderr

    _out, err = run_briefly(tracker, fake_hub)
    lines = telegram_lines(err)
    assert len(lines) == 1 and "rejected TELEGRAM_BOT_TOKEN" in lines[0], err
    assert "WRONG-token" not in err

    tracker.env["TELEGRAM_BOT_TOKEN"] = telegram.token  # fixed: the queued alert goes out
    fixed = tracker.run("poll", check=True)
    assert telegram_lines(fixed.stderr) == []
    assert len(telegram.messages(CHANNEL)) == 1 and "Qwen3-8B" in telegram.messages(CHANNEL)[0].text


def test_a_malformed_token_is_one_warning_and_no_request(tracker: Tracker, fake_hub: FakeHub,
                                                         telegram: FakeTelegram) -> None:
    tracker.env.update({"TELEGRAM_BOT_TOKEN": "paste the token here", "TELEGRAM_API_URL": telegram.url})
    poll = tracker.run("poll", check=True)
    lines = telegram_lines(poll.stderr)
    assert len(lines) == 1 and "does not look like a bot token" in lines[0], poll.stderr
    _out, err = run_briefly(tracker, fake_hub)
    assert len(telegram_lines(err)) == 1 and "does not look like a bot token" in err
    assert "paste the token" not in poll.stderr + err
    assert telegram.requests() == []


def test_a_channel_without_a_token_is_one_warning(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen2_5_7b(fake_hub)
    tracker.env["TELEGRAM_CHANNEL"] = CHANNEL
    tracker.run("poll", check=True)
    hub_catalog.qwen3_8b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
    poll = tracker.run("poll", check=True)
    lines = telegram_lines(poll.stderr)
    assert len(lines) == 1 and "TELEGRAM_CHANNEL is set (@releases) but TELEGRAM_BOT_TOKEN is not" in lines[0]
    assert "NEW RELEASE" in poll.stdout  # the terminal still gets it
    _out, err = run_briefly(tracker, fake_hub)
    assert len(telegram_lines(err)) == 1 and "not posted to the channel" in err


def test_telegram_failing_while_the_bot_starts_is_one_warning_without_a_traceback(
        tracker: Tracker, fake_hub: FakeHub, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    """getMe answered, then the start of polling (deleteWebhook) got a 502: python-telegram-bot logged an ERROR
    with a traceback ("Network Retry Loop (Bootstrap delete Webhook) ... Aborting") before the bot's own warning."""
    monkeypatch.setattr(bot_link, "FIRST_RETRY", 0.2)  # the retry's pace, not what is said
    hub_catalog.qwen2_5_7b(fake_hub)
    telegram.fail_next("deleteWebhook", 502)
    tracker.env.update({"TELEGRAM_BOT_TOKEN": "4242:TEST-token", "TELEGRAM_API_URL": telegram.url,
                        "TELEGRAM_CHANNEL": CHANNEL})
    run = InProcessRun(tracker)
    deadline = time.time() + 20  # the fake's wait_for sees a long-polling getUpdates only when it is answered
    while "Telegram bot @" not in run.err and time.time() < deadline:  # failed, retried, then connected
        time.sleep(0.05)
    assert len(telegram.requests("deleteWebhook")) == 2, run.err
    err = run.stop(sig=signal.SIGTERM)
    assert run.proc.returncode == 0, err
    assert "Traceback" not in err and "Aborting" not in err and " ERROR " not in err, err
    lines = [line for line in err.splitlines() if "Telegram unreachable" in line]
    assert len(lines) == 1 and "WARNING" in lines[0] and "TEST-token" not in err, err
