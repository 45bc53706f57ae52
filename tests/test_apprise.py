"""Apprise targets in-process: the poller against the fake Hub, a temporary SQLite store, the sink posting to
a real local HTTP endpoint (json://), and the clock injected to let waves settle and retries come due."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_WATCHLIST
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.json_sink import JsonSink
from tracker.cli.main import main
from tracker.config import load_settings
from tracker.deliver.apprise_sink import AppriseDelivery, AppriseOptions
from tracker.deliver.apprise_targets import parse_targets, secrets_of
from tracker.run.wiring import alert_targets, make_poller
from tracker.store import outbox
from tracker.store.releases import Store
from tracker.watchlist import parse_watchlist


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def sinks() -> Iterator[tuple[JsonSink, JsonSink]]:
    with JsonSink() as first, JsonSink() as second:
        yield first, second


class World:
    """The fake Hub polled into a store; alerts fanned out to the Apprise targets and sent with a fake clock."""

    def __init__(self, tmp_path: Path, hub: FakeHub, urls: str, window_minutes: float = 30) -> None:
        self.settings = load_settings(HF_ENDPOINT=hub.url, TRACKER_APPRISE_URLS=urls,
                                      TRACKER_WAVE_WINDOW=window_minutes, TRACKER_HUB_WEB_URL="https://hf.example")
        self.store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
        self.poller = make_poller(self.settings, self.store, parse_watchlist(TEST_WATCHLIST, "test"))
        self.clock = Clock()
        parsed = parse_targets(urls)
        options = AppriseOptions(hub_url=self.settings.hub_web_url, wave_window=timedelta(minutes=window_minutes))
        self.sink = AppriseDelivery(self.store, parsed.targets, options, clock=self.clock)
        self.targets = alert_targets(self.settings, self.store, self.sink)

    def poll(self) -> None:
        self.poller.run_cycle()
        outbox.fan_out(self.store, self.targets(), self.clock())

    def send(self):  # noqa: ANN201
        return self.sink.run_once_sync()


def test_a_new_release_reaches_a_json_target_with_a_title_a_markdown_body_and_its_link(
        tmp_path: Path, fake_hub: FakeHub, sinks: tuple[JsonSink, JsonSink]) -> None:
    sink, _ = sinks
    hub_catalog.qwen3_8b(fake_hub)
    world = World(tmp_path, fake_hub, sink.target(), window_minutes=0)
    world.poll()  # the first look records what exists: no alert
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=2))
    world.poll()

    report = world.send()

    [posted] = sink.messages()
    assert report.sent == 1
    assert posted.title.startswith("New release · DeepSeek · deepseek-ai/DeepSeek-V3 (")
    assert "[deepseek-ai/DeepSeek-V3](https://hf.example/deepseek-ai/DeepSeek-V3)" in posted.message
    assert "active" in posted.message
    assert posted.body["type"] == "info"
    assert base64.b64decode(posted.authorization.split()[1]).decode() == "bot:s3cret-token"
    assert world.send().sent == 0  # marked sent: never twice
    assert len(sink.messages()) == 1


def test_a_wave_is_one_message_once_it_settles(tmp_path: Path, fake_hub: FakeHub,
                                               sinks: tuple[JsonSink, JsonSink]) -> None:
    sink, _ = sinks
    hub_catalog.deepseek_v3(fake_hub)
    world = World(tmp_path, fake_hub, sink.target(), window_minutes=30)
    world.poll()
    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=3))
    world.poll()
    assert world.send().held == 1 and not sink.messages()  # the wave is still open
    world.clock.advance(minutes=1.5)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=1))  # a second variant, within the quiet time
    world.poll()
    assert world.send().held == 2 and not sink.messages()
    world.clock.advance(minutes=1.5)  # 3 minutes after the first variant, 1.5 after the last: still open
    assert world.send().held == 2 and not sink.messages()

    world.clock.advance(minutes=1)  # 2.5 minutes without a new variant: settled
    report = world.send()

    [posted] = sink.messages()
    assert report.sent == 1 and report.held == 0
    assert posted.title == "Qwen (Alibaba) released 2 Qwen3 models"
    assert posted.message.index("Qwen3-30B-A3B") < posted.message.index("Qwen3-8B")  # biggest first
    world.clock.advance(hours=1)
    assert world.send().sent == 0 and len(sink.messages()) == 1


def test_a_wave_that_keeps_growing_goes_out_at_the_end_of_its_window(
        tmp_path: Path, fake_hub: FakeHub, sinks: tuple[JsonSink, JsonSink]) -> None:
    sink, _ = sinks
    world = World(tmp_path, fake_hub, sink.target(), window_minutes=5)
    world.poll()
    for i, add in enumerate((hub_catalog.qwen3_8b, hub_catalog.qwen3_30b_a3b)):
        add(fake_hub, created_at=ago(minutes=1))
        world.poll()
        assert world.send().held == i + 1
        world.clock.advance(minutes=1.9)  # never quiet for 2 minutes
    world.clock.advance(minutes=1.3)  # 5.1 minutes after the first variant: the window is over
    assert world.send().sent == 1 and len(sink.messages()) == 1


def test_a_target_that_is_down_is_retried_with_backoff_and_holds_no_other(
        tmp_path: Path, fake_hub: FakeHub, sinks: tuple[JsonSink, JsonSink],
        caplog: pytest.LogCaptureFixture) -> None:
    up, down = sinks
    hub_catalog.qwen3_8b(fake_hub)
    world = World(tmp_path, fake_hub, f"{up.target('a')}, {down.target('b', secret='hidden-b-token')}",
                  window_minutes=0)
    world.poll()
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=2))
    world.poll()
    down.set_down(3600)

    with caplog.at_level(logging.DEBUG):
        first = world.send()
        assert (first.sent, first.retried) == (1, 1)
        assert len(up.messages()) == 1 and down.refused == 1
        assert world.send().sent == 0 and down.refused == 1  # not due before its backoff
        for _ in range(3):  # 5 s, 10 s, 20 s ...
            world.clock.advance(minutes=1)
            assert world.send().retried == 1
        down.set_down(0)
        world.clock.advance(minutes=2)
        assert world.send().sent == 1

    assert len(down.messages()) == 1 and len(up.messages()) == 1 and down.refused == 4
    failing = [r.getMessage() for r in caplog.records if "failing" in r.getMessage()]
    assert len(failing) == 1 and "json://bot:****@127.0.0.1" in failing[0], failing
    assert any("recovered" in r.getMessage() for r in caplog.records)
    assert "hidden-b-token" not in caplog.text


def test_a_target_no_longer_configured_has_its_queued_alerts_dropped(
        tmp_path: Path, fake_hub: FakeHub, sinks: tuple[JsonSink, JsonSink]) -> None:
    sink, other = sinks
    hub_catalog.qwen3_8b(fake_hub)
    world = World(tmp_path, fake_hub, f"{sink.target()} {other.target()}", window_minutes=0)
    world.poll()
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=2))
    world.poll()
    options = AppriseOptions(hub_url="https://hf.example", wave_window=timedelta(0))
    only_first = AppriseDelivery(world.store, parse_targets(sink.target()).targets, options, clock=world.clock)

    report = only_first.run_once_sync()

    assert (report.sent, report.dropped) == (1, 1)
    assert len(sink.messages()) == 1 and not other.messages()
    assert outbox.pending(world.store, "apprise:") == []


def test_bad_entries_are_one_line_each_without_their_secrets(tmp_path: Path) -> None:
    config = tmp_path / "apprise.txt"
    config.write_text("json://hook-user:file-secret-42@127.0.0.1:9/x\n", encoding="utf-8")
    parsed = parse_targets(f"discord://123456789/TOKENabcdefgh, nosuch://user:pw-secret-1@host/abc "
                           f"{config} {tmp_path / 'missing.yml'}")

    assert [t.shown for t in parsed.targets] == ["discord://1...9/T...h/", "json://h...r:****@127.0.0.1:9/x"]
    assert len({t.key for t in parsed.targets}) == 2 and all(t.key.startswith("apprise:") for t in parsed.targets)
    assert len(parsed.problems) == 2
    assert "entry 2 (nosuch://…) is not a URL Apprise can send to" in parsed.problems[0]
    assert "missing.yml" in parsed.problems[1]
    text = " ".join(parsed.problems) + repr(parsed.targets)
    assert "pw-secret-1" not in text and "TOKENabcdefgh" not in text and "file-secret-42" not in text
    assert {"TOKENabcdefgh", "file-secret-42", "123456789"} <= set(secrets_of(parsed.targets))


def test_a_license_change_goes_out_at_once_while_a_wave_would_wait(
        tmp_path: Path, fake_hub: FakeHub, sinks: tuple[JsonSink, JsonSink]) -> None:
    sink, _ = sinks
    hub_catalog.qwen3_8b(fake_hub)
    world = World(tmp_path, fake_hub, sink.target(), window_minutes=30)
    world.poll()
    fake_hub.set_license("Qwen/Qwen3-8B", "other", license_name="qwen-research")
    world.poll()

    world.send()

    [posted] = sink.messages()
    assert posted.title == "License changed · Qwen (Alibaba) · Qwen/Qwen3-8B"
    assert "- Was: apache-2.0\n- Now: other (qwen-research) · non-commercial" in posted.message
    assert "[Qwen/Qwen3-8B](https://hf.example/Qwen/Qwen3-8B)" in posted.message


SECRETISH = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=10, max_size=16)
SCHEMES = st.sampled_from(["json", "discord", "nosuch", "ntfy", "mailto", "slack", ""])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(SCHEMES, SECRETISH), max_size=4), st.lists(st.text(max_size=30), max_size=3))
def test_any_setting_parses_and_no_password_reaches_a_line_shown(urls: list[tuple[str, str]],
                                                                 noise: list[str]) -> None:
    assume(not any(secret in n for n in noise for _scheme, secret in urls))  # noise that names it is shown
    entries = [f"{scheme}://user:{secret}@host/{secret}" for scheme, secret in urls] + noise
    parsed = parse_targets(", ".join(entries))
    shown = " ".join(parsed.problems) + parsed.shown()
    assert all(secret not in shown for _scheme, secret in urls)


def test_tracker_config_shows_the_targets_masked(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TRACKER_APPRISE_URLS", "discord://123456789/TOKENabcdefgh ntfy://secret-topic-x, bad://x")

    assert main(["config"]) == 0

    line = next(li for li in capsys.readouterr().out.splitlines() if li.startswith("TRACKER_APPRISE_URLS"))
    assert "discord://1...9/T...h/" in line and "(1 unusable)" in line
    assert "TOKENabcdefgh" not in line and "secret-topic-x" not in line


def test_a_home_folder_that_does_not_exist_is_one_line_not_a_crash() -> None:
    found = parse_targets("~nosuchuser0/targets.yml, ~0")  # hypothesis found `~0`: expanduser raised
    assert not found.targets and len(found.problems) == 2
    assert all("neither an Apprise URL nor a file" in line for line in found.problems)
