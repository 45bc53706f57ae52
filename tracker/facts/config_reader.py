"""A strict, typed view of a config.json: every number is checked, nothing is guessed silently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_LAYERS = 4096  # more layers than this is not a real model; refusing it also bounds the work
MAX_DIM = 10**8

_MISSING: Any = object()
_NESTED_TEXT_KEYS = ("text_config", "language_config", "llm_config", "thinker_config")


class ConfigError(ValueError):
    """The config cannot be read as a transformer; the message says why in a few words."""


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class ConfigView:
    """Typed access to one config dict, falling back to a parent dict (the outer config of a nested one)."""

    def __init__(self, data: Mapping[str, Any], parent: Mapping[str, Any] | None = None) -> None:
        self.data = data
        self.parent = parent or {}

    def raw(self, key: str) -> Any:
        """The value under `key` (own dict first, then the parent), None when absent or null."""
        value = self.data.get(key)
        if value is None:
            value = self.parent.get(key)
        return value

    def has(self, key: str) -> bool:
        return self.raw(key) is not None

    @property
    def model_type(self) -> str:
        value = self.data.get("model_type")
        if not isinstance(value, str):
            value = self.parent.get("model_type")
        return value.lower() if isinstance(value, str) else ""

    def _check_int(self, key: str, value: Any, minimum: int) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} is {_short(value)}, expected an integer")
        if value < minimum or value > MAX_DIM:
            raise ConfigError(f"{key} is {value}, out of range")
        return value

    def int(self, key: str, default: Any = _MISSING, *, minimum: int = 1) -> int:
        """An integer >= minimum; `default` when absent; ConfigError when missing or malformed."""
        value = self.raw(key)
        if value is None:
            if default is _MISSING:
                raise ConfigError(f"missing {key}")
            return default
        return self._check_int(key, value, minimum)

    def number(self, key: str) -> float:
        """A positive finite number (a ratio such as mlp_ratio); ConfigError when missing or malformed."""
        value = self.raw(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_DIM:
            raise ConfigError(f"{key} is {_short(value)}, expected a positive number")
        return float(value)

    def first_int(self, keys: tuple[str, ...], default: Any = _MISSING, *, minimum: int = 1) -> int:
        """The first of `keys` that is present."""
        for key in keys:
            if self.has(key):
                return self.int(key, minimum=minimum)
        if default is _MISSING:
            raise ConfigError(f"missing {keys[0]}")
        return default

    def layer_int(
        self, key: str, layer: int, n_layers: int, default: Any = _MISSING, *, minimum: int = 1
    ) -> int:
        """An integer that may be given per layer as a list (Hunyuan's moe_topk, num_shared_expert...)."""
        value = self.raw(key)
        if isinstance(value, list):
            if len(value) == 1:
                value = value[0]
            elif len(value) == n_layers:
                value = value[layer]
            else:
                raise ConfigError(f"{key} has {len(value)} entries for {n_layers} layers")
            return self._check_int(key, value, minimum)
        return self.int(key, default, minimum=minimum)

    def flag(self, key: str, default: bool = False) -> bool:
        """A boolean switch; 0/1 accepted, anything else is an error."""
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise ConfigError(f"{key} is {_short(value)}, expected true/false")

    def int_list(self, key: str) -> list[int] | None:
        """A list of integers (layer indices), None when absent."""
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, list):
            raise ConfigError(f"{key} is {_short(value)}, expected a list")
        return [self._check_int(key, item, 0) for item in value]

    def text(self, key: str) -> str:
        value = self.raw(key)
        return value.lower() if isinstance(value, str) else ""

    def sub(self, key: str) -> ConfigView | None:
        """The nested object under `key` as a view of its own (no parent), None when absent."""
        value = self.raw(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key} is {_short(value)}, expected an object")
        return ConfigView(value)


def text_view(config: Any) -> ConfigView:
    """The view of the language model inside `config` (looking into text_config & co.)."""
    if not isinstance(config, Mapping):
        raise ConfigError(f"config is {type(config).__name__}, expected an object")
    for key in _NESTED_TEXT_KEYS:
        inner = config.get(key)
        if isinstance(inner, Mapping) and ("hidden_size" in inner or "num_hidden_layers" in inner):
            return ConfigView(inner, config)
        text = inner.get("text_config") if isinstance(inner, Mapping) else None
        if isinstance(text, Mapping) and ("hidden_size" in text or "num_hidden_layers" in text):
            # omni models: thinker_config.text_config; the parent is the thinker over the outer config
            return ConfigView(text, {**config, **inner})
    return ConfigView(config)
