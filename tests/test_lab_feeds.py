"""A feed per lab: feeds/<lab>.xml in the site, valid Atom holding only its lab, linked from the lab's page
and the labs page; `tracker feed --lab NAME` prints the same document."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import TEST_WATCHLIST
from tests.test_stats import store
from tracker.cli.main import main
from tracker.config import load_settings
from tracker.history.publish import publish

ATOM = "{http://www.w3.org/2005/Atom}"
T = datetime(2025, 4, 27, 3, 0, tzinfo=UTC)
BASE = "https://releases.example/"
MODELS = [
    {"repo_id": "Qwen/Qwen3-8B", "lab": "Qwen (Alibaba)", "family": "Qwen3", "released_at": T},
    {"repo_id": "Qwen/Qwen3-32B", "lab": "Qwen (Alibaba)", "family": "Qwen3", "released_at": T + timedelta(minutes=9)},
    {"repo_id": "Qwen/Qwen2.5-7B", "lab": "Qwen (Alibaba)", "family": "Qwen2.5", "released_at": T - timedelta(days=90)},
    {"repo_id": "deepseek-ai/DeepSeek-V3", "lab": "DeepSeek", "family": "DeepSeek-V3",
     "released_at": T - timedelta(days=100)},
    {"repo_id": "zai-org/GLM-4.5-Air", "lab": "Zhipu / Z.ai", "family": "GLM-4.5", "released_at": T},
]
SLUGS = {"Qwen (Alibaba)": "qwen-alibaba", "DeepSeek": "deepseek", "Zhipu / Z.ai": "zhipu-z-ai"}


@pytest.fixture
def site(tmp_path: Path) -> Path:
    engine = store(tmp_path, [dict(m) for m in MODELS])
    settings = load_settings(TRACKER_HUB_WEB_URL="https://huggingface.co")
    publish(settings, engine, tmp_path / "site", base_url=BASE)
    return tmp_path / "site"


def atom(text: str) -> ET.Element:
    """Parse and check what RFC 4287 requires of a feed and its entries."""
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.findtext(f"{ATOM}{name}"), name
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert entry.findtext(f"{ATOM}{name}"), name
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("https://")
        assert entry.find(f"{ATOM}content").get("type") == "html"
    return root


def links(root: ET.Element) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}


def test_each_lab_has_a_valid_feed_holding_only_its_releases(site: Path) -> None:
    assert sorted(p.name for p in (site / "feeds").iterdir()) == sorted(f"{s}.xml" for s in SLUGS.values())
    ids = set()
    for lab, slug in SLUGS.items():
        root = atom((site / "feeds" / f"{slug}.xml").read_text(encoding="utf-8"))
        entries = root.findall(f"{ATOM}entry")
        assert entries and {e.findtext(f"{ATOM}author/{ATOM}name") for e in entries} == {lab}
        assert root.findtext(f"{ATOM}title") == f"Open-weight model releases: {lab}"
        assert links(root) == {"self": f"{BASE}feeds/{slug}.xml", "alternate": f"{BASE}labs/{slug}.html"}
        ids.add(root.findtext(f"{ATOM}id"))
    qwen = atom((site / "feeds" / "qwen-alibaba.xml").read_text(encoding="utf-8"))
    titles = [e.findtext(f"{ATOM}title") for e in qwen.findall(f"{ATOM}entry")]
    assert titles[0].startswith("Qwen (Alibaba): Qwen3 wave · 2 models") and len(titles) == 2
    assert len(ids | {atom((site / "feed.xml").read_text(encoding="utf-8")).findtext(f"{ATOM}id")}) == 4


def test_lab_pages_link_their_feed_and_the_labs_page_lists_them(site: Path) -> None:
    for slug in SLUGS.values():
        page = (site / "labs" / f"{slug}.html").read_text(encoding="utf-8")
        assert '<link rel="alternate" type="application/atom+xml"' in page
        assert f'href="../feeds/{slug}.xml">' in page.split("</head>")[0]
        assert f'<a href="../feeds/{slug}.xml">' in page
    index = (site / "labs" / "index.html").read_text(encoding="utf-8")
    assert all(f'href="../feeds/{slug}.xml"' in index for slug in SLUGS.values())


def test_tracker_feed_lab_prints_the_sites_file(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    watchlist = tmp_path / "watchlist.toml"
    watchlist.write_text(TEST_WATCHLIST, encoding="utf-8")
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("TRACKER_WATCHLIST", str(watchlist))
    monkeypatch.setenv("TRACKER_HUB_WEB_URL", "https://huggingface.co")
    monkeypatch.setenv("TRACKER_SITE_URL", BASE)

    for name, slug in (("qwen", "qwen-alibaba"), ("DeepSeek", "deepseek"), ("glm", "zhipu-z-ai")):
        assert main(["feed", "--lab", name]) == 0
        assert capsys.readouterr().out == (site / "feeds" / f"{slug}.xml").read_text(encoding="utf-8"), name


def test_a_lab_gone_from_the_store_loses_its_feed(tmp_path: Path) -> None:
    engine = store(tmp_path, [dict(m) for m in MODELS])
    settings = load_settings(TRACKER_HUB_WEB_URL="https://huggingface.co")
    publish(settings, engine, tmp_path / "site")
    (tmp_path / "site" / "feeds" / "old-lab.xml").write_text("<feed/>", encoding="utf-8")
    publish(settings, engine, tmp_path / "site")
    assert not (tmp_path / "site" / "feeds" / "old-lab.xml").exists()
