"""Subscribers and runtime flags in the store: the few writes the bot and delivery make."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select

from tracker.store.releases import Store
from tracker.store.tables import RuntimeFlag, Subscriber, utcnow

EDITABLE = {"lang", "labs", "min_params", "max_params", "license_classes", "include_quantized", "keywords",
            "openness_levels", "weight_updates", "quant_builds", "vram_gb",
            "active", "first_name", "chat_id", "digest", "digest_period", "digest_since"}


def get(store: Store, user_id: int) -> Subscriber | None:
    with store.session() as session:
        return session.get(Subscriber, user_id)


def ensure(store: Store, user_id: int, chat_id: int, first_name: str | None = None,
           lang: str | None = None) -> Subscriber:
    """The person's row, created (inactive, with their Telegram language when we have it) on first contact."""
    now = utcnow()
    with store.session() as session, session.begin():
        row = session.get(Subscriber, user_id)
        if row is None:
            row = Subscriber(user_id=user_id, chat_id=chat_id, first_name=first_name,
                             lang=lang if lang in ("en", "it") else "en", created_at=now, updated_at=now)
            session.add(row)
        elif row.chat_id != chat_id or (first_name and row.first_name != first_name):
            row.chat_id, row.first_name, row.updated_at = chat_id, first_name or row.first_name, now
            session.add(row)
    return row


def update(store: Store, user_id: int, **changes: Any) -> Subscriber:
    """Change a person's settings (only the editable fields); raises KeyError for an unknown person."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    with store.session() as session, session.begin():
        row = session.get(Subscriber, user_id)
        if row is None:
            raise KeyError(user_id)
        for key, value in changes.items():
            setattr(row, key, value)
        if changes.get("active"):
            row.blocked_at = None
        row.updated_at = utcnow()
        session.add(row)
    return row


def mark_blocked(store: Store, user_id: int, now: datetime) -> None:
    """The person blocked the bot: unsubscribe them; they are never retried until they talk to us again."""
    with store.session() as session, session.begin():
        row = session.get(Subscriber, user_id)
        if row is not None:
            row.active = False
            row.blocked_at = now
            row.updated_at = now
            session.add(row)


def active(store: Store) -> list[Subscriber]:
    """Everyone who gets alerts."""
    with store.session() as session:
        return list(session.exec(select(Subscriber).where(col(Subscriber.active).is_(True))).all())


def counts(store: Store) -> dict[str, int]:
    """How many people have talked to the bot, and how many are subscribed."""
    with store.session() as session:
        rows = session.exec(select(Subscriber.active)).all()
    return {"people": len(rows), "subscribed": sum(1 for r in rows if r)}


def unreachable_flag(user_id: int) -> str:
    """The flag marking a person Telegram refused for good (an admin never started the bot, or blocked it)."""
    return f"unreachable:{user_id}"


def get_flag(store: Store, key: str) -> str | None:
    with store.session() as session:
        row = session.get(RuntimeFlag, key)
        return row.value if row else None


def set_flag(store: Store, key: str, value: str | None) -> None:
    """Set a runtime flag, or clear it with None."""
    with store.session() as session, session.begin():
        row = session.get(RuntimeFlag, key)
        if value is None:
            if row is not None:
                session.delete(row)
            return
        row = row or RuntimeFlag(key=key, value=value, updated_at=utcnow())
        row.value, row.updated_at = value, utcnow()
        session.add(row)


def is_paused(store: Store) -> bool:
    """An admin paused polling and delivery with /pause."""
    return get_flag(store, "paused") is not None
