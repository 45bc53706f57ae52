"""How each model_type builds its decoder, where it differs from a Llama-style one (a table, not code).

`FAMILIES` maps a config's model_type to a `Family`; `normalise` rewrites the few configs that name their
sizes differently (DBRX's nested attn_config / ffn_config) into the usual keys before counting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Family:
    """How one model_type builds its layers, where it differs from a Llama-style decoder."""

    qkv_bias: bool | None = None  # None: read attention_bias
    o_bias: bool | None = None  # None: read attention_out_bias, else attention_bias
    qk_norm: str = "flag"  # "none" | "head" (one head_dim vector each) | "full" (n*d and kv*d) | "flag"
    mla: bool = False  # DeepSeek multi-head latent attention (the full-attention layers)
    gated_q: bool = False  # Qwen3-Next gated attention: q_proj also yields an output gate (2x wide)
    linear_mixer: str | None = None  # "gdn" (Gated DeltaNet) | "kda" (Kimi Delta) | "lightning" (MiniMax)
    sinks: bool = False  # gpt-oss attention sinks (one per head)
    router_bias: bool = False  # e_score_correction_bias / router bias (one per expert)
    expert_bias: bool = False  # gpt-oss expert biases
    shared_gate: bool = False  # qwen2_moe / qwen3_next shared_expert_gate (hidden -> 1)
    shared_default: int = 0  # shared experts when the config does not say (Llama 4: 1)
    mtp_default: int = 0  # MTP layers a checkpoint ships when the config does not say (Qwen3-Next: 1)
    mtp_own_embeddings: bool = True  # each DeepSeek-style MTP layer stores its own embedding and head copy
    norms_per_layer: int = 2
    norm_bias: bool = False  # LayerNorm with a bias (Phi-MoE): every norm holds 2 vectors
    tied_default: bool = False
    gated_mlp: bool = True
    dense_mlp_key: str = "intermediate_size"
    expert_size_key: str = "moe_intermediate_size"


_QWEN_NEXT = Family(qk_norm="head", gated_q=True, linear_mixer="gdn", shared_gate=True)
_MINIMAX_01 = Family(linear_mixer="lightning", expert_size_key="intermediate_size")

FAMILIES: dict[str, Family] = {
    "qwen2": Family(qkv_bias=True, o_bias=False),
    "qwen2_vl": Family(qkv_bias=True, o_bias=False),
    "qwen2_5_vl": Family(qkv_bias=True, o_bias=False),
    "qwen2_vl_text": Family(qkv_bias=True, o_bias=False),  # as transformers 5 nests them
    "qwen2_5_vl_text": Family(qkv_bias=True, o_bias=False),
    "qwen2_moe": Family(qkv_bias=True, o_bias=False, shared_gate=True),
    "qwen3": Family(qk_norm="head"),
    "qwen3_moe": Family(qk_norm="head"),
    "qwen3_vl_text": Family(qk_norm="head"),
    "qwen3_vl_moe_text": Family(qk_norm="head"),
    "qwen3_omni_moe_text": Family(qk_norm="head"),
    "qwen3_omni_moe_talker_text": Family(qk_norm="head", shared_gate=True),
    "qwen3_omni_moe_talker_code_predictor": Family(qk_norm="head"),
    # Qwen3-Next's config names no MTP layer, yet its checkpoints store one (81.3B on the Hub = 79.7B + 1.65B)
    "qwen3_next": Family(qk_norm="head", gated_q=True, linear_mixer="gdn", shared_gate=True, mtp_default=1),
    "qwen3_5_text": _QWEN_NEXT,
    "qwen3_5_moe_text": _QWEN_NEXT,
    "deepseek_v2": Family(mla=True),
    "deepseek_v3": Family(mla=True, router_bias=True),
    "kimi_k2": Family(mla=True, router_bias=True),
    "kimi_linear": Family(mla=True, linear_mixer="kda", router_bias=True),
    "glm4_moe": Family(o_bias=False, router_bias=True),
    "glm4_moe_lite": Family(mla=True, router_bias=True),  # GLM-4.7-Flash: DeepSeek-style latent attention
    # GLM-5: latent attention with DeepSeek's sparse-attention indexer; its MTP layer shares embedding and head
    "glm_moe_dsa": Family(mla=True, router_bias=True, mtp_own_embeddings=False),
    "deepseek_v32": Family(mla=True, router_bias=True),
    "hy_v3": Family(qk_norm="head", router_bias=True, mtp_own_embeddings=False),  # Tencent Hy3
    "glm4v_moe_text": Family(o_bias=False, router_bias=True),
    "gpt_oss": Family(sinks=True, router_bias=True, expert_bias=True, expert_size_key="intermediate_size"),
    "mixtral": Family(expert_size_key="intermediate_size"),
    "minimax": _MINIMAX_01,
    "minimax_m1": _MINIMAX_01,
    "minimax_text_01": _MINIMAX_01,
    "minimax_m2": Family(qk_norm="full", expert_size_key="intermediate_size"),
    "llama4_text": Family(
        qk_norm="none",
        shared_default=1,
        dense_mlp_key="intermediate_size_mlp",
        expert_size_key="intermediate_size",
    ),
    "hunyuan_v1_moe": Family(),
    "hunyuan_v1_dense": Family(),
    "ernie4_5": Family(qkv_bias=None, tied_default=True),
    "ernie4_5_moe": Family(),
    "ernie4_5_vl_moe_text": Family(router_bias=True, tied_default=True),
    "gemma": Family(tied_default=True),
    "gemma2": Family(tied_default=True, norms_per_layer=4),
    "gemma3_text": Family(tied_default=True, norms_per_layer=4, qk_norm="head"),
    "gemma3": Family(tied_default=True, norms_per_layer=4, qk_norm="head"),
    "olmo2": Family(qk_norm="full"),
    "olmoe": Family(qk_norm="full", expert_size_key="intermediate_size"),
    "granitemoe": Family(expert_size_key="intermediate_size"),
    "granitemoeshared": Family(expert_size_key="intermediate_size"),
    "phimoe": Family(norm_bias=True, expert_size_key="intermediate_size"),
    "dbrx": Family(expert_size_key="intermediate_size"),
    "seed_oss": Family(),
}

FAMILIES["llama4"] = FAMILIES["llama4_text"]  # when text_config omits its own model_type
FAMILIES["kimi_k25"] = FAMILIES["kimi_k2"]  # Kimi-K2.5 configs flattened to one level

# DBRX names its sizes its own way: (standard key, where DBRX keeps it)
_DBRX_KEYS = (
    ("hidden_size", ("d_model",)),
    ("num_hidden_layers", ("n_layers",)),
    ("num_attention_heads", ("n_heads",)),
    ("num_key_value_heads", ("attn_config", "kv_n_heads")),
    ("num_local_experts", ("ffn_config", "moe_num_experts")),
    ("num_experts_per_tok", ("ffn_config", "moe_top_k")),
    ("intermediate_size", ("ffn_config", "ffn_hidden_size")),
)


def normalise(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The config with family-specific key names rewritten to the usual ones (a copy; unchanged otherwise)."""
    if str(config.get("model_type", "")).lower() != "dbrx":
        return config
    out = dict(config)
    for key, path in _DBRX_KEYS:
        value: Any = config
        for part in path:
            value = value.get(part) if isinstance(value, Mapping) else None
        if value is not None and key not in out:
            out[key] = value
    return out
