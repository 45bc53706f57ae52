"""DeepSeek-V4 (model_type deepseek_v4), counted from its config module by module.

Its layers share little with a Llama-style decoder, so it has a counter of its own:
- attention: a low-rank query (wq_a, q_norm, wq_b), one key-value head shared by every query head (wkv,
  kv_norm), a grouped low-rank output (wo_a over `o_groups`, wo_b) and one attention sink per head;
- a compressor per layer by `compress_ratios[i]`: none (0), the compressed sparse attention (4: key-value
  and gate projections of twice the head size, positional terms, a norm, and the lightning indexer with a
  compressor of its own, queries from the q latent and per-head weights), or the heavily compressed one
  (any other ratio: projections of the head size);
- manifold hyper-connections around attention and MLP (`hc_mult` streams) and on the output;
- MoE in every layer: routed experts, shared experts, a router and its bias (the first `num_hash_layers`
  route by a token table instead of a bias; the table is a lookup, not a parameter);
- MTP: one block per `num_nextn_predict_layers`, built like a decoder layer with the compress ratio that
  follows the last layer, plus e_proj, h_proj, three norms and its own hyper-connection head; it shares the
  model's embedding and head.

The shapes follow the reference implementation; the counts reproduce the DeepSeek-V4-Flash checkpoint's
tensor listing element for element (tests/data/configs/HAND_COUNTS.md).
"""

from __future__ import annotations

from tracker.facts.arch_counts import ArchCounts
from tracker.facts.config_reader import ConfigError, ConfigView

_CSA_RATIO = 4  # compressed sparse attention: the ratio whose layers carry the lightning indexer


def _compressor(v: ConfigView, ratio: int, h: int, d: int, q_lora: int) -> int:
    if ratio == 0:
        return 0
    if ratio != _CSA_RATIO:
        return 2 * h * d + ratio * d + d
    heads, dim = v.int("index_n_heads"), v.int("index_head_dim")
    compressor = 2 * h * 2 * d + ratio * 2 * d + d
    indexer = 2 * h * 2 * dim + ratio * 2 * dim + dim + q_lora * heads * dim + h * heads
    return compressor + indexer


def deepseek_v4_counts(v: ConfigView) -> ArchCounts:
    """Total (without MTP), active per token (embedding and head included), MTP and the embedding sizes."""
    h, n, d = v.int("hidden_size"), v.int("num_attention_heads"), v.int("head_dim")
    q_lora, groups, o_lora = v.int("q_lora_rank"), v.int("o_groups"), v.int("o_lora_rank")
    layers, streams = v.int("num_hidden_layers"), v.int("hc_mult")
    experts, top_k = v.int("n_routed_experts"), v.int("num_experts_per_tok")
    shared, hashed = v.int("n_shared_experts", 0, minimum=0), v.int("num_hash_layers", 0, minimum=0)
    mtp_layers = v.int("num_nextn_predict_layers", 0, minimum=0)
    ratios = v.int_list("compress_ratios") or []
    if len(ratios) < layers:
        raise ConfigError(f"compress_ratios has {len(ratios)} entries for {layers} layers")
    if top_k > experts or (n * d) % groups:
        raise ConfigError("num_experts_per_tok or o_groups does not fit the model")
    attention = (h * q_lora + q_lora + q_lora * n * d + h * d + d + groups * o_lora * (n * d // groups)
                 + groups * o_lora * h + n)
    hyper = 2 * ((2 + streams) * streams * streams * h + (2 + streams) * streams + 3)
    hyper_head = streams * streams * h + streams + 1
    expert = 3 * h * v.int("moe_intermediate_size")

    def layer(i: int, ratio: int) -> tuple[int, int]:
        fixed = attention + _compressor(v, ratio, h, d, q_lora) + 2 * h + hyper
        router = experts * h + (0 if i < hashed else experts)
        return fixed + (experts + shared) * expert + router, fixed + (top_k + shared) * expert + router

    embedding = head = v.int("vocab_size") * h
    total = active = embedding + head + h + hyper_head
    for i in range(layers):
        layer_total, layer_active = layer(i, ratios[i])
        total, active = total + layer_total, active + layer_active
    after = ratios[layers] if len(ratios) > layers else 0
    mtp = mtp_layers * (layer(layers, after)[0] + 2 * h * h + 3 * h + hyper_head)
    return ArchCounts(total, active, mtp, embedding, head, experts)
