"""The arguments people type to /settings, /subscribe and /recent, and the callback data we send."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.bot.browse import parse_recent_args
from tracker.bot.keyboards import (
    MAX_DATA,
    lab_from_token,
    lab_token,
    labs_keyboard,
    openness_keyboard,
    settings_home,
    size_keyboard,
    vram_keyboard,
)
from tracker.bot.settings_logic import SettingsError, parse_labs, parse_settings_args, toggled
from tracker.deliver.filters import SubscriptionFilter
from tracker.watchlist import Lab, Watchlist, load_watchlist

WATCHLIST = load_watchlist(None)


def names(labs: list[Lab]) -> list[str]:
    return [lab.name for lab in labs]


@pytest.mark.parametrize(("words", "labs", "unknown"), [
    (["deepseek", "qwen"], ["DeepSeek", "Qwen (Alibaba)"], []),
    (["moonshot", "ai", "glm"], ["Moonshot AI (Kimi)", "Zhipu / Z.ai"], []),
    (["deepseek,", "atlantis"], ["DeepSeek"], ["atlantis"]),
    (["Qwen", "qwen", "alibaba"], ["Qwen (Alibaba)"], []),
    (["nope"], [], ["nope"]),
])
def test_parse_labs(words: list[str], labs: list[str], unknown: list[str]) -> None:
    found, missing = parse_labs(words, WATCHLIST)
    assert (names(found), missing) == (labs, unknown)


@pytest.mark.parametrize(("args", "changes"), [
    (["min", "7B"], {"min_params": 7 * 10**9}),
    (["max", "1.5b"], {"max_params": 1_500_000_000}),
    (["min", "any"], {"min_params": None}),
    (["license", "non-commercial,permissive"], {"license_classes": ["permissive", "non-commercial"]}),
    (["license", "any"], {"license_classes": []}),
    (["quantized", "skip"], {"include_quantized": False}),
    (["QUANTIZED", "include"], {"include_quantized": True}),
    (["labs", "all"], {"labs": []}),
    (["keywords", "Coder", "coder", " vl "], {"keywords": ["Coder", "vl"]}),
    (["keywords", "-"], {"keywords": []}),
    (["quants", "on"], {"quant_builds": True}),
    (["quants", "off"], {"quant_builds": False}),
    (["vram", "24"], {"vram_gb": 24.0}),
    (["vram", "7,5", "GB"], {"vram_gb": 7.5}),
    (["VRAM", "80gb"], {"vram_gb": 80.0}),
    (["vram", "off"], {"vram_gb": None}),
])
def test_settings_text_forms(args: list[str], changes: dict) -> None:
    assert parse_settings_args(args, WATCHLIST).changes == changes


@pytest.mark.parametrize(("args", "code"), [
    (["min", "huge"], "bad_size"),
    (["min"], "need_size"),
    (["min", "-3B"], "bad_size"),
    (["license", "free"], "bad_license"),
    (["quantized", "maybe"], "bad_quantized"),
    (["labs"], "need_labs"),
    (["labs", "atlantis"], "unknown_labs"),
    (["colour", "blue"], "bad_field"),
    (["quants", "maybe"], "bad_quants"),
    (["vram"], "bad_vram"),
    (["vram", "lots"], "bad_vram"),
    (["vram", "0"], "bad_vram"),
    (["vram", "nan"], "bad_vram"),
    (["vram", "1e400"], "bad_vram"),
])
def test_settings_errors_name_the_problem(args: list[str], code: str) -> None:
    with pytest.raises(SettingsError) as info:
        parse_settings_args(args, WATCHLIST)
    assert info.value.code == code


def test_min_above_max_is_refused_both_ways() -> None:
    with pytest.raises(SettingsError, match="min_above_max"):
        parse_settings_args(["min", "100B"], WATCHLIST, None, 70 * 10**9)
    with pytest.raises(SettingsError, match="min_above_max"):
        parse_settings_args(["max", "3B"], WATCHLIST, 7 * 10**9, None)


@given(st.lists(st.text(max_size=30), max_size=6))
def test_settings_parser_never_fails_unexpectedly(args: list[str]) -> None:
    with contextlib.suppress(SettingsError):
        parse_settings_args(args, WATCHLIST)


@pytest.mark.parametrize(("args", "parsed"), [
    ([], (None, "")), (["3"], (3, "")), (["qwen", "10"], (10, "qwen")), (["10", "moonshot", "ai"], (10, "moonshot ai")),
    (["-2"], (-2, "")), (["3", "4"], (3, "4")),
])
def test_recent_args(args: list[str], parsed: tuple) -> None:
    assert parse_recent_args(args) == parsed


def test_toggled_keeps_the_reference_order() -> None:
    assert toggled(["b"], "a", ["a", "b", "c"]) == ["a", "b"]
    assert toggled(["a", "b"], "a", ["a", "b", "c"]) == ["b"]


def test_every_callback_data_fits_and_lab_tokens_round_trip() -> None:
    long_name = Lab(name="A Very Long Laboratory Name That Goes On And On Forever Inc", orgs=("x",), country="X",
                    region="X")
    watchlist = Watchlist(labs=(*WATCHLIST.labs, long_name))
    for lab in watchlist.labs:
        assert lab_from_token(watchlist, lab_token(lab)) == lab
    keyboards = [labs_keyboard("it", watchlist, [lab.name for lab in watchlist.labs], p) for p in range(5)]
    keyboards += [settings_home("en", SubscriptionFilter(), True), size_keyboard("en", "max", None),
                  openness_keyboard("it", ["open-model"]), vram_keyboard("it", 7.5),
                  settings_home("it", SubscriptionFilter(quant_builds=True, vram_gb=7.5), True)]
    for keyboard in keyboards:
        for row in keyboard.inline_keyboard:
            for button in row:
                assert 1 <= len(button.callback_data.encode()) <= MAX_DATA
    texts = [b.text for row in keyboards[-1].inline_keyboard for b in row]
    assert "Prima build quantizzata: segnalata" in texts and "Memoria: 7,5 GB" in texts
    marked = [b for row in vram_keyboard("en", 24.0).inline_keyboard for b in row if b.text.startswith("✅")]
    assert [(b.text, b.callback_data) for b in marked] == [("✅ 24 GB", "s:vr:24")]


@pytest.mark.parametrize(
    ("args", "levels"),
    [
        (["openness", "open-model+"], ["open-model", "open-science"]),
        (["openness", "open-science,", "restricted-weights"], ["restricted-weights", "open-science"]),
        (["openness", "any"], []),
    ],
)
def test_openness_levels_by_text(args: list[str], levels: list[str]) -> None:
    assert parse_settings_args(args, WATCHLIST).changes == {"openness_levels": levels}


def test_bad_openness_and_weights_values_say_what_is_valid() -> None:
    with pytest.raises(SettingsError) as bad:
        parse_settings_args(["openness", "open-sauce"], WATCHLIST)
    assert bad.value.code == "bad_openness" and "open-model" in bad.value.values["valid"]
    with pytest.raises(SettingsError):
        parse_settings_args(["openness"], WATCHLIST)
    with pytest.raises(SettingsError) as weights:
        parse_settings_args(["weights", "sometimes"], WATCHLIST)
    assert weights.value.code == "bad_weights"
    assert parse_settings_args(["weights", "on"], WATCHLIST).changes == {"weight_updates": True}
