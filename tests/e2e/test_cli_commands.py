"""End to end: every CLI command as a user runs it, good arguments and bad ones."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

ROOT = Path(__file__).resolve().parents[2]


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


@pytest.fixture
def filled(tracker: Tracker, fake_hub: FakeHub) -> Tracker:
    """A store with a few real models: old ones backfilled, then two fresh releases."""
    hub_catalog.deepseek_v3(fake_hub, created_at="2024-12-25T12:00:00Z")
    hub_catalog.qwen2_5_7b(fake_hub, created_at="2024-09-19T00:00:00Z")
    hub_catalog.glm_4_5_air(fake_hub, created_at="2025-07-20T08:00:00Z")
    tracker.run("poll", check=True)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=5))
    hub_catalog.gpt_oss_120b(fake_hub, created_at=ago(minutes=5))
    tracker.run("poll", check=True)
    return tracker


def repo_ids(tracker: Tracker, *args: str) -> list[str]:
    result = tracker.run("history", "--format", "json", *args, check=True)
    return [r["repo_id"] for r in json.loads(result.stdout)]


def test_run_prints_alerts_and_stops_cleanly_on_ctrl_c(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    proc = tracker.popen("run")
    try:
        deadline = time.time() + 20
        while fake_hub.count(kind="list") < 4 and time.time() < deadline:  # first cycle: 4 orgs listed
            time.sleep(0.05)
        hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=1))
        target = fake_hub.count(kind="list") + 8  # two more cycles
        while fake_hub.count(kind="list") < target and time.time() < deadline:
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.count("NEW RELEASE") == 1 and "Qwen/Qwen3-30B-A3B" in out
    assert "stopping" in err and "Traceback" not in err


def test_run_reads_configs_of_backfilled_models_for_exact_facts(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(fake_hub)
    tracker.run("poll", check=True)  # backfill: no config.json read yet
    before = json.loads(tracker.run("history", "--format", "json", check=True).stdout)[0]
    assert before["params_active"] is None

    proc = tracker.popen("run")
    try:
        deadline = time.time() + 20
        while fake_hub.count(kind="resolve") < 1 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)

    after = json.loads(tracker.run("history", "--format", "json", check=True).stdout)[0]
    assert abs(after["params_total"] - 671e9) / 671e9 < 0.01  # the lab's headline, without the MTP module
    assert after["params_stored"] == 684531386000
    assert abs(after["params_active"] - 37e9) / 37e9 < 0.03
    assert after["params_active_source"] == "config"


def _post(url: str, body: bytes, secret: str | None) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Webhook-Secret"] = secret
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_hub_webhook_triggers_an_immediate_poll(tracker: Tracker, fake_hub: FakeHub) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tracker.env.pop("TRACKER_HTTP_PORT")  # the webhook's old variable still names the (now shared) port
    tracker.env.update({"TRACKER_POLL_INTERVAL": "3600", "TRACKER_HUB_WEBHOOK_SECRET": "hook-secret-123",
                        "TRACKER_HUB_WEBHOOK_PORT": str(port)})
    url = f"http://127.0.0.1:{port}/hub-webhook"
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub, private=True, created_at=ago(days=3))
    payload = json.loads((ROOT / "tests/data/hub-api/webhook_payload_pr_opened__hub-docs_example.json").read_text())
    payload["event"] = {"action": "update", "scope": "repo.config"}
    payload["repo"]["name"] = "Qwen/Qwen3-30B-A3B"
    proc = tracker.popen("run")
    try:
        deadline = time.time() + 20
        while fake_hub.count(kind="list") < 4 and time.time() < deadline:  # the first (and only) cycle
            time.sleep(0.05)
        fake_hub.publish("Qwen/Qwen3-30B-A3B")
        body = json.dumps(payload).encode()
        assert _post(url, body, "wrong")[0] == 401
        assert _post(url, body, None)[0] == 401
        assert _post(url + "?secret=hook-secret-123", body, None)[0] == 401  # only the header counts
        assert _post(url, b"{not json", "hook-secret-123")[0] == 400
        other = dict(payload, repo=dict(payload["repo"], name="someone/else"))
        assert _post(url, json.dumps(other).encode(), "hook-secret-123") == (
            200, {"ok": True, "ignored": "not a model of a watched organisation"})
        assert fake_hub.count(kind="list") == 4  # nothing polled yet: the interval is an hour
        status, answer = _post(url, body, "hook-secret-123")
        assert (status, answer) == (202, {"ok": True, "polling": "Qwen"})
        while fake_hub.count(kind="list") < 5 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert "NOW PUBLIC" in out and "Qwen/Qwen3-30B-A3B" in out
    assert fake_hub.count(kind="list") == 5  # only Qwen was listed again
    assert "hook-secret-123" not in err and "Traceback" not in err
