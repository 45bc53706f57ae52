"""The CSV export of releases, written from the bare stored values: each value becomes its cell once.

Through ModelRow and record(), every row had its times parsed and formatted back, its JSON decoded and encoded
again and a dict built, 8.6k rows/s. Here the cells are the same bytes, made cheaply: a time stored as ISO
8601 text to the second is its own cell; a JSON text's cell is remembered for the next row storing the same
text; "fits on" and openness are remembered by what they are computed from. Anything unusual (a time stored
another way, a column this module does not know) takes the record() path's own functions.
tests/test_export_csv.py checks both paths write the same bytes (tests/e2e/test_postgres.py, on PostgreSQL).
"""

from __future__ import annotations

import csv
import json
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from json.encoder import encode_basestring as _json_text  # type: ignore[attr-defined]
from types import SimpleNamespace
from typing import Any, TextIO

from tracker.facts.fits import Fit, fits_on
from tracker.hub.sources import HF, lead
from tracker.render.output import csv_cell, defuse_formulas
from tracker.render.views import iso, model_url, openness, record_sources, release_url
from tracker.store import queries
from tracker.store.engine import Engine
from tracker.store.queries import HistoryFilter

# Fields made from other columns, and the column each starts from.
_DERIVED = {"url": "repo_id", "params_source": "params_total_source", "gated": "gated", "gated_mode": "gated",
            "fits_on": "weights_bytes", "openness": "openness_level", "sources": "sources",
            "first_hub": "sources", "hub_lead_s": "sources"}
_READ_ALSO = ("repo_id", "gated", "weights_bytes", "params_total", "kv_bytes_per_token", "openness_level",
              "openness_evidence", "sources", "first_seen_at", "backfill")
_HUBS = ("url", "sources", "first_hub", "hub_lead_s")  # the fields made from a release's sources
_MEMO_SIZE = 20_000  # remembered cells per kind; forgotten all at once past it, so memory stays flat


@dataclass(frozen=True)
class CsvPlan:
    """Which stored columns to read, and where each field's cell comes from."""

    fields: tuple[str, ...]
    columns: tuple[str, ...]
    pick: Callable[[Sequence[Any]], Any]
    times: tuple[tuple[int, int], ...]  # (cell, column) pairs
    jsons: tuple[tuple[int, int], ...]
    bools: tuple[tuple[int, int], ...]
    derived: tuple[tuple[int, str], ...]  # (cell, field)


def plan(fields: Sequence[str], stored: Sequence[str]) -> CsvPlan | None:
    """The plan for `fields` over a `models` table with columns `stored`; None when a field is neither a column
    nor one this module derives (the caller then writes through record())."""
    if any(name not in stored and name not in _DERIVED for name in fields) or not set(_READ_ALSO) <= set(stored):
        return None
    columns = tuple(dict.fromkeys([*(n for n in fields if n not in _DERIVED), *_READ_ALSO]))
    at = {name: i for i, name in enumerate(columns)}
    sources = [at[_DERIVED.get(name, name)] for name in fields]
    kinds: dict[tuple[str, ...], list[tuple[int, int]]] = {
        queries.TIME_COLUMNS: [], queries.JSON_COLUMNS: [], queries.BOOL_COLUMNS: []}
    derived = []
    for cell, name in enumerate(fields):
        if name in _DERIVED:  # (`gated` is also a column: record() makes it a boolean)
            if name not in ("params_source", "gated_mode"):  # these are their column's value as it is
                derived.append((cell, name))
            continue
        for names, found in kinds.items():
            if name in names:
                found.append((cell, at[name]))
    return CsvPlan(tuple(fields), columns, operator.itemgetter(*sources), tuple(kinds[queries.TIME_COLUMNS]),
                   tuple(kinds[queries.JSON_COLUMNS]), tuple(kinds[queries.BOOL_COLUMNS]), tuple(derived))


