"""Quantized builds of recent releases, and who was told of them (tables `quant_builds`, `quant_notices`).

A build is stored with an event (`quant_build`, on the release) and an alert in one transaction, like any
release. Its fan-out is per subscriber: the targets function names the notices each target gets
(`user:<id>#quant,fits`), and `claim` writes them with the delivery, refusing what was already said, so
each notice goes out once even across restarts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.store.releases import Store
from tracker.store.tables import Alert, Event, QuantBuild, QuantNotice, Subscriber, TrackedModel

KIND = "quant_build"  # the event's and the alert's kind
NOTICES = ("quant", "fits")


@dataclass(frozen=True)
class FoundBuild:
    """A build the poll found, with its sizes, ready to store."""

    release_id: int
    repo_id: str
    format: str
    variants: dict[str, int]  # complete weight sets: name -> bytes
    created_at: datetime | None


def wanted(store: Store) -> bool:
    """Someone wants to hear of builds: an active subscriber with `/settings quants on` or a memory set."""
    with store.session() as session:
        wants = col(Subscriber.quant_builds).is_(True) | col(Subscriber.vram_gb).is_not(None)
        query = select(func.count()).select_from(Subscriber).where(col(Subscriber.active).is_(True), wants)
        return bool(session.exec(query).one())


def recent_releases(store: Store, since: datetime) -> dict[str, int]:
    """Public releases we alerted (not backfill) released since `since` (a repo made public today counts,
    however long ago it was created): repo id (lower case) -> model id."""
    with store.session() as session:
        rows = session.exec(select(TrackedModel.repo_id, TrackedModel.id).where(
            TrackedModel.status == "public", col(TrackedModel.backfill).is_(False),
            col(TrackedModel.released_at) >= since)).all()
    return {repo.lower(): mid for repo, mid in rows if mid is not None}


def known(store: Store, repo_ids: Iterable[str]) -> set[str]:
    """The build repos among `repo_ids` already stored (for any release)."""
    ids = list(dict.fromkeys(repo_ids))
    if not ids:
        return set()
    with store.session() as session:
        return set(session.exec(select(QuantBuild.repo_id).where(col(QuantBuild.repo_id).in_(ids))).all())


def record(store: Store, found: FoundBuild, now: datetime) -> bool:
    """Store a build with its event and alert (one transaction); False when it was already stored."""
    smallest = min(found.variants.items(), key=lambda kv: (kv[1], kv[0]))
    with store.session() as session, session.begin():
        release = session.get(TrackedModel, found.release_id)
        earlier = session.exec(select(func.count()).select_from(QuantBuild)
                               .where(QuantBuild.model_id == found.release_id)).one()
        if release is None or session.exec(select(QuantBuild.id).where(
                QuantBuild.model_id == found.release_id, QuantBuild.repo_id == found.repo_id)).first() is not None:
            return False
        session.add(QuantBuild(model_id=found.release_id, repo_id=found.repo_id, format=found.format,
                               smallest_variant=smallest[0], smallest_bytes=smallest[1], variants=found.variants,
                               created_at=found.created_at, first_seen_at=now))
        event = Event(model_id=found.release_id, repo_id=release.repo_id, kind=KIND, at=now,
                      new_value={"repo_id": found.repo_id, "format": found.format, "variant": smallest[0],
                                 "bytes": smallest[1], "variants": found.variants, "first": earlier == 0})
        session.add(event)
        session.flush()
        assert event.id is not None
        session.add(Alert(event_id=event.id, model_id=found.release_id, kind=KIND, created_at=now))
    return True


def told(store: Store, model_id: int) -> set[tuple[int, str]]:
    """(user id, notice kind) already said about a release's builds."""
    with store.session() as session:
        rows = session.exec(select(QuantNotice.user_id, QuantNotice.kind)
                            .where(QuantNotice.model_id == model_id)).all()
    return {(uid, kind) for uid, kind in rows}


def split_target(target: str) -> tuple[str, tuple[str, ...]]:
    """`user:42#quant,fits` -> ("user:42", ("quant", "fits")); a plain target has no notices."""
    name, _, notices = target.partition("#")
    return name, tuple(n for n in notices.split(",") if n in NOTICES)


def notice_target(target: str, notices: Sequence[str]) -> str:
    """The fan-out target naming the notices it carries."""
    return f"{target}#{','.join(notices)}"


def claim(session: Session, alert: Alert, target: str, notices: Sequence[str], now: datetime) -> bool:
    """Record the notices of one delivery in the fan-out's transaction, with the memory the subscriber has
    set; False (no delivery) when all of them were already said."""
    user_id = int(target.split(":", 1)[1])
    person = session.get(Subscriber, user_id)
    vram_gb = person.vram_gb if person is not None else None
    said = set(session.exec(select(QuantNotice.kind).where(QuantNotice.user_id == user_id,
                                                           QuantNotice.model_id == alert.model_id)).all())
    fresh = [n for n in notices if n not in said]
    for notice in fresh:
        assert alert.id is not None
        session.add(QuantNotice(user_id=user_id, model_id=alert.model_id, kind=notice, alert_id=alert.id,
                                vram_gb=vram_gb, at=now))
    if fresh:
        session.flush()
    return bool(fresh)


def notices_of(store: Store, user_id: int, alert_id: int) -> tuple[tuple[str, ...], float | None]:
    """What one delivery tells its subscriber (notice kinds, and the memory they had set)."""
    with store.session() as session:
        rows = session.exec(select(QuantNotice.kind, QuantNotice.vram_gb)
                            .where(QuantNotice.user_id == user_id, QuantNotice.alert_id == alert_id)).all()
    kinds = tuple(k for k in NOTICES if any(kind == k for kind, _ in rows))
    return kinds, next((v for _, v in rows if v is not None), None)


def builds_of(store: Store, model_id: int) -> list[QuantBuild]:
    """A release's builds, first seen first."""
    with store.session() as session:
        return list(session.exec(select(QuantBuild).where(QuantBuild.model_id == model_id)
                                 .order_by(col(QuantBuild.id))).all())


def event_value(store: Store, event_id: int) -> dict:
    """The build an alert is about (its event's new_value)."""
    with store.session() as session:
        event = session.get(Event, event_id)
        return dict(event.new_value or {}) if event is not None else {}
