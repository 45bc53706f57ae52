"""Writing records for people and programs: aligned tables, JSON arrays, CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from tracker.facts import format_params


def write_json(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON array of the records, written one by one as they come (the same text as `json.dump(...,
    indent=2)`), so that a long stream never sits in memory; returns how many were written."""
    n = 0
    for rec in records:
        out.write("[\n  " if n == 0 else ",\n  ")
        # Strings in JSON text hold no raw newline, so every newline here is layout: indent it one level.
        out.write(json.dumps(rec, indent=2, ensure_ascii=False).replace("\n", "\n  "))
        n += 1
    out.write("\n]\n" if n else "[]\n")
    return n


def write_csv(records: Iterable[dict[str, Any]], out: TextIO, fields: Sequence[str]) -> int:
    """CSV with one row per record, written as they come; lists and dicts become JSON text, None an empty
    cell. Returns how many rows were written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    n = 0
    for rec in records:
        # Inline, not a function per cell (that was a third of an export's time); csv writes None as "". Text
        # a spreadsheet would run as a formula gets a leading ' (OWASP CSV injection); numbers stay numbers.
        writer.writerow([(("'" + v if v[:1] in _FORMULA_CHARS else v) if "\r" not in v else csv_cell(v))
                         if type(v) is str else (_JSON_CELL(v) if type(v) in _JSON_TYPES else v)
                         for v in map(rec.get, fields)])
        n += 1
    return n


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset(_FORMULA_START)
_JSON_TYPES = frozenset({list, dict})


_JSON_CELL = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # one encoder, not one per cell


def csv_cell(value: Any) -> Any:
    """One value as write_csv writes it (lists and dicts as JSON text, formula-like text defused, a carriage
    return written as a line break); csv writes None as an empty cell."""
    if type(value) is str:
        defused = "'" + value if value[:1] in _FORMULA_CHARS else value
        # csv.writer (3.11) leaves a cell with a bare \r unquoted when rows end in \n, and csv.reader then
        # refuses the file; a line break is quoted by every version, so a Hub-supplied \r is written as one.
        return defused.replace("\r\n", "\n").replace("\r", "\n") if "\r" in defused else defused
    return _JSON_CELL(value) if type(value) in _JSON_TYPES else value


def write_table(rows: Sequence[Sequence[str]], headers: Sequence[str], out: TextIO) -> None:
    """A plain aligned table; cells are made single-line so odd names cannot break the layout."""
    clean = [[_one_line(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in clean:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    for row in clean:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n")


def _one_line(value: str) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return text if len(text) <= 80 else text[:79] + "…"


def history_table_rows(records: Iterable[dict[str, Any]]) -> list[list[str]]:
    """The columns `tracker history` shows in a terminal."""
    rows = []
    for rec in records:
        active = rec.get("params_active")
        total = rec.get("params_total")
        rows.append([
            (rec.get("released_at") or "")[:10],
            rec["lab"],
            rec["repo_id"],
            format_params(total),
            format_params(active) if active is not None and active != total else "",
            rec.get("license_id") or rec.get("license") or "?",
            rec.get("openness_level") or "",
            "gated" if rec.get("gated") else "",
            "" if rec.get("status") == "public" else str(rec.get("status")),
        ])
    return rows


HISTORY_HEADERS = ("released", "lab", "model", "total", "active", "license", "openness", "access", "status")
