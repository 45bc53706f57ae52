"""Numbers, dates and license reasons in the reader's language (Babel's CLDR data).

English output keeps the formats it always had (ISO dates, `2,053 GB`), which tests and scripts read;
Italian gets Italian ones: `2.053 GB`, `30,5B`, `27 apr 2025, 03:40 UTC`, and the license reasons of
licenses.toml (`reason_it`). The language of the message being rendered is set by tracker.render.templates.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from babel.dates import format_date, format_time
from babel.numbers import format_decimal, get_decimal_symbol

from tracker.facts import format_params

LOCALE: ContextVar[str] = ContextVar("tracker_locale", default="en")
_BABEL = {"it": "it_IT"}


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Format in `lang` inside the block (tracker.render.templates does this for every template)."""
    token = LOCALE.set(lang)
    try:
        yield
    finally:
        LOCALE.reset(token)


def _babel() -> str | None:
    """The Babel locale of the message being rendered, None for English (unchanged formats)."""
    return _BABEL.get(LOCALE.get())


def number(value: Any) -> str:
    """A whole number with the language's grouping: 12,345 / 12.345."""
    if value is None:
        return "?"
    locale = _babel()
    return format_decimal(value, locale=locale) if locale else f"{value:,}"


def gigabytes(value: float | None) -> str:
    if value is None:
        return "?"
    locale = _babel()
    if locale is None:
        return f"{value:,.0f} GB" if value >= 100 else f"{value:.1f} GB"
    pattern = "#,##0" if value >= 100 else "#,##0.0"
    return f"{format_decimal(value, format=pattern, locale=locale)} GB"


def params(value: int | None) -> str:
    """`30.5B` in English, `30,5B` in Italian (the unit letters are the same)."""
    text = format_params(value)
    locale = _babel()
    return text.replace(".", get_decimal_symbol(locale)) if locale else text


def day(value: datetime | None) -> str:
    if value is None:
        return "?"
    locale = _babel()
    value = value.astimezone(UTC)
    return format_date(value.date(), "d MMM y", locale=locale) if locale else value.strftime("%Y-%m-%d")


def moment(value: datetime | None) -> str:
    if value is None:
        return "?"
    locale = _babel()
    value = value.astimezone(UTC)
    if locale is None:
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return f"{format_date(value.date(), 'd MMM y', locale=locale)}, {format_time(value, 'HH:mm', locale=locale)} UTC"


_DAYS = {"en": ("today", "yesterday"), "it": ("oggi", "ieri")}


def seen(value: datetime | None, now: datetime | None = None) -> str:
    """A moment as people say it: "today, 10:21 UTC", "yesterday, …", else the date and time."""
    if value is None:
        return "?"
    now, value = (now or datetime.now(UTC)).astimezone(UTC), value.astimezone(UTC)
    days = (now.date() - value.date()).days
    if days in (0, 1):
        words = _DAYS.get(LOCALE.get(), _DAYS["en"])
        return f"{words[days]}, {value.strftime('%H:%M')} UTC"
    return moment(value)


@cache
def _reasons(lang: str) -> dict[str, tuple[str, str]]:
    """License id -> (English reason, reason in `lang`) from licenses.toml (`reason_<lang>`)."""
    text = resources.files("tracker").joinpath("data", "licenses.toml").read_text(encoding="utf-8")
    table: dict[str, tuple[str, str]] = {}
    for item in tomllib.loads(text).get("license", []):
        english = item.get("reason", item.get("name", item["id"]))
        if f"reason_{lang}" in item:
            table[item["id"]] = (english, item[f"reason_{lang}"])
    return table


# The reasons tracker.facts.licenses writes for licenses outside the table.
_PATTERNS = {
    "it": [
        (re.compile(r"^Custom license: (.+)$", re.S), "Licenza personalizzata: {0}"),
        (re.compile(r"^Custom license \(no name given\)$"), "Licenza personalizzata (senza nome)"),
        (re.compile(r"^(.+) \(not in the license table\)$", re.S), "{0} (non nella tabella delle licenze)"),
        (re.compile(r"^No license stated$"), "Nessuna licenza indicata"),
    ],
}


def license_reason(row: Any) -> str:
    """The stored (English) license reason of `row`, in the language being rendered."""
    reason = getattr(row, "license_reason", None) or ""
    lang = LOCALE.get()
    if lang == "en" or not reason:
        return reason
    known = _reasons(lang).get(getattr(row, "license_id", None) or "")
    if known and known[0] == reason:
        return known[1]
    for pattern, template in _PATTERNS.get(lang, []):
        if match := pattern.match(reason):
            return template.format(*match.groups())
    return reason
