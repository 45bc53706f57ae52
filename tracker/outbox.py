"""The outbox: alerts fan out into one delivery per target, each sent, retried or given up on record.

A delivery is marked sent right after its target accepted it, so a restart resumes with what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import select

from tracker.models import Alert, Delivery, Event, TrackedModel
from tracker.store import Store

# Backoff between attempts of one delivery: 5 s, 10 s, 20 s ... capped at 15 minutes.
BASE_RETRY = timedelta(seconds=5)
MAX_RETRY = timedelta(minutes=15)


@dataclass(frozen=True)
class DeliveryItem:
    """Everything a sink needs to send one delivery."""

    delivery: Delivery
    alert: Alert
    model: TrackedModel
    event: Event


def fan_out(store: Store, targets_for: Callable[[Alert, TrackedModel], Sequence[str]], now: datetime) -> int:
    """Create the deliveries of every new alert, atomically; returns how many were created."""
    created = 0
    with store.session() as session, session.begin():
        rows = session.exec(
            select(Alert, TrackedModel).join(TrackedModel, TrackedModel.id == Alert.model_id)
            .where(Alert.status == "new").order_by(Alert.id)
        ).all()
        for alert, model in rows:
            for target in dict.fromkeys(targets_for(alert, model)):
                session.add(Delivery(alert_id=alert.id, target=target, created_at=now, next_attempt_at=now))
                created += 1
            alert.status = "queued"
            session.add(alert)
    return created


def due(store: Store, now: datetime, limit: int = 500, target_prefix: str | None = None) -> list[DeliveryItem]:
    """Pending deliveries whose time has come, oldest first."""
    with store.session() as session:
        query = (
            select(Delivery, Alert, TrackedModel, Event)
            .join(Alert, Alert.id == Delivery.alert_id)
            .join(TrackedModel, TrackedModel.id == Alert.model_id)
            .join(Event, Event.id == Alert.event_id)
            .where(Delivery.status == "pending")
            .where((Delivery.next_attempt_at == None) | (Delivery.next_attempt_at <= now))  # noqa: E711
            .order_by(Delivery.id)
            .limit(limit)
        )
        if target_prefix:
            query = query.where(Delivery.target.startswith(target_prefix))  # type: ignore[attr-defined]
        return [DeliveryItem(d, a, m, e) for d, a, m, e in session.exec(query).all()]


def pending_count(store: Store) -> int:
    """How many deliveries wait to be sent (the queue depth)."""
    from sqlalchemy import func

    with store.session() as session:
        return session.exec(select(func.count()).select_from(Delivery).where(Delivery.status == "pending")).one()


def _update(store: Store, delivery_id: int, **values: object) -> None:
    with store.session() as session, session.begin():
        row = session.get(Delivery, delivery_id)
        if row is None:
            return
        for key, value in values.items():
            setattr(row, key, value)
        session.add(row)


def mark_sent(store: Store, delivery_id: int, now: datetime) -> None:
    """The target accepted the message."""
    _update(store, delivery_id, status="sent", sent_at=now, last_error=None)


def mark_retry(store: Store, item: DeliveryItem, error: str, now: datetime, wait: timedelta | None = None) -> None:
    """A temporary failure: try again after `wait`, or after an exponential backoff."""
    attempts = item.delivery.attempts + 1
    delay = wait if wait is not None else min(MAX_RETRY, BASE_RETRY * (2 ** (attempts - 1)))
    _update(store, item.delivery.id or 0, attempts=attempts, last_error=error[:500], next_attempt_at=now + delay)


def mark_failed(store: Store, item: DeliveryItem, error: str, status: str = "failed") -> None:
    """A permanent failure (`failed`), or a target that is gone (`dropped`): never retried."""
    _update(store, item.delivery.id or 0, status=status, attempts=item.delivery.attempts + 1,
            last_error=error[:500])
