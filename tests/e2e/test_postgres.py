"""End to end on PostgreSQL: the same code runs by a change of TRACKER_DATABASE_URL.

The throwaway PostgreSQL server is the `postgres_url` fixture (tests/e2e/conftest.py, tests/pg_server.py).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

pytest.importorskip("psycopg", reason="psycopg (PostgreSQL driver) is not installed")


def test_the_whole_flow_runs_on_postgresql(tracker: Tracker, fake_hub: FakeHub, postgres_url: str) -> None:
    tracker.env["TRACKER_DATABASE_URL"] = postgres_url
    hub_catalog.deepseek_v3(fake_hub)
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen2_5_7b(fake_hub)
    tracker.run("poll", "--enrich", "5", check=True)

    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=1))
    fake_hub.set_license("Qwen/Qwen3-8B", "mit")
    fake_hub.delete("Qwen/Qwen2.5-7B")
    second = tracker.run("poll", check=True)
    assert "Qwen/Qwen3-30B-A3B" in second.stdout and "LICENSE CHANGED" in second.stdout
    assert tracker.run("poll", check=True).stdout == ""  # nothing alerted twice

    records = {r["repo_id"]: r for r in json.loads(
        tracker.run("history", "--format", "json", "--min-params", "1B", check=True).stdout)}
    assert records["deepseek-ai/DeepSeek-V3"]["params_total"] < 680e9  # config read: MTP left out
    assert records["Qwen/Qwen2.5-7B"]["status"] == "removed"
    assert records["Qwen/Qwen3-8B"]["license"] == "mit"
    kinds = [e["kind"] for e in json.loads(tracker.run("export", "--events", "--format", "json", check=True).stdout)]
    assert {"backfill", "new", "license_changed", "removed"} <= set(kinds)
    assert "releases" in tracker.run("stats", check=True).stdout
    # The CSV export (from the bare stored values; psycopg decodes JSON columns itself) says what the JSON
    # export (through record()) says, field by field.
    exported = {r["repo_id"]: r for r in json.loads(tracker.run("export", "--format", "json", check=True).stdout)}
    rows = list(csv.DictReader(io.StringIO(tracker.run("export", check=True).stdout)))
    assert sorted(r["repo_id"] for r in rows) == sorted(exported)
    for row in rows:
        assert row == {name: _cell(value) for name, value in exported[row["repo_id"]].items()}
    # The site streams its releases through its own queries (group names, size bounds, per-lab passes).
    site = tracker.cwd / "site"
    tracker.run("site", str(site), check=True)
    assert "Qwen3-30B-A3B" in (site / "index.html").read_text(encoding="utf-8")
    assert any("DeepSeek-V3" in page.read_text(encoding="utf-8") for page in (site / "labs").glob("*.html"))
    assert not tracker.db_path.exists()  # nothing went to SQLite


def _cell(value: object) -> str:
    """A JSON export's value as the CSV export writes it."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return str(value)
