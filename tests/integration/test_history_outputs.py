"""End to end: export, feed, site and stats through the `tracker` CLI, on a store filled by `tracker poll`."""

from __future__ import annotations

import csv
import io
import json
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.integration.daemon_harness import InProcessRun

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE_LICENSE = "<script>alert(1)</script>"
KNOWN = {
    "deepseek-ai/DeepSeek-V3", "Qwen/Qwen3-8B", "Qwen/Qwen3-30B-A3B", "Qwen/Qwen2.5-7B", "zai-org/GLM-4.5-Air",
    "openai/gpt-oss-120b", "zai-org/GLM-Odd-9B",
}


def populate(tracker: Tracker, fake_hub: FakeHub) -> None:
    """A known store: seven models recorded by a first poll (backfill, released when created)."""
    hub_catalog.deepseek_v3(fake_hub)  # 2024-12-25
    hub_catalog.qwen2_5_7b(fake_hub)  # 2024-09-15
    hub_catalog.qwen3_8b(fake_hub, created_at="2025-04-27T03:30:00Z")  # a Qwen3 wave: two models 10 min apart
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at="2025-04-27T03:40:00Z")
    hub_catalog.glm_4_5_air(fake_hub)  # 2025-07-20
    hub_catalog.gpt_oss_120b(fake_hub)  # 2025-08-04
    fake_hub.add_model("zai-org/GLM-Odd-9B", created_at="2025-08-10T09:00:00Z", license=HOSTILE_LICENSE,
                       safetensors={"BF16": 9_000_000_000})
    tracker.run("poll", check=True)


def test_export_json_and_csv_with_filters(tracker: Tracker, fake_hub: FakeHub) -> None:
    populate(tracker, fake_hub)
    records = json.loads(tracker.run("export", "--format", "json", check=True).stdout)
    assert {r["repo_id"] for r in records} == KNOWN
    qwen = next(r for r in records if r["repo_id"] == "Qwen/Qwen3-30B-A3B")
    assert qwen["params_total"] == 30532122624 and qwen["params_active"] < qwen["params_total"]
    assert qwen["created_at"] == "2025-04-27T03:40:00Z" and qwen["first_seen_at"].endswith("Z")
    assert qwen["license_class"] == "permissive" and qwen["family"] == "Qwen3"
    assert isinstance(qwen["tags"], list) and "dtype_breakdown" in qwen and "removed_at" in qwen

    out = tracker.cwd / "exports" / "qwen.csv"
    result = tracker.run("export", "--format", "csv", "--lab", "qwen", "--since", "2025-01-01", "-o", str(out),
                         check=True)
    assert result.stdout == "" and "wrote 2 releases" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sorted(r["repo_id"] for r in rows) == ["Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-8B"]
    assert rows[0]["created_at"] and rows[0]["first_seen_at"] and rows[0]["params_total"].isdigit()


def test_export_events_lists_the_event_log(tracker: Tracker, fake_hub: FakeHub) -> None:
    populate(tracker, fake_hub)
    fake_hub.set_license("Qwen/Qwen3-8B", "mit")
    fake_hub.delete("Qwen/Qwen2.5-7B")
    tracker.run("poll", check=True)

    events = json.loads(tracker.run("export", "--events", "--format", "json", check=True).stdout)
    kinds = {(e["repo_id"], e["kind"]) for e in events}
    assert ("Qwen/Qwen3-8B", "license_changed") in kinds and ("Qwen/Qwen2.5-7B", "removed") in kinds
    change = next(e for e in events if e["kind"] == "license_changed")
    assert change["old_value"]["license"] == "apache-2.0" and change["new_value"]["license"] == "mit"
    qwen_only = tracker.run("export", "--events", "--format", "csv", "--lab", "qwen", check=True).stdout
    assert "deepseek" not in qwen_only and "license_changed" in qwen_only


