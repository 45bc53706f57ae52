"""A release's model tree, from its children's `base_model:<relation>:<id>` tags: how many quantized builds,
fine-tunes, adapters and merges, and the most liked of each, named as people say them ("bartowski GGUF",
"mlx-community 4-bit"). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

RELATIONS = ("quantized", "finetune", "adapter", "merge")
TOP = 3  # most liked children named per relation

_BITS = re.compile(r"(?<![0-9])([2-8])[-_ ]?bits?(?![a-z])", re.I)
# Quantization formats, from the tags (or the repo name) of a quantized build, first match wins.
_FORMATS = (("gguf", "GGUF"), ("awq", "AWQ"), ("gptq", "GPTQ"), ("exl3", "EXL3"), ("exl2", "EXL2"),
            ("fp8", "FP8"), ("nvfp4", "NVFP4"), ("mxfp4", "MXFP4"), ("int4", "INT4"), ("int8", "INT8"),
            ("bitsandbytes", "bnb"))


class ChildLike(Protocol):
    repo_id: str
    tags: tuple[str, ...]
    likes: int
    library_name: str | None


def relation(child: ChildLike, base_id: str) -> str | None:
    """How `child` derives from `base_id` according to its model-tree tags (None: not a direct child)."""
    base = base_id.lower()
    for tag in child.tags:
        parts = tag.split(":", 2)
        if len(parts) == 3 and parts[0] == "base_model" and parts[1] in RELATIONS and parts[2].lower() == base:
            return parts[1]
    return None


def quant_label(child: ChildLike) -> str:
    """Who made a quantized build and in what format: "bartowski GGUF", "mlx-community 4-bit"."""
    owner, _, name = child.repo_id.partition("/")
    tags = {t.lower() for t in child.tags}
    library = (child.library_name or "").lower()
    bits = _BITS.search(name)
    if library == "mlx" or "mlx" in tags:
        return f"{owner} {bits.group(1)}-bit" if bits else f"{owner} MLX"
    lowered = name.lower()
    for key, shown in _FORMATS:
        if key in tags or key in lowered:
            return f"{owner} {shown}"
    return f"{owner} {bits.group(1)}-bit" if bits else child.repo_id


def summarise(base_id: str, children: Iterable[ChildLike], complete: bool = True) -> dict[str, Any]:
    """Counts per relation and the most liked of each: {"quantized": {"count", "top": [{"id", "label",
    "likes"}]}, ...}; `complete` False says the counts are lower bounds (a listing left unread)."""
    groups: dict[str, list[ChildLike]] = {r: [] for r in RELATIONS}
    for child in children:
        kind = relation(child, base_id)
        if kind is not None:
            groups[kind].append(child)
    tree: dict[str, Any] = {}
    for kind, found in groups.items():
        ranked = sorted(found, key=lambda c: (-c.likes, c.repo_id))
        top = _named(ranked, kind)
        tree[kind] = {"count": len(found), "top": top}
    tree["complete"] = complete
    return tree


def _named(ranked: Sequence[ChildLike], kind: str) -> list[dict[str, Any]]:
    named: list[dict[str, Any]] = []
    labels: set[str] = set()
    for child in ranked:
        label = quant_label(child) if kind == "quantized" else child.repo_id
        if label in labels:
            continue
        labels.add(label)
        named.append({"id": child.repo_id, "label": label, "likes": child.likes})
        if len(named) == TOP:
            break
    return named
