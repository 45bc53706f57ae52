"""Read-only queries over the stored history, shared by the CLI, the bot, exports, the feed and the site."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import col, select

from tracker.models import Event, OrgState, TrackedModel
from tracker.store import Store


@dataclass(frozen=True)
class HistoryFilter:
    """Which stored releases to show; every field is optional."""

    labs: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    min_params: int | None = None
    max_params: int | None = None
    licenses: tuple[str, ...] = ()
    license_classes: tuple[str, ...] = ()
    family: str | None = None
    include_backfill: bool = True
    limit: int | None = 20
    offset: int = 0


def _apply(query, f: HistoryFilter):  # noqa: ANN001, ANN202  (SQLModel select types are unwieldy)
    if f.labs:
        query = query.where(col(TrackedModel.lab).in_(f.labs))
    if f.orgs:
        query = query.where(func.lower(TrackedModel.org).in_([o.lower() for o in f.orgs]))
    if f.since:
        query = query.where(col(TrackedModel.released_at) >= f.since)
    if f.until:
        query = query.where(col(TrackedModel.released_at) <= f.until)
    if f.min_params is not None:
        query = query.where(col(TrackedModel.params_total) >= f.min_params)
    if f.max_params is not None:
        query = query.where(col(TrackedModel.params_total) <= f.max_params)
    if f.licenses:
        wanted = [x.lower() for x in f.licenses]
        query = query.where(or_(func.lower(TrackedModel.license).in_(wanted),
                                func.lower(TrackedModel.license_id).in_(wanted)))
    if f.license_classes:
        query = query.where(col(TrackedModel.license_class).in_(f.license_classes))
    if f.family:
        query = query.where(func.lower(TrackedModel.family) == f.family.lower())
    if not f.include_backfill:
        query = query.where(col(TrackedModel.backfill).is_(False))
    return query


def history(store: Store, f: HistoryFilter) -> list[TrackedModel]:
    """Stored releases matching `f`, newest first."""
    query = _apply(select(TrackedModel), f).order_by(
        col(TrackedModel.released_at).desc(), col(TrackedModel.id).desc()
    )
    if f.offset:
        query = query.offset(f.offset)
    if f.limit is not None:
        query = query.limit(f.limit)
    with store.session() as session:
        return list(session.exec(query).all())


def count(store: Store, f: HistoryFilter) -> int:
    """How many stored releases match `f` (ignoring its limit)."""
    with store.session() as session:
        return session.exec(_apply(select(func.count()).select_from(TrackedModel), f)).one()


def find_models(store: Store, query: str, limit: int = 10) -> list[TrackedModel]:
    """Models whose repo id equals or contains `query` (case-insensitive), exact matches first."""
    q = query.strip().lower()
    if not q:
        return []
    with store.session() as session:
        exact = session.exec(select(TrackedModel).where(func.lower(TrackedModel.repo_id) == q)).all()
        if exact:
            return list(exact)
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = session.exec(
            select(TrackedModel)
            .where(func.lower(TrackedModel.repo_id).like(pattern, escape="\\"))
            .order_by(col(TrackedModel.released_at).desc())
            .limit(limit)
        ).all()
        return list(rows)


def model_by_id(store: Store, model_id: int) -> TrackedModel | None:
    with store.session() as session:
        return session.get(TrackedModel, model_id)


def events(store: Store, since: datetime | None = None, kinds: Sequence[str] = ()) -> list[Event]:
    """The event log, oldest first."""
    query = select(Event).order_by(col(Event.id))
    if since:
        query = query.where(col(Event.at) >= since)
    if kinds:
        query = query.where(col(Event.kind).in_(kinds))
    with store.session() as session:
        return list(session.exec(query).all())


def org_states(store: Store) -> list[OrgState]:
    with store.session() as session:
        return list(session.exec(select(OrgState).order_by(col(OrgState.org))).all())
