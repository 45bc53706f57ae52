"""Parameter counts written as text: model names ("235B-A22B", "8x7B", "17B-16E"), CLI values, display."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_UNITS = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
_NUM = r"(\d+(?:\.\d+)?|\.\d+)"

_PLAIN = re.compile(rf"{_NUM}(?:e(\d{{1,3}}))?\s*([kmbt]?)(?:\s*(?:params|parameters))?")
_EXPERTS = re.compile(rf"(\d+)\s*x\s*{_NUM}\s*([kmbt])")
_TOTAL_ACTIVE = re.compile(rf"{_NUM}\s*([kmbt])[-_ ]a{_NUM}\s*([kmbt])")

# Tokens of a repo name (split on "-" and "_"), matched case-insensitively.
_TOKEN_SIZE = re.compile(rf"{_NUM}([mbt])")
_TOKEN_ACTIVE = re.compile(rf"a{_NUM}([mb])")
_TOKEN_EXPERT_GRID = re.compile(rf"(\d+)x{_NUM}([mb])")
_TOKEN_EXPERT_COUNT = re.compile(r"(\d+)e")


@dataclass(frozen=True)
class NameHint:
    """What a repo name says about size: "Qwen3-235B-A22B" -> total 235B, active 22B.

    `experts`/`expert_size` come from "8x7B" (8 experts of 7B) or "17B-16E" (16 experts; 17B is then the
    active count, Meta's convention). Two sizes in a row, the smaller first ("OLMoE-1B-7B"), are active then
    total (AI2's convention). `text` is the size part of the name as written, for notes.
    """

    total: int | None = None
    active: int | None = None
    experts: int | None = None
    expert_size: int | None = None
    text: str = ""
    active_text: str = ""


def _scaled(number: str, unit: str, exponent: str | None = None) -> int | None:
    try:
        value = Decimal(number) * _UNITS[unit.lower()]
        if exponent:
            value *= Decimal(10) ** int(exponent)
    except (InvalidOperation, KeyError, ValueError):
        return None
    if not value.is_finite() or value < 0:
        return None
    return int(value)


def parse_param_count(text: str) -> int | None:
    """Parse "7B", "1.5b", "500M", "1T", "235B-A22B" (the total), "8x7B", "123" into a count, else None."""
    if not isinstance(text, str) or len(text) > 100:
        return None
    clean = text.strip().lower().replace(",", "").replace("_", "")
    if match := _PLAIN.fullmatch(clean):
        return _scaled(match.group(1), match.group(3), match.group(2))
    if match := _TOTAL_ACTIVE.fullmatch(clean):
        return _scaled(match.group(1), match.group(2))
    if match := _EXPERTS.fullmatch(clean):
        size = _scaled(match.group(2), match.group(3))
        return None if size is None else int(match.group(1)) * size
    return None


def format_params(n: int | None) -> str:
    """671_000_000_000 -> "671B", 30_532_122_624 -> "30.5B", 10**12 -> "1T", 596_000_000 -> "596M"."""
    if n is None or isinstance(n, bool) or not isinstance(n, int):
        return "?"
    if n < 0:
        return "-" + format_params(-n)
    for unit, size in (("T", 10**12), ("B", 10**9), ("M", 10**6), ("K", 10**3)):
        if n >= size * 0.9995:  # 999.96B reads "1T", not "1000B"
            value = n / size
            text = f"{value:.0f}" if value >= 99.95 else f"{value:.1f}".removesuffix(".0")
            return f"{text}{unit}"
    return str(n)


def name_param_hint(repo_id: str) -> NameHint | None:
    """Read size tokens from a repo name; None when the name carries none."""
    if not isinstance(repo_id, str):
        return None
    name = repo_id.rsplit("/", 1)[-1]
    total = active = experts = expert_size = None
    text = active_text = ""
    previous = ""
    for token in re.split(r"[-_ ]", name):
        low, before, previous = token.lower(), previous, token
        if total is None and (m := _TOKEN_SIZE.fullmatch(low)):
            total, text = _scaled(m.group(1), m.group(2)), token
        elif active is None and experts is None and before == text and (m := _TOKEN_SIZE.fullmatch(low)):
            second = _scaled(m.group(1), m.group(2))
            if second is not None and second > total:  # "OLMoE-1B-7B": active first, then total
                active, active_text, total, text = total, text, second, token
        elif active is None and (m := _TOKEN_ACTIVE.fullmatch(low)):
            active, active_text = _scaled(m.group(1), m.group(2)), token
        elif experts is None and (m := _TOKEN_EXPERT_GRID.fullmatch(low)):
            experts, expert_size, text = int(m.group(1)), _scaled(m.group(2), m.group(3)), token
        elif experts is None and total is not None and (m := _TOKEN_EXPERT_COUNT.fullmatch(low)):
            # "17B-16E": the number before the expert count is the active size (Llama 4 naming)
            experts = int(m.group(1))
            if active is None:
                active, active_text, total = total, text, None
                text = ""
    if total is None and active is None and experts is None:
        return None
    return NameHint(total, active, experts, expert_size, text, active_text)
