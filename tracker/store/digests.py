"""Digests' rows: queuing a digest (the digest's outbox), the releases and changes it covers, its outcome.

The period maths stay with the caller (tracker.deliver.digests): these functions take the periods and
times it worked out, and read or write the rows in one transaction each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from tracker.store.releases import Store
from tracker.store.tables import Alert, Digest, Event, Subscriber, TrackedModel

# Called with a digest subscriber: the period to queue and the time it starts from, or None (had it already).
PeriodPlan = Callable[[Subscriber], "tuple[str, datetime] | None"]


def queue_for_subscribers(store: Store, plan: PeriodPlan, now: datetime) -> int:
    """Queue a digest for every active daily or weekly subscriber `plan` gives a period, and move each one on
    to it, atomically; returns how many were queued."""
    queued = 0
    with store.session() as session, session.begin():
        people = session.exec(select(Subscriber).where(col(Subscriber.active).is_(True),
                                                       col(Subscriber.digest).in_(["daily", "weekly"]))).all()
        for person in people:
            due = plan(person)
            if due is None:
                continue
            key, since = due
            session.add(Digest(target=f"user:{person.user_id}", period=key, since=since, until=now,
                               next_attempt_at=now, created_at=now))
            person.digest_period, person.digest_since = key, now
            session.add(person)
            queued += 1
    return queued


def queue_period(store: Store, target: str, key: str, first_since: datetime, now: datetime) -> Digest | None:
    """Queue `target`'s digest of period `key` unless it already is (manual digests aside); it starts where
    the previous one ended, or at `first_since`. None when it was queued before (or by another run now)."""
    try:
        with store.session() as session, session.begin():
            rows = session.exec(select(Digest)
                                .where(Digest.target == target, col(Digest.period).not_like("%:manual-%"))
                                .order_by(col(Digest.id).desc())).all()
            if any(r.period == key for r in rows):
                return None
            since = rows[0].until if rows else first_since
            row = Digest(target=target, period=key, since=since, until=now, next_attempt_at=now, created_at=now)
            session.add(row)
    except IntegrityError:  # queued by another run at the same moment
        return None
    return row


def queue(store: Store, target: str, period: str, since: datetime, now: datetime) -> Digest:
    """Queue one digest of [since, now) as it is (e.g. a manual one, `tracker digest --post`)."""
    row = Digest(target=target, period=period, since=since, until=now, next_attempt_at=now, created_at=now)
    with store.session() as session, session.begin():
        session.add(row)
    return row


def get(store: Store, digest_id: int | None) -> Digest | None:
    with store.session() as session:
        return session.get(Digest, digest_id)


def alerted_releases(store: Store, since: datetime, until: datetime) -> list[TrackedModel]:
    """Public models with a release alert in [since, until), each once, by lab then release time."""
    with store.session() as session:
        rows = session.exec(
            select(TrackedModel).join(Alert, col(Alert.model_id) == TrackedModel.id)
            .where(Alert.kind == "release", col(Alert.created_at) >= since, col(Alert.created_at) < until,
                   TrackedModel.status == "public")
            .order_by(TrackedModel.lab, col(TrackedModel.released_at), TrackedModel.repo_id)
        ).all()
    return list({r.id: r for r in rows}.values())


def alerted_changes(store: Store, kinds: Sequence[str], since: datetime,
                    until: datetime) -> list[tuple[Alert, Event, TrackedModel]]:
    """Alerts of `kinds` created in [since, until), with their event and model, oldest first."""
    with store.session() as session:
        return list(session.exec(
            select(Alert, Event, TrackedModel).join(Event, col(Event.id) == Alert.event_id)
            .join(TrackedModel, col(TrackedModel.id) == Alert.model_id)
            .where(col(Alert.kind).in_(list(kinds)), col(Alert.created_at) >= since, col(Alert.created_at) < until)
            .order_by(col(Alert.created_at), col(Alert.id))
        ).all())


def due_digests(store: Store, now: datetime, target_prefix: str | None = None) -> list[Digest]:
    """Pending digests whose time has come, oldest first."""
    with store.session() as session:
        query = (select(Digest).where(Digest.status == "pending")
                 .where((col(Digest.next_attempt_at).is_(None)) | (col(Digest.next_attempt_at) <= now))
                 .order_by(col(Digest.id)))
        if target_prefix:
            query = query.where(col(Digest.target).startswith(target_prefix))
        return list(session.exec(query).all())


def mark(store: Store, digest_id: int, status: str, now: datetime, error: str | None = None,
         retry_in: timedelta | None = None) -> None:
    """Record a digest's outcome: sent or empty (done), failed or dropped (given up), or a retry later."""
    with store.session() as session, session.begin():
        row = session.get(Digest, digest_id)
        if row is None:
            return
        row.attempts += 1
        row.last_error = error[:500] if error else None
        if retry_in is not None:
            row.next_attempt_at = now + retry_in
        else:
            row.status = status
            row.sent_at = now if status in ("sent", "empty") else None
        session.add(row)


def prune(store: Store, now: datetime, keep: timedelta = timedelta(days=30)) -> int:
    """Forget finished digests older than `keep` (pending ones stay); returns how many."""
    with store.session() as session, session.begin():
        result = session.execute(delete(Digest).where(col(Digest.status) != "pending",
                                                      col(Digest.created_at) < now - keep))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
