"""Family, variant, quantization format and modality of a repo, from its name, tags and card data.

Everything here is table-driven: extend the tables, not the code.
"""

from __future__ import annotations

import re
from typing import Any

# -- name tokens (repo name split on "-" and "_", compared lower-case) ------------------------------------
_SIZE_TOKEN = re.compile(r"(\d+(\.\d+)?[mbt]|a\d+(\.\d+)?[mb]|\d+x\d+(\.\d+)?[mb]|\d+e|e\d+(\.\d+)?b)")
_DATE_TOKEN = re.compile(r"\d{4}|\d{6}|\d{8}")
_CONTEXT_TOKEN = re.compile(r"\d+k")
_VERSION_TOKEN = re.compile(r"v\d+\.\d+(\.\d+)?")  # "v0.1" after the family name (Mistral-7B-v0.1)
# fmt: off
_TIER_WORDS = {
    "air", "flash", "lite", "mini", "small", "medium", "large", "nano", "tiny", "micro", "scout", "maverick",
    "behemoth", "preview",
}
_SUFFIX_WORDS = {
    "instruct", "chat", "it", "base", "pt", "thinking", "reasoning", "distill", "distilled", "paddle", "hf",
    "sft", "dpo", "rlhf", "gguf", "awq", "gptq", "fp8", "fp4", "mxfp4", "nvfp4", "int4", "int8", "mlx", "bnb",
    "4bit", "8bit", "exl2", "exl3", "w4a16", "w8a8", "w4a8", "dynamic", "quantized", "lora", "adapter",
}
_FAMILY_PREFIX_ALIASES = (("meta-llama-", "Llama-"), ("Meta-Llama-", "Llama-"))
KNOWN_FAMILY_PREFIXES = (
    "qwen", "qwq", "llama", "deepseek", "glm", "chatglm", "ernie", "kimi", "minimax", "hunyuan", "mistral",
    "mixtral", "ministral", "magistral", "codestral", "devstral", "gpt-oss", "gemma", "phi", "seed", "yi",
    "internlm", "baichuan", "falcon", "olmo", "granite", "command", "smollm", "nemotron", "exaone", "step",
)
# fmt: on

_REASONING_WORDS = {"thinking", "reasoning", "reasoner", "r1", "qwq", "magistral"}
_BASE_WORDS = {"base", "pretrain", "pretrained"}
_INSTRUCT_WORDS = {"instruct", "chat", "it", "sft", "dpo", "rlhf"}
_DISTILL_WORDS = {"distill", "distilled"}
# What a family's unsuffixed release is: the post-trained model (the base carries "-Base"), or the base
# checkpoint (the post-trained one carries "-Instruct"/"-Chat"). A family listed as "base" stays base even
# when the Hub tags it `conversational` (its base checkpoints often ship a chat template).
_UNMARKED_VARIANT = {
    "Qwen1.5": "base",
    "Qwen2": "base",
    "Qwen2.5": "base",
    "Llama-2": "base",
    "Llama-3": "base",
    "Llama-3.1": "base",
    "Llama-3.2": "base",
    "Mistral": "base",
    "Mixtral": "base",
    "OLMoE": "base",
    "OLMo-2": "base",
    "ERNIE-4.5": "instruct",
    "Qwen3": "instruct",
    "GLM-4.5": "instruct",
    "DeepSeek-V3": "instruct",
    "DeepSeek-V3.1": "instruct",
    "DeepSeek-V2": "instruct",
    "Kimi-K2": "instruct",
    "MiniMax-M2": "instruct",
    "gpt-oss": "reasoning",
}

# -- quantization --------------------------------------------------------------------------------------
_QUANT_NAME = (  # (pattern on the lower-case name, format); first match wins
    (r"gguf|(?<![a-z0-9])q[2-8]_k(_[sml])?(?![a-z0-9])", "GGUF"),
    (r"(?<![a-z0-9])mlx(?![a-z0-9])", "MLX"),
    (r"awq", "AWQ"),
    (r"gptq", "GPTQ"),
    (r"exl2", "EXL2"),
    (r"exl3", "EXL3"),
    (r"mxfp4", "MXFP4"),
    (r"nvfp4", "NVFP4"),
    (r"bnb[-_]?4bit", "BNB-4bit"),
    (r"bnb[-_]?8bit", "BNB-8bit"),
    (r"(?<![a-z0-9])fp8(?![a-z0-9])", "FP8"),
    (r"(?<![a-z0-9])(int4|w4a16|w4a8|4bit|4-bit)(?![a-z0-9])", "INT4"),
    (r"(?<![a-z0-9])(int8|w8a8|w8a16|8bit|8-bit)(?![a-z0-9])", "INT8"),
)
_QUANT_TAGS = {
    "gguf": "GGUF",
    "awq": "AWQ",
    "gptq": "GPTQ",
    "fp8": "FP8",
    "mlx": "MLX",
    "exl2": "EXL2",
    "mxfp4": "MXFP4",
}
_QUANT_LIBRARY = {"gguf": "GGUF", "mlx": "MLX"}
_QUANT_METHOD = {
    "fp8": "FP8",
    "fbgemm_fp8": "FP8",
    "mxfp4": "MXFP4",
    "awq": "AWQ",
    "gptq": "GPTQ",
    "exl2": "EXL2",
    "hqq": "HQQ",
}

