"""Bounds and checks on every value the Hub sends, before it reaches the facts or the store.

Most of a model's metadata is written by its owner (card YAML, config.json, GGUF headers) or computed from
files they upload, so any field can hold anything JSON can: a count of 2**64, a list where an object
belongs, a lone UTF-16 surrogate, a NUL. A value out of bounds is dropped and a note says so; the model is
kept without it; a model whose repo id huggingface_hub rejects is skipped (`skip_reason`). Pure functions;
the caller collects the notes (`problems`) and stores them with the model.
"""

from __future__ import annotations

import math
import re
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from huggingface_hub.errors import HFValidationError
from huggingface_hub.utils import validate_repo_id

MAX_PARAMS = 10**15  # a quadrillion parameters; the largest open models have about 2 * 10**12
MAX_BYTES = 10**17  # 100 PB, far above any repo (used storage, file sizes)
MAX_COUNT = 2**53 - 1  # any other integer (downloads, likes, sizes): the Hub's JavaScript numbers are exact below
MAX_CONTEXT = 2**32  # tokens of context (gguf context_length, max_position_embeddings)
MAX_TEXT = 4_096  # characters of any one string
MAX_ITEMS = 2_000  # entries of any one list or object
MAX_DEPTH = 12
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)  # clock skew allowed for a time "now" on the Hub

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # decoded JSON pairs are one character: any left is lone
_DROPPED = object()
T = TypeVar("T")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def clean_text(value: str, what: str, notes: list[str], limit: int = MAX_TEXT) -> str:
    """`value` with lone surrogates replaced (U+FFFD), control characters but tab and newline removed, and
    cut to `limit` characters; a note says what changed."""
    text = value
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
        notes.append(f"{what}: invalid unicode replaced")
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
        notes.append(f"{what}: control characters removed")
    if len(text) > limit:
        text = text[:limit]
        notes.append(f"{what}: cut to {limit} characters")
    return text


def clean_json(value: Any, what: str, notes: list[str], depth: int = 0) -> Any:
    """Any JSON value made safe to keep: strings cleaned, integers within +-MAX_COUNT, floats finite, lists and
    objects bounded in size and depth. Dropped parts are left out (and noted)."""
    result = _clean(value, what, notes, depth)
    return None if result is _DROPPED else result


def _clean(value: Any, what: str, notes: list[str], depth: int) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return clean_text(value, what, notes)
    if isinstance(value, int):
        if abs(value) > MAX_COUNT:
            notes.append(f"{what}: {_show(value)} is out of range; dropped")
            return _DROPPED
        return value
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > float(MAX_COUNT):
            notes.append(f"{what}: {_show(value)} is out of range; dropped")
            return _DROPPED
        return value
    if isinstance(value, list | tuple | dict):
        if depth >= MAX_DEPTH:
            notes.append(f"{what}: nested too deep; dropped")
            return _DROPPED
        if len(value) > MAX_ITEMS:
            notes.append(f"{what}: {len(value)} entries; kept the first {MAX_ITEMS}")
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in list(value.items())[:MAX_ITEMS]:
                name = clean_text(str(key), f"{what} key", notes, limit=200)
                cleaned = _clean(item, f"{what}.{name}" if what else name, notes, depth + 1)
                if cleaned is not _DROPPED:
                    out[name] = cleaned
            return out
        items = (_clean(item, f"{what}[{i}]", notes, depth + 1) for i, item in enumerate(value[:MAX_ITEMS]))
        return [item for item in items if item is not _DROPPED]
    notes.append(f"{what}: unexpected {type(value).__name__}; dropped")
    return _DROPPED


def skip_reason(item: Any) -> str | None:
    """Why a Hub JSON item cannot be kept at all (no usable repo id), or None when it can."""
    if not isinstance(item, dict):
        return f"not an object ({type(item).__name__})"
    repo_id = item.get("id") or item.get("modelId")
    if not isinstance(repo_id, str):
        return "no repo id"
    if repo_id.count("/") != 1:
        return "repo id is not owner/name"
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        return "repo id the Hub client rejects"
    return None


def describe_item(item: Any) -> str:
    """A short, log-safe name of a Hub item (its id, as a repr, cut)."""
    value = item.get("id", item.get("modelId")) if isinstance(item, dict) else item
    text = ascii(value)
    return text if len(text) <= 80 else text[:77] + "..."


