"""KV cache per token of context: how many bytes each further token costs in memory. Pure.

It turns "N GB left over" into "room for about N tokens of context" (tracker.facts.fits). Counted at BF16
(2 bytes per cached value, what inference engines keep by default), for one sequence:
- ordinary attention: keys and values, 2 x num_key_value_heads x head_dim per layer;
- MLA (DeepSeek-V3, Kimi): the compressed latent and the RoPE key, kv_lora_rank + qk_rope_head_dim per layer;
- only layers whose cache grows with the context count: linear-attention layers (Gated DeltaNet, KDA,
  lightning) keep a fixed-size state, sliding-window and chunked layers a bounded one, and Hunyuan's
  cross-layer attention (CLA) shares one cache among `cla_share_factor` layers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.facts.arch_families import normalise
from tracker.facts.arch_hybrid import layer_kinds
from tracker.facts.config_reader import MAX_LAYERS, ConfigError, text_view

BYTES_PER_VALUE = 2  # BF16
_BOUNDED_LAYER_TYPES = frozenset({"sliding_attention", "chunked_attention"})
# Caches these formulas would get wrong (no figure beats a wrong one): DeepSeek-V4 compresses its shared
# key-value vectors 4x or 128x per layer and keeps uncompressed ones only in a sliding window (13x too high);
# Gemma 4's global layers cache their own head size and key-value heads, keys doubling as values; MiMo-V2's
# sliding and full layers differ in heads and its values are narrower than its keys.
_UNMODELLED = frozenset({"deepseek_v4", "gemma4_text", "mimo_v2_flash"})


def kv_bytes_per_token(config: Any) -> int | None:
    """BF16 bytes of KV cache each token of context adds; None when the config does not say enough."""
    if not isinstance(config, Mapping):
        return None
    try:
        return _per_token(config)
    except (ConfigError, TypeError, ValueError, ZeroDivisionError):
        return None


def _per_token(config: Mapping[str, Any]) -> int | None:
    v = text_view(normalise(config))
    if v.model_type in _UNMODELLED:
        return None
    layers = v.first_int(("num_hidden_layers", "n_layers", "num_layers"))
    if layers > MAX_LAYERS:
        return None
    if v.has("kv_lora_rank"):
        per_layer = v.int("kv_lora_rank") + v.int("qk_rope_head_dim", 0, minimum=0)
    else:
        heads = v.first_int(("num_attention_heads", "n_head", "num_heads"))
        kv_heads = v.first_int(("num_key_value_heads", "num_kv_heads", "num_attention_groups"), heads)
        head_dim = v.int("head_dim", v.first_int(("hidden_size", "d_model", "n_embd")) // heads)
        per_layer = 2 * kv_heads * head_dim
    kinds, _odd = layer_kinds(v, layers)
    types = v.raw("layer_types")  # Step-3.5's list runs on over its MTP layers: the first `layers` are the model
    bounded = ({i for i, kind in enumerate(types[:layers]) if kind in _BOUNDED_LAYER_TYPES}
               if isinstance(types, list) and len(types) >= layers else set())
    share = v.int("cla_share_factor", 1) if v.flag("use_cla") else 1
    growing = sum(1 for i, kind in enumerate(kinds) if kind == "full" and i not in bounded and i % share == 0)
    return growing * per_layer * BYTES_PER_VALUE or None
