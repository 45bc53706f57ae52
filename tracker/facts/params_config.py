"""Parameter counts computed from a config.json, architecture by architecture.

Each decoder layer is attention + MLP (dense or mixture-of-experts) + norms; the model adds the input
embedding, the output head (unless tied) and a final norm. Per-family differences (biases, latent attention,
qk-norms, which layers are MoE, shared experts, per-layer lists) are read from `FAMILIES` and the config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tracker.facts.arch_counts import ArchCounts
from tracker.facts.arch_deepseek_v4 import deepseek_v4_counts
from tracker.facts.arch_families import FAMILIES, Family, normalise
from tracker.facts.arch_gemma4 import gemma4_text_counts
from tracker.facts.arch_hybrid import layer_kinds, linear_attention_params
from tracker.facts.arch_mimo import mimo_counts
from tracker.facts.arch_speech import audio_tower_params, speech_generator_params
from tracker.facts.arch_step import step3p5_counts
from tracker.facts.arch_vision import vision_tower_params
from tracker.facts.config_reader import MAX_LAYERS, ConfigError, ConfigView, text_view
from tracker.facts.params_name import format_params

_EXPERT_COUNT_KEYS = ("n_routed_experts", "num_experts", "num_local_experts", "moe_num_experts")
_TOP_K_KEYS = (
    "num_experts_per_tok",
    "experts_per_token",
    "moe_topk",
    "moe_k",
    "num_experts_per_token",
    "top_k",
    "num_selected_experts",
)
_SHARED_KEYS = ("n_shared_experts", "num_shared_experts", "moe_num_shared_experts", "num_shared_expert")
_SHARED_SIZE_KEYS = ("shared_expert_intermediate_size", "shared_intermediate_size")
_LAYER_KEYS = ("num_hidden_layers", "n_layers", "num_layers")


@dataclass(frozen=True)
class ConfigEstimate:
    """Counts of the model described by a config. `mtp` is extra stored weight the headline leaves out."""

    total: int
    active: int
    is_moe: bool
    experts: int | None = None
    mtp: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)
    model_type: str = ""
    embedding: int = 0  # the input embedding table
    head: int = 0  # the output head (0 when tied to the embedding)
    towers: int = 0  # in the total but outside the language model: vision and audio towers, speech generator


class _Model:
    """The numbers one estimate needs, read once from the config."""

    def __init__(self, view: ConfigView) -> None:
        self.v = view
        self.fam = FAMILIES.get(view.model_type) or _unknown_family(view)
        self.hidden = view.first_int(("hidden_size", "d_model", "n_embd"))
        self.layers = view.first_int(_LAYER_KEYS)
        if self.layers > MAX_LAYERS:
            raise ConfigError(f"num_hidden_layers is {self.layers}, out of range")
        self.vocab = view.int("vocab_size")
        self.heads = view.first_int(("num_attention_heads", "n_head", "num_heads"))
        self.kv_heads = view.first_int(("num_key_value_heads", "num_kv_heads"), self.heads)
        self.head_dim = view.int("head_dim", self.hidden // self.heads)
        self.tied = _tied(view, self.fam.tied_default)
        self.experts_key = next((k for k in _EXPERT_COUNT_KEYS if view.has(k)), None)
        self.kinds, self.odd_layer_types = layer_kinds(view, self.layers)
        self.norm_size = self.hidden * (2 if self.fam.norm_bias else 1)
        self.size_key = self.fam.expert_size_key if view.has(self.fam.expert_size_key) else "intermediate_size"
        sizes = view.raw(self.size_key)
        # ERNIE-4.5-VL keeps one expert set per modality: sizes (and counts) given as [text, vision]
        self.modalities = 2 if isinstance(sizes, list) and len(sizes) == 2 and self.layers != 2 else 1

    # -- attention ---------------------------------------------------------------------------------
    def attention(self, layer: int) -> int:
        if self.kinds[layer] == "linear" and self.fam.linear_mixer:
            mixer = linear_attention_params(self.fam.linear_mixer, self.v, self.hidden, self.heads, self.head_dim)
            return mixer
        return self._mla() if self.fam.mla else self._gqa(layer)

    def _gqa(self, layer: int) -> int:
        v, fam, h = self.v, self.fam, self.hidden
        q_out, kv_out = self.heads * self.head_dim, self.kv_heads * self.head_dim
        has_kv = not (v.flag("use_cla") and layer % v.int("cla_share_factor", 1) != 0)  # Hunyuan CLA
        any_bias = v.flag("attention_bias") or v.flag("use_bias")
        qkv_bias = any_bias if fam.qkv_bias is None else fam.qkv_bias
        o_bias = v.flag("attention_out_bias", any_bias) if fam.o_bias is None else fam.o_bias
        kv_part = 2 * (h * kv_out + (kv_out if qkv_bias else 0)) if has_kv else 0
        q_proj = q_out * (2 if fam.gated_q else 1)  # Qwen3-Next: the output gate comes out of q_proj
        params = h * q_proj + (q_proj if qkv_bias else 0) + kv_part + q_out * h + (h if o_bias else 0)
        qk_norm = fam.qk_norm
        if qk_norm == "flag":
            qk_norm = "head" if v.flag("use_qk_norm") or v.flag("qk_layernorm") else "none"
        elif qk_norm == "full" and v.model_type == "minimax_m2" and not v.flag("use_qk_norm"):
            qk_norm = "none"
        if qk_norm == "head":
            params += self.head_dim * (2 if has_kv else 1)
        elif qk_norm == "full":
            params += q_out + (kv_out if has_kv else 0)
        if fam.sinks:
            params += self.heads
        return params

    def _mla(self) -> int:
        v, h, n = self.v, self.hidden, self.heads
        rope, nope = v.int("qk_rope_head_dim"), v.int("qk_nope_head_dim")
        kv_rank, v_dim = v.int("kv_lora_rank"), v.int("v_head_dim")
        q_rank = v.int("q_lora_rank", None)
        q = h * n * (nope + rope) if q_rank is None else h * q_rank + q_rank + q_rank * n * (nope + rope)
        kv = h * (kv_rank + rope) + kv_rank + kv_rank * n * (nope + v_dim)
        bias = (q_rank or 0) + kv_rank + rope + h if v.flag("attention_bias") else 0
        return q + kv + n * v_dim * h + bias + self._indexer(q_rank or h)

    def _indexer(self, q_in: int) -> int:
        """DeepSeek sparse attention's lightning indexer (DeepSeek-V3.2, GLM-5): its queries from the q latent,
        one shared key with a LayerNorm, and per-head weights."""
        v, h = self.v, self.hidden
        if not v.has("index_n_heads"):
            return 0
        heads, dim = v.int("index_n_heads"), v.int("index_head_dim")
        return q_in * heads * dim + h * dim + 2 * dim + h * heads

    # -- MLP ---------------------------------------------------------------------------------------
    def _ffn(self, inter: int) -> int:
        mats = 3 if self.fam.gated_mlp else 2
        bias = (inter * (mats - 1) + self.hidden) if self.v.flag("mlp_bias") or self.v.flag("use_bias") else 0
        return mats * self.hidden * inter + bias

    def is_moe_layer(self, layer: int) -> bool:
        v = self.v
        if self.experts_key is None or self._experts(layer, 0) <= 1:
            return False
        if isinstance(types := v.raw("mlp_layer_types"), list) and len(types) == self.layers:
            return types[layer] == "sparse"
        if (explicit := v.int_list("moe_layers")) is not None:
            return layer in explicit
        if layer in (v.int_list("mlp_only_layers") or []):
            return False
        if layer < v.int("first_k_dense_replace", 0, minimum=0):
            return False
        if layer % v.int("moe_layer_freq", 1) != 0:
            return False
        if (layer + 1) % v.int("decoder_sparse_step", 1) != 0:
            return False
        if (layer + 1) % v.int("interleave_moe_layer_step", 1) != 0:
            return False
        return self._ernie_range(layer)

    def _ernie_range(self, layer: int) -> bool:
        v = self.v
        if not v.has("moe_layer_start_index") and not v.has("moe_layer_interval"):
            return True
        start = _bound(v.raw("moe_layer_start_index"), 0, min, "moe_layer_start_index")
        end = _bound(v.raw("moe_layer_end_index"), self.layers - 1, max, "moe_layer_end_index")
        end = self.layers - 1 if end < 0 else end
        return (layer + 1) % v.int("moe_layer_interval", 1) == 0 and start <= layer <= end

    def mlp(self, layer: int) -> tuple[int, int]:
        """(total, active) of one layer's MLP."""
        v, fam, h, n = self.v, self.fam, self.hidden, self.layers
        if not self.is_moe_layer(layer):
            inter = v.int(fam.dense_mlp_key) if v.has(fam.dense_mlp_key) else v.int("intermediate_size")
            ffn = self._ffn(inter)
            return ffn, ffn
        experts = self._experts(layer, 0)
        top_k = _layer_first(v, _TOP_K_KEYS, layer, n)
        if top_k > experts:
            raise ConfigError(f"{top_k} experts per token but only {experts} experts")
        inter = self._modality_int(self.size_key, layer, 0)
        expert = self._ffn(inter) + (2 * inter + h if fam.expert_bias else 0)
        shared = 0
        if shared_key := next((k for k in _SHARED_SIZE_KEYS if v.has(k)), None):
            shared_size = v.layer_int(shared_key, layer, n, minimum=0)
            shared = self._ffn(shared_size) if shared_size else 0
        else:
            count = _layer_first(v, _SHARED_KEYS, layer, n, default=fam.shared_default, minimum=0)
            shared = self._ffn(inter * count) if count else 0  # shared experts form one wider MLP
        router = (
            h * experts + (experts if self._router_bias() else 0) + (h if fam.shared_gate and shared else 0)
        )
        total, active = experts * expert + shared + router, top_k * expert + shared + router
        for modality in range(1, self.modalities):  # the other modalities' experts: stored, not run for text
            count, size = self._experts(layer, modality), self._modality_int(self.size_key, layer, modality)
            total += count * self._ffn(size) + h * count + (count if self._router_bias() else 0)
        return total, active

    def _modality_int(self, key: str, layer: int, modality: int) -> int:
        value = self.v.raw(key)
        if self.modalities > 1 and isinstance(value, list) and len(value) == self.modalities:
            return self.v.int_list(key)[modality]  # type: ignore[index]
        return self.v.layer_int(key, layer, self.layers)

    def _experts(self, layer: int, modality: int) -> int:
        assert self.experts_key is not None
        value = self.v.raw(self.experts_key)
        if self.modalities > 1 and isinstance(value, list) and len(value) == self.modalities:
            return self.v.int_list(self.experts_key)[modality]  # type: ignore[index]
        return self.v.layer_int(self.experts_key, layer, self.layers, minimum=0)

    def _router_bias(self) -> bool:
        v = self.v
        return (
            self.fam.router_bias
            or v.text("topk_method") == "noaux_tc"
            or v.flag("use_routing_bias")
            or v.flag("moe_use_aux_free")
            or v.flag("moe_router_enable_expert_bias")
        )

    # -- whole model -------------------------------------------------------------------------------
    def layer(self, layer: int) -> tuple[int, int]:
        attn = self.attention(layer)
        norms = self.fam.norms_per_layer * self.norm_size
        mlp_total, mlp_active = self.mlp(layer)
        return attn + norms + mlp_total, attn + norms + mlp_active

    def estimate(self) -> ConfigEstimate:
        embed = self.vocab * self.hidden
        head = 0 if self.tied else embed + (self.vocab if self.v.flag("lm_head_bias") else 0)
        total = active = embed + head + self.norm_size
        for layer in range(self.layers):
            layer_total, layer_active = self.layer(layer)
            total += layer_total
            active += layer_active
        is_moe = any(self.is_moe_layer(i) for i in range(self.layers))
        experts = self._experts(self.layers - 1, 0) if is_moe else None
        mtp = self._mtp(embed)
        notes = list(self._caveats())
        towers = self._towers(notes, is_moe)
        return ConfigEstimate(
            total + towers, active, is_moe, experts, mtp, tuple(notes), self.v.model_type, embed, head, towers
        )

    def _towers(self, notes: list[str], is_moe: bool) -> int:
        """Vision tower, audio tower and speech generator (each counted where modelled), with a note."""
        outer = self.v.parent or self.v.data  # a flat config (Baidu's ERNIE-VL) holds its towers itself
        # A tower that cannot be read is left out with a note; the language model's counts still stand.
        vision = _unless_unreadable(lambda: vision_tower_params(outer, self.hidden))
        audio_config = outer.get("audio_config")
        audio = _unless_unreadable(lambda: audio_tower_params(audio_config))
        speech = _unless_unreadable(lambda: speech_generator_params(outer, _decoder_total)) if audio else None
        parts = [(vision, "vision tower"), (audio, "audio tower"), (speech, "speech generator (talker, code2wav)")]
        counted = [f"the {format_params(n)} {what}" for n, what in parts if n]
        if counted:
            left_out = ["vision tower"] if vision else []
            left_out += ["vision experts"] if self.modalities > 1 else []
            left_out += ["audio tower", "speech generator"] if audio else []
            notes.append(_tower_note(counted, left_out, is_moe))
        if not vision and self._has_vision():
            notes.append("Config estimate covers the language model only (vision tower not counted)")
        if (audio_config or outer.get("talker_config")) and not speech:
            left = "the speech generator (talker)" if audio else "the audio tower and the speech generator (talker)"
            notes.append(f"Config estimate leaves out {left}")
        return (vision or 0) + (audio or 0) + (speech or 0)

    def _has_vision(self) -> bool:
        return isinstance(self.v.raw("vision_config"), dict) or isinstance(self.v.parent.get("vision_config"), dict)

    def _caveats(self) -> tuple[str, ...]:
        notes = []
        linear = "linear" in self.kinds
        if self.odd_layer_types or (linear and not self.fam.linear_mixer):
            notes.append(
                "Config has non-standard (e.g. linear-attention) layers, estimated as standard attention"
            )
        return tuple(notes)

    def _mtp(self, embed: int) -> int:
        """Multi-token-prediction layers as stored (the headline leaves them out).

        DeepSeek/GLM (`num_nextn_predict_layers`): 2 norms, eh_proj, a layer, a norm, and (but GLM-5, Hy3) its
        own copy of the embedding and the head.
        Qwen3-Next/Qwen3.5 (`mtp_num_hidden_layers`): 2 norms, fc (2h -> h), full-attention layers and a final
        norm, sharing the model's embedding and head.
        """
        h = self.hidden
        if count := self.v.int("num_nextn_predict_layers", 0, minimum=0):
            last = self.layers - 1  # the MTP block is built like the last (MoE) decoder layer
            copies = 2 * embed if self.fam.mtp_own_embeddings else 0
            return count * (copies + 2 * h + 2 * h * h + self.layer(last)[0] + h)
        if count := self.v.int("mtp_num_hidden_layers", self.fam.mtp_default, minimum=0):
            full = next((i for i in range(self.layers - 1, -1, -1) if self.kinds[i] == "full"), self.layers - 1)
            return 2 * h + 2 * h * h + count * self.layer(full)[0] + h
        return 0


