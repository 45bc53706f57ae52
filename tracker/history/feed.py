"""The Atom 1.0 feed of releases: one entry per release, or per family wave (a lab's models of one family
released within the wave window), newest first.

Ids are `urn:uuid:` values derived from the first model of an entry, so they stay the same across runs and
when a wave grows; `updated` is the newest member's release time, so an unchanged store gives the same feed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from tracker.facts import format_params
from tracker.history.site.data import slugify
from tracker.render.templates import environment
from tracker.render.views import iso, model_url, release_url
from tracker.store import queries
from tracker.store.engine import Engine
from tracker.store.queries import HistoryFilter

_NAMESPACE = uuid.UUID("6f1d7c1e-3b1a-5e55-9a51-2b7c1f0e7a10")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FEED_FILE = "feed.xml"


@dataclass(frozen=True)
class FeedOptions:
    """How to build the feed: where models link to, the wave window and how many entries."""

    hub_url: str
    wave_window: timedelta = timedelta(minutes=30)
    limit: int = 50
    base_url: str | None = None  # where the static site is published; adds self and page links
    title: str = "Open-weight model releases"
    path: str = FEED_FILE  # where the feed sits in the site (its self link)
    page: str = ""  # the site page it is the feed of (its alternate link)


@dataclass
class Wave:
    """The releases one feed entry tells about (one model, or a family wave), oldest first."""

    models: list[Any]

    @property
    def first(self) -> Any:
        return self.models[0]

    @property
    def updated(self) -> datetime:
        return max(m.released_at for m in self.models)


def entry_id(repo_id: str) -> str:
    """The stable Atom id of the entry that starts with `repo_id`."""
    return uuid.uuid5(_NAMESPACE, f"release:{repo_id}").urn


def feed_id(f: HistoryFilter) -> str:
    """A stable id per filter, so differently filtered feeds are different feeds."""
    key = repr((f.labs, f.orgs, iso(f.since), iso(f.until), f.min_params, f.licenses))
    return uuid.uuid5(_NAMESPACE, f"feed:{key}").urn


def group_waves(rows: Sequence[Any], window: timedelta) -> list[Wave]:
    """Group releases (any order) into waves: same lab and family, each within `window` of the previous."""
    waves: list[Wave] = []
    open_waves: dict[tuple[str, str], Wave] = {}
    for row in sorted((r for r in rows if r.released_at), key=lambda r: (r.released_at, r.repo_id)):
        key = (row.lab, row.family or f"\0{row.repo_id}")
        wave = open_waves.get(key)
        if wave is not None and row.released_at - wave.models[-1].released_at <= window:
            wave.models.append(row)
            continue
        wave = Wave([row])
        open_waves[key] = wave
        waves.append(wave)
    return sorted(waves, key=lambda w: (w.updated, w.first.repo_id), reverse=True)


def _size(row: Any) -> str:
    text = format_params(row.params_total)
    if row.params_active is not None and row.params_active != row.params_total:
        text += f" ({format_params(row.params_active)} active)"
    return text


def _entry(wave: Wave, opts: FeedOptions) -> dict[str, Any]:
    first = wave.first
    if len(wave.models) == 1:
        title = f"{first.lab}: {first.repo_id.split('/', 1)[-1]} · {_size(first)}"
        link = release_url(opts.hub_url, first)
    else:
        biggest = max(wave.models, key=lambda m: m.params_total or 0)
        title = f"{first.lab}: {first.family} wave · {len(wave.models)} models, up to {_size(biggest)}"
        link = model_url(opts.hub_url, first.repo_id)
        if opts.base_url:
            link = f"{opts.base_url.rstrip('/')}/families/{slugify(first.family)}.html"
    models = [{"m": m, "url": release_url(opts.hub_url, m), "size": _size(m)} for m in wave.models]
    html = environment().get_template("feed/entry.html").render(models=models, wave=len(models) > 1)
    return {
        "id": entry_id(first.repo_id), "title": title, "link": link, "lab": first.lab,
        "published": iso(first.released_at), "updated": iso(wave.updated), "html": html,
        "categories": sorted({first.lab, *(m.license_class for m in wave.models if m.license_class)}),
    }


def build_feed(engine: Engine, f: HistoryFilter, opts: FeedOptions, now: datetime) -> str:
    """The Atom document for the newest `opts.limit` entries matching `f`."""
    # Enough rows for `limit` entries even when waves are big; the oldest wave may be cut, never a new one.
    rows = queries.history(engine, replace(f, limit=max(opts.limit * 20, 500), offset=0))
    waves = group_waves(rows, opts.wave_window)[: opts.limit]
    entries = [_entry(w, opts) for w in waves]
    updated = max((e["updated"] for e in entries), default=iso(now))
    base = opts.base_url.rstrip("/") + "/" if opts.base_url else None
    text = environment().get_template("feed/atom.xml").render(
        feed_id=feed_id(f), title=opts.title, updated=updated, entries=entries,
        self_url=f"{base}{opts.path}" if base else None,
        alternate_url=f"{base}{opts.page}" if base else opts.hub_url,
    )
    return _XML_INVALID.sub("", text) + "\n"


def lab_feed_path(slug: str) -> str:
    """Where a lab's feed sits in the site, beside its page labs/<slug>.html."""
    return f"feeds/{slug}.xml"


def build_lab_feed(engine: Engine, lab: str, slug: str, opts: FeedOptions, now: datetime,
                   f: HistoryFilter | None = None) -> str:
    """The Atom document of one lab's releases (`tracker feed --lab`, and feeds/<slug>.xml in the site)."""
    lab_opts = replace(opts, title=f"{opts.title}: {lab}", path=lab_feed_path(slug), page=f"labs/{slug}.html")
    return build_feed(engine, replace(f or HistoryFilter(), labs=(lab,)), lab_opts, now)
