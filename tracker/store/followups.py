"""The follow-ups' schedule and results: one row per release and checkpoint, one `followup` event per done one.

Rows are made for every release that was alerted (an alert of kind `release`), one per TRACKER_FOLLOWUP_AFTER
duration, due that long after the release was first seen. A checkpoint that failed (the Hub, or a release
removed for now) stays pending and is tried again at the next cycle; a done one is never repeated: its event,
its outbox alert and its `done` status are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from tracker.store.releases import Store
from tracker.store.tables import Alert, Card, Event, Followup, TrackedModel

LATE = timedelta(days=2)  # a checkpoint this late past its time (and its own length) is given up
KIND = "followup"


@dataclass(frozen=True)
class DueFollowup:
    """A checkpoint to take now, with its release."""

    followup: Followup
    model: TrackedModel


def schedule(store: Store, afters: Sequence[int], now: datetime) -> int:
    """Add the missing checkpoints of recent releases; returns how many. A checkpoint already further past its
    time than its own length (a release older than the setting) is not added."""
    if not afters:
        return 0
    horizon = now - timedelta(seconds=2 * max(afters)) - timedelta(days=1)
    rows: list[dict[str, Any]] = []
    with store.session() as session, session.begin():
        releases = session.exec(
            select(TrackedModel.id, TrackedModel.repo_id, TrackedModel.released_at, Alert.created_at)
            .join(Alert, col(Alert.model_id) == TrackedModel.id)
            .where(Alert.kind == "release", col(Alert.created_at) >= horizon)
        ).all()
        if not releases:
            return 0
        ids = {r[0] for r in releases}
        have = set(session.exec(select(Followup.model_id, Followup.after_s)
                                .where(col(Followup.model_id).in_(ids))).all())
        seen: set[int] = set()
        for model_id, repo_id, released_at, alerted_at in releases:
            if model_id in seen:
                continue
            seen.add(model_id)
            start = released_at or alerted_at
            for after in afters:
                due = start + timedelta(seconds=after)
                if (model_id, after) in have or now - due > timedelta(seconds=after):
                    continue
                rows.append({"model_id": model_id, "repo_id": repo_id, "after_s": after, "due_at": due,
                             "status": "pending", "attempts": 0, "created_at": now})
        if rows:
            session.execute(insert(Followup), rows)
    return len(rows)


def due(store: Store, now: datetime, limit: int) -> list[DueFollowup]:
    """Up to `limit` checkpoints due now, oldest first. An earlier checkpoint of a release whose later one is
    due too is skipped (the later one says more), and one late by days is given up."""
    with store.session() as session, session.begin():
        rows = session.exec(
            select(Followup, TrackedModel).join(TrackedModel, col(TrackedModel.id) == Followup.model_id)
            .where(Followup.status == "pending", col(Followup.due_at) <= now)
            .order_by(col(Followup.due_at), col(Followup.id))
        ).all()
        latest: dict[int, int] = {}
        for followup, _model in rows:
            latest[followup.model_id] = max(latest.get(followup.model_id, 0), followup.after_s)
        chosen: list[DueFollowup] = []
        for followup, model in rows:
            if followup.after_s < latest[followup.model_id]:
                followup.status = "skipped"
            elif now - followup.due_at > max(LATE, timedelta(seconds=followup.after_s)):
                followup.status = "expired"
            elif len(chosen) < limit:
                chosen.append(DueFollowup(followup, model))
                continue
            else:
                continue
            session.add(followup)
        for item in chosen:
            session.expunge(item.followup)
            session.expunge(item.model)
    return chosen


def record(store: Store, followup_id: int, numbers: dict[str, Any], now: datetime) -> int | None:
    """Store a done checkpoint: its `followup` event, the alert that puts it on the card, and `done`, at once.
    Returns the event's id, or None when it was done already (never twice)."""
    with store.session() as session, session.begin():
        row = session.get(Followup, followup_id)
        if row is None or row.status != "pending":
            return None
        event = Event(model_id=row.model_id, repo_id=row.repo_id, kind=KIND, at=now, new_value=numbers)
        session.add(event)
        session.flush()
        assert event.id is not None
        session.add(Alert(event_id=event.id, model_id=row.model_id, kind=KIND, created_at=now))
        row.status, row.done_at, row.event_id, row.last_error = "done", now, event.id, None
        session.add(row)
        return event.id


def failed(store: Store, followup_id: int, error: str, now: datetime) -> None:
    """A checkpoint that could not be taken now: it stays pending for the next cycle."""
    with store.session() as session, session.begin():
        row = session.get(Followup, followup_id)
        if row is not None and row.status == "pending":
            row.attempts += 1
            row.last_error = error[:500]
            session.add(row)


def of_models(source: Store | Engine, model_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The follow-ups done for each model, oldest first: {model_id: [event.new_value + {"at"}]}; `source` is the
    store, or the engine of a reader (the bot, the site)."""
    if not model_ids:
        return {}
    found: dict[int, list[dict[str, Any]]] = {}
    with Session(source.engine if isinstance(source, Store) else source) as session:
        events = session.exec(select(Event).where(Event.kind == KIND, col(Event.model_id).in_(set(model_ids)))
                              .order_by(col(Event.at), col(Event.id))).all()
    for event in events:
        found.setdefault(event.model_id, []).append({**(event.new_value or {}), "at": event.at})
    return found


def schedule_of(store: Store, model_id: int) -> list[Followup]:
    """Every checkpoint of one model (for `tracker inspect` and tests)."""
    with store.session() as session:
        return list(session.exec(select(Followup).where(Followup.model_id == model_id)
                                 .order_by(col(Followup.after_s))).all())


def card_of(store: Store, target: str, wave_key: str, model_id: int) -> Card | None:
    """The newest card for `target` that shows the model (None: it never had one)."""
    with store.session() as session:
        cards = session.exec(select(Card).where(Card.target == target, Card.wave_key == wave_key)
                             .order_by(col(Card.id).desc())).all()
    return next((c for c in cards if model_id in (c.model_ids or [])), None)


def release_kind(store: Store, model_ids: Sequence[int]) -> str:
    """"published" when every one of these releases was a private repo made public, else "new" (a card's kind)."""
    with store.session() as session:
        kinds = set(session.exec(select(Event.kind).where(col(Event.model_id).in_(set(model_ids)),
                                                          col(Event.kind).in_(("new", "published")))).all())
    return "published" if kinds == {"published"} else "new"


def by_repo(engine: Engine, released_only: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Every release's follow-ups by repo id, oldest first (the site's model pages); with `released_only`, of
    stored releases with a release time only (those the site shows)."""
    found: dict[str, list[dict[str, Any]]] = {}
    query = select(Event).where(Event.kind == KIND)
    if released_only:
        shown = select(TrackedModel.repo_id).where(col(TrackedModel.released_at).is_not(None))
        query = query.where(col(Event.repo_id).in_(shown))
    with Session(engine) as session:
        events = session.exec(query.order_by(col(Event.at), col(Event.id))).all()
    for event in events:
        found.setdefault(event.repo_id, []).append({**(event.new_value or {}), "at": event.at})
    return found


def of_repo(engine: Engine, repo_id: str) -> list[dict[str, Any]]:
    """One release's follow-ups, oldest first (`tracker inspect`)."""
    with Session(engine) as session:
        events = session.exec(select(Event).where(Event.kind == KIND, Event.repo_id == repo_id)
                              .order_by(col(Event.at), col(Event.id))).all()
    return [{**(event.new_value or {}), "at": event.at} for event in events]
