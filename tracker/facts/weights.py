"""What it takes to run a model: the size of its weights as shipped, and its context length. Pure.

- weights_bytes: the safetensors dtype breakdown times each dtype's storage size (FP8 one byte, BF16 two,
  F32 four, I8/U8 one), else the size of the GGUF files when the listing gives sizes. One exception: for
  MXFP4 checkpoints (gpt-oss) the Hub counts the two 4-bit values packed in each U8 byte, so U8 counts
  half a byte there.
- context_length: `max_position_embeddings` (or another key a family uses for it), or that times the RoPE
  scaling factor (`rope_scaling`, or transformers 5's `rope_parameters`) when the config states the original
  window and the scaled one is not written out (YaRN, dynamic, linear); else GGUF metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from tracker.facts.config_reader import text_view

# Bytes per element of each safetensors dtype (https://github.com/huggingface/safetensors, Dtype).
DTYPE_BYTES: dict[str, float] = {
    "F64": 8, "I64": 8, "U64": 8,
    "F32": 4, "I32": 4, "U32": 4,
    "BF16": 2, "F16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "I8": 1, "U8": 1, "BOOL": 1,
    "F6_E2M3": 0.75, "F6_E3M2": 0.75, "F4": 0.5, "I4": 0.5, "U4": 0.5,
}
# Where configs state the context window: most; ChatGLM; Kimi-Linear (model_max_length only); DBRX.
_WINDOW_KEYS = ("max_position_embeddings", "seq_length", "model_max_length", "max_seq_len")
_SCALED_ROPE = ("yarn", "dynamic", "linear", "longrope", "su")
_GGUF_SHARD = re.compile(r"-\d{5}-of-\d{5}\.gguf$", re.IGNORECASE)
MAX_CONTEXT = 10**9


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def safetensors_bytes(safetensors: Any, quant_method: str | None = None) -> int | None:
    """Bytes of the safetensors weights from the Hub's per-dtype parameter counts; None if any dtype is
    unknown (a wrong size is worse than none)."""
    sizes = dict(DTYPE_BYTES, U8=0.5) if str(quant_method or "").lower() == "mxfp4" else DTYPE_BYTES
    params = safetensors.get("parameters") if isinstance(safetensors, Mapping) else None
    if not isinstance(params, Mapping) or not params:
        return None
    total = 0.0
    for dtype, count in params.items():
        size = sizes.get(str(dtype).upper())
        if size is None or (n := _count(count)) is None:
            return None
        total += n * size
    return int(total) or None


def gguf_bytes(files: Any) -> int | None:
    """The largest GGUF variant in a repo of several (`{filename: size}`; split shards summed)."""
    if not isinstance(files, Mapping):
        return None
    variants: dict[str, int] = {}
    for name, size in files.items():
        if not isinstance(name, str) or not name.lower().endswith(".gguf") or (n := _count(size)) is None:
            continue
        key = _GGUF_SHARD.sub("", name)
        variants[key] = variants.get(key, 0) + n
    return max(variants.values(), default=None)


def weights_bytes(safetensors: Any, weight_files: Any = None, config: Any = None) -> tuple[int | None, str | None]:
    """(bytes, source) of the weights as shipped: "safetensors" or "gguf"."""
    quant = config.get("quantization_config") if isinstance(config, Mapping) else None
    method = quant.get("quant_method") if isinstance(quant, Mapping) else None
    if (size := safetensors_bytes(safetensors, method if isinstance(method, str) else None)) is not None:
        return size, "safetensors"
    if (size := gguf_bytes(weight_files)) is not None:
        return size, "gguf"
    return None, None


def _factor(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 1 < value <= 1024:
        return None
    return float(value)


def context_length(config: Any, gguf: Any = None) -> int | None:
    """The longest context the model is configured for, in tokens."""
    if isinstance(config, Mapping):
        text = text_view(config)
        window = next((n for key in _WINDOW_KEYS if (n := _count(text.raw(key))) is not None), None)
        if window is not None and window <= MAX_CONTEXT:
            # transformers 5 saves rope_scaling (and rope_theta) as rope_parameters
            return _scaled(window, text.raw("rope_scaling") or text.raw("rope_parameters"))
    if isinstance(gguf, Mapping) and (n := _count(gguf.get("context_length"))) and n <= MAX_CONTEXT:
        return n
    return None


def _scaled(window: int, rope: Any) -> int:
    """`window` unless the config gives the original window as `window` and a scaling factor on top."""
    if not isinstance(rope, Mapping):
        return window
    kind = str(rope.get("rope_type") or rope.get("type") or "").lower()
    factor = _factor(rope.get("factor"))
    original = _count(rope.get("original_max_position_embeddings"))
    if kind in _SCALED_ROPE and factor and original == window:
        return min(int(window * factor), MAX_CONTEXT)
    return window
