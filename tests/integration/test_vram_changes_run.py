"""A memory filter decides release alerts, not the changes that follow them: under `tracker run` (in-process)
with the fake Hub and the fake Bot API, a subscriber with `/settings vram 24` gets the license change of a
model they were alerted about, and of one they heard of through its "now fits" notice, but not of one they
never heard of."""

from __future__ import annotations

from tests.fakes.hub import FakeHub
from tests.fakes.hub_tree import gguf_build
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_quant_builds_run import wait_cycles
from tests.integration.test_telegram_run import start
from tests.telegram_world import ago, bot_tracker, channel_texts, say, telegram, wait_bot

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True  # Telegram's limits on a virtual clock (test_telegram_run's start)

SMALL = "Qwen/Qwen3-8B"  # 16.4 GB at BF16: fits 24 GB
NOW_FITS = "Qwen/Qwen3-235B-A22B"  # 470 GB, until a 20 GB build
NEVER_HEARD = "Qwen/Qwen3-VL-235B-A22B-Instruct"  # 470 GB, no build
BF16_235B = {"BF16": 235_093_634_560}


def license_cards(texts: list[str]) -> list[str]:
    return [t for t in texts if "License change" in t]


def test_license_changes_reach_a_memory_subscriber_for_what_they_were_told_of(
    start, fake_hub: FakeHub, telegram: FakeTelegram  # noqa: ANN001
) -> None:
    small = 401
    running = start()
    wait_cycles(fake_hub, 1)
    wait_bot(telegram)
    say(telegram, small, "/subscribe")
    assert "Memory: 24 GB" in say(telegram, small, "/settings vram 24")
    joined = len(telegram.messages(small))

    fake_hub.add_model(SMALL, created_at=ago(minutes=1), safetensors={"BF16": 8_190_735_360})
    fake_hub.add_model(NOW_FITS, created_at=ago(minutes=1), safetensors=BF16_235B)
    fake_hub.add_model(NEVER_HEARD, created_at=ago(minutes=1), safetensors=BF16_235B)
    (card,) = [m.text for m in telegram.wait_for_messages(small, joined + 1, timeout=45)[joined:]]
    assert "Qwen3-8B" in card and "235B" not in card
    gguf_build(fake_hub, "unsloth/Qwen3-235B-A22B-GGUF", NOW_FITS, {"IQ1_S": 20_000_000_000},
               params=235_000_000_000, architecture="qwen3moe")
    fits = telegram.wait_for_messages(small, joined + 2, timeout=45)[-1].text
    assert fits.startswith("📦 Qwen3-235B-A22B now fits your 24 GB")

    for repo in (SMALL, NOW_FITS, NEVER_HEARD):
        fake_hub.set_license(repo, "other", license_name="qwen-research")
    telegram.wait_for(lambda: len(license_cards(channel_texts(telegram))) == 3, timeout=45)
    telegram.wait_for_messages(small, joined + 4, timeout=45)
    wait_cycles(fake_hub, 2)  # time for a third, if it were coming
    running.stop()

    told = license_cards([m.text for m in telegram.messages(small)[joined + 2:]])
    assert len(telegram.messages(small)) == joined + 4
    assert sorted(t.split("\n")[0].rsplit(" · ", 1)[1] for t in told) == ["Qwen3-235B-A22B", "Qwen3-8B"]
    assert any("Qwen3-VL" in t for t in license_cards(channel_texts(telegram)))  # it was alerted, to others
