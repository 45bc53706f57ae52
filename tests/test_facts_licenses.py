"""License normalisation and classes, and the license table itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.facts import FactInputs, compute_facts
from tracker.facts.licenses import CLASSES, _key, classify_license, license_table, lookup_license

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "tests" / "data" / "hub-api"


@pytest.mark.parametrize(
    ("card", "tags", "license_id", "license_class", "reason_part"),
    [
        ({"license": "apache-2.0"}, (), "apache-2.0", "permissive", "Apache-2.0"),
        ({"license": "MIT"}, (), "mit", "permissive", "MIT"),
        (
            {"license": "llama3.1"},
            (),
            "llama3.1",
            "open-restricted",
            "Llama 3.1 community license: 700M MAU cap",
        ),
        (None, ("license:llama3.3",), "llama3.3", "open-restricted", "700M MAU"),
        ({"license": "gemma"}, (), "gemma", "open-restricted", "Gemma"),
        (
            {
                "license": "other",
                "license_name": "qwen",
                "license_link": "https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/LICENSE",
            },
            ("license:other",),
            "qwen",
            "open-restricted",
            "100M MAU",
        ),
        ({"license": "other", "license_name": "qwen-research"}, (), "qwen-research", "non-commercial", ""),
        ({"license": "other", "license_name": "tongyi-qianwen"}, (), "qwen", "open-restricted", ""),
        (
            {"license": "other", "license_name": "modified-mit"},
            (),
            "modified-mit",
            "open-restricted",
            "Modified MIT: attribution required above 100M MAU or $20M/month revenue",
        ),
        (
            {
                "license": "other",
                "license_name": "tencent-hunyuan-a13b",
                "license_link": "https://github.com/Tencent-Hunyuan/Hunyuan-A13B/blob/main/LICENSE",
            },
            (),
            "tencent-hunyuan-community",
            "open-restricted",
            "100M MAU",
        ),
        ({"license": "other", "license_name": "deepseek"}, (), "deepseek", "open-restricted", ""),
        (
            {
                "license": "other",
                "license_link": "https://github.com/deepseek-ai/DeepSeek-V2/blob/main/LICENSE-MODEL",
            },
            (),
            "deepseek",
            "open-restricted",
            "",
        ),
        (
            {
                "license": "other",
                "license_name": "mnpl",
                "license_link": "https://mistral.ai/licenses/MNPL-0.1.md",
            },
            (),
            "mnpl",
            "non-commercial",
            "",
        ),
        (
            {"license": "other", "license_name": "NVIDIA Open Model License"},
            (),
            "nvidia-open-model-license",
            "open-restricted",
            "",
        ),
        ({"license": "cc-by-nc-4.0"}, (), "cc-by-nc-4.0", "non-commercial", "non-commercial"),
        ({"license": "creativeml-openrail-m"}, (), "creativeml-openrail-m", "open-restricted", ""),
        ({"license": ["apache-2.0", "mit"]}, (), "apache-2.0", "permissive", ""),
        (
            {"license": "other", "license_name": "acme-model-license"},
            (),
            "other",
            "unknown",
            "Custom license: acme-model-license",
        ),
        ({"license": "artistic-2.0"}, (), "artistic-2.0", "unknown", "artistic-2.0"),
        ({"license": "other"}, (), "other", "unknown", "Custom license"),
        ({}, (), None, "unknown", "No license stated"),
    ],
)
def test_classify_license(card, tags, license_id, license_class, reason_part):
    facts = classify_license(card, tags)
    assert (facts.id, facts.license_class) == (license_id, license_class)
    assert reason_part in facts.reason


@pytest.mark.parametrize(
    ("card", "tags", "license_id", "license_class"),
    [
        ({"license": ["apache-2.0", "cc-by-nc-4.0"]}, (), "cc-by-nc-4.0", "non-commercial"),
        ({"license": ["cc-by-nc-4.0", "apache-2.0"]}, (), "cc-by-nc-4.0", "non-commercial"),
        ({"license": ["mit", "llama3.1"]}, (), "llama3.1", "open-restricted"),
        ({"license": ["apache-2.0", "mit"]}, (), "apache-2.0", "permissive"),
        ({"license": ["apache-2.0", "acme-terms"]}, (), "acme-terms", "unknown"),  # unreadable beats permissive
        ({"license": ["apache-2.0", "apache-2.0"]}, (), "apache-2.0", "permissive"),
        ({}, ("license:apache-2.0", "license:cc-by-nc-4.0"), "cc-by-nc-4.0", "non-commercial"),
    ],
)
def test_a_license_list_takes_its_most_restrictive_entry(card, tags, license_id, license_class):
    facts = classify_license(card, tags)
    assert (facts.id, facts.license_class) == (license_id, license_class)
    if len(set(card.get("license", tags))) > 1:
        assert "most restrictive" in facts.reason


@pytest.mark.parametrize(
    ("value", "license_id"), [("minimax-model-license", "minimax"), ("tongyi-qianwen", "qwen")]
)
def test_lab_license_aliases(value, license_id):
    assert classify_license({"license": value}, ()).id == license_id
    assert classify_license({"license": "other", "license_name": value}, ()).id == license_id


def test_original_fields_are_kept_verbatim():
    card = {"license": "other", "license_name": "Tencent-Hunyuan-A13B", "license_link": "LICENSE"}
    facts = classify_license(card, ("license:other",))
    assert (facts.raw, facts.name, facts.link) == ("other", "Tencent-Hunyuan-A13B", "LICENSE")


def test_license_tag_used_when_card_missing_and_listing_fixture():
    listing = json.loads((HUB / "list_models_default_response.json").read_text())
    by_id = {m["id"]: compute_facts(FactInputs(m["id"], tags=tuple(m["tags"]))) for m in listing}
    minimax = by_id["MiniMaxAI/MiniMax-M2"]
    assert (minimax.license_id, minimax.license_class, minimax.license_raw) == ("mit", "permissive", "mit")
    kimi = by_id["moonshotai/Kimi-K2-Thinking"]  # "license:other" and no card: nothing more to know
    assert (kimi.license_id, kimi.license_class, kimi.license_raw) == ("other", "unknown", "other")


def test_table_entries_are_well_formed_and_unambiguous():
    table = license_table()
    assert len(table) >= 40
    seen: dict[str, str] = {}
    for entry in table:
        assert entry.license_class in CLASSES[:3]
        assert entry.reason
        for word in (entry.id, *entry.aliases):
            assert seen.setdefault(_key(word), entry.id) == entry.id, f"{word} maps to two licenses"
        assert lookup_license(entry.id) == entry


def test_table_is_loaded_lazily_not_at_import():
    code = (
        "import tracker.facts, tracker.facts.licenses as l; "
        "print(l.license_table.cache_info().currsize); l.license_table(); "
        "print(l.license_table.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == ["0", "1"]
