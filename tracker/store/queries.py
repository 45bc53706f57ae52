"""Read-only queries over the stored history, shared by the CLI, the bot, exports, the feed and the site.

They use SQLAlchemy Core with plain SQL over the tables' column names (no ORM), so that a command like
`tracker history` starts fast, and they return `ModelRow`s: read-only records with attribute access.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, MappingResult, Result, text

T = TypeVar("T")
_JSON_COLUMNS = ("tags", "base_models", "dtype_breakdown", "params_notes", "problems", "openness_evidence",
                 "readme_meta", "sources")
_TIME_COLUMNS = ("created_at", "first_seen_at", "released_at", "last_modified", "removed_at", "readme_checked_at")
_BOOL_COLUMNS = ("backfill", "is_moe")
# What ModelRow decodes, for outputs that read the bare stored values (iter_history_values).
JSON_COLUMNS, TIME_COLUMNS, BOOL_COLUMNS = _JSON_COLUMNS, _TIME_COLUMNS, _BOOL_COLUMNS


class ModelRow:
    """One stored model as read back: every column of `models` as an attribute (times aware UTC).

    The columns are the instance's own attributes, so reading one is a dict lookup: exports and the site
    read some fifty per row, and a `__getattr__` fallback cost 5 µs each."""

    def __init__(self, data: dict[str, Any]) -> None:
        for name in _JSON_COLUMNS:
            if isinstance(data.get(name), str):
                try:
                    data[name] = json.loads(data[name])
                except ValueError:
                    data[name] = None
        for name in _TIME_COLUMNS:
            value = data.get(name)
            if isinstance(value, str):
                data[name] = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        for name in _BOOL_COLUMNS:
            if name in data and data[name] is not None:
                data[name] = bool(data[name])
        self.__dict__.update(data)

    def __getitem__(self, name: str) -> Any:
        return self.__dict__[name]

    def keys(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        return f"ModelRow({self.__dict__.get('repo_id')!r})"


@dataclass(frozen=True)
class HistoryFilter:
    """Which stored releases to show; every field is optional."""

    labs: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    min_params: int | None = None
    max_params: int | None = None
    licenses: tuple[str, ...] = ()
    license_classes: tuple[str, ...] = ()
    family: str | None = None
    families: tuple[str, ...] = ()  # exact names (`family` matches one name in any case)
    include_backfill: bool = True
    released_only: bool = False  # only releases with a release time (the site's)
    limit: int | None = 20
    offset: int = 0


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _in(column: str, values: Sequence[Any], prefix: str, params: dict[str, Any], lower: bool = False) -> str:
    names = []
    for i, value in enumerate(values):
        key = f"{prefix}{i}"
        params[key] = value.lower() if lower else value
        names.append(f":{key}")
    target = f"lower({column})" if lower else column
    return f"{target} IN ({', '.join(names)})"


def _where(f: HistoryFilter) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if f.labs:
        clauses.append(_in("lab", f.labs, "lab", params))
    if f.orgs:
        clauses.append(_in("org", f.orgs, "org", params, lower=True))
    if f.since:
        clauses.append("released_at >= :since")
        params["since"] = _stamp(f.since)
    if f.until:
        clauses.append("released_at <= :until")
        params["until"] = _stamp(f.until)
    if f.min_params is not None:
        clauses.append("params_total >= :min_params")
        params["min_params"] = f.min_params
    if f.max_params is not None:
        clauses.append("params_total <= :max_params")
        params["max_params"] = f.max_params
    if f.licenses:
        clauses.append(f"({_in('license', f.licenses, 'lic', params, lower=True)} OR "
                       f"{_in('license_id', f.licenses, 'lid', params, lower=True)})")
    if f.license_classes:
        clauses.append(_in("license_class", f.license_classes, "lcl", params))
    if f.family:
        clauses.append("lower(family) = :family")
        params["family"] = f.family.lower()
    if f.families:
        clauses.append(_in("family", f.families, "fam", params))
    if not f.include_backfill:
        clauses.append("backfill = :no")
        params["no"] = False
    if f.released_only:
        clauses.append("released_at IS NOT NULL")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _rows(engine: Engine, sql: str, params: dict[str, Any]) -> list[ModelRow]:
    with engine.connect() as conn:
        return [ModelRow(dict(r)) for r in conn.execute(text(sql), params).mappings()]


def history(engine: Engine, f: HistoryFilter) -> list[ModelRow]:
    """Stored releases matching `f`, newest first."""
    where, params = _where(f)
    sql = f"SELECT * FROM models{where} ORDER BY released_at DESC, id DESC"
    if f.limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = f.limit
        if f.offset:
            sql += " OFFSET :offset"
            params["offset"] = f.offset
    return _rows(engine, sql, params)


# What `stats` reads of each release (the rest of a row is not needed to count and take medians).
STATS_COLUMNS = ("repo_id", "lab", "region", "released_at", "license", "license_id", "license_class",
                 "params_total", "params_active", "sources")
# Kept for recomputing facts, never shown: records and exports leave them out (hub_meta is the biggest column;
# updated_at is bookkeeping for the inline index).
_NOT_SHOWN = frozenset({"hub_meta", "updated_at"})
_UNIQUE = frozenset({"repo_id", "sha", "created_at", "first_seen_at", "released_at", "last_modified"})


def iter_history(engine: Engine, f: HistoryFilter, columns: Sequence[str] | None = None,
                 batch: int = 500) -> Iterator[ModelRow]:
    """Like `history`, but streamed: rows are read from the database in batches as the caller consumes them,
    so a command's memory does not grow with the store. `columns` picks the columns (default: every column
    an output shows); they are names from our code, never from a person."""
    where, params = _where(f)
    sql_tail = f" FROM models{where} ORDER BY released_at DESC, id DESC"
    if f.limit is not None:
        sql_tail += " LIMIT :limit OFFSET :offset"
        params.update(limit=f.limit, offset=f.offset)
    with engine.connect() as conn:
        if columns is None:
            every = conn.execute(text("SELECT * FROM models LIMIT 0")).keys()
            columns = [name for name in every if name not in _NOT_SHOWN]
        assert all(name.isidentifier() for name in columns)
        result = _streamed(conn, f"SELECT {', '.join(columns)}{sql_tail}", params)
        # A lab, region, license or family name repeats on thousands of rows: share one string for each
        # (a caller that keeps every row, like the site, then holds each name once, not once per row).
        shared: dict[str, str] = {}
        names = list(result.keys())
        repeating = [name for name in names if name not in _UNIQUE]
        for values in _batches(result, batch):
            data = dict(zip(names, values, strict=True))
            for name in repeating:
                value = data[name]
                if type(value) is str and len(value) <= 40:
                    data[name] = shared.setdefault(value, value)
            yield ModelRow(data)


def model_columns(engine: Engine) -> list[str]:
    """The columns of the `models` table, in table order."""
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT * FROM models LIMIT 0")).keys())


def iter_history_values(engine: Engine, f: HistoryFilter, columns: Sequence[str],
                        batch: int = 1000) -> Iterator[Sequence[Any]]:
    """Like `iter_history`, streamed the same way, but each release as the bare values of `columns` as stored
    (times as ISO 8601 text, JSON columns as text on SQLite, booleans as 0/1): for a bulk output that turns
    each value into its text once, with no row object in between (a CSV export of 100k releases)."""
    where, params = _where(f)
    sql = f"SELECT {', '.join(columns)} FROM models{where} ORDER BY released_at DESC, id DESC"
    if f.limit is not None:
        sql += " LIMIT :limit OFFSET :offset"
        params.update(limit=f.limit, offset=f.offset)
    assert all(name.isidentifier() for name in columns)
    with engine.connect() as conn:
        yield from _batches(_streamed(conn, sql, params), batch)


def iter_history_made(engine: Engine, f: HistoryFilter, columns: Sequence[str],
                      make: Callable[..., T]) -> Iterator[T]:
    """Like `iter_history`, each release made by `make(*values)`: the values of `columns` decoded as ModelRow
    decodes them, short repeating texts shared. For a caller that keeps every row (the site): a tuple or a
    slotted object holds a row in a fraction of a ModelRow's dict."""
    times = [i for i, name in enumerate(columns) if name in _TIME_COLUMNS]
    jsons = [i for i, name in enumerate(columns) if name in _JSON_COLUMNS]
    bools = [i for i, name in enumerate(columns) if name in _BOOL_COLUMNS]
    repeating = [i for i, name in enumerate(columns) if name not in _UNIQUE and i not in times and i not in jsons]
    shared: dict[str, str] = {}
    for row in iter_history_values(engine, f, columns):
        values = list(row)
        for i in repeating:
            value = values[i]
            if type(value) is str and len(value) <= 40:
                values[i] = shared.setdefault(value, value)
        for i in times:
            if isinstance(value := values[i], str):
                values[i] = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        for i in jsons:
            if isinstance(value := values[i], str):
                try:
                    values[i] = json.loads(value)
                except ValueError:
                    values[i] = None
        for i in bools:
            if values[i] is not None:
                values[i] = bool(values[i])
        yield make(*values)


