"""Xiaomi MiMo-V2 (model_type mimo_v2_flash), counted from its config module by module.

Full-attention and sliding-window layers alternate by `hybrid_layer_pattern` (1: sliding window), each kind
with its own head counts (`swa_*` keys for the sliding ones); queries and keys use `head_dim`, values and the
output `v_head_dim`; sliding layers may carry one attention-sink bias per head. `moe_layer_freq` is a
per-layer list (0: a dense MLP). The checkpoints store `num_nextn_predict_layers` multi-token-prediction
layers (3 when the config does not say), each a dense sliding-window layer with eh_proj and its norms,
sharing the model's embedding and head.
"""

from __future__ import annotations

from tracker.facts.arch_counts import ArchCounts
from tracker.facts.config_reader import ConfigError, ConfigView

_MTP_DEFAULT = 3  # MiMo-V2-Flash: 309.8B stored = 308.78B + three dense sliding-window MTP layers


def _per_layer(v: ConfigView, key: str, layers: int) -> list[int]:
    values = v.int_list(key)
    if values is None or len(values) != layers:
        raise ConfigError(f"{key} needs {layers} entries")
    return values


def mimo_counts(v: ConfigView) -> ArchCounts:
    """Total (without MTP), active per token (embedding and head included) and the MTP layers."""
    h, layers = v.int("hidden_size"), v.int("num_hidden_layers")
    sliding = _per_layer(v, "hybrid_layer_pattern", layers)
    moe = _per_layer(v, "moe_layer_freq", layers)
    value_dim = v.int("v_head_dim", v.int("head_dim"))

    def attention(is_sliding: bool) -> int:
        prefix = "swa_" if is_sliding else ""
        heads, kv = v.int(f"{prefix}num_attention_heads"), v.int(f"{prefix}num_key_value_heads")
        dim, v_dim = v.int(f"{prefix}head_dim"), v.int(f"{prefix}v_head_dim", value_dim)
        sinks = heads if is_sliding and v.flag("add_swa_attention_sink_bias") else 0
        sinks += heads if not is_sliding and v.flag("add_full_attention_sink_bias") else 0
        return h * heads * dim + h * kv * dim + h * kv * v_dim + heads * v_dim * h + sinks

    experts, top_k = v.int("n_routed_experts"), v.int("num_experts_per_tok")
    if top_k > experts:
        raise ConfigError(f"{top_k} experts per token but only {experts} experts")
    expert, dense = 3 * h * v.int("moe_intermediate_size"), 3 * h * v.int("intermediate_size")
    router = experts * h + experts  # with the score-correction bias
    embedding = v.int("vocab_size") * h
    total = active = 2 * embedding + h
    for i in range(layers):
        fixed = attention(bool(sliding[i])) + 2 * h
        if moe[i]:
            total, active = total + fixed + experts * expert + router, active + fixed + top_k * expert + router
        else:
            total, active = total + fixed + dense, active + fixed + dense
    mtp_layer = attention(True) + dense + 2 * h * h + 5 * h
    mtp = v.int("num_nextn_predict_layers", _MTP_DEFAULT, minimum=0) * mtp_layer
    return ArchCounts(total, active, mtp, embedding, embedding, experts)
