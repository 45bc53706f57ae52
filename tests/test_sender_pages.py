"""Telegram delivery reads the outbox a page at a time and never pauses its sends for the next page: the
real sender and Bot (with its flood limiter) against the fake Bot API over HTTP, on a temporary SQLite."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from tests.fakes.telegram_api import FakeTelegram
from tracker.config import load_settings
from tracker.store import subscribers as subscriptions
from tracker.store.releases import Store
from tracker.store.tables import Alert, Delivery, Event, TrackedModel
from tracker.telegram import sender
from tracker.telegram.app import build_application

NOW = datetime(2026, 12, 7, tzinfo=UTC)


def wave(store: Store, people: int, models: int) -> None:
    """`models` new releases of one family (one card per chat), `people` subscribers who want them all."""
    for uid in range(1, people + 1):
        subscriptions.ensure(store, uid, uid)
        subscriptions.update(store, uid, active=True)
    with store.session() as session, session.begin():
        for i in range(models):
            model = TrackedModel(repo_id=f"Qwen/Qwen3-Wave-{i}B", lab="Qwen (Alibaba)", org="Qwen", family="Qwen3",
                                 gated="no", params_total=(i + 1) * 10**9, created_at=NOW, first_seen_at=NOW,
                                 released_at=NOW)
            session.add(model)
            session.flush()
            event = Event(model_id=model.id or 0, repo_id=model.repo_id, kind="new", at=NOW)
            session.add(event)
            session.flush()
            session.add(Alert(event_id=event.id or 0, model_id=model.id or 0, kind="release", created_at=NOW))


def test_a_fan_out_larger_than_a_page_goes_out_in_one_run_one_card_per_chat(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sender, "PAGE", 40)  # 7 chats x 6 models = 42 deliveries: two pages, one chat cut
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    wave(store, people=6, models=6)
    with FakeTelegram(token="1:PAGES", channel="@releases") as telegram:
        for uid in range(1, 7):
            telegram.add_private(uid)
        settings = load_settings(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url,
                                 TELEGRAM_CHANNEL="@releases", TRACKER_HUB_WEB_URL="https://huggingface.co")

        async def deliver() -> sender.DeliveryReport:
            application = build_application(settings)
            async with application:
                return await sender.TelegramDelivery(application.bot, store, settings, clock=lambda: NOW).run_once()

        report = asyncio.run(deliver())
        cards = {chat: telegram.messages(chat) for chat in ["@releases", *range(1, 7)]}
        edits = telegram.requests("editMessageText")
    # The chat the first page cut got its card from the first page and an edit from the second, in order.
    assert report.sent == 7 and report.edited == 1 and len(edits) == 1
    for chat, messages in cards.items():
        assert len(messages) == 1 and all(f"Qwen3-Wave-{i}B" in messages[0].text for i in range(6)), chat
    with store.session() as session:
        assert set(session.exec(select(Delivery.status)).all()) == {"sent"}