# -- modality ------------------------------------------------------------------------------------------
_MODALITY = {
    "text-generation": "text",
    "text2text-generation": "text",
    "fill-mask": "text",
    "summarization": "text",
    "translation": "text",
    "question-answering": "text",
    "text-classification": "text",
    "image-text-to-text": "vision-language",
    "visual-question-answering": "vision-language",
    "image-to-text": "vision-language",
    "video-text-to-text": "vision-language",
    "document-question-answering": "vision-language",
    "text-to-image": "image-generation",
    "image-to-image": "image-generation",
    "text-to-video": "video-generation",
    "image-to-video": "video-generation",
    "video-to-video": "video-generation",
    "automatic-speech-recognition": "speech",
    "text-to-speech": "speech",
    "text-to-audio": "speech",
    "feature-extraction": "embedding",
    "sentence-similarity": "embedding",
    "text-ranking": "embedding",
}
_MODALITY_LIBRARY = {"sentence-transformers": "embedding", "diffusers": "image-generation"}
_BASE_RELATIONS = ("quantized", "finetune", "adapter", "merge")


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[-_ ]", name) if t]


def _is_stop(token: str) -> bool:
    low = token.lower()
    if token == "PT":  # ERNIE's PyTorch-weights suffix
        return True
    return bool(
        low in _SUFFIX_WORDS
        or low in _TIER_WORDS
        or _SIZE_TOKEN.fullmatch(low)
        or _DATE_TOKEN.fullmatch(low)
        or _CONTEXT_TOKEN.fullmatch(low)
        or _VERSION_TOKEN.fullmatch(token)
    )


def family_from_name(repo_id: str) -> str | None:
    """The family a repo name spells: "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8" -> "Qwen3".

    None when the name starts with a size or a suffix.
    """
    name = repo_id.rsplit("/", 1)[-1]
    kept: list[str] = []
    for token in _tokens(name):
        if _is_stop(token):
            break
        kept.append(token)
    if not kept:
        return None
    family = "-".join(kept)
    for prefix, replacement in _FAMILY_PREFIX_ALIASES:
        if family.startswith(prefix):
            family = replacement + family[len(prefix) :]
    return family


def is_known_family(family: str | None) -> bool:
    return bool(family) and family.lower().startswith(KNOWN_FAMILY_PREFIXES)


def base_models(card_data: Any, tags: tuple[str, ...]) -> tuple[str, ...]:
    """Base repos from cardData.base_model (str or list) and "base_model:[relation:]org/name" tags."""
    found: list[str] = []
    card = card_data if isinstance(card_data, dict) else {}
    value = card.get("base_model")
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and item.strip():
            found.append(item.strip())
    for tag in tags:
        if not tag.startswith("base_model:"):
            continue
        rest = tag[len("base_model:") :]
        head, _, tail = rest.partition(":")
        found.append(tail if head in _BASE_RELATIONS and tail else rest)
    return tuple(dict.fromkeys(found))


def base_relation(card_data: Any, tags: tuple[str, ...]) -> str | None:
    card = card_data if isinstance(card_data, dict) else {}
    relation = card.get("base_model_relation")
    if isinstance(relation, str) and relation:
        return relation.lower()
    for tag in tags:
        parts = tag.split(":")
        if len(parts) >= 3 and parts[0] == "base_model" and parts[1] in _BASE_RELATIONS:
            return parts[1]
    return None


def model_family(repo_id: str, bases: tuple[str, ...]) -> str | None:
    """The repo's own family when it is a known one, else its base model's family."""
    own = family_from_name(repo_id)
    if is_known_family(own) or not bases:
        return own
    return family_from_name(bases[0]) or own


