"""The labs' 2026 flagships against what their checkpoints hold (tests/data/configs/SOURCES.md).

Each row: our headline total must fall within the lab's figure as written, and the headline plus the
multi-token-prediction layers a checkpoint stores must equal the checkpoint's own total: to the parameter
where a public listing of its tensors gives one, within the rounding of the public inventory otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_facts_hand_counts import _within_stated
from tracker.facts import FactInputs, compute_facts
from tracker.facts.params_config import estimate_from_config

DATA = Path(__file__).parent / "data" / "configs"

# (repo, config file, lab's total, lab's active as the lab counts it, what the checkpoint stores: exact, as
# rounded by the inventory, or None where a test of its own checks the listing)
FLAGSHIPS = [
    # latent attention (was counted as ordinary attention) and an MTP layer with its own embedding and head
    ("zai-org/GLM-4.7-Flash", "zai-org__GLM-4.7-Flash.json", "30B", "3B", 31_221_488_576),
    # latent attention with the sparse-attention indexer; the MTP layer shares embedding and head
    ("zai-org/GLM-5.1", "zai-org__GLM-5.1.json", "744B", "40B", 753_864_139_008),
    # the MTP layer shares embedding and head (was counted with copies: 299.8B)
    ("tencent/Hy3-preview", "tencent__Hy3-preview__written.json", "295B", "21B", "298.8B"),
    # the MoonViT tower and its projector (471M, was left out); unpacked INT4 experts, without their scales
    ("moonshotai/Kimi-K2.5", "moonshotai__Kimi-K2.5.json", "1T", None, 1_026_879_376_368),
    # unchanged; the listing adds 13,880,064 FP8 block scales to our count
    ("MiniMaxAI/MiniMax-M2.7", "MiniMaxAI__MiniMax-M2.7.json", "230B", "10B", 228_703_644_928 - 13_880_064),
    # a counter of its own (was counted as a 64-head attention model: 290.9B, 20.4B active); the listing
    # holds FP4 experts packed, checked in test_deepseek_v4_flash_reproduces_its_fp4_checkpoint_listing
    ("deepseek-ai/DeepSeek-V4-Flash", "nvidia__DeepSeek-V4-Flash-NVFP4.json", "284B", "13B", None),
    ("deepseek-ai/DeepSeek-V4-Pro", "nvidia__DeepSeek-V4-Pro-NVFP4.json", "1.6T", "49B", "1.6T"),
    # a counter of its own (its config could not be read: a per-layer moe_layer_freq); the inventory's 309.8B
    # holds only with three dense sliding-window MTP layers
    ("XiaomiMiMo/MiMo-V2-Flash", "XiaomiMiMo__MiMo-V2-Flash__written.json", "309B", "15B", "309.8B"),
    # a counter of its own (was 195.8B with a 17.1B MTP estimate): 96-head sliding layers, a head-wise gate,
    # three dense MTP layers with their own heads; exact totals quoted in public records (SOURCES.md)
    ("stepfun-ai/Step-3.5-Flash", "stepfun-ai__Step-3.5-Flash__written.json", "196B", None, 199_384_301_376),
    # a counter of its own (31B was 30.15B without its vision tower; 26B-A4B could not be read at all)
    ("google/gemma-4-31B-it", "google__gemma-4-31B-it__transformers5_printed.json", "31B", None, 31_273_088_876),
    ("google/gemma-4-26B-A4B", "google__gemma-4-26B-A4B__written.json", "26B", "4B", 25_805_936_206),
]


def _config(name: str) -> dict:
    return json.loads((DATA / name).read_text())


@pytest.mark.parametrize(("repo_id", "config_file", "lab_total", "lab_active", "stored"), FLAGSHIPS,
                         ids=[row[0] for row in FLAGSHIPS])
def test_flagship_counts_match_the_lab_and_the_checkpoint(repo_id, config_file, lab_total, lab_active, stored):
    config = _config(config_file)
    est = estimate_from_config(config)
    facts = compute_facts(FactInputs(repo_id=repo_id, config=config))
    assert facts.params_total == est.total and _within_stated(est.total, lab_total, 0.01), est.total
    if isinstance(stored, int):
        assert est.total + est.mtp == stored
    elif stored:
        assert _within_stated(est.total + est.mtp, stored, 0)
    if lab_active:
        lab = facts.params_active_lab if facts.params_active_lab is not None else facts.params_active
        assert _within_stated(lab, lab_active, 0.03), (lab, lab_active)


def test_an_unknown_model_type_with_latent_attention_keys_is_counted_as_latent_attention():
    config = _config("zai-org__GLM-4.7-Flash.json")
    config["model_type"] = "some_new_glm"
    assert estimate_from_config(config).total == 29_943_393_920  # as glm4_moe_lite (GQA would give 29.71B)


def test_kimi_k25_flattened_to_one_level_counts_as_kimi_k2():
    config = _config("moonshotai__Kimi-K2.5.json")
    flat = {**config["text_config"], "model_type": "kimi_k25"}
    assert estimate_from_config(flat).total == 1_026_408_232_448  # the language model alone, as Kimi-K2


def test_deepseek_v4_flash_reproduces_its_fp4_checkpoint_listing():
    """The FP4 release stores routed experts as int8 pairs with one e8m0 scale per 32, the first three layers'
    token-routing tables (vocab x top-k) and 367,616 FP8 block scales: 158,069,433,298 elements in all."""
    config = _config("nvidia__DeepSeek-V4-Flash-NVFP4.json")
    est = estimate_from_config(config)
    experts = (43 + 1) * 256 * 3 * 4096 * 2048  # every layer's and the MTP layer's routed experts
    tables = 3 * 129_280 * 6
    assert est.total + est.mtp + tables - experts + experts // 2 + experts // 32 + 367_616 == 158_069_433_298


def test_deepseek_v4_fp4_listing_is_read_as_packed_and_the_headline_comes_from_the_config():
    config = _config("nvidia__DeepSeek-V4-Flash-NVFP4.json")
    packed, scales = 141_733_920_768, 8_858_370_048
    listing = {"total": 158_069_433_298,
               "parameters": {"I8": packed, "F8_E8M0": scales, "BF16": 158_069_433_298 - packed - scales}}
    facts = compute_facts(FactInputs(repo_id="deepseek-ai/DeepSeek-V4-Flash", config=config, safetensors=listing))
    assert (facts.params_total, facts.params_total_source) == (284_332_240_471, "config")
    assert facts.params_active == 13_799_632_471 and facts.context_length == 1_048_576
    assert any("packed quantized weights (I8)" in n for n in facts.params_notes)
    assert facts.kv_bytes_per_token is None  # its compressed cache is not modelled; no wrong token count


def test_gemma_4_26b_a4b_active_count_is_the_published_one():
    facts = compute_facts(FactInputs(repo_id="google/gemma-4-26B-A4B",
                                     config=_config("google__gemma-4-26B-A4B__written.json")))
    assert (facts.params_active, facts.is_moe) == (3_822_530_590, True)
    assert facts.kv_bytes_per_token is None


def test_step_3_5_flash_headline_and_kv_cache():
    config = _config("stepfun-ai__Step-3.5-Flash__written.json")
    assert estimate_from_config(config).total == 196_956_130_368  # the 45-layer model, quoted publicly
    # 12 full-attention layers grow the cache (8 key-value groups of 128); the sliding ones are bounded
    assert compute_facts(FactInputs(repo_id="stepfun-ai/Step-3.5-Flash", config=config)).kv_bytes_per_token == (
        12 * 2 * 8 * 128 * 2)