def _streamed(conn: Connection, sql: str, params: dict[str, Any]) -> Result[Any]:
    """The result of `sql`, left in the database (a server-side cursor on PostgreSQL) until fetched."""
    return conn.execution_options(stream_results=True).execute(text(sql), params)


def _batches(result: Result[Any] | MappingResult, batch: int) -> Iterator[Any]:
    """The rows of a streamed result, fetched `batch` at a time. (Iterating a `yield_per` result fetched
    SQLite's rows one call at a time: that was a fifth of a 100k-row export.)"""
    while rows := result.fetchmany(batch):
        yield from rows


def count(engine: Engine, f: HistoryFilter) -> int:
    """How many stored releases match `f` (ignoring its limit)."""
    where, params = _where(f)
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM models{where}"), params).scalar() or 0)


def stored_orgs(engine: Engine) -> list[str]:
    """Every organisation with a stored model, in name order (empty for an empty store)."""
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT DISTINCT org FROM models ORDER BY org"))]


def find_models(engine: Engine, query: str, limit: int = 10) -> list[ModelRow]:
    """Models whose repo id equals, ends with or contains `query` (case-insensitive), best matches first."""
    q = query.strip().lower()
    if not q:
        return []
    exact = _rows(engine, "SELECT * FROM models WHERE lower(repo_id) = :q OR lower(repo_id) LIKE :tail "
                          "ESCAPE '\\' ORDER BY released_at DESC LIMIT :limit",
                  {"q": q, "tail": "%/" + _like_escape(q), "limit": limit})
    if exact:
        return exact
    return _rows(engine, "SELECT * FROM models WHERE lower(repo_id) LIKE :p ESCAPE '\\' "
                         "ORDER BY released_at DESC, id DESC LIMIT :limit",
                 {"p": "%" + _like_escape(q) + "%", "limit": limit})


