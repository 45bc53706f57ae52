"""Truthful cards (issue 19 §2), through the real templates: a shared card is a model card with the Hub's
dates, "fits on" speaks in the model's context, context lengths use M for millions, and the weight files'
extra parameters are named next to the total."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

import pytest

from tests.fakes import hub_catalog
from tests.fakes.telegram_html import parse_html
from tracker.bot.base import page
from tracker.facts import FactInputs, compute_facts
from tracker.facts.fits import Fit, Room, Setup
from tracker.render import l10n
from tracker.render.views import card, made_public, stored_extras
from tracker.store.queries import ModelRow
from tracker.telegram.cards import release_card

HUB = "https://huggingface.co"
CREATED = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
FIRST_SEEN = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def row(repo_id: str, config: bool = True, safetensors: bool = True, **extra: object) -> ModelRow:
    """A stored model with the facts our code computes from the real config and safetensors listing."""
    inputs: dict = {"repo_id": repo_id}
    if config:
        inputs["config"] = hub_catalog.real_config(repo_id)
    if safetensors:
        listing = hub_catalog.hub_safetensors(repo_id)
        inputs["safetensors"] = {"parameters": listing, "total": sum(listing.values())}
    facts = asdict(compute_facts(FactInputs(**inputs)))
    data = {**facts, "id": 1, "repo_id": repo_id, "lab": "Lab", "org": repo_id.split("/")[0], "region": "China",
            "status": "public", "gated": "no", "license": facts["license_id"], "backfill": True,
            "created_at": CREATED, "first_seen_at": FIRST_SEEN, "released_at": CREATED, "summary": None,
            "params_notes": list(facts["params_notes"]), "openness_evidence": list(facts["openness_evidence"])}
    data.update(extra)
    return ModelRow(data)


def text_of(markup: str) -> str:
    return parse_html(markup).text


# --------------------------------------------------------------------------- shared cards


def test_a_shared_old_model_is_a_model_card_with_the_date_it_was_created() -> None:
    old = row("deepseek-ai/DeepSeek-V3")
    english = text_of(release_card([old], "en", HUB, kind="shared"))
    assert english.startswith("🧠 Lab · DeepSeek-V3\n")
    assert "released" not in english and "🆕" not in english and "Public since" not in english
    assert "Created on the Hub 2025-01-20" in english and "2026-12-07" not in english
    italian = text_of(release_card([old], "it", HUB, kind="shared"))
    assert "ha rilasciato" not in italian and "Creato sull'Hub: 20 gen 2025" in italian and "7 dic 2026" not in italian
    alert = text_of(release_card([old], "en", HUB))  # the channel's alert keeps saying what happened
    assert alert.startswith("🆕 Lab released DeepSeek-V3")


def test_a_shared_model_made_public_after_its_creation_says_when_it_was_first_seen_public() -> None:
    later = row("deepseek-ai/DeepSeek-V3", backfill=False, released_at=datetime(2025, 3, 2, tzinfo=UTC))
    assert made_public(later) == datetime(2025, 3, 2, tzinfo=UTC)
    text = text_of(release_card([later], "en", HUB, kind="shared"))
    assert "Created on the Hub 2025-01-20 · first seen public 2025-03-02" in text
    fresh = row("deepseek-ai/DeepSeek-V3", backfill=False, released_at=CREATED.replace(minute=5))
    assert made_public(fresh) is None and made_public(row("deepseek-ai/DeepSeek-V3")) is None


# --------------------------------------------------------------------------- fits on, in the model's context


def test_fits_on_counts_full_length_sequences_of_the_models_context() -> None:
    gpt = row("openai/gpt-oss-120b")  # 128K context, 18.3 GB left on one 80 GB GPU ≈ 497K tokens of KV cache
    text = text_of(page("model", "en", **card(gpt, HUB)))
    assert "📜 128K tokens of context" in text
    assert "18.3 GB left for the KV cache: room for 3 sequences of the full 128K context" in text
    assert "497K" not in text
    italian = text_of(page("model", "it", **card(gpt, HUB)))
    assert "spazio per 3 sequenze con tutti i 128K token di contesto" in italian


def test_less_room_than_one_full_sequence_is_capped_at_the_context() -> None:
    setup = Setup("1x24", "1×24 GB GPU", 24, 24)
    short = Fit(20.0, setup, 1.6, headroom_tokens=74_523)
    assert short.room(131_072) == Room(131_072, 0, 74_523)
    assert Fit(20.0, setup, 50.0, headroom_tokens=10**7).room(131_072) == Room(131_072, 76, 131_072)
    assert short.room(None) is None and Fit(20.0, setup, 1.6).room(131_072) is None
    minimax = row("MiniMaxAI/MiniMax-M1-80k", safetensors=False, weights_bytes=912 * 10**9)
    text = text_of(page("model", "en", **card(minimax, HUB)))
    assert "📜 10.24M tokens of context" in text and "10000K" not in text
    assert "room for ≈ 5.3M tokens of the 10.24M context" in text


@pytest.mark.parametrize(("tokens", "english", "italian"), [
    (131_072, "128K", "128K"), (1_048_576, "1M", "1M"), (10_240_000, "10.24M", "10,24M"),
    (1_572_864, "1.5M", "1,5M"), (262_144, "256K", "256K"), (40_000, "40,000", "40.000"), (None, "?", "?"),
])
def test_context_lengths_use_m_for_millions(tokens: int | None, english: str, italian: str) -> None:
    assert l10n.tokens(tokens) == english
    with l10n.speaking("it"):
        assert l10n.tokens(tokens) == italian


def test_rough_token_counts_are_localised() -> None:
    assert (l10n.about_tokens(6_300_000), l10n.about_tokens(74_523), l10n.about_tokens(900)) == ("6.3M", "74K", "900")
    with l10n.speaking("it"):
        assert l10n.about_tokens(6_300_000) == "6,3M"


# --------------------------------------------------------------------------- DeepSeek-V3 /model


def test_deepseek_v3_model_page_names_the_mtp_layer_and_has_no_stray_blank_line() -> None:
    deepseek = row("deepseek-ai/DeepSeek-V3")
    assert stored_extras(deepseek) == ("mtp", "scales")
    text = text_of(page("model", "en", **card(deepseek, HUB)))
    body = text.split("📐", 1)[1]
    assert "\n\n" not in body, body
    assert "671B total" in text
    assert ("685B stored in the weight files: the extra 13.5B are the multi-token-prediction (MTP) layer and FP8 "
            "scale tensors, which the total leaves out") in text
    italian = text_of(page("model", "it", **card(deepseek, HUB)))
    assert "i 13,5B in più sono il modulo di previsione multi-token (MTP)" in italian
    alert = text_of(release_card([deepseek], "en", HUB))
    assert "685B stored in the weight files: the extra 13.5B are the multi-token-prediction (MTP) layer" in alert


def test_stored_extras_need_a_difference_and_a_note() -> None:
    plain = row("openai/gpt-oss-120b")
    assert plain.params_stored is None and stored_extras(plain) == ()
    assert stored_extras(row("deepseek-ai/DeepSeek-V3", params_notes=[])) == ()
