"""Telegram cards: a huge wave still fits in one message, and Hub text is escaped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.fakes.telegram_html import parse_html, utf16_len
from tracker.render.text import visible_length
from tracker.render.views import license_url
from tracker.store.queries import ModelRow
from tracker.telegram.cards import license_card, release_card, wave_key, weights_card

NOW = datetime(2025, 7, 28, 10, 21, tzinfo=UTC)


def model(i: int, **extra: object) -> ModelRow:
    data = {
        "id": i, "repo_id": f"Qwen/Qwen3-Variant-Number-{i}-Instruct-2507-FP8", "lab": "Qwen (Alibaba)",
        "org": "Qwen", "family": "Qwen3", "variant": "quantized", "quant_format": "FP8", "modality": "text",
        "pipeline_tag": "text-generation", "params_total": (i + 1) * 10**9, "params_active": None,
        "params_total_source": "safetensors", "params_active_source": None, "params_stored": None,
        "memory_bf16_gb": 2.0 * (i + 1),
        "memory_fp8_gb": 1.0 * (i + 1), "memory_4bit_gb": 0.5 * (i + 1), "license": "apache-2.0",
        "license_id": "apache-2.0", "license_class": "permissive", "license_reason": "Apache-2.0",
        "gated": "no", "first_seen_at": NOW, "is_moe": False, "license_link": None,
        "params_active_lab": None, "weights_bytes": None, "context_length": None, "openness_level": None,
        "openness_evidence": None, "summary": None,
    }
    data.update(extra)
    return ModelRow(data)


def test_a_wave_of_300_models_is_cut_to_fit_with_a_more_link() -> None:
    wave = [model(i) for i in range(300)]
    text = release_card(wave, "en", "https://huggingface.co")
    parsed = parse_html(text)
    assert visible_length(text) <= 4096
    assert "300 Qwen3 models" in parsed.text
    assert "more on the Hub" in parsed.text
    assert "Qwen3-Variant-Number-299" in parsed.text  # the biggest come first


def test_one_model_gets_the_full_card_and_hostile_text_is_escaped() -> None:
    hostile = model(1, license_reason="<script>alert(1)</script> & co", family="Fam<b>")
    text = release_card([hostile], "en", "https://huggingface.co")
    parsed = parse_html(text)  # raises on broken markup, as Telegram would
    assert "<script>alert(1)</script> & co" in parsed.text and "Fam<b>" in parsed.text
    assert any(e["type"] == "text_link" for e in parsed.entities)


def test_license_card_in_italian() -> None:
    text = license_card(model(1), {"license": "apache-2.0"}, {"license": "mit", "license_name": "x<y"}, "it",
                        "https://huggingface.co")
    parsed = parse_html(text)
    assert "Cambio di licenza" in parsed.text and "x<y" in parsed.text


def test_models_of_one_lab_and_family_share_a_wave() -> None:
    assert wave_key(model(1)) == wave_key(model(2)) == "Qwen (Alibaba)|Qwen3"
    assert wave_key(model(3, family=None)) == "Qwen (Alibaba)|" + model(3).repo_id


def test_license_links_become_absolute_and_odd_ones_are_dropped() -> None:
    hub = "https://huggingface.co"
    assert license_url(hub, model(1, license_link="LICENSE-MODEL")) == (
        "https://huggingface.co/Qwen/Qwen3-Variant-Number-1-Instruct-2507-FP8/blob/main/LICENSE-MODEL")
    assert license_url(hub, model(1, license_link="https://ai.meta.com/llama/license/")) == (
        "https://ai.meta.com/llama/license/")
    for odd in ("javascript:alert(1)", "/etc/passwd", "../x", "a b", None):
        assert license_url(hub, model(1, license_link=odd)) is None
    card = release_card([model(1, license_link="LICENSE")], "en", hub)
    assert any(e.get("url", "").endswith("/blob/main/LICENSE") for e in parse_html(card).entities)


def _moe(**extra: object) -> ModelRow:
    return model(1, repo_id="MiniMaxAI/MiniMax-M1-80k", lab="MiniMax", family="MiniMax-M1", variant="reasoning",
                 params_total=456_089_655_296, params_active=48_403_306_496, is_moe=True, **extra)


def test_the_lab_figure_is_shown_beside_ours_when_they_differ_beyond_rounding() -> None:
    for lang, ours, words in (("en", "48.4B", "45.9B as the lab counts it"),
                              ("it", "48,4B", "45,9B come li conta il laboratorio")):  # Italian decimal comma
        single = parse_html(release_card([_moe(params_active_lab=45_944_920_064)], lang, "https://huggingface.co"))
        wave = parse_html(release_card([_moe(params_active_lab=45_944_920_064), model(2)], lang,
                                       "https://huggingface.co"))
        assert ours in single.text and words in single.text
        assert words in wave.text
    for same in (48_403_306_496, 48_399_000_000, None):  # equal, equal after rounding, unknown
        text = parse_html(release_card([_moe(params_active_lab=same)], "en", "https://huggingface.co")).text
        assert "as the lab counts it" not in text


def test_the_variant_other_is_never_shown() -> None:
    for lang in ("en", "it"):
        text = parse_html(release_card([model(1, variant="other")], lang, "https://huggingface.co")).text
        assert "other" not in text.lower().split("apache")[0]
        assert "quantized" in parse_html(release_card([model(1)], "en", "https://huggingface.co")).text


LONG_TEXTS = {
    "ascii": "L" * 10_000,
    "escaped": "<&>" * 3_400,  # every character becomes an entity; cut before escaping, never inside one
    "astral": "😀" * 3_000,  # two UTF-16 code units each: 6,000 as Telegram counts
    "mixed": ("Licence <b>très</b> longue & 🦙 " * 400),
}


@pytest.mark.parametrize("kind", sorted(LONG_TEXTS))
@pytest.mark.parametrize("lang", ["en", "it"])
def test_a_single_model_card_with_a_huge_license_is_cut_to_fit(kind: str, lang: str) -> None:
    long = LONG_TEXTS[kind]
    m = model(1, license=long, license_id=None, license_reason="Custom license: " + long[:3000])
    text = release_card([m], lang, "https://huggingface.co")
    parsed = parse_html(text)  # well-formed: no tag or entity broken by the cut
    assert utf16_len(parsed.text) <= 4096
    assert visible_length(text) == utf16_len(parsed.text)
    assert "…" in parsed.text
    assert "Qwen3-Variant-Number-1" in parsed.text and "🕒" in parsed.text
    assert any(e["type"] == "text_link" for e in parsed.entities)  # still the full card, not plain text


def test_the_longest_hub_text_is_cut_first() -> None:
    m = model(1, license="other", license_id=None, license_reason="short reason", family="F" * 6000)
    parsed = parse_html(release_card([m], "en", "https://huggingface.co"))
    assert "short reason" in parsed.text  # left alone
    assert "F" * 100 in parsed.text and "F" * 5000 not in parsed.text


def test_a_small_wave_with_huge_licenses_keeps_its_models() -> None:
    wave = [model(i, license="X" * 9000, license_id=None) for i in range(3)]
    text = release_card(wave, "en", "https://huggingface.co")
    parsed = parse_html(text)
    assert utf16_len(parsed.text) <= 4096
    assert all(f"Qwen3-Variant-Number-{i}" in parsed.text for i in range(3))
    assert "more on the Hub" not in parsed.text


def test_a_license_card_with_huge_names_is_cut_to_fit() -> None:
    old = {"license": "other", "license_name": "O" * 9000, "license_link": "https://x"}
    new = {"license": "other", "license_name": "N" * 9000}
    text = license_card(model(1, license_reason="R" * 5000), old, new, "en", "https://huggingface.co")
    parsed = parse_html(text)
    assert utf16_len(parsed.text) <= 4096
    assert "O" * 100 in parsed.text and "N" * 100 in parsed.text and "License change" in parsed.text


def test_the_card_says_context_and_where_the_weights_fit_as_shipped_and_at_4bit() -> None:
    row = model(1, repo_id="deepseek-ai/DeepSeek-V3", params_total=671_000_000_000, context_length=163_840,
                weights_bytes=688_574_839_360)
    text = release_card([row], "en", "https://huggingface.co")
    assert "📜 160K tokens of context" in text
    assert "Fits on <b>8×141 GB GPUs</b> as shipped (689 GB, 439 GB left for the KV cache)" in text
    assert "at 4-bit 8×80 GB GPUs (304 GB left)" in text
    assert "160K" in release_card([row], "it", "https://huggingface.co")
    plain = release_card([model(2)], "en", "https://huggingface.co")
    assert "context" not in plain and "Fits on" not in plain


def test_weights_card_says_what_changed_and_escapes_hub_text() -> None:
    row = model(1, repo_id="Qwen/<b>x</b>")
    old = {"sha": "aaaaaaaaaaaaaaaa", "parameters": {"BF16": 8_000_000_000}, "params_total": 8_000_000_000}
    new = {"sha": "bbbbbbbbbbbbbbbb", "parameters": {"F8_E4M3": 8_000_000_000}, "params_total": 8_000_000_000,
           "files": 2, "bytes": 8_100_000_000}
    text = weights_card(row, old, new, "en", "https://huggingface.co")
    assert "Weights updated" in text and "&lt;b&gt;x&lt;/b&gt;" in text and "<b>x</b>" not in text
    assert "F8_E4M3 8B (was BF16 8B)" in text and "2 weight files, 8.1 GB" in text
    assert "<code>aaaaaaaaaa</code> → <code>bbbbbbbbbb</code>" in text
    assert "Pesi aggiornati" in weights_card(row, old, new, "it", "https://huggingface.co")
