"""Which parameter counts we report, and where each comes from.

Active-parameter convention: the per-token active count includes EVERYTHING a token passes through — the
input embedding row lookup counted as the whole embedding matrix, the output head, attention, norms, the
router, the shared experts and the routed experts chosen per token (top-k). This is how Qwen, Kimi and
DeepSeek state "activated parameters"; MiniMax and GLM leave out the embedding and head, and OpenAI leaves
out the input embedding, so their stated figures are smaller than ours by those matrices.

Sources, best first:
- total: the Hub's safetensors metadata (exact, minus stored extras the headline leaves out: multi-token-
  prediction layers and FP8 scale tensors), then the config.json estimate, then GGUF metadata, then the name.
- active: the config.json estimate (MoE), the total itself for dense models, then the name ("A22B").
Name hints are only cross-checks while a config is readable; disagreements over 10 % become notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tracker.facts.config_reader import ConfigError
from tracker.facts.conventions import convention_for, lab_active
from tracker.facts.params_config import ConfigEstimate, estimate_from_config
from tracker.facts.params_name import NameHint, format_params, name_param_hint

ACTIVE_CONVENTION = (
    "Active parameters count everything used per token, including the input embedding and the output head "
    "(the Qwen, Kimi and DeepSeek convention)."
)

_DISAGREE = 0.10  # name vs config, safetensors vs config
_PACKED_DTYPES = ("I32", "U32", "I64", "U8", "I4", "U4")  # several quantized weights packed per element


@dataclass(frozen=True)
class ParamFacts:
    """The parameter part of ModelFacts."""

    total: int | None = None
    total_source: str | None = None
    active: int | None = None
    active_source: str | None = None
    stored: int | None = None
    dtype_breakdown: dict[str, int] | None = None
    is_moe: bool = False
    notes: tuple[str, ...] = ()
    active_lab: int | None = None  # the active count as the lab counts it (tracker/data/conventions.toml)


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def dtype_breakdown(safetensors: Any) -> dict[str, int]:
    """The Hub's per-dtype parameter counts, keeping only well-formed entries."""
    if not isinstance(safetensors, dict) or not isinstance(safetensors.get("parameters"), dict):
        return {}
    return {str(k): v for k, v in safetensors["parameters"].items() if _positive_int(v) is not None}


def _safetensors_total(safetensors: Any, breakdown: dict[str, int]) -> int | None:
    if isinstance(safetensors, dict) and (total := _positive_int(safetensors.get("total"))):
        return total
    return sum(breakdown.values()) or None


def _fp8_scales(config: Any, breakdown: dict[str, int]) -> int:
    """Estimated size of block-wise FP8 scale tensors (one F32 per block of FP8 weights)."""
    quant = config.get("quantization_config") if isinstance(config, dict) else None
    if not isinstance(quant, dict) or str(quant.get("quant_method", "")).lower() != "fp8":
        return 0
    block = quant.get("weight_block_size")
    if not (isinstance(block, list) and len(block) == 2 and all(_positive_int(b) for b in block)):
        return 0
    fp8 = sum(n for dtype, n in breakdown.items() if dtype.upper().startswith("F8"))
    estimate = fp8 // (block[0] * block[1])
    return estimate if 0 < estimate <= breakdown.get("F32", 0) else 0


def _gb(params: int | None, bytes_per_param: float) -> float | None:
    return None if params is None else round(params * bytes_per_param / 1e9, 1)


def memory_gb(params: int | None) -> tuple[float | None, float | None, float | None]:
    """Weight memory in GB (1e9 bytes) at BF16, FP8 and 4-bit."""
    return _gb(params, 2), _gb(params, 1), _gb(params, 0.5)


def _off(a: int, b: int, written: str = "") -> bool:
    """True when `a` is more than 10 % outside what `b` could mean. A name rounds ("A3B" is 2.5B to 3.5B),
    so the 10 % is counted from the edges of the rounding interval of the number as written."""
    half = _rounding_half(written)
    low, high = max(b - half, 0), b + half
    return a < low - _DISAGREE * low or a > high + _DISAGREE * high


_WRITTEN_NUMBER = re.compile(r"(\d+)(?:\.(\d+))?\s*([KMBT])", re.IGNORECASE)
_UNIT = {"K": 10**3, "M": 10**6, "B": 10**9, "T": 10**12}


def _rounding_half(written: str) -> float:
    """Half the last written digit's value: "A3B" -> 0.5B, "3.3B" -> 0.05B, "" -> 0."""
    found = _WRITTEN_NUMBER.search(written or "")
    if not found:
        return 0.0
    decimals = len(found.group(2) or "")
    return 0.5 * _UNIT[found.group(3).upper()] / (10**decimals)


