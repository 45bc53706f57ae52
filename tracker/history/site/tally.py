"""One pass over the site's releases as they stream by, newest first: everything the pages and charts need of
them all, counted, binned or summed, so that no release is kept once its table page is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tracker.history.site.charts_openness import OpennessTally
from tracker.history.site.data import Group, SiteData
from tracker.history.stats import Summary, Tally
from tracker.render.charts import Chart, MonthTally, ScatterFrame, SizeBins, month_key

LATEST = 25


@dataclass
class _GroupTally:
    """How many releases one lab or family has, and what its newest (the first one fed) says of it; its page
    makes its own pass over them for the rest of its numbers."""

    newest: datetime
    lab: str
    region: str | None
    count: int = 0


class LabTally:
    """One lab's numbers and size chart, fed its releases newest first (its page's own pass over them)."""

    def __init__(self, bounds: tuple[datetime, datetime, int, int] | None) -> None:
        self.tally = Tally()
        self.sizes = SizeBins(ScatterFrame.spanning(*bounds) if bounds else None)

    def add(self, r: Any) -> None:
        self.tally.add(r)
        self.sizes.add(r)


class SiteTally:
    """The site's numbers, fed the releases newest first (`add`), read when they have all gone by."""

    def __init__(self, bounds: dict[str, tuple[datetime, datetime, int, int]], now: datetime) -> None:
        self.summary = Tally()
        self.labs: dict[str, _GroupTally] = {}
        self.families: dict[str, _GroupTally] = {}
        self.by_lab, self.by_region = MonthTally(), MonthTally()
        self.sizes = SizeBins(ScatterFrame.spanning(
            min(b[0] for b in bounds.values()), max(b[1] for b in bounds.values()),
            min(b[2] for b in bounds.values()), max(b[3] for b in bounds.values())) if bounds else None)
        self.openness: dict[str, OpennessTally] = {}
        self.month_ago = now - timedelta(days=30)
        self.recent = 0
        self.latest: list[Any] = []  # the newest LATEST releases

    def add(self, r: Any) -> None:
        """Count one release (each comes older than the one before)."""
        self.summary.add(r)
        lab = self.labs.get(r.lab)
        if lab is None:
            lab = self.labs[r.lab] = _GroupTally(r.released_at, r.lab, r.region)
            self.openness[r.lab] = OpennessTally()
        lab.count += 1
        self.openness[r.lab].add(r)
        if r.family:
            family = self.families.get(r.family)
            if family is None:
                family = self.families[r.family] = _GroupTally(r.released_at, r.lab, r.region)
            family.count += 1
        month = month_key(r.released_at)
        self.by_lab.add(month, r.lab)
        self.by_region.add(month, r.region or "Unknown")
        self.sizes.add(r)
        if r.released_at >= self.month_ago:
            self.recent += 1
        if len(self.latest) < LATEST:
            self.latest.append(r)

    def lab_order(self) -> list[str]:
        """The labs, most releases first (the order of the labs' table and charts)."""
        return sorted(self.labs, key=lambda name: (-self.labs[name].count, name.lower()))

    def family_order(self, slugs: dict[str, str]) -> list[str]:
        """The families, newest first (but one first stored while the build ran, which has no slug yet)."""
        return sorted((name for name in self.families if name in slugs),
                      key=lambda name: (self.families[name].newest, name), reverse=True)

    def lab(self, name: str, slug: str, summary: Summary) -> Group:
        """A lab's group, with its summary from its own pass."""
        return Group(name, slug, summary, self.labs[name].newest, region=self.labs[name].region)

    def family(self, name: str, slug: str, summary: Summary) -> Group:
        """A family's group, with its summary from its own pass."""
        g = self.families[name]
        return Group(name, slug, summary, g.newest, lab=g.lab, region=g.region)

    def finish(self, data: SiteData) -> dict[str, Chart]:
        """Fill in `data`'s summary and return the charts of all releases; what they were made of is let go
        before the labs' and families' passes."""
        data.summary = self.summary.summary("all")
        made = {"releases-by-lab": self.by_lab.chart("Releases per month by lab"),
                "releases-by-region": self.by_region.chart("Releases per month by region"),
                "sizes": self.sizes.chart("Parameter sizes over time")}
        self.summary, self.sizes = Tally(), SizeBins(None)
        return made