def _like_escape(text_: str) -> str:
    return text_.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def model_by_id(engine: Engine, model_id: int) -> ModelRow | None:
    rows = _rows(engine, "SELECT * FROM models WHERE id = :id", {"id": model_id})
    return rows[0] if rows else None


def models_by_ids(engine: Engine, ids: Sequence[int]) -> list[ModelRow]:
    """The given models, in the order of `ids`."""
    if not ids:
        return []
    params: dict[str, Any] = {}
    rows = _rows(engine, f"SELECT * FROM models WHERE {_in('id', list(ids), 'id', params)}", params)
    by_id = {row.id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def events(engine: Engine, since: datetime | None = None, kinds: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The event log, oldest first, as plain dicts (old/new values decoded)."""
    return list(iter_events(engine, since=since, kinds=kinds))


def iter_events(engine: Engine, since: datetime | None = None, until: datetime | None = None,
                kinds: Sequence[str] = (), batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Like `events` (also bounded by `until`), streamed in batches: memory does not grow with the log."""
    clauses, params = [], {}
    if since:
        clauses.append("e.at >= :since")
        params["since"] = _stamp(since)
    if until:
        clauses.append("e.at <= :until")
        params["until"] = _stamp(until)
    if kinds:
        clauses.append(_in("e.kind", list(kinds), "k", params))
    where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
    sql = ("SELECT e.id, e.repo_id, e.kind, e.at, e.old_value, e.new_value, m.lab, m.org FROM events e "
           f"JOIN models m ON m.id = e.model_id{where} ORDER BY e.id")
    with engine.connect() as conn:
        for row in _batches(_streamed(conn, sql, params).mappings(), batch):
            item = dict(row)
            for key in ("old_value", "new_value"):
                if isinstance(item[key], str):
                    item[key] = json.loads(item[key])
            yield item


# What the bot's inline search keeps in memory of each release (tracker.history.search), and when it changed.
SEARCH_COLUMNS = "id, released_at, repo_id, lab, org, family, license_id, license, is_moe, params_total, updated_at"


def searchable(engine: Engine, after: int) -> Iterator[Any]:
    """SEARCH_COLUMNS of every release not removed with an id above `after`, streamed as rows with
    attribute access (times as stored, ISO 8601 text)."""
    with engine.connect() as conn:
        yield from conn.execute(text(f"SELECT {SEARCH_COLUMNS} FROM models WHERE id > :after "
                                     "AND status != 'removed'"), {"after": after})


def changed_stamps(engine: Engine, since: datetime) -> dict[int, str]:
    """{id: updated_at} of every release whose row changed at `since` or later, from the index on updated_at
    alone (no row is read)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, updated_at FROM models WHERE updated_at >= :since"),
                            {"since": _precise(since)})
        return {model_id: stamp for model_id, stamp in rows}


def changed_searchable(engine: Engine, since: datetime) -> list[Any]:
    """SEARCH_COLUMNS and status of every release whose row changed at `since` or later (removed ones too)."""
    with engine.connect() as conn:
        return list(conn.execute(text(f"SELECT {SEARCH_COLUMNS}, status FROM models WHERE updated_at >= :since"),
                                 {"since": _precise(since)}))


def _precise(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # as tables.UTCStamp stores it


def org_states(engine: Engine) -> list[dict[str, Any]]:
    """Polling state per organisation."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text("SELECT * FROM org_state ORDER BY org")).mappings()]


def stored_sources(engine: Engine, repo_id: str) -> list[dict[str, Any]] | None:
    """The stored `sources` of a release by any of its repo ids (the Hub's or ModelScope's), or None."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT sources FROM models WHERE repo_id = :r"), {"r": repo_id}).first()
    if row is None or row[0] is None:
        return None
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return value if isinstance(value, list) else None
