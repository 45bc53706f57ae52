"""End to end: `tracker run` delivers to an Apprise json:// target (a real local HTTP endpoint) through an
outage that spans a restart: nothing lost, nothing sent twice, no secret in the log."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.e2e.test_telegram_run import Running
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.json_sink import JsonSink
from tests.fakes.telegram_api import FakeTelegram

SECRET = "hook-secret-7f3a"


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def test_an_outage_across_a_restart_loses_nothing_and_sends_nothing_twice(
        tracker: Tracker, fake_hub: FakeHub, sink: JsonSink) -> None:
    tracker.env.update({
        "TRACKER_APPRISE_URLS": f"{sink.target(secret=SECRET)}, nosuch://user:other-secret-9@host/x",
        "TRACKER_WAVE_WINDOW": "0.05",  # a wave settles 3 s after its first variant
    })
    hub_catalog.qwen3_8b(fake_hub)
    first = Running(tracker, None)  # type: ignore[arg-type]
    first.wait_polls(fake_hub)
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=2))
    sink.wait_for(1, timeout=45)

    sink.set_down(25)  # a 25 s outage: answers 503
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=1))
    hub_catalog.glm_4_5_air(fake_hub, created_at=ago(minutes=1))
    deadline = time.monotonic() + 30
    while sink.refused < 1:
        assert time.monotonic() < deadline, "the tracker did not try the target during the outage"
        time.sleep(0.05)
    err_first = first.stop()
    second = Running(tracker, None)  # type: ignore[arg-type]
    messages = sink.wait_for(3, timeout=90)
    second.wait_polls(fake_hub, cycles=2)
    time.sleep(2.5)  # a few more deliveries: nothing is sent again
    err_second = second.stop()

    titles = sorted(m.title for m in sink.messages())
    assert len(sink.messages()) == 3, titles
    assert titles[0].startswith("New release · DeepSeek · deepseek-ai/DeepSeek-V3")
    assert any("Qwen3-30B-A3B" in t for t in titles) and any("GLM-4.5-Air" in t for t in titles)
    assert all(m.authorization for m in messages)
    for err in (err_first, err_second):
        assert SECRET not in err and "other-secret-9" not in err
        bad = [line for line in err.splitlines() if "TRACKER_APPRISE_URLS entry 2 (nosuch://…)" in line]
        assert len(bad) == 1, err
        assert "1 Apprise target(s): json://bot:****@127.0.0.1" in err
    assert second.proc.returncode == 0, err_second


def test_tracker_poll_reaches_apprise_targets_when_telegram_refuses_the_token(
        tracker: Tracker, fake_hub: FakeHub, sink: JsonSink) -> None:
    with FakeTelegram(token="4242:RIGHT-token") as telegram:
        tracker.env.update({
            "TRACKER_APPRISE_URLS": sink.target(secret=SECRET),
            "TRACKER_WAVE_WINDOW": "0",
            "TELEGRAM_BOT_TOKEN": "4242:WRONG-token",
            "TELEGRAM_API_URL": telegram.url,
            "TELEGRAM_CHANNEL": "@releases",
        })
        hub_catalog.qwen3_8b(fake_hub)
        tracker.run("poll", check=True)
        hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=2))

        result = tracker.run("poll", check=True)

        assert "Telegram rejected TELEGRAM_BOT_TOKEN" in result.stderr
        assert [m.title.split(" (")[0] for m in sink.messages()] == ["New release · DeepSeek · deepseek-ai/DeepSeek-V3"]
        assert ", 1 delivered" in result.stderr
        assert not telegram.messages("@releases")
        assert SECRET not in result.stderr


def test_tracker_poll_tells_the_channel_and_the_apprise_target_once_each(
        tracker: Tracker, fake_hub: FakeHub, sink: JsonSink) -> None:
    with FakeTelegram(token="4242:RIGHT-token") as telegram:
        tracker.env.update({
            "TRACKER_APPRISE_URLS": sink.target(secret=SECRET),
            "TRACKER_WAVE_WINDOW": "0",
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_URL": telegram.url,
            "TELEGRAM_CHANNEL": "@releases",
        })
        hub_catalog.qwen3_8b(fake_hub)
        tracker.run("poll", check=True)
        hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=2))

        result = tracker.run("poll", check=True)
        again = tracker.run("poll", check=True)

        assert len(telegram.messages("@releases")) == 1 and len(sink.messages()) == 1
        assert ", 2 delivered" in result.stderr and ", 0 delivered" in again.stderr
        assert "DeepSeek-V3" in sink.messages()[0].title
