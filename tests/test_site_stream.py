"""The site's streamed pass (issue 19 §5): what it counts as the releases go by equals what the whole-list chart
and summary functions make of all the rows at once, and it keeps no release once it has gone by."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from tests.test_stats import store
from tracker.history.site import data as site_data
from tracker.history.site.charts_openness import openness_by_lab, openness_of
from tracker.history.site.data import SiteRow
from tracker.history.site.tally import LATEST, LabTally, SiteTally
from tracker.history.stats import Tally, summarize
from tracker.render import charts

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LABS = ("Qwen (Alibaba)", "DeepSeek", "Meta (Llama)", "qwen (alibaba)", "NVIDIA")
LEVELS = ("open-weights", "open-model", None, "restricted-weights", "open-science")


def specs(n: int) -> list[dict[str, Any]]:
    """`n` releases over four years (more than the bars' 36 months), with the gaps a real store has: no size,
    no region, no family, no release time, equal release times, active counts equal to or apart from totals."""
    out = []
    for i in range(n):
        lab = LABS[i % len(LABS) if i % 3 else 0]
        total = None if i % 17 == 0 else (i % 40 + 1) * 10**8 * (10 if i % 7 == 0 else 1)
        out.append({
            "repo_id": f"org{i % 5}/Model-{i}", "lab": lab, "region": None if i % 11 == 0 else f"Region {i % 3}",
            "family": None if i % 6 == 0 else f"Fam{i % 9}", "params_total": total,
            "params_active": (total // 8 if i % 4 == 0 else total) if total and i % 5 else None,
            "released_at": None if i % 97 == 5 else NOW - timedelta(days=(i * 7) % 1460, hours=i % 2),
            "license_class": (None, "permissive", "non-commercial", "open-restricted")[i % 4],
            "openness_level": LEVELS[i % len(LEVELS)], "status": "removed" if i % 31 == 0 else "public",
        })
    return out


def test_the_streamed_pass_equals_the_whole_list_functions(tmp_path: Path) -> None:
    engine = store(tmp_path, specs(900))
    rows = list(site_data.releases(engine))
    assert 850 < len(rows) < 900 and all(r.released_at for r in rows)

    tally = SiteTally(site_data.size_bounds(engine), NOW)
    for r in site_data.releases(engine):
        tally.add(r)
    data = site_data.prepare(engine)
    made = tally.finish(data)

    assert made["releases-by-lab"] == charts.monthly_bars(rows, lambda r: r.lab, "Releases per month by lab")
    assert made["releases-by-region"] == charts.monthly_bars(rows, lambda r: r.region or "Unknown",
                                                              "Releases per month by region")
    assert made["sizes"] == charts.size_scatter(rows, "Parameter sizes over time")
    assert len(made["sizes"].marks) > 50 and any("releases around" in m["tip"] for m in made["sizes"].marks)
    assert data.summary == summarize(rows)
    families = []
    for name in tally.family_order(data.family_slugs):
        counted = Tally()
        for r in site_data.counted_of(engine, family=name):
            counted.add(r)
        f = tally.family(name, data.family_slugs[name], counted.summary(name))
        families.append((f.name, f.summary, f.lab, f.newest))
    assert families == sorted(((name, summarize(m, name), m[0].lab, m[0].released_at)
                               for name in {r.family for r in rows if r.family}
                               for m in [[r for r in rows if r.family == name]]),
                              key=lambda t: (t[3], t[0]), reverse=True)
    assert tally.recent == sum(1 for r in rows if r.released_at >= NOW - timedelta(days=30))

    order = tally.lab_order()
    assert set(order) == set(LABS)
    groups = [SimpleNamespace(name=lab, rows=[r for r in rows if r.lab == lab]) for lab in order]
    assert [len(g.rows) for g in groups] == sorted((len(g.rows) for g in groups), reverse=True)
    assert openness_of([(lab, tally.openness[lab]) for lab in order], "o") == openness_by_lab(groups, "o")
    bounds = site_data.size_bounds(engine)
    for g in groups:
        lab = LabTally(bounds.get(g.name))
        for r in site_data.counted_of(engine, lab=g.name):
            lab.add(r)
        assert lab.tally.summary(g.name) == summarize(g.rows, g.name)
        assert lab.sizes.chart(g.name) == charts.size_scatter(g.rows, g.name)


def test_the_pass_keeps_no_release_it_has_counted(tmp_path: Path) -> None:
    engine = store(tmp_path, specs(400))
    tally = SiteTally(site_data.size_bounds(engine), NOW)
    lab = LabTally(site_data.size_bounds(engine).get("DeepSeek"))
    for r in site_data.releases(engine):
        tally.add(r)
        lab.add(r)
    del r
    gc.collect()
    kept = [row for row in gc.get_objects() if isinstance(row, SiteRow)]
    assert len(kept) == LATEST  # the index page's latest releases, and nothing else
    assert all(any(row is r for r in tally.latest) for row in kept)
