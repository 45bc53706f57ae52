"""Parsing the dates people type: `2025-07-28`, `2025-07-28T10:00`, `2025-07-28T10:00:00Z`."""

from __future__ import annotations

from datetime import UTC, datetime, time


def parse_date(text: str, end_of_day: bool = False) -> datetime:
    """An aware UTC datetime; a bare date means its start (or its end, with `end_of_day`)."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = datetime.strptime(raw, "%Y-%m-%d").date()
            moment = time.max.replace(microsecond=0) if end_of_day else time.min
            return datetime.combine(day, moment, tzinfo=UTC)
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD or ISO 8601)") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
