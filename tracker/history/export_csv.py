"""The CSV export of releases, written from the bare stored values: each value becomes its text once.

Through ModelRow and record(), every row had its times parsed and formatted back, its JSON decoded and encoded
again and a dict built, 8.6k rows/s; through csv.writer, every cell's characters were scanned again on every
row. Here a row is its cells' texts joined, most of them remembered from earlier rows (tracker.history.csv_text
makes them as csv.writer would): a time stored as ISO 8601 text to the second is its own text; a stored text,
a JSON text, "fits on" and openness are remembered by what they are made from. Anything unusual (a time stored
another way, a column this module does not know) takes the record() path's own functions.
tests/test_export_csv.py checks both paths write the same bytes (tests/e2e/test_postgres.py, on PostgreSQL).
"""

from __future__ import annotations

import csv
import json
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, TextIO

from tracker.facts.fits import fit_values, fit_values_dict
from tracker.history.csv_text import Texts, plain, text, value_text
from tracker.hub.sources import HF, lead
from tracker.render.output import csv_cell
from tracker.render.views import iso, openness, record_sources, release_url
from tracker.store import queries
from tracker.store.engine import Engine
from tracker.store.queries import HistoryFilter

# Fields made from other columns, and the column each starts from.
_DERIVED = {"url": "repo_id", "params_source": "params_total_source", "gated": "gated", "gated_mode": "gated",
            "fits_on": "weights_bytes", "openness": "openness_level", "sources": "sources",
            "first_hub": "sources", "hub_lead_s": "sources"}
_READ_ALSO = ("repo_id", "gated", "weights_bytes", "params_total", "kv_bytes_per_token", "openness_level",
              "openness_evidence", "sources", "first_seen_at", "backfill")
# The order in which a row's made texts follow its stored ones (CsvPlan.order puts each in its field's place).
_MADE = ("gated", "fits_on", "openness", "url", "sources", "first_hub", "hub_lead_s")
_HUBS = ("url", "sources", "first_hub", "hub_lead_s")  # the fields made from a release's sources
_UNIQUE = ("repo_id", "sha")  # different on every row: not worth remembering
_MEMO_SIZE = 20_000  # remembered texts per kind; forgotten all at once past it, so memory stays flat
_TIMES_SIZE = 1_000  # times repeat on a row and in a run of rows (they come in time order), rarely further
_BOOL = ("False", "True")
# A time as this tracker stores it: ISO 8601 text to the second, in UTC (its own cell, needing no quotes).
_CANONICAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z").fullmatch


@dataclass(frozen=True)
class CsvPlan:
    """Which stored columns to read, and how each field's text is made: each getter picks a kind of value from
    a row (in field order), their texts follow one another in this order (the stored values whose text is their
    own, the JSON values, booleans, times and values unique to a row), then the made fields' texts in _MADE's
    order, and `order` puts them in the fields' order."""

    fields: tuple[str, ...]
    columns: tuple[str, ...]
    stored: Callable[[Sequence[Any]], Sequence[Any]]
    jsons: Callable[[Sequence[Any]], Sequence[Any]]
    bools: Callable[[Sequence[Any]], Sequence[Any]]
    times: Callable[[Sequence[Any]], Sequence[Any]]
    unique: Callable[[Sequence[Any]], Sequence[Any]]
    made: frozenset[str]
    order: Callable[[Sequence[str]], Sequence[str]]


