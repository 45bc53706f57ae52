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


def memory(value: float | None) -> str:
    """A memory size a person set: "24 GB", "7.5 GB", in Italian "7,5 GB"."""
    if value is None:
        return "?"
    locale = _babel()
    if locale is None:
        return f"{value:,.1f}".rstrip("0").rstrip(".") + " GB"
    return f"{format_decimal(value, format='#,##0.#', locale=locale)} GB"


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


def lead_time(seconds: float | None) -> str:
    """How long one hub was ahead of the other: `2 h 10 min`, `3 d 4 h`, `45 min` (the same in Italian,
    with `g` for days)."""
    if seconds is None:
        return "?"
    minutes = max(1, round(seconds / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    day = "g" if LOCALE.get() == "it" else "d"
    if days:
        return f"{days} {day} {hours} h" if hours else f"{days} {day}"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


_DAYS = {"en": ("today", "yesterday"), "it": ("oggi", "ieri")}


def _decimal(value: float, digits: int) -> str:
    """`value` with at most `digits` decimals, trailing zeros dropped, in the language's notation."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{value:.0f}"
    locale = _babel()
    return text.replace(".", get_decimal_symbol(locale)) if locale else text


def tokens(value: int | None) -> str:
    """A context length as people write it, M for millions: 131072 -> "128K", 1048576 -> "1M", 1572864 ->
    "1.5M", 10240000 -> "10.24M" (not "10000K"; "10,24M" in Italian), 40000 -> "40,000" ("40.000")."""
    if not value:
        return "?"
    if value % 1024 == 0 and value < 1000 * 1024:
        return f"{value // 1024}K"
    if value % (1024**2 // 4) == 0:  # whole or quarter binary millions: 1M, 1.5M, 2.25M
        return f"{_decimal(value / 1024**2, 2)}M"
    if value >= 10**6:
        return f"{_decimal(value / 10**6, 2)}M"
    return number(value)


def about_tokens(value: int | None) -> str:
    """A rough token count, short: 74523 -> "74K", 6_300_000 -> "6.3M" ("6,3M" in Italian), 900 -> "900"."""
    if not value or value < 0:
        return "0"
    if value >= 10**6:
        return f"{_decimal(value / 10**6, 1)}M"
    return f"{value // 1000}K" if value >= 1000 else str(value)


def _relative_day(value: datetime, now: datetime | None) -> int | None:
    """0 for today, 1 for yesterday (UTC), else None."""
    days = ((now or datetime.now(UTC)).astimezone(UTC).date() - value.astimezone(UTC).date()).days
    return days if days in (0, 1) else None


def since(value: datetime | None, now: datetime | None = None, style: str = "seen") -> str:
    """"since <a moment>" with the right preposition: "since today, 10:21 UTC", Italian "da oggi, …",
    "dal 27 apr 2025, …", "dall'8 apr 2025, …". `style`: "seen" (today/yesterday, for answers read at
    once), "moment" (date and time, for messages that stay, like channel cards), "day" (the date)."""
    if value is None:
        return "?"
    text = {"seen": seen, "moment": lambda v, _: moment(v), "day": lambda v, _: day(v)}[style](value, now)
    if LOCALE.get() != "it":
        return f"since {text}"
    if (style == "seen" and _relative_day(value, now) is not None) or not text[:1].isdigit():
        return f"da {text}"
    return f"dall'{text}" if text.split(" ", 1)[0] in ("1", "8", "11") else f"dal {text}"


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


# Words the facts and the watchlist store in English, as Italian shows them. A word not listed shows as stored.
_TERMS = {
    "it": {
        "permissive": "permissiva", "open-restricted": "aperta con condizioni", "non-commercial": "non commerciale",
        "unknown": "sconosciuta", "base": "base", "instruct": "instruct", "reasoning": "ragionamento",
        "quantized": "quantizzato", "distilled": "distillato", "adapter": "adattatore", "other": "altro",
        "text": "testo", "vision-language": "visione e linguaggio", "speech": "voce",
        "image-generation": "generazione di immagini", "video-generation": "generazione video",
        "embedding": "embedding",
    },
}
_PLACES = {
    "it": {
        "China": "Cina", "United States": "Stati Uniti", "North America": "Nord America", "Canada": "Canada",
        "France": "Francia", "Europe": "Europa", "South Korea": "Corea del Sud", "Asia-Pacific": "Asia-Pacifico",
        "United Arab Emirates": "Emirati Arabi Uniti", "Middle East": "Medio Oriente", "Unknown": "Sconosciuto",
        "Japan": "Giappone", "Germany": "Germania", "United Kingdom": "Regno Unito", "Israel": "Israele",
        "Switzerland": "Svizzera", "Singapore": "Singapore", "India": "India", "Taiwan": "Taiwan",
    },
}


def term(value: str | None) -> str:
    """A license class, variant or modality (`permissive`, `reasoning`, `text`) in the language being rendered."""
    if not value:
        return "?"
    return _TERMS.get(LOCALE.get(), {}).get(value, value)


def place(value: str | None) -> str:
    """A country or region of the watchlist (`China`, `North America`) in the language being rendered."""
    if not value:
        return "?"
    return _PLACES.get(LOCALE.get(), {}).get(value, value)


def setup_name(setup: Any) -> str:
    """A hardware set-up's name (tracker/data/setups.toml: `name`, `name_<lang>`) in the language being rendered."""
    return dict(getattr(setup, "names", ())).get(LOCALE.get()) or setup.name


_NO_LICENSE = "no recognised license"
# The openness evidence tracker.facts.openness writes, in Italian ({0}: the part kept as written).
_EVIDENCE = {
    "it": [
        (re.compile(r"^license (.+) is OSI-approved$", re.S), "licenza {0} approvata dall'OSI"),
        (re.compile(r"^license (.+) is an open license \(not OSI-approved; accepted for weights by the MOF\)$", re.S),
         "licenza {0} aperta (non approvata dall'OSI, ma accettata per i pesi dal MOF)"),
        (re.compile(r"^license (.+) is non-commercial$", re.S), "licenza {0} non commerciale"),
        (re.compile(r"^license (.+) has custom conditions \(not OSI-approved\)$", re.S),
         "licenza {0} con condizioni proprie (non approvata dall'OSI)"),
        (re.compile(r"^license (.+) is permissive but not OSI-approved$", re.S),
         "licenza {0} permissiva ma non approvata dall'OSI"),
        (re.compile(r"^license: (.+)$", re.S), "licenza: {0}"),
        (re.compile(r"^no recognised license$"), "nessuna licenza riconosciuta"),
        (re.compile(r"^gated: access must be requested on the Hub$"), "accesso da chiedere sull'Hub"),
        (re.compile(r"^technical report: (.+)$", re.S), "rapporto tecnico: {0}"),
        (re.compile(r"^no technical report linked$"), "nessun rapporto tecnico collegato"),
        (re.compile(r"^model card not read yet: code links unknown$"),
         "scheda del modello non ancora letta: link al codice sconosciuti"),
        (re.compile(r"^model card not read: (.+)$", re.S), "scheda del modello non letta: {0}"),
        (re.compile(r"^no model card \(README\.md\) to read$"), "nessuna scheda del modello (README.md) da leggere"),
        (re.compile(r"^code: (.+)$", re.S), "codice: {0}"),
        (re.compile(r"^no code repository linked$"), "nessun repository di codice collegato"),
        (re.compile(r"^training data declared: (.+)$", re.S), "dati di addestramento dichiarati: {0}"),
        (re.compile(r"^no training data declared$"), "nessun dato di addestramento dichiarato"),
    ],
}
_MORE = {"it": (re.compile(r"^(.+) and (\d+) more$", re.S), "{0} e altri {1}")}


def evidence(line: str) -> str:
    """One line of stored (English) openness evidence in the language being rendered."""
    lang = LOCALE.get()
    for pattern, template in _EVIDENCE.get(lang, []):
        if match := pattern.match(line):
            parts = [evidence(_NO_LICENSE) if part == _NO_LICENSE else part for part in match.groups()]
            if lang in _MORE and parts and (more := _MORE[lang][0].match(parts[-1])):
                parts[-1] = _MORE[lang][1].format(*more.groups())
            return template.format(*parts)
    return line


_LATER = {"en": ("{} s later", "{} min later", "{} h later", "{} days later", "1 day later"),
          "it": ("{} s dopo", "{} min dopo", "{} ore dopo", "{} giorni dopo", "1 giorno dopo")}


def later(seconds: int | None) -> str:
    """A follow-up's checkpoint as people say it: "24 h later", "7 days later" (Italian "24 ore dopo")."""
    words = _LATER.get(LOCALE.get(), _LATER["en"])
    if not seconds:
        return words[2].format("?")
    if seconds % 86_400 == 0 and seconds >= 2 * 86_400:
        return words[3].format(number(seconds // 86_400))
    if seconds % 3600 == 0:
        return words[2].format(number(seconds // 3600))
    if seconds % 60 == 0:
        return words[1].format(number(seconds // 60))
    return words[0].format(number(seconds))
