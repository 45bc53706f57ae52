"""The outbox: alerts fan out into one delivery per target, each sent, retried or given up on record.

A delivery is marked sent right after its target accepted it, so a restart resumes with what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, col, select

from tracker.store import builds
from tracker.store.releases import Store
from tracker.store.tables import Alert, Delivery, Event, QuantNotice, TrackedModel

T = TypeVar("T")

# Backoff between attempts of one delivery: 5 s, 10 s, 20 s ... capped at 15 minutes.
BASE_RETRY = timedelta(seconds=5)
MAX_RETRY = timedelta(minutes=15)
REACHING = ("pending", "sent")  # a delivery that reached its target, or will


@dataclass(frozen=True)
class DeliveryItem:
    """Everything a sink needs to send one delivery."""

    delivery: Delivery
    alert: Alert
    model: TrackedModel
    event: Event


def fan_out(store: Store, targets_for: Callable[[Alert, TrackedModel], Sequence[str]], now: datetime) -> int:
    """Create the deliveries of every new alert, atomically; returns how many were created. A target may name
    the notices it carries (`user:42#fits`, tracker.store.builds): they are recorded in the same transaction."""
    rows: list[dict[str, object]] = []
    with store.session() as session, session.begin():
        alerts = session.exec(
            select(Alert, TrackedModel).join(TrackedModel, TrackedModel.id == Alert.model_id)
            .where(Alert.status == "new").order_by(Alert.id)
        ).all()
        for alert, model in alerts:
            for named in dict.fromkeys(targets_for(alert, model)):
                target, notices = builds.split_target(named)
                if notices and not builds.claim(session, alert, target, notices, now):
                    continue  # every notice it carries was already said
                rows.append({"alert_id": alert.id, "target": target, "status": "pending", "attempts": 0,
                             "created_at": now, "next_attempt_at": now})
            alert.status = "queued"
            session.add(alert)
        if rows:
            session.execute(insert(Delivery), rows)
    return len(rows)


def due(store: Store, now: datetime, limit: int = 500, target_prefix: str | None = None) -> list[DeliveryItem]:
    """Pending deliveries whose time has come, a target's together (so they can share one message)."""
    with store.session() as session:
        query = (
            select(Delivery)
            .where(Delivery.status == "pending")
            .where((Delivery.next_attempt_at == None) | (Delivery.next_attempt_at <= now))  # noqa: E711
            .order_by(Delivery.target, Delivery.id)
            .limit(limit)
        )
        if target_prefix:
            query = query.where(Delivery.target.startswith(target_prefix))  # type: ignore[attr-defined]
        return _items(session, session.exec(query).all())


def pending(store: Store, target_prefix: str, limit: int = 5000) -> list[DeliveryItem]:
    """Every pending delivery of the targets starting with `target_prefix`, due now or later (a sink that
    holds a wave until it settles sends the wave's later variants with its first)."""
    with store.session() as session:
        query = (select(Delivery).where(Delivery.status == "pending")
                 .where(Delivery.target.startswith(target_prefix))  # type: ignore[attr-defined]
                 .order_by(Delivery.id).limit(limit))
        return _items(session, session.exec(query).all())


def _items(session: Session, deliveries: Sequence[Delivery]) -> list[DeliveryItem]:
    alert_ids = {d.alert_id for d in deliveries}
    alerts = {a.id: a for a in _by_ids(session, Alert, alert_ids)}
    models = {m.id: m for m in _by_ids(session, TrackedModel, {a.model_id for a in alerts.values()})}
    events = {e.id: e for e in _by_ids(session, Event, {a.event_id for a in alerts.values()})}
    items = [DeliveryItem(d, alerts[d.alert_id], models[alerts[d.alert_id].model_id],
                          events[alerts[d.alert_id].event_id]) for d in deliveries]
    return sorted(items, key=lambda i: i.delivery.id or 0)


def _by_ids(session: Session, table: type[T], ids: set[int]) -> Sequence[T]:
    if not ids:
        return []
    return session.exec(select(table).where(col(table.id).in_(ids))).all()  # type: ignore[attr-defined]


def pending_count(store: Store) -> int:
    """How many deliveries wait to be sent (the queue depth)."""
    with store.session() as session:
        return session.exec(select(func.count()).select_from(Delivery).where(Delivery.status == "pending")).one()