def _gemma4(view: ConfigView) -> ConfigEstimate:
    counts = gemma4_text_counts(view)
    notes: list[str] = []
    outer = view.parent or view.data
    tower = _unless_unreadable(lambda: vision_tower_params(outer, view.int("hidden_size"))) or 0
    is_moe = counts.experts is not None
    if tower:
        notes.append(_tower_note([f"the {format_params(tower)} vision tower"], ["vision tower"], is_moe))
    elif isinstance(outer.get("vision_config"), Mapping):
        notes.append("Config estimate covers the language model only (vision tower not counted)")
    if isinstance(outer.get("audio_config"), Mapping):
        notes.append("Config estimate leaves out the audio tower")
    return ConfigEstimate(counts.total + tower, counts.active, is_moe, counts.experts, counts.mtp, tuple(notes),
                          view.model_type, counts.embedding, counts.head, tower)


# Architectures whose layers a family switch cannot describe: each has a counter of its own.
_DEDICATED: dict[str, Callable[[ConfigView], ArchCounts]] = {
    "deepseek_v4": deepseek_v4_counts,
    "mimo_v2_flash": mimo_counts,
    "step3p5": step3p5_counts,
}


def _dedicated(view: ConfigView, count: Callable[[ConfigView], ArchCounts]) -> ConfigEstimate:
    c = count(view)
    return ConfigEstimate(c.total, c.active, c.experts is not None, c.experts, c.mtp, (), view.model_type,
                          c.embedding, c.head)


