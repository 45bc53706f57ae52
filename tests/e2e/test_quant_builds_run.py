"""End to end: the installed `tracker run` finds quantized builds of a release on the fake Hub and tells a
subscriber, through the fake Bot API, when one fits their memory; said once, across a restart too."""

from __future__ import annotations

from tests.e2e.test_telegram_run import Running
from tests.fakes.hub import FakeHub
from tests.fakes.hub_tree import gguf_build, mlx_build
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_world import ago, bot_tracker, say, telegram, wait_bot

__all__ = ["bot_tracker", "telegram"]  # fixtures

RELEASE = "Qwen/Qwen3-32B"


def test_a_release_that_does_not_fit_is_told_once_when_a_build_fits(bot_tracker, fake_hub: FakeHub,  # noqa: ANN001
                                                                      telegram: FakeTelegram) -> None:
    user = 7301
    fake_hub.add_model("Qwen/Qwen3-8B", created_at="2025-04-27T03:30:00.000Z", safetensors={"BF16": 8_190_735_360})
    running = Running(bot_tracker, telegram)
    try:
        running.wait_polls(fake_hub)
        wait_bot(telegram)
        say(telegram, user, "/subscribe")
        assert "Memory: 16 GB" in say(telegram, user, "/settings vram 16")
        fake_hub.add_model(RELEASE, created_at=ago(minutes=1), safetensors={"BF16": 32_762_123_264})
        gguf_build(fake_hub, "bartowski/Qwen_Qwen3-32B-GGUF", RELEASE, {"Q4_K_M": 19_851_335_840})  # > 14.4 GB
        running.wait_polls(fake_hub, cycles=3)
        before = len(telegram.messages(user))
        mlx_build(fake_hub, "mlx-community/Qwen3-32B-3bit", RELEASE, 14_100_000_000, bits=3)
        telegram.wait_for_messages(user, before + 1, timeout=45)
    finally:
        err = running.stop()
    assert running.proc.returncode == 0, err
    again = Running(bot_tracker, telegram)
    try:
        again.wait_polls(fake_hub, cycles=2)
    finally:
        again.stop()

    texts = [m.text for m in telegram.messages(user)[2:]]  # after the answers to /subscribe and /settings
    assert texts == ["📦 Qwen3-32B now fits your 16 GB: mlx-community's MLX, 14.1 GB\n"
                     "mlx-community/Qwen3-32B-3bit · MLX · smallest file MLX, 14.1 GB"], texts
