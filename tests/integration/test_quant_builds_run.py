"""Quantized builds under `tracker run` (in-process) with the fake Hub and the fake Bot API: a release that
does not fit a subscriber's memory reaches them once its first build that fits appears; `/settings quants
on` hears of the first build; each is said once, and a quiet cycle costs at most 2 more Hub requests."""

from __future__ import annotations

import time

from tests.fakes.hub import FakeHub
from tests.fakes.hub_tree import gguf_build, mlx_build
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.test_telegram_run import start
from tests.telegram_world import CHANNEL, ago, bot_tracker, channel_texts, say, telegram, wait_bot

__all__ = ["bot_tracker", "start", "telegram"]  # fixtures
VIRTUAL_FLOOD = True  # Telegram's limits on a virtual clock (test_telegram_run's start)

RELEASE = "Qwen/Qwen3-32B"


def org_listings(hub: FakeHub) -> int:
    return sum(1 for r in hub.requests if r.path == "/api/models" and "author" in r.query)


def wait_cycles(hub: FakeHub, cycles: int, orgs: int = 4, timeout: float = 45) -> int:
    """Until `cycles` more whole cycles have listed every organisation; returns the count of organisation
    listings that ends the last of them (a mark for `between`, however late this look comes)."""
    target = (org_listings(hub) // orgs + cycles) * orgs
    deadline = time.time() + timeout
    while org_listings(hub) < target:
        assert time.time() < deadline, "no poll in time"
        time.sleep(0.05)
    return target


def between(hub: FakeHub, first: int, last: int) -> list:
    """The requests logged after the `first`-th organisation listing, up to the `last`-th: the cycles between
    two marks, read from the log rather than from when the test looked (polls come every 0.2 s)."""
    listings = [i for i, r in enumerate(hub.requests) if r.path == "/api/models" and "author" in r.query]
    return hub.requests[listings[first - 1] + 1:listings[last - 1] + 1]


def test_builds_reach_who_asked_once_and_a_quiet_cycle_costs_at_most_two_requests(
    start, fake_hub: FakeHub, telegram: FakeTelegram  # noqa: ANN001
) -> None:
    small, quants, plain = 301, 302, 303
    fake_hub.add_model("Qwen/Qwen3-8B", created_at="2025-04-27T03:30:00.000Z", safetensors={"BF16": 8_190_735_360})
    running = start()
    wait_cycles(fake_hub, 1)
    wait_bot(telegram)
    for uid in (small, quants, plain):
        say(telegram, uid, "/subscribe")
    assert "Memory: 24 GB" in say(telegram, small, "/settings vram 24")
    assert "First quantized build: told" in say(telegram, quants, "/settings quants on")
    assert "not a memory size" in say(telegram, small, "/settings vram huge")
    # The backfilled Qwen3-8B's model card is read by enrichment (its own job, once): not a poll's cost
    deadline = time.time() + 45
    while not any(r.path.startswith("/Qwen/Qwen3-8B/resolve/") and r.path.endswith("/README.md")
                  for r in fake_hub.requests):
        assert time.time() < deadline, "the backfilled model's card was never read"
        time.sleep(0.05)
    quiet_before = wait_cycles(fake_hub, 1)
    quiet_without_release = between(fake_hub, quiet_before, wait_cycles(fake_hub, 1))

    fake_hub.add_model(RELEASE, created_at=ago(minutes=1), safetensors={"BF16": 32_762_123_264})  # 65.5 GB
    telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    telegram.wait_for_messages(plain, 2, timeout=45)  # the /subscribe answer, then the card
    start_quiet = wait_cycles(fake_hub, 2)
    quiet_with_release = between(fake_hub, start_quiet, wait_cycles(fake_hub, 3))
    seen = {uid: len(telegram.messages(uid)) for uid in (small, quants, plain)}

    # the first build: only Q8_0, too big for 24 GB: told to `quants`, not to `small`
    gguf_build(fake_hub, "bartowski/Qwen_Qwen3-32B-GGUF", RELEASE, {"Q8_0": 34_820_000_000})
    telegram.wait_for_messages(quants, seen[quants] + 1, timeout=45)
    # the first that fits 24 GB (at most 21.6 GB): told to `small` once, naming the best variant that fits
    gguf_build(fake_hub, "unsloth/Qwen3-32B-GGUF", RELEASE,
               {"Q2_K": 12_300_000_000, "Q4_K_M": 19_851_335_840, "Q6_K": 26_880_000_000})
    telegram.wait_for_messages(small, seen[small] + 1, timeout=45)
    mlx_build(fake_hub, "mlx-community/Qwen3-32B-4bit", RELEASE, 18_440_000_000)  # fits too: nobody is told again
    wait_cycles(fake_hub, 3)
    running.stop()

    (first,) = [m.text for m in telegram.messages(quants)[seen[quants]:]]
    assert first.startswith("📦 First quantized build of Qwen3-32B")
    assert "bartowski/Qwen_Qwen3-32B-GGUF · GGUF · smallest file Q8_0, 34.8 GB" in first
    (fits,) = [m.text for m in telegram.messages(small)[seen[small]:]]
    assert fits.startswith("📦 Qwen3-32B now fits your 24 GB: unsloth's Q4_K_M GGUF, 19.9 GB")
    assert "smallest file Q2_K, 12.3 GB" in fits
    assert telegram.messages(small)[seen[small]].parse_mode == "HTML"
    assert telegram.messages(plain)[seen[plain]:] == []
    assert not any("📦" in t for t in channel_texts(telegram))
    assert all(RELEASE not in m.text for m in telegram.messages(small)[:seen[small]])  # 65.5 GB: not alerted
    assert len(quiet_without_release) == 4, quiet_without_release  # one listing per organisation, no build
    # listing without a recent release
    # three quiet cycles with a recent release: the organisations, plus one listing of the newest models each
    # (a cycle's build listing may come before or after the last of its organisation listings)
    extra = [r for r in quiet_with_release if "author" not in r.query]
    assert len(quiet_with_release) - len(extra) == 12 and 2 <= len(extra) <= 4, extra
    assert {(r.path, r.query.get("sort")[0]) for r in extra} == {("/api/models", "createdAt")}