def plan(fields: Sequence[str], stored: Sequence[str]) -> CsvPlan | None:
    """The plan for `fields` over a `models` table with columns `stored`; None when a field is neither a column
    nor one this module derives, or there is only one field (the caller then writes through record())."""
    if (len(fields) < 2 or any(name not in stored and name not in _DERIVED for name in fields)
            or not set(_READ_ALSO) <= set(stored)):
        return None
    columns = tuple(dict.fromkeys([*(_DERIVED.get(name, name) for name in fields), *_READ_ALSO]))
    at = {name: i for i, name in enumerate(columns)}
    kinds: dict[Any, list[str]] = {kind: [] for kind in ("stored", queries.JSON_COLUMNS, queries.BOOL_COLUMNS,
                                                        queries.TIME_COLUMNS, _UNIQUE)}
    for name in fields:
        if name in _DERIVED and name not in ("params_source", "gated_mode"):  # those two are their column's value
            continue  # (`gated` is also a column: record() makes it a boolean)
        column = _DERIVED.get(name, name)
        kinds[next((names for names in kinds if names != "stored" and column in names), "stored")].append(name)
    made = [name for name in _MADE if name in fields]
    place = {name: i for i, name in enumerate([*(name for names in kinds.values() for name in names), *made])}
    stored_, jsons, bools, times, unique = (_getter(tuple(at[_DERIVED.get(name, name)] for name in names))
                                            for names in kinds.values())
    return CsvPlan(tuple(fields), columns, stored_, jsons, bools, times, unique, frozenset(made),
                   _getter(tuple(place[name] for name in fields)))


