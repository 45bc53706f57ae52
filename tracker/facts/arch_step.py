"""StepFun Step-3.5 (model_type step3p5), counted from its config module by module.

Full-attention and sliding-window layers (`layer_types`) have their own head counts: the sliding ones take
theirs from `attention_other_setting`; key-value heads are `num_attention_groups`; a head-wise output gate
(`use_head_wise_attn_gate`: one gate per head) and q/k norms join each attention. The MoE layers are listed
in `moe_layers_enum` (a comma-separated string), with routed experts, one shared expert of `share_expert_dim`
and a router with a bias; the others are dense. Each of the `num_nextn_predict_layers` MTP layers is a dense
layer of the kind `layer_types` gives it (the list runs past the decoder), with eh_proj, its norms and an
output head of its own; it shares the input embedding.
"""

from __future__ import annotations

from tracker.facts.arch_counts import ArchCounts
from tracker.facts.config_reader import ConfigError, ConfigView


def _moe_layers(v: ConfigView, layers: int) -> set[int]:
    listed = v.raw("moe_layers_enum")
    if isinstance(listed, str):
        try:
            found = {int(part) for part in listed.split(",") if part.strip()}
        except ValueError:
            raise ConfigError("moe_layers_enum is not a list of layer numbers") from None
        if any(not 0 <= layer < layers for layer in found):
            raise ConfigError(f"moe_layers_enum names a layer outside 0..{layers - 1}")
        return found
    offset, every = v.int("moe_layer_offset", 0, minimum=0), v.int("moe_every_n_layer", 1)
    return {layer for layer in range(offset, layers) if (layer - offset) % every == 0}


def step3p5_counts(v: ConfigView) -> ArchCounts:
    """Total (without MTP), active per token (embedding and head included) and the MTP layers."""
    h, layers, vocab = v.int("hidden_size"), v.int("num_hidden_layers"), v.int("vocab_size")
    mtp_layers = v.int("num_nextn_predict_layers", 0, minimum=0)
    types = v.raw("layer_types")
    if not isinstance(types, list) or len(types) < layers:
        raise ConfigError(f"layer_types needs at least {layers} entries")
    other = v.sub("attention_other_setting")

    def attention(kind: object) -> int:
        setting = other if other is not None and kind == other.text("attention_type") else v
        heads, groups = setting.int("num_attention_heads"), setting.int("num_attention_groups")
        dim = setting.int("head_dim")
        gate = h * heads if v.flag("use_head_wise_attn_gate") else 0
        return 2 * h * heads * dim + 2 * h * groups * dim + gate + (2 * dim if v.flag("use_qk_norm") else 0)

    experts, top_k = v.int("moe_num_experts"), v.int("moe_top_k")
    if top_k > experts:
        raise ConfigError(f"{top_k} experts per token but only {experts} experts")
    expert, dense = 3 * h * v.int("moe_intermediate_size"), 3 * h * v.int("intermediate_size")
    shared = 3 * h * v.int("share_expert_dim", 0, minimum=0)
    router = experts * h + (experts if v.flag("use_moe_router_bias") else 0)
    moe = _moe_layers(v, layers)
    embedding = vocab * h
    total = active = 2 * embedding + h
    for i in range(layers):
        fixed = attention(types[i]) + 2 * h
        if i in moe:
            total += fixed + experts * expert + shared + router
            active += fixed + top_k * expert + shared + router
        else:
            total, active = total + fixed + dense, active + fixed + dense
    mtp = sum(attention(types[layers + j] if layers + j < len(types) else "sliding_attention")
              + dense + 2 * h * h + 5 * h + embedding for j in range(mtp_layers))
    return ArchCounts(total, active, mtp, embedding, embedding, experts)
