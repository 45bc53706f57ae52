"""parse_param_count, format_params and name hints: tables plus property tests."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.facts import NameHint, format_params, name_param_hint, parse_param_count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7B", 7_000_000_000),
        ("1.5b", 1_500_000_000),
        ("0.6B", 600_000_000),
        ("500M", 500_000_000),
        ("1T", 1_000_000_000_000),
        ("235B-A22B", 235_000_000_000),
        ("8x7B", 56_000_000_000),
        ("123", 123),
        (" 7 B ", 7_000_000_000),
        ("1,000", 1000),
        ("7e9", 7_000_000_000),
        ("", None),
        ("abc", None),
        ("-3B", None),
        ("7Q", None),
        ("B", None),
        ("nan", None),
    ],
)
def test_parse_param_count(text, expected):
    assert parse_param_count(text) == expected


def test_parse_param_count_rejects_non_strings():
    assert parse_param_count(None) is None  # type: ignore[arg-type]
    assert parse_param_count(7) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (671_000_000_000, "671B"),
        (671_026_420_936, "671B"),
        (30_532_122_624, "30.5B"),
        (3_300_000_000, "3.3B"),
        (1_000_000_000_000, "1T"),
        (596_000_000, "596M"),
        (8_030_261_248, "8B"),
        (999_960_000_000, "1T"),
        (1_500, "1.5K"),
        (42, "42"),
        (None, "?"),
    ],
)
def test_format_params(n, expected):
    assert format_params(n) == expected


@pytest.mark.parametrize(
    ("repo_id", "hint"),
    [
        (
            "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8",
            NameHint(235_000_000_000, 22_000_000_000, text="235B", active_text="A22B"),
        ),
        ("Qwen/Qwen3-30B-A3B", NameHint(30_000_000_000, 3_000_000_000, text="30B", active_text="A3B")),
        ("mistralai/Mixtral-8x7B-v0.1", NameHint(experts=8, expert_size=7_000_000_000, text="8x7B")),
        (
            "meta-llama/Llama-4-Scout-17B-16E-Instruct",
            NameHint(active=17_000_000_000, experts=16, active_text="17B"),
        ),
        ("tencent/Hunyuan-A13B-Instruct", NameHint(active=13_000_000_000, active_text="A13B")),
        ("Qwen/Qwen1.5-MoE-A2.7B", NameHint(active=2_700_000_000, active_text="A2.7B")),
        ("openai/gpt-oss-120b", NameHint(total=120_000_000_000, text="120b")),
        ("HuggingFaceTB/SmolLM2-135M", NameHint(total=135_000_000, text="135M")),
        # AI2 writes active then total: two sizes in a row, the smaller first
        (
            "allenai/OLMoE-1B-7B-0924",
            NameHint(total=7_000_000_000, active=1_000_000_000, text="7B", active_text="1B"),
        ),
        ("org/model-7B-1B", NameHint(total=7_000_000_000, text="7B")),  # not active-total: the larger first
        ("org/model-1B-v2-7B", NameHint(total=1_000_000_000, text="1B")),  # not in a row
    ],
)
def test_name_param_hint(repo_id, hint):
    assert name_param_hint(repo_id) == hint


@pytest.mark.parametrize(
    "repo_id",
    [
        "moonshotai/Kimi-K2-Instruct",
        "MiniMaxAI/MiniMax-M2",
        "microsoft/Phi-3-mini-4k-instruct",
        "Qwen/Qwen2.5-Math-PRM",
        "google/gemma-3n-E4B-it",
        "unsloth/model-Q4_K_M",
        "org/llama-3-8bit",
    ],
)
def test_names_without_size_give_no_hint(repo_id):
    assert name_param_hint(repo_id) is None


@given(st.text(max_size=60))
def test_parse_param_count_never_raises(text):
    result = parse_param_count(text)
    assert result is None or (isinstance(result, int) and result >= 0)


@given(st.from_regex(r"\d{1,4}(\.\d{1,2})?[KMBTkmbt]", fullmatch=True))
def test_parse_param_count_accepts_every_unit_spelling(text):
    assert parse_param_count(text) is not None


@given(st.integers(min_value=0, max_value=10**15))
def test_format_then_parse_round_trips_within_rounding(n):
    text = format_params(n)
    back = parse_param_count(text)
    assert back is not None
    if n < 1000:
        assert back == n
    else:
        # one decimal below 100 units (<= 5 % at 1.0 unit), none above (<= 0.5 %)
        assert abs(back - n) <= 0.05 * n + 1
