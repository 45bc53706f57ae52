"""The static site in a real headless browser (Debian's chromium): pages render, and the table filter works.

Skipped, with the reason, when no chromium is installed (`.ci/run` installs it on CI).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import zlib
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.test_site import KNOWN
from tests.test_stats import store
from tracker.history.site import build_site
from tracker.history.site.pages import PAGE_SIZE

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if p and Path(p).exists()), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium browser installed (apt-get install chromium)")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True,
                          timeout=60, check=True)


def png_pixels(path: Path) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered scanlines of an 8-bit RGB or RGBA PNG (what chromium writes)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, bpp = 8, b"", 0, 0, 4
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, [bytes(r[i:i + 3]) for r in rows[::4] for i in range(0, stride, bpp * 4)]


def assert_rendered(path: Path, width: int) -> None:
    """The screenshot is as wide as asked and not a blank page: enough ink and colors (text, tables, charts)."""
    w, _, samples = png_pixels(path)
    assert w == width
    background = max(set(samples), key=samples.count)
    ink = sum(1 for s in samples if s != background) / len(samples)
    assert ink > 0.05, f"{path.name}: only {ink:.1%} of the page differs from the background"
    assert len(set(samples)) > 20, f"{path.name}: {len(set(samples))} colors"


class VisibleRows(HTMLParser):
    """The model names of release-table rows without the `hidden` attribute, from chromium's --dump-dom."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self.count = ""
        self._row: str | None = None
        self._cell = self._count = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and self._row is None and "hidden" not in a:
            self._row = ""
        self._cell = tag == "td" and a.get("class") == "m" or (self._cell and tag == "a")
        self._count = tag == "output"

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._row:
            self.rows.append(self._row)
        if tag == "tr":
            self._row = None
        if tag in ("a", "td"):
            self._cell = False
        self._count = False

    def handle_data(self, data: str) -> None:
        if self._cell and self._row is not None:
            self._row += data
        if self._count:
            self.count += data


def visible_rows(dom: str) -> VisibleRows:
    parser = VisibleRows()
    parser.feed(dom)
    return parser


