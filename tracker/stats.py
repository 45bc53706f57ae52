"""Statistics over stored releases: counts, median sizes, the biggest release, the share of permissive licenses.

Pure functions over rows (anything with the `models` columns as attributes); `tracker stats` and the
static site both use them.
"""

from __future__ import annotations

import statistics
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


def _median(values: list[int]) -> int | None:
    return int(statistics.median(values)) if values else None


def summarize(rows: Iterable[Any], key: str = "all") -> Summary:
    """The numbers for `rows` as one group."""
    totals: list[int] = []
    actives: list[int] = []
    classes: dict[str, int] = defaultdict(int)
    biggest: Any = None
    n = 0
    for row in rows:
        n += 1
        if row.params_total is not None:
            totals.append(row.params_total)
            if biggest is None or row.params_total > biggest.params_total:
                biggest = row
        active = row.params_active if row.params_active is not None else row.params_total
        if active is not None:
            actives.append(active)
        classes[row.license_class or "unknown"] += 1
    return Summary(
        key=key, count=n, median_total=_median(totals), median_active=_median(actives),
        biggest_repo=biggest.repo_id if biggest is not None else None,
        biggest_params=biggest.params_total if biggest is not None else None,
        permissive=classes.get("permissive", 0), license_classes=dict(sorted(classes.items())),
    )


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


def grouped(rows: Sequence[Any], by: str) -> list[Summary]:
    """One summary per group: months in time order, other groups biggest first."""
    key = group_key(by)
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    summaries = [summarize(members, name) for name, members in groups.items()]
    if by == "month":
        return sorted(summaries, key=lambda s: s.key)
    return sorted(summaries, key=lambda s: (-s.count, s.key.lower()))
