"""The site's charts read as a person reads them: real month names, whole-number counts, empty quarters
kept, and on a page the title, the axis and the legend stay apart from the plot that scrolls."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.test_site import HUB, SVG
from tests.test_stats import store
from tracker.history.site import build_site

NOW = datetime(2026, 12, 30, tzinfo=UTC)
CHARTS = ("releases-by-lab", "releases-by-region", "sizes", "licenses-by-lab", "openness-by-lab")


def release(i: int, when: datetime, lab: str = "Qwen (Alibaba)", **extra: Any) -> dict[str, Any]:
    return {"repo_id": f"org/Model-{i}", "lab": lab, "region": "China", "params_total": (i + 1) * 10**9,
            "released_at": when, **extra}


def build(tmp_path: Path, specs: list[dict[str, Any]]) -> Path:
    out = tmp_path / "site"
    build_site(store(tmp_path, specs), out, hub_url=HUB, now=NOW)
    return out


def svg_texts(site: Path, name: str) -> list[str]:
    return [t.text or "" for t in ET.parse(site / "charts" / f"{name}.svg").getroot().iter(f"{SVG}text")]


def figures(html: str) -> list[dict[str, Any]]:
    """Each chart of a page: its HTML title, the axis and plot SVGs (parsed) and the legend's entries."""
    out = []
    for fig in re.findall(r'<figure class="chart">(.*?)</figure>', html, flags=re.S):
        head = re.search(r'<div class="chart-head"><strong>(.*?)</strong>', fig)
        axis = re.search(r'<div class="chart-axis">(<svg .*?</svg>)</div>', fig, flags=re.S)
        plot = re.search(r'<div class="chart-scroll">(<svg .*?</svg>)</div>', fig, flags=re.S)
        assert head and axis and plot, fig[:300]
        out.append({"title": head.group(1), "axis": ET.fromstring(axis.group(1)), "plot": ET.fromstring(plot.group(1)),
                    "legend": re.findall(r'<li><i class="\w+" style="--c: #\w+"></i>(.*?)</li>', fig)})
    return out


def test_months_carry_their_year_and_counts_get_whole_number_ticks(tmp_path: Path) -> None:
    # 11 releases in one month: a step of 2.5 would have been "nice" for 11 / 5, but counts are whole.
    specs = [release(i, datetime(2026, 12, 1 + i, tzinfo=UTC)) for i in range(11)]
    specs += [release(20 + i, datetime(2025, 3 + i, 5, tzinfo=UTC)) for i in range(6)]
    site = build(tmp_path, specs)
    for name in ("releases-by-lab", "releases-by-region"):
        texts = svg_texts(site, name)
        assert "Dec 2026" in texts and not [t for t in texts if re.fullmatch(r"[A-Z][a-z]{2} \d{2}", t)], texts
        svg = ET.parse(site / "charts" / f"{name}.svg").getroot()
        labels = [t.text or "" for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
        assert labels == ["0", "5", "10", "15"], labels  # the value axis, bottom to top
    sizes = svg_texts(site, "sizes")
    assert not [t for t in sizes if re.fullmatch(r"[A-Z][a-z]{2} \d{2}", t)]
    assert [t for t in sizes if re.fullmatch(r"[A-Z][a-z]{2} 20\d\d", t)], sizes  # "Apr 2025", not "Apr 25"


def test_openness_keeps_empty_quarters_in_their_place(tmp_path: Path) -> None:
    specs = [release(0, datetime(2025, 8, 1, tzinfo=UTC), openness_level="open-weights"),
             release(1, datetime(2026, 11, 1, tzinfo=UTC), openness_level="open-model"),
             release(2, datetime(2026, 12, 1, tzinfo=UTC), lab="DeepSeek", openness_level="open-science")]
    site = build(tmp_path, specs)
    svg = ET.parse(site / "charts" / "openness-by-lab.svg").getroot()
    quarters = [t.text for t in svg.iter(f"{SVG}text") if re.fullmatch(r"20\d\d Q\d", t.text or "")]
    assert quarters == ["2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"]
    grid = [float(line.get("x1") or 0) for line in svg.iter(f"{SVG}line")]  # a line down each quarter's middle
    gaps = {round(b - a, 1) for a, b in zip(grid, grid[1:], strict=False)}
    assert len(gaps) == 1, gaps  # evenly spaced: one column per calendar quarter, with or without releases
    tips = {t.text for t in svg.iter(f"{SVG}title")}
    assert "Qwen (Alibaba), 2025 Q3: 1 of 1 open-weights" in tips and "DeepSeek, 2026 Q4: 1 of 1 open-science" in tips


def test_pages_keep_title_axis_and_legend_out_of_the_scrolling_plot(tmp_path: Path) -> None:
    labs = ["Qwen (Alibaba)", "DeepSeek", "Allen Institute (Ai2)"]
    specs = [release(i, datetime(2024 + i % 3, 1 + i % 12, 3, tzinfo=UTC), lab=labs[i % 3],
                     params_active=10**9 if i % 4 == 0 else None, openness_level="open-weights") for i in range(40)]
    site = build(tmp_path, specs)
    shown = figures((site / "charts.html").read_text(encoding="utf-8"))
    assert len(shown) == len(CHARTS)
    for name, fig in zip(CHARTS, shown, strict=True):
        whole = ET.parse(site / "charts" / f"{name}.svg").getroot()
        assert fig["title"] == whole.find(f"{SVG}title").text  # type: ignore[union-attr]
        # The plot carries every mark (and its tooltip); nothing of the title, axis labels or legend.
        tips = sorted(t.text or "" for t in whole.findall(f".//{SVG}title")[1:])
        assert sorted(t.text or "" for t in fig["plot"].iter(f"{SVG}title")) == tips, name
        plot_texts = {t.text for t in fig["plot"].iter(f"{SVG}text")}
        axis_texts = [t.text for t in fig["axis"].iter(f"{SVG}text")]
        assert fig["title"] not in plot_texts and not set(fig["legend"]) & plot_texts, name
        assert axis_texts and not set(axis_texts) & plot_texts, name  # value labels or lab names, fixed
        # The legend is HTML (it wraps on a phone) with the chart's entries.
        legend = [t.text for t in whole.iter(f"{SVG}text") if t.get("x") == "20"]
        assert fig["legend"] == legend, name
        # Both parts are the same strip of the chart at 1:1, side by side: the axis ends where the plot starts.
        ax, ay, aw, ah = (float(v) for v in fig["axis"].get("viewBox").split())
        px, py, pw, ph = (float(v) for v in fig["plot"].get("viewBox").split())
        assert (ax, ay, ah) == (0, py, ph) and px == aw and aw + pw == float(whole.get("width") or 0), name
        assert float(fig["axis"].get("height") or 0) == ah and float(fig["plot"].get("width") or 0) == pw, name
    names = {t.text for t in shown[3]["axis"].iter(f"{SVG}text")}
    assert names == {"Qwen (Alibaba)", "DeepSeek", "Allen Institute (Ai2)"}
    assert {"0", "1", "4"} <= {t.text for t in shown[0]["axis"].iter(f"{SVG}text")}
    assert "Dec 2025" in {t.text for t in shown[0]["plot"].iter(f"{SVG}text")}


def test_an_empty_chart_says_so_on_the_page(tmp_path: Path) -> None:
    site = build(tmp_path, [])
    html = (site / "charts.html").read_text(encoding="utf-8")
    assert html.count("No releases to show yet.") == len(CHARTS) and "chart-scroll" not in html
