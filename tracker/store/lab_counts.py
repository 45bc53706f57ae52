"""Release counts per lab and per region over the last 30 and 365 days and all time (for /stats and /lab).

Counted by `released_at` (when the release became public as far as we know), backfilled history
included, removed models included: it is a count of releases that happened, not of what is online now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

_GROUPS = {"lab": "lab", "region": "COALESCE(region, 'Unknown')"}


@dataclass(frozen=True)
class Count:
    """Releases of one group in the last 30 and the last 365 days, and all time."""

    key: str
    last30: int
    last365: int
    all_time: int = 0


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bounds(now: datetime) -> dict[str, str]:
    return {"now": _stamp(now), "d30": _stamp(now - timedelta(days=30)), "d365": _stamp(now - timedelta(days=365))}


def release_counts(engine: Engine, by: str, now: datetime) -> list[Count]:
    """Counts grouped by "lab" or "region", busiest over the year first, then over all time."""
    column = _GROUPS[by]
    sql = (f"SELECT {column} AS key, SUM(CASE WHEN released_at >= :d30 THEN 1 ELSE 0 END) AS last30, "
           f"SUM(CASE WHEN released_at >= :d365 THEN 1 ELSE 0 END) AS last365, COUNT(*) AS all_time "
           f"FROM models WHERE released_at <= :now "
           f"GROUP BY {column} ORDER BY last365 DESC, last30 DESC, all_time DESC, key")
    with engine.connect() as conn:
        return [Count(str(r.key), int(r.last30 or 0), int(r.last365 or 0), int(r.all_time or 0))
                for r in conn.execute(text(sql), _bounds(now))]


def lab_counts(engine: Engine, lab: str, now: datetime) -> Count:
    """One lab's counts (zeros when it released nothing)."""
    sql = ("SELECT SUM(CASE WHEN released_at >= :d30 THEN 1 ELSE 0 END) AS last30, COUNT(*) AS last365 "
           "FROM models WHERE lab = :lab AND released_at >= :d365 AND released_at <= :now")
    with engine.connect() as conn:
        row = conn.execute(text(sql), {**_bounds(now), "lab": lab}).one()
    return Count(lab, int(row.last30 or 0), int(row.last365 or 0))
