"""Hybrid-attention decoders: which layers are linear attention, and what a linear-attention layer holds.

Which layers (first match wins):
- `layer_types` (one entry per layer): "linear_attention" is linear; full, sliding and chunked attention are
  ordinary attention; anything else is counted as ordinary attention with a note;
- Kimi-Linear's `linear_attn_config` with `kda_layers` / `full_attn_layers` (1-indexed layer numbers);
- MiniMax-Text-01 / M1 `attn_type_list` (0 = lightning attention, 1 = softmax attention);
- Qwen3-Next `full_attention_interval` (every n-th layer is full attention, the rest Gated DeltaNet).

What a linear-attention layer holds, by mixer (module names as in the reference implementations):
- "gdn", Qwen3-Next Gated DeltaNet: in_proj_qkvz (h -> 2*key_dim + 2*value_dim), in_proj_ba (h -> 2*v_heads),
  a depthwise conv1d over q, k and v (kernel k, no bias), dt_bias and A_log (one per value head), a gated
  RMSNorm over the value head dim, out_proj (value_dim -> h).
- "kda", Kimi Delta Attention: q/k/v projections (h -> heads*d), a depthwise conv1d over the three, the forget
  gate (f_a h -> d, f_b d -> heads*d, dt_bias heads*d, A_log one per head), b_proj (h -> heads), the output
  gate (g_a h -> d, g_b d -> heads*d), a gated RMSNorm over d, o_proj (heads*d -> h).
- "lightning", MiniMax: qkv_proj (h -> 3*heads*d), output_gate (h -> heads*d), an RMSNorm over heads*d,
  out_proj (heads*d -> h).
"""

from __future__ import annotations

from tracker.facts.config_reader import ConfigError, ConfigView

STANDARD_LAYER_TYPES = frozenset({"full_attention", "sliding_attention", "chunked_attention", "attention"})
LINEAR_LAYER_TYPES = frozenset({"linear_attention"})


def layer_kinds(v: ConfigView, layers: int) -> tuple[list[str], bool]:
    """("full" | "linear" per layer, whether some layer type was not understood)."""
    types = v.raw("layer_types")
    if isinstance(types, list) and not (len(types) != layers and set(types) <= STANDARD_LAYER_TYPES):
        # a list of ordinary attention kinds that does not match the layer count changes nothing: ignored
        if len(types) != layers:
            raise ConfigError(f"layer_types has {len(types)} entries for {layers} layers")
        kinds, odd = [], False
        for item in types:
            if item in LINEAR_LAYER_TYPES:
                kinds.append("linear")
            else:
                odd = odd or item not in STANDARD_LAYER_TYPES
                kinds.append("full")
        return kinds, odd
    if (lac := v.sub("linear_attn_config")) is not None and lac.has("kda_layers"):
        kinds = ["full"] * layers
        for number in lac.int_list("kda_layers") or []:
            if not 1 <= number <= layers:
                raise ConfigError(f"kda_layers names layer {number} of {layers}")
            kinds[number - 1] = "linear"
        return kinds, False
    attn_types = v.int_list("attn_type_list")
    if attn_types is not None:
        if len(attn_types) != layers:
            raise ConfigError(f"attn_type_list has {len(attn_types)} entries for {layers} layers")
        return ["linear" if t == 0 else "full" for t in attn_types], False
    interval = v.int("full_attention_interval", None)
    if interval is not None:
        return ["full" if (i + 1) % interval == 0 else "linear" for i in range(layers)], False
    return ["full"] * layers, False


def linear_attention_params(mixer: str, v: ConfigView, hidden: int, heads: int, head_dim: int) -> int:
    """Parameters of one linear-attention layer's token mixer."""
    if mixer == "gdn":
        k_heads, v_heads = v.int("linear_num_key_heads"), v.int("linear_num_value_heads")
        k_dim, v_dim = v.int("linear_key_head_dim"), v.int("linear_value_head_dim")
        kernel = v.int("linear_conv_kernel_dim", 4)
        key, value = k_heads * k_dim, v_heads * v_dim
        in_proj = hidden * (2 * key + 2 * value) + hidden * 2 * v_heads
        conv = (2 * key + value) * kernel
        return in_proj + conv + 2 * v_heads + v_dim + value * hidden
    if mixer == "kda":
        lac = v.sub("linear_attn_config")
        if lac is None:
            raise ConfigError("missing linear_attn_config")
        n, d = lac.int("num_heads", heads), lac.int("head_dim")
        kernel = lac.int("short_conv_kernel_size", 4)
        inner = n * d
        qkv = 3 * hidden * inner + 3 * inner * kernel
        forget = hidden * d + d * inner + inner + n
        gate = hidden * d + d * inner
        return qkv + forget + hidden * n + gate + d + inner * hidden
    if mixer == "lightning":
        inner = heads * head_dim
        return 3 * hidden * inner + hidden * inner + inner + inner * hidden
    raise ConfigError(f"unknown linear-attention mixer {mixer}")
