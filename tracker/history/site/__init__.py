"""The static website of the release history: pages, charts and a searchable table, from templates/site/."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

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
    lab_slugs: dict[str, str] = field(default_factory=dict)  # lab name -> the slug of its page and feed

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
    data, numbers = build_pages(writer, engine, hub_url, now, title, bot_username)
    return SiteReport(outdir=outdir, releases=data.count, files=len(writer.written),
                      table_pages=numbers["pages"], releases_page_bytes=numbers["releases_page_bytes"],
                      lab_slugs=data.lab_slugs)
