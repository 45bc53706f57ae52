"""The facts contract: `tracker inspect --format json` and `tracker history --format json` carry the counts,
what it takes to run a model, how open it is and its summary (issue 9)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.integration.daemon_harness import InProcessRun

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
    assert data["params_active_lab"] == data["params_active"]  # DeepSeek counts embeddings in, as we do
    assert data["fits_on"]["as_shipped"]["setup"] == "8x141"
    assert data["fits_on"]["4bit"]["setup"] == "8x80"
    assert data["kv_bytes_per_token"] == 61 * (512 + 64) * 2  # MLA: the latent and the RoPE key, BF16
    assert data["fits_on"]["as_shipped"]["kv_headroom_tokens"] == (1128e9 - 688_574_839_360) // 70_272
    assert set(data["openness"]) == {"level", "evidence"}

    text = tracker.run("inspect", "deepseek-ai/DeepSeek-V3", check=True).stdout
    assert "Context:     160K tokens (163,840)" in text
    assert "Weights:     689 GB as shipped" in text
    assert "8×141 GB GPUs (439 GB left for the KV cache: 38 sequences of the full 160K context) as shipped" in text
    assert "Stored:      685B in the weight files (the extra 13.5B: the multi-token-prediction (MTP) layer" in text
    assert "KV cache:    70,272 bytes per token at BF16 (11.5 GB for the full context)" in text


def test_history_json_of_a_polled_release_carries_the_contract_fields(tracker: Tracker, fake_hub: FakeHub) -> None:
    tracker.run("poll", check=True)  # first look at the (empty) organisations
    hub_catalog.deepseek_v3(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=2))
    hub_catalog.gpt_oss_120b(fake_hub, created_at=datetime.now(UTC) - timedelta(minutes=2))
    tracker.run("poll", check=True)

    records = json.loads(tracker.run("history", "--format", "json", check=True).stdout)
    ds = _deepseek(records)
    assert set(CONTRACT) <= set(ds)
    assert (ds["weights_bytes"], ds["context_length"]) == (688_574_839_360, 163_840)
    assert ds["params_total"] and ds["params_active"] and ds["params_active_lab"] == ds["params_active"]
    gpt = next(r for r in records if r["repo_id"] == "openai/gpt-oss-120b")
    assert gpt["params_active_lab"] < gpt["params_active"]  # OpenAI leaves the input embedding out
    assert ds["openness"]["level"] == "restricted-weights"  # DeepSeek's own model license
    assert "technical report: arxiv:2412.19437" in ds["openness"]["evidence"][1]
    assert "code: https://github.com/deepseek-ai/DeepSeek-V3" in ds["openness"]["evidence"]
    assert ds["summary"].startswith("We present DeepSeek-V3, a strong Mixture-of-Experts (MoE) language model")
    gpt = next(r for r in records if r["repo_id"] == "openai/gpt-oss-120b")
    assert 60e9 < gpt["weights_bytes"] < 66e9 and gpt["context_length"] == 131_072
    assert gpt["fits_on"]["as_shipped"]["setup"] == "1x80"
    # apache-2.0 but the (generated) card links no report and no code
    assert gpt["openness"]["level"] == "open-weights" and gpt["summary"] is None
    readme_gets = [r for r in fake_hub.requests if r.path.endswith("/README.md")]
    assert len(readme_gets) == 2  # one request per new release

    table = tracker.run("history", check=True).stdout.splitlines()
    assert "openness" in table[0].split()
    assert any("deepseek-ai/DeepSeek-V3" in line and "restricted-weights" in line for line in table)
    csv_text = tracker.run("export", "--format", "csv", check=True).stdout
    header = csv_text.splitlines()[0].split(",")
    assert {"context_length", "weights_bytes", "openness_level", "summary"} <= set(header)


def test_inspect_shows_openness_and_summary_and_survives_a_repo_without_readme(tracker: Tracker,
                                                                             fake_hub: FakeHub) -> None:
    hub_catalog.qwen3_30b_a3b(fake_hub)
    data = json.loads(tracker.run("inspect", "Qwen/Qwen3-30B-A3B", "--format", "json", check=True).stdout)
    assert data["openness"]["level"] == "open-model"
    assert data["openness"]["evidence"][0] == "license apache-2.0 is OSI-approved"
    assert data["summary"].startswith("Qwen3 is the latest generation")
    text = tracker.run("inspect", "Qwen/Qwen3-30B-A3B", check=True).stdout
    assert "Openness:    open-model" in text and "- code: https://github.com/QwenLM/Qwen3" in text

    hub_catalog.qwen3_8b(fake_hub, readme=None)
    bare = tracker.run("inspect", "Qwen/Qwen3-8B", "--format", "json", check=True)
    data = json.loads(bare.stdout)
    assert data["openness"]["level"] == "open-weights"
    assert "no model card (README.md) to read" in data["openness"]["evidence"]
    assert data["summary"] is None and "Traceback" not in bare.stderr


def test_poll_enrich_also_reads_model_cards_now(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub)
    result = tracker.run("poll", "--enrich", "5", check=True)
    assert "read 2 model cards" in result.stderr
    records = {r["repo_id"]: r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)}
    assert records["Qwen/Qwen3-30B-A3B"]["openness"]["level"] == "open-model"
    assert records["deepseek-ai/DeepSeek-V3"]["summary"].startswith("We present DeepSeek-V3")
    assert "model cards" not in tracker.run("poll", "--enrich", "5", check=True).stderr  # each read once


def test_inspect_of_a_gguf_repo_sizes_its_largest_variant(tracker: Tracker, fake_hub: FakeHub) -> None:
    fake_hub.add_model("Qwen/Qwen3-8B-GGUF", library_name=None,
                       gguf={"total": 8_190_735_360, "architecture": "qwen3", "context_length": 40960},
                       weight_files={"Qwen3-8B-Q4_K_M.gguf": 5_027_784_000, "Qwen3-8B-Q8_0.gguf": 8_709_519_000})
    data = json.loads(tracker.run("inspect", "Qwen/Qwen3-8B-GGUF", "--format", "json", check=True).stdout)
    assert data["weights_bytes"] == 8_709_519_000 and data["context_length"] == 40960
    assert data["fits_on"]["as_shipped"]["setup"] == "1x24"


def test_inspect_counts_an_omni_release_whole_from_its_config_and_agrees_with_its_checkpoint(
        tracker: Tracker, fake_hub: FakeHub) -> None:
    """Qwen3-Omni: audio tower, vision tower and speech generator counted; the checkpoint's total agrees."""
    config = json.loads(hub_catalog.DATA.joinpath(
        "configs", "Qwen__Qwen3-Omni-30B-A3B-Instruct__transformers5_printed.json").read_text())
    fake_hub.add_model("Qwen/Qwen3-Omni-30B-A3B-Instruct", config=config, license="apache-2.0")
    data = json.loads(tracker.run("inspect", "Qwen/Qwen3-Omni-30B-A3B-Instruct", "--format", "json",
                                  check=True).stdout)
    assert (data["params_total"], data["params_active"], data["context_length"]) == (
        35_259_818_545, 3_353_556_992, 65_536)
    text = tracker.run("inspect", "Qwen/Qwen3-Omni-30B-A3B-Instruct", check=True).stdout
    assert "648M audio tower and the 3.5B speech generator" in text and "Name says" not in text

    fake_hub.add_model("Qwen/Qwen3-Omni-30B-A3B-Captioner", config=config, license="apache-2.0",
                       safetensors={"BF16": 35_259_818_545})
    data = json.loads(tracker.run("inspect", "Qwen/Qwen3-Omni-30B-A3B-Captioner", "--format", "json",
                                  check=True).stdout)
    assert data["params_total"] == 35_259_818_545
    assert not [n for n in data["params_notes"] if "Config estimates" in n]  # the config agrees with the weights


