"""The static site (tracker.history.site): valid pages with the expected rows, charts that exist, paging, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.test_stats import store
from tracker.history.site import build_site
from tracker.history.site.pages import PAGE_SIZE

NOW = datetime(2025, 9, 1, tzinfo=UTC)
HUB = "https://huggingface.co"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG = "{http://www.w3.org/2000/svg}"


class Page(HTMLParser):
    """Parses a page, checks that elements nest and close, and collects the release table's rows."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.doctype = ""
        self.rows: list[list[str]] = []
        self.title = ""
        self.meta: dict[str, str] = {}
        self._in_body = self._in_title = False
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed: {self.stack}")

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self.meta[dict(attrs).get("name") or "charset"] = dict(attrs).get("content") or ""
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag == "td" and self._in_body:
            self.rows[-1].append("")
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        self.stack.pop()
        if tag == "tbody":
            self._in_body = False
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._in_body and self.rows and self.rows[-1] and "td" in self.stack:
            self.rows[-1][-1] += data


def page(site: Path, relpath: str) -> Page:
    parsed = Page((site / relpath).read_text(encoding="utf-8"))
    assert parsed.errors == [], relpath
    assert parsed.doctype.lower() == "doctype html" and parsed.title and "viewport" in parsed.meta, relpath
    return parsed


KNOWN = [
    {"repo_id": "Qwen/Qwen3-30B-A3B", "lab": "Qwen (Alibaba)", "family": "Qwen3", "params_total": 30_532_122_624,
     "params_active": 3_300_000_000, "released_at": datetime(2025, 4, 27, 3, 40, tzinfo=UTC)},
    {"repo_id": "Qwen/Qwen3-8B", "lab": "Qwen (Alibaba)", "family": "Qwen3", "params_total": 8_190_735_360,
     "released_at": datetime(2025, 4, 27, 3, 30, tzinfo=UTC)},
    {"repo_id": "deepseek-ai/DeepSeek-V3", "lab": "DeepSeek", "family": "DeepSeek-V3", "params_total": 684 * 10**9,
     "params_active": 37 * 10**9, "license": "other", "license_id": "deepseek", "license_class": "open-restricted",
     "released_at": datetime(2024, 12, 25, 12, tzinfo=UTC)},
    {"repo_id": "openai/gpt-oss-120b", "lab": "OpenAI", "region": "North America", "family": "gpt-oss",
     "params_total": 116_800_000_000, "params_active": 5_100_000_000,
     "released_at": datetime(2025, 8, 4, 16, tzinfo=UTC)},
    {"repo_id": "zai-org/GLM-Odd", "lab": "Zhipu / Z.ai", "family": None, "params_total": None,
     "license": "<img src=x onerror=alert(1)>", "license_id": None, "license_class": None,
     "released_at": datetime(2025, 8, 10, tzinfo=UTC)},
]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    engine = store(tmp_path, [dict(spec) for spec in KNOWN])
    out = tmp_path / "site"
    report = build_site(engine, out, hub_url=HUB, now=NOW)
    assert report.releases == 5 and report.table_pages == 1
    return out


def test_pages_are_valid_html_with_the_expected_rows(site: Path) -> None:
    for relpath in ("index.html", "releases.html", "charts.html", "labs/index.html", "families/index.html"):
        page(site, relpath)
    rows = page(site, "releases.html").rows
    assert [r[1].split(" ")[0] for r in rows] == ["zai-org/GLM-Odd", "openai/gpt-oss-120b", "Qwen/Qwen3-30B-A3B",
                                                  "Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-V3"]
    assert rows[2] == ["2025-04-27", "Qwen/Qwen3-30B-A3B", "Qwen (Alibaba)", "Qwen3", "30.5B", "3.3B", "apache-2.0"]
    assert rows[3][5] == ""  # dense: no separate active count
    lab = page(site, "labs/qwen-alibaba.html")
    assert [r[1] for r in lab.rows] == ["Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-8B"]
    family = page(site, "families/qwen3.html")
    assert len(family.rows) == 2 and "Qwen3" in family.title
    assert len(page(site, "index.html").rows) == 5
    labs = page(site, "labs/index.html").rows
    assert labs[0][:3] == ["Qwen (Alibaba)", "China", "2"]


def test_hub_text_is_escaped(site: Path) -> None:
    html = (site / "releases.html").read_text(encoding="utf-8")
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_charts_exist_and_have_marks(site: Path) -> None:
    for name in ("releases-by-lab", "releases-by-region", "sizes", "licenses-by-lab", "lab-deepseek-sizes"):
        svg = ET.parse(site / "charts" / f"{name}.svg").getroot()
        assert svg.tag == f"{SVG}svg" and float(svg.get("width")) > 0, name
        marks = svg.findall(f".//{SVG}rect[{SVG}title]") + svg.findall(f".//{SVG}circle[{SVG}title]")
        assert marks, name
    sizes = ET.parse(site / "charts" / "sizes.svg").getroot()
    tips = [t.text for t in sizes.iter(f"{SVG}title")]
    assert any("37B active" in (t or "") for t in tips) and any("684B total" in (t or "") for t in tips)
    assert {"1B", "10B", "100B", "1T"} <= {t.text for t in sizes.iter(f"{SVG}text")}  # log scale


def test_pages_inline_their_charts_so_mark_tooltips_work(site: Path) -> None:
    """An SVG shown through <img> gets no hover tooltips; inlined, each mark's <title> is one."""
    for relpath, charts in (("index.html", 2), ("charts.html", 5), ("labs/deepseek.html", 1)):
        html = (site / relpath).read_text(encoding="utf-8")
        assert "<img" not in html and html.count('<div class="chart-scroll"><svg ') == charts, relpath
        assert html.count("<title>") > charts + 1  # the page's, each chart's, and each mark's
    charts_page = (site / "charts.html").read_text(encoding="utf-8")
    assert "684B total" in charts_page and "37B active" in charts_page  # the sizes chart's tooltips
    marks = ET.parse(site / "charts" / "sizes.svg").getroot().findall(f".//{SVG}circle/{SVG}title")
    assert marks and all(f"<title>{m.text}</title>" in charts_page for m in marks)  # every mark of the file


def test_big_store_pages_the_table_and_ships_a_search_index(tmp_path: Path) -> None:
    n = PAGE_SIZE + 150
    base = datetime(2024, 1, 1, tzinfo=UTC)
    engine = store(tmp_path, [{"repo_id": f"org{i % 7}/Model-{i}", "lab": f"Lab {i % 7}", "family": f"Fam{i % 40}",
                               "params_total": (i % 300 + 1) * 10**9, "released_at": base + timedelta(hours=i)}
                              for i in range(n)])
    out = tmp_path / "site"
    report = build_site(engine, out, hub_url=HUB, now=NOW)
    assert report.table_pages == 2 and report.releases_page_bytes < 2_000_000
    assert len(page(out, "releases.html").rows) == PAGE_SIZE and len(page(out, "releases-2.html").rows) == 150
    index = (out / "releases-index.js").read_text(encoding="utf-8")
    assert index.startswith("window.RELEASES_INDEX = ") and index.count('"org') == n


def test_empty_store_builds_a_friendly_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(store(tmp_path, []), out, hub_url=HUB, now=NOW)
    assert "No releases recorded yet" in (out / "index.html").read_text()
    assert "No releases to show yet" in (out / "charts" / "sizes.svg").read_text()
    page(out, "releases.html")
