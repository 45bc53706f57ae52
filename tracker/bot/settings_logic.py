"""The /settings and /subscribe arguments people type, parsed into changes of their filters. Pure.

    /settings min 7B | max 70B | min any
    /settings license permissive open-restricted | license any
    /settings quantized skip|include
    /settings labs deepseek qwen | labs all
    /settings keywords coder vl | keywords -
    /settings openness open-model open-science | openness open-weights+ | openness any
    /settings weights on|off   (also alert when a matching model's weight files change)
    /settings digest off|daily|weekly
    /settings quants on|off    (also tell of a followed release's first quantized build)
    /settings vram 24 | vram off   (GB: only what fits, and later the first build that makes a release fit;
                                   changes of a release they were told of reach them either way)
    /settings reset
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.deliver.filters import LICENSE_CLASSES, OPENNESS_LEVELS, clean_keywords
from tracker.facts import parse_param_count
from tracker.watchlist import Lab, Watchlist

FIELDS = ("min", "max", "license", "quantized", "labs", "keywords", "openness", "weights", "digest", "quants", "vram",
          "reset")
ANY = ("any", "all", "-", "none", "qualsiasi", "tutti", "tutte", "nessuno")
SKIP = ("skip", "no", "off", "exclude", "escludi")
INCLUDE = ("include", "yes", "on", "includi", "si", "sì")
MAX_SIZE = 10**15  # 1000T: any larger size is a typo (and would not fit SQLite's 64-bit INTEGER)
DIGEST_WORDS = {"off": "off", "no": "off", "daily": "daily", "day": "daily", "giornaliero": "daily",
                "weekly": "weekly", "week": "weekly", "settimanale": "weekly"}
RESET = {"labs": [], "min_params": None, "max_params": None, "license_classes": [], "include_quantized": True,
         "keywords": [], "openness_levels": [], "weight_updates": False, "quant_builds": False, "vram_gb": None}
MAX_VRAM_GB = 100_000  # 100 TB: any larger memory is a typo


class SettingsError(Exception):
    """A value we cannot use; `code` picks the message, `values` fill it in."""

    def __init__(self, code: str, **values: Any) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass
class Change:
    """What to store, and the lab names we did not recognise (reported, not fatal)."""

    changes: dict[str, Any] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def parse_labs(words: Sequence[str], watchlist: Watchlist) -> tuple[list[Lab], list[str]]:
    """Lab names typed by a person (spaces or commas between them; a name may span words, longest match
    first), as watched labs plus the words that name none."""
    parts = [p for chunk in " ".join(words).split(",") for p in [chunk.split()] if p]
    found: list[Lab] = []
    unknown: list[str] = []
    for tokens in parts:
        i = 0
        while i < len(tokens):
            for j in range(len(tokens), i, -1):
                lab = watchlist.find_lab(" ".join(tokens[i:j]))
                if lab is not None:
                    if lab not in found:
                        found.append(lab)
                    i = j
                    break
            else:
                unknown.append(tokens[i])
                i += 1
    return found, unknown


def parse_size(word: str) -> int | None:
    """'7B' -> 7e9; 'any' -> None; anything else is a SettingsError."""
    if word.lower() in ANY:
        return None
    value = parse_param_count(word)
    if value is None or not 0 < value <= MAX_SIZE:
        raise SettingsError("bad_size", value=word)
    return value


def check_range(min_params: int | None, max_params: int | None) -> None:
    if min_params is not None and max_params is not None and min_params > max_params:
        raise SettingsError("min_above_max")


def parse_settings_args(args: Sequence[str], watchlist: Watchlist, min_params: int | None = None,
                        max_params: int | None = None) -> Change:
    """The change `/settings FIELD VALUE…` asks for (current sizes given to check min ≤ max)."""
    if not args:
        return Change()
    name, values = args[0].lower(), list(args[1:])
    if name == "reset":
        return Change(dict(RESET))
    if name not in FIELDS:
        raise SettingsError("bad_field", value=args[0], valid=FIELDS)
    if name in ("min", "max"):
        if len(values) != 1:
            raise SettingsError("need_size", field=name)
        size = parse_size(values[0])
        check_range(size, max_params) if name == "min" else check_range(min_params, size)
        return Change({"min_params" if name == "min" else "max_params": size})
    if name == "quantized":
        word = values[0].lower() if len(values) == 1 else ""
        if word not in SKIP + INCLUDE:
            raise SettingsError("bad_quantized")
        return Change({"include_quantized": word in INCLUDE})
    if name == "license":
        classes = [v.lower() for chunk in values for v in chunk.split(",") if v]
        if not classes:
            raise SettingsError("bad_license", valid=LICENSE_CLASSES)
        if len(classes) == 1 and classes[0] in ANY:
            return Change({"license_classes": []})
        wrong = [c for c in classes if c not in LICENSE_CLASSES]
        if wrong:
            raise SettingsError("bad_license", value=" ".join(wrong), valid=LICENSE_CLASSES)
        return Change({"license_classes": [c for c in LICENSE_CLASSES if c in classes]})
    if name == "openness":
        return Change({"openness_levels": parse_openness(values)})
    if name == "weights":
        word = values[0].lower() if len(values) == 1 else ""
        if word not in SKIP + INCLUDE:
            raise SettingsError("bad_weights")
        return Change({"weight_updates": word in INCLUDE})
    if name == "quants":
        word = values[0].lower() if len(values) == 1 else ""
        if word not in SKIP + INCLUDE:
            raise SettingsError("bad_quants")
        return Change({"quant_builds": word in INCLUDE})
    if name == "vram":
        return Change({"vram_gb": parse_vram(values)})
    if name == "digest":
        mode = DIGEST_WORDS.get(values[0].lower()) if len(values) == 1 else None
        if mode is None:
            raise SettingsError("bad_digest")
        return Change({"digest": mode})
    if name == "keywords":
        if not values or (len(values) == 1 and values[0] == "-"):
            return Change({"keywords": []})
        return Change({"keywords": clean_keywords(values)})
    # labs
    if not values:
        raise SettingsError("need_labs")
    if len(values) == 1 and values[0].lower() in ANY:
        return Change({"labs": []})
    labs, unknown = parse_labs(values, watchlist)
    if not labs:
        raise SettingsError("unknown_labs", names=unknown)
    return Change({"labs": [lab.name for lab in labs]}, unknown)


def parse_vram(values: Sequence[str]) -> float | None:
    """Memory in GB as people type it ("24", "24GB", "24 GB", "7,5"); "off" or "any" clears it."""
    text = "".join(values).strip().lower().replace(",", ".")
    if text in SKIP + ANY:
        return None
    number = text.removesuffix("gb").strip()
    try:
        value = float(number)
    except ValueError:
        raise SettingsError("bad_vram", value=" ".join(values)) from None
    if not 0 < value <= MAX_VRAM_GB or value != value:
        raise SettingsError("bad_vram", value=" ".join(values))
    return round(value, 1)


def parse_openness(values: Sequence[str]) -> list[str]:
    """Openness levels typed by a person; `LEVEL+` means that level or more open, `any` clears the filter."""
    words = [v.lower() for chunk in values for v in chunk.split(",") if v]
    if not words:
        raise SettingsError("bad_openness", valid=OPENNESS_LEVELS)
    if len(words) == 1 and words[0] in ANY:
        return []
    chosen: set[str] = set()
    for word in words:
        level = word.removesuffix("+")
        if level not in OPENNESS_LEVELS:
            raise SettingsError("bad_openness", value=word, valid=OPENNESS_LEVELS)
        start = OPENNESS_LEVELS.index(level)
        chosen.update(OPENNESS_LEVELS[start:] if word.endswith("+") else (level,))
    return [level for level in OPENNESS_LEVELS if level in chosen]


def toggled(items: Sequence[str], item: str, order: Sequence[str] = ()) -> list[str]:
    """`items` with `item` added or removed (kept in `order` when given)."""
    chosen = [i for i in items if i != item] if item in items else [*items, item]
    return [i for i in order if i in chosen] + [i for i in chosen if i not in order] if order else chosen