def test_backfilled_models_get_their_model_card_read_gradually(tracker: Tracker, fake_hub: FakeHub) -> None:
    hub_catalog.deepseek_v3(fake_hub)
    hub_catalog.qwen3_30b_a3b(fake_hub)
    tracker.run("poll", check=True)  # backfill: no card read
    before = {r["repo_id"]: r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)}
    assert before["Qwen/Qwen3-30B-A3B"]["summary"] is None
    assert "model card not read yet: code links unknown" in before["Qwen/Qwen3-30B-A3B"]["openness"]["evidence"]
    assert not [r for r in fake_hub.requests if r.path.endswith("/README.md")]

    tracker.env["TRACKER_ENRICH_PER_ORG"] = "1"
    proc = InProcessRun(tracker)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            if len([r for r in fake_hub.requests if r.path.endswith("/README.md")]) >= 2:
                break
            time.sleep(0.1)
        time.sleep(1.0)
    finally:
        proc.stop()
    after = {r["repo_id"]: r for r in json.loads(tracker.run("history", "--format", "json", check=True).stdout)}
    qwen = after["Qwen/Qwen3-30B-A3B"]
    assert qwen["openness"]["level"] == "open-model" and qwen["summary"].startswith("Qwen3 is the latest")
    assert qwen["params_active"] is not None  # the config enrichment's facts were kept
    assert after["deepseek-ai/DeepSeek-V3"]["summary"].startswith("We present DeepSeek-V3")
