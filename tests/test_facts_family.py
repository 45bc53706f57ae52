"""Family, variant, quantization format, modality, base models and distillation."""

from __future__ import annotations

import pytest

from tracker.facts import FactInputs, compute_facts


def facts(repo_id, **kwargs):
    return compute_facts(FactInputs(repo_id, **kwargs))


@pytest.mark.parametrize(
    ("repo_id", "family", "variant", "quant"),
    [
        ("Qwen/Qwen3-235B-A22B-Instruct-2507-FP8", "Qwen3", "quantized", "FP8"),
        ("Qwen/Qwen3-30B-A3B-Base", "Qwen3", "base", None),
        ("Qwen/Qwen3-30B-A3B", "Qwen3", "instruct", None),
        ("Qwen/Qwen3-235B-A22B-Thinking-2507", "Qwen3", "reasoning", None),
        ("Qwen/QwQ-32B", "QwQ", "reasoning", None),
        ("Qwen/Qwen2.5-7B", "Qwen2.5", "base", None),
        ("baidu/ERNIE-4.5-300B-A47B-PT", "ERNIE-4.5", "instruct", None),
        ("baidu/ERNIE-4.5-300B-A47B-Base-PT", "ERNIE-4.5", "base", None),
        ("baidu/ERNIE-4.5-21B-A3B-Paddle", "ERNIE-4.5", "instruct", None),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "DeepSeek-R1", "distilled", None),
        ("deepseek-ai/DeepSeek-R1", "DeepSeek-R1", "reasoning", None),
        ("deepseek-ai/DeepSeek-V3-0324", "DeepSeek-V3", "instruct", None),
        ("deepseek-ai/DeepSeek-V3-Base", "DeepSeek-V3", "base", None),
        ("zai-org/GLM-4.5-Air", "GLM-4.5", "instruct", None),
        ("moonshotai/Kimi-K2-Instruct", "Kimi-K2", "instruct", None),
        ("moonshotai/Kimi-K2-Thinking", "Kimi-K2", "reasoning", None),
        ("openai/gpt-oss-120b", "gpt-oss", "reasoning", None),
        ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "Llama-4", "instruct", None),
        ("meta-llama/Meta-Llama-3-8B", "Llama-3", "base", None),
        ("meta-llama/Llama-3.1-8B-Instruct", "Llama-3.1", "instruct", None),
        ("mistralai/Mixtral-8x7B-v0.1", "Mixtral", "base", None),
        ("mistralai/Mistral-7B-Instruct-v0.3", "Mistral", "instruct", None),
        ("google/gemma-2-9b-it", "gemma-2", "instruct", None),
        ("google/gemma-3-4b-pt", "gemma-3", "base", None),
        ("tencent/Hunyuan-A13B-Instruct", "Hunyuan", "instruct", None),
        ("unsloth/Qwen3-30B-A3B-GGUF", "Qwen3", "quantized", "GGUF"),
        ("unsloth/Llama-3.1-8B-Instruct-bnb-4bit", "Llama-3.1", "quantized", "BNB-4bit"),
        ("Qwen/Qwen2.5-72B-Instruct-AWQ", "Qwen2.5", "quantized", "AWQ"),
        ("mlx-community/Qwen3-8B-4bit", "Qwen3", "quantized", "INT4"),
        ("TheBloke/Llama-2-7B-Chat-GPTQ", "Llama-2", "quantized", "GPTQ"),
    ],
)
def test_family_variant_quant_from_name(repo_id, family, variant, quant):
    result = facts(repo_id)
    assert (result.family, result.variant, result.quant_format) == (family, variant, quant)


def test_conversational_tag_decides_when_the_name_says_nothing():
    assert facts("acme/Widget-7B", tags=("conversational",)).variant == "instruct"
    assert facts("acme/Widget-7B").variant == "base"


@pytest.mark.parametrize(
    "repo_id",
    ["Qwen/Qwen2.5-7B", "meta-llama/Llama-3.1-8B", "mistralai/Mixtral-8x7B-v0.1", "allenai/OLMoE-1B-7B-0924",
     "acme/Widget-7B-Base", "google/gemma-3-27b-pt"],
)
def test_a_base_checkpoint_stays_base_when_the_hub_tags_it_conversational(repo_id):
    assert facts(repo_id, tags=("conversational", "text-generation")).variant == "base"


