"""The facts contract: `tracker inspect --format json` and `tracker history --format json` carry the counts,
what it takes to run a model, how open it is and its summary (issue 9)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

CONTRACT = ("params_total", "params_active", "params_active_lab", "context_length", "weights_bytes", "openness",
            "summary")


def _deepseek(records: list[dict]) -> dict:
    return next(r for r in records if r["repo_id"] == "deepseek-ai/DeepSeek-V3")


def test_inspect_json_carries_the_contract_fields(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(fake_hub)
    data = json.loads(tracker.run("inspect", "deepseek-ai/DeepSeek-V3", "--format", "json", check=True).stdout)
    assert set(CONTRACT) <= set(data)
    assert data["weights_bytes"] == 688_574_839_360
    assert data["context_length"] == 163_840
    assert data["params_active_lab"] is None  # filled in by the lab-convention work
    assert data["fits_on"]["as_shipped"]["setup"] == "8x141"
    assert data["fits_on"]["4bit"]["setup"] == "8x80"
    assert set(data["openness"]) == {"level", "evidence"}

    text = tracker.run("inspect", "deepseek-ai/DeepSeek-V3", check=True).stdout
    assert "Context:     160K tokens (163,840)" in text
    assert "Weights:     689 GB as shipped" in text
    assert "8×141 GB GPUs (439 GB left for the KV cache) as shipped" in text


def test_history_json_of_a_polled_release_carries_the_contract_fields(tracker: Tracker, fake_hub: FakeHub) -> None:
    tracker.run("poll", check=True)  # first look at the (empty) organisations
    hub_catalog.deepseek_v3(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=2))
    hub_catalog.gpt_oss_120b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=2))
    tracker.run("poll", check=True)

    records = json.loads(tracker.run("history", "--format", "json", check=True).stdout)
    ds = _deepseek(records)
    assert set(CONTRACT) <= set(ds)
    assert (ds["weights_bytes"], ds["context_length"]) == (688_574_839_360, 163_840)
    assert ds["params_total"] and ds["params_active"] and ds["params_active_lab"] is None
    gpt = next(r for r in records if r["repo_id"] == "openai/gpt-oss-120b")
    assert 60e9 < gpt["weights_bytes"] < 66e9 and gpt["context_length"] == 131_072
    assert gpt["fits_on"]["as_shipped"]["setup"] == "1x80"

    csv_text = tracker.run("export", "--format", "csv", check=True).stdout
    header = csv_text.splitlines()[0].split(",")
    assert {"context_length", "weights_bytes", "openness_level", "summary"} <= set(header)
