"""Telegram messages we may come back to: release cards (edited as a wave grows) and each lab's forum topic."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from tracker.store.releases import Store
from tracker.store.tables import Card, Event, ForumTopic, RuntimeFlag

SOURCE_EDIT_WINDOW = timedelta(days=7)  # a card is edited when a second hub shows its release within this long
RELINK_MARK = "relinked_source_event"  # runtime flag: the newest source_added event whose cards were edited


def open_card(store: Store, target: str, wave_key: str, since: datetime) -> Card | None:
    """The newest card of this wave for `target` opened at or after `since` (None: post a new one)."""
    with store.session() as session:
        return session.exec(
            select(Card).where(Card.target == target, Card.wave_key == wave_key, col(Card.opened_at) >= since)
            .order_by(col(Card.id).desc())
        ).first()


def add_card(store: Store, card: Card) -> None:
    """Remember a card just posted."""
    with store.session() as session, session.begin():
        session.add(card)


def set_card_models(store: Store, card_id: int | None, model_ids: list[int], now: datetime) -> None:
    """The models an edited card shows now."""
    with store.session() as session, session.begin():
        row = session.get(Card, card_id)
        if row is not None:
            row.model_ids, row.updated_at = model_ids, now
            session.add(row)


def forum_topic(store: Store, chat_id: str, lab: str) -> int | None:
    """The thread id of the lab's forum topic in that chat, if one was created."""
    with store.session() as session:
        known = session.get(ForumTopic, (chat_id, lab))
        return known.thread_id if known is not None else None


def remember_forum_topic(store: Store, chat_id: str, lab: str, thread_id: int, now: datetime) -> None:
    with store.session() as session, session.begin():
        session.merge(ForumTopic(chat_id=chat_id, lab=lab, thread_id=thread_id, created_at=now))


def cards_to_relink(store: Store, now: datetime) -> tuple[list[Card], int | None]:
    """Cards (of the last week) showing a release that another hub has shown since the last relinking (a
    `source_added` event not yet handled): they are edited to link both hubs. Also returns the newest such
    event's id, for `relinked` once the edits are done (None when there is nothing to do)."""
    since = now - SOURCE_EDIT_WINDOW
    with store.session() as session:
        flag = session.get(RuntimeFlag, RELINK_MARK)
        mark = int(flag.value) if flag is not None and flag.value.isdigit() else 0
        added = session.exec(select(Event.id, Event.model_id).where(
            Event.kind == "source_added", col(Event.id) > mark, col(Event.at) >= since)).all()
        if not added:
            return [], None
        models = {model_id for _id, model_id in added}
        cards = session.exec(select(Card).where(col(Card.opened_at) >= since)).all()
    return [c for c in cards if models & set(c.model_ids or ())], max(event_id for event_id, _m in added)


def relinked(store: Store, event_id: int, now: datetime) -> None:
    """The cards of every `source_added` event up to `event_id` were edited: remember it."""
    with store.session() as session, session.begin():
        session.merge(RuntimeFlag(key=RELINK_MARK, value=str(event_id), updated_at=now))