def test_the_post_trained_sibling_is_still_instruct():
    assert facts("Qwen/Qwen2.5-7B-Instruct", tags=("conversational",)).variant == "instruct"
    assert facts("allenai/OLMoE-1B-7B-0125-Instruct", tags=("conversational",)).variant == "instruct"


def test_gguf_tag_and_library_mark_quantized():
    assert facts("someone/widget", tags=("gguf",)).quant_format == "GGUF"
    assert facts("someone/widget", tags=("gguf",)).variant == "quantized"
    mlx = facts("mlx-community/widget", library_name="mlx")
    assert (mlx.quant_format, mlx.variant) == ("MLX", "quantized")


def test_native_fp8_release_is_not_a_quantized_copy():
    minimax = facts("MiniMaxAI/MiniMax-M2", tags=("fp8", "conversational"))
    assert (minimax.quant_format, minimax.variant) == ("FP8", "instruct")


def test_quant_format_from_config_quantization():
    assert facts("x/y", config={"quantization_config": {"quant_method": "mxfp4"}}).quant_format == "MXFP4"
    ct = {
        "quant_method": "compressed-tensors",
        "config_groups": {"g": {"weights": {"num_bits": 4, "type": "int"}}},
    }
    assert facts("x/y", config={"quantization_config": ct}).quant_format == "INT4"


def test_base_model_card_and_tags_and_family_inheritance():
    result = facts(
        "someone/my-merge-v2",
        tags=("base_model:quantized:Qwen/Qwen3-30B-A3B", "base_model:Qwen/Qwen3-30B-A3B"),
        card_data={"base_model": ["Qwen/Qwen3-30B-A3B-Base"], "base_model_relation": "finetune"},
    )
    assert result.base_models == ("Qwen/Qwen3-30B-A3B-Base", "Qwen/Qwen3-30B-A3B")
    assert result.family == "Qwen3"


def test_quantized_relation_from_tag_marks_variant():
    result = facts("someone/thing", tags=("base_model:quantized:meta-llama/Llama-3.1-8B",))
    assert (result.variant, result.family) == ("quantized", "Llama-3.1")


def test_distilled_from_teacher_and_base():
    result = facts(
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", card_data={"base_model": "Qwen/Qwen2.5-Math-7B"}
    )
    assert (result.family, result.distilled_from, result.base_models) == (
        "DeepSeek-R1",
        "DeepSeek-R1",
        ("Qwen/Qwen2.5-Math-7B",),
    )


@pytest.mark.parametrize(
    ("kwargs", "variant"),
    [
        ({"card_data": {"base_model": "Qwen/Qwen3-8B", "base_model_relation": "adapter"}}, "adapter"),
        ({"library_name": "peft"}, "adapter"),
        ({"card_data": {"base_model": "Qwen/Qwen3-8B", "base_model_relation": "merge"}}, "other"),
    ],
)
def test_adapter_and_merge(kwargs, variant):
    assert facts("someone/thing", **kwargs).variant == variant


@pytest.mark.parametrize(
    ("pipeline_tag", "modality"),
    [
        ("text-generation", "text"),
        ("image-text-to-text", "vision-language"),
        ("text-to-image", "image-generation"),
        ("text-to-video", "video-generation"),
        ("image-to-video", "video-generation"),
        ("automatic-speech-recognition", "speech"),
        ("text-to-speech", "speech"),
        ("audio-text-to-text", "speech"),
        ("feature-extraction", "embedding"),
        ("sentence-similarity", "embedding"),
        ("robotics", "other"),
    ],
)
def test_modality_from_pipeline(pipeline_tag, modality):
    assert facts("x/y", pipeline_tag=pipeline_tag).modality == modality


def test_modality_fallbacks():
    assert facts("x/y", tags=("text-to-image",)).modality == "image-generation"
    assert facts("x/y", library_name="sentence-transformers").modality == "embedding"
    assert facts("x/y", config={"architectures": ["LlamaForCausalLM"]}).modality == "text"
    assert facts("x/y").modality == "other"
