"""What a counter of its own returns for one architecture (DeepSeek-V4, Gemma 4, MiMo-V2, Step-3.5)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArchCounts:
    """Total (without MTP), active per token (embedding and head included), the MTP layers checkpoints store,
    the embedding and output head sizes, and the routed experts per layer (None for a dense model)."""

    total: int
    active: int
    mtp: int
    embedding: int
    head: int
    experts: int | None
