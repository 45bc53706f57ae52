"""Exports of the stored history: every release with all its facts, or the event log, as CSV or JSON."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from tracker.history import export_csv
from tracker.render import output
from tracker.render.views import RECORD_FIELDS, iso, record
from tracker.store import queries
from tracker.store.engine import Engine
from tracker.store.queries import HistoryFilter

# Every field of `tracker history --format json`, then what only an export needs.
EXPORT_FIELDS = (*RECORD_FIELDS, "gated_mode", "removed_at", "sha", "tags", "problems")
EVENT_FIELDS = ("id", "at", "kind", "repo_id", "lab", "org", "old_value", "new_value")


def release_records(engine: Engine, f: HistoryFilter, hub_url: str) -> Iterator[dict[str, Any]]:
    """Every release matching `f` (its limit ignored), newest first, with every field; streamed from the
    database as the caller consumes it."""
    for row in queries.iter_history(engine, replace(f, limit=None, offset=0)):
        data = record(row, hub_url)
        data["removed_at"] = iso(row.removed_at)
        data["sha"] = row.sha
        data["tags"] = row.tags
        data["problems"] = row.problems
        yield data


def event_records(engine: Engine, f: HistoryFilter) -> Iterator[dict[str, Any]]:
    """The event log, oldest first: `since`/`until` apply to the event's time, the other filters to its model;
    streamed from the database as the caller consumes it."""
    model_filter = replace(f, since=None, until=None, limit=None, offset=0)
    wanted: set[str] | None = None
    if model_filter != HistoryFilter(limit=None):
        wanted = {row.repo_id for row in queries.iter_history(engine, model_filter, columns=("repo_id",))}
    for event in queries.iter_events(engine, since=f.since, until=f.until):
        if wanted is None or event["repo_id"] in wanted:
            yield {name: event.get(name) for name in EVENT_FIELDS}


def write(records: Iterable[dict[str, Any]], fmt: str, out: TextIO, fields: Sequence[str]) -> int:
    """Records as JSON (an array of objects) or CSV (a header, then one row per record); returns how many."""
    if fmt == "json":
        return output.write_json(records, out)
    if fmt == "csv":
        return output.write_csv(records, out, fields)
    raise ValueError(f"unknown export format {fmt!r}")


@contextmanager
def destination(path: Path | None, newline: str | None = None) -> Iterator[TextIO]:
    """stdout, or `path` written atomically (readers never see half a file)."""
    if path is None:
        yield sys.stdout
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(engine: Engine, f: HistoryFilter, hub_url: str, *, fmt: str, events: bool, path: Path | None) -> int:
    """Write the export; returns how many records it holds."""
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown export format {fmt!r}")
    # CSV of releases: from the bare stored values (export_csv), unless a field needs record().
    if fmt == "csv" and not events and (chosen := export_csv.plan(EXPORT_FIELDS, queries.model_columns(engine))):
        with destination(path) as out:
            return export_csv.write_releases(engine, f, hub_url, chosen, out)
    records: Iterable[dict[str, Any]]
    if events:
        records, fields = event_records(engine, f), EVENT_FIELDS
    else:
        records, fields = release_records(engine, f, hub_url), EXPORT_FIELDS
    with destination(path) as out:
        return write(records, fmt, out, fields)
