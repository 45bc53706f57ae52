"""How open a release is, from its license, access, tags, card data and model card; and the card's summary."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tracker.facts import FactInputs, compute_facts
from tracker.facts.openness import classify_openness
from tracker.facts.readme import read_card, summary

READMES = Path(__file__).parent / "data" / "readmes"
CARD = {"found": True, "summary": "x", "papers": ["arxiv:2501.00001"], "code": ["https://github.com/lab/model"]}


def test_deepseek_v3_card_gives_its_first_sentence_its_report_and_its_code_but_not_the_tools() -> None:
    found = read_card((READMES / "deepseek-ai__DeepSeek-V3.md").read_text(encoding="utf-8"))
    assert found["summary"] == ("We present DeepSeek-V3, a strong Mixture-of-Experts (MoE) language model with 671B "
                                "total parameters with 37B activated for each token.")
    assert "arxiv:2412.19437" in found["papers"]
    assert found["code"] == ["https://github.com/deepseek-ai/DeepSeek-V3"]  # not sgl-project/sglang, no logos


def test_qwen_card_summary_skips_heading_and_badges() -> None:
    found = read_card((READMES / "Qwen__Qwen3-30B-A3B.md").read_text(encoding="utf-8"))
    assert found["summary"].startswith("Qwen3 is the latest generation of large language models in Qwen series")
    assert found["code"] == ["https://github.com/QwenLM/Qwen3"]
    assert found["papers"] == ["arxiv:2505.09388"]


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("---\nlicense: mit\n---\n# T\n\n[![b](https://img.shields.io/x)](https://x)\n\nFoo is a model. More.", None),
        ("---\nlicense: mit\n---\n\n> [!NOTE]\n> Read this first please now.\n\nFoo-7B is a small model that "
         "answers questions, e.g. about 2.5 things. It is good.", "Foo-7B is a small model that answers questions, "
         "e.g. about 2.5 things."),
        ("<p>Bar <b>Model</b> &amp; friends is a family of open models for code.</p>",
         "Bar Model & friends is a family of open models for code."),
        ("```\nnot this code block at all here please\n```\n\nThe real first sentence of this card is here.",
         "The real first sentence of this card is here."),
        ("", None),
    ],
)
def test_summary_is_the_first_descriptive_sentence(card: str, expected: str | None) -> None:
    assert summary(card) == expected


def test_summary_is_at_most_200_characters_cut_at_a_word() -> None:
    long = "This model " + "does many wonderful things " * 20 + "."
    text = summary(long)
    assert text is not None and len(text) <= 200 and text.endswith("…") and " wonderfu…" not in text


def test_levels_follow_the_definitions() -> None:
    assert classify_openness("apache-2.0", "permissive", False, (), {}, {"found": True})[0] == "open-weights"
    assert classify_openness("apache-2.0", "permissive", False, (), {}, CARD)[0] == "open-model"
    science = classify_openness("apache-2.0", "permissive", False, (), {"datasets": ["allenai/dolma"]}, CARD)
    assert science[0] == "open-science"
    assert "training data declared: allenai/dolma" in science[1]
    gated = classify_openness("apache-2.0", "permissive", "manual", (), {}, CARD)
    assert gated[0] == "restricted-weights" and any("gated" in e for e in gated[1])
    assert classify_openness("cc-by-nc-4.0", "non-commercial", False, (), {}, CARD)[0] == "restricted-weights"
    assert classify_openness("llama3.1", "open-restricted", False, (), {}, CARD)[0] == "restricted-weights"
    assert classify_openness(None, "unknown", False, (), {}, CARD)[0] == "restricted-weights"
    assert classify_openness("apple-ascl", "permissive", False, (), {}, CARD)[0] == "restricted-weights"
    # An arxiv: tag is a report even before the card is read; code needs the card.
    early = classify_openness("mit", "permissive", False, ("arxiv:2412.19437",), {}, None)
    assert early[0] == "open-weights" and "model card not read yet: code links unknown" in early[1]
    no_card = classify_openness("mit", "permissive", False, (), {}, {"found": False})
    assert "no model card (README.md) to read" in no_card[1]


def test_compute_facts_carries_openness_and_summary_and_never_raises_on_odd_cards() -> None:
    facts = compute_facts(FactInputs(repo_id="lab/m", card_data={"license": "mit"}, readme=CARD))
    assert facts.openness_level == "open-model" and facts.summary == "x"
    odd = compute_facts(FactInputs(repo_id="lab/m", card_data={"license": "mit"},
                                   readme={"found": True, "papers": 5, "code": [None, 3], "summary": 7}))
    assert odd.openness_level == "open-weights" and odd.summary is None


def test_control_characters_from_a_card_never_reach_a_terminal_or_a_message() -> None:
    found = read_card("Evil\x1b[31m model card text that has colours and a bell\x07 here.\n\n"
                      '<a href="x\x1b[2J.pdf">paper</a> [r](https://arxiv.org/abs/2401.00001)')
    assert found["summary"] == "Evil [31m model card text that has colours and a bell here."
    assert found["papers"] == ["arxiv:2401.00001"]


def test_a_gated_card_says_why_it_was_not_read() -> None:
    level, evidence = classify_openness("mit", "permissive", "auto", (), {},
                                        {"found": False, "problem": "gated: README.md needs access"})
    assert level == "restricted-weights" and "model card not read: gated: README.md needs access" in evidence


@pytest.mark.parametrize("evil", ["<a " * 130_000, "[" * 400_000, "](" * 200_000, "![" * 200_000, "<" * 400_000,
                                  "](x" * 130_000])
def test_a_hostile_card_is_read_in_linear_time(evil: str) -> None:
    started = time.perf_counter()
    read_card(evil)
    assert time.perf_counter() - started < 10  # about 0.1-0.7 s; quadratic patterns took minutes
