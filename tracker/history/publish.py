"""Publishing the history: the static site and the Atom feed, rebuilt together into one folder."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tracker.history.feed import FEED_FILE, FeedOptions, build_feed, build_lab_feed, lab_feed_path
from tracker.history.site import SiteReport, build_site
from tracker.history.site.pages import SiteWriter
from tracker.render.follow import BOT_USERNAME_FLAG
from tracker.store.engine import Engine
from tracker.store.queries import HistoryFilter
from tracker.store.releases import Store
from tracker.store.subscribers import get_flag
from tracker.store.tables import utcnow

if TYPE_CHECKING:
    from tracker.config import Settings

log = logging.getLogger(__name__)


class PublishSettings(Protocol):
    """What building the site and feeds reads of the settings: tracker.config.Settings, or the reading
    commands' lighter ones (tracker.cli.reader_settings), which spare `tracker site` pydantic's import."""

    @property
    def hub_web_url(self) -> str: ...

    bot_username: str | None
    wave_window_minutes: float


def feed_options(settings: PublishSettings, base_url: str | None = None, limit: int = 50) -> FeedOptions:
    """Feed options from the settings (the Hub's URL and the wave window)."""
    return FeedOptions(hub_url=settings.hub_web_url, wave_window=timedelta(minutes=settings.wave_window_minutes),
                       limit=limit, base_url=base_url)


def publish(settings: PublishSettings, engine: Engine, outdir: Path, base_url: str | None = None) -> SiteReport:
    """Build the site into `outdir` with the feed as `feed.xml` beside it and one per lab as
    `feeds/<lab>.xml`; stale pages and feeds are removed."""
    now = utcnow()
    writer = SiteWriter(outdir)
    username = settings.bot_username or get_flag(Store(engine), BOT_USERNAME_FLAG)
    report = build_site(engine, outdir, hub_url=settings.hub_web_url, now=now, writer=writer, bot_username=username)
    options = feed_options(settings, base_url)
    writer.write(FEED_FILE, build_feed(engine, HistoryFilter(), options, now))
    for lab, slug in report.lab_slugs.items():
        writer.write(lab_feed_path(slug), build_lab_feed(engine, lab, slug, options, now))
    writer.prune()
    return SiteReport(outdir=outdir, releases=report.releases, files=len(writer.written),
                      table_pages=report.table_pages, releases_page_bytes=report.releases_page_bytes,
                      lab_slugs=report.lab_slugs)


def rebuild_outputs(settings: Settings, engine: Engine) -> None:
    """Rebuild the site and the feed into TRACKER_SITE_DIR (nothing when it is not set).

    Called by `tracker run` after a poll that found something; errors propagate to the caller, which
    logs them and keeps polling.
    """
    if settings.site_dir is None:
        return
    report = publish(settings, engine, settings.site_dir, base_url=settings.site_url)
    log.info("site and feed rebuilt in %s: %d releases, %d files", report.outdir, report.releases, report.files)
