"""Digests: one message per period instead of an alert per release, for subscribers and for the channel.

A period starts at TRACKER_DIGEST_TIME (HH:MM UTC) every day, or on Mondays for weekly digests. When a
period has begun and a target has not had its digest for it, one `Digest` row is queued (the digest's
outbox) covering the releases alerted since that target's previous digest, in the same transaction that
moves the target on. Queuing runs on a schedule and once at start, so a digest missed while the tracker
was down is queued when it comes back; sending marks a row sent once Telegram accepted it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from tracker.deliver.filters import SubscriptionFilter, matches
from tracker.render.templates import render
from tracker.render.text import MAX_VISIBLE, visible_length
from tracker.render.views import card
from tracker.store.releases import Store
from tracker.store.tables import Alert, Digest, Event, Subscriber, TrackedModel

MODES = ("off", "daily", "weekly")
CHANNEL = "channel"
LENGTH = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
MAX_CHANGES = 10  # license changes listed in one digest; the rest are counted
PERIOD_WORDS = {"day": "daily", "week": "weekly", "daily": "daily", "weekly": "weekly"}


def boundary(mode: str, digest_time: str, now: datetime) -> datetime:
    """When the current period began: the latest HH:MM at or before `now` (a Monday's, for weekly)."""
    hour, minute = (int(p) for p in digest_time.split(":"))
    start = datetime.combine(now.date(), time(hour, minute), tzinfo=now.tzinfo)
    if start > now:
        start -= timedelta(days=1)
    if mode == "weekly":
        start -= timedelta(days=start.weekday())
    return start


def period_key(mode: str, start: datetime) -> str:
    """The stored name of a period, e.g. 'daily:2026-12-02' or 'weekly:2026-11-30'."""
    return f"{mode}:{start:%Y-%m-%d}"


def next_time(mode: str, digest_time: str, now: datetime) -> datetime:
    """When the next period begins."""
    return boundary(mode, digest_time, now) + LENGTH[mode]


def mode_changes(mode: str, digest_time: str, now: datetime) -> dict[str, Any]:
    """The subscriber fields to store when someone chooses a digest mode: the current period counts as
    had, and their first digest starts now (alerts until now went to them one by one)."""
    if mode == "off":
        return {"digest": "off", "digest_period": None, "digest_since": None}
    return {"digest": mode, "digest_period": period_key(mode, boundary(mode, digest_time, now)),
            "digest_since": now}


def queue_due(store: Store, digest_time: str, now: datetime) -> int:
    """Queue the digest of every digest subscriber whose period has begun; returns how many were queued."""
    queued = 0
    with store.session() as session, session.begin():
        people = session.exec(select(Subscriber).where(col(Subscriber.active).is_(True),
                                                       col(Subscriber.digest).in_(["daily", "weekly"]))).all()
        for person in people:
            start = boundary(person.digest, digest_time, now)
            key = period_key(person.digest, start)
            if person.digest_period == key:
                continue
            since = person.digest_since or start - LENGTH[person.digest]
            session.add(Digest(target=f"user:{person.user_id}", period=key, since=since, until=now,
                               next_attempt_at=now, created_at=now))
            person.digest_period, person.digest_since = key, now
            session.add(person)
            queued += 1
    return queued


def queue_channel(store: Store, mode: str, digest_time: str, now: datetime) -> Digest | None:
    """Queue the channel's digest of the period that began last, unless it already is; returns it."""
    if mode not in LENGTH:
        return None
    start = boundary(mode, digest_time, now)
    key = period_key(mode, start)
    try:
        with store.session() as session, session.begin():
            rows = session.exec(select(Digest)
                                .where(Digest.target == CHANNEL, col(Digest.period).not_like("%:manual-%"))
                                .order_by(col(Digest.id).desc())).all()
            if any(r.period == key for r in rows):
                return None
            since = rows[0].until if rows else start - LENGTH[mode]
            row = Digest(target=CHANNEL, period=key, since=since, until=now, next_attempt_at=now, created_at=now)
            session.add(row)
    except IntegrityError:  # queued by another run at the same moment
        return None
    return row


def releases(store: Store, since: datetime, until: datetime, f: SubscriptionFilter | None = None) -> list[TrackedModel]:
    """Public releases alerted in [since, until) that the filter matches, by lab then release time.

    Times are whole seconds: half-open windows that follow on (one digest's `until` is the next one's
    `since`) put an alert of the very second a digest was queued, or a mode was chosen, in exactly one."""
    with store.session() as session:
        rows = session.exec(
            select(TrackedModel).join(Alert, col(Alert.model_id) == TrackedModel.id)
            .where(Alert.kind == "release", col(Alert.created_at) >= since, col(Alert.created_at) < until,
                   TrackedModel.status == "public")
            .order_by(TrackedModel.lab, col(TrackedModel.released_at), TrackedModel.repo_id)
        ).all()
    unique = list({r.id: r for r in rows}.values())
    return [m for m in unique if f is None or matches(f, m)]


@dataclass(frozen=True)
class Change:
    """A license change (or weight update) alerted during a digest's period: a digest subscriber hears of it
    there, since they get no instant alerts."""

    kind: str  # license_changed | weights_updated
    model: TrackedModel
    old: dict[str, Any]
    new: dict[str, Any]


def changes(store: Store, since: datetime, until: datetime, f: SubscriptionFilter | None = None,
            weight_updates: bool = False) -> list[Change]:
    """License changes (and, when opted in, weight updates) alerted in [since, until) that the filter
    matches, oldest first."""
    kinds = ["license_changed", "weights_updated"] if weight_updates else ["license_changed"]
    with store.session() as session:
        rows = session.exec(
            select(Alert, Event, TrackedModel).join(Event, col(Event.id) == Alert.event_id)
            .join(TrackedModel, col(TrackedModel.id) == Alert.model_id)
            .where(col(Alert.kind).in_(kinds), col(Alert.created_at) >= since, col(Alert.created_at) < until)
            .order_by(col(Alert.created_at), col(Alert.id))
        ).all()
    return [Change(alert.kind, model, _as_dict(event.old_value), _as_dict(event.new_value))
            for alert, event, model in rows if f is None or matches(f, model)]


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class DigestView:
    """What one digest message shows."""

    mode: str
    since: datetime
    until: datetime
    models: Sequence[Any]
    changes: Sequence[Change] = ()


def by_lab(models: Sequence[Any]) -> OrderedDict[str, list[Any]]:
    groups: OrderedDict[str, list[Any]] = OrderedDict()
    for model in models:
        groups.setdefault(model.lab, []).append(model)
    return groups


def cut_to_fit(text: Callable[[int], str], total: int, limit: int) -> str:
    """`text(total)` when it fits in `limit` visible characters, else `text(n)` for the largest n that
    fits (the template says "… and N more" for the rest)."""
    full = text(total)
    if visible_length(full) <= limit:
        return full
    lo, hi = 0, total  # the most that fit lies in [lo, hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if visible_length(text(mid)) <= limit:
            lo = mid
        else:
            hi = mid
    return text(lo)


def digest_text(view: DigestView, lang: str, hub_url: str, limit: int = MAX_VISIBLE,
                template: str = "digest.html") -> str:
    """The digest as Telegram HTML (templates/{lang}/digest.html), cut to `limit` visible characters
    with "… and N more" when it is too long."""

    def text(shown: int) -> str:
        groups = by_lab(view.models[:shown])
        return render(template, lang=lang, mode=view.mode, since=view.since, until=view.until,
                      total=len(view.models), more=len(view.models) - shown,
                      groups=[(lab, [card(m, hub_url) for m in ms]) for lab, ms in groups.items()],
                      changes=[(c, card(c.model, hub_url)) for c in view.changes[:MAX_CHANGES]],
                      more_changes=max(0, len(view.changes) - MAX_CHANGES))

    return cut_to_fit(text, len(view.models), limit)


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
