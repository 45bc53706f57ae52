"""End to end: a commit that changes the weight files is recorded as `weights_updated`; alerting it is opt-in
(TRACKER_ALERT_WEIGHT_UPDATES for the channel or terminal, /settings weights on for a subscriber)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub


def _events(tracker: Tracker, kind: str) -> list[tuple[dict, dict]]:
    with sqlite3.connect(tracker.db_path) as db:
        rows = db.execute("SELECT old_value, new_value FROM events WHERE kind = ?", (kind,)).fetchall()
    return [(json.loads(old), json.loads(new)) for old, new in rows]


def test_a_weight_update_is_recorded_and_printed_only_when_asked(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    tracker.run("poll", check=True)  # backfill

    fake_hub.update("Qwen/Qwen3-8B", readme="# Qwen3-8B\n\nA fixed typo in the card, nothing else.\n")
    quiet = tracker.run("poll", check=True)
    assert _events(tracker, "weights_updated") == []  # a card-only commit is not a weight update
    assert "WEIGHTS UPDATED" not in quiet.stdout

    fake_hub.update("Qwen/Qwen3-8B", safetensors={"BF16": 8_190_735_360, "F8_E4M3": 1_000_000})
    silent = tracker.run("poll", check=True)
    ((old, new),) = _events(tracker, "weights_updated")
    assert old["parameters"] == {"BF16": 8_190_735_360}
    assert new["parameters"] == {"BF16": 8_190_735_360, "F8_E4M3": 1_000_000}
    assert old["sha"] != new["sha"] and new["files"] >= 1 and new["bytes"] > 16e9
    assert "WEIGHTS UPDATED" not in silent.stdout  # off by default
    events = json.loads(tracker.run("export", "--events", "--format", "json", check=True).stdout)
    assert "weights_updated" in [e["kind"] for e in events]
    history = json.loads(tracker.run("history", "--format", "json", check=True).stdout)
    assert history[0]["weights_bytes"] == 8_190_735_360 * 2 + 1_000_000  # the facts follow the new weights

    tracker.env["TRACKER_ALERT_WEIGHT_UPDATES"] = "1"
    fake_hub.update("Qwen/Qwen3-8B", safetensors={"BF16": 8_190_735_360})
    loud = tracker.run("poll", check=True)
    assert "WEIGHTS UPDATED · Qwen (Alibaba) · Qwen/Qwen3-8B" in loud.stdout
    assert "Was:  BF16 8.2B, F8_E4M3 1M" in loud.stdout


def test_changed_gguf_files_are_a_weight_update_even_with_the_same_counts(tracker: Tracker,
                                                                          fake_hub: FakeHub) -> None:
    tracker.env["TRACKER_ALERT_WEIGHT_UPDATES"] = "1"
    gguf = {"total": 8_190_735_360, "architecture": "qwen3", "context_length": 40960}
    tracker.run("poll", check=True)
    fake_hub.add_model("Qwen/Qwen3-8B-GGUF", library_name=None, gguf=gguf, created_at=datetime.now(UTC),
                       weight_files={"Qwen3-8B-Q4_K_M.gguf": 5_027_784_000, "Qwen3-8B-Q8_0.gguf": 8_709_519_000})
    tracker.run("poll", check=True)  # a new GGUF release: its files are listed once, for their sizes
    record = json.loads(tracker.run("history", "--format", "json", check=True).stdout)[0]
    assert record["weights_bytes"] == 8_709_519_000 and record["context_length"] == 40960  # largest variant
    fake_hub.update("Qwen/Qwen3-8B-GGUF", readme="# Qwen3-8B-GGUF\n\nNew card.\n")
    tracker.run("poll", check=True)  # same files: not a weight update
    assert _events(tracker, "weights_updated") == []

    fake_hub.update("Qwen/Qwen3-8B-GGUF", weight_files={"Qwen3-8B-Q4_K_M.gguf": 5_027_790_000,
                                                        "Qwen3-8B-Q8_0.gguf": 8_709_519_000})
    result = tracker.run("poll", check=True)
    ((old, new),) = _events(tracker, "weights_updated")
    assert old["digest"] and new["digest"] and old["digest"] != new["digest"]
    assert new["files"] == 2 and "WEIGHTS UPDATED" in result.stdout and "Files: 2 (13.7 GB)" in result.stdout
