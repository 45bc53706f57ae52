"""The Hub's model tree in the fake: quantized builds of a model, uploaded by anyone, as the Hub shows them.

The tree itself is the fake's `base_model:<id>` / `base_model:<relation>:<id>` tags (tests/fakes/hub_model.py,
`hub_tags`), which `filter=` matches like any tag; these builders make the repos real uploaders publish:

- GGUF (bartowski, unsloth, lmstudio-community): a `gguf` field and one `.gguf` file per quantization, big ones
  split into `-00001-of-0000N.gguf` parts, often a vision projector (`mmproj-*.gguf`); the Hub infers the
  `quantized` relation from the GGUF files.
- MLX (mlx-community): `library_name: mlx`, safetensors shards; the relation shows as `finetune` unless the
  card says `base_model_relation: quantized` (many do not).
- AWQ / GPTQ / FP8 re-uploads: transformers repos whose config.json has a `quantization_config`.

Sizes are served where the real Hub serves them: `siblings[].size` and `lfs` with `?blobs=true`
(`model_info(files_metadata=True)`).
"""

from __future__ import annotations

from typing import Any

from .hub import FakeHub
from .hub_model import FakeModel

SPLIT_AT = 50_000_000_000  # llama.cpp's gguf-split default is 50 GB parts, as uploaders ship them


def gguf_files(stem: str, quants: dict[str, int], mmproj: int | None = None,
               split_at: int = SPLIT_AT) -> dict[str, int]:
    """{file name: size} of a GGUF repo: `{stem}-{quant}.gguf`, or its `-0000i-of-0000n` parts when larger
    than `split_at` (in a folder named after the quantization, as bartowski and unsloth do)."""
    files: dict[str, int] = {}
    for quant, size in quants.items():
        parts = -(-size // split_at)
        if parts == 1:
            files[f"{stem}-{quant}.gguf"] = size
            continue
        per = size // parts
        for i in range(1, parts + 1):
            last = size - per * (parts - 1)
            files[f"{quant}/{stem}-{quant}-{i:05d}-of-{parts:05d}.gguf"] = per if i < parts else last
    if mmproj is not None:
        files[f"mmproj-{stem}-f16.gguf"] = mmproj
    return files


def gguf_build(hub: FakeHub, repo_id: str, base: str, quants: dict[str, int], *, params: int = 32_000_000_000,
               architecture: str = "qwen3", mmproj: int | None = None, **kw: Any) -> FakeModel:
    """A GGUF repo of `base` with one file per quantization ({"Q4_K_M": bytes, ...})."""
    stem = base.split("/", 1)[1]
    return hub.add_model(repo_id, **{
        "library_name": None, "base_model": base, "tags": ("imatrix", "conversational"),
        "gguf": {"total": params, "architecture": architecture, "context_length": 40960},
        "weight_files": gguf_files(stem, quants, mmproj), **kw})


def mlx_build(hub: FakeHub, repo_id: str, base: str, size: int, *, bits: int = 4, **kw: Any) -> FakeModel:
    """An mlx-community style repo of `base`: MLX safetensors of `size` bytes (shown as a finetune)."""
    shards = max(1, -(-size // 5_000_000_000))
    per = size // shards
    files = {f"model-{i:05d}-of-{shards:05d}.safetensors": per if i < shards else size - per * (shards - 1)
             for i in range(1, shards + 1)} if shards > 1 else {"model.safetensors": size}
    return hub.add_model(repo_id, **{
        "library_name": "mlx", "base_model": base, "tags": ("mlx",), "weight_files": files,
        "safetensors": {"BF16": size // 20, "U32": size * 9 // 40},
        "config": {"model_type": "qwen3", "quantization": {"group_size": 64, "bits": bits}}, **kw})


def config_build(hub: FakeHub, repo_id: str, base: str, size: int, method: str, **kw: Any) -> FakeModel:
    """A transformers re-upload of `base` quantized with `method` (awq, gptq, fp8, compressed-tensors)."""
    return hub.add_model(repo_id, **{
        "base_model": base, "weight_files": {"model.safetensors": size},
        "safetensors": {"I32": size // 8, "F16": size // 4} if method != "fp8" else {"F8_E4M3": size},
        "config": {"model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"],
                   "quantization_config": {"quant_method": method, "bits": 4}}, **kw})
