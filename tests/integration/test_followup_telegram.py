"""Follow-ups on Telegram, `tracker run` in-process against the fake Hub and Bot API: the channel's card is edited
to carry what became of the release; a card an admin deleted gets the follow-up as a reply instead."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import Tracker
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.integration.daemon_harness import InProcessRun
from tests.telegram_world import CHANNEL, ago, bot_tracker, say, telegram

__all__ = ["bot_tracker", "telegram"]  # fixtures

RELEASE = "Qwen/Qwen3-9B"


@pytest.fixture
def running(bot_tracker: Tracker, fake_hub: FakeHub) -> Iterator[InProcessRun]:
    fake_hub.add_model("Qwen/Qwen2-7B", created_at=ago(days=300))
    bot_tracker.env["TRACKER_FOLLOWUP_AFTER"] = "3s"
    run = InProcessRun(bot_tracker)
    run.wait_polls(fake_hub)
    yield run
    run.stop()


def release_with_a_tree(hub: FakeHub) -> None:
    hub.add_model(RELEASE, created_at=ago(minutes=1), safetensors={"BF16": 9_000_000_000},
                  readme="Report: https://arxiv.org/abs/2505.09388", likes=12)
    hub.add_model("bartowski/Qwen3-9B-GGUF", base_model=RELEASE, gguf={"architecture": "qwen3"}, library_name=None,
                  likes=5)
    hub.update(RELEASE, inference_providers={"together": "live", "nebius": "staging"})
    hub.papers.add("2505.09388", "Qwen3 <Technical> Report", upvotes=142)


def test_the_channel_card_is_edited_with_the_follow_up(running: InProcessRun, fake_hub: FakeHub,
                                                       telegram: FakeTelegram) -> None:
    release_with_a_tree(fake_hub)
    (card,) = telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    assert "📈" not in card.text

    telegram.wait_for(lambda: "📈" in telegram.messages(CHANNEL)[0].text, timeout=45)
    answer = say(telegram, 4242, f"/model {RELEASE}", timeout=20)  # /model shows it too
    running.stop()

    assert "3 s later: 1 quantized build (bartowski GGUF)" in answer and "Qwen3 <Technical> Report" in answer

    messages = telegram.messages(CHANNEL)
    assert len(messages) == 1  # edited, not a second message
    text = messages[0].text
    assert "Qwen3-9B" in text and "3 s later" in text
    assert "1 quantized build (bartowski GGUF)" in text
    assert "live on together" in text and "nebius" not in text
    assert "paper: Qwen3 <Technical> Report, 142 upvotes" in text  # escaped in the HTML, shown as is
    assert "&lt;Technical&gt;" in messages[0].raw_text
    assert telegram.requests("editMessageText")


def test_a_deleted_card_gets_the_follow_up_as_its_own_message(running: InProcessRun, fake_hub: FakeHub,
                                                              telegram: FakeTelegram) -> None:
    release_with_a_tree(fake_hub)
    (card,) = telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    telegram.delete(CHANNEL, card.message_id)  # a channel admin removed it before the follow-up

    (followup,) = telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    running.stop()

    assert followup.message_id != card.message_id
    assert "Qwen3-9B" in followup.text and "3 s later" in followup.text and "bartowski GGUF" in followup.text
    sent = [r for r in telegram.requests("sendMessage") if "reply_parameters" in r.params]
    assert [json.loads(r.params["reply_parameters"])["message_id"] for r in sent] == [card.message_id]
    assert len(telegram.messages(CHANNEL)) == 1


def test_a_waves_card_carries_each_models_follow_up(running: InProcessRun, fake_hub: FakeHub,
                                                    telegram: FakeTelegram) -> None:
    for name, size in (("Qwen3-9B", 9_000_000_000), ("Qwen3-2B", 2_000_000_000)):
        fake_hub.add_model(f"Qwen/{name}", created_at=ago(minutes=1), safetensors={"BF16": size})
    (card,) = telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    assert "Qwen3-9B" in card.text and "Qwen3-2B" in card.text
    fake_hub.add_model("mlx-community/Qwen3-2B-4bit", base_model="Qwen/Qwen3-2B", base_model_relation="quantized",
                       library_name="mlx")

    telegram.wait_for(lambda: telegram.messages(CHANNEL)[0].text.count("📈") == 2, timeout=45)
    running.stop()

    (edited,) = telegram.messages(CHANNEL)
    assert "Qwen3-9B, 3 s later: no quantized builds or fine-tunes yet" in edited.text
    assert "Qwen3-2B, 3 s later: 1 quantized build (mlx-community 4-bit)" in edited.text
    assert len(telegram.requests("editMessageText")) <= 2  # one edit per delivery run, not one per line
