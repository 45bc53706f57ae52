"""Config-computed counts against the Hub's safetensors totals and the labs' stated figures.

One test per model with a real config.json in tests/data/configs/official_counts.csv (sources there).

Totals: within 1 % of the Hub's safetensors total; where the checkpoint stores a multi-token-prediction
module the headline leaves out (DeepSeek-V3), within 1 % of the lab's headline instead, and the estimate plus
the MTP module within 1 % of the Hub's figure.

Active: within 3 % of the lab's stated figure once the labs' conventions are accounted for. We count the
input embedding and the output head (ACTIVE_CONVENTION); the stated figure is raised by what the lab leaves
out, computed from the config: OpenAI leaves out the input embedding, MiniMax and GLM leave out both
embedding and head; DeepSeek, Qwen, Meta and Mistral count everything (Meta's "17B" for Llama-4-Scout is
17.17B with both matrices; Mistral's 12.9B for Mixtral likewise).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tracker.facts.params_config import estimate_from_config
from tracker.facts.params_name import parse_param_count

DATA = Path(__file__).parent / "data" / "configs"
ROWS = [r for r in csv.DictReader((DATA / "official_counts.csv").open()) if r["config_file"]]

# What each lab leaves out of its stated active count: "none", "input-embedding" or "embeddings".
LEFT_OUT = {
    "deepseek-ai": "none",
    "Qwen": "none",
    "moonshotai": "none",
    "meta-llama": "none",
    "mistralai": "none",
    "openai": "input-embedding",
    "zai-org": "embeddings",
    "MiniMaxAI": "embeddings",
}


def _config(row: dict) -> dict:
    return json.loads((DATA / row["config_file"]).read_text())


def _text_config(config: dict) -> dict:
    return config.get("text_config", config)


def _left_out_params(row: dict, config: dict) -> int:
    text = _text_config(config)
    embed = text["vocab_size"] * text["hidden_size"]
    rule = LEFT_OUT[row["repo_id"].split("/")[0]]
    if rule == "none":
        return 0
    if rule == "input-embedding":
        return embed
    return embed if text.get("tie_word_embeddings") else 2 * embed


def test_every_config_row_is_covered():
    # the CSV has 8 models with a config file; a silently empty parametrisation would test nothing
    assert len(ROWS) == 8


@pytest.mark.parametrize("row", ROWS, ids=[r["repo_id"] for r in ROWS])
def test_config_total_matches_hub_or_headline(row):
    estimate = estimate_from_config(_config(row))
    hub = int(row["hub_safetensors_total"])
    if estimate.mtp:
        headline = parse_param_count(row["stated_total"])
        assert estimate.total == pytest.approx(headline, rel=0.01)
        assert estimate.total + estimate.mtp == pytest.approx(hub, rel=0.01)
    else:
        # Llama-4-Scout: the fixture is the text model only; its ~0.87B vision tower is 0.8 % of the Hub total
        assert estimate.total == pytest.approx(hub, rel=0.01)


@pytest.mark.parametrize("row", ROWS, ids=[r["repo_id"] for r in ROWS])
def test_config_active_matches_stated(row):
    config = _config(row)
    estimate = estimate_from_config(config)
    if row["stated_active"] == "dense":
        assert not estimate.is_moe
        assert estimate.active == estimate.total
        return
    assert estimate.is_moe
    stated = parse_param_count(row["stated_active"])
    assert stated is not None
    adjusted = stated + _left_out_params(row, config)
    assert estimate.active == pytest.approx(adjusted, rel=0.03)


def test_gpt_oss_stated_figure_excludes_input_embedding_only():
    """Our count minus the input embedding lands on OpenAI's 5.1B; minus both matrices it would not."""
    row = next(r for r in ROWS if r["repo_id"] == "openai/gpt-oss-120b")
    config = _config(row)
    estimate = estimate_from_config(config)
    embed = config["vocab_size"] * config["hidden_size"]
    assert estimate.active - embed == pytest.approx(5.1e9, rel=0.03)
    assert estimate.active - 2 * embed != pytest.approx(5.1e9, rel=0.03)


def test_exact_matches_where_the_hub_counts_every_tensor():
    """For these architectures the estimate is exact, not merely close."""
    exact = {
        "Qwen/Qwen3-30B-A3B",
        "Qwen/Qwen2.5-7B",
        "Qwen/Qwen3-8B",
        "meta-llama/Llama-3.1-8B",
        "mistralai/Mixtral-8x7B-v0.1",
        "openai/gpt-oss-120b",
    }
    for row in ROWS:
        if row["repo_id"] in exact:
            assert estimate_from_config(_config(row)).total == int(row["hub_safetensors_total"]), row[
                "repo_id"
            ]
