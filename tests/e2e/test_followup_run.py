"""End to end: the installed `tracker run` follows a release up after a restart, and edits the channel's card."""

from __future__ import annotations

import sqlite3

from tests.conftest import Tracker
from tests.e2e.test_telegram_run import Running
from tests.fakes.hub import FakeHub
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram_world import CHANNEL, ago, bot_tracker, telegram

__all__ = ["bot_tracker", "telegram"]  # fixtures

RELEASE = "Qwen/Qwen3-9B"


def test_the_schedule_survives_a_restart_and_the_card_gets_both_checkpoints(
        bot_tracker: Tracker, fake_hub: FakeHub, telegram: FakeTelegram) -> None:
    bot_tracker.env["TRACKER_FOLLOWUP_AFTER"] = "8s,16s"
    fake_hub.add_model("Qwen/Qwen2-7B", created_at=ago(days=300))
    first = Running(bot_tracker, telegram)
    try:
        first.wait_polls(fake_hub)
        fake_hub.add_model(RELEASE, created_at=ago(minutes=1), safetensors={"BF16": 9_000_000_000}, likes=3)
        (card,) = telegram.wait_for_messages(CHANNEL, 1, timeout=45)
    finally:
        first.stop()  # well before the first checkpoint
    with sqlite3.connect(bot_tracker.db_path) as db:
        kept = db.execute("SELECT after_s, status FROM followups WHERE repo_id = ? ORDER BY after_s",
                          (RELEASE,)).fetchall()
    assert kept == [(8, "pending"), (16, "pending")]
    assert "📈" not in telegram.messages(CHANNEL)[0].text

    fake_hub.add_model("bartowski/Qwen3-9B-GGUF", base_model=RELEASE, gguf={"architecture": "qwen3"},
                       library_name=None, likes=5)
    fake_hub.update(RELEASE, inference_providers={"together": "live"})
    second = Running(bot_tracker, telegram)
    try:
        telegram.wait_for(lambda: "16 s later" in telegram.messages(CHANNEL)[0].text, timeout=60)
    finally:
        err = second.stop()

    messages = telegram.messages(CHANNEL)
    assert [m.message_id for m in messages] == [card.message_id]  # the card itself, edited
    text = messages[0].text
    assert "8 s later: 1 quantized build (bartowski GGUF)" in text and "live on together" in text
    assert text.index("8 s later") < text.index("16 s later")
    assert second.proc.returncode == 0, err
    with sqlite3.connect(bot_tracker.db_path) as db:
        assert db.execute("SELECT count(*) FROM events WHERE kind = 'followup'").fetchone() == (2,)
