"""The sanitiser of Hub values (tracker.hub.bounds) and parse_model on hostile items, table-driven."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from tracker.facts import FactInputs, compute_facts
from tracker.hub import bounds as hv
from tracker.hub.bounds import skip_reason
from tracker.hub.shapes import parse_model
from tracker.poll.cycle import facts_for

NOW = datetime(2025, 8, 1, tzinfo=UTC)
BIG = 2**63


@pytest.mark.parametrize(
    ("value", "limit", "minimum", "expected", "noted"),
    [
        (7, hv.MAX_COUNT, 0, 7, False),
        (0, hv.MAX_COUNT, 0, 0, False),
        (0, hv.MAX_PARAMS, 1, None, True),
        (-1, hv.MAX_COUNT, 0, None, True),
        (BIG, hv.MAX_COUNT, 0, None, True),
        (2**53 - 1, hv.MAX_COUNT, 0, 2**53 - 1, False),
        (2**53, hv.MAX_COUNT, 0, None, True),
        (10**15, hv.MAX_PARAMS, 1, 10**15, False),
        (10**15 + 1, hv.MAX_PARAMS, 1, None, True),
        (True, hv.MAX_COUNT, 0, None, True),
        (7.0, hv.MAX_COUNT, 0, None, True),
        (float("nan"), hv.MAX_COUNT, 0, None, True),
        ("7", hv.MAX_COUNT, 0, None, True),
        ([7], hv.MAX_COUNT, 0, None, True),
        ({"n": 7}, hv.MAX_COUNT, 0, None, True),
        (None, hv.MAX_COUNT, 0, None, False),
    ],
)
def test_count(value: Any, limit: int, minimum: int, expected: int | None, noted: bool) -> None:
    notes: list[str] = []
    assert hv.count(value, "downloads", notes, limit, minimum) == expected
    assert bool(notes) is noted
    assert all(n.startswith("downloads: ") for n in notes)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mit", "mit"),
        ("a\ud800b", "a\ufffdb"),
        ("\udfff\ud83d", "\ufffd\ufffd"),
        ("😀 ok", "😀 ok"),
        ("nul\x00l", "null"),
        ("bell\x07\x1b[31m", "bell[31m"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("x" * 5000, "x" * hv.MAX_TEXT),
        ("<b>&amp;</b>", "<b>&amp;</b>"),  # escaping is the templates' job, not the sanitiser's
    ],
)
def test_clean_text(value: str, expected: str) -> None:
    notes: list[str] = []
    assert hv.clean_text(value, "license", notes) == expected
    assert bool(notes) is (value != expected)
    expected.encode("utf-8")  # always encodable: SQLite, PostgreSQL and Telegram take it


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 1, "b": [1, "x"]}, {"a": 1, "b": [1, "x"]}),
        ({"a": BIG, "b": 1}, {"b": 1}),
        ([BIG, -BIG, 1, float("inf"), float("nan"), 2.5], [1, 2.5]),
        ({"k\ud800": "v\x00"}, {"k\ufffd": "v"}),
        ({"deep": [[[[[[[[[[[[[[1]]]]]]]]]]]]]]}, {"deep": [[[[[[[[[[[]]]]]]]]]]]}),
        (list(range(hv.MAX_ITEMS + 5)), list(range(hv.MAX_ITEMS))),
        (True, True),
        (None, None),
        (BIG, None),
    ],
)
def test_clean_json(value: Any, expected: Any) -> None:
    assert hv.clean_json(value, "cardData", []) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-07-28T10:21:00.000Z", datetime(2025, 7, 28, 10, 21, tzinfo=UTC)),
        ("2025-07-28T12:21:00+02:00", datetime(2025, 7, 28, 10, 21, tzinfo=UTC)),
        ("2025-07-28T10:21:00", datetime(2025, 7, 28, 10, 21, tzinfo=UTC)),
        ("0001-01-01T00:00:00+14:00", None),  # OverflowError when turned into UTC
        ("9999-12-31T23:59:59-14:00", None),
        ("1970-01-01T00:00:00Z", None),
        ("2030-01-01T00:00:00Z", None),  # years ahead of now
        ("yesterday", None),
        ("", None),
        (1753698060, None),
        (["2025-07-28"], None),
        (None, None),
    ],
)
def test_time_value(value: Any, expected: datetime | None) -> None:
    notes: list[str] = []
    assert hv.time_value(value, "createdAt", notes, NOW) == expected
    assert bool(notes) is (expected is None and value is not None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"parameters": {"BF16": 7}, "total": 7}, {"parameters": {"BF16": 7}, "total": 7}),
        ({"parameters": {"BF16": 7}, "total": BIG}, {"parameters": {"BF16": 7}}),
        ({"parameters": {"BF16": BIG, "F32": 3}, "total": BIG + 3}, {"parameters": {"F32": 3}}),
        ({"parameters": {"BF16": BIG}}, None),
        ({"parameters": {"BF16": "7"}, "total": 7}, None),
        ({"parameters": [7], "total": 7}, None),
        ({"total": 7}, None),
        ([1], None),
        ("7B", None),
        (None, None),
        ({"parameters": {"BF16\x00": 7, "F8\ud800": 1}}, {"parameters": {"BF16": 7, "F8\ufffd": 1}}),
    ],
)
def test_safetensors_info(value: Any, expected: dict | None) -> None:
    assert hv.safetensors_info(value, []) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"total": 7, "architecture": "llama", "context_length": 4096},
         {"total": 7, "architecture": "llama", "context_length": 4096}),
        ({"total": BIG, "context_length": 2**40}, {}),
        ({"total": -1, "context_length": "long"}, {}),
        ({"total": 7, "chat_template": "\ud800" + "x" * 5000}, {"total": 7, "chat_template": "\ufffd" + "x" * 4095}),
        (["total", 7], None),
        (None, None),
    ],
)
def test_gguf_info(value: Any, expected: dict | None) -> None:
    assert hv.gguf_info(value, []) == expected


@pytest.mark.parametrize(
    ("flag", "expected"),
    [(True, True), (False, False), (None, False), ("false", False), ("true", False), (1, False), ([True], False)],
)
def test_flag_only_takes_json_booleans(flag: Any, expected: bool) -> None:
    assert hv.flag(flag, "private", []) is expected


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"id": "acme/ok-model"}, None),
        ({"modelId": "acme/ok.model_2"}, None),
        ({"id": "acme/<script>alert(1)"}, "rejects"),
        ({"id": "acme/<script>alert(1)</script>"}, "owner/name"),
        ({"id": 'acme/quo"te'}, "rejects"),
        ({"id": "acme/../../etc"}, "owner/name"),
        ({"id": "acme/" + "x" * 180}, "rejects"),
        ({"id": "acme/a..b"}, "rejects"),
        ({"id": "acme/a--b"}, "rejects"),
        ({"id": "acme/nul\x00"}, "rejects"),
        ({"id": "acme/sur\ud800"}, "rejects"),
        ({"id": "no-slash"}, "owner/name"),
        ({"id": 12}, "no repo id"),
        ({}, "no repo id"),
        (["acme/x"], "not an object"),
        ("acme/x", "not an object"),
    ],
)
def test_skip_reason(item: Any, reason: str | None) -> None:
    got = skip_reason(item)
    assert (got is None) if reason is None else (got is not None and reason in got)
    assert (parse_model(item) is None) is (reason is not None)


def test_parse_model_keeps_the_model_without_its_bad_values() -> None:
    item = {
        "id": "acme/Widget-7B", "author": ["acme"], "sha": BIG, "createdAt": "0001-01-01T00:00:00+14:00",
        "lastModified": "2025-07-28T10:21:00Z", "private": "false", "disabled": "yes", "gated": {"x": 1},
        "pipeline_tag": "text-generation\x00", "library_name": 5, "tags": ["ok", BIG, "x\ud800"],
        "cardData": {"license": "mit", "license_name": "n" * 10_000, "weird": [BIG]},
        "safetensors": {"parameters": {"BF16": 7_000_000_000}, "total": 2**64},
        "config": ["not", "an", "object"], "gguf": {"total": BIG, "context_length": 8192},
    }
    model = parse_model(item, NOW)
    assert model is not None
    assert model.author == "acme" and model.sha is None and model.created_at is None
    assert model.last_modified == datetime(2025, 7, 28, 10, 21, tzinfo=UTC)
    assert (model.private, model.disabled, model.gated) == (False, False, "no")
    assert model.pipeline_tag == "text-generation" and model.library_name is None
    assert model.tags == ("ok", "x\ufffd")
    assert model.card_data == {"license": "mit", "license_name": "n" * hv.MAX_TEXT, "weird": []}
    assert model.safetensors == {"parameters": {"BF16": 7_000_000_000}}
    assert model.config_subset is None and model.gguf == {"context_length": 8192}
    text = " | ".join(model.problems)
    for field in ("author", "sha", "createdAt", "private", "disabled", "library_name", "safetensors.total",
                  "gguf.total", "config is not an object", "cardData.license_name"):
        assert field in text, field
    facts = facts_for(model, None, None)
    assert facts.params_total == 7_000_000_000


def test_bounded_facts_drops_out_of_range_counts_and_cleans_text() -> None:
    clean = compute_facts(FactInputs(repo_id="acme/Small-7B", safetensors={"parameters": {"BF16": 7 * 10**9}}))
    assert hv.bounded_facts(clean) is clean
    raw = replace(clean, params_total=2**64, params_active=BIG, dtype_breakdown={"BF16": BIG, "F32": 5},
                  memory_fp8_gb=float("inf"), family="Fam\ud800", params_notes=("note\x00",))
    facts = hv.bounded_facts(raw)
    assert facts.params_total is None and facts.params_active is None
    assert facts.memory_bf16_gb is None and facts.memory_fp8_gb is None
    assert facts.dtype_breakdown == {"F32": 5}
    assert facts.family == "Fam\ufffd"
    assert facts.params_notes[0] == "note"
    assert any("params_total" in n for n in facts.params_notes)


def test_enormous_config_json_never_gives_an_out_of_range_count() -> None:
    config = {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 2**50,
              "intermediate_size": 2**50, "num_hidden_layers": 2**30, "num_attention_heads": 1,
              "num_key_value_heads": 1, "vocab_size": 2**40}
    model = parse_model({"id": "acme/Huge", "config": {"model_type": "llama"}}, NOW)
    assert model is not None
    facts = facts_for(model, hv.clean_json(config, "config.json", []), None)
    assert facts.params_total is None or facts.params_total <= hv.MAX_PARAMS