def _tower_note(counted: list[str], left_out: list[str], is_moe: bool) -> str:
    """What the total includes; a MoE count also says what its active count leaves out."""
    # a dense model's active count is its total; only a MoE count says what a text token passes through
    active = f"; the active count is what a text token passes through (no {_join(left_out, 'or')})"
    return f"Total includes {_join(counted)}" + (active if is_moe else "")


def _unknown_family(view: ConfigView) -> Family:
    """A model_type we have no entry for: DeepSeek's latent attention when the config describes it."""
    return Family(mla=view.has("kv_lora_rank") and view.has("qk_rope_head_dim"))


def _unless_unreadable(count: Callable[[], int | None]) -> int | None:
    try:
        return count()
    except (ConfigError, TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError):
        return None


def _join(items: list[str], word: str = "and") -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


def _decoder_total(view: ConfigView) -> int:
    """The total of a decoder config on its own (a talker or code predictor inside an omni model)."""
    return _Model(view).estimate().total


def _tied(view: ConfigView, default: bool) -> bool:
    """Whether the output head shares the embedding table. A composite model's outer config decides:
    transformers 5 writes its own default (true) into a re-saved text_config whose checkpoint is untied."""
    outer = ConfigView(view.parent) if view.parent else None
    if outer is not None and outer.has("tie_word_embeddings"):
        return outer.flag("tie_word_embeddings")
    return view.flag("tie_word_embeddings", default)


def _bound(value: Any, default: int, pick: Any, key: str) -> int:
    if value is None:
        return default
    items = value if isinstance(value, list) and value else [value]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise ConfigError(f"{key} is not an integer")
    return pick(items)


def _layer_first(
    v: ConfigView, keys: tuple[str, ...], layer: int, n: int, default: Any = None, minimum: int = 1
) -> int:
    for key in keys:
        if v.has(key):
            return v.layer_int(key, layer, n, minimum=minimum)
    if default is None:
        raise ConfigError(f"missing {keys[0]}")
    return default


def estimate_from_config(config: Any) -> ConfigEstimate:
    """Total and per-token active parameters of the model a config.json describes.

    Raises ConfigError (with a short reason) when the config cannot be read as a transformer.
    """
    view = text_view(normalise(config) if isinstance(config, Mapping) else config)
    try:
        if view.model_type == "gemma4_text":
            return _gemma4(view)
        count = _DEDICATED.get(view.model_type)
        return _dedicated(view, count) if count else _Model(view).estimate()
    except ConfigError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, IndexError, AttributeError) as exc:
        raise ConfigError(f"{type(exc).__name__}: {exc}") from exc