def test_home_page_renders_on_phone_and_desktop(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(store(tmp_path, [dict(spec) for spec in KNOWN]), site, hub_url="https://huggingface.co",
               now=datetime(2025, 9, 1, tzinfo=UTC))
    home = (site / "index.html").as_uri()
    for width in (390, 1280):
        shot = tmp_path / f"home-{width}.png"
        chromium(tmp_path, f"--window-size={width},1000", f"--screenshot={shot}", home)
        assert_rendered(shot, width)
    dom = chromium(tmp_path, "--dump-dom", home).stdout
    assert "Qwen/Qwen3-30B-A3B" in dom and "Releases per month by lab" in dom

    shown = visible_rows(chromium(tmp_path, "--dump-dom", (site / "releases.html").as_uri() + "?q=qwen3").stdout)
    assert sorted(shown.rows) == ["Qwen/Qwen3-30B-A3B", "Qwen/Qwen3-8B"]
    assert "2 of 5 releases match" in shown.count


def test_a_blank_page_fails_the_screenshot_check(tmp_path: Path) -> None:
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><head><title>x</title></head><body></body></html>")
    chromium(tmp_path, "--window-size=390,800", f"--screenshot={tmp_path / 'blank.png'}", blank.as_uri())
    with pytest.raises(AssertionError, match="differs from the background"):
        assert_rendered(tmp_path / "blank.png", 390)


def test_filter_searches_every_page_of_a_paged_table(tmp_path: Path) -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    engine = store(tmp_path, [{"repo_id": f"org{i % 5}/Model-{i}", "lab": f"Lab {i % 5}", "family": f"Fam{i % 9}",
                               "params_total": (i % 90 + 1) * 10**9, "released_at": base + timedelta(hours=i)}
                              for i in range(PAGE_SIZE + 200)])
    build_site(engine, tmp_path / "site", hub_url="https://huggingface.co", now=base)
    url = (tmp_path / "site" / "releases.html").as_uri() + "?q=model-7%20ORG2"  # every word must match
    shown = visible_rows(chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", url).stdout)
    expected = sorted(f"org2/Model-{i}" for i in range(PAGE_SIZE + 200) if str(i).startswith("7") and i % 5 == 2)
    assert sorted(shown.rows) == expected and len(expected) > 10  # rows of both pages, from releases-index.js
    assert f"{len(expected)} of {PAGE_SIZE + 200} releases match" in shown.count


# Measures, after layout, whether each chart's newest mark (the rightmost on the time axis) ends in its box, and
# where its title, axis labels and legend entries sit in the window. Inside a frame it reports to the parent.
PROBE = """<script>
addEventListener("load", () => {
  const box = el => {
    const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, text: el.textContent};
  };
  const charts = [...document.querySelectorAll("figure.chart")].map(fig => {
    const scroll = fig.querySelector(".chart-scroll");
    const marks = [...scroll.querySelectorAll("svg rect > title, svg circle > title")].map(t => t.parentElement);
    const at = m => +(m.getAttribute("x") ?? m.getAttribute("cx"));
    const newest = marks.reduce((a, b) => at(b) > at(a) ? b : a).getBoundingClientRect();
    const shown = scroll.getBoundingClientRect();
    const fixed = [fig.querySelector(".chart-head strong"),
                   ...fig.querySelectorAll(".chart-axis text, .chart-legend li")];
    return {tips: marks.length, scrolls: scroll.scrollWidth > scroll.clientWidth,
            newest: newest.right > shown.left && newest.right <= shown.right + 0.5, fixed: fixed.map(box)};
  });
  const report = JSON.stringify({width: innerWidth, charts});
  if (parent !== window) { parent.postMessage(report, "*"); return; }
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = report;
  document.body.append(out);
});
</script>"""

# A phone's width: headless chromium lays a window out at least 500 px wide, so the page goes in a frame.
PHONE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
<iframe src="{src}" width="{width}" height="1600" style="border:0"></iframe>
<script>addEventListener("message", e => {{
  const out = document.createElement("pre"); out.id = "probe"; out.textContent = e.data; document.body.append(out);
}});</script></body></html>"""


def test_charts_keep_title_axis_and_legend_in_view_on_a_phone_and_open_at_the_newest_months(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_site(store(tmp_path, [dict(spec) for spec in KNOWN]), site, hub_url="https://huggingface.co",
               now=datetime(2025, 9, 1, tzinfo=UTC))
    for page, count in (("index.html", 2), ("charts.html", 5)):
        html = (site / page).read_text(encoding="utf-8")
        probe_page = site / f"probe-{page}"
        probe_page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
        phone = site / f"phone-{page}"
        phone.write_text(PHONE.format(src=probe_page.name, width=390), encoding="utf-8")
        for width, url, scrolls in ((390, phone.as_uri(), True), (1280, probe_page.as_uri(), False)):
            dom = chromium(tmp_path, f"--window-size={max(width, 500)},1000", "--virtual-time-budget=3000",
                           "--dump-dom", url).stdout
            found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.S)
            assert found, "the probe did not run"
            result = json.loads(unescape(found.group(1)))
            assert result["width"] == width and len(result["charts"]) == count
            for chart in result["charts"]:
                assert chart["tips"] > 0  # inline SVG: the marks and their <title> tooltips are in the page
                assert chart["scrolls"] is scrolls, chart  # on a phone the plot scrolls sideways
                assert chart["newest"], chart  # ... and opens with the newest month (or the bars' ends) shown
                # ... while the title, the axis labels (values or lab names) and the legend stay in the window.
                off = [f for f in chart["fixed"] if f["left"] < 0 or f["right"] > width]
                assert len(chart["fixed"]) > 3 and not off, off
    shot = tmp_path / "charts-phone.png"
    phone = site / "phone-charts.html"
    chromium(tmp_path, "--window-size=500,1600", f"--screenshot={shot}", phone.as_uri())
    assert_rendered(shot, 500)
