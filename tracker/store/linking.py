"""Finding the release a model belongs to across hubs, and adding a hub's entry to its sources (inside the
caller's transaction; tracker.store.sources explains the rule)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from tracker.detect import Change
from tracker.hub.sources import HF, entry, hf_url, on_hub, sources_of
from tracker.store.tables import TrackedModel
from tracker.watchlist import Lab


def _name(repo_id: str) -> str:
    return repo_id.split("/", 1)[-1].lower()


def find_release(session: Session, lab: str, repo_id: str, hub: str) -> TrackedModel | None:
    """The release a model newly seen on `hub` belongs to: the row of that repo id, else a row of the same
    lab with the same repository name that has no source on `hub` yet."""
    row = session.exec(select(TrackedModel).where(TrackedModel.repo_id == repo_id)).first()
    if row is not None:
        return row
    name = _name(repo_id)
    for candidate in session.exec(select(TrackedModel).where(TrackedModel.lab == lab,
                                                             col(TrackedModel.repo_id).ilike(f"%/{name}"))):
        if _name(candidate.repo_id) == name and on_hub(candidate, hub) is None:
            return candidate
    return None


def add_source(row: TrackedModel, hub: str, repo_id: str, url: str, now: datetime, hf_web_url: str,
               backfill: bool = False) -> None:
    """Add the row's entry for `hub` (the implied Hub entry of an older row is written out first)."""
    found = [s for s in sources_of(row, hf_web_url) if s.get("hub") != hub]
    row.sources = [*found, entry(hub, repo_id, url, now, backfill)]


def link_from_hub(session: Session, change: Change, lab: Lab, now: datetime, hf_web_url: str,
                  same_id: TrackedModel | None = None) -> TrackedModel | None:
    """For a model the Hub shows for the first time: the release ModelScope showed first (`same_id`, the row
    of that very repo id, or one of the lab with the same name), re-keyed to the Hub's repo id and organisation
    with its Hub source added; None when it is a release of its own."""
    if change.model is None or change.kind not in ("new", "published", "backfill"):
        return None
    if same_id is not None:
        found = [same_id] if on_hub(same_id, HF) is None else []
    else:
        name = _name(change.repo_id)
        found = [row for row in session.exec(select(TrackedModel).where(
            TrackedModel.lab == lab.name, col(TrackedModel.repo_id).ilike(f"%/{name}")))
            if _name(row.repo_id) == name and on_hub(row, HF) is None]
    if not found:
        return None
    row = found[0]
    add_source(row, HF, change.repo_id, hf_url(hf_web_url, change.repo_id), now, hf_web_url,
               change.kind == "backfill")
    row.repo_id, row.org = change.repo_id, change.model.org
    return row
