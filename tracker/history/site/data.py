"""What the static site shows, read from the store as streams: the releases newest first, each group's newest
releases, and what is known before the stream (counts, names and slugs, follow-ups, the size charts' bounds)."""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tracker.history.stats import Summary
from tracker.store import followups, groups, queries
from tracker.store.engine import Engine
from tracker.store.queries import HistoryFilter

# The releases the site shows: every stored one with a release time (removed ones are marked), newest first.
SHOWN = HistoryFilter(limit=None, released_only=True)


def slugify(name: str | None) -> str:
    """A file-name-safe slug: 'Qwen (Alibaba)' -> 'qwen-alibaba'."""
    return re.sub(r"[^a-z0-9]+", "-", (name or "").lower()).strip("-") or "unnamed"


@dataclass
class Group:
    """One lab or one family: its page's slug and its numbers (its rows are read when its page is made)."""

    name: str
    slug: str
    summary: Summary
    newest: datetime  # its newest release's time
    lab: str | None = None  # a family's lab (the lab of its newest release)
    region: str | None = None


@dataclass
class SiteData:
    """What is known of the releases before they stream by (`count`, slugs, follow-ups), and after (groups and
    the summary, filled in by the build's pass over them)."""

    count: int
    labs: list[Group] = field(default_factory=list)  # most releases first
    families: list[Group] = field(default_factory=list)  # newest first
    summary: Summary | None = None
    family_slugs: dict[str, str] = field(default_factory=dict)  # family name -> slug
    lab_slugs: dict[str, str] = field(default_factory=dict)
    followups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # repo id -> its follow-ups
    model_slugs: dict[str, str] = field(default_factory=dict)  # repo id -> its page's slug (with follow-ups)


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


# One release as the site reads it: a named tuple (a tenth of a ModelRow's memory).
SiteRow = namedtuple("SiteRow", SITE_COLUMNS)  # type: ignore[misc]
# What a lab's or family's numbers and size chart read of each of its releases (its table, of the newest only).
COUNTED_COLUMNS = ("repo_id", "released_at", "params_total", "params_active", "license_class")
CountedRow = namedtuple("CountedRow", COUNTED_COLUMNS)  # type: ignore[misc]


def prepare(engine: Engine) -> SiteData:
    """What the pages need before the releases stream by: how many, the labs' and families' slugs, and the
    releases with follow-ups (each gets a page of its own)."""
    grew = followups.by_repo(engine, released_only=True)
    return SiteData(count=queries.count(engine, SHOWN),
                    lab_slugs=_unique_slugs(groups.group_names(engine, SHOWN, "lab")),
                    family_slugs=_unique_slugs([n for n in groups.group_names(engine, SHOWN, "family") if n]),
                    followups=grew, model_slugs=_unique_slugs(list(grew)))


def releases(engine: Engine) -> Iterator[Any]:
    """Every release the site shows, newest first, read in batches as they are consumed."""
    return queries.iter_history_made(engine, SHOWN, SITE_COLUMNS, SiteRow)


def _group(lab: str | None, family: str | None, limit: int | None = None) -> HistoryFilter:
    return replace(SHOWN, labs=(lab,) if lab is not None else (), families=(family,) if family is not None else (),
                   limit=limit)


def counted_of(engine: Engine, *, lab: str | None = None, family: str | None = None) -> Iterator[Any]:
    """Every release of one lab or family (exactly that name) the site shows, newest first, as the few columns
    its numbers and size chart read (COUNTED_COLUMNS), read as consumed."""
    return queries.iter_history_made(engine, _group(lab, family), COUNTED_COLUMNS, CountedRow)


def newest_of(engine: Engine, *, lab: str | None = None, family: str | None = None, limit: int) -> list[Any]:
    """The newest `limit` releases of one lab or family (exactly that name), as its page's table shows them."""
    return list(queries.iter_history_made(engine, _group(lab, family, limit), SITE_COLUMNS, SiteRow))


def size_bounds(engine: Engine) -> dict[str, tuple[datetime, datetime, int, int]]:
    """Per lab, the span of its releases' times and sizes (the size charts' axes)."""
    return groups.size_bounds(engine, SHOWN)


def lab_slugs(engine: Engine) -> dict[str, str]:
    """Each lab's page slug, as a build of the site gives it."""
    return _unique_slugs(groups.group_names(engine, SHOWN, "lab"))
