"""Who hears of a quantized build of a release, and what. Pure.

- `/settings quants on`: a subscriber following the release (their filters match it, memory aside) hears of
  its first quantized build, once.
- `/settings vram N`: a release whose weights as shipped do not fit in N GB was not alerted to them; the
  first build whose smallest complete weights take at most 90 % of N is, once ("now fits your 24 GB").
A build that is both the first and the one that fits is one message.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from typing import Any

from tracker.deliver.filters import ModelLike, SubscriptionFilter, matches_besides_memory
from tracker.facts.builds import fits


def notices(f: SubscriptionFilter, release: ModelLike, build: Mapping[str, Any], said: Set[str]) -> tuple[str, ...]:
    """The notices (`quant`, `fits`) a subscriber with filter `f` gets for `build` (an event's new_value), given
    those already `said` about this release."""
    if not (f.quant_builds or f.vram_gb is not None) or not matches_besides_memory(f, release):
        return ()
    out: list[str] = []
    if f.quant_builds and build.get("first") and "quant" not in said:
        out.append("quant")
    shipped = getattr(release, "weights_bytes", None)
    if (f.vram_gb is not None and "fits" not in said and shipped is not None and not fits(shipped, f.vram_gb)
            and fits(build.get("bytes"), f.vram_gb)):
        out.append("fits")
    return tuple(out)
