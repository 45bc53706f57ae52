"""Discovered organisations' rows (`discovered_orgs`): found on the Hub's trending list, proposed to the
admins once, then watched, ignored or unwatched by one of them. Rows are never deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from tracker.store.releases import Store
from tracker.store.tables import DiscoveredOrg

WATCHED = "watched"


def record(store: Store, found: Sequence[Any], now: datetime) -> list[str]:
    """Store organisations not seen before (in any state); returns those newly found, to propose.
    `found` holds Hub models (their `org`, `repo_id`, `likes` and `created_at` are kept)."""
    if not found:
        return []
    new: list[str] = []
    with store.session() as session, session.begin():
        known = {o.lower() for o in session.exec(select(DiscoveredOrg.org)).all()}
        for model in found:
            org = model.org
            if org.lower() in known:
                continue
            session.add(DiscoveredOrg(org=org, repo_id=model.repo_id, likes=model.likes,
                                      model_created_at=model.created_at, found_at=now))
            known.add(org.lower())
            new.append(org)
    return new


def to_propose(store: Store) -> list[DiscoveredOrg]:
    """Organisations found but not yet told to the admins."""
    with store.session() as session:
        return list(session.exec(select(DiscoveredOrg).where(DiscoveredOrg.status == "proposed",
                                                             col(DiscoveredOrg.proposed_at).is_(None))
                                 .order_by(col(DiscoveredOrg.found_at))).all())


def get(store: Store, org: str) -> DiscoveredOrg | None:
    """The stored row of an organisation, matched case-insensitively."""
    with store.session() as session:
        rows = session.exec(select(DiscoveredOrg)).all()
    return next((r for r in rows if r.org.lower() == org.lower()), None)


def mark_proposed(store: Store, org: str, now: datetime) -> None:
    with store.session() as session, session.begin():
        row = session.get(DiscoveredOrg, org)
        if row is not None:
            row.proposed_at = now
            session.add(row)


def decide(store: Store, org: str, status: str, by: int | None, now: datetime) -> DiscoveredOrg | None:
    """watched | ignored | unwatched, by an admin; returns the row (None for an unknown organisation)."""
    found = get(store, org)
    if found is None:
        return None
    with store.session() as session, session.begin():
        row = session.get(DiscoveredOrg, found.org)
        assert row is not None
        row.status, row.decided_by, row.decided_at = status, by, now
        row.proposed_at = row.proposed_at or now
        session.add(row)
    return row


def watched(store: Store) -> list[DiscoveredOrg]:
    """The organisations added to the watchlist at runtime, oldest first."""
    with store.session() as session:
        return list(session.exec(select(DiscoveredOrg).where(DiscoveredOrg.status == WATCHED)
                                 .order_by(col(DiscoveredOrg.decided_at))).all())
