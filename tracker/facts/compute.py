"""The facts of one model: what goes in (FactInputs), what comes out (ModelFacts), and compute_facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracker.facts import family as fam
from tracker.facts.kv_cache import kv_bytes_per_token
from tracker.facts.licenses import LicenseFacts, classify_license
from tracker.facts.openness import classify_openness
from tracker.facts.params import ParamFacts, memory_gb, resolve_params
from tracker.facts.weights import context_length, weights_bytes


@dataclass(frozen=True)
class FactInputs:
    """Everything the Hub tells us about one repo (all optional but the id)."""

    repo_id: str
    tags: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    library_name: str | None = None
    card_data: dict | None = None
    safetensors: dict | None = None
    config: dict | None = None
    gguf: dict | None = None
    gated: bool | str = False
    config_subset: dict | None = None  # the listing's small `config` (quantization method), for backfill
    weight_files: dict | None = None  # {filename: bytes} of weight files, when the Hub listed their sizes
    readme: dict | None = None  # what tracker.facts.readme.read_card found in the model card (or None)


@dataclass(frozen=True)
class ModelFacts:
    """Parameter counts, license, family and variant of one model. See tracker.facts.params for sources."""

    params_total: int | None
    params_total_source: str | None
    params_active: int | None
    params_active_source: str | None
    params_stored: int | None
    dtype_breakdown: dict[str, int]
    is_moe: bool
    params_notes: tuple[str, ...]
    memory_bf16_gb: float | None
    memory_fp8_gb: float | None
    memory_4bit_gb: float | None
    license_id: str | None
    license_class: str
    license_reason: str
    license_name: str | None
    license_link: str | None
    license_raw: str | None
    family: str | None
    variant: str
    quant_format: str | None
    modality: str
    base_models: tuple[str, ...] = field(default_factory=tuple)
    distilled_from: str | None = None
    params_active_lab: int | None = None  # the active count as the lab counts it (see facts/conventions.py)
    weights_bytes: int | None = None  # the weights as shipped (tracker.facts.weights)
    context_length: int | None = None
    kv_bytes_per_token: int | None = None  # BF16 KV cache per token of context (tracker.facts.kv_cache)
    openness_level: str | None = None  # tracker.facts.openness.LEVELS
    openness_evidence: tuple[str, ...] = field(default_factory=tuple)
    summary: str | None = None  # the card's first descriptive sentence


def _clean_tags(tags: Any) -> tuple[str, ...]:
    if isinstance(tags, str):
        return (tags,)
    if not isinstance(tags, (list, tuple, set, frozenset)):
        return ()
    return tuple(t for t in tags if isinstance(t, str))


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _guard(notes: list[str], what: str, default: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run one part of the computation; on an unexpected error keep `default` and say so in the notes."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - compute_facts never raises
        notes.append(f"{what} failed: {type(exc).__name__}")
        return default


def compute_facts(inputs: FactInputs) -> ModelFacts:
    """All facts of one model from its Hub metadata. Pure; never raises, whatever is inside `inputs`."""
    notes: list[str] = []
    repo_id = getattr(inputs, "repo_id", "")
    repo_id = repo_id if isinstance(repo_id, str) else ""
    tags = _clean_tags(getattr(inputs, "tags", ()))
    card = getattr(inputs, "card_data", None)
    card = card if isinstance(card, dict) else None
    config = getattr(inputs, "config", None)
    library = _str_or_none(getattr(inputs, "library_name", None))
    pipeline = _str_or_none(getattr(inputs, "pipeline_tag", None))

    params: ParamFacts = _guard(
        notes,
        "parameter count",
        ParamFacts(),
        resolve_params,
        repo_id,
        getattr(inputs, "safetensors", None),
        config,
        getattr(inputs, "gguf", None),
    )
    lic: LicenseFacts = _guard(
        notes, "license", LicenseFacts(None, "unknown", "License unreadable"), classify_license, card, tags
    )
    bases: tuple[str, ...] = _guard(notes, "base models", (), fam.base_models, card, tags)
    relation = _guard(notes, "base relation", None, fam.base_relation, card, tags)
    family = _guard(notes, "family", None, fam.model_family, repo_id, bases)
    quant = _guard(notes, "quantization", None, fam.quant_format, repo_id, tags, library, config)
    quantized = _guard(notes, "quantization", False, fam.is_quantized_repo, repo_id, tags, library, relation)
    variant = _guard(
        notes,
        "variant",
        "other",
        fam.variant,
        repo_id,
        family,
        quantized=quantized,
        relation=relation,
        library_name=library,
        tags=tags,
    )
    modality = _guard(notes, "modality", "other", fam.modality, pipeline, tags, library, config)
    teacher = _guard(notes, "distillation", None, fam.distilled_from, repo_id)
    bf16, fp8, q4 = memory_gb(params.total)
    size, _source = _guard(notes, "weights size", (None, None), weights_bytes, getattr(inputs, "safetensors", None),
                           getattr(inputs, "weight_files", None), config or getattr(inputs, "config_subset", None))
    context = _guard(notes, "context length", None, context_length, config, getattr(inputs, "gguf", None))
    kv = _guard(notes, "KV cache size", None, kv_bytes_per_token, config)
    readme = getattr(inputs, "readme", None)
    readme = readme if isinstance(readme, dict) else None
    level, evidence = _guard(notes, "openness", (None, ()), classify_openness, lic.id, lic.license_class,
                             getattr(inputs, "gated", False), tags, card, readme)
    summary = readme.get("summary") if readme else None
    return ModelFacts(
        params_total=params.total,
        params_total_source=params.total_source,
        params_active=params.active,
        params_active_source=params.active_source,
        params_stored=params.stored,
        dtype_breakdown=dict(params.dtype_breakdown or {}),
        is_moe=params.is_moe,
        params_notes=(*params.notes, *notes),
        memory_bf16_gb=bf16,
        memory_fp8_gb=fp8,
        memory_4bit_gb=q4,
        license_id=lic.id,
        license_class=lic.license_class,
        license_reason=lic.reason,
        license_name=lic.name,
        license_link=lic.link,
        license_raw=lic.raw,
        family=family,
        variant=variant,
        quant_format=quant,
        modality=modality,
        base_models=bases,
        distilled_from=teacher,
        params_active_lab=params.active_lab,
        weights_bytes=size,
        context_length=context,
        kv_bytes_per_token=kv,
        openness_level=level,
        openness_evidence=tuple(evidence),
        summary=summary if isinstance(summary, str) and summary else None,
    )
