"""New architectures against hand counts and the labs' stated figures (tests/data/configs/hand_counts.csv).

The hand counts are derived in HAND_COUNTS.md from the reference module shapes. Every config is checked
through compute_facts, as a poll would: total and active within 1 % of the hand count; the active figure as
the lab counts it (params_active_lab, our count minus what conventions.toml says the lab leaves out) within the
rounding of the lab's stated number (widened by 3 %); the total within the rounding of the stated total
widened by 5 % (labs round headline totals, and some leave vision towers or MTP modules out of them).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from tracker.facts import FactInputs, compute_facts, format_params, parse_param_count
from tracker.facts.conventions import convention_for, conventions
from tracker.facts.params_config import estimate_from_config

DATA = Path(__file__).parent / "data" / "configs"
ROWS = list(csv.DictReader((DATA / "hand_counts.csv").open()))
_WRITTEN = re.compile(r"(\d+)(?:\.(\d+))?\s*([KMBT])", re.IGNORECASE)


def _within_stated(value: int, written: str, slack: float) -> bool:
    """`value` inside the rounding interval of the number as written ("3B": 2.5B..3.5B), widened by `slack`."""
    stated = parse_param_count(written)
    found = _WRITTEN.search(written)
    assert stated is not None and found is not None, written
    half = 0.5 * {"K": 1e3, "M": 1e6, "B": 1e9, "T": 1e12}[found.group(3).upper()] / 10 ** len(found.group(2) or "")
    return (stated - half) * (1 - slack) <= value <= (stated + half) * (1 + slack)


def _facts(row: dict):
    config = json.loads((DATA / row["config_file"]).read_text())
    return compute_facts(FactInputs(repo_id=row["repo_id"], config=config))


def test_every_family_of_the_issue_has_a_config():
    assert len(ROWS) == 14
    assert all((DATA / r["config_file"]).is_file() for r in ROWS)


@pytest.mark.parametrize("row", ROWS, ids=[r["repo_id"] for r in ROWS])
def test_total_and_active_match_the_hand_count(row):
    facts = _facts(row)
    assert facts.params_total == pytest.approx(int(row["hand_total"]), rel=0.01)
    assert facts.params_active == pytest.approx(int(row["hand_active"]), rel=0.01)
    assert (facts.params_total_source, facts.params_active_source, facts.is_moe) == ("config", "config", True)


@pytest.mark.parametrize("row", ROWS, ids=[r["repo_id"] for r in ROWS])
def test_the_lab_figure_after_the_labs_convention_matches_what_the_lab_states(row):
    facts = _facts(row)
    config = json.loads((DATA / row["config_file"]).read_text())
    model_type = str(config.get("text_config", config).get("model_type", ""))
    convention = convention_for(model_type, row["repo_id"])
    assert (convention.leaves_out if convention else "") == row["lab_leaves_out"]
    lab = facts.params_active_lab if facts.params_active_lab is not None else facts.params_active
    assert _within_stated(lab, row["stated_active"], 0.03), (lab, row["stated_active"])
    # a name counts the language model: an omni model's towers and speech generator are outside "30B"
    language_model = facts.params_total - estimate_from_config(config).towers
    assert _within_stated(language_model, row["stated_total"], 0.05), (language_model, row["stated_total"])
    # no warning where the lab's own way of counting explains the name ("A3B" is 3.25B for Qwen3-Next)
    assert not [n for n in facts.params_notes if n.startswith("Name says")], facts.params_notes


def test_exact_where_the_checkpoint_was_counted_tensor_by_tensor():
    """The independent check: the checkpoint's own tensor total, equal to the parameter."""
    counted = [row for row in ROWS if row["checkpoint_total"]]
    assert len(counted) == 6
    for row in counted:
        assert _facts(row).params_total == int(row["checkpoint_total"]), row["repo_id"]


def test_minimax_m1_active_as_the_lab_counts_it_is_45_9b_not_38_7b():
    facts = _facts(next(r for r in ROWS if r["repo_id"] == "MiniMaxAI/MiniMax-M1-80k"))
    assert facts.params_active_lab == pytest.approx(45.9e9, rel=0.002)


def test_vision_language_totals_name_what_the_active_count_covers():
    for row in ROWS:
        config = json.loads((DATA / row["config_file"]).read_text())
        if "vision_config" in config:
            assert any("vision tower" in n and "text token" in n for n in _facts(row).params_notes), row["repo_id"]


def test_an_omni_total_names_its_audio_tower_and_speech_generator_and_the_active_count_leaves_them_out():
    facts = _facts(next(r for r in ROWS if r["repo_id"] == "Qwen/Qwen3-Omni-30B-A3B-Instruct"))
    (note,) = [n for n in facts.params_notes if n.startswith("Total includes")]
    assert "648M audio tower" in note and "3.5B speech generator" in note and "539M vision tower" in note
    assert "no vision tower, audio tower or speech generator" in note
    assert facts.params_active == 3_353_556_992  # the thinker's language model only


def test_totals_agree_with_a_public_inventory_of_the_checkpoints():
    """A public model-validation inventory lists each checkpoint's total to 0.1B (SOURCES.md): ERNIE-4.5-VL's
    29.4B holds only with the vision tower (28.6B without); GLM-4.5V 107.7B; Qwen3-Omni 35.3B."""
    listed = {"baidu/ERNIE-4.5-VL-28B-A3B-PT": "29.4B", "zai-org/GLM-4.5V": "107.7B",
              "Qwen/Qwen3-Omni-30B-A3B-Instruct": "35.3B"}
    for row in ROWS:
        if row["repo_id"] in listed:
            assert _within_stated(_facts(row).params_total, listed[row["repo_id"]], 0), row["repo_id"]


