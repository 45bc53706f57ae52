"""Quantized builds of a release: which Hub repos are one, their format, and their weights' sizes. Pure.

A build is tied to a release by the Hub's model tree (`base_model:<relation>:<release>` tags), never by
its name. Safetensors quantizations (MLX, AWQ, GPTQ, FP8 re-uploads) often show as `finetune` there
(the Hub infers `quantized` mostly from GGUF files), so a `finetune` counts when its packaging says it is
quantized (library, tags, `quantization_config`); `adapter` and `merge` never count.

Sizes come from the repo's file list. A GGUF repo holds several quantizations: each is a variant, its
split parts (`-00001-of-00003.gguf`) summed, and a variant missing a part is not complete (yet). Vision
projectors (`mmproj`) are not weights of their own. A safetensors build is one variant: all its shards.
"Fits" means the weights take at most 90 % of the memory (the rest for the KV cache), as for the set-ups
of "Fits on" (tracker/data/setups.toml); GB are 1e9 bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tracker.facts.family import packaged_quant_format

FIT_SHARE = 0.9
GB = 1e9
COUNTED_RELATIONS = ("quantized", "finetune")
_SPLIT = re.compile(r"^(?P<stem>.+?)-(?P<part>\d{5})-of-(?P<parts>\d{5})\.(?P<ext>gguf|safetensors)$", re.I)
# llama.cpp's quantization types as they appear in file names (IQ2_XXS, Q4_K_M, Q8_0, BF16, MXFP4 ...).
_GGUF_TYPE = re.compile(r"(?<![A-Za-z0-9])(I?Q\d(?:_[A-Z0-9]+)*|BF16|F16|F32|MXFP4(?:_MOE)?|TQ\d_\d)(?![A-Za-z0-9])",
                        re.I)


@dataclass(frozen=True)
class Variant:
    """One complete set of weights in a build: its label (Q4_K_M, or the format) and its bytes."""

    name: str
    bytes: int


def base_links(tags: Iterable[str]) -> list[tuple[str, str]]:
    """(relation, base repo id) from the Hub's `base_model:<relation>:<repo>` tags."""
    links: list[tuple[str, str]] = []
    for tag in tags:
        parts = tag.split(":", 2)
        if len(parts) == 3 and parts[0] == "base_model" and parts[1] and parts[2]:
            links.append((parts[1], parts[2]))
    return links


def build_format(tags: Iterable[str], library_name: str | None, config: Any,
                 safetensors: Any = None) -> str | None:
    """The quantized format its packaging says (GGUF, MLX, AWQ, GPTQ, FP8, INT4 ...), never from its name;
    None when nothing says it is quantized."""
    tags = tuple(t for t in tags if isinstance(t, str))
    found = packaged_quant_format(tags, library_name, config)
    if found is not None:
        return found
    quant = config.get("quantization_config") if isinstance(config, Mapping) else None
    method = str(quant.get("quant_method", "")).lower() if isinstance(quant, Mapping) else ""
    if method == "compressed-tensors":  # the API's config names the method only: the dtypes tell which
        params = safetensors.get("parameters") if isinstance(safetensors, Mapping) else None
        dtypes = {str(d).upper() for d in params} if isinstance(params, Mapping) else set()
        return "FP8" if any(d.startswith("F8") for d in dtypes) else "INT4" if dtypes & {"I32", "I8", "U8"} else None
    return None


def is_build_of(relation: str, fmt: str | None) -> bool:
    """A `quantized` relation always counts; a `finetune` only when its packaging is quantized."""
    return relation == "quantized" or (relation in COUNTED_RELATIONS and fmt is not None)


def variants(files: Mapping[str, Any], fmt: str | None) -> list[Variant]:
    """The complete weight sets in a repo's files ({path: size}), smallest first."""
    gguf = {p: s for p, s in files.items() if p.lower().endswith(".gguf") and "mmproj" not in p.lower()}
    if gguf:
        return _complete(gguf, _gguf_label)
    shards = {p: s for p, s in files.items() if p.lower().endswith(".safetensors")}
    if not shards:
        return []
    sets = _complete(shards, lambda stem: fmt or "safetensors")
    if len(sets) != 1:  # several folders of shards: keep them apart; one set is the whole build
        return sets
    return [Variant(fmt or "safetensors", sets[0].bytes)]


def _complete(files: Mapping[str, Any], label: Any) -> list[Variant]:
    """Group split parts by their stem; a set missing a part, or a file of unknown size, is left out."""
    groups: dict[str, dict[int, int]] = {}
    expected: dict[str, int] = {}
    broken: set[str] = set()
    for path, size in files.items():
        match = _SPLIT.match(path)
        stem, part, parts = (match["stem"], int(match["part"]), int(match["parts"])) if match else (
            path.rsplit(".", 1)[0], 1, 1)
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            broken.add(stem)
            continue
        groups.setdefault(stem, {})[part] = size
        expected[stem] = parts
    out = [Variant(label(stem), sum(got.values())) for stem, got in groups.items()
           if stem not in broken and set(got) == set(range(1, expected[stem] + 1))]
    return sorted(out, key=lambda v: (v.bytes, v.name))


def _gguf_label(stem: str) -> str:
    name = stem.rsplit("/", 1)[-1]
    found = _GGUF_TYPE.findall(name)
    return found[-1].upper() if found else name


def fits(weights_bytes: int | None, vram_gb: float | None) -> bool:
    """True when weights of this size fit in `vram_gb` (at most 90 %); unknown sizes never fit."""
    return weights_bytes is not None and vram_gb is not None and weights_bytes <= FIT_SHARE * vram_gb * GB


def best_fit(sizes: Iterable[Variant], vram_gb: float) -> Variant | None:
    """The largest variant that fits (the best quality that runs there), or None."""
    fitting = [v for v in sizes if fits(v.bytes, vram_gb)]
    return max(fitting, key=lambda v: (v.bytes, v.name)) if fitting else None
