"""The static site's pages, rendered from templates/site/*.html and written atomically into OUTDIR."""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from tracker.facts import format_params
from tracker.history.site import data as site_data
from tracker.history.site.charts_openness import openness_of
from tracker.history.site.data import Group, SiteData
from tracker.history.site.tally import LabTally, SiteTally
from tracker.history.stats import Tally
from tracker.hub.sources import MS, on_hub
from tracker.render import charts
from tracker.render.follow import follow_url
from tracker.render.templates import environment, templates_dir
from tracker.render.views import followup, iso, model_url, release_url
from tracker.store.engine import Engine

PAGE_SIZE = 1000  # rows per page of the all-releases table (about 0.4 MB of HTML)
LAB_ROWS = 1000  # a lab's or a family's page lists its newest releases up to this many
OWNED_DIRS = ("labs", "families", "charts", "static", "feeds", "models")


@dataclass
class SiteWriter:
    """Writes files under `root` atomically and removes what an earlier build left in the site's own folders."""

    root: Path
    written: set[Path] = field(default_factory=set)
    bytes: dict[str, int] = field(default_factory=dict)

    def write(self, relpath: str, text: str) -> None:
        self.write_lines(relpath, (text,))

    def write_lines(self, relpath: str, parts: Iterable[str]) -> None:
        """Write the file from `parts` as they come (a big file is never whole in memory)."""
        with self.open(relpath) as write:
            for part in parts:
                write(part)

    @contextmanager
    def open(self, relpath: str) -> Iterator[Callable[[str], None]]:
        """A function writing the file part by part while other files are written; the file takes its place
        when the block ends without an error (until then readers see the earlier build's)."""
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        size = 0
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                def write(part: str) -> None:
                    nonlocal size
                    fh.write(part)
                    size += len(part.encode("utf-8"))
                yield write
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        self.written.add(path)
        self.bytes[relpath] = size

    def copy(self, source: Path, relpath: str) -> None:
        self.write(relpath, source.read_text(encoding="utf-8"))

    def prune(self) -> list[Path]:
        """Delete stale files in the folders the site owns and stale releases-N.html pages."""
        stale = [p for d in OWNED_DIRS if (self.root / d).is_dir() for p in (self.root / d).rglob("*")
                 if p.is_file() and p not in self.written]
        stale += [p for p in self.root.glob("releases-*.*") if p not in self.written]
        for path in stale:
            path.unlink(missing_ok=True)
        return stale


class RowView:
    """What a table row shows of a release. Attributes, not a dict: Jinja2 reads `v.date` from a dict only
    after a failed getattr, and that was a third of the site build's time at 100k releases."""

    __slots__ = ("date", "repo", "url", "lab", "lab_slug", "family", "family_slug", "total", "total_v", "active",
                 "active_v", "license", "cls", "openness", "summary", "variant", "gated", "removed", "page",
                 "modelscope")

    def __init__(self, r: Any, data: SiteData, hub_url: str) -> None:
        active = _active(r)
        self.date, self.repo, self.url = _day(r), r.repo_id, release_url(hub_url, r)
        self.modelscope = (on_hub(r, MS) or {}).get("url")
        self.lab, self.lab_slug, self.family = r.lab, data.lab_slugs[r.lab], r.family
        self.family_slug = data.family_slugs.get(r.family) if r.family else None
        self.total, self.total_v = (format_params(r.params_total) if r.params_total else ""), r.params_total or 0
        self.active, self.active_v = (format_params(active) if active else ""), active or 0
        self.license, self.cls = _license(r)
        self.openness, self.summary = r.openness_level or "", r.summary or ""
        self.variant = _variant(r)
        self.gated, self.removed = r.gated != "no", r.status == "removed"
        slug = data.model_slugs.get(r.repo_id)  # a page of its own when it had follow-ups
        self.page = f"models/{slug}.html" if slug else None


def _day(r: Any) -> str:
    when = r.released_at
    return f"{when.year}-{when.month:02d}-{when.day:02d}"  # strftime("%Y-%m-%d") at a fraction of its cost


def _active(r: Any) -> int | None:
    """Active parameters when they differ from the total (Mixture-of-Experts), else None."""
    return r.params_active if r.params_active is not None and r.params_active != r.params_total else None


def _license(r: Any) -> tuple[str, str]:
    return r.license_id or r.license or "unknown", r.license_class or "unknown"


def _variant(r: Any) -> str:
    return (r.variant or "") if r.variant != "other" else ""  # "other" is never shown to a reader


def row_views(rows: Sequence[Any], data: SiteData, hub_url: str) -> list[RowView]:
    """The table rows of `rows`, made for the page that shows them (never all at once: memory stays flat)."""
    return [RowView(r, data, hub_url) for r in rows]


