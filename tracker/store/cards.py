"""Telegram messages we may come back to: release cards (edited as a wave grows) and each lab's forum topic."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select

from tracker.store.releases import Store
from tracker.store.tables import Card, Event, ForumTopic

SOURCE_EDIT_WINDOW = timedelta(days=7)  # a card is edited when a second hub shows its release within this long


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


def cards_to_relink(store: Store, now: datetime) -> list[Card]:
    """Cards showing a release that another hub has shown since the card was last written (a `source_added`
    event after its last update): they are edited to link both hubs. Only cards of the last week."""
    since = now - SOURCE_EDIT_WINDOW
    with store.session() as session:
        added = session.exec(select(Event.model_id, Event.at).where(Event.kind == "source_added",
                                                                    col(Event.at) >= since)).all()
        if not added:
            return []
        latest: dict[int, datetime] = {}
        for model_id, at in added:
            latest[model_id] = max(at, latest.get(model_id, at))
        cards = session.exec(select(Card).where(col(Card.opened_at) >= since)).all()
    return [card for card in cards
            if any(latest.get(mid) is not None and latest[mid] > card.updated_at for mid in card.model_ids or ())]
