"""The audio tower and the speech generator of omni models, counted from their configs module by module.

Qwen3-Omni (model_type qwen3_omni_moe) is the modelled family; its checkpoint holds, beside the thinker's
language model and vision tower:
- the audio encoder (`thinker_config.audio_config`): three stride-2 Conv2d over the mel spectrogram, a
  linear from channels x frequency bins into d_model, Whisper-style layers (q/k/v/out with biases, two
  LayerNorms, a 2-matrix MLP with biases), a final LayerNorm and a two-layer projection into the thinker;
- the talker (`talker_config`): a MoE decoder (counted like any decoder, by the caller) plus two projection
  MLPs from the thinker's hidden size, and a code predictor (`code_predictor_config`), a small dense decoder
  with one embedding and one head per code group after the first;
- code2wav (`code2wav_config`): the codebook embedding, a pre-transformer with layer scales, ConvNeXt
  upsampling blocks and a SnakeBeta vocoder decoder ending in a 1-channel convolution.

The formulas reproduce Qwen3-Omni-30B-A3B's checkpoint tensor by tensor (tests/data/configs/HAND_COUNTS.md).
None of this runs for a text token, so none of it is in the active count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tracker.facts.config_reader import ConfigError, ConfigView

_AUDIO_ENCODERS = ("qwen3_omni_moe_audio_encoder",)
_RESIDUAL_DILATIONS = 3  # each vocoder block has three residual units (dilations 1, 3, 9)
_VOCODER_KERNEL = 7


def _linear(inputs: int, outputs: int, bias: bool = True) -> int:
    return inputs * outputs + (outputs if bias else 0)


def _halved(size: int, times: int) -> int:
    """The size after `times` stride-2, padding-1, kernel-3 convolutions (each rounds up)."""
    for _ in range(times):
        size = (size + 1) // 2
    return size


def audio_tower_params(audio: Any) -> int | None:
    """Parameters of a Qwen3-Omni audio encoder; None when `audio` is another family's (or not a config)."""
    if not isinstance(audio, Mapping) or str(audio.get("model_type", "")).lower() not in _AUDIO_ENCODERS:
        return None
    v = ConfigView(audio)
    d, ffn, channels = v.int("d_model"), v.int("encoder_ffn_dim"), v.int("downsample_hidden_size")
    convs = _linear(9, channels) + 2 * _linear(9 * channels, channels)
    conv_out = _linear(channels * _halved(v.int("num_mel_bins"), 3), d, bias=False)
    layer = 4 * _linear(d, d) + 4 * d + _linear(d, ffn) + _linear(ffn, d)
    return convs + conv_out + v.int("encoder_layers") * layer + 2 * d + _linear(d, d) + _linear(d, v.int("output_dim"))


def _code2wav(v: ConfigView) -> int:
    h, inter = v.int("hidden_size"), v.int("intermediate_size")
    heads = v.int("num_attention_heads")
    head_dim = v.int("head_dim", h // heads)
    q_out, kv_out = heads * head_dim, v.int("num_key_value_heads", heads) * head_dim
    attention = 2 * h * q_out + 2 * h * kv_out
    layer = attention + 3 * h * inter + 2 * h + 2 * h  # two RMSNorms, two layer scales
    codes = v.int("num_quantizers") * v.int("codebook_size") * h
    pre = v.int("num_hidden_layers") * layer + h
    convnext = (h * _VOCODER_KERNEL + h) + 2 * h + _linear(h, 4 * h) + _linear(4 * h, h) + h
    upsample = sum(h * h * ratio + h + convnext for ratio in v.int_list("upsampling_ratios") or [])
    width = v.int("decoder_dim")
    decoder = width * h * _VOCODER_KERNEL + width
    for rate in v.int_list("upsample_rates") or []:
        out = width // 2
        if out < 1:
            raise ConfigError("decoder_dim is too small for upsample_rates")
        unit = 4 * out + (out * out * _VOCODER_KERNEL + out) + _linear(out, out)
        decoder += 2 * width + (width * out * 2 * rate + out) + _RESIDUAL_DILATIONS * unit
        width = out
    decoder += 2 * width + width * _VOCODER_KERNEL + 1
    return codes + pre + upsample + decoder


def speech_generator_params(outer: Mapping[str, Any], decoder_total: Callable[[ConfigView], int]) -> int | None:
    """The talker, its code predictor and code2wav of a Qwen3-Omni config; None for other families.

    `decoder_total` counts a decoder config (embedding, layers, head) the way the language model is counted.
    """
    talker, wave = outer.get("talker_config"), outer.get("code2wav_config")
    if not (isinstance(talker, Mapping) and isinstance(wave, Mapping)):
        return None
    text, predictor = talker.get("text_config"), talker.get("code_predictor_config")
    if not (isinstance(text, Mapping) and isinstance(predictor, Mapping)):
        return None
    talker_view = ConfigView(talker)
    thinker_hidden, hidden = talker_view.int("thinker_hidden_size"), ConfigView(text).int("hidden_size")
    projections = 2 * (_linear(thinker_hidden, thinker_hidden) + _linear(thinker_hidden, hidden))
    predictor_view = ConfigView(predictor)
    extra_groups = talker_view.int("num_code_groups", predictor_view.int("num_code_groups", 1)) - 2
    table = predictor_view.int("vocab_size") * predictor_view.int("hidden_size")
    # one embedding and one head per code group after the first; decoder_total counts one of each
    predictor_total = decoder_total(ConfigView(predictor)) + max(extra_groups, 0) * 2 * table
    return decoder_total(ConfigView(text, talker)) + projections + predictor_total + _code2wav(ConfigView(wave))
