"""Discovery: organisations outside the watchlist that the Hub's trending list brings up (TRACKER_DISCOVERY=1).

A trending model from an unwatched organisation, created in the last 14 days and with at least
TRACKER_DISCOVERY_MIN_LIKES likes, gets its organisation proposed to the admins once (stored in
`discovered_orgs`, never proposed again). An admin's "Watch" adds it to the watchlist kept in the store;
its first poll is a backfill like any new organisation's, except that the trending model is alerted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from tracker.detect import Change
from tracker.store.releases import Store
from tracker.store.tables import DiscoveredOrg
from tracker.watchlist import Lab, Watchlist

RECENT = timedelta(days=14)
WATCHED = "watched"


def candidates(trending: Iterable[object], watchlist: Watchlist, now: datetime, min_likes: int) -> list[object]:
    """The first trending model of each unwatched organisation that is recent and liked enough. Pure."""
    chosen: dict[str, object] = {}
    for model in trending:
        org, created, likes = model.org, model.created_at, model.likes  # type: ignore[attr-defined]
        if watchlist.lab_for_org(org) is not None or org.lower() in chosen:
            continue
        if created is None or now - created > RECENT or likes < min_likes:
            continue
        chosen[org.lower()] = model
    return list(chosen.values())


def record(store: Store, found: Sequence[object], now: datetime) -> list[str]:
    """Store organisations not seen before (in any state); returns those newly found, to propose."""
    if not found:
        return []
    new: list[str] = []
    with store.session() as session, session.begin():
        known = {o.lower() for o in session.exec(select(DiscoveredOrg.org)).all()}
        for model in found:
            org = model.org  # type: ignore[attr-defined]
            if org.lower() in known:
                continue
            session.add(DiscoveredOrg(org=org, repo_id=model.repo_id, likes=model.likes,  # type: ignore[attr-defined]
                                      model_created_at=model.created_at, found_at=now))  # type: ignore[attr-defined]
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


def runtime_lab(org: str) -> Lab:
    """The lab of an organisation added at runtime: named after it, country unknown."""
    return Lab(name=org, orgs=(org,), country="Unknown", region="Unknown", runtime=True)


def effective_watchlist(base: Watchlist, store: Store) -> Watchlist:
    """`base` (without labs added at runtime) plus the organisations watched at runtime."""
    labs = [lab for lab in base.labs if not lab.runtime]
    own = Watchlist(labs=tuple(labs))
    extra = [runtime_lab(row.org) for row in watched(store) if own.lab_for_org(row.org) is None]
    return Watchlist(labs=tuple(labs + extra))


def effective_watchlist_if_stored(base: Watchlist, database_url: str) -> Watchlist:
    """Like effective_watchlist, for commands that should not create a database just to read one."""
    if database_url.startswith("sqlite") and "///" in database_url:
        path = database_url.split("///", 1)[1]
        if path and path != ":memory:" and not Path(path).exists():
            return base
    return effective_watchlist(base, Store.open(database_url))


def alerted_on_first_poll(store: Store, org: str) -> set[str]:
    """The trending model of an organisation watched at runtime: alerted although its first poll is a
    backfill."""
    row = get(store, org)
    return {row.repo_id} if row is not None and row.status == WATCHED else set()


def promote(changes: Sequence[Change], repo_ids: set[str]) -> list[Change]:
    """The changes, with the backfill of `repo_ids` turned into alerted new releases. Pure."""
    return [replace(c, kind="new", alert=True) if c.kind == "backfill" and c.repo_id in repo_ids else c
            for c in changes]
