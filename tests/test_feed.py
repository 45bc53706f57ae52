"""The Atom feed (tracker.history.feed): waves, stable ids and dates, valid Atom parsed back with xml.etree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from tests.test_stats import insert_models, store
from tracker.history.feed import FeedOptions, build_feed, entry_id, group_waves
from tracker.store.queries import HistoryFilter

ATOM = "{http://www.w3.org/2005/Atom}"
T = datetime(2025, 4, 27, 3, 0, tzinfo=UTC)
OPTS = FeedOptions(hub_url="https://huggingface.co", wave_window=timedelta(minutes=30))
NOW = datetime(2025, 5, 1, tzinfo=UTC)


def row(repo: str, minutes: float, lab: str = "Qwen", family: str | None = "Qwen3") -> SimpleNamespace:
    return SimpleNamespace(repo_id=repo, lab=lab, family=family, released_at=T + timedelta(minutes=minutes))


def test_waves_chain_a_labs_family_within_the_window() -> None:
    waves = group_waves([
        row("Qwen/Qwen3-8B", 0), row("Qwen/Qwen3-32B", 25), row("Qwen/Qwen3-235B", 50),  # chained, 25 min apart
        row("Qwen/Qwen3-0.6B", 200),  # too late: a new wave
        row("Other/Qwen3-Fork", 5, lab="Other"),  # another lab
        row("Qwen/Solo-1", 1, family=None), row("Qwen/Solo-2", 2, family=None),  # no family: one entry each
    ], timedelta(minutes=30))
    assert [[m.repo_id for m in w.models] for w in waves] == [
        ["Qwen/Qwen3-0.6B"], ["Qwen/Qwen3-8B", "Qwen/Qwen3-32B", "Qwen/Qwen3-235B"], ["Other/Qwen3-Fork"],
        ["Qwen/Solo-2"], ["Qwen/Solo-1"],
    ]


def parse(text: str) -> ET.Element:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.findtext(f"{ATOM}{name}"), name
    return root


def iso(text: str | None) -> datetime:
    assert text and text.endswith("Z")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_feed_entries_ids_dates_and_links(tmp_path: Path) -> None:
    engine = store(tmp_path, [
        {"repo_id": "Qwen/Qwen3-8B", "lab": "Qwen", "family": "Qwen3", "released_at": T},
        {"repo_id": "Qwen/Qwen3-32B", "lab": "Qwen", "family": "Qwen3", "released_at": T + timedelta(minutes=10)},
        {"repo_id": "deepseek-ai/DeepSeek-V3", "lab": "DeepSeek", "family": "DeepSeek-V3",
         "released_at": T - timedelta(days=100), "params_total": 684 * 10**9, "params_active": 37 * 10**9},
    ])
    root = parse(build_feed(engine, HistoryFilter(), OPTS, NOW))
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    wave, single = entries
    assert wave.findtext(f"{ATOM}id") == entry_id("Qwen/Qwen3-8B")
    assert iso(wave.findtext(f"{ATOM}updated")) == T + timedelta(minutes=10)
    assert iso(wave.findtext(f"{ATOM}published")) == T
    assert iso(root.findtext(f"{ATOM}updated")) == T + timedelta(minutes=10)
    assert "Qwen3 wave" in wave.findtext(f"{ATOM}title") and "2 models" in wave.findtext(f"{ATOM}title")
    assert "684B (37B active)" in single.findtext(f"{ATOM}title")
    assert single.find(f"{ATOM}link[@rel='alternate']").get("href") == "https://huggingface.co/deepseek-ai/DeepSeek-V3"
    content = wave.find(f"{ATOM}content")
    assert content.get("type") == "html" and "Qwen/Qwen3-32B" in content.text
    assert all(e.findtext(f"{ATOM}author/{ATOM}name") for e in entries)

    # Same store, same feed; a model joining the wave keeps the entry's id and moves its updated time.
    assert build_feed(engine, HistoryFilter(), OPTS, NOW) == build_feed(engine, HistoryFilter(), OPTS, NOW)
    insert_models(engine, [{"repo_id": "Qwen/Qwen3-235B-A22B", "lab": "Qwen", "family": "Qwen3",
                            "released_at": T + timedelta(minutes=30)}])
    grown = parse(build_feed(engine, HistoryFilter(), OPTS, NOW)).findall(f"{ATOM}entry")[0]
    assert grown.findtext(f"{ATOM}id") == entry_id("Qwen/Qwen3-8B")
    assert iso(grown.findtext(f"{ATOM}updated")) == T + timedelta(minutes=30)


def test_feed_filters_limits_and_strips_characters_xml_forbids(tmp_path: Path) -> None:
    engine = store(tmp_path, [{"repo_id": f"org/M-{i}", "family": None, "license": "odd\x07license",
                               "license_id": None} for i in range(8)])
    root = parse(build_feed(engine, HistoryFilter(), FeedOptions(hub_url="https://hub", limit=3), NOW))
    assert len(root.findall(f"{ATOM}entry")) == 3
    assert "oddlicense" in root.find(f"{ATOM}entry/{ATOM}content").text
    other = parse(build_feed(engine, HistoryFilter(orgs=("org",)), OPTS, NOW))
    assert other.findtext(f"{ATOM}id") != root.findtext(f"{ATOM}id")  # a filtered feed is another feed


def test_empty_feed_is_valid(tmp_path: Path) -> None:
    root = parse(build_feed(store(tmp_path, []), HistoryFilter(), OPTS, NOW))
    assert root.findall(f"{ATOM}entry") == [] and iso(root.findtext(f"{ATOM}updated")) == NOW