# Dense vision-language models: our count from the config against the Hub's safetensors total (SOURCES.md).
DENSE_VL = [
    ("Qwen/Qwen2.5-VL-7B-Instruct", "Qwen__Qwen2.5-VL-7B-Instruct.json", 8_292_166_656, 676_550_144),
    ("Qwen/Qwen2-VL-7B-Instruct", "Qwen__Qwen2-VL-7B-Instruct.json", 8_291_375_616, 675_759_104),
]


@pytest.mark.parametrize(("repo_id", "config_file", "hub_total", "tower"), DENSE_VL, ids=[r[0] for r in DENSE_VL])
def test_dense_vision_language_totals_equal_the_hubs_safetensors_total(repo_id, config_file, hub_total, tower):
    config = json.loads((DATA / config_file).read_text())
    facts = compute_facts(FactInputs(repo_id=repo_id, config=config))
    assert (facts.params_total, facts.params_active, facts.is_moe) == (hub_total, hub_total, False)
    assert estimate_from_config(config).towers == tower  # 7,615,616,512 for the language model, as Qwen2.5-7B
    assert f"Total includes the {format_params(tower)} vision tower" in facts.params_notes


# Checkpoints that store multi-token-prediction layers the headline leaves out, with the total the public
# inventory lists for the checkpoint (SOURCES.md): (repo, config, name's total, listed checkpoint total).
MTP_CHECKPOINTS = [
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", "Qwen__Qwen3-Next-80B-A3B-Thinking.json", "80B", "81.3B"),
    # exact: the Hub API's safetensors total of Qwen3.5-35B-A3B, and the tensor listing of Qwen3.6-27B (the
    # same sizes as Qwen3.5-27B), both quoted in public records (SOURCES.md)
    ("Qwen/Qwen3.5-35B-A3B", "Qwen__Qwen3.5-35B-A3B.json", "35B", 35_951_822_704),
    ("Qwen/Qwen3.5-27B", "Qwen__Qwen3.5-27B.json", "27B", 27_781_427_952),
]


@pytest.mark.parametrize(("repo_id", "config_file", "named", "listed"), MTP_CHECKPOINTS,
                         ids=[r[0] for r in MTP_CHECKPOINTS])
def test_qwen_mtp_layers_are_stored_weight_outside_the_headline(repo_id, config_file, named, listed):
    config = json.loads((DATA / config_file).read_text())
    est = estimate_from_config(config)
    assert _within_stated(est.total, named, 0)  # the headline: what the name says
    stored = est.total + est.mtp  # as stored: what the checkpoint holds
    assert stored == listed if isinstance(listed, int) else _within_stated(stored, listed, 0)
    facts = compute_facts(FactInputs(repo_id=repo_id, config=config,
                                     safetensors={"total": stored, "parameters": {"BF16": stored}}))
    assert (facts.params_total, facts.params_stored) == (est.total, stored)
    assert any("multi-token-prediction module not counted in the headline" in n for n in facts.params_notes)


def test_qwen3_5_counts_its_native_vision_tower():
    for name in ("Qwen__Qwen3.5-35B-A3B.json", "Qwen__Qwen3.5-27B.json"):
        est = estimate_from_config(json.loads((DATA / name).read_text()))
        assert est.towers == (446_571_248 if "35B" in name else 460_730_096), name  # no DeepStack mergers


def test_baidus_own_ernie_vl_format_counts_the_same_as_the_transformers_format():
    """ERNIE-4.5-VL repos on the Hub ship Baidu's format: flat text keys, vision `embed_dim` and `mlp_ratio`."""
    row = next(r for r in ROWS if r["repo_id"] == "baidu/ERNIE-4.5-VL-28B-A3B-PT")
    baidu = json.loads((DATA / "baidu__ERNIE-4.5-VL-28B-A3B-PT__baidu_format.json").read_text())
    facts = compute_facts(FactInputs(repo_id=row["repo_id"], config=baidu))
    assert (facts.params_total, facts.params_active) == (int(row["hand_total"]), int(row["hand_active"]))
    assert any("775M vision tower" in n and "no vision tower or vision experts" in n for n in facts.params_notes)


def test_an_unreadable_tower_is_left_out_with_a_note_and_the_language_model_still_counts():
    row = next(r for r in ROWS if r["repo_id"] == "Qwen/Qwen3-Omni-30B-A3B-Instruct")
    config = json.loads((DATA / row["config_file"]).read_text())
    config["talker_config"]["text_config"]["hidden_size"] = "wide"
    config["thinker_config"]["vision_config"]["depth"] = -1
    facts = compute_facts(FactInputs(repo_id=row["repo_id"], config=config))
    assert facts.params_total == 30_532_646_912 + 647_927_168  # the thinker's language model and audio tower
    assert facts.params_active == int(row["hand_active"])
    assert "Config estimate leaves out the speech generator (talker)" in facts.params_notes
    assert any("the 648M audio tower;" in n for n in facts.params_notes)
    assert "Config estimate covers the language model only (vision tower not counted)" in facts.params_notes


def test_every_convention_entry_is_well_formed():
    seen: set[str] = set()
    for convention in conventions():
        assert convention.model_types or convention.orgs, convention.family
        assert not seen & set(convention.model_types), convention.family  # a model_type has one convention
        seen |= set(convention.model_types)
