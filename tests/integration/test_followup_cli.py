"""Follow-ups through the CLI as a user runs it (in-process): `tracker poll` takes a checkpoint that came due and
prints it (no Telegram), and `inspect`, `export --events` and `site` show what was stored."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes.hub import FakeHub

RELEASE = "Qwen/Qwen3-9B"


def an_hour_on(tracker: Tracker) -> None:
    """The release's one-hour checkpoint comes due: its time is moved a second into the past (the clock of a
    `tracker poll` cannot be moved; sleeping out a short checkpoint raced a slow first poll)."""
    with sqlite3.connect(tracker.db_path) as conn:
        due = (datetime.now(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert conn.execute("UPDATE followups SET due_at = ? WHERE status = 'pending'", (due,)).rowcount == 1


def test_poll_follows_up_and_every_reader_shows_it(tracker: Tracker, fake_hub: FakeHub) -> None:
    tracker.env["TRACKER_FOLLOWUP_AFTER"] = "1h"  # never due within a poll, however slow; made due below
    fake_hub.add_model("Qwen/Qwen2-7B", created_at=datetime.now(UTC) - timedelta(days=300))
    tracker.run("poll", check=True)  # backfill
    fake_hub.add_model(RELEASE, created_at=datetime.now(UTC), safetensors={"BF16": 9_000_000_000},
                       readme="https://arxiv.org/abs/2505.09388", likes=7, downloads=70)
    fake_hub.add_model("bartowski/Qwen3-9B-GGUF", base_model=RELEASE, gguf={"architecture": "qwen3"},
                       library_name=None, likes=3)
    fake_hub.add_model("NousResearch/Hermes-9B", base_model=RELEASE, likes=1)
    fake_hub.update(RELEASE, inference_providers={"novita": "live", "groq": "error"})
    fake_hub.papers.add("2505.09388", "Qwen3 <Technical> Report", upvotes=142)

    first = tracker.run("poll", check=True)
    assert "FOLLOW-UP" not in first.stdout and RELEASE in first.stdout  # the release; its follow-up comes later
    an_hour_on(tracker)
    second = tracker.run("poll", check=True)
    assert "followed up 1 releases" in second.stderr
    assert f"FOLLOW-UP · Qwen (Alibaba) · {RELEASE} · 1 h later" in second.stdout
    assert "\n  1 quantized build (bartowski GGUF), 1 fine-tune (NousResearch/Hermes-9B)\n" in second.stdout
    assert "live on novita" in second.stdout and "paper: Qwen3 <Technical> Report, 142 upvotes" in second.stdout
    assert "FOLLOW-UP" not in tracker.run("poll", check=True).stdout  # done once, never again

    inspected = tracker.run("inspect", RELEASE, check=True).stdout
    assert "Follow-ups" in inspected and "1 h later:   1 quantized, 1 fine-tunes" in inspected
    as_json = json.loads(tracker.run("inspect", RELEASE, "--format", "json", check=True).stdout)
    (stored,) = as_json["followups"]
    assert stored["quantized"]["count"] == 1 and stored["providers"] == ["novita"] and stored["likes"] == 7

    history = {r["repo_id"]: r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)}
    (listed,) = history[RELEASE]["followups"]
    assert listed["quantized"]["count"] == 1 and listed["providers"] == ["novita"] and listed["at"]
    assert all("followups" not in r for repo, r in history.items() if repo != RELEASE)

    events = json.loads(tracker.run("export", "--events", "--format", "json", check=True).stdout)
    (event,) = [e for e in events if e["kind"] == "followup"]
    assert event["repo_id"] == RELEASE and event["new_value"]["paper"]["upvotes"] == 142

    site = tracker.cwd / "site"
    tracker.run("site", str(site), check=True)
    page = (site / "models" / "qwen-qwen3-9b.html").read_text(encoding="utf-8")
    assert "How its model tree grew" in page and "1 h later" in page and "NousResearch/Hermes-9B" in page
    assert "Qwen3 &lt;Technical&gt; Report" in page and "<Technical>" not in page
    assert 'href="../models/qwen-qwen3-9b.html"' in (site / "labs" / "qwen-alibaba.html").read_text(encoding="utf-8")
