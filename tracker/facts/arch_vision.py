"""Vision towers of vision-language models, counted from `vision_config` module by module.

A key missing from vision_config takes the default of the reference implementation's config class (what
loading the checkpoint would use). The towers count into the total, never into the active count: the
active figure is what a text token passes through (a note says so).

Families (outer model_type) and what their tower holds:
- qwen2_vl: Conv3d patch embedding (no bias), `depth` ViT blocks of width `embed_dim` (two LayerNorms, qkv +
  proj with biases, a 2-matrix MLP of `mlp_ratio` x width with biases), the patch merger (LayerNorm, two
  linears over width*merge^2, the second into `hidden_size`).
- qwen2_5_vl: the same patch embedding, blocks with two RMSNorms and a gated MLP (`intermediate_size`, with
  biases), the merger (RMSNorm, two linears, the second into `out_hidden_size`).
- qwen3_vl, qwen3_vl_moe (and Qwen3-Omni's thinker): Conv3d patch embedding (with bias), learned position
  table, `depth` ViT blocks (two LayerNorms, qkv + proj with biases, a 2-matrix MLP with biases), the patch
  merger (LayerNorm, two linears over hidden*merge^2) and one DeepStack merger per `deepstack_visual_indexes`
  entry.
- glm4v, glm4v_moe: position table ((image/patch)^2), Conv3d patch embedding, `depth` blocks (two RMSNorms,
  qkv, proj, a gated MLP of width out_hidden_size), two RMSNorms, a Conv2d downsample, the merger
  (proj, LayerNorm, gated MLP of width intermediate_size).
- llama4: unfold-conv patch embedding, class embedding and position table, two LayerNorms, the encoder
  layers (LayerNorms, q/k/v/o with biases, a 2-matrix MLP with biases), the pixel-shuffle adapter MLP and the
  multi-modal projector into the text hidden size.
- gemma4: a linear patch embedding, a two-axis position table, `num_hidden_layers` blocks (q, k, v, o
  without biases, q and k norms of the head size, a gated MLP, four norms), the standardisation scale and
  bias, and the projection into the text hidden size.
- kimi_k25: MoonViT (Conv2d patch embedding with bias, a learned height x width position table, `vt_*`
  blocks like the ViT blocks above, a final LayerNorm) and the patch-merger projector (LayerNorm, two
  linears over width*merge, the second into the text hidden size).
- ernie4_5_vl_moe (and Baidu's own ernie4_5_moe_vl format): linear patch embedding, `depth` ViT blocks, a
  final LayerNorm and the variable-resolution resampler (spatial and temporal MLPs with LayerNorms, a
  projection into the text hidden size, an RMSNorm).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.facts.config_reader import ConfigView

_DEFAULTS: dict[str, dict[str, Any]] = {
    "qwen2_vl": {
        "depth": 32, "embed_dim": 1280, "hidden_size": 3584, "mlp_ratio": 4, "in_channels": 3, "patch_size": 14,
        "spatial_merge_size": 2, "temporal_patch_size": 2,
    },
    "qwen2_5_vl": {
        "depth": 32, "hidden_size": 3584, "intermediate_size": 3420, "in_channels": 3, "patch_size": 14,
        "spatial_merge_size": 2, "temporal_patch_size": 2, "out_hidden_size": 3584,
    },
    "qwen3_vl": {
        "depth": 27, "hidden_size": 1152, "intermediate_size": 4304, "in_channels": 3, "patch_size": 16,
        "spatial_merge_size": 2, "temporal_patch_size": 2, "out_hidden_size": 3584,
        "num_position_embeddings": 2304, "deepstack_visual_indexes": [8, 16, 24],
    },
    "glm4v": {
        "depth": 24, "hidden_size": 1536, "attention_bias": False, "in_channels": 3, "image_size": 336,
        "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2, "out_hidden_size": 4096,
        "intermediate_size": 13696,
    },
    "llama4": {
        "hidden_size": 768, "num_hidden_layers": 34, "num_channels": 3, "intermediate_size": 5632,
        "vision_output_dim": 7680, "image_size": 448, "patch_size": 14, "projector_input_dim": 4096,
        "projector_output_dim": 4096,
    },
    "gemma4": {
        "hidden_size": 1152, "intermediate_size": 4304, "num_hidden_layers": 27, "num_attention_heads": 16,
        "patch_size": 16, "position_embedding_size": 10240, "standardize": True,
    },
    "kimi_k25": {
        "vt_hidden_size": 1152, "vt_intermediate_size": 4304, "vt_num_hidden_layers": 27, "patch_size": 14,
        "init_pos_emb_height": 64, "init_pos_emb_width": 64, "merge_kernel_size": [2, 2],
    },
    "ernie4_5_vl_moe": {
        "depth": 32, "hidden_size": 1280, "in_channels": 3, "patch_size": 14, "spatial_merge_size": 2,
        "temporal_merge_size": 2, "intermediate_size": 5120,
    },
}
_ALIASES = {
    "qwen3_vl_moe": "qwen3_vl",
    "qwen3_omni_moe": "qwen3_vl",  # Qwen3-Omni's thinker carries the Qwen3-VL tower
    "qwen3_omni_moe_thinker": "qwen3_vl",
    "qwen3_5": "qwen3_vl",  # Qwen3.5 / 3.6 are natively multimodal with the Qwen3-VL tower
    "qwen3_5_moe": "qwen3_vl",
    "glm4v_moe": "glm4v",
    "ernie4_5_vl": "ernie4_5_vl_moe",
    "ernie4_5_moe_vl": "ernie4_5_vl_moe",  # Baidu's own format (see _baidu_ernie_vision)
}


def tower_family(config: Mapping[str, Any]) -> str | None:
    """The vision family of an outer config, None when its tower is not modelled (or there is none)."""
    model_type = str(config.get("model_type", "")).lower()
    family = _ALIASES.get(model_type, model_type)
    return family if family in _DEFAULTS and isinstance(config.get("vision_config"), Mapping) else None


def _view(family: str, vision: Mapping[str, Any]) -> ConfigView:
    return ConfigView(vision, _DEFAULTS[family])


def _vit_block(h: int, inter: int) -> int:
    """Two LayerNorms, qkv and proj with biases, a 2-matrix MLP with biases."""
    return 4 * h + (h * 3 * h + 3 * h) + (h * h + h) + (h * inter + inter) + (inter * h + h)


def _merger_mlp(wide: int, out: int) -> int:
    """The patch merger's two linears with biases: merged patches (wide) -> wide -> the text hidden size."""
    return wide * wide + wide + wide * out + out