class _Index:
    """releases-index.js: every release as compact arrays, loaded by the table script when a search spans
    pages; written a table page's releases at a time, as they stream by. A release only on ModelScope carries
    its link as a tenth field (the others link to `hub` + repo id)."""

    def __init__(self, write: Callable[[str], None], data: SiteData, hub_url: str) -> None:
        labs = sorted(data.lab_slugs)
        families = sorted(data.family_slugs)
        self.lab_ix = {n: i for i, n in enumerate(labs)}
        self.fam_ix = {n: i for i, n in enumerate(families)}
        self.write, self.first, self.hub_url = write, True, hub_url
        head = {
            "hub": model_url(hub_url, ""),
            "labs": [[n, data.lab_slugs[n]] for n in labs],
            "families": [[n, data.family_slugs[n]] for n in families],
        }
        self.dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        write("window.RELEASES_INDEX = " + self.dump(head)[:-1] + ',"rows":[')

    def add(self, rows: Sequence[Any]) -> None:
        chunk, dump, fam_ix = [], self.dump, self.fam_ix
        for r in rows:  # what RowView shows, without its formatted numbers
            family = fam_ix[r.family] if r.family and r.family in fam_ix else -1
            chunk.append(dump([_day(r), r.repo_id, self.lab_ix[r.lab], family, r.params_total or 0, _active(r) or 0,
                               *_license(r), _variant(r), *_elsewhere(r, self.hub_url)]))
        if chunk:
            self.write(("" if self.first else ",") + ",".join(chunk))
            self.first = False

    def close(self) -> None:
        self.write("]};\n")


def _elsewhere(r: Any, hub_url: str) -> list[str]:
    """The link of a release not on the Hub (ModelScope only), as the index row's last field; none for a
    release on the Hub, whose link the page makes from the index's `hub` and its repo id."""
    if not getattr(r, "sources", None):  # stored before ModelScope was watched: the Hub's
        return []
    url = release_url(hub_url, r)
    return [] if url == model_url(hub_url, r.repo_id) else [url]


class PageRenderer:
    """Renders the site's pages with shared context (the root prefix, the build time, the totals)."""

    def __init__(self, writer: SiteWriter, total: int, now: datetime, title: str) -> None:
        self.writer, self.total, self.now, self.title = writer, total, now, title
        self.env = environment()

    def page(self, template: str, relpath: str, **context: Any) -> None:
        root = "../" * relpath.count("/")
        html = self.env.get_template(f"site/{template}").render(
            root=root, site_title=self.title, generated=iso(self.now), total=self.total, **context)
        self.writer.write(relpath, html.strip() + "\n")


def _chart(writer: SiteWriter, name: str, chart: charts.Chart) -> dict[str, Any]:
    """Write the chart as an SVG file, and return it for the page too. Pages inline it (an SVG shown as an
    <img> shows no tooltips) cut in two: the axis column stays while the plot scrolls sideways on a phone,
    and the title and legend are HTML that wraps. Our own markup from autoescaping templates, hence Markup."""
    writer.write(f"charts/{name}.svg", chart.svg().strip() + "\n")
    axis, plot = chart.parts() if not chart.empty else ("", "")
    return {"src": f"charts/{name}.svg", "title": chart.title, "note": chart.note, "empty": chart.empty,
            "axis": Markup(axis), "plot": Markup(plot), "legend": chart.legend}


def _group_context(group: Group, rows: Sequence[Any], data: SiteData, hub_url: str) -> dict[str, Any]:
    classes = [{"name": c, "n": n, "pct": round(n / group.summary.count * 100, 1), "color": charts.CLASS_COLORS[c]}
               for c, n in sorted(group.summary.license_classes.items(), key=lambda kv: -kv[1])
               if c in charts.CLASS_COLORS]
    return {"g": group, "rows": row_views(rows, data, hub_url), "truncated": group.summary.count > LAB_ROWS,
            "classes": classes}


class _Tables:
    """The all-releases table's pages (PAGE_SIZE releases each), the search index and the pages of releases
    with follow-ups, written as the releases stream by."""

    def __init__(self, pages: PageRenderer, data: SiteData, hub_url: str, index: _Index | None) -> None:
        self.pages, self.data, self.hub_url, self.index = pages, data, hub_url, index
        self.npages = max(1, math.ceil(data.count / PAGE_SIZE))
        self.written = 0

    def page(self, rows: Sequence[Any]) -> None:
        p, npages = self.written, self.npages
        relpath = "releases.html" if p == 0 else f"releases-{p + 1}.html"
        pager = [{"n": i + 1, "href": "releases.html" if i == 0 else f"releases-{i + 1}.html", "current": i == p}
                 for i in range(npages)]
        views = row_views(rows, self.data, self.hub_url)
        self.pages.page("releases.html", relpath, rows=views, pager=pager, paged=npages > 1, first=p * PAGE_SIZE + 1)
        if self.index is not None:
            self.index.add(rows)
        for v in views:  # how the tree grew, for releases that had follow-ups
            if v.page:
                self.pages.page("model.html", v.page, v=v,
                                checkpoints=[followup(fu) for fu in self.data.followups[v.repo]])
        self.written += 1