def write_releases(engine: Engine, f: HistoryFilter, hub_url: str, chosen: CsvPlan, out: TextIO) -> int:
    """Every release matching `f` (its limit ignored), newest first, as CSV rows of the plan's fields: the
    bytes output.write_csv writes for record(). Returns how many rows."""
    col = {name: i for i, name in enumerate(chosen.columns)}
    repo, gated, level, evidence = col["repo_id"], col["gated"], col["openness_level"], col["openness_evidence"]
    weights, total, kv = col["weights_bytes"], col["params_total"], col["kv_bytes_per_token"]
    derived = dict((name, cell) for cell, name in chosen.derived)
    gated_at, fits_at, openness_at = (derived.get(n) for n in ("gated", "fits_on", "openness"))
    hubs_at = {name: derived[name] for name in _HUBS if name in derived}
    sources, seen, backfill = col["sources"], col["first_seen_at"], col["backfill"]
    json_cells: dict[str, Any] = {}
    fits_cells: dict[tuple[Any, Any], str] = {}
    openness_cells: dict[tuple[Any, Any], str] = {}
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(chosen.fields)
    n = 0
    for values in queries.iter_history_values(engine, replace(f, limit=None, offset=0), chosen.columns):
        cells = defuse_formulas(chosen.pick(values))
        for cell, i in chosen.times:  # ISO 8601 text to the second is its own cell
            value = values[i]
            if value is not None and (type(value) is not str or len(value) != 20 or value[19] != "Z"
                                      or value[10] != "T"):
                cells[cell] = _time_cell(value)
        for cell, i in chosen.jsons:
            value = values[i]
            if value is None:
                continue
            if type(value) is not str:  # a driver that decodes JSON itself (PostgreSQL)
                cells[cell] = csv_cell(value)
            elif (found := json_cells.get(value)) is not None:
                cells[cell] = found
            else:
                if len(json_cells) >= _MEMO_SIZE:
                    json_cells.clear()
                cells[cell] = json_cells[value] = csv_cell(_decoded(value))
        for cell, i in chosen.bools:
            if (value := values[i]) is not None:
                cells[cell] = bool(value)
        if hubs_at and values[sources] is None and _canonical(values[seen]):  # on the Hub only: most rows
            _hub_only_cells(cells, hubs_at, hub_url, values[repo], values[seen], values[backfill])
        elif hubs_at:
            _hub_cells(cells, hubs_at, hub_url, SimpleNamespace(
                repo_id=values[repo], sources=_decoded(values[sources]), first_seen_at=_when(values[seen]),
                backfill=None if values[backfill] is None else bool(values[backfill])))
        if gated_at is not None:
            cells[gated_at] = values[gated] != "no"
        if fits_at is not None:  # what views.fits computes for a row
            fit = fits_on(values[weights], values[total], kv_bytes_per_token=values[kv])
            key = (_fit_key(fit.shipped), _fit_key(fit.four_bit))
            if (found := fits_cells.get(key)) is None:
                if len(fits_cells) >= _MEMO_SIZE:
                    fits_cells.clear()
                found = fits_cells[key] = csv_cell(fit.as_dict())
            cells[fits_at] = found
        if openness_at is not None:
            key = (values[level], values[evidence])
            if key[1] is not None and type(key[1]) is not str:  # decoded by the driver: not a memo key
                cells[openness_at] = csv_cell(openness(SimpleNamespace(openness_level=key[0],
                                                                       openness_evidence=key[1])))
            elif (found := openness_cells.get(key)) is None:
                if len(openness_cells) >= _MEMO_SIZE:
                    openness_cells.clear()
                row = SimpleNamespace(openness_level=key[0], openness_evidence=_decoded(key[1]))
                cells[openness_at] = openness_cells[key] = csv_cell(openness(row))
            else:
                cells[openness_at] = found
        writer.writerow(cells)
        n += 1
    return n


def _canonical(value: Any) -> bool:
    """A time stored as ISO 8601 text to the second (what sources' first_seen_at is written as)."""
    return type(value) is str and len(value) == 20 and value[19] == "Z" and value[10] == "T"


def _hub_only_cells(cells: list[Any], at: dict[str, int], hub_url: str, repo: str, seen: str, backfill: Any) -> None:
    """What _hub_cells makes for a release without stored sources (on the Hub alone), without building a row."""
    url = model_url(hub_url, repo)
    if "url" in at:
        cells[at["url"]] = csv_cell(url)
    if "sources" in at:  # csv_cell's JSON text (keys sorted) of [sources.entry(HF, …)], put together directly
        head = '[{"backfill": true, "first_seen_at": "' if backfill else '[{"first_seen_at": "'
        rest = f'"repo_id": {_json_text(repo)}, "url": {_json_text(url)}}}]'
        cells[at["sources"]] = f'{head}{seen}", "hub": "{HF}", {rest}'
    if "first_hub" in at:
        cells[at["first_hub"]] = HF
    if "hub_lead_s" in at:
        cells[at["hub_lead_s"]] = None


def _hub_cells(cells: list[Any], at: dict[str, int], hub_url: str, row: SimpleNamespace) -> None:
    """The cells made from a release's sources (which hubs show it), as record() makes them."""
    if "url" in at:
        cells[at["url"]] = csv_cell(release_url(hub_url, row))
    if "sources" in at:
        cells[at["sources"]] = csv_cell(record_sources(row, hub_url))
    if "first_hub" in at or "hub_lead_s" in at:
        first = lead(row)
        for name, value in (("first_hub", first.first), ("hub_lead_s", first.seconds)):
            if name in at:
                cells[at[name]] = csv_cell(value)


def _when(value: Any) -> Any:
    """A stored time as ModelRow reads it."""
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return value


def _fit_key(fit: Fit | None) -> tuple[Any, ...] | None:
    """What Fit.as_dict shows of a fit, as a plain tuple (hashing the dataclasses cost more than the rest)."""
    if fit is None:
        return None
    setup = fit.setup
    return (fit.weights_gb, setup and setup.id, setup and setup.name, fit.headroom_gb, fit.headroom_tokens)


def _decoded(value: Any) -> Any:
    """A JSON column's value as ModelRow decodes it (None for text that is not JSON)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _time_cell(value: Any) -> Any:
    """A time not stored as ISO text to the second, as ModelRow reads it and record() writes it."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return iso(value) if isinstance(value, datetime) else csv_cell(value)