def _qwen_patch(v: ConfigView, width: int) -> int:
    """The Conv3d patch embedding of the Qwen2-VL family, without a bias."""
    channels = v.first_int(("in_chans", "in_channels"))  # the Hub's files say in_chans
    return channels * v.int("temporal_patch_size") * v.int("patch_size") ** 2 * width


def _qwen2_vl(v: ConfigView, text_hidden: int) -> int:
    width = v.int("embed_dim")
    mlp, wide = int(width * v.number("mlp_ratio")), width * v.int("spatial_merge_size") ** 2
    merger = 2 * width + _merger_mlp(wide, v.int("hidden_size"))
    return _qwen_patch(v, width) + v.int("depth") * _vit_block(width, mlp) + merger


def _qwen2_5_vl(v: ConfigView, text_hidden: int) -> int:
    h, inter, out = v.int("hidden_size"), v.int("intermediate_size"), v.int("out_hidden_size")
    wide = h * v.int("spatial_merge_size") ** 2
    block = 2 * h + (h * 3 * h + 3 * h) + (h * h + h) + 2 * (h * inter + inter) + (inter * h + h)  # RMSNorms, gated MLP
    merger = h + _merger_mlp(wide, out)
    return _qwen_patch(v, h) + v.int("depth") * block + merger


def _qwen3_vl(v: ConfigView, text_hidden: int) -> int:
    h, inter = v.int("hidden_size"), v.int("intermediate_size")
    p, tp, merge = v.int("patch_size"), v.int("temporal_patch_size"), v.int("spatial_merge_size")
    out = v.int("out_hidden_size")
    patch = v.int("in_channels") * tp * p * p * h + h
    pos = v.int("num_position_embeddings") * h
    wide = h * merge * merge

    def merger(post_norm: bool) -> int:
        return 2 * (wide if post_norm else h) + _merger_mlp(wide, out)

    deepstack = len(v.int_list("deepstack_visual_indexes") or [])
    return patch + pos + v.int("depth") * _vit_block(h, inter) + merger(False) + deepstack * merger(True)