def distilled_from(repo_id: str) -> str | None:
    """The teacher named before "Distill" ("DeepSeek-R1-Distill-Qwen-7B" -> "DeepSeek-R1")."""
    tokens = _tokens(repo_id.rsplit("/", 1)[-1])
    for i, token in enumerate(tokens):
        if token.lower() in _DISTILL_WORDS and i > 0:
            return "-".join(tokens[:i])
    return None


def quant_format(repo_id: str, tags: tuple[str, ...], library_name: str | None, config: Any) -> str | None:
    """The weight format of a quantized repo: name first, then library, tags and quantization_config."""
    low = repo_id.rsplit("/", 1)[-1].lower()
    for pattern, fmt in _QUANT_NAME:
        if re.search(pattern, low):
            return fmt
    return packaged_quant_format(tags, library_name, config)


def packaged_quant_format(tags: tuple[str, ...], library_name: str | None, config: Any) -> str | None:
    """The quantized format the packaging says (library, tags, quantization_config), never the name."""
    if isinstance(library_name, str) and library_name.lower() in _QUANT_LIBRARY:
        return _QUANT_LIBRARY[library_name.lower()]
    low_tags = {t.lower() for t in tags}
    for tag, fmt in _QUANT_TAGS.items():
        if tag in low_tags:
            return fmt
    if "bitsandbytes" in low_tags:
        return "BNB-8bit" if "8-bit" in low_tags else "BNB-4bit"
    return _config_quant(config)


def is_quantized_repo(
    repo_id: str, tags: tuple[str, ...], library_name: str | None, relation: str | None
) -> bool:
    """A quantized copy (the name or packaging says so), not a release that merely ships in FP8."""
    if relation == "quantized":
        return True
    packaging = tuple(t for t in tags if t.lower() in ("gguf", "mlx", "exl2"))
    return quant_format(repo_id, packaging, library_name, None) is not None


def _config_quant(config: Any) -> str | None:
    quant = config.get("quantization_config") if isinstance(config, dict) else None
    if not isinstance(quant, dict):
        return None
    method = str(quant.get("quant_method", "")).lower()
    if method == "bitsandbytes":
        return "BNB-8bit" if quant.get("load_in_8bit") else "BNB-4bit"
    if method == "compressed-tensors":
        groups = quant.get("config_groups")
        for group in groups.values() if isinstance(groups, dict) else ():
            weights = group.get("weights") if isinstance(group, dict) else None
            if isinstance(weights, dict) and weights.get("num_bits") in (4, 8):
                kind = "FP" if weights.get("type") == "float" else "INT"
                return f"{kind}{weights['num_bits']}"
        return None
    return _QUANT_METHOD.get(method)


def variant(
    repo_id: str,
    family: str | None,
    *,
    quantized: bool,
    relation: str | None,
    library_name: str | None,
    tags: tuple[str, ...],
) -> str:
    """base | instruct | reasoning | quantized | distilled | adapter | other."""
    words = {t.lower() for t in _tokens(repo_id.rsplit("/", 1)[-1])}
    raw = set(_tokens(repo_id.rsplit("/", 1)[-1]))
    if relation == "adapter" or (library_name or "").lower() == "peft" or words & {"lora", "adapter"}:
        return "adapter"
    if quantized:
        return "quantized"
    if words & _DISTILL_WORDS:
        return "distilled"
    if words & _REASONING_WORDS:
        return "reasoning"
    if words & _BASE_WORDS or "pt" in raw:  # Gemma's "-pt" = pretrained; ERNIE's "-PT" = PyTorch weights
        return "base"
    if words & _INSTRUCT_WORDS:
        return "instruct"
    if relation == "merge":
        return "other"
    if family in _UNMARKED_VARIANT:
        return _UNMARKED_VARIANT[family]
    return "instruct" if "conversational" in {t.lower() for t in tags} else "base"


def modality(pipeline_tag: str | None, tags: tuple[str, ...], library_name: str | None, config: Any) -> str:
    """text | vision-language | speech | image-generation | video-generation | embedding | other."""
    for candidate in (pipeline_tag, *tags):
        if not isinstance(candidate, str):
            continue
        low = candidate.lower()
        if low in _MODALITY:
            return _MODALITY[low]
        if low.startswith("audio-"):
            return "speech"
    if isinstance(library_name, str) and library_name.lower() in _MODALITY_LIBRARY:
        return _MODALITY_LIBRARY[library_name.lower()]
    if isinstance(config, dict) and isinstance(config.get("vision_config"), dict):
        return "vision-language"
    architectures = config.get("architectures") if isinstance(config, dict) else None
    if isinstance(architectures, list) and any(
        isinstance(a, str) and a.endswith("ForCausalLM") for a in architectures
    ):
        return "text"
    return "other"
