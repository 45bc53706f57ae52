"""Fits on: the smallest common hardware set-up that holds a model's weights, with KV-cache headroom. Pure.

The set-ups live in tracker/data/setups.toml (a maintainer edits them), read once on first use.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

FOUR_BIT_BYTES = 0.5  # bytes per parameter at 4-bit, as memory_4bit_gb counts it
# What Fit.as_dict shows: weights_gb, set-up id, set-up name, headroom_gb, headroom_tokens.
FitValues = tuple[float, str | None, str | None, float | None, int | None]


@dataclass(frozen=True)
class Setup:
    """One hardware set-up from setups.toml."""

    id: str
    name: str
    memory_gb: float
    usable_gb: float
    names: tuple[tuple[str, str], ...] = ()  # (language, name) from `name_<lang>`, e.g. ("it", "8 GPU da 80 GB")


@dataclass(frozen=True)
class Room:
    """What the KV-cache headroom holds for a model with a known context: `sequences` full-length sequences,
    or, when not even one fits, `tokens` of context (never more than `context`)."""

    context: int
    sequences: int
    tokens: int


@dataclass(frozen=True)
class Fit:
    """The smallest set-up holding `weights_gb`, and the memory left for the KV cache (None: nothing fits),
    also as tokens of context at BF16 when the model's KV cache per token is known."""

    weights_gb: float
    setup: Setup | None
    headroom_gb: float | None
    headroom_tokens: int | None = None

    def room(self, context: int | None) -> Room | None:
        """The headroom in terms of the model's context (None when the context or the KV size is unknown)."""
        if not context or context <= 0 or self.headroom_tokens is None:
            return None
        return Room(context, self.headroom_tokens // context, min(self.headroom_tokens, context))

    def as_dict(self) -> dict[str, Any]:
        return _fit_dict(_values((self.weights_gb, self.setup, self.headroom_gb, self.headroom_tokens)))


@dataclass(frozen=True)
class FitsOn:
    """Fits on, as shipped and at 4-bit."""

    shipped: Fit | None
    four_bit: Fit | None

    def as_dict(self) -> dict[str, Any]:
        return {"as_shipped": self.shipped.as_dict() if self.shipped else None,
                "4bit": self.four_bit.as_dict() if self.four_bit else None}


def fit_values_dict(values: tuple[FitValues | None, FitValues | None]) -> dict[str, Any]:
    """FitsOn.as_dict() of what fit_values gives."""
    shipped, four = values
    return {"as_shipped": _fit_dict(shipped) if shipped else None, "4bit": _fit_dict(four) if four else None}


def _fit_dict(values: FitValues) -> dict[str, Any]:
    weights_gb, setup_id, setup_name, headroom_gb, tokens = values
    return {"weights_gb": weights_gb, "setup": setup_id, "setup_name": setup_name, "kv_headroom_gb": headroom_gb,
            "kv_headroom_tokens": tokens}


def parse_setups(text: str) -> tuple[tuple[Setup, ...], float]:
    """Set-ups and the KV headroom fraction from the TOML text; ValueError when malformed."""
    data = tomllib.loads(text)
    headroom = float(data.get("kv_headroom", 0.1))
    if not 0 <= headroom < 1:
        raise ValueError("kv_headroom must be between 0 and 1")
    setups = []
    for entry in data.get("setup", []):
        memory = float(entry["memory_gb"])
        usable = float(entry.get("usable_gb", memory))
        if memory <= 0 or not 0 < usable <= memory:
            raise ValueError(f"set-up {entry.get('id')!r}: memory_gb and usable_gb must be positive")
        names = tuple((key.removeprefix("name_"), str(value)) for key, value in entry.items()
                      if key.startswith("name_"))
        setups.append(Setup(str(entry["id"]), str(entry["name"]), memory, usable, names))
    return tuple(sorted(setups, key=lambda s: s.usable_gb)), headroom


@cache
def setup_table() -> tuple[tuple[Setup, ...], float]:
    """The packaged set-ups (tracker/data/setups.toml)."""
    return parse_setups(resources.files("tracker").joinpath("data", "setups.toml").read_text(encoding="utf-8"))


def smallest_fit(weights_bytes: int, setups: tuple[Setup, ...], headroom: float,
                 kv_bytes_per_token: int | None = None) -> Fit:
    """The smallest set-up whose usable memory holds the weights with `headroom` of it left over."""
    weights_gb, setup, headroom_gb, tokens = _smallest(weights_bytes, setups, headroom, kv_bytes_per_token)
    return Fit(weights_gb, setup, headroom_gb, tokens)


def _smallest(weights_bytes: int, setups: tuple[Setup, ...], headroom: float, kv_bytes_per_token: int | None
              ) -> tuple[float, Setup | None, float | None, int | None]:
    gb = weights_bytes / 1e9
    for setup in setups:
        if gb <= setup.usable_gb * (1 - headroom):
            left = setup.usable_gb - gb
            tokens = int(left * 1e9 // kv_bytes_per_token) if kv_bytes_per_token else None
            return round(gb, 1), setup, round(left, 1), tokens
    return round(gb, 1), None, None, None


def _sizes(weights_bytes: int | None, params_total: int | None) -> tuple[int | None, int | None]:
    """The bytes of the weights as shipped and at 4-bit (never more than as shipped); None when unknown."""
    four = int(params_total * FOUR_BIT_BYTES) if params_total else None
    if four is not None and weights_bytes:
        four = min(four, weights_bytes)
    return weights_bytes or None, four or None


def fits_on(weights_bytes: int | None, params_total: int | None,
            table: tuple[tuple[Setup, ...], float] | None = None, kv_bytes_per_token: int | None = None) -> FitsOn:
    """Where the weights as shipped fit, and where they fit at 4-bit (never more than as shipped); the KV
    headroom in tokens when `kv_bytes_per_token` is known (the cache stays BF16 at 4-bit too)."""
    setups, headroom = table or setup_table()
    shipped, four = _sizes(weights_bytes, params_total)
    return FitsOn(smallest_fit(shipped, setups, headroom, kv_bytes_per_token) if shipped else None,
                  smallest_fit(four, setups, headroom, kv_bytes_per_token) if four else None)


def fit_values(weights_bytes: int | None, params_total: int | None, kv_bytes_per_token: int | None = None
               ) -> tuple[FitValues | None, FitValues | None]:
    """What fits_on(...).as_dict() shows, as plain tuples (weights_gb, set-up id, set-up name, headroom_gb,
    headroom_tokens) as shipped and at 4-bit: for a bulk output that remembers its text by them (building
    and hashing the dataclasses cost more than the rest of a CSV row's fits)."""
    setups, headroom = setup_table()
    shipped, four = _sizes(weights_bytes, params_total)
    return (None if shipped is None else _values(_smallest(shipped, setups, headroom, kv_bytes_per_token)),
            None if four is None else _values(_smallest(four, setups, headroom, kv_bytes_per_token)))


def _values(fit: tuple[float, Setup | None, float | None, int | None]) -> FitValues:
    weights_gb, setup, headroom_gb, tokens = fit
    return (weights_gb, None, None, headroom_gb, tokens) if setup is None else (
        weights_gb, setup.id, setup.name, headroom_gb, tokens)
