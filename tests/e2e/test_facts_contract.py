"""The facts contract: `tracker inspect --format json` and `tracker history --format json` carry the counts,
what it takes to run a model, how open it is and its summary (issue 9)."""

from __future__ import annotations

import json
import signal
import time

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub

CONTRACT = ("params_total", "params_active", "params_active_lab", "context_length", "weights_bytes", "openness",
            "summary")


def _deepseek(records: list[dict]) -> dict:
    return next(r for r in records if r["repo_id"] == "deepseek-ai/DeepSeek-V3")


def test_backfilled_models_get_their_model_card_read_gradually(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub)
    tracker.run("poll", check=True)  # backfill: no card read
    before = {r["repo_id"]: r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)}
    assert before["Qwen/Qwen3-30B-A3B"]["summary"] is None
    assert "model card not read yet: code links unknown" in before["Qwen/Qwen3-30B-A3B"]["openness"]["evidence"]
    assert not [r for r in fake_hub.requests if r.path.endswith("/README.md")]

    tracker.env["TRACKER_ENRICH_PER_ORG"] = "1"
    proc = tracker.popen("run")
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            if len([r for r in fake_hub.requests if r.path.endswith("/README.md")]) >= 2:
                break
            time.sleep(0.1)
        time.sleep(1.0)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    after = {r["repo_id"]: r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)}
    qwen = after["Qwen/Qwen3-30B-A3B"]
    assert qwen["openness"]["level"] == "open-model" and qwen["summary"].startswith("Qwen3 is the latest")
    assert qwen["params_active"] is not None  # the config enrichment's facts were kept
    assert after["deepseek-ai/DeepSeek-V3"]["summary"].startswith("We present DeepSeek-V3")
