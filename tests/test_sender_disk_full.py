"""A message Telegram accepted while the store cannot record it (the disk is full) is never sent again: the
sender marks it once the disk has room (tracker.telegram.sender). The store's "database or disk is full"
comes from a hook at the DB-API seam: SQLite's own SQLITE_FULL (tests/db_files.FullDisk) cannot be made to
refuse an UPDATE that rewrites a page in place."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import select

from tests.fakes.telegram_api import FakeTelegram
from tests.test_sender_pages import NOW, wave
from tracker.config import load_settings
from tracker.store.releases import Store
from tracker.store.tables import Delivery
from tracker.telegram import sender
from tracker.telegram.app import build_application


def test_a_message_sent_while_the_disk_is_full_is_not_sent_again(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    wave(store, people=1, models=1)
    full = True

    def refuse_marks(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if full and statement.startswith("UPDATE deliveries SET status"):
            raise sqlite3.OperationalError("database or disk is full")

    event.listen(store.engine, "before_cursor_execute", refuse_marks)
    with FakeTelegram(token="1:FULL", channel="@releases") as telegram:
        telegram.add_private(1)
        settings = load_settings(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_API_URL=telegram.url,
                                 TELEGRAM_CHANNEL="@releases", TRACKER_HUB_WEB_URL="https://huggingface.co")

        async def deliver() -> list[int]:
            nonlocal full
            sent = []
            application = build_application(settings)
            async with application:
                delivery = sender.TelegramDelivery(application.bot, store, settings, clock=lambda: NOW)
                for room in (False, False, True):
                    full = not room
                    await delivery.run_once()
                    sent.append(len(telegram.all_messages()))
            return sent

        sent = asyncio.run(deliver())
    assert sent == [2, 2, 2]  # the channel's card and the subscriber's, once each
    with store.session() as session:
        assert set(session.exec(select(Delivery.status)).all()) == {"sent"}  # recorded once the disk had room
