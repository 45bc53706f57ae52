"""What the static site shows, read once from the store and grouped: labs, families, summaries."""

from __future__ import annotations

import re
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tracker.history.stats import Summary, summarize
from tracker.store import followups, queries
from tracker.store.engine import Engine
from tracker.store.queries import HistoryFilter


def slugify(name: str | None) -> str:
    """A file-name-safe slug: 'Qwen (Alibaba)' -> 'qwen-alibaba'."""
    return re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-") or "unnamed"


@dataclass
class Group:
    """The releases of one lab or one family, newest first, with its page's slug and numbers."""

    name: str
    slug: str
    rows: list[Any]
    summary: Summary
    lab: str | None = None  # a family's lab (the lab of its newest release)
    region: str | None = None


@dataclass
class SiteData:
    """Every release (newest first) and its groupings."""

    rows: list[Any]
    labs: list[Group]
    families: list[Group]
    summary: Summary
    family_slugs: dict[str, str] = field(default_factory=dict)  # family name -> slug
    lab_slugs: dict[str, str] = field(default_factory=dict)
    followups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # repo id -> its follow-ups
    model_slugs: dict[str, str] = field(default_factory=dict)  # repo id -> its page's slug (with follow-ups)

    @property
    def latest(self) -> datetime | None:
        return self.rows[0].released_at if self.rows else None


def _unique_slugs(names: list[str]) -> dict[str, str]:
    """A slug per name; names that slug the same get -2, -3... in sorted order."""
    taken: dict[str, int] = {}
    out: dict[str, str] = {}
    for name in sorted(names):
        base = slugify(name)
        n = taken.get(base, 0) + 1
        taken[base] = n
        out[name] = base if n == 1 else f"{base}-{n}"
    return out


# What the site's pages and charts show of a release (add a column here when a page shows more).
SITE_COLUMNS = ("repo_id", "lab", "org", "region", "status", "released_at", "family", "variant", "params_total",
                "params_total_source", "params_active", "params_active_source", "license", "license_id",
                "license_class", "gated", "openness_level", "summary", "sources")


# One release as the site keeps it: a named tuple (a tenth of a ModelRow's memory; 100k releases are kept).
SiteRow = namedtuple("SiteRow", SITE_COLUMNS)  # type: ignore[misc]


def load(engine: Engine, f: HistoryFilter | None = None) -> SiteData:
    """Read the releases the site shows (all public and removed ones; removed are marked)."""
    base = f or HistoryFilter()
    # The site keeps every row in memory, so only the columns its pages and charts show are read.
    rows = [r for r in queries.iter_history_made(engine, replace(base, limit=None, offset=0), SITE_COLUMNS, SiteRow)
            if r.released_at is not None]
    by_lab: dict[str, list[Any]] = defaultdict(list)
    by_family: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_lab[row.lab].append(row)
        if row.family:
            by_family[row.family].append(row)
    lab_slugs = _unique_slugs(list(by_lab))
    family_slugs = _unique_slugs(list(by_family))
    labs = [Group(name, lab_slugs[name], members, summarize(members, name), region=members[0].region)
            for name, members in by_lab.items()]
    labs.sort(key=lambda g: (-g.summary.count, g.name.lower()))
    families = [Group(name, family_slugs[name], members, summarize(members, name), lab=members[0].lab,
                      region=members[0].region)
                for name, members in by_family.items()]
    families.sort(key=lambda g: (g.rows[0].released_at, g.name), reverse=True)
    shown = {r.repo_id for r in rows}
    grew = {repo: found for repo, found in followups.by_repo(engine).items() if repo in shown}
    return SiteData(rows=rows, labs=labs, families=families, summary=summarize(rows),
                    family_slugs=family_slugs, lab_slugs=lab_slugs, followups=grew,
                    model_slugs=_unique_slugs(list(grew)))


def lab_slugs(engine: Engine) -> dict[str, str]:
    """Each lab's page slug, as a build of the site gives it (read from two columns only)."""
    rows = queries.iter_history(engine, HistoryFilter(limit=None), columns=("lab", "released_at"))
    return _unique_slugs(list({r.lab for r in rows if r.released_at is not None}))
