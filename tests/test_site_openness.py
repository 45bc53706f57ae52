"""The site shows how open each release is (a chart by lab over time, a tag in the tables) and its summary."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from tests.test_feed import NOW as FEED_NOW
from tests.test_feed import OPTS, parse
from tests.test_site import HUB, NOW, SVG, page
from tests.test_stats import store
from tracker.history.feed import build_feed
from tracker.history.site import build_site
from tracker.store.queries import HistoryFilter

SPECS = [
    {"repo_id": "Qwen/Qwen3-30B-A3B", "lab": "Qwen (Alibaba)", "openness_level": "open-model",
     "summary": "Qwen3 is the latest generation of <large> language models.",
     "released_at": datetime(2025, 4, 27, tzinfo=UTC)},
    {"repo_id": "Qwen/Qwen2.5-7B", "lab": "Qwen (Alibaba)", "openness_level": "open-weights",
     "released_at": datetime(2024, 9, 19, tzinfo=UTC)},
    {"repo_id": "deepseek-ai/DeepSeek-V3", "lab": "DeepSeek", "openness_level": "restricted-weights",
     "released_at": datetime(2024, 12, 25, tzinfo=UTC)},
    {"repo_id": "allenai/OLMo-2-7B", "lab": "Ai2", "openness_level": "open-science",
     "released_at": datetime(2025, 1, 5, tzinfo=UTC)},
    {"repo_id": "a/Unread", "lab": "Ai2", "openness_level": None, "released_at": datetime(2025, 2, 5, tzinfo=UTC)},
]


def test_openness_chart_by_lab_per_quarter_and_the_tables_show_level_and_summary(tmp_path: Path) -> None:
    engine = store(tmp_path, [dict(s) for s in SPECS])
    out = tmp_path / "site"
    build_site(engine, out, hub_url=HUB, now=NOW)

    svg = ET.parse(out / "charts" / "openness-by-lab.svg").getroot()
    tips = [t.text or "" for t in svg.iter(f"{SVG}title")]
    assert "Qwen (Alibaba), 2025 Q2: 1 of 1 open-model" in tips
    assert "Qwen (Alibaba), 2024 Q3: 1 of 1 open-weights" in tips
    assert "Ai2, 2025 Q1: 1 of 2 open-science" in tips and "Ai2, 2025 Q1: 1 of 2 not classified yet" in tips
    texts = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"2024 Q3", "2024 Q4", "2025 Q1", "2025 Q2", "DeepSeek", "restricted-weights"} <= texts
    assert "openness-by-lab.svg" in (out / "charts.html").read_text(encoding="utf-8")

    qwen = next(r for r in page(out, "releases.html").rows if r[1].startswith("Qwen/Qwen3-30B-A3B"))
    assert "Qwen3 is the latest generation of <large> language models." in qwen[1]  # escaped in the HTML
    assert qwen[-1].endswith("open-model")
    html = (out / "releases.html").read_text(encoding="utf-8")
    assert "of &lt;large&gt; language" in html


def test_feed_entries_carry_openness_and_summary_escaped(tmp_path: Path) -> None:
    engine = store(tmp_path, [dict(SPECS[0])])
    root = parse(build_feed(engine, HistoryFilter(limit=None), OPTS, FEED_NOW))
    content = root.find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content")
    assert content is not None and content.text is not None
    assert "open-model" in content.text and "Qwen3 is the latest generation of &lt;large&gt;" in content.text
