"""End to end: hostile model entries in a lab's listing never silence the lab (issue 8, §6).

Every field the tracker reads from the Hub gets hostile values through the fake Hub; the lab's clean new
model is still stored and alerted, the hostile models are stored without their bad values (or skipped
when their id is unusable), and the organisation is never failed.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

ORG = "deepseek-ai"
BIG = 2**63
ST = {"parameters": {"BF16": 7_000_000_000}, "total": 7_000_000_000}

# (name, api_override, extra add_model kwargs, expected stored fields (None: anything))
HOSTILE: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("St-Total-2p63", {"safetensors": {"parameters": {"BF16": 7_000_000_000}, "total": BIG}}, {},
     {"params_total": 7_000_000_000}),
    ("St-Total-2p64", {"safetensors": {"parameters": {"BF16": 7_000_000_000}, "total": 2**64 + 5}}, {},
     {"params_total": 7_000_000_000}),
    ("St-Dtype-2p63", {"safetensors": {"parameters": {"BF16": BIG, "F32": 1000}, "total": BIG + 1000}}, {},
     {"params_total": 1000}),
    ("St-Every-Count-Huge", {"safetensors": {"parameters": {"BF16": BIG}, "total": BIG}}, {},
     {"params_total": None}),
    ("St-Negative", {"safetensors": {"parameters": {"BF16": -5}, "total": -5}}, {}, {"params_total": None}),
    ("St-Float-Inf", {"safetensors": {"parameters": {"BF16": 1e308}, "total": 1e999}}, {}, {"params_total": None}),
    ("St-Strings", {"safetensors": {"parameters": {"BF16": "7B"}, "total": "7000000000"}}, {},
     {"params_total": None}),
    ("St-List", {"safetensors": [1, 2, 3]}, {}, {"params_total": None}),
    ("St-Params-List", {"safetensors": {"parameters": [7_000_000_000], "total": 7}}, {}, {"params_total": None}),
    ("St-Bool", {"safetensors": {"parameters": {"BF16": True}, "total": True}}, {}, {"params_total": None}),
    ("Gguf-Total-2p63-GGUF", {"safetensors": None, "gguf": {"total": BIG, "architecture": "llama",
                                                            "context_length": 2**70}},
     {"library_name": "gguf"}, {"params_total": None}),
    ("Gguf-List-GGUF", {"safetensors": None, "gguf": ["total", BIG]}, {}, {"params_total": None}),
    ("Gguf-Nested-GGUF", {"safetensors": None, "gguf": {"total": 9_000_000_000, "chat_template": "\ud800\x00",
                                                        "x": {"y": [BIG, -BIG, 1e999]}}},
     {}, {"params_total": 9_000_000_000}),
    ("Card-List", {"cardData": ["license", "mit"]}, {}, {"license": "apache-2.0"}),  # from the license: tag
    ("Card-License-Dict", {"cardData": {"license": {"id": BIG}, "license_name": 12, "license_link": []}}, {},
     {"license": "apache-2.0", "license_name": None, "license_link": None}),
    ("Card-License-Surrogate", {"cardData": {"license": "mit\ud800", "license_name": "a\x00b" * 3}}, {},
     {"license": "mit\ufffd", "license_name": "ababab"}),
    ("Card-License-Huge-Number", {"cardData": {"license": BIG, "base_model": [BIG, "x/y"]}}, {}, {}),
    ("Card-Long-License", {"cardData": {"license": "other", "license_name": "L" * 10_000}}, {},
     {"license_name": "L" * 4096}),
    ("Tags-Dict", {"tags": {"license": "mit"}}, {}, {}),
    ("Tags-Hostile", {"tags": ["license:mit\ud800", BIG, None, {"a": 1}, "x\x00y"]}, {}, {}),
    ("Created-Year-1", {"createdAt": "0001-01-01T00:00:00+14:00"}, {}, {"created_at": None}),
    ("Created-Year-9999", {"createdAt": "9999-12-31T23:59:59-14:00", "lastModified": "9999-01-01T00:00:00Z"}, {},
     {"created_at": None, "last_modified": None}),
    ("Created-Number", {"createdAt": BIG, "lastModified": ["2025"]}, {}, {"created_at": None}),
    ("Created-Garbage", {"createdAt": "yesterday\x00", "lastModified": "2025-13-45T99:00:00Z"}, {},
     {"created_at": None}),
    ("Flags-Wrong-Types", {"private": "false", "disabled": 0, "gated": ["manual"]}, {}, {"gated": False}),
    ("Text-Wrong-Types", {"sha": BIG, "pipeline_tag": ["text-generation"], "library_name": "tf\ud800",
                          "author": {"name": "x"}}, {}, {"pipeline_tag": None}),
    ("Config-Wrong-Types", {"config": ["model_type", BIG]}, {}, {}),
    ("Config-Huge", {"config": {"model_type": "llama", "architectures": [BIG], "auto_map": {"a": 1e999}}}, {}, {}),
    # config.json itself (read for new models): enormous sizes, NaN, a list, a huge count.
    ("Config-File-Enormous", {"safetensors": None}, {"config": {
        "model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 2**52,
        "intermediate_size": 2**52, "num_hidden_layers": 2**40, "num_attention_heads": 1, "vocab_size": 2**52}},
     {"params_total": None}),
    ("Config-File-Too-Big-Ints", {"safetensors": None}, {"config": {
        "model_type": "llama", "hidden_size": 2**70, "num_hidden_layers": BIG, "vocab_size": 2**80}}, {}),
    ("Config-File-NaN", {"safetensors": None}, {"files": {"config.json": b'{"model_type": "llama", '
                                                          b'"hidden_size": NaN, "num_hidden_layers": Infinity}'}},
     {}),
    ("Config-File-List", {"safetensors": None}, {"files": {"config.json": b"[1, 2, 3]"}}, {}),
    ("Config-File-Surrogates", {"safetensors": None}, {"files": {"config.json": b'{"model_type": "\\ud800\\u0000"}'}},
     {}),
]

# Repo ids that huggingface_hub rejects (or that are not owner/name): the model is skipped, never the lab.
BAD_IDS = [
    f"{ORG}/<script>alert(1)</script>",
    f'{ORG}/quote"d',
    f"{ORG}/single'quote",
    f"{ORG}/../../etc/passwd",
    f"{ORG}/" + "x" * 180,
    f"{ORG}/nul\x00byte",
    f"{ORG}/dot..dot",
    f"{ORG}/dash--dash",
    f"{ORG}/ends.git",
    f"{ORG}/sp ace",
]


def _records(tracker: Tracker) -> dict[str, dict]:
    result = tracker.run("history", "--format", "json", "--limit", "500", check=True)
    return {r["repo_id"]: r for r in json.loads(result.stdout)}


@pytest.fixture
def hostile_lab(tracker: Tracker, fake_hub: FakeHub) -> Tracker:
    """deepseek-ai known from a first poll, then a listing of hostile entries and one clean new model."""
    hub_catalog.deepseek_v3(fake_hub)
    tracker.run("poll", check=True)
    now = datetime.now(UTC) - timedelta(minutes=1)
    for name, override, extra, _expected in HOSTILE:
        kwargs: dict[str, Any] = {"safetensors": ST["parameters"], "created_at": now, **extra}
        fake_hub.add_model(f"{ORG}/{name}", api_override=override, **kwargs)
    for repo_id in BAD_IDS:
        fake_hub.add_model(repo_id, created_at=now, safetensors=ST["parameters"])
    fake_hub.add_model(f"{ORG}/Clean-Model-7B", created_at=now, safetensors=ST["parameters"])
    return tracker


def test_hostile_entries_never_fail_the_lab_and_the_clean_model_is_alerted(hostile_lab: Tracker) -> None:
    result = hostile_lab.run("poll")

    assert result.returncode == 0, result.stderr
    assert "failed" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{ORG}/Clean-Model-7B" in result.stdout  # alerted (console delivery)
    records = _records(hostile_lab)
    assert records[f"{ORG}/Clean-Model-7B"]["params_total"] == 7_000_000_000
    for name, _override, _extra, expected in HOSTILE:
        record = records.get(f"{ORG}/{name}")
        assert record is not None, f"{name} was not stored"
        for key, value in expected.items():
            got = record[key]
            assert got == value, f"{name}: {key} = {got!r}, expected {value!r}"
    for repo_id in BAD_IDS:
        assert repo_id not in records
    with sqlite3.connect(hostile_lab.db_path) as db:
        state = db.execute("SELECT error_count, last_error FROM org_state WHERE org = ?", (ORG,)).fetchone()
        alerted = {r[0] for r in db.execute("SELECT m.repo_id FROM alerts a JOIN models m ON m.id = a.model_id")}
        problems = dict(db.execute("SELECT repo_id, problems FROM models"))
    assert state == (0, None)
    assert f"{ORG}/Clean-Model-7B" in alerted
    assert len(alerted) == len(HOSTILE) + 1
    # A dropped value is noted on the model.
    assert "safetensors.total" in problems[f"{ORG}/St-Total-2p63"]
    assert "createdAt" in problems[f"{ORG}/Created-Year-1"]
    assert json.loads(problems[f"{ORG}/Clean-Model-7B"]) is None


def test_a_skipped_model_is_logged_once_with_a_safe_name(hostile_lab: Tracker) -> None:
    result = hostile_lab.run("poll", check=True)

    skipped = [line for line in result.stderr.splitlines() if "skipped a model" in line]
    assert len(skipped) == len(BAD_IDS), result.stderr
    assert all("\x00" not in line for line in skipped)
    assert any("<script>" in line for line in skipped)
    # Nothing more to say on the next poll: the skipped models are not news again in the same process,
    # and the lab stays healthy.
    again = hostile_lab.run("poll", check=True)
    assert "failed" not in again.stderr


def test_hostile_facts_never_reach_the_store_as_out_of_range_numbers(hostile_lab: Tracker) -> None:
    hostile_lab.run("poll", check=True)

    with sqlite3.connect(hostile_lab.db_path) as db:
        numbers = db.execute("SELECT params_total, params_active, params_stored, memory_bf16_gb FROM models").fetchall()
    for row in numbers:
        for value in row[:3]:
            assert value is None or 0 <= value <= 10**15
        assert row[3] is None or row[3] < 10**7