class _Resolver:
    def __init__(self, repo_id: str, safetensors: Any, config: Any, gguf: Any) -> None:
        self.notes: list[str] = []
        self.breakdown = dtype_breakdown(safetensors)
        self.st_total = _safetensors_total(safetensors, self.breakdown)
        self.config = config
        self.estimate = self._estimate(config)
        self.gguf = gguf if isinstance(gguf, dict) else {}
        self.hint: NameHint | None = name_param_hint(repo_id)

    def _estimate(self, config: Any) -> ConfigEstimate | None:
        if config is None:
            return None
        try:
            return estimate_from_config(config)
        except ConfigError as exc:
            self.notes.append(f"config.json unreadable: {exc}")
        except Exception as exc:  # noqa: BLE001 - the facts must never raise on odd input
            self.notes.append(f"config.json unreadable: {type(exc).__name__}")
        return None

    def total(self) -> tuple[int | None, str | None, int | None]:
        """(total, source, stored)."""
        est = self.estimate
        if self.st_total:
            return self._from_safetensors(self.st_total, est)
        if est:
            self.notes.extend(est.notes)
            if est.mtp:
                self.notes.append(
                    f"Checkpoints of this architecture usually also store a {format_params(est.mtp)} "
                    "multi-token-prediction module not counted here"
                )
            return est.total, "config", None
        if gguf_total := _positive_int(self.gguf.get("total")):
            return gguf_total, "gguf", None
        if self.hint and self.hint.total:
            return self.hint.total, "name", None
        return None, None, None

    def _from_safetensors(
        self, stored: int, est: ConfigEstimate | None
    ) -> tuple[int | None, str | None, int | None]:
        total = stored
        scales = _fp8_scales(self.config, self.breakdown)
        if est and est.mtp and _closer(stored - scales - est.mtp, stored - scales, est.total):
            total -= est.mtp
            self.notes.append(
                f"Stored weights include a {format_params(est.mtp)} multi-token-prediction module "
                "not counted in the headline"
            )
        if scales:
            total -= scales
            self.notes.append(f"Stored weights include {format_params(scales)} FP8 scale tensors")
        if est and _off(total, est.total):
            packed = [d for d in self.breakdown if d.upper() in _packed_dtypes(self.config)]
            if packed and not _matches_unpacked(self.config):
                self.notes.append(
                    f"Safetensors count {format_params(stored)} holds packed quantized weights "
                    f"({', '.join(packed)}); using the config estimate {format_params(est.total)}"
                )
                return est.total, "config", None
            self.notes.append(
                f"Config estimates {format_params(est.total)} but the weights hold {format_params(total)}"
            )
            self.notes.extend(est.notes)
        return total, "safetensors", (stored if stored != total else None)

    def active(self, total: int | None) -> tuple[int | None, str | None, bool]:
        """(active, source, is_moe)."""
        est, hint = self.estimate, self.hint
        if est:
            if not est.is_moe:
                return total, ("dense" if total is not None else None), False
            return est.active, "config", True
        if hint and hint.active:
            return hint.active, "name", True
        arch = self.gguf.get("architecture")
        is_moe = bool(hint and hint.experts) or (isinstance(arch, str) and "moe" in arch.lower())
        return None, None, is_moe

    def active_lab(self, repo_id: str, active: int | None, source: str | None) -> int | None:
        """Our config-computed active count as the family's lab counts it; None for unknown families."""
        est = self.estimate
        if not (est and est.is_moe and active and source == "config"):
            return None
        convention = convention_for(est.model_type, repo_id)
        return lab_active(active, est.embedding, est.head, convention) if convention else None

    def cross_check(
        self, total: int | None, source: str | None, active: int | None, active_lab: int | None = None
    ) -> None:
        """Notes where the name disagrees with the counts by more than 10 % (ours and the lab's way both)."""
        est, hint = self.estimate, self.hint
        if not hint:
            return
        off_lab = active_lab is None or _off(active_lab, hint.active or 0, hint.active_text)
        if hint.active and est and est.is_moe and active and _off(active, hint.active, hint.active_text) and off_lab:
            self.notes.append(
                f"Name says {hint.active_text} but config estimates {format_params(active)} active"
            )
        # a name counts the language model: an omni model's towers and speech generator are not in "30B"
        language_model = total - est.towers if total and est else None
        if hint.total and total and est and _off(total, hint.total, hint.text) and (
            not est.towers or _off(language_model or 0, hint.total, hint.text)
        ):
            self.notes.append(f"Name says {hint.text} but the {source} count is {format_params(total)}")
        if hint.experts and est and est.experts and hint.experts != est.experts:
            self.notes.append(f"Name says {hint.experts} experts but config has {est.experts}")


def _closer(candidate: int, other: int, target: int) -> bool:
    return abs(candidate - target) < abs(other - target)


def _packed_dtypes(config: Any) -> tuple[str, ...]:
    """The dtypes that pack several weights per element; I8 too where experts ship as FP4 pairs (DeepSeek-V4)."""
    fp4_experts = isinstance(config, dict) and str(config.get("expert_dtype", "")).lower() == "fp4"
    return (*_PACKED_DTYPES, "I8") if fp4_experts else _PACKED_DTYPES


def _matches_unpacked(config: Any) -> bool:
    """gpt-oss style MXFP4: the Hub already counts the logical parameters of the U8 blocks."""
    quant = config.get("quantization_config") if isinstance(config, dict) else None
    return isinstance(quant, dict) and str(quant.get("quant_method", "")).lower() == "mxfp4"


def resolve_params(repo_id: str, safetensors: Any, config: Any, gguf: Any) -> ParamFacts:
    """Total, active and stored counts with their sources and notes."""
    resolver = _Resolver(repo_id, safetensors, config, gguf)
    total, total_source, stored = resolver.total()
    active, active_source, is_moe = resolver.active(total)
    active_lab = resolver.active_lab(repo_id, active, active_source)
    resolver.cross_check(total, total_source, active, active_lab)
    if is_moe and active is None:
        resolver.notes.append("Active parameter count unknown without a readable config.json")
    return ParamFacts(
        total,
        total_source,
        active,
        active_source,
        stored,
        resolver.breakdown,
        is_moe,
        tuple(dict.fromkeys(resolver.notes)),
        active_lab,
    )
