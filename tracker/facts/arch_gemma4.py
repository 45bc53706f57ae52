"""Gemma 4's language model (model_type gemma4_text), counted from its config module by module.

Its decoder differs from a Llama-style one in ways no family switch covers:
- global (`full_attention`) layers have their own head size (`global_head_dim`) and key-value head count
  (`num_global_key_value_heads`) and, with `attention_k_eq_v`, no value projection; every attention has
  q and k norms of its head size (the v norm has no weight);
- four norms and a one-value layer scalar per layer; the embedding is tied;
- with `enable_moe_block`, a routed MoE (`num_experts`, `top_k_experts`, `moe_intermediate_size`; a router
  with a per-hidden scale and a per-expert scale; three more norms) runs beside the dense MLP;
- small models add per-layer input embeddings (`hidden_size_per_layer_input`) and share the keys and values
  of their last `num_kv_shared_layers` layers.
Keys a config leaves out make the global layers like the others. The vision tower is counted by
`tracker.facts.arch_vision`. The counts reproduce gemma-4-31B's and gemma-4-26B-A4B's checkpoint listings.
"""

from __future__ import annotations

from tracker.facts.arch_counts import ArchCounts
from tracker.facts.config_reader import ConfigError, ConfigView


def gemma4_text_counts(v: ConfigView) -> ArchCounts:
    """Total and per-token active parameters of the language model (tied embedding counted once)."""
    h, layers, heads = v.int("hidden_size"), v.int("num_hidden_layers"), v.int("num_attention_heads")
    kv, head_dim = v.int("num_key_value_heads", heads), v.int("head_dim", h // heads)
    global_kv = v.int("num_global_key_value_heads", kv)
    global_dim = v.int("global_head_dim", head_dim)
    k_eq_v = v.flag("attention_k_eq_v")
    types = v.raw("layer_types")
    if types is not None and (not isinstance(types, list) or len(types) != layers):
        raise ConfigError(f"layer_types does not have {layers} entries")
    per_layer_input = v.int("hidden_size_per_layer_input", 0, minimum=0)
    shared_from = layers - v.int("num_kv_shared_layers", 0, minimum=0)
    mlp = 3 * h * v.int("intermediate_size")
    experts = top_k = expert = router = 0
    if v.flag("enable_moe_block"):
        experts, top_k = v.int("num_experts"), v.int("top_k_experts")
        if top_k > experts:
            raise ConfigError(f"{top_k} experts per token but only {experts} experts")
        expert = 3 * h * v.int("moe_intermediate_size")
        router = experts * h + h + experts + 3 * h  # projection, scale, per-expert scale; three more norms
    embedding = v.int("vocab_size") * h
    total = active = embedding + h
    for i in range(layers):
        is_global = bool(types) and types[i] == "full_attention"
        dim, kv_heads = (global_dim, global_kv) if is_global else (head_dim, kv)
        attention = 2 * h * heads * dim + dim  # q and o projections, q norm
        if i < shared_from:
            attention += h * kv_heads * dim * (1 if is_global and k_eq_v else 2) + dim  # k (and v), k norm
        fixed = attention + mlp + 4 * h + 1 + (2 * h * per_layer_input + h if per_layer_input else 0)
        total += fixed + experts * expert + router
        active += fixed + top_k * expert + router
    if per_layer_input:
        table = v.int("vocab_size_per_layer_input", v.int("vocab_size")) * layers * per_layer_input
        extra = table + h * layers * per_layer_input + per_layer_input
        total, active = total + extra, active + extra
    return ArchCounts(total, active, 0, embedding, 0, experts or None)
