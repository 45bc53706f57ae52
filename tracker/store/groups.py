"""Aggregates over the stored releases that the site reads before streaming them: the distinct names of a
column (its labs' and families' slugs) and each lab's span of release times and sizes (its size charts' axes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from tracker.store.queries import HistoryFilter, _where


def group_names(engine: Engine, f: HistoryFilter, column: str) -> list[str]:
    """The distinct non-null values of `column` (a name from our code: lab, family...) among releases matching
    `f`, in no particular order."""
    assert column.isidentifier()
    where, params = _where(f)
    where += (" AND " if where else " WHERE ") + f"{column} IS NOT NULL"
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text(f"SELECT DISTINCT {column} FROM models{where}"), params)]


def size_bounds(engine: Engine, f: HistoryFilter) -> dict[str, tuple[datetime, datetime, int, int]]:
    """Per lab, over releases matching `f` with a release time and a total: the oldest and newest release
    time and the smallest and largest parameter count, totals and (non-zero) active counts together (what a
    size scatter's axes span, known before its points stream by)."""
    where, params = _where(f)
    where += (" AND " if where else " WHERE ") + "released_at IS NOT NULL AND params_total IS NOT NULL " \
        "AND params_total != 0"
    active = "CASE WHEN params_active != 0 THEN params_active END"
    sql = (f"SELECT lab, min(released_at), max(released_at), min(params_total), max(params_total), min({active}),"
           f" max({active}) FROM models{where} GROUP BY lab")
    found = {}
    with engine.connect() as conn:
        for lab, start, end, lo, hi, active_lo, active_hi in conn.execute(text(sql), params):
            found[lab] = (_time(start), _time(end), min(lo, active_lo if active_lo is not None else lo),
                          max(hi, active_hi if active_hi is not None else hi))
    return found


def _time(value: Any) -> datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return value
