"""The static website of the release history: pages, charts and a searchable table, from templates/site/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tracker.history.site import data as site_data
from tracker.history.site.pages import SiteWriter, build_pages, clear_tmp
from tracker.store.engine import Engine

__all__ = ["SiteReport", "build_site"]


@dataclass(frozen=True)
class SiteReport:
    """What a build wrote."""

    outdir: Path
    releases: int
    files: int
    table_pages: int
    releases_page_bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {"outdir": str(self.outdir), "releases": self.releases, "files": self.files,
                "table_pages": self.table_pages, "releases_page_bytes": self.releases_page_bytes}


def build_site(engine: Engine, outdir: Path, *, hub_url: str, now: datetime,
               title: str = "Open-weight model releases", writer: SiteWriter | None = None,
               bot_username: str | None = None) -> SiteReport:
    """Render the whole site into `outdir` (created if needed); files of an earlier build are replaced."""
    outdir.mkdir(parents=True, exist_ok=True)
    clear_tmp(outdir)
    writer = writer or SiteWriter(outdir)
    data = site_data.load(engine)
    numbers = build_pages(writer, data, hub_url, now, title, bot_username)
    return SiteReport(outdir=outdir, releases=len(data.rows), files=len(writer.written),
                      table_pages=numbers["pages"], releases_page_bytes=numbers["releases_page_bytes"])
