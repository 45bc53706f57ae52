"""One release, two hubs: the store side of ModelScope as a second source.

A model on both hubs is one release (one `models` row): same lab, same repository name case-insensitively,
whatever the organisation is called on each hub. The hub that shows it first creates the row and its alert;
the second only adds its entry to the row's `sources` and a `source_added` event (no alert: the channel's
card is edited instead, tracker.telegram.sender). A release first seen on ModelScope keeps its ModelScope
repo id until the Hub shows it; then it takes the Hub's repo id and organisation, so that the Hub's own
polls (license changes, removals, weight updates) know it from then on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from tracker.detect import Change
from tracker.facts import ModelFacts
from tracker.hub.sources import MS, MS_STATE_PREFIX, entry, on_hub
from tracker.store.linking import add_source, find_release
from tracker.store.releases import POLL_WRITES, OrgPollSummary, Store, copy_facts, copy_hub_fields
from tracker.store.tables import Alert, Event, OrgState, TrackedModel
from tracker.watchlist import Lab


@dataclass(frozen=True)
class SourceLink:
    """A second hub found for a known release."""

    model_id: int
    hub: str
    repo_id: str


def ms_snapshot(store: Store, org: str, lab: Lab) -> tuple[OrgState | None, set[str]]:
    """The ModelScope organisation's poll state and the ModelScope repo ids of it we know."""
    with store.session() as session:
        state = session.get(OrgState, MS_STATE_PREFIX + org)
        rows = session.exec(select(TrackedModel.sources).where(TrackedModel.lab == lab.name,
                                                               col(TrackedModel.sources).is_not(None))).all()
    known: set[str] = set()
    for sources in rows:
        for source in sources or ():
            repo = source.get("repo_id") if isinstance(source, dict) and source.get("hub") == MS else None
            if isinstance(repo, str) and repo.split("/", 1)[0] == org:
                known.add(repo)
    return state, known


def apply_ms_poll(store: Store, org: str, lab: Lab, changes: Sequence[Change], facts: Mapping[str, ModelFacts], *,
                  now: datetime, model_count: int, urls: Mapping[str, str], hf_web_url: str
                  ) -> tuple[OrgPollSummary, list[SourceLink]]:
    """Write one ModelScope organisation's new models, atomically: a release of its own (event and alert, or
    silent backfill), or a second source of a known release (a `source_added` event, no alert)."""
    summary = OrgPollSummary(org=MS_STATE_PREFIX + org)
    links: list[SourceLink] = []
    with POLL_WRITES, store.session() as session, session.begin():  # one at a time with the Hub's (see there)
        state = session.get(OrgState, MS_STATE_PREFIX + org) or OrgState(org=MS_STATE_PREFIX + org, lab=lab.name)
        for change in changes:
            model = change.model
            if model is None:
                continue
            row = find_release(session, lab.name, change.repo_id, MS)
            if row is not None:
                if on_hub(row, MS) is not None:
                    continue
                add_source(row, MS, change.repo_id, urls[change.repo_id], now, hf_web_url, change.kind == "backfill")
                fill = facts.get(change.repo_id)
                if fill is not None and row.params_total is None and fill.params_total is not None:
                    copy_facts(row, fill)  # the Hub had no count yet: ModelScope's config.json gives one
                session.add(row)
                session.flush()
                assert row.id is not None
                session.add(Event(model_id=row.id, repo_id=row.repo_id, kind="source_added", at=now,
                                  new_value={"hub": MS, "repo_id": change.repo_id}))
                links.append(SourceLink(row.id, MS, change.repo_id))
                continue
            backfill = change.kind == "backfill"
            row = TrackedModel(repo_id=change.repo_id, lab=lab.name, org=model.org, region=lab.region,
                               first_seen_at=now, backfill=backfill,
                               released_at=(model.created_at or now) if backfill else now)
            copy_hub_fields(row, model)
            if (found := facts.get(change.repo_id)) is not None:
                copy_facts(row, found)
            row.sources = [entry(MS, change.repo_id, urls[change.repo_id], now, backfill)]
            # Read here (config.json from ModelScope for a new one); the Hub's enrichment never asks the Hub for it.
            row.config_checked_at = row.readme_checked_at = now
            session.add(row)
            session.flush()
            assert row.id is not None
            event = Event(model_id=row.id, repo_id=row.repo_id, kind=change.kind, at=now,
                          new_value={"hub": MS})
            session.add(event)
            if backfill:
                summary.backfill += 1
            else:
                summary.new += 1
            if change.alert:
                session.flush()
                assert event.id is not None
                session.add(Alert(event_id=event.id, model_id=row.id, kind="release", created_at=now))
                summary.alerts += 1
        state.lab = lab.name
        state.first_polled_at = state.first_polled_at or now
        state.last_attempt_at = state.last_success_at = now
        state.last_error, state.error_count, state.model_count = None, 0, model_count
        session.add(state)
    return summary, links