def prune(store: Store, now: datetime, keep: timedelta = timedelta(days=30)) -> int:
    """Forget finished deliveries older than `keep` (the alerts and events stay); returns how many."""
    cutoff = now - keep
    with store.session() as session, session.begin():
        result = session.execute(
            delete(Delivery).where(col(Delivery.status) != "pending", col(Delivery.created_at) < cutoff)
        )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def seconds_until_next(store: Store, now: datetime, target_prefix: str | None = None) -> float | None:
    """Seconds until the next pending delivery (of the targets starting with `target_prefix`) comes due
    (0 when one is due), None when nothing waits."""
    with store.session() as session:
        query = select(func.min(Delivery.next_attempt_at)).where(Delivery.status == "pending",
                                                                 Delivery.target != "console")
        if target_prefix:
            query = query.where(Delivery.target.startswith(target_prefix))  # type: ignore[attr-defined]
        nearest = session.exec(query).one()
    if nearest is None:
        return None
    if isinstance(nearest, str):
        nearest = datetime.fromisoformat(nearest.replace("Z", "+00:00"))
    return max(0.0, (nearest - now).total_seconds())


def retry_network_now(store: Store, now: datetime) -> int:
    """Deliveries waiting out a backoff after network errors become due now (the service is back); a 429's
    wait is never shortened. Returns how many."""
    with store.session() as session, session.begin():
        result = session.execute(
            update(Delivery).where(col(Delivery.status) == "pending", col(Delivery.next_attempt_at) > now,
                                   col(Delivery.last_error).startswith("network: "))
            .values(next_attempt_at=now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_sent(store: Store, delivery_ids: Sequence[int], now: datetime) -> None:
    """The target accepted the message carrying these deliveries (one transaction)."""
    if not delivery_ids:
        return
    with store.session() as session, session.begin():
        session.execute(update(Delivery).where(col(Delivery.id).in_(list(delivery_ids)))
                        .values(status="sent", sent_at=now, last_error=None))


def postpone(store: Store, delivery_ids: Sequence[int], until: datetime) -> None:
    """Hold pending deliveries until `until` without counting an attempt (a wave that has not settled)."""
    if not delivery_ids:
        return
    with store.session() as session, session.begin():
        session.execute(update(Delivery).where(col(Delivery.id).in_(list(delivery_ids)),
                                               col(Delivery.status) == "pending")
                        .values(next_attempt_at=until))


def mark_retry(store: Store, items: Sequence[DeliveryItem], error: str, now: datetime,
               wait: timedelta | None = None, cap: timedelta = MAX_RETRY) -> None:
    """A temporary failure: try again after `wait`, or after an exponential backoff up to `cap`."""
    with store.session() as session, session.begin():
        for item in items:
            attempts = item.delivery.attempts + 1
            delay = wait if wait is not None else min(cap, BASE_RETRY * (2 ** (attempts - 1)))
            session.execute(update(Delivery).where(col(Delivery.id) == item.delivery.id)
                            .values(attempts=attempts, last_error=error[:500], next_attempt_at=now + delay))


def mark_failed(store: Store, items: Sequence[DeliveryItem], error: str, status: str = "failed") -> None:
    """A permanent failure (`failed`), or a target that is gone (`dropped`): never retried."""
    with store.session() as session, session.begin():
        for item in items:
            session.execute(update(Delivery).where(col(Delivery.id) == item.delivery.id)
                            .values(status=status, attempts=item.delivery.attempts + 1, last_error=error[:500]))


def told_of_releases(store: Store, model_ids: Collection[int], user_id: int | None = None) -> set[tuple[int, int]]:
    """(user id, model id) for each subscriber told of a release among `model_ids` (only `user_id`, when given):
    its release alert's delivery to them was sent (or waits to be), or a "now fits" notice of one of its builds
    was said to them and its delivery did not fail. Finished deliveries are pruned after 30 days; notices stay."""
    ids = list(set(model_ids))
    if not ids:
        return set()
    with store.session() as session:
        query = (select(Delivery.target, Alert.model_id).join(Alert, col(Alert.id) == Delivery.alert_id)
                 .where(Alert.kind == "release", col(Alert.model_id).in_(ids), col(Delivery.status).in_(REACHING),
                        col(Delivery.target).startswith("user:")))
        if user_id is not None:
            query = query.where(Delivery.target == f"user:{user_id}")
        told = {(int(target.split(":", 1)[1]), mid) for target, mid in session.exec(query).all()}
        notices = select(QuantNotice.user_id, QuantNotice.model_id, QuantNotice.alert_id).where(
            QuantNotice.kind == "fits", col(QuantNotice.model_id).in_(ids))
        if user_id is not None:
            notices = notices.where(QuantNotice.user_id == user_id)
        said = session.exec(notices).all()
        if said:
            lost = set(session.exec(select(Delivery.alert_id, Delivery.target).where(
                col(Delivery.alert_id).in_({aid for _, _, aid in said}),
                col(Delivery.status).in_(["failed", "dropped"]))).all())
            told |= {(uid, mid) for uid, mid, aid in said if (aid, f"user:{uid}") not in lost}
    return told
