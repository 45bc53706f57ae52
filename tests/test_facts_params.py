"""compute_facts on the Hub's real safetensors answers (tests/data/hub-api) with and without config.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracker.facts.params as params
from tracker.facts import ACTIVE_CONVENTION, FactInputs, compute_facts

DATA = Path(__file__).parent / "data"


def safetensors(name: str) -> dict:
    return json.loads((DATA / "hub-api" / f"model_info_safetensors__{name}.json").read_text())["safetensors"]


def config(name: str) -> dict:
    return json.loads((DATA / "configs" / f"{name}.json").read_text())


def test_deepseek_v3_headline_excludes_mtp_and_fp8_scales():
    facts = compute_facts(
        FactInputs(
            "deepseek-ai/DeepSeek-V3",
            safetensors=safetensors("deepseek-ai__DeepSeek-V3"),
            config=config("deepseek-ai__DeepSeek-V3"),
        )
    )
    assert facts.params_total == pytest.approx(671e9, rel=0.01)
    assert facts.params_total_source == "safetensors"
    assert facts.params_stored == 684_531_386_000
    assert facts.params_active == pytest.approx(37e9, rel=0.03)
    assert facts.params_active_source == "config"
    assert facts.is_moe
    assert facts.dtype_breakdown == {"BF16": 3918786560, "F8_E4M3": 680571043840, "F32": 41555600}
    assert any("multi-token-prediction" in note for note in facts.params_notes)
    assert any("FP8 scale tensors" in note for note in facts.params_notes)
    assert facts.quant_format == "FP8"
    assert facts.memory_fp8_gb == round(facts.params_total / 1e9, 1)


def test_deepseek_v3_without_safetensors_uses_config_and_mentions_mtp():
    facts = compute_facts(FactInputs("deepseek-ai/DeepSeek-V3", config=config("deepseek-ai__DeepSeek-V3")))
    assert facts.params_total_source == "config"
    assert facts.params_total == pytest.approx(671e9, rel=0.01)
    assert facts.params_stored is None
    assert any("multi-token-prediction" in note for note in facts.params_notes)


def test_qwen3_moe_safetensors_total_and_config_active():
    facts = compute_facts(
        FactInputs(
            "Qwen/Qwen3-30B-A3B",
            safetensors=safetensors("Qwen__Qwen3-30B-A3B"),
            config=config("Qwen__Qwen3-30B-A3B"),
        )
    )
    assert (facts.params_total, facts.params_total_source, facts.params_stored) == (
        30532122624,
        "safetensors",
        None,
    )
    assert facts.params_active == pytest.approx(3.3e9, rel=0.03)
    # the name rounds 3.35B down to "A3B" (2.5B to 3.5B as written): no disagreement worth flagging
    assert not any(note.startswith("Name says") for note in facts.params_notes)


def test_a_name_far_from_the_config_is_flagged_and_the_config_kept():
    facts = compute_facts(
        FactInputs(
            "Qwen/Qwen3-30B-A9B",
            safetensors=safetensors("Qwen__Qwen3-30B-A3B"),
            config=config("Qwen__Qwen3-30B-A3B"),
        )
    )
    assert facts.params_active == pytest.approx(3.3e9, rel=0.03)
    assert any(note.startswith("Name says A9B but config estimates 3.4B active") for note in facts.params_notes)


def test_mixtral_instruct_safetensors_with_base_config():
    facts = compute_facts(
        FactInputs(
            "mistralai/Mixtral-8x7B-Instruct-v0.1",
            safetensors=safetensors("mistralai__Mixtral-8x7B-Instruct-v0.1"),
            config=config("mistralai__Mixtral-8x7B-v0.1"),
        )
    )
    assert facts.params_total == 46702792704
    assert facts.params_active == pytest.approx(12.9e9, rel=0.01)
    assert facts.params_notes == ()  # 8 experts as the name says; nothing to flag


def test_gpt_oss_mxfp4_total_matches_117b():
    facts = compute_facts(
        FactInputs(
            "openai/gpt-oss-120b",
            safetensors=safetensors("openai__gpt-oss-120b"),
            config=config("openai__gpt-oss-120b"),
        )
    )
    assert facts.params_total == pytest.approx(117e9, rel=0.01)
    assert facts.params_stored is None
    assert facts.quant_format == "MXFP4"
    assert facts.dtype_breakdown["U8"] == 114661785600
    assert facts.params_notes == ()  # sliding/full layer_types are standard attention: nothing to flag


def test_glm_air_safetensors_without_config():
    facts = compute_facts(FactInputs("zai-org/GLM-4.5-Air", safetensors=safetensors("zai-org__GLM-4.5-Air")))
    assert (facts.params_total, facts.params_total_source) == (110468824832, "safetensors")
    assert (facts.params_active, facts.params_active_source) == (None, None)
    assert facts.memory_bf16_gb == 220.9 and facts.memory_4bit_gb == 55.2


def test_dense_active_copies_total():
    facts = compute_facts(
        FactInputs(
            "Qwen/Qwen2.5-7B",
            config=config("Qwen__Qwen2.5-7B"),
            safetensors={"parameters": {"BF16": 7615616512}, "total": 7615616512},
        )
    )
    assert (facts.params_active, facts.params_active_source, facts.is_moe) == (7615616512, "dense", False)
    assert facts.params_notes == ()


def test_name_is_the_fallback_when_nothing_else_is_known():
    facts = compute_facts(FactInputs("Qwen/Qwen3-235B-A22B-Instruct-2507"))
    assert (facts.params_total, facts.params_total_source) == (235e9, "name")
    assert (facts.params_active, facts.params_active_source, facts.is_moe) == (22e9, "name", True)


def test_gguf_total_before_name():
    facts = compute_facts(
        FactInputs("unsloth/Qwen3-30B-A3B-GGUF", gguf={"total": 30532122624, "architecture": "qwen3moe"})
    )
    assert (facts.params_total, facts.params_total_source) == (30532122624, "gguf")
    assert facts.is_moe and facts.params_active_source == "name"


def test_name_disagreeing_with_config_is_flagged_and_config_kept():
    cfg = config("Qwen__Qwen3-30B-A3B")
    facts = compute_facts(FactInputs("someone/Widget-60B-A10B", config=cfg))
    assert facts.params_total_source == "config"
    assert facts.params_total == pytest.approx(30.5e9, rel=0.01)
    assert "Name says A10B but config estimates 3.4B active" in facts.params_notes
    assert "Name says 60B but the config count is 30.5B" in facts.params_notes


def test_packed_quantized_safetensors_defer_to_config():
    # a 4-bit GPTQ copy: the Hub counts packed int32 elements, far below the real parameter count
    packed = {"parameters": {"I32": 3_500_000_000, "F16": 600_000_000}, "total": 4_100_000_000}
    facts = compute_facts(
        FactInputs(
            "someone/Qwen3-30B-A3B-GPTQ-Int4", safetensors=packed, config=config("Qwen__Qwen3-30B-A3B")
        )
    )
    assert (facts.params_total, facts.params_total_source) == (30532122624, "config")
    assert any("packed quantized weights" in note for note in facts.params_notes)


def test_unreadable_config_falls_back_with_a_reason():
    facts = compute_facts(FactInputs("Qwen/Qwen3-30B-A3B", config={"hidden_size": "big"}))
    assert (facts.params_total, facts.params_total_source) == (30e9, "name")
    assert "config.json unreadable: hidden_size is 'big', expected an integer" in facts.params_notes


def test_active_convention_is_documented():
    assert "input embedding" in ACTIVE_CONVENTION and "output head" in ACTIVE_CONVENTION
    assert "convention" in (params.__doc__ or "").lower()