def test_feed_is_atom_with_stable_ids(tracker: Tracker, fake_hub: FakeHub) -> None:
    populate(tracker, fake_hub)
    first = tracker.run("feed", check=True).stdout
    out = tracker.cwd / "feed.xml"
    tracker.run("feed", "-o", str(out), "--base-url", "https://example.org/tracker/", check=True)

    root = ET.fromstring(first)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 6  # seven releases, the two Qwen3 models in one wave
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    again = ET.parse(out).getroot()
    assert ids == [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")]
    assert root.findtext(f"{ATOM}id") == again.findtext(f"{ATOM}id")
    assert again.find(f"{ATOM}link[@rel='self']").get("href") == "https://example.org/tracker/feed.xml"
    tracker.env["TRACKER_SITE_URL"] = "https://releases.example.net/"
    from_setting = ET.fromstring(tracker.run("feed", check=True).stdout)
    assert from_setting.find(f"{ATOM}link[@rel='self']").get("href") == "https://releases.example.net/feed.xml"
    # Hub text is escaped twice: once as HTML inside the content, once as XML around it.
    odd = next(e for e in entries if "GLM-Odd-9B" in e.findtext(f"{ATOM}title"))
    html = odd.findtext(f"{ATOM}content")
    assert HOSTILE_LICENSE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_site_command_builds_pages_charts_and_feed(tracker: Tracker, fake_hub: FakeHub) -> None:
    populate(tracker, fake_hub)
    result = tracker.run("site", "public", check=True)
    site = tracker.cwd / "public"
    assert "7 releases" in result.stderr
    for page in ("index.html", "releases.html", "charts.html", "labs/index.html", "labs/qwen-alibaba.html",
                 "families/index.html", "families/qwen3.html", "feed.xml", "static/site.css", "static/table.js"):
        assert (site / page).stat().st_size > 0, page
    assert all(repo in (site / "releases.html").read_text() for repo in KNOWN)
    # A stale page of an earlier build is removed; files the site does not own are kept.
    (site / "labs" / "gone.html").write_text("old")
    (site / "CNAME").write_text("example.org")
    tracker.run("site", "public", check=True)
    assert not (site / "labs" / "gone.html").exists() and (site / "CNAME").exists()


def test_stats_by_lab_and_month(tracker: Tracker, fake_hub: FakeHub) -> None:
    populate(tracker, fake_hub)
    table = tracker.run("stats", check=True).stdout
    assert table.startswith("7 releases")
    assert "Biggest: deepseek-ai/DeepSeek-V3" in table
    lines = {line.split("  ")[0]: line for line in table.splitlines()}
    assert "Qwen (Alibaba)" in lines and " 3 " in lines["Qwen (Alibaba)"]

    data = json.loads(tracker.run("stats", "--by", "month", "--since", "2025-01-01", "--format", "json",
                                  check=True).stdout)
    assert data[0]["by"] == "all" and data[0]["count"] == 5
    months = {d["key"]: d for d in data[1:]}
    assert months["2025-04"]["count"] == 2 and months["2025-04"]["permissive_share"] == 1.0
    assert list(months) == sorted(months)


def test_commands_are_listed_in_help(tracker: Tracker) -> None:
    out = tracker.run("--help", check=True).stdout
    assert all(name in out for name in ("export", "feed", "site", "stats"))
    bad = tracker.run("stats", "--by", "planet")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(tracker: Tracker, fake_hub: FakeHub) -> None:
    """OWASP CSV injection: text starting with = + - @ (or tab, CR) gets a leading quote; JSON stays exact."""
    hub_catalog.qwen3_8b(fake_hub, license="=cmd|' /C calc'!A0", base_model="@SUM(1+1)*cmd|' /C calc'!A0")
    hub_catalog.qwen3_30b_a3b(fake_hub, license="-2+3+cmd|' /C calc'!A0")
    tracker.run("poll", check=True)

    for command in (("export", "--format", "csv"), ("history", "--format", "csv")):
        result = tracker.run(*command, check=True)
        rows = {r["repo_id"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
        assert rows["Qwen/Qwen3-8B"]["license"] == "'=cmd|' /C calc'!A0"
        assert rows["Qwen/Qwen3-30B-A3B"]["license"] == "'-2+3+cmd|' /C calc'!A0"
        assert rows["Qwen/Qwen3-30B-A3B"]["params_total"] == "30532122624"  # numbers are not touched
        for row in rows.values():
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()), row
    exported = {r["repo_id"]: r for r in json.loads(tracker.run("export", "--format", "json", check=True).stdout)}
    assert exported["Qwen/Qwen3-8B"]["license"] == "=cmd|' /C calc'!A0"


def test_run_rebuilds_site_and_feed_after_a_poll_that_found_something(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=5))  # a new release
    site = tracker.cwd / "www"
    tracker.env["TRACKER_SITE_DIR"] = str(site)
    proc = InProcessRun(tracker)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (site / "feed.xml").exists():
            time.sleep(0.2)
    finally:
        err = proc.stop()
    assert (site / "feed.xml").exists(), err[-2000:]
    assert "Qwen/Qwen3-30B-A3B" in (site / "releases.html").read_text(encoding="utf-8")
    assert "Qwen3-30B-A3B" in (site / "feed.xml").read_text(encoding="utf-8")
