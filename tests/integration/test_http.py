"""`tracker run`'s HTTP server (/healthz, /metrics), in-process, and `tracker status`, against the fake Hub."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import time
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.http_harness import get, metric

HEALTH_FIELDS = {"status", "role", "last_poll_at", "last_poll_age_s", "orgs_failing", "outbox_pending",
                 "oldest_pending_age_s"}


def test_healthz_and_metrics_report_polls_failures_and_deliveries(serve, tracker: Tracker,  # noqa: ANN001
                                                                  fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    fake_hub.fail("author=openai", status=400)  # one organisation fails; the others are fine
    served = serve()
    data = served.wait_health(lambda s, d: d["status"] == "ok" and d["orgs_failing"])
    assert set(data) >= HEALTH_FIELDS
    assert data["role"] == "leader" and data["orgs_failing"] == ["openai"]
    assert data["outbox_pending"] == 0 and data["oldest_pending_age_s"] is None
    assert datetime.fromisoformat(data["last_poll_at"]) > datetime.now(UTC) - timedelta(minutes=1)
    assert 0 <= data["last_poll_age_s"] < 60

    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
    deadline = time.time() + 20
    while True:
        status, ctype, text = get(served.base + "/metrics")
        # The gauges are read from the store before the counters are rendered: a page may show the delivery
        # counted and the pending row it was a moment earlier. Wait for both.
        if ("tracker_alerts_total 1.0" in text and 'tracker_deliveries_total{outcome="sent"} 1.0' in text
                and metric(text, "tracker_outbox_pending") == 0):
            break
        assert time.time() < deadline, text
        time.sleep(0.2)
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
    assert metric(text, "tracker_polls_total") >= 2
    assert metric(text, "tracker_hub_requests_total", 'status="200"') >= 3
    assert metric(text, "tracker_hub_requests_total", 'status="400"') >= 1
    assert metric(text, "tracker_poll_duration_seconds_count") >= 2
    assert metric(text, "tracker_leader") == 1
    assert metric(text, "tracker_telegram_429_total") == 0
    assert metric(text, "tracker_deliveries_total", 'outcome="failed"') == 0
    assert get(served.base + "/nope")[0] == 404
    assert get(served.base + "/hub-webhook")[0] == 404  # no secret: no webhook
    status = tracker.run("status", "--format", "json")
    assert json.loads(status.stdout)["leader"] == f"process {served.proc.pid} on this machine", status.stderr
    assert f"leader:          process {served.proc.pid} on this machine" in tracker.run("status").stdout
    served.stop()
    assert "leader:          none: no tracker run is leading" in tracker.run("status").stdout


def test_healthz_is_503_when_no_poll_succeeds_for_three_intervals(serve, fake_hub: FakeHub) -> None:  # noqa: ANN001
    every_listing = fake_hub.fail("list", status=400)
    served = serve(TRACKER_POLL_INTERVAL="1")
    status, data = served.health()  # just started: its grace of three intervals
    assert status == 200 and data["status"] == "starting", data
    data = served.wait_health(lambda s, d: s == 503)
    assert data["status"] == "stale" and data["last_poll_at"] is None
    assert sorted(data["orgs_failing"]) == ["Qwen", "deepseek-ai", "openai", "zai-org"]
    fake_hub.faults.remove(every_listing)
    data = served.wait_health(lambda s, d: s == 200 and d["status"] == "ok" and not d["orgs_failing"])
    assert data["last_poll_age_s"] < 3
    served.stop()


def test_status_prints_the_health_from_the_store(tracker: Tracker, fake_hub: FakeHub) -> None:
    missing = tracker.run("status")  # a reader never creates the store it looks for
    assert missing.returncode == 1 and "no store at" in missing.stderr
    fake_hub.fail("list", status=400)  # a refusal, not retried (a 503 is, with backoff: 3.5 s more)
    assert tracker.run("poll").returncode == 1  # the store exists now, without a successful poll
    fake_hub.clear_faults()
    empty = tracker.run("status")
    assert empty.returncode == 1 and "no successful poll yet" in empty.stdout
    hub_catalog.qwen3_8b(fake_hub)
    fake_hub.fail("author=zai-org", status=400)
    tracker.run("poll", check=True)
    tracker.env["TRACKER_POLL_INTERVAL"] = "3600"
    text = tracker.run("status")
    assert text.returncode == 0, text.stderr
    assert re.search(r"status:\s+ok \(healthy\)", text.stdout)
    assert re.search(r"orgs failing:\s+zai-org", text.stdout)
    as_json = tracker.run("status", "--format", "json")
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 0 and set(data) >= HEALTH_FIELDS
    assert data["role"] is None and data["orgs_failing"] == ["zai-org"] and data["outbox_pending"] == 0
    assert data["leader"] is None  # `tracker poll` has ended: nobody leads

    tracker.env["TRACKER_POLL_INTERVAL"] = "1"
    with sqlite3.connect(tracker.db_path) as conn:  # the last poll was 5 s ago: three intervals without a poll
        conn.execute("UPDATE org_state SET last_success_at = datetime(last_success_at, '-5 seconds')")
    stale = tracker.run("status", "--format", "json")
    assert stale.returncode == 1 and json.loads(stale.stdout)["status"] == "stale"


def test_a_taken_port_is_one_clear_error(tracker: Tracker) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        tracker.env["TRACKER_HTTP_PORT"] = str(busy.getsockname()[1])
        result = tracker.run("run", timeout=30)
    assert result.returncode == 1
    assert "cannot serve HTTP on 127.0.0.1" in result.stderr and "TRACKER_HTTP_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_metrics_count_telegram_429s_and_delivery_outcomes(serve, tracker: Tracker, fake_hub: FakeHub) -> None:  # noqa: ANN001
    hub_catalog.qwen2_5_7b(fake_hub)
    with FakeTelegram(token="4242:TEST-token") as telegram:
        served = serve(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url,
                       TELEGRAM_CHANNEL="@releases")
        served.wait_health(lambda s, d: d["status"] == "ok")
        telegram.fail_next("sendMessage", 429, retry_after=1, chat_id="@releases")
        hub_catalog.qwen3_8b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
        telegram.wait_for_messages("@releases", 1, timeout=45)
        telegram.fail_next("sendMessage", 400, "Bad Request: can't parse entities: test", chat_id="@releases")
        hub_catalog.deepseek_v3(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
        deadline = time.time() + 30
        while metric(text := get(served.base + "/metrics")[2], "tracker_deliveries_total", 'outcome="failed"') < 1:
            assert time.time() < deadline, text
            time.sleep(0.2)
        served.stop()
    assert metric(text, "tracker_telegram_429_total") == 1
    assert metric(text, "tracker_deliveries_total", 'outcome="sent"') == 1
    assert metric(text, "tracker_alerts_total") == 2
