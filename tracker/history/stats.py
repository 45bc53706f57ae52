"""Statistics over stored releases: counts, median sizes, the biggest release, the share of permissive licenses.

Pure functions over rows (anything with the `models` columns as attributes); `tracker stats` and the
static site both use them.
"""

from __future__ import annotations

import statistics
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

GROUPINGS = ("lab", "region", "month", "license")


@dataclass(frozen=True)
class Summary:
    """Numbers about one group of releases."""

    key: str
    count: int
    median_total: int | None
    median_active: int | None
    biggest_repo: str | None
    biggest_params: int | None
    permissive: int
    license_classes: dict[str, int]

    @property
    def permissive_share(self) -> float:
        """Permissive releases over all releases of the group (0..1)."""
        return self.permissive / self.count if self.count else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "count": self.count, "median_total": self.median_total,
            "median_active": self.median_active, "biggest_repo": self.biggest_repo,
            "biggest_params": self.biggest_params, "permissive": self.permissive,
            "permissive_share": round(self.permissive_share, 4), "license_classes": self.license_classes,
        }


def _median(values: Sequence[int]) -> int | None:
    return int(statistics.median(values)) if values else None


class Tally:
    """The running numbers of one group, fed one row at a time (no row is kept; the sizes the medians need are
    kept as 8-byte machine integers, a fifth of a list of Python ints)."""

    def __init__(self) -> None:
        self.totals: array[int] = array("q")
        self.actives: array[int] = array("q")
        self.classes: dict[str, int] = defaultdict(int)
        self.biggest: tuple[int, str] | None = None
        self.n = 0

    def add(self, row: Any) -> None:
        self.n += 1
        if row.params_total is not None:
            self.totals.append(row.params_total)
            if self.biggest is None or row.params_total > self.biggest[0]:
                self.biggest = (row.params_total, row.repo_id)
        active = row.params_active if row.params_active is not None else row.params_total
        if active is not None:
            self.actives.append(active)
        self.classes[row.license_class or "unknown"] += 1

    def summary(self, key: str) -> Summary:
        return Summary(
            key=key, count=self.n, median_total=_median(self.totals), median_active=_median(self.actives),
            biggest_repo=self.biggest[1] if self.biggest else None,
            biggest_params=self.biggest[0] if self.biggest else None,
            permissive=self.classes.get("permissive", 0), license_classes=dict(sorted(self.classes.items())),
        )


def summarize(rows: Iterable[Any], key: str = "all") -> Summary:
    """The numbers for `rows` as one group."""
    tally = Tally()
    for row in rows:
        tally.add(row)
    return tally.summary(key)


def summarize_grouped(rows: Iterable[Any], by: str) -> tuple[Summary, list[Summary]]:
    """The numbers for all `rows` and per group, in one pass over them (a stream is read once, not kept)."""
    key = group_key(by)
    overall = Tally()
    groups: dict[str, Tally] = defaultdict(Tally)
    for row in rows:
        overall.add(row)
        groups[key(row)].add(row)
    return overall.summary("all"), _ordered([tally.summary(name) for name, tally in groups.items()], by)


def group_key(by: str) -> Callable[[Any], str]:
    """The function naming a row's group for `--by` (lab, region, month or license)."""
    if by == "lab":
        return lambda row: row.lab
    if by == "region":
        return lambda row: row.region or "Unknown"
    if by == "month":
        return lambda row: row.released_at.strftime("%Y-%m") if row.released_at else "unknown"
    if by == "license":
        return lambda row: f"{row.license_id or row.license or 'unknown'} ({row.license_class or 'unknown'})"
    raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPINGS)}")


def grouped(rows: Iterable[Any], by: str) -> list[Summary]:
    """One summary per group: months in time order, other groups biggest first."""
    return summarize_grouped(rows, by)[1]


def _ordered(summaries: list[Summary], by: str) -> list[Summary]:
    if by == "month":
        return sorted(summaries, key=lambda s: s.key)
    return sorted(summaries, key=lambda s: (-s.count, s.key.lower()))