def count(value: Any, what: str, notes: list[str], limit: int = MAX_COUNT, minimum: int = 0) -> int | None:
    """A whole number in [minimum, limit], else None with a note (absent values are not noted)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        notes.append(f"{what}: {_show(value)} is not a whole number; dropped")
        return None
    if not minimum <= value <= limit:
        notes.append(f"{what}: {_show(value)} is out of range; dropped")
        return None
    return value


def text_or_none(value: Any, what: str, notes: list[str], limit: int = MAX_TEXT) -> str | None:
    """A cleaned string, or None (noted when the value is there but not a string)."""
    if value is None:
        return None
    if not isinstance(value, str):
        notes.append(f"{what}: {_show(value)} is not text; dropped")
        return None
    return clean_text(value, what, notes, limit) or None


def flag(value: Any, what: str, notes: list[str], default: bool = False) -> bool:
    """A JSON boolean; anything else keeps `default` and is noted."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    notes.append(f"{what}: {_show(value)} is not true or false; taken as {str(default).lower()}")
    return default


def time_value(value: Any, what: str, notes: list[str], now: datetime | None = None) -> datetime | None:
    """An ISO 8601 time as aware UTC between 2000 and a day from now, else None with a note."""
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        notes.append(f"{what}: {_show(value)} is not a time; dropped")
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        notes.append(f"{what}: {_show(value)} is not a time; dropped")
        return None
    latest = (now or datetime.now(UTC)) + FUTURE_SLACK
    if not EARLIEST <= parsed <= latest:
        notes.append(f"{what}: {_show(value)} is out of range; dropped")
        return None
    return parsed


def safetensors_info(value: Any, notes: list[str]) -> dict[str, Any] | None:
    """`{"parameters": {dtype: n}, "total": n}` with every count in 1..MAX_PARAMS; None without a usable table."""
    if value is None:
        return None
    if not isinstance(value, dict):
        notes.append("safetensors is not an object")
        return None
    table = value.get("parameters")
    if not isinstance(table, dict):
        notes.append("safetensors has no parameter table")
        return None
    params: dict[str, int] = {}
    for dtype, n in list(table.items())[:64]:
        name = clean_text(str(dtype), "safetensors dtype", notes, limit=32)
        if (kept := count(n, f"safetensors.parameters.{name}", notes, MAX_PARAMS, minimum=1)) is not None:
            params[name] = kept
    if not params:
        notes.append("safetensors has no usable parameter count")
        return None
    out: dict[str, Any] = {"parameters": params}
    total = count(value.get("total"), "safetensors.total", notes, MAX_PARAMS, minimum=1)
    if total is not None:
        out["total"] = total
    return out


_GGUF_COUNTS = {"total": MAX_PARAMS, "context_length": MAX_CONTEXT}


def gguf_info(value: Any, notes: list[str]) -> dict[str, Any] | None:
    """The GGUF metadata cleaned, its counts bounded (total in 1..MAX_PARAMS, context_length in 1..2**32)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        notes.append("gguf is not an object")
        return None
    cleaned = clean_json({k: v for k, v in value.items() if k not in _GGUF_COUNTS}, "gguf", notes) or {}
    for key, limit in _GGUF_COUNTS.items():
        if (kept := count(value.get(key), f"gguf.{key}", notes, limit, minimum=1)) is not None:
            cleaned[key] = kept
    return cleaned


_FACT_LIMITS = {"params_total": MAX_PARAMS, "params_active": MAX_PARAMS, "params_stored": MAX_PARAMS}
_MEMORY = ("memory_bf16_gb", "memory_fp8_gb", "memory_4bit_gb")


def bounded_facts(facts: T) -> T:
    """Computed facts (a dataclass like ModelFacts) with counts beyond MAX_PARAMS, non-finite floats and
    unclean strings dropped or cleaned, so a config.json of enormous sizes cannot reach the store."""
    notes: list[str] = []
    changes: dict[str, Any] = {}
    names = [f.name for f in fields(facts)]  # type: ignore[arg-type]
    for name in names:
        value = getattr(facts, name)
        limit = _FACT_LIMITS.get(name)
        if limit is not None and value is not None:
            if count(value, name, notes, limit, minimum=0) is None:
                changes[name] = None
                if name == "params_total":
                    changes.update(dict.fromkeys(m for m in _MEMORY if m in names))
        elif isinstance(value, float) and not math.isfinite(value):
            changes[name] = None
        elif isinstance(value, str):
            cleaned = clean_text(value, name, notes)
            if cleaned != value:
                changes[name] = cleaned
        elif isinstance(value, dict) and name == "dtype_breakdown":
            kept = {k: v for k, v in value.items() if count(v, f"{name}.{k}", notes, MAX_PARAMS) is not None}
            if kept != value:
                changes[name] = kept
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            cleaned_items = tuple(clean_text(v, name, notes) for v in value)
            if cleaned_items != value:
                changes[name] = cleaned_items
    if not changes:
        return facts
    if "params_notes" in names:
        kept_notes = changes.get("params_notes", facts.params_notes)  # type: ignore[attr-defined]
        changes["params_notes"] = (*kept_notes, *dict.fromkeys(notes))
    return replace(facts, **changes)  # type: ignore[type-var]
