"""Architecture estimators on tiny configs whose counts are worked out by hand in each test.

Shared tiny shape: hidden 8, 2 heads of 4 (1 KV head), vocab 10, dense MLP 16, experts of 2.
  GQA attention: q 8*8 + k 8*4 + v 8*4 + o 8*8 = 192; gated MLP 3*8*16 = 384; an expert 3*8*2 = 48;
  two norms per layer 16; embedding 80; head 80 unless tied; final norm 8.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tracker.facts.config_reader import ConfigError
from tracker.facts.params_config import estimate_from_config

TINY = {
    "hidden_size": 8,
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "vocab_size": 10,
    "intermediate_size": 16,
    "num_hidden_layers": 2,
    "tie_word_embeddings": False,
}


def cfg(**overrides):
    return {**TINY, **overrides}


def test_dense_llama():
    est = estimate_from_config(cfg(model_type="llama"))
    # 2 * (192 + 384 + 16) + 80 + 80 + 8
    assert (est.total, est.active, est.is_moe) == (1352, 1352, False)


def test_dense_tied_embeddings_count_once():
    assert estimate_from_config(cfg(model_type="llama", tie_word_embeddings=True)).total == 1352 - 80


def test_llama_attention_bias_covers_q_k_v_and_o():
    # q 8 + k 4 + v 4 + o 8 = 24 per layer
    assert estimate_from_config(cfg(model_type="llama", attention_bias=True)).total == 1352 + 48


def test_qwen2_has_qkv_bias_without_flag():
    assert estimate_from_config(cfg(model_type="qwen2")).total == 1352 + 2 * 16


def test_qwen3_qk_norm_and_explicit_head_dim():
    # head_dim 8: q 8*16 + k 8*8 + v 8*8 + o 16*8 = 384 attention, + q_norm/k_norm 2*8
    est = estimate_from_config(cfg(model_type="qwen3", head_dim=8))
    assert est.total == 2 * (384 + 16 + 384 + 16) + 168


def test_gemma_defaults_to_tied_embeddings_and_four_norms():
    # gemma2: 4 norms per layer (32), tied by default
    assert (
        estimate_from_config(cfg(model_type="gemma2", tie_word_embeddings=None)).total
        == 2 * (192 + 384 + 32) + 88
    )


def test_nested_text_config_is_used_and_parent_tie_flag_applies():
    config = {
        "model_type": "llava",
        "tie_word_embeddings": True,
        "text_config": {**TINY, "model_type": "llama"},
    }
    del config["text_config"]["tie_word_embeddings"]
    assert estimate_from_config(config).total == 1352 - 80


MLA = {
    "model_type": "deepseek_v2",
    "qk_nope_head_dim": 4,
    "qk_rope_head_dim": 2,
    "v_head_dim": 4,
    "kv_lora_rank": 3,
    "q_lora_rank": None,
    "n_routed_experts": 4,
    "num_experts_per_tok": 2,
    "moe_intermediate_size": 2,
    "n_shared_experts": 1,
    "first_k_dense_replace": 1,
    "num_hidden_layers": 3,
}
# MLA attention: q 8*2*6 = 96; kv_a 8*(3+2) = 40, kv norm 3, kv_b 3*2*(4+4) = 48; o 2*4*8 = 64 -> 251
# dense layer 251 + 384 + 16 = 651; MoE layer: experts 4*48 + shared 48 + router 8*4 = 272 (active 2*48+48+32)


def test_deepseek_v2_latent_attention_and_dense_first_layer():
    est = estimate_from_config(cfg(**MLA))
    assert est.total == 168 + 651 + 2 * (251 + 272 + 16)
    assert est.active == 168 + 651 + 2 * (251 + 176 + 16)
    assert est.is_moe and est.experts == 4 and est.mtp == 0


def test_mla_with_query_compression():
    # q_a 8*5 + q_a norm 5 + q_b 5*2*6 = 105 instead of 96, in all 3 layers
    base = estimate_from_config(cfg(**MLA)).total
    assert estimate_from_config(cfg(**{**MLA, "q_lora_rank": 5})).total == base + 3 * 9


def test_deepseek_v3_router_bias_and_mtp_module():
    est = estimate_from_config(cfg(**{**MLA, "model_type": "deepseek_v3", "num_nextn_predict_layers": 1}))
    moe_layer = 251 + 272 + 4 + 16  # + e_score_correction_bias (4 experts)
    assert est.total == 168 + 651 + 2 * moe_layer
    # MTP as stored: own embedding 80, enorm + hnorm 16, eh_proj 2*8*8, one MoE layer, head norm 8, head 80
    assert est.mtp == 80 + 16 + 128 + moe_layer + 8 + 80


def test_kimi_k2_reads_as_deepseek_v3():
    kimi = estimate_from_config(cfg(**{**MLA, "model_type": "kimi_k2"}))
    v3 = estimate_from_config(cfg(**{**MLA, "model_type": "deepseek_v3"}))
    assert (kimi.model_type, v3.model_type) == ("kimi_k2", "deepseek_v3")
    assert replace(kimi, model_type="deepseek_v3") == v3


def test_qwen2_moe_shared_expert_with_gate_and_mlp_only_layers():
    config = cfg(
        model_type="qwen2_moe",
        num_experts=4,
        num_experts_per_tok=2,
        moe_intermediate_size=2,
        shared_expert_intermediate_size=6,
        decoder_sparse_step=1,
        mlp_only_layers=[0],
    )
    est = estimate_from_config(config)
    attention = 192 + 16  # q/k/v biases
    dense = attention + 384 + 16
    moe_total = 4 * 48 + 3 * 8 * 6 + 32 + 8  # experts, shared expert, router, shared_expert_gate
    moe_active = 2 * 48 + 144 + 40
    assert est.total == 168 + dense + attention + moe_total + 16
    assert est.active == 168 + dense + attention + moe_active + 16


def test_hunyuan_per_layer_lists_cla_and_qk_norm():
    config = cfg(
        model_type="hunyuan_v1_moe",
        head_dim=4,
        num_experts=4,
        moe_topk=[2, 1],
        num_shared_expert=[1, 1],
        moe_intermediate_size=[2, 2],
        use_qk_norm=True,
        use_cla=True,
        cla_share_factor=2,
        tie_word_embeddings=True,
    )
    est = estimate_from_config(config)
    attn0 = 192 + 8  # q/k norms of one head_dim each
    attn1 = 64 + 64 + 4  # CLA layer reuses k/v: q, o and the query norm only
    moe_total = 4 * 48 + 48 + 32
    assert est.total == 88 + (attn0 + moe_total + 16) + (attn1 + moe_total + 16)
    assert est.active == 88 + (attn0 + 2 * 48 + 48 + 32 + 16) + (attn1 + 48 + 48 + 32 + 16)


def test_hunyuan_list_of_wrong_length_is_an_error():
    with pytest.raises(ConfigError, match="moe_topk has 3 entries for 2 layers"):
        estimate_from_config(
            cfg(model_type="hunyuan_v1_moe", num_experts=4, moe_topk=[2, 2, 2], moe_intermediate_size=2)
        )


def test_ernie_moe_layer_schedule_and_shared_experts():
    config = cfg(
        model_type="ernie4_5_moe",
        num_hidden_layers=4,
        moe_num_experts=4,
        moe_k=2,
        moe_intermediate_size=2,
        moe_num_shared_experts=2,
        moe_layer_start_index=1,
        moe_layer_interval=2,
        tie_word_embeddings=True,
        use_bias=False,
    )
    est = estimate_from_config(config)
    dense = 192 + 384 + 16
    moe_total = 4 * 48 + 3 * 8 * 4 + 32  # two shared experts = one MLP of 2*2
    moe_active = 2 * 48 + 96 + 32
    # layers 1 and 3 are MoE: (i + 1) % 2 == 0 and i >= 1
    assert est.total == 88 + 2 * dense + 2 * (192 + moe_total + 16)
    assert est.active == 88 + 2 * dense + 2 * (192 + moe_active + 16)


def test_llama4_interleaved_moe_shared_expert_and_dense_mlp_size():
    text = cfg(
        model_type="llama4_text",
        num_hidden_layers=4,
        head_dim=4,
        num_local_experts=4,
        num_experts_per_tok=1,
        intermediate_size=2,
        intermediate_size_mlp=16,
        interleave_moe_layer_step=2,
        use_qk_norm=True,
    )
    del text["tie_word_embeddings"]
    est = estimate_from_config({"model_type": "llama4", "text_config": text})
    dense = 192 + 384 + 16
    moe_total = 4 * 48 + 48 + 32  # routed experts, one shared expert, router
    moe_active = 48 + 48 + 32
    assert est.total == 168 + 2 * dense + 2 * (192 + moe_total + 16)
    assert est.active == 168 + 2 * dense + 2 * (192 + moe_active + 16)


def test_a_vision_tower_of_an_unmodelled_family_is_named_as_left_out():
    est = estimate_from_config({"model_type": "llava", "text_config": cfg(), "vision_config": {"hidden_size": 4}})
    assert est.total == 1352
    assert any("vision tower not counted" in n for n in est.notes)


def test_an_omni_model_of_an_unmodelled_family_counts_its_thinker_language_model_and_names_what_is_left_out():
    omni = {"model_type": "qwen2_5_omni", "talker_config": {"hidden_size": 4},
            "thinker_config": {"model_type": "qwen2_5_omni_thinker", "text_config": cfg(model_type="llama"),
                               "vision_config": {"depth": 1}, "audio_config": {"d_model": 4}}}
    est = estimate_from_config(omni)
    assert est.total == 1352
    assert any("vision tower not counted" in n for n in est.notes)
    assert any("audio tower" in n for n in est.notes)


def test_a_modelled_vision_tower_counts_into_the_total_only():
    text = cfg(model_type="llama4_text", head_dim=4, intermediate_size_mlp=16)
    vision = {"hidden_size": 2, "num_hidden_layers": 1, "num_channels": 1, "intermediate_size": 4, "image_size": 2,
              "patch_size": 1, "vision_output_dim": 3, "projector_input_dim": 5, "projector_output_dim": 6}
    plain = estimate_from_config({"model_type": "llama4", "text_config": text})
    est = estimate_from_config({"model_type": "llama4", "text_config": text, "vision_config": vision})
    # patch 2, class 2, positions 5*2, 2 LayerNorms 8, one layer 8 + 4*6 + 12 + 10, adapter 4*5 + 6*6,
    # projector 3*8
    tower = 2 + 2 + 10 + 8 + (8 + 24 + 12 + 10) + (20 + 36) + 24
    assert (est.total - plain.total, est.active) == (tower, plain.active)
    # dense: the active count is the total, so the note says only what the total includes
    assert any(n.startswith("Total includes the ") and n.endswith("vision tower") for n in est.notes), est.notes


def test_gpt_oss_biases_sinks_and_expert_biases():
    config = cfg(
        model_type="gpt_oss",
        num_hidden_layers=1,
        head_dim=4,
        num_local_experts=4,
        experts_per_token=2,
        intermediate_size=2,
        attention_bias=True,
    )
    est = estimate_from_config(config)
    attention = 192 + 24 + 2  # q/k/v/o biases, one sink per head
    expert = 48 + 2 * 2 + 8  # gate_up and down biases
    router = 32 + 4
    assert est.total == 168 + attention + 4 * expert + router + 16
    assert est.active == 168 + attention + 2 * expert + router + 16


def test_glm4_moe_bias_on_qkv_only_router_bias_and_mtp():
    config = cfg(
        model_type="glm4_moe",
        head_dim=4,
        n_routed_experts=4,
        num_experts_per_tok=2,
        moe_intermediate_size=2,
        n_shared_experts=1,
        first_k_dense_replace=1,
        attention_bias=True,
        use_qk_norm=False,
        num_nextn_predict_layers=1,
    )
    est = estimate_from_config(config)
    attention = 192 + 16
    moe_layer = attention + 4 * 48 + 48 + 36 + 16
    assert est.total == 168 + (attention + 384 + 16) + moe_layer
    assert est.active == 168 + (attention + 384 + 16) + attention + 2 * 48 + 48 + 36 + 16
    assert est.mtp == 80 + 16 + 128 + moe_layer + 8 + 80


def test_mixtral_uses_intermediate_size_for_experts():
    est = estimate_from_config(
        cfg(model_type="mixtral", num_local_experts=4, num_experts_per_tok=2, intermediate_size=2)
    )
    assert est.total == 168 + 2 * (192 + 4 * 48 + 32 + 16)
    assert est.active == 168 + 2 * (192 + 2 * 48 + 32 + 16)


def test_generic_fallback_reads_usual_moe_keys():
    est = estimate_from_config(
        cfg(
            model_type="some_new_moe",
            num_experts=4,
            num_experts_per_tok=2,
            moe_intermediate_size=2,
            num_shared_experts=1,
        )
    )
    assert est.total == 168 + 2 * (192 + 4 * 48 + 48 + 32 + 16)
    assert est.active == 168 + 2 * (192 + 2 * 48 + 48 + 32 + 16)


def test_linear_attention_layers_of_an_unknown_family_are_flagged():
    est = estimate_from_config(cfg(model_type="llama", layer_types=["linear_attention", "full_attention"]))
    assert any("linear-attention" in note for note in est.notes)
    odd = estimate_from_config(cfg(model_type="llama", layer_types=["mamba", "full_attention"]))
    assert any("non-standard" in note for note in odd.notes)


def test_a_known_linear_attention_family_without_its_sizes_is_a_clear_error():
    with pytest.raises(ConfigError, match="missing linear_num_key_heads"):
        estimate_from_config(cfg(model_type="qwen3_next", layer_types=["linear_attention", "full_attention"]))
    with pytest.raises(ConfigError, match="layer_types has 1 entries for 2 layers"):
        estimate_from_config(cfg(model_type="qwen3_next", layer_types=["linear_attention"]))
    # ordinary attention kinds of the wrong length change nothing: the estimate stands
    sliding = estimate_from_config(cfg(model_type="llama", layer_types=["sliding_attention"] * 3))
    assert sliding.total == 1352 and not sliding.notes


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({}, "missing hidden_size"),
        (cfg(hidden_size="4096"), "hidden_size is '4096', expected an integer"),
        (cfg(num_hidden_layers=True), "num_hidden_layers is True"),
        (cfg(vocab_size=-5), "vocab_size is -5, out of range"),
        (cfg(num_hidden_layers=10**6), "out of range"),
        (cfg(tie_word_embeddings="yes"), "tie_word_embeddings is 'yes', expected true/false"),
        (
            cfg(num_local_experts=4, num_experts_per_tok=8, moe_intermediate_size=2),
            "8 experts per token but only 4",
        ),
        (cfg(num_experts=4, moe_intermediate_size=2), "missing num_experts_per_tok"),
        (
            cfg(num_experts=4, num_experts_per_tok=2, mlp_only_layers="0"),
            "mlp_only_layers is '0', expected a list",
        ),
        (["not", "a", "dict"], "config is list"),
    ],
)
def test_malformed_configs_raise_config_error_with_reason(config, reason):
    with pytest.raises(ConfigError, match=reason.replace("(", r"\(")):
        estimate_from_config(config)
