"""Subscription filters: which releases a subscriber wants. Pure functions over plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tracker.facts.builds import fits

LICENSE_CLASSES = ("permissive", "open-restricted", "non-commercial", "unknown")
OPENNESS_LEVELS = ("restricted-weights", "open-weights", "open-model", "open-science")  # least to most open
QUANTIZED_VARIANTS = ("quantized",)
MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 40


class ModelLike(Protocol):
    repo_id: str
    lab: str
    params_total: int | None
    license_class: str | None
    openness_level: str | None
    variant: str | None
    quant_format: str | None


@dataclass(frozen=True)
class SubscriptionFilter:
    """What a subscriber asked for; empty tuples and None mean "any"."""

    labs: tuple[str, ...] = ()
    min_params: int | None = None
    max_params: int | None = None
    license_classes: tuple[str, ...] = ()
    include_quantized: bool = True
    keywords: tuple[str, ...] = ()
    openness_levels: tuple[str, ...] = ()
    weight_updates: bool = False  # not a filter: also alert weight updates of the models that match
    quant_builds: bool = False  # not a filter: also tell of a matching release's first quantized build
    vram_gb: float | None = None  # only what fits in this memory, and later a build that makes a release fit

    @classmethod
    def of(cls, subscriber: Any) -> SubscriptionFilter:
        """The filter stored on a Subscriber row (or anything with the same attributes)."""
        return cls(
            labs=tuple(subscriber.labs or ()),
            min_params=subscriber.min_params,
            max_params=subscriber.max_params,
            license_classes=tuple(subscriber.license_classes or ()),
            include_quantized=bool(subscriber.include_quantized),
            keywords=tuple(subscriber.keywords or ()),
            openness_levels=tuple(getattr(subscriber, "openness_levels", None) or ()),
            weight_updates=bool(getattr(subscriber, "weight_updates", False)),
            quant_builds=bool(getattr(subscriber, "quant_builds", False)),
            vram_gb=getattr(subscriber, "vram_gb", None),
        )

    @property
    def is_everything(self) -> bool:
        return self == SubscriptionFilter(weight_updates=self.weight_updates, quant_builds=self.quant_builds)


def is_quantized(model: ModelLike) -> bool:
    """Quantized or GGUF re-packs of a model (FP8 originals from the lab count as quantized too)."""
    return (model.variant in QUANTIZED_VARIANTS) or bool(model.quant_format)


def fits_memory(f: SubscriptionFilter, model: ModelLike) -> bool:
    """The memory filter alone: the weights as shipped fit the subscriber's memory, or no memory is set, or the
    weights' size is unknown (nothing says they do not fit)."""
    size = getattr(model, "weights_bytes", None)
    return f.vram_gb is None or size is None or fits(size, f.vram_gb)


def matches(f: SubscriptionFilter, model: ModelLike) -> bool:
    """True when the subscriber wants this model's release alert: every filter, memory included. A size filter
    never matches a model of unknown size."""
    return fits_memory(f, model) and matches_besides_memory(f, model)


def wants_change(f: SubscriptionFilter, model: ModelLike, told: bool) -> bool:
    """True when a license change or weight update of `model` reaches the subscriber: the filters besides
    memory match, and the model fits their memory or they were `told` of the release (its release alert or
    its "now fits" notice reached them). The memory filter decides release alerts, not what follows them."""
    return matches_besides_memory(f, model) and (told or fits_memory(f, model))


def matches_besides_memory(f: SubscriptionFilter, model: ModelLike) -> bool:
    """Every filter but the memory one (which decides release alerts and "now fits" notices only)."""
    if f.labs and model.lab not in f.labs:
        return False
    if f.min_params is not None and (model.params_total is None or model.params_total < f.min_params):
        return False
    if f.max_params is not None and (model.params_total is None or model.params_total > f.max_params):
        return False
    if f.license_classes and (model.license_class or "unknown") not in f.license_classes:
        return False
    if f.openness_levels and getattr(model, "openness_level", None) not in f.openness_levels:
        return False
    if not f.include_quantized and is_quantized(model):
        return False
    if f.keywords:
        name = model.repo_id.lower()
        if not any(k.lower() in name for k in f.keywords):
            return False
    return True


def clean_keywords(words: list[str]) -> list[str]:
    """Keywords as people typed them, trimmed, de-duplicated and bounded (plain substrings, no patterns)."""
    seen: dict[str, str] = {}
    for word in words:
        w = "".join(ch for ch in word.strip() if ch.isprintable())[:MAX_KEYWORD_LENGTH]
        if w and w.lower() not in seen:
            seen[w.lower()] = w
    return list(seen.values())[:MAX_KEYWORDS]
