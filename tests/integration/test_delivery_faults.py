"""Deliveries through the fake Bot API when cards are huge or Telegram is failing (issue 8, §6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker
from tests.fakes import hub_catalog
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_html import utf16_len
from tests.telegram_world import CHANNEL, bot_tracker, telegram

__all__ = ["bot_tracker", "telegram"]  # fixtures


def ago(**delta: float) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def test_a_single_model_card_with_a_10000_character_license_is_cut_and_delivered(
        bot_tracker: Tracker, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    hub_catalog.qwen3_8b(fake_hub)
    bot_tracker.run("poll", check=True)
    hub_catalog.deepseek_v3(fake_hub, created_at=ago(minutes=1), license="other",
                            license_name="Very long license " + "🦙&<b>" * 2000,
                            api_override={"cardData": {"license": "L" * 10_000, "license_name": "N" * 10_000}})

    result = bot_tracker.run("poll", check=True)

    messages = telegram.messages(CHANNEL)
    assert len(messages) == 1, result.stderr
    text = messages[0].text
    assert utf16_len(text) <= 4096  # the fake refuses longer ones with 400 "message is too long"
    assert "DeepSeek-V3" in text and "…" in text
    assert "Public since" in text and "🌊" not in text  # the full single-model card, its license cut
    assert "too long" not in result.stderr and "refused" not in result.stderr
    assert ", 1 delivered" in result.stderr