def _family_page(pages: PageRenderer, engine: Engine, data: SiteData, tally: SiteTally, name: str,
                 hub_url: str) -> Group:
    """A family's page: its numbers from a pass over a few columns of its releases, its table of the newest."""
    counted = Tally()
    for r in site_data.counted_of(engine, family=name):
        counted.add(r)
    rows = site_data.newest_of(engine, family=name, limit=LAB_ROWS)
    fam = tally.family(name, data.family_slugs[name], counted.summary(name))
    pages.page("family.html", f"families/{fam.slug}.html", lab_slug=data.lab_slugs[fam.lab or ""],
               **_group_context(fam, rows, data, hub_url))
    return fam


def _lab_page(pages: PageRenderer, engine: Engine, data: SiteData, tally: SiteTally, name: str,
              bounds: tuple[datetime, datetime, int, int] | None, hub_url: str, bot_username: str | None) -> Group:
    """A lab's page: its numbers and size chart from a pass over a few columns of its releases, its table of
    the newest."""
    lab_tally = LabTally(bounds)
    for r in site_data.counted_of(engine, lab=name):
        lab_tally.add(r)
    rows = site_data.newest_of(engine, lab=name, limit=LAB_ROWS)
    lab = tally.lab(name, data.lab_slugs[name], lab_tally.tally.summary(name))
    chart = _chart(pages.writer, f"lab-{lab.slug}-sizes", lab_tally.sizes.chart(f"{name}: parameter sizes over time"))
    chart["src"] = "../" + chart["src"]
    families = [f for f in data.families if f.lab == name]
    pages.page("lab.html", f"labs/{lab.slug}.html", chart=chart, families=families,
               follow_url=follow_url(bot_username, name), **_group_context(lab, rows, data, hub_url))
    return lab


def build_pages(writer: SiteWriter, engine: Engine, hub_url: str, now: datetime, title: str,
                bot_username: str | None = None) -> tuple[SiteData, dict[str, Any]]:
    """Render every page and chart from the store; returns what was shown and numbers about the build (lab
    pages carry a follow link to the bot when its username is known). The releases are read once, newest first,
    and let go a table page at a time; a lab's or family's page reads its own newest releases."""
    data = site_data.prepare(engine)
    bounds = site_data.size_bounds(engine)
    tally = SiteTally(bounds, now)
    pages = PageRenderer(writer, data.count, now, title)
    static = templates_dir() / "site" / "static"
    for name in ("site.css", "table.js"):
        writer.copy(static / name, f"static/{name}")

    with ExitStack() as stack:
        paged = data.count > PAGE_SIZE
        index = _Index(stack.enter_context(writer.open("releases-index.js")), data, hub_url) if paged else None
        tables = _Tables(pages, data, hub_url, index)
        chunk: list[Any] = []
        for r in site_data.releases(engine):
            if r.lab not in data.lab_slugs:  # a lab first stored while this build ran: the next build shows it
                continue
            tally.add(r)
            chunk.append(r)
            if len(chunk) == PAGE_SIZE:
                tables.page(chunk)
                chunk = []
        if chunk or not tables.written:
            tables.page(chunk)
        if index is not None:
            index.close()
    made = {name: _chart(writer, name, chart) for name, chart in tally.finish(data).items()}
    assert data.summary is not None
    data.families = [_family_page(pages, engine, data, tally, name, hub_url)
                     for name in tally.family_order(data.family_slugs)]
    data.labs = [_lab_page(pages, engine, data, tally, name, bounds.get(name), hub_url, bot_username)
                 for name in tally.lab_order()]

    race, region, sizes = made["releases-by-lab"], made["releases-by-region"], made["sizes"]
    licenses = _chart(writer, "licenses-by-lab", charts.license_bars(data.labs, "License classes by lab"))
    openness = _chart(writer, "openness-by-lab", openness_of(
        [(lab.name, tally.openness[lab.name]) for lab in data.labs], "Openness by lab, per quarter"))
    all_charts = [race, region, sizes, licenses, openness]
    pages.page("index.html", "index.html", latest=row_views(tally.latest, data, hub_url),
               summary=data.summary, recent=tally.recent, labs=data.labs, charts=[race, sizes])
    pages.page("charts.html", "charts.html", charts=all_charts)
    pages.page("labs.html", "labs/index.html", labs=data.labs)
    pages.page("families.html", "families/index.html", families=data.families, lab_slugs=data.lab_slugs)
    return data, {"pages": tables.npages, "releases_page_bytes": writer.bytes.get("releases.html", 0)}


def clear_tmp(root: Path) -> None:
    """Remove temporary files an interrupted build left behind."""
    for tmp in root.rglob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)
        elif tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
