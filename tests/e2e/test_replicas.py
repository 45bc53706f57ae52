"""End to end: several `tracker run` on one database, exactly one active (tracker.run.leader).

PostgreSQL: two replicas, the leader killed with SIGKILL in the middle of a wave; the standby takes over
within 30 s and nothing is lost. SQLite: a second `tracker run` on the same file waits as a standby.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.conftest import TEST_WATCHLIST, TRACKER, Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram_api import FakeTelegram
from tracker.watchlist import parse_watchlist

CHANNEL = "@releases"
ORGS = len(parse_watchlist(TEST_WATCHLIST, "test").orgs)
SUBSCRIBERS = list(range(7000, 7030))
# A shorter lease than the default 15 s: a takeover waits for the lease to lapse, and 10 s still leaves a
# leader 2 s between renewals and 5 s before it gives up.
LEASE = "10"
IN_FLIGHT = 16  # TelegramDelivery's concurrency: the most sends a kill can leave unrecorded


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


class Replica:
    """A `tracker run` process whose log goes to a file, readable while it runs."""

    def __init__(self, tracker: Tracker, name: str, **env: str) -> None:
        self.log_path = tracker.cwd / f"{name}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen([TRACKER, "run"], cwd=tracker.cwd, env={**tracker.env, **env},
                                     stdout=subprocess.DEVNULL, stderr=self._log, text=True)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def wait_log(self, needle: str, timeout: float = 45) -> None:
        deadline = time.time() + timeout
        while needle not in self.log:
            assert self.proc.poll() is None, f"exited {self.proc.returncode}:\n{self.log}"
            assert time.time() < deadline, f"no {needle!r} in the log:\n{self.log}"
            time.sleep(0.05)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        return self.proc.returncode


def wait_polls(hub: FakeHub, cycles: int = 1, timeout: float = 45) -> None:
    """Until every watched organisation was listed `cycles` more times (by whichever replica leads)."""
    target = (hub.count(kind="list") // ORGS + cycles) * ORGS
    deadline = time.time() + timeout
    while hub.count(kind="list") < target:
        assert time.time() < deadline, "no poll in time"
        time.sleep(0.05)


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(token="4242:TEST-token") as fake:
        yield fake


@pytest.fixture
def replicas(tracker: Tracker, telegram: FakeTelegram) -> Iterator:
    tracker.env.update({
        "TELEGRAM_BOT_TOKEN": telegram.token,
        "TELEGRAM_API_URL": telegram.url,
        "TELEGRAM_CHANNEL": CHANNEL,
        "TRACKER_HUB_WEB_URL": "https://huggingface.co",
    })
    started: list[Replica] = []

    def start(name: str, **env: str) -> Replica:
        started.append(Replica(tracker, name, **env))
        return started[-1]

    yield start
    for replica in started:
        replica.stop()


def add_subscribers(url: str, telegram: FakeTelegram) -> None:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for uid in SUBSCRIBERS:
        telegram.add_private(uid)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO subscribers (user_id, chat_id, lang, active, include_quantized, created_at, "
                          "updated_at) VALUES (:u, :u, 'en', true, true, :t, :t)"),
                     [{"u": uid, "t": stamp} for uid in SUBSCRIBERS])
    engine.dispose()


def wave(hub: FakeHub) -> None:
    """Four releases of four labs: four cards for each of 30 subscribers and the channel."""
    for release in (hub_catalog.deepseek_v3, hub_catalog.qwen3_8b, hub_catalog.glm_4_5_air,
                    hub_catalog.gpt_oss_120b):
        release(hub, created_at=ago(minutes=1))


def cards(telegram: FakeTelegram, chat: int | str) -> Counter[str]:
    return Counter(m.text.split("\n")[0] for m in telegram.messages(chat))


def test_two_replicas_on_postgresql_survive_a_kill_mid_wave(replicas, tracker: Tracker, fake_hub: FakeHub,
                                                            telegram: FakeTelegram, postgres_url: str) -> None:
    tracker.env.update({"TRACKER_DATABASE_URL": postgres_url, "TRACKER_LEADER_LEASE": LEASE})
    hub_catalog.qwen2_5_7b(fake_hub)
    first = replicas("first")
    first.wait_log("this instance is the leader")
    second = replicas("second")
    second.wait_log("standby:")
    wait_polls(fake_hub)
    telegram.wait_for(lambda: telegram.requests("getUpdates"), timeout=45)
    refused = tracker.run("poll")
    assert refused.returncode == 1 and "a `tracker run` is active" in refused.stderr, refused.stderr
    leader = json.loads(tracker.run("status", "--format", "json").stdout)["leader"]
    assert f":{first.proc.pid}:" in leader and "lease valid for" in leader, leader
    add_subscribers(postgres_url, telegram)

    wave(fake_hub)
    telegram.wait_for(lambda: sum(len(telegram.messages(u)) for u in SUBSCRIBERS) >= 30, timeout=45)
    first.proc.kill()  # SIGKILL in the middle of the wave: sends in flight, the lease not released
    killed_at = time.monotonic()
    first.proc.wait()
    before = [r for r in telegram.all_requests if r.time < killed_at]
    assert [r for r in before if r.status == 409] == []  # one getUpdates consumer while both lived
    assert len([r for r in before if r.method.lower() == "getme"]) == 1  # the standby never started the bot
    assert sum(len(telegram.messages(u)) for u in SUBSCRIBERS) < 4 * len(SUBSCRIBERS)  # killed mid-wave

    telegram.wait_for(lambda: all(len(cards(telegram, u)) == 4 for u in SUBSCRIBERS) and
                      len(cards(telegram, CHANNEL)) == 4, timeout=60)
    resumed = [r for r in telegram.requests("sendMessage") if r.time > killed_at and r.status == 200]
    assert resumed[0].time - killed_at < 30, "the standby took over too late"
    assert "this instance is the leader" in second.log
    wait_polls(fake_hub, cycles=2)
    assert second.stop() == 0

    repeats = sum(n - 1 for chat in [*SUBSCRIBERS, CHANNEL] for n in cards(telegram, chat).values())
    assert repeats <= IN_FLIGHT  # only sends in flight at the kill can repeat
    assert all(len(cards(telegram, u)) == 4 for u in SUBSCRIBERS)


def test_a_leader_that_loses_the_database_stops_before_the_standby_takes_over(
        replicas, tracker: Tracker, fake_hub: FakeHub, telegram: FakeTelegram, postgres_url: str) -> None:
    port = make_url(postgres_url).port
    tracker.env.update({"TRACKER_DATABASE_URL": postgres_url, "TRACKER_LEADER_LEASE": LEASE})
    hub_catalog.qwen2_5_7b(fake_hub)
    with TcpProxy("127.0.0.1", port) as link:
        first = replicas("first", TRACKER_DATABASE_URL=postgres_url.replace(f":{port}/", f":{link.port}/"))
        first.wait_log("this instance is the leader")
        second = replicas("second")
        second.wait_log("standby:")
        wait_polls(fake_hub)

        link.cut()  # the first's network to the database is gone: no error, no answer
        exited_at = took_over_at = None
        deadline = time.monotonic() + 60
        while (exited_at is None or took_over_at is None) and time.monotonic() < deadline:
            if exited_at is None and first.proc.poll() is not None:
                exited_at = time.monotonic()
            if took_over_at is None and "this instance is the leader" in second.log:
                took_over_at = time.monotonic()
            time.sleep(0.02)
        assert exited_at is not None, first.log
        assert took_over_at is not None, second.log
        assert exited_at < took_over_at  # never two leaders, even for a moment
        assert first.proc.returncode == 1
        assert "lost the leadership" in first.log and "Traceback" not in first.log

    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1))
    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    wait_polls(fake_hub, cycles=2)
    assert second.stop() == 0
    assert len(telegram.messages(CHANNEL)) == 1


@pytest.mark.parametrize("leader_ends", ["stopped", "killed"])
def test_two_runs_on_one_sqlite_file_never_send_twice(replicas, tracker: Tracker, fake_hub: FakeHub,
                                                      telegram: FakeTelegram, leader_ends: str) -> None:
    hub_catalog.qwen2_5_7b(fake_hub)
    first = replicas("first")
    first.wait_log("this instance is the leader")
    second = replicas("second")
    second.wait_log("standby:")
    assert "standby: process" in second.log and str(first.proc.pid) in second.log
    wait_polls(fake_hub)
    add_subscribers(f"sqlite:///{tracker.db_path}", telegram)

    refused = tracker.run("poll")  # a one-shot poll would send alongside the running tracker
    assert refused.returncode == 1
    assert "a `tracker run` is active" in refused.stderr and "Traceback" not in refused.stderr
    assert tracker.run("history", check=True).stdout  # readers keep working

    wave(fake_hub)
    telegram.wait_for(lambda: all(len(cards(telegram, u)) == 4 for u in SUBSCRIBERS), timeout=60)
    wait_polls(fake_hub, cycles=2)
    stopped_at = time.monotonic()
    if leader_ends == "killed":
        first.proc.kill()  # the kernel frees the lock of a killed process
        first.proc.wait()
    else:
        assert first.stop() == 0  # a clean stop frees the lock
    second.wait_log("this instance is the leader", timeout=10)  # at once
    fake_hub.set_license("Qwen/Qwen3-8B", "mit")
    telegram.wait_for(lambda: any("License change" in t for t in cards(telegram, CHANNEL)), timeout=45)
    wait_polls(fake_hub, cycles=2)
    assert second.stop() == 0

    for chat in [*SUBSCRIBERS, CHANNEL]:
        assert max(cards(telegram, chat).values()) == 1, (chat, cards(telegram, chat))
    assert len(cards(telegram, CHANNEL)) == 5
    assert not [r for r in telegram.all_requests if r.status == 429]
    # While both ran, one getUpdates consumer. (Later, the first's abandoned long poll, still open on the
    # server, is answered 409 when the new leader polls: nobody reads that answer.)
    assert not [r for r in telegram.all_requests if r.status == 409 and r.time < stopped_at]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_instances_starting_together_migrate_once(tracker: Tracker, database: str, request) -> None:
    if database == "postgresql":
        tracker.env["TRACKER_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    # refacts opens the store to write (readers such as `history` never create one), and asks the Hub nothing.
    procs = [subprocess.Popen([TRACKER, "refacts", "--dry-run"], cwd=tracker.cwd, env=tracker.env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    for p in procs:
        for stream in (p.stdout, p.stderr):
            if stream:
                stream.close()
    assert [rc for rc, _ in results] == [0, 0, 0, 0], results
    assert sum("upgrading the database schema" in err for _, err in results) == 1, results
    if database == "sqlite":
        assert Path(f"{tracker.db_path}.migrate.lock").stat().st_mode & 0o777 == 0o600
