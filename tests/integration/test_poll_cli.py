"""End to end: the `tracker` CLI against the fake Hub, with a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def history(tracker: Tracker, *args: str) -> list[dict]:
    result = tracker.run("history", "--format", "json", "--limit", "500", *args, check=True)
    return json.loads(result.stdout)


def events(tracker: Tracker) -> list[tuple[str, str]]:
    with sqlite3.connect(tracker.db_path) as db:
        return db.execute("SELECT repo_id, kind FROM events ORDER BY id").fetchall()


def test_first_poll_backfills_silently_but_alerts_fresh_models(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(fake_hub)  # created 2024-12-25: old news
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(hours=2))  # created two hours ago: a release

    result = tracker.run("poll")

    assert result.returncode == 0, result.stderr
    assert "Qwen/Qwen3-30B-A3B" in result.stdout
    assert "DeepSeek-V3" not in result.stdout and "Qwen3-8B" not in result.stdout
    records = {r["repo_id"]: r for r in history(tracker)}
    assert set(records) == {"deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-8B", "Qwen/Qwen3-30B-A3B"}
    assert records["deepseek-ai/DeepSeek-V3"]["backfill"] is True
    assert records["Qwen/Qwen3-30B-A3B"]["backfill"] is False
    assert ("deepseek-ai/DeepSeek-V3", "backfill") in events(tracker)


def test_new_model_is_alerted_once_with_its_facts(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=1))

    first = tracker.run("poll", check=True)
    again = tracker.run("poll", check=True)

    assert "Qwen/Qwen3-30B-A3B" in first.stdout
    assert "30.5B total" in first.stdout
    assert "apache-2.0" in first.stdout
    assert again.stdout.strip() == ""
    record = next(r for r in history(tracker) if r["repo_id"] == "Qwen/Qwen3-30B-A3B")
    assert record["params_total"] == 30532122624
    assert record["params_source"] == "safetensors"
    assert record["lab"] == "Qwen (Alibaba)" and record["org"] == "Qwen"
    assert record["license"] == "apache-2.0"
    assert record["url"].endswith("/Qwen/Qwen3-30B-A3B")
    assert record["first_seen_at"].endswith("Z") and record["created_at"].endswith("Z")


def test_private_repo_made_public_is_a_release_not_old_news(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.deepseek_v3(fake_hub, private=True, created_at=ago(days=60))
    first = tracker.run("poll", check=True)
    assert "DeepSeek-V3" not in first.stdout

    fake_hub.publish("deepseek-ai/DeepSeek-V3")
    result = tracker.run("poll", check=True)

    assert "NOW PUBLIC" in result.stdout and "deepseek-ai/DeepSeek-V3" in result.stdout
    assert ("deepseek-ai/DeepSeek-V3", "published") in events(tracker)


def test_license_change_is_recorded_with_history_and_alerted(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)

    fake_hub.set_license("Qwen/Qwen3-8B", "mit")
    result = tracker.run("poll", check=True)

    assert "LICENSE CHANGED" in result.stdout and "Qwen/Qwen3-8B" in result.stdout
    with sqlite3.connect(tracker.db_path) as db:
        old, new = db.execute("SELECT old_value, new_value FROM events WHERE kind = 'license_changed'").fetchone()
    assert json.loads(old)["license"] == "apache-2.0"
    assert json.loads(new)["license"] == "mit"
    record = next(r for r in history(tracker) if r["repo_id"] == "Qwen/Qwen3-8B")
    assert record["license"] == "mit"


def test_removed_model_keeps_its_history(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen2_5_7b(fake_hub)
    tracker.run("poll", check=True)

    fake_hub.delete("Qwen/Qwen2.5-7B")
    result = tracker.run("poll", check=True)

    assert result.stdout.strip() == ""
    record = next(r for r in history(tracker) if r["repo_id"] == "Qwen/Qwen2.5-7B")
    assert record["status"] == "removed"
    assert ("Qwen/Qwen2.5-7B", "removed") in events(tracker)


def test_unwatched_org_is_ignored(tracker: Tracker, fake_hub: FakeHub) -> None:
    fake_hub.add_model("someone/Llama-Finetune-7B", created_at=ago(minutes=5))
    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=5))

    result = tracker.run("poll", check=True)

    assert "someone/" not in result.stdout
    assert [r["repo_id"] for r in history(tracker)] == ["Qwen/Qwen3-8B"]


def test_failing_org_does_not_block_the_others(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.deepseek_v3(fake_hub)
    tracker.run("poll", check=True)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=ago(minutes=1))
    fake_hub.add_model("deepseek-ai/DeepSeek-V3.2", created_at=ago(minutes=1), safetensors={"BF16": 10**9})
    fake_hub.malformed("author=deepseek-ai")

    result = tracker.run("poll")

    assert result.returncode == 0, result.stderr
    assert "Qwen/Qwen3-30B-A3B" in result.stdout
    assert "DeepSeek-V3.2" not in result.stdout
    assert "deepseek-ai" in result.stderr and "Traceback" not in result.stderr
    with sqlite3.connect(tracker.db_path) as db:
        error_count, last_error = db.execute(
            "SELECT error_count, last_error FROM org_state WHERE org = 'deepseek-ai'"
        ).fetchone()
    assert error_count == 1 and "malformed" in last_error

    again = tracker.run("poll")
    assert again.returncode == 0 and "poll of deepseek-ai failed" not in again.stderr  # logged once
    assert "1 failed (deepseek-ai)" in again.stderr

    fake_hub.clear_faults()
    recovered = tracker.run("poll", check=True)
    assert "deepseek-ai/DeepSeek-V3.2" in recovered.stdout
    assert "deepseek-ai reachable again after 2 failed poll(s)" in recovered.stderr


def test_transient_hub_errors_are_retried_within_the_cycle(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub, created_at=ago(minutes=3))
    fake_hub.fail("author=Qwen", 503, times=1)
    fake_hub.fail("author=deepseek-ai", 429, times=1, retry_after=0)

    result = tracker.run("poll", check=True)

    assert "Qwen/Qwen3-8B" in result.stdout


def test_poll_exits_non_zero_when_no_org_can_be_reached(tracker: Tracker, fake_hub: FakeHub) -> None:
    fake_hub.malformed("list")
    result = tracker.run("poll")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_a_malformed_model_is_skipped_not_fatal(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)
    fake_hub.add_model("Qwen/Qwen3-Weird", created_at=ago(minutes=1), safetensors=None,
                       card_data={"license": ["apache-2.0", 7], "base_model": {"odd": True}},
                       tags=["x", "license:apache-2.0"])

    result = tracker.run("poll", check=True)

    assert "Qwen/Qwen3-Weird" in result.stdout


def test_an_empty_listing_does_not_remove_a_whole_catalogue(tracker: Tracker, fake_hub: FakeHub) -> None:
    for size in range(1, 7):
        fake_hub.add_model(f"Qwen/Qwen-Tiny-{size}B", created_at=ago(days=40), safetensors={"BF16": size * 10**9})
    tracker.run("poll", check=True)
    fake_hub.fail("author=Qwen", 200, body="[]", headers={"Content-Type": "application/json"})

    result = tracker.run("poll")

    assert result.returncode == 0 and "listed no models" in result.stderr
    assert all(r["status"] == "public" for r in history(tracker))
