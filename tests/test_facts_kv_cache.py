"""KV cache per token of context, counted by hand from real configs (tests/data/configs), and the headroom
in tokens that "Fits on" states (issue 9: "with headroom for the KV cache stated")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.facts.fits import fits_on, parse_setups
from tracker.facts.kv_cache import kv_bytes_per_token

CONFIGS = Path(__file__).parent / "data" / "configs"

# layers whose cache grows x values cached per layer x 2 bytes (BF16)
HAND = {
    "meta-llama__Llama-3.1-8B": 32 * (2 * 8 * 128) * 2,  # GQA, 8 KV heads of 128
    "Qwen__Qwen2.5-7B": 28 * (2 * 4 * 128) * 2,
    "Qwen__Qwen3-8B": 36 * (2 * 8 * 128) * 2,
    "deepseek-ai__DeepSeek-V3": 61 * (512 + 64) * 2,  # MLA: kv_lora_rank + qk_rope_head_dim
    "moonshotai__Kimi-Linear-48B-A3B-Instruct": 7 * (512 + 64) * 2,  # only the 7 MLA layers; KDA is a fixed state
    "Qwen__Qwen3-Next-80B-A3B-Thinking": 12 * (2 * 2 * 256) * 2,  # 12 gated-attention layers of 48
    "MiniMaxAI__MiniMax-M1-80k": 10 * (2 * 8 * 128) * 2,  # 10 softmax layers; lightning ones keep a fixed state
    "openai__gpt-oss-120b": 18 * (2 * 8 * 64) * 2,  # the 18 full layers; the sliding ones hold 128 tokens
}


@pytest.mark.parametrize("name", sorted(HAND))
def test_kv_bytes_per_token_matches_the_hand_count(name: str) -> None:
    config = json.loads((CONFIGS / f"{name}.json").read_text())
    assert kv_bytes_per_token(config) == HAND[name]


@pytest.mark.parametrize("config", [None, [], {}, {"num_hidden_layers": "many"}, {"model_type": "llama",
                                     "num_hidden_layers": 2, "num_attention_heads": 0, "hidden_size": 8}])
def test_an_unreadable_config_has_no_kv_figure(config: object) -> None:
    assert kv_bytes_per_token(config) is None


def test_hunyuan_cross_layer_attention_shares_one_cache_per_group() -> None:
    config = {"model_type": "hunyuan", "num_hidden_layers": 32, "num_attention_heads": 32, "hidden_size": 4096,
              "num_key_value_heads": 8, "use_cla": True, "cla_share_factor": 2}
    assert kv_bytes_per_token(config) == 16 * (2 * 8 * 128) * 2


def test_headroom_is_stated_in_tokens_when_the_cache_size_is_known() -> None:
    table = parse_setups('[[setup]]\nid = "1x24"\nname = "1×24 GB GPU"\nmemory_gb = 24\n')
    fit = fits_on(16_000_000_000, 8_000_000_000, table, kv_bytes_per_token=HAND["Qwen__Qwen3-8B"]).shipped
    assert fit is not None and fit.headroom_gb == 8.0
    assert fit.headroom_tokens == 8_000_000_000 // 147_456  # 54,253 tokens
    assert fit.as_dict()["kv_headroom_tokens"] == 54_253
    assert fits_on(16_000_000_000, 8_000_000_000, table).shipped.headroom_tokens is None
