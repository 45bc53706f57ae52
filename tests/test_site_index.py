"""The site's search index (releases-index.js), now written in chunks as it is made: valid JSON holding every
release, in table order, with what the table shows of each."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.test_stats import store
from tracker.history.site import build_site
from tracker.history.site.pages import PAGE_SIZE
from tracker.hub.sources import entry

HUB = "https://huggingface.co"
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def read_index(site: Path) -> dict:
    text = (site / "releases-index.js").read_text(encoding="utf-8")
    return json.loads(text.removeprefix("window.RELEASES_INDEX = ").removesuffix(";\n"))


def test_the_index_is_one_json_document_of_every_release(tmp_path: Path) -> None:
    n = PAGE_SIZE + 150  # two table pages; the index is written 500 releases at a time
    base = datetime(2024, 1, 1, tzinfo=UTC)
    specs = [{"repo_id": f"org{i % 7}/Model-{i}", "lab": f"Lab {i % 7}", "family": f"Fam{i % 40}" if i % 5 else None,
              "params_total": (i % 300 + 1) * 10**9, "released_at": base + timedelta(hours=i),
              "variant": ("other", "instruct", None)[i % 3], "license_id": "mit" if i % 4 == 0 else None,
              "license": "mit-ish" if i % 4 == 1 else None, "license_class": None if i % 11 == 0 else "permissive"}
             for i in range(n)]
    specs[-1] |= {"params_active": 3 * 10**9, "is_moe": True}
    build_site(store(tmp_path, specs), tmp_path / "site", hub_url=HUB, now=NOW)
    text = (tmp_path / "site" / "releases-index.js").read_text(encoding="utf-8")
    assert text.startswith("window.RELEASES_INDEX = ") and text.endswith(";\n")
    index = read_index(tmp_path / "site")
    assert index["hub"] == HUB + "/"
    labs = [name for name, _slug in index["labs"]]
    families = [name for name, _slug in index["families"]]
    assert labs == sorted(f"Lab {i}" for i in range(7)) and len(families) == 32
    assert len(index["rows"]) == n
    for row, i in zip(index["rows"], reversed(range(n)), strict=True):  # newest first, as the table
        spec = specs[i]
        when = base + timedelta(hours=i)
        family = families.index(spec["family"]) if spec["family"] else -1
        active = 3 * 10**9 if i == n - 1 else 0
        license_ = "mit" if i % 4 == 0 else ("mit-ish" if i % 4 == 1 else "unknown")
        variant = "instruct" if i % 3 == 1 else ""
        assert row == [when.strftime("%Y-%m-%d"), spec["repo_id"], labs.index(spec["lab"]), family,
                       spec["params_total"], active, license_, spec["license_class"] or "unknown", variant]


def test_a_release_only_on_modelscope_links_there_from_the_index(tmp_path: Path) -> None:
    ms = "https://modelscope.cn/models/ZhipuAI/GLM-5-Air"
    day = datetime(2024, 6, 1, tzinfo=UTC)
    filler = [{"repo_id": f"org/Model-{i}", "released_at": day - timedelta(hours=i)} for i in range(PAGE_SIZE)]
    build_site(store(tmp_path, filler + [  # more than a page: the index is written
        {"repo_id": "ZhipuAI/GLM-5-Air", "sources": [entry("modelscope", "ZhipuAI/GLM-5-Air", ms, day)]},
        {"repo_id": "zai-org/GLM-5", "sources": [  # on both: the Hub's link, as before
            entry("modelscope", "ZhipuAI/GLM-5", "https://modelscope.cn/models/ZhipuAI/GLM-5", day),
            entry("huggingface", "zai-org/GLM-5", f"{HUB}/zai-org/GLM-5", day + timedelta(hours=2))]},
        {"repo_id": "Qwen/Qwen3-8B"},  # stored before ModelScope was watched: the Hub's
    ]), tmp_path / "site", hub_url=HUB, now=NOW)
    index = read_index(tmp_path / "site")
    rows = {row[1]: row for row in index["rows"]}
    assert rows["ZhipuAI/GLM-5-Air"][9:] == [ms]
    assert len(rows["zai-org/GLM-5"]) == len(rows["Qwen/Qwen3-8B"]) == 9  # index["hub"] + repo id
    table = (tmp_path / "site" / "static" / "table.js").read_text(encoding="utf-8")
    assert "link(r[9] || index.hub + r[1], r[1])" in table  # what the page links a searched row to
