"""What it takes to run a model: weights as shipped, context length and the smallest set-up that holds it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.facts.fits import fits_on, parse_setups, setup_table
from tracker.facts.weights import context_length, gguf_bytes, safetensors_bytes, weights_bytes

DATA = Path(__file__).parent / "data"


def _json(path: str) -> dict:
    return json.loads((DATA / path).read_text(encoding="utf-8"))


def test_deepseek_v3_weights_are_counted_per_dtype_not_params_times_two() -> None:
    st = _json("hub-api/model_info_safetensors__deepseek-ai__DeepSeek-V3.json")["safetensors"]
    size, source = weights_bytes(st)
    # BF16 3,918,786,560 x 2 + F8_E4M3 680,571,043,840 x 1 + F32 41,555,600 x 4
    assert size == 688_574_839_360
    assert source == "safetensors"
    assert round(size / 1e9, 1) == 688.6


def test_glm_air_bf16_is_two_bytes_a_parameter() -> None:
    st = _json("hub-api/model_info_safetensors__zai-org__GLM-4.5-Air.json")["safetensors"]
    assert safetensors_bytes(st) == 110_468_818_944 * 2 + 5_888 * 4


def test_gpt_oss_mxfp4_u8_counts_half_a_byte_because_the_hub_counts_both_packed_values() -> None:
    st = _json("hub-api/model_info_safetensors__openai__gpt-oss-120b.json")["safetensors"]
    config = _json("configs/openai__gpt-oss-120b.json")
    size, _ = weights_bytes(st, None, config)
    assert size == 2_167_371_072 * 2 + 114_661_785_600 // 2
    assert 60e9 < size < 66e9  # the repo's shards hold about 65 GB
    assert safetensors_bytes({"parameters": {"U8": 100}}) == 100  # plain int8-style U8 stays one byte


def test_an_unknown_dtype_gives_no_size_rather_than_a_wrong_one() -> None:
    assert safetensors_bytes({"parameters": {"BF16": 10, "Q3_WEIRD": 5}}) is None
    assert safetensors_bytes({"parameters": {}}) is None
    assert safetensors_bytes("garbage") is None


def test_gguf_size_is_the_largest_variant_with_split_shards_summed() -> None:
    files = {"m-Q4_K_M.gguf": 4_000, "m-Q8_0-00001-of-00002.gguf": 5_000, "m-Q8_0-00002-of-00002.gguf": 2_000,
             "README.md": 10**9, "m-F16.gguf": -1}
    assert gguf_bytes(files) == 7_000
    assert weights_bytes(None, files) == (7_000, "gguf")
    assert weights_bytes(None, {"README.md": 5}) == (None, None)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("deepseek-ai__DeepSeek-V3.json", 163_840),  # already written out: 4096 x 40
        ("meta-llama__Llama-3.1-8B.json", 131_072),  # llama3 scaling, window already the long one
        ("Qwen__Qwen3-8B.json", 40_960),
        ("meta-llama__Llama-4-Scout-17B-16E-Instruct.json", 10_485_760),  # nested text_config
        ("openai__gpt-oss-120b.json", 131_072),
        ("moonshotai__Kimi-Linear-48B-A3B-Instruct.json", 1_048_576),  # only model_max_length says it
        ("Qwen__Qwen3-Omni-30B-A3B-Instruct__transformers5_printed.json", 65_536),  # thinker_config.text_config
        ("databricks__dbrx-instruct.json", 32_768),  # max_seq_len
        ("microsoft__Phi-3.5-MoE-instruct.json", 131_072),  # longrope: the window is already the long one
    ],
)
def test_context_length_of_real_configs(config: str, expected: int) -> None:
    assert context_length(_json(f"configs/{config}")) == expected


def test_yarn_scaling_on_top_of_the_original_window_multiplies_it() -> None:
    # Qwen's documented long-context recipe: rope_scaling added to a config whose window is the original.
    config = {"max_position_embeddings": 32768,
              "rope_scaling": {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}}
    assert context_length(config) == 131_072
    config["rope_scaling"]["factor"] = "four"
    assert context_length(config) == 32768


def test_transformers_5_rope_parameters_scale_like_rope_scaling() -> None:
    config = {"max_position_embeddings": 32768, "rope_parameters": {
        "rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768, "rope_theta": 1e6}}
    assert context_length(config) == 131_072


def test_context_length_falls_back_to_gguf_metadata_and_ignores_nonsense() -> None:
    assert context_length(None, {"context_length": 8192}) == 8192
    assert context_length({"max_position_embeddings": -3}) is None
    assert context_length({"max_position_embeddings": True}) is None


def test_deepseek_v3_fits_on_eight_h200_as_shipped_and_eight_80gb_at_4bit() -> None:
    fit = fits_on(688_574_839_360, 671_000_000_000)
    assert fit.shipped is not None and fit.shipped.setup is not None
    assert fit.shipped.setup.id == "8x141"
    assert fit.shipped.headroom_gb == pytest.approx(1128 - 688.6, abs=0.1)
    assert fit.four_bit is not None and fit.four_bit.setup is not None
    assert fit.four_bit.setup.id == "8x80"


def test_fits_keeps_headroom_and_reports_when_nothing_holds_it() -> None:
    # 22 GB would squeeze into 24 GB with 2 GB left, below the 10 % headroom: next set-up up.
    assert fits_on(22_000_000_000, None).shipped.setup.id == "1x80"
    assert fits_on(8_000_000_000, 8_000_000_000).four_bit.setup.id == "1x24"
    huge = fits_on(3_000_000_000_000, None).shipped
    assert huge.setup is None and huge.headroom_gb is None
    assert fits_on(None, None).shipped is None


def test_a_mac_counts_only_its_usable_unified_memory() -> None:
    # 90 GB: more than 1x80, within 128 GB but above the ~96 GB a Mac GPU may use -> 8x80.
    assert fits_on(90_000_000_000, None).shipped.setup.id == "8x80"
    assert fits_on(84_000_000_000, None).shipped.setup.id == "mac128"


def test_packaged_setups_table_is_sorted_and_has_the_issues_setups() -> None:
    setups, headroom = setup_table()
    assert [s.id for s in setups] == ["1x24", "1x80", "mac128", "8x80", "8x141"]
    assert 0 < headroom < 0.5
    with pytest.raises(ValueError):
        parse_setups('[[setup]]\nid = "x"\nname = "x"\nmemory_gb = 0\n')