def _getter(indexes: tuple[int, ...]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """operator.itemgetter of `indexes`, always giving a tuple (itemgetter of one index gives the item)."""
    if len(indexes) > 1:
        return operator.itemgetter(*indexes)
    return lambda values: tuple(values[i] for i in indexes)


def write_releases(engine: Engine, f: HistoryFilter, hub_url: str, chosen: CsvPlan, out: TextIO) -> int:
    """Every release matching `f` (its limit ignored), newest first, as CSV rows of the plan's fields: the
    bytes output.write_csv writes for record(). Returns how many rows."""
    col = {name: i for i, name in enumerate(chosen.columns)}
    repo, gated, level, evidence = col["repo_id"], col["gated"], col["openness_level"], col["openness_evidence"]
    weights, total, kv = col["weights_bytes"], col["params_total"], col["kv_bytes_per_token"]
    sources, seen, backfill = col["sources"], col["first_seen_at"], col["backfill"]
    stored, jsons, bools, times, unique, order = (chosen.stored, chosen.jsons, chosen.bools, chosen.times,
                                                  chosen.unique, chosen.order)
    with_gated, with_fits, with_openness = (name in chosen.made for name in ("gated", "fits_on", "openness"))
    hubs = tuple(name for name in _HUBS if name in chosen.made)
    on_hub_only = _OnHubOnly(hub_url) if hubs == _HUBS else None
    stored_text, json_text = Texts().__getitem__, _JsonTexts().__getitem__
    bool_text, time_text = _BoolTexts(_BOOL_TEXTS).__getitem__, _TimeTexts().__getitem__
    fits_texts: dict[tuple[Any, ...], str] = {}
    openness_texts: dict[tuple[Any, Any], str] = {}
    csv.writer(out, lineterminator="\n").writerow(chosen.fields)
    lines: list[str] = []
    n = 0
    for values in queries.iter_history_values(engine, replace(f, limit=None, offset=0), chosen.columns):
        texts = list(map(stored_text, stored(values)))
        try:
            texts += list(map(json_text, jsons(values)))
        except TypeError:  # a driver that decodes JSON itself (PostgreSQL): a list is no key
            json_text = _json_value_text
            texts += map(json_text, jsons(values))
        texts += map(bool_text, bools(values))
        texts += map(time_text, times(values))  # ISO 8601 text to the second is its own text
        texts += map(value_text, unique(values))
        add = texts.append
        if with_gated:
            add(_BOOL[values[gated] != "no"])
        if with_fits:  # what views.fits computes for a row
            key = fit_values(values[weights], values[total], kv_bytes_per_token=values[kv])
            if (found := fits_texts.get(key)) is None:
                if len(fits_texts) >= _MEMO_SIZE:
                    fits_texts.clear()
                found = fits_texts[key] = value_text(fit_values_dict(key))
            add(found)
        if with_openness:
            add(_openness_text(values[level], values[evidence], openness_texts))
        if hubs:
            if on_hub_only is None or (made := on_hub_only(values[repo], values[seen], values[sources],
                                                           values[backfill])) is None:
                made = _hub_texts(hubs, hub_url, SimpleNamespace(
                    repo_id=values[repo], sources=_decoded(values[sources]), first_seen_at=_when(values[seen]),
                    backfill=None if values[backfill] is None else bool(values[backfill])))
            texts += made
        lines.append(",".join(order(texts)))
        n += 1
        if len(lines) >= 100:  # about 130 KB a write: more only held more memory
            lines.append("")
            out.write("\n".join(lines))
            lines.clear()
    if lines:
        lines.append("")
        out.write("\n".join(lines))
    return n


class _JsonTexts(dict[Any, str]):
    """A JSON column's texts by stored JSON text (None for none)."""

    def __missing__(self, value: Any) -> str:
        return _remember(self, value, value_text(_decoded(value)))


def _json_value_text(value: Any) -> str:
    """A JSON column's text, the value decoded by the driver or not."""
    return value_text(value) if type(value) is not str else value_text(_decoded(value))


class _BoolTexts(dict[Any, str]):
    """A boolean column's texts by stored value: 0 and 1 (False and True, 0.0 and 1.0 are the same keys)."""

    def __missing__(self, value: Any) -> str:
        return _BOOL[bool(value)]


_BOOL_TEXTS = {None: "", 0: "False", 1: "True"}


class _TimeTexts(dict[Any, str]):
    """A time column's texts by stored value: ISO 8601 text to the second as it is, others as record() writes."""

    def __missing__(self, value: Any) -> str:
        if type(value) is str and _CANONICAL(value):
            return _remember(self, value, value, _TIMES_SIZE)
        return text(_time_cell(value)) if value is not None else _remember(self, value, "")


def _remember(memo: dict[Any, str], key: Any, made: str, size: int = _MEMO_SIZE) -> str:
    """`made`, remembered in `memo` by `key` when the key is text or None (the text of a number is not
    remembered: 1, 1.0 and True are one key to a dict, and their texts differ)."""
    if type(key) is str or key is None:
        if len(memo) >= size:
            memo.clear()
        memo[key] = made
    return made


class _OnHubOnly:
    """The texts of url, sources, first_hub and hub_lead_s for a release on the Hub alone (no stored sources)
    with a plain repo id (nothing JSON or CSV would escape), as _hub_texts makes them, without building a row."""

    def __init__(self, hub_url: str) -> None:
        self.base = hub_url.rstrip("/") + "/"
        self.plain = plain(self.base) and plain(HF)

    def __call__(self, repo: Any, seen: Any, sources: Any, backfill: Any) -> list[str] | None:
        if (sources is not None or not self.plain or type(repo) is not str or type(seen) is not str
                or not _CANONICAL(seen) or not plain(repo)):
            return None
        url = self.base + repo  # model_url(hub_url, repo)
        # csv_cell's JSON text (keys sorted) of [sources.entry(HF, …)], in CSV's quotes (each " doubled)
        head = '"[{""backfill"": true, ""first_seen_at"": ""' if backfill else '"[{""first_seen_at"": ""'
        return [url, f'{head}{seen}"", ""hub"": ""{HF}"", ""repo_id"": ""{repo}"", ""url"": ""{url}""}}]"',
                HF, ""]


def _openness_text(level: Any, evidence: Any, memo: dict[tuple[Any, Any], str]) -> str:
    """The openness cell's text, remembered by the stored level and evidence text."""
    if evidence is not None and type(evidence) is not str:  # decoded by the driver: not a memo key
        return value_text(openness(SimpleNamespace(openness_level=level, openness_evidence=evidence)))
    if (found := memo.get((level, evidence))) is None:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        row = SimpleNamespace(openness_level=level, openness_evidence=_decoded(evidence))
        found = memo[level, evidence] = value_text(openness(row))
    return found


def _hub_texts(hubs: tuple[str, ...], hub_url: str, row: SimpleNamespace) -> list[str]:
    """The texts made from a release's sources (which hubs show it), as record() makes them."""
    made: dict[str, Any] = {}
    if "url" in hubs:
        made["url"] = release_url(hub_url, row)
    if "sources" in hubs:
        made["sources"] = record_sources(row, hub_url)
    if "first_hub" in hubs or "hub_lead_s" in hubs:
        first = lead(row)
        made["first_hub"], made["hub_lead_s"] = first.first, first.seconds
    return [value_text(made[name]) for name in hubs]


def _when(value: Any) -> Any:
    """A stored time as ModelRow reads it."""
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    return value


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
