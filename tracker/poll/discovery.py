"""Discovery: organisations outside the watchlist that the Hub's trending list brings up (TRACKER_DISCOVERY=1).

A trending model from an unwatched organisation, created in the last 14 days and with at least
TRACKER_DISCOVERY_MIN_LIKES likes, gets its organisation proposed to the admins once (stored in
`discovered_orgs`, never proposed again). An admin's "Watch" adds it to the watchlist kept in the store;
its first poll is a backfill like any new organisation's, except that the trending model is alerted.

The decisions are here; the rows are kept by tracker.store.discovered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from tracker.detect import Change
from tracker.store import discovered
from tracker.store.releases import Store
from tracker.watchlist import Lab, Watchlist

RECENT = timedelta(days=14)


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


def runtime_lab(org: str) -> Lab:
    """The lab of an organisation added at runtime: named after it, country unknown."""
    return Lab(name=org, orgs=(org,), country="Unknown", region="Unknown", runtime=True)


def effective_watchlist(base: Watchlist, store: Store) -> Watchlist:
    """`base` (without labs added at runtime) plus the organisations watched at runtime."""
    labs = [lab for lab in base.labs if not lab.runtime]
    own = Watchlist(labs=tuple(labs))
    extra = [runtime_lab(row.org) for row in discovered.watched(store) if own.lab_for_org(row.org) is None]
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
    row = discovered.get(store, org)
    return {row.repo_id} if row is not None and row.status == discovered.WATCHED else set()


def promote(changes: Sequence[Change], repo_ids: set[str]) -> list[Change]:
    """The changes, with the backfill of `repo_ids` turned into alerted new releases. Pure."""
    return [replace(c, kind="new", alert=True) if c.kind == "backfill" and c.repo_id in repo_ids else c
            for c in changes]
