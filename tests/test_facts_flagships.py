"""The labs' 2026 flagships against what their checkpoints hold (tests/data/configs/SOURCES.md).

Each row: our headline total must fall within the lab's figure as written, and the headline plus the
multi-token-prediction layers a checkpoint stores must equal the checkpoint's own total: to the parameter
where a public listing of its tensors gives one, within the rounding of the public inventory otherwise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_facts_hand_counts import _within_stated
from tracker.facts import FactInputs, compute_facts
from tracker.facts.params_config import estimate_from_config

DATA = Path(__file__).parent / "data" / "configs"

# (repo, config file, lab's total, lab's active as the lab counts it, what the checkpoint stores)
FLAGSHIPS = [
    # latent attention (was counted as ordinary attention) and an MTP layer with its own embedding and head
    ("zai-org/GLM-4.7-Flash", "zai-org__GLM-4.7-Flash.json", "30B", "3B", 31_221_488_576),
    # latent attention with the sparse-attention indexer; the MTP layer shares embedding and head
    ("zai-org/GLM-5.1", "zai-org__GLM-5.1.json", "744B", "40B", 753_864_139_008),
    # the MTP layer shares embedding and head (was counted with copies: 299.8B)
    ("tencent/Hy3-preview", "tencent__Hy3-preview__written.json", "295B", "21B", "298.8B"),
    # the MoonViT tower and its projector (471M, was left out); unpacked INT4 experts, without their scales
    ("moonshotai/Kimi-K2.5", "moonshotai__Kimi-K2.5.json", "1T", None, 1_026_879_376_368),
    # unchanged; the listing adds 13,880,064 FP8 block scales to our count
    ("MiniMaxAI/MiniMax-M2.7", "MiniMaxAI__MiniMax-M2.7.json", "230B", "10B", 228_689_764_864),
]


def _config(name: str) -> dict:
    return json.loads((DATA / name).read_text())


@pytest.mark.parametrize(("repo_id", "config_file", "lab_total", "lab_active", "stored"), FLAGSHIPS,
                         ids=[row[0] for row in FLAGSHIPS])
def test_flagship_counts_match_the_lab_and_the_checkpoint(repo_id, config_file, lab_total, lab_active, stored):
    config = _config(config_file)
    est = estimate_from_config(config)
    facts = compute_facts(FactInputs(repo_id=repo_id, config=config))
    assert facts.params_total == est.total and _within_stated(est.total, lab_total, 0.01), est.total
    if isinstance(stored, int):
        assert est.total + est.mtp == stored
    else:
        assert _within_stated(est.total + est.mtp, stored, 0)
    if lab_active:
        lab = facts.params_active_lab if facts.params_active_lab is not None else facts.params_active
        assert _within_stated(lab, lab_active, 0.03), (lab, lab_active)


def test_an_unknown_model_type_with_latent_attention_keys_is_counted_as_latent_attention():
    config = _config("zai-org__GLM-4.7-Flash.json")
    config["model_type"] = "some_new_glm"
    assert estimate_from_config(config).total == 29_943_393_920  # as glm4_moe_lite (GQA would give 29.71B)


def test_kimi_k25_flattened_to_one_level_counts_as_kimi_k2():
    config = _config("moonshotai__Kimi-K2.5.json")
    flat = {**config["text_config"], "model_type": "kimi_k25"}
    assert estimate_from_config(flat).total == 1_026_408_232_448  # the language model alone, as Kimi-K2