def _glm4v(v: ConfigView, text_hidden: int) -> int:
    h, out, inter = v.int("hidden_size"), v.int("out_hidden_size"), v.int("intermediate_size")
    p, tp, merge = v.int("patch_size"), v.int("temporal_patch_size"), v.int("spatial_merge_size")
    pos = (v.int("image_size") // p) ** 2 * h
    patch = v.int("in_channels") * tp * p * p * h + h
    block = 2 * h + h * 3 * h + (3 * h if v.flag("attention_bias") else 0) + h * h + 3 * h * out
    downsample = h * out * merge * merge + out
    merger = out * out + 2 * out + 3 * out * inter
    return pos + patch + v.int("depth") * block + 2 * h + downsample + merger


def _llama4(v: ConfigView, text_hidden: int) -> int:
    h, inter, p = v.int("hidden_size"), v.int("intermediate_size"), v.int("patch_size")
    patch = v.int("num_channels") * p * p * h
    embeddings = h + ((v.int("image_size") // p) ** 2 + 1) * h
    layer = 4 * h + 4 * (h * h + h) + (h * inter + inter) + (inter * h + h)
    proj_in, proj_out = v.int("projector_input_dim"), v.int("projector_output_dim")
    adapter = inter * proj_in + proj_out * proj_out
    projector = v.int("vision_output_dim") * text_hidden
    return patch + embeddings + 4 * h + v.int("num_hidden_layers") * layer + adapter + projector


def _gemma4(v: ConfigView, text_hidden: int) -> int:
    w, inter, heads = v.int("hidden_size"), v.int("intermediate_size"), v.int("num_attention_heads")
    head_dim = v.int("head_dim", w // heads)
    layer = 4 * w * w + 2 * head_dim + 3 * w * inter + 4 * w  # no biases; the v norm has no weight
    patch = 3 * v.int("patch_size") ** 2 * w
    positions = 2 * v.int("position_embedding_size") * w  # one table per image axis
    standardize = 2 * w if v.flag("standardize") else 0
    return v.int("num_hidden_layers") * layer + patch + positions + standardize + text_hidden * w  # + projection


def _kimi_k25(v: ConfigView, text_hidden: int) -> int:
    w, inter = v.int("vt_hidden_size"), v.int("vt_intermediate_size")
    patch = 3 * v.int("patch_size") ** 2 * w + w
    positions = v.int("init_pos_emb_height") * v.int("init_pos_emb_width") * w  # the time axis is fixed
    tower = patch + positions + v.int("vt_num_hidden_layers") * _vit_block(w, inter) + 2 * w
    merge = 1
    for size in v.int_list("merge_kernel_size") or []:
        merge *= size
    wide, out = w * merge, v.int("text_hidden_size", text_hidden)
    return tower + 2 * w + _merger_mlp(wide, out)  # the patch-merger projector


def _ernie_vl(v: ConfigView, text_hidden: int) -> int:
    h, inter, p = v.int("hidden_size"), v.int("intermediate_size"), v.int("patch_size")
    patch = v.int("in_channels") * p * p * h
    spatial = h * v.int("spatial_merge_size") ** 2
    temporal = spatial * v.int("temporal_merge_size")

    def mlp(in_dim: int) -> int:
        return in_dim * spatial + spatial + spatial * spatial + spatial + 2 * spatial

    resampler = mlp(spatial) + mlp(temporal) + spatial * text_hidden + text_hidden + text_hidden
    return patch + v.int("depth") * _vit_block(h, inter) + 2 * h + resampler


_TOWERS = {
    "qwen2_vl": _qwen2_vl,
    "qwen2_5_vl": _qwen2_5_vl,
    "qwen3_vl": _qwen3_vl,
    "glm4v": _glm4v,
    "llama4": _llama4,
    "kimi_k25": _kimi_k25,
    "gemma4": _gemma4,
    "ernie4_5_vl_moe": _ernie_vl,
}


def vision_tower_params(config: Mapping[str, Any], text_hidden: int) -> int | None:
    """Parameters of the vision tower (and its projector into the language model), None when not modelled."""
    family = tower_family(config)
    if family is None:
        return None
    vision = config["vision_config"]
    if str(config.get("model_type", "")).lower() == "ernie4_5_moe_vl":
        vision = _baidu_ernie_vision(config, vision)
    return _TOWERS[family](_view(family, vision), text_hidden)


def _baidu_ernie_vision(config: Mapping[str, Any], vision: Mapping[str, Any]) -> dict[str, Any]:
    """Baidu's ERNIE-4.5-VL config (DFNRope ViT) in transformers' names: the ViT width is `embed_dim`, its
    MLP `embed_dim * mlp_ratio`, and the resampler's merge sizes sit in the outer config."""
    out = dict(vision)
    width = vision.get("embed_dim", vision.get("hidden_size"))
    if width is not None:
        out["hidden_size"] = width
        ratio = vision.get("mlp_ratio", 4)
        if isinstance(width, int) and isinstance(ratio, int | float) and not isinstance(ratio, bool):
            out["intermediate_size"] = int(width * ratio)
    for ours, baidu in (("spatial_merge_size", "spatial_conv_size"), ("temporal_merge_size", "temporal_conv_size")):
        if config.get(baidu) is not None:
            out[ours] = config[baidu]
    return out
